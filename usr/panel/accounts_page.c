// SPDX-License-Identifier: GPL-2.0
/*
 * accounts_page: list, add, change, check and delete accounts (see
 * accounts_page.h). The list is read from ListDestinations and each
 * account's properties; a Check result is kept per account path so that
 * it survives the list being read again.
 */
#include "account_dialog.h"
#include "accounts_page.h"
#include "confirm_call.h"
#include "job_text.h"
#include "widgets.h"

struct accounts_page {
	struct daemon_client *dc;
	accounts_page_changed_fn changed;
	void *changed_data;
	GtkWidget *root, *list, *empty, *banner;
	GHashTable *checks;	/* account path -> last Check result text */
};

struct account_ref {
	struct accounts_page *page;
	char *path;
	char *name;
};

static struct account_ref *account_ref_new(struct accounts_page *p,
					   const char *path, const char *name)
{
	struct account_ref *r = g_new0(struct account_ref, 1);

	r->page = p;
	r->path = g_strdup(path);
	r->name = g_strdup(name);
	return r;
}

static void account_ref_free(void *data)
{
	struct account_ref *r = data;

	g_free(r->path);
	g_free(r->name);
	g_free(r);
}

GtkWidget *accounts_page_widget(struct accounts_page *p)
{
	return p->root;
}

static void say(struct accounts_page *p, const char *text)
{
	widgets_say(p->banner, text);
}

static void accounts_changed(struct accounts_page *p)
{
	accounts_page_refresh(p);
	p->changed(p->changed_data);
}

/* --- actions ---------------------------------------------------------- */

static void on_check_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct account_ref *r = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = dc_call_finish(r->page->dc, res, &error);
	gboolean ok = FALSE;
	guint64 free_bytes = 0;
	const char *message = "";
	char size[32];
	char *text;

	if (reply)
		g_variant_get(reply, "(bt&s)", &ok, &free_bytes, &message);
	if (!reply)
		text = g_strdup_printf(_("Check failed: %s"), dc_error_text(error));
	else if (ok && free_bytes)
		text = g_strdup_printf(_("Works. %s free."),
			job_text_bytes(free_bytes, size, sizeof(size)));
	else if (ok)
		text = g_strdup_printf(_("Works. %s"), message);
	else
		text = g_strdup_printf(_("Does not work: %s"), message);
	g_hash_table_insert(r->page->checks, g_strdup(r->path), text);
	accounts_page_refresh(r->page);
	account_ref_free(r);
}

static void on_check(GtkButton *b, gpointer data)
{
	struct account_ref *r = data;

	g_hash_table_insert(r->page->checks, g_strdup(r->path),
			    g_strdup(_("Checking…")));
	accounts_page_refresh(r->page);
	dc_call(r->page->dc, r->path, DC_ACCOUNT, "Check", NULL, on_check_reply,
		account_ref_new(r->page, r->path, r->name));
}

static void on_dialog_done(const char *path, void *data)
{
	accounts_changed(data);
}

static void on_edit(GtkButton *b, gpointer data)
{
	struct account_ref *r = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) props = dc_get_all(r->page->dc, r->path, DC_ACCOUNT,
					       &error);

	if (!props) {
		say(r->page, dc_error_text(error));
		return;
	}
	account_dialog_edit(GTK_WINDOW(gtk_widget_get_root(r->page->root)),
			    r->page->dc, r->path, props, on_dialog_done, r->page);
}

/* The daemon answered Delete: say so, read the accounts again. */
static void on_deleted(const char *text, void *data)
{
	say(data, text);
	accounts_changed(data);
}

static void on_delete(GtkButton *b, gpointer data)
{
	struct account_ref *r = data;
	g_autofree char *heading = g_strdup_printf(_("Delete the account “%s”?"),
						   r->name);
	g_autofree char *done = g_strdup_printf(
		_("The account “%s” was deleted."), r->name);
	g_autofree char *failed = g_strdup_printf(
		_("The account “%s” was not deleted"), r->name);
	struct confirm_call c = {
		.heading = heading,
		.body = _("Scans can no longer be sent there. Its password is "
			  "forgotten. Files already uploaded stay where they are, "
			  "and waiting scans are kept."),
		.action = _("_Delete"),
		.dc = r->page->dc, .path = r->path, .iface = DC_ACCOUNT,
		.method = "Delete", .done = done, .failed = failed,
		.said = on_deleted, .data = r->page,
	};

	confirm_call_run(GTK_WINDOW(gtk_widget_get_root(r->page->root)), &c);
}

static void on_add(GtkButton *b, gpointer data)
{
	struct accounts_page *p = data;

	account_dialog_add(GTK_WINDOW(gtk_widget_get_root(p->root)), p->dc,
			   on_dialog_done, p);
}

/* --- the list --------------------------------------------------------- */

static GtkWidget *account_button(const char *label, const char *account,
				 GCallback cb, struct account_ref *r)
{
	GtkWidget *b = widgets_button(label, account);

	g_signal_connect_data(b, "clicked", cb,
			      account_ref_new(r->page, r->path, r->name),
			      (GClosureNotify)(void (*)(void))account_ref_free, 0);
	return b;
}

static char *where_text(GVariant *props)
{
	const char *url = dc_prop_str(props, "Url", "");
	const char *folder = dc_prop_str(props, "Folder", "");

	if (!*url)
		return g_strdup(folder);
	return g_strdup_printf("%s · %s", url, folder);
}

static GtkWidget *account_row(struct accounts_page *p, const char *path,
			      GVariant *props)
{
	const char *name = dc_prop_str(props, "Name", path);
	struct account_ref ref = { p, (char *)path, (char *)name };
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	g_autofree char *where = where_text(props);
	const char *check = g_hash_table_lookup(p->checks, path);
	GtkWidget *del = account_button(_("_Delete…"), name, G_CALLBACK(on_delete), &ref);

	gtk_widget_add_css_class(del, "destructive-action");
	gtk_box_append(GTK_BOX(buttons), account_button(_("C_heck"), name,
						     G_CALLBACK(on_check), &ref));
	gtk_box_append(GTK_BOX(buttons), account_button(_("C_hange…"), name,
						     G_CALLBACK(on_edit), &ref));
	gtk_box_append(GTK_BOX(buttons), del);
	gtk_box_append(GTK_BOX(box), widgets_label(name, "heading"));
	gtk_box_append(GTK_BOX(box), widgets_label(where, "dim-label"));
	if (check)
		gtk_box_append(GTK_BOX(box), widgets_label(check, NULL));
	gtk_box_append(GTK_BOX(box), buttons);
	gtk_widget_add_css_class(box, "entry");
	return widgets_row(box, name);
}

void accounts_page_refresh(struct accounts_page *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GVariantIter) it = NULL;
	const char *path;
	guint n = 0;

	widgets_clear_list(GTK_LIST_BOX(p->list));
	r = dc_call_sync(p->dc, DC_PATH, DC_MANAGER, "ListDestinations", NULL,
			 &error);
	if (!r) {
		say(p, dc_error_text(error));
		return;
	}
	g_variant_get(r, "(a(oss))", &it);
	while (g_variant_iter_next(it, "(&o&s&s)", &path, NULL, NULL)) {
		g_autoptr(GVariant) props = dc_get_all(p->dc, path, DC_ACCOUNT, NULL);

		if (!props)
			continue;
		gtk_list_box_append(GTK_LIST_BOX(p->list), account_row(p, path, props));
		n++;
	}
	gtk_widget_set_visible(p->empty, n == 0);
}

struct accounts_page *accounts_page_new(struct daemon_client *dc,
					accounts_page_changed_fn changed,
					void *changed_data)
{
	struct accounts_page *p = g_new0(struct accounts_page, 1);
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *add = widgets_button(_("_Add an Account…"), NULL);

	p->dc = dc;
	p->changed = changed;
	p->changed_data = changed_data;
	p->checks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	p->root = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	gtk_widget_add_css_class(p->root, "page");
	p->banner = widgets_label("", "banner");
	gtk_widget_set_visible(p->banner, FALSE);
	p->list = gtk_list_box_new();
	widgets_name(p->list, _("Accounts"));
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(p->list), GTK_SELECTION_NONE);
	gtk_widget_add_css_class(p->list, "boxed-list");
	p->empty = widgets_label(_("No accounts yet. Add the place where your "
				   "scans should go: a folder, a Nextcloud, "
				   "an S3 bucket or an SFTP server."), "dim-label");
	gtk_widget_set_halign(add, GTK_ALIGN_START);
	gtk_widget_add_css_class(add, "suggested-action");
	g_signal_connect(add, "clicked", G_CALLBACK(on_add), p);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), p->list);
	gtk_widget_set_vexpand(scroll, TRUE);
	gtk_box_append(GTK_BOX(p->root), add);
	gtk_box_append(GTK_BOX(p->root), p->banner);
	gtk_box_append(GTK_BOX(p->root), p->empty);
	gtk_box_append(GTK_BOX(p->root), scroll);
	accounts_page_refresh(p);
	return p;
}
