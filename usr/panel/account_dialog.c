// SPDX-License-Identifier: GPL-2.0
/*
 * account_dialog: add or change an account (see account_dialog.h).
 *
 * One table describes the fields: the daemon's key, the label, whether it
 * is a secret, and which types use it. Building the form, showing the
 * fields of the chosen type and collecting settings and secrets all walk
 * that table, so adding a field is adding a line.
 */
#include "account_dialog.h"
#include "job_text.h"
#include "widgets.h"

enum { F_LOCAL = 1, F_WEBDAV = 2, F_S3 = 4, F_SFTP = 8, F_ALL = 15 };

static const struct field {
	const char *key;	/* the daemon's settings or secrets key */
	const char *label;
	const char *hint;	/* placeholder text */
	gboolean secret;
	int types;
} fields[] = {
	{ "url", N_("Server _address"), "https://cloud.example.com/remote.php/dav/files/me",
	  FALSE, F_WEBDAV | F_S3 | F_SFTP },
	{ "username", N_("_User name"), NULL, FALSE, F_WEBDAV | F_SFTP },
	{ "password", N_("Pass_word"), NULL, TRUE, F_WEBDAV | F_SFTP },
	{ "access-key", N_("_Access key"), NULL, TRUE, F_S3 },
	{ "secret-key", N_("S_ecret key"), NULL, TRUE, F_S3 },
	{ "region", N_("Re_gion"), "us-east-1", FALSE, F_S3 },
	{ "folder", N_("_Folder"), N_("Scans"), FALSE, F_ALL },
	{ "name-template", N_("File _names"), "scan-{date}-{time}-{counter}", FALSE, F_ALL },
	{ "notify-email", N_("_Email for problems"), "me@example.com", FALSE, F_ALL },
};

static const char *const type_values[] = { "local", "webdav", "s3", "sftp", NULL };
static const char *const type_labels[] = { N_("Folder"), N_("WebDAV"),
	N_("S3"), N_("SFTP"), NULL };

/* The properties that show a setting, in the order of fields[]. */
static const char *const field_props[] = { "Url", "Username", NULL, NULL, NULL,
	NULL, "Folder", "NameTemplate", "NotifyEmail" };

struct account_form {
	struct daemon_client *dc;
	account_dialog_done_fn done;
	void *data;
	char *path;		/* NULL when adding */
	GtkWidget *window, *name, *error, *ok;
	GtkWidget *insecure;	/* allow-insecure-http, for http:// servers */
	GtkWidget *types[4];	/* one toggle button per entry of type_values */
	GtkWidget *controls[G_N_ELEMENTS(fields)];
	GtkWidget *labels[G_N_ELEMENTS(fields)];
};

/* The index in type_values of the chosen type (one is always active). */
static guint type_index(struct account_form *f)
{
	for (guint i = 0; i < G_N_ELEMENTS(f->types); i++)
		if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(f->types[i])))
			return i;
	return 0;
}

static int type_bit(struct account_form *f)
{
	return 1 << type_index(f);
}

static const char *type_value(struct account_form *f)
{
	return type_values[type_index(f)];
}

static void show_type_fields(struct account_form *f)
{
	int bit = type_bit(f);

	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		gboolean on = (fields[i].types & bit) != 0;

		gtk_widget_set_visible(f->controls[i], on);
		gtk_widget_set_visible(f->labels[i], on);
	}
	if (f->insecure)	/* NULL while the form is being built */
		gtk_widget_set_visible(f->insecure, (bit & (F_WEBDAV | F_S3)) != 0);
}

static void on_type_toggled(GtkToggleButton *b, gpointer data)
{
	if (gtk_toggle_button_get_active(b))
		show_type_fields(data);
}

static const char *field_text(struct account_form *f, guint i)
{
	return gtk_editable_get_text(GTK_EDITABLE(f->controls[i]));
}

/*
 * The daemon refuses a login over plain http:// unless the account allows
 * it (Documentation/dbus-api.rst, allow-insecure-http). A new account says
 * so only when the box is ticked; a change always says which it is.
 */
static void add_insecure_http(struct account_form *f, GVariantBuilder *b)
{
	gboolean on = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(f->insecure));

	if (on || f->path)
		g_variant_builder_add(b, "{sv}", "allow-insecure-http",
				      g_variant_new_string(on ? "yes" : "no"));
}

/* settings (secret = FALSE) or secrets (TRUE) of the visible fields;
 * empty fields are left out (an edit leaves them unchanged). */
static GVariant *collect(struct account_form *f, gboolean secret)
{
	GVariantBuilder b;
	int bit = type_bit(f);

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		const char *text = field_text(f, i);

		if (fields[i].secret != secret || !(fields[i].types & bit))
			continue;
		if (*text || (f->path && !secret))
			g_variant_builder_add(&b, "{sv}", fields[i].key,
					      g_variant_new_string(text));
	}
	if (f->path && !secret)
		g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(
			gtk_editable_get_text(GTK_EDITABLE(f->name))));
	if (!secret && (bit & (F_WEBDAV | F_S3)))
		add_insecure_http(f, &b);
	return g_variant_builder_end(&b);
}

static void form_failed(struct account_form *f, const GError *error)
{
	gtk_label_set_text(GTK_LABEL(f->error), dc_error_text(error));
	gtk_widget_set_visible(f->error, TRUE);
	gtk_widget_set_sensitive(f->ok, TRUE);
}

static void form_succeeded(struct account_form *f, const char *path)
{
	f->done(path, f->data);
	gtk_window_destroy(GTK_WINDOW(f->window));
}

static void on_secrets_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct account_form *f = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = dc_call_finish(f->dc, res, &error);

	if (r)
		form_succeeded(f, f->path);
	else
		form_failed(f, error);
}

static void on_update_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct account_form *f = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = dc_call_finish(f->dc, res, &error);
	GVariant *secrets;

	if (!r) {
		form_failed(f, error);
		return;
	}
	secrets = collect(f, TRUE);
	if (g_variant_n_children(secrets) == 0) {
		g_variant_unref(g_variant_ref_sink(secrets));
		form_succeeded(f, f->path);
		return;
	}
	dc_call(f->dc, f->path, DC_ACCOUNT, "SetSecrets",
		g_variant_new_tuple(&secrets, 1), on_secrets_reply, f);
}

static void on_create_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct account_form *f = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = dc_call_finish(f->dc, res, &error);
	const char *path;

	if (!r) {
		form_failed(f, error);
		return;
	}
	g_variant_get(r, "(&o)", &path);
	form_succeeded(f, path);
}

static void on_ok(GtkButton *b, gpointer data)
{
	struct account_form *f = data;
	const char *name = gtk_editable_get_text(GTK_EDITABLE(f->name));

	if (!*name) {
		gtk_label_set_text(GTK_LABEL(f->error),
				   _("Give the account a name, such as “Work”."));
		gtk_widget_set_visible(f->error, TRUE);
		return;
	}
	gtk_widget_set_sensitive(f->ok, FALSE);
	if (f->path)
		dc_call(f->dc, f->path, DC_ACCOUNT, "Update",
			g_variant_new("(@a{sv})", collect(f, FALSE)),
			on_update_reply, f);
	else
		dc_call(f->dc, DC_PATH, DC_MANAGER, "CreateAccount",
			g_variant_new("(ss@a{sv}@a{sv})", name, type_value(f),
				      collect(f, FALSE), collect(f, TRUE)),
			on_create_reply, f);
}

static void on_cancel(GtkButton *b, gpointer data)
{
	struct account_form *f = data;

	gtk_window_destroy(GTK_WINDOW(f->window));
}

static void on_destroy(GtkWidget *w, gpointer data)
{
	struct account_form *f = data;

	g_free(f->path);
	g_free(f);
}

static GtkWidget *field_control(const struct field *fd)
{
	GtkWidget *c = fd->secret ? gtk_password_entry_new() : gtk_entry_new();

	/* a password is never shown, not even on request: others may be
	 * looking at the touch panel */
	if (!fd->secret && fd->hint)
		gtk_entry_set_placeholder_text(GTK_ENTRY(c), _(fd->hint));
	if (GTK_IS_ENTRY(c))
		gtk_entry_set_activates_default(GTK_ENTRY(c), TRUE);
	else
		g_object_set(c, "activates-default", TRUE, NULL);
	return c;
}

/* The type as a row of large toggle buttons: one touch, no pop-up. */
static GtkWidget *type_buttons(struct account_form *f)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);

	gtk_widget_add_css_class(box, "linked");
	widgets_name(box, _("Type"));
	for (guint i = 0; i < G_N_ELEMENTS(f->types); i++) {
		f->types[i] = gtk_toggle_button_new_with_label(_(type_labels[i]));
		if (i)
			gtk_toggle_button_set_group(GTK_TOGGLE_BUTTON(f->types[i]),
						    GTK_TOGGLE_BUTTON(f->types[0]));
		g_signal_connect(f->types[i], "toggled",
				 G_CALLBACK(on_type_toggled), f);
		gtk_box_append(GTK_BOX(box), f->types[i]);
	}
	gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(f->types[0]), TRUE);
	return box;
}

static GtkWidget *form_grid(struct account_form *f)
{
	GtkWidget *grid = gtk_grid_new();

	gtk_grid_set_row_spacing(GTK_GRID(grid), 8);
	gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
	f->name = gtk_entry_new();
	gtk_entry_set_placeholder_text(GTK_ENTRY(f->name), _("Work"));
	gtk_entry_set_activates_default(GTK_ENTRY(f->name), TRUE);
	widgets_field(GTK_GRID(grid), 0, _("_Name"), f->name);
	widgets_field(GTK_GRID(grid), 1, _("_Type"), type_buttons(f));
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		f->controls[i] = field_control(&fields[i]);
		f->labels[i] = widgets_field(GTK_GRID(grid), (int)i + 2,
					     _(fields[i].label), f->controls[i]);
	}
	return grid;
}

static GtkWidget *form_buttons(struct account_form *f, const char *ok_label)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	GtkWidget *cancel = widgets_button(_("_Cancel"), NULL);

	f->ok = widgets_button(ok_label, NULL);
	gtk_widget_add_css_class(f->ok, "suggested-action");
	gtk_widget_set_halign(box, GTK_ALIGN_END);
	g_signal_connect(cancel, "clicked", G_CALLBACK(on_cancel), f);
	g_signal_connect(f->ok, "clicked", G_CALLBACK(on_ok), f);
	gtk_box_append(GTK_BOX(box), cancel);
	gtk_box_append(GTK_BOX(box), f->ok);
	gtk_window_set_default_widget(GTK_WINDOW(f->window), f->ok);
	return box;
}

static struct account_form *form_new(GtkWindow *parent, struct daemon_client *dc,
				     const char *title, const char *ok_label,
				     account_dialog_done_fn done, void *data)
{
	struct account_form *f = g_new0(struct account_form, 1);
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *scroll = gtk_scrolled_window_new();

	f->dc = dc;
	f->done = done;
	f->data = data;
	f->window = gtk_window_new();
	gtk_window_set_title(GTK_WINDOW(f->window), title);
	gtk_window_set_modal(GTK_WINDOW(f->window), TRUE);
	gtk_window_set_transient_for(GTK_WINDOW(f->window), parent);
	gtk_window_set_default_size(GTK_WINDOW(f->window), 640, 460);
	gtk_widget_add_css_class(box, "dialog-body");
	f->error = widgets_label("", "error");
	gtk_widget_set_visible(f->error, FALSE);
	gtk_box_append(GTK_BOX(box), widgets_label(title, "title-2"));
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), form_grid(f));
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll),
				       GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_widget_set_vexpand(scroll, TRUE);
	gtk_box_append(GTK_BOX(box), scroll);
	/* outside the scrolled fields, so a choice about security stays in
	 * view; a toggle button, like the type row: one touch on the panel */
	f->insecure = gtk_toggle_button_new_with_mnemonic(
		_("Allow plain _http:// (the password travels unencrypted)"));
	widgets_name(f->insecure, _("Allow plain http://"));
	gtk_box_append(GTK_BOX(box), f->insecure);
	gtk_box_append(GTK_BOX(box), f->error);
	gtk_box_append(GTK_BOX(box), form_buttons(f, ok_label));
	gtk_window_set_child(GTK_WINDOW(f->window), box);
	g_signal_connect(f->window, "destroy", G_CALLBACK(on_destroy), f);
	return f;
}

void account_dialog_add(GtkWindow *parent, struct daemon_client *dc,
			account_dialog_done_fn done, void *data)
{
	struct account_form *f = form_new(parent, dc, _("Add an Account"),
					  _("_Add"), done, data);

	show_type_fields(f);
	gtk_window_present(GTK_WINDOW(f->window));
	gtk_widget_grab_focus(f->name);
}

void account_dialog_edit(GtkWindow *parent, struct daemon_client *dc,
			 const char *path, GVariant *props,
			 account_dialog_done_fn done, void *data)
{
	struct account_form *f = form_new(parent, dc, _("Change the Account"),
					  _("_Save"), done, data);
	const char *type = dc_prop_str(props, "Type", "local");
	gboolean insecure;

	f->path = g_strdup(path);
	for (guint i = 0; type_values[i]; i++) {
		if (g_strcmp0(type_values[i], type) == 0)
			gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(f->types[i]), TRUE);
		/* an account's type cannot change */
		gtk_widget_set_sensitive(f->types[i], FALSE);
	}
	gtk_editable_set_text(GTK_EDITABLE(f->name), dc_prop_str(props, "Name", ""));
	if (props && g_variant_lookup(props, "AllowInsecureHttp", "b", &insecure))
		gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(f->insecure), insecure);
	for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
		if (field_props[i])
			gtk_editable_set_text(GTK_EDITABLE(f->controls[i]),
				dc_prop_str(props, field_props[i], ""));
		else if (fields[i].secret)
			gtk_accessible_update_property(GTK_ACCESSIBLE(f->controls[i]),
				GTK_ACCESSIBLE_PROPERTY_PLACEHOLDER,
				_("Unchanged"), -1);
	}
	show_type_fields(f);
	gtk_window_present(GTK_WINDOW(f->window));
}
