// SPDX-License-Identifier: GPL-2.0
/*
 * spool_page: the waiting scans (see spool_page.h).
 *
 * The list is rebuilt from ListSpool + GetAll whenever the daemon says an
 * entry changed (UploadFailed, UploadRecovered, NeedsAttention, a
 * SpoolEntry PropertiesChanged, InterfacesAdded/Removed): entries are few,
 * and one source of truth is simpler than patching rows. The document
 * names of the last listing are kept so that "uploaded" can name the
 * document after its entry is gone.
 */
#include <errno.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "confirm_call.h"
#include "job_text.h"
#include "spool_page.h"
#include "widgets.h"

struct spool_page {
	struct daemon_client *dc;
	spool_page_count_fn count;
	void *count_data;
	GtkWidget *root;
	GtkWidget *banner;	/* the last thing that happened, in words */
	GtkWidget *list;	/* GtkListBox, one row per entry */
	GtkWidget *empty;	/* "nothing is waiting" */
	GHashTable *names;	/* entry path -> document name */
};

/* An action on one entry: the page and the entry's path and name. */
struct entry_ref {
	struct spool_page *page;
	char *path;
	char *name;
	int fd;			/* Save a Copy…: the document, or -1 */
};

static struct entry_ref *entry_ref_new(struct spool_page *p, const char *path,
				       const char *name)
{
	struct entry_ref *r = g_new0(struct entry_ref, 1);

	r->page = p;
	r->path = g_strdup(path);
	r->name = g_strdup(name);
	r->fd = -1;
	return r;
}

static void entry_ref_free(void *data)
{
	struct entry_ref *r = data;

	if (r->fd >= 0)
		close(r->fd);
	g_free(r->path);
	g_free(r->name);
	g_free(r);
}

GtkWidget *spool_page_widget(struct spool_page *p)
{
	return p->root;
}

static void say(struct spool_page *p, const char *text)
{
	widgets_say(p->banner, text);
}

static const char *entry_name(struct spool_page *p, const char *path)
{
	const char *n = g_hash_table_lookup(p->names, path);

	return n ? n : _("The document");
}

/* --- actions ---------------------------------------------------------- */

static void on_retry_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct entry_ref *r = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = dc_call_finish(r->page->dc, res, &error);

	if (!reply) {
		g_autofree char *t = g_strdup_printf(_("“%s” could not be sent: %s"),
						     r->name, dc_error_text(error));
		say(r->page, t);
	}
	spool_page_refresh(r->page);
	entry_ref_free(r);
}

static void on_retry(GtkButton *b, gpointer data)
{
	struct entry_ref *r = data;
	g_autofree char *t = g_strdup_printf(_("Sending “%s” again…"), r->name);

	say(r->page, t);
	dc_call(r->page->dc, r->path, DC_ENTRY, "Retry", NULL, on_retry_reply,
		entry_ref_new(r->page, r->path, r->name));
}

/* The daemon answered Discard: say so, read the list again. */
static void on_discarded(const char *text, void *data)
{
	say(data, text);
	spool_page_refresh(data);
}

static void on_discard(GtkButton *b, gpointer data)
{
	struct entry_ref *r = data;
	g_autofree char *heading = g_strdup_printf(_("Discard “%s”?"), r->name);
	g_autofree char *done = g_strdup_printf(_("“%s” was discarded."), r->name);
	g_autofree char *failed = g_strdup_printf(_("“%s” was not discarded"),
						  r->name);
	struct confirm_call c = {
		.heading = heading,
		.body = _("This scan was never uploaded. If you discard it, it is "
			  "deleted for good and cannot be recovered."),
		.action = _("_Discard"),
		.dc = r->page->dc, .path = r->path, .iface = DC_ENTRY,
		.method = "Discard", .args = g_variant_new("(b)", TRUE),
		.done = done, .failed = failed,
		.said = on_discarded, .data = r->page,
	};

	confirm_call_run(GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(b))), &c);
}

/* Copy the spooled document to the chosen file. */
static gboolean save_to(struct entry_ref *r, GFile *file, GError **error)
{
	g_autoptr(GInputStream) in = g_unix_input_stream_new(r->fd, TRUE);
	g_autoptr(GFileOutputStream) out = NULL;

	r->fd = -1;	/* the stream owns it now */
	out = g_file_replace(file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, error);
	if (!out)
		return FALSE;
	return g_output_stream_splice(G_OUTPUT_STREAM(out), in,
		G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
		G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) >= 0;
}

static void on_save_chosen(GtkNativeDialog *d, int response, gpointer data)
{
	struct entry_ref *r = data;
	g_autoptr(GFile) file = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *t = NULL;

	if (response == GTK_RESPONSE_ACCEPT)
		file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
	if (file && save_to(r, file, &error))
		t = g_strdup_printf(_("A copy of “%s” was saved. It is still "
				      "waiting to be uploaded."), r->name);
	else if (file)
		t = g_strdup_printf(_("The copy was not saved: %s"), error->message);
	if (t)
		say(r->page, t);
	entry_ref_free(r);
	g_object_unref(d);
}

/* Start in the person's Documents folder (their home without one). */
static void set_documents_folder(GtkFileChooser *chooser)
{
	const char *dir = g_get_user_special_dir(G_USER_DIRECTORY_DOCUMENTS);
	g_autoptr(GFile) folder = g_file_new_for_path(dir ? dir : g_get_home_dir());

	gtk_file_chooser_set_current_folder(chooser, folder, NULL);
}

static void on_open_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct entry_ref *r = data;
	g_autoptr(GError) error = NULL;
	GtkFileChooserNative *d;

	r->fd = dc_call_fd_finish(r->page->dc, res, &error);
	if (r->fd < 0) {
		g_autofree char *t = g_strdup_printf(_("The copy was not saved: %s"),
						     dc_error_text(error));
		say(r->page, t);
		entry_ref_free(r);
		return;
	}
	d = gtk_file_chooser_native_new(_("Save a Copy"),
		GTK_WINDOW(gtk_widget_get_root(r->page->root)),
		GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
	gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(d), r->name);
	set_documents_folder(GTK_FILE_CHOOSER(d));
	g_signal_connect(d, "response", G_CALLBACK(on_save_chosen), r);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

void spool_page_save(struct spool_page *p, const char *path)
{
	dc_call_fd(p->dc, path, DC_ENTRY, "Open", on_open_reply,
		   entry_ref_new(p, path, entry_name(p, path)));
}

static void on_save(GtkButton *b, gpointer data)
{
	struct entry_ref *r = data;

	spool_page_save(r->page, r->path);
}

/* --- the list --------------------------------------------------------- */

/* "3 retries left · next attempt at 14:02" */
static char *retry_line(GVariant *props)
{
	guint64 left = dc_prop_u64(props, "RetriesLeft");
	guint64 next = dc_prop_u64(props, "NextRetry");
	g_autoptr(GDateTime) at = next ? g_date_time_new_from_unix_local((gint64)next) : NULL;
	g_autofree char *when = at ? g_date_time_format(at, "%X") : NULL;
	g_autofree char *tries = g_strdup_printf(
		g_dngettext(GETTEXT_PACKAGE, "%" G_GUINT64_FORMAT " automatic attempt left",
			    "%" G_GUINT64_FORMAT " automatic attempts left", left), left);

	if (!when)
		return g_steal_pointer(&tries);
	return g_strdup_printf(_("%s · next attempt at %s"), tries, when);
}

static GtkWidget *entry_button(const char *label, const char *doc,
			       GCallback cb, struct entry_ref *r)
{
	GtkWidget *b = widgets_button(label, doc);

	g_signal_connect_data(b, "clicked", cb, entry_ref_new(r->page, r->path, r->name),
			      (GClosureNotify)(void (*)(void))entry_ref_free, 0);
	return b;
}

static GtkWidget *entry_actions(struct entry_ref *r)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *retry = entry_button(_("_Retry Now"), r->name,
					G_CALLBACK(on_retry), r);
	GtkWidget *discard = entry_button(_("_Discard…"), r->name,
					  G_CALLBACK(on_discard), r);

	gtk_widget_add_css_class(retry, "suggested-action");
	gtk_widget_add_css_class(discard, "destructive-action");
	gtk_box_append(GTK_BOX(box), retry);
	gtk_box_append(GTK_BOX(box), entry_button(_("Save a _Copy…"), r->name,
						  G_CALLBACK(on_save), r));
	gtk_box_append(GTK_BOX(box), discard);
	return box;
}

static GtkWidget *entry_row(struct spool_page *p, const char *path,
			    GVariant *props)
{
	const char *name = dc_prop_str(props, "Name", path);
	struct entry_ref ref = { p, (char *)path, (char *)name, -1 };
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	g_autofree char *state = g_strdup_printf("%s — %s",
		job_text_error_class(dc_prop_str(props, "ErrorClass", "")),
		job_text_entry_state(dc_prop_str(props, "State", "")));
	g_autofree char *retries = retry_line(props);

	gtk_box_append(GTK_BOX(box), widgets_label(name, "heading"));
	gtk_box_append(GTK_BOX(box), widgets_label(state, NULL));
	gtk_box_append(GTK_BOX(box), widgets_label(retries, "dim-label"));
	gtk_box_append(GTK_BOX(box), widgets_label(
		dc_prop_str(props, "LastError", ""), "dim-label"));
	gtk_box_append(GTK_BOX(box), entry_actions(&ref));
	gtk_widget_add_css_class(box, "entry");
	return widgets_row(box, name);
}

void spool_page_refresh(struct spool_page *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GVariantIter) it = NULL;
	const char *path;
	guint n = 0;

	widgets_clear_list(GTK_LIST_BOX(p->list));
	r = dc_call_sync(p->dc, DC_PATH, DC_MANAGER, "ListSpool", NULL, &error);
	if (!r) {
		say(p, dc_error_text(error));
		return;
	}
	g_variant_get(r, "(ao)", &it);
	while (g_variant_iter_next(it, "&o", &path)) {
		g_autoptr(GVariant) props = dc_get_all(p->dc, path, DC_ENTRY, NULL);

		if (!props)
			continue;	/* gone between the listing and now */
		g_hash_table_insert(p->names, g_strdup(path),
				    g_strdup(dc_prop_str(props, "Name", path)));
		gtk_list_box_append(GTK_LIST_BOX(p->list), entry_row(p, path, props));
		n++;
	}
	gtk_widget_set_visible(p->empty, n == 0);
	gtk_widget_set_visible(p->list, n > 0);
	p->count(n, p->count_data);
}

static void on_signal(const char *path, const char *iface, const char *member,
		      GVariant *args, void *data)
{
	struct spool_page *p = data;
	const char *entry, *url, *changed_iface;

	if (g_strcmp0(member, "UploadRecovered") == 0) {
		g_autofree char *t = NULL;

		g_variant_get(args, "(&o&s)", &entry, &url);
		t = g_strdup_printf(_("“%s” was uploaded. It is no longer waiting."),
				    entry_name(p, entry));
		say(p, t);
	} else if (g_strcmp0(member, "PropertiesChanged") == 0) {
		g_variant_get(args, "(&s@a{sv}@as)", &changed_iface, NULL, NULL);
		if (g_strcmp0(changed_iface, DC_ENTRY) != 0)
			return;
	} else if (g_strcmp0(member, "UploadFailed") != 0 &&
		   g_strcmp0(member, "NeedsAttention") != 0 &&
		   g_strcmp0(member, "InterfacesAdded") != 0 &&
		   g_strcmp0(member, "InterfacesRemoved") != 0) {
		return;
	}
	spool_page_refresh(p);
}

struct spool_page *spool_page_new(struct daemon_client *dc,
				  spool_page_count_fn count, void *count_data)
{
	struct spool_page *p = g_new0(struct spool_page, 1);
	GtkWidget *scroll = gtk_scrolled_window_new();

	p->dc = dc;
	p->count = count;
	p->count_data = count_data;
	p->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	p->root = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	gtk_widget_add_css_class(p->root, "page");
	p->banner = widgets_label("", "banner");
	p->list = gtk_list_box_new();
	widgets_name(p->list, _("Waiting scans"));
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(p->list), GTK_SELECTION_NONE);
	gtk_widget_add_css_class(p->list, "boxed-list");
	p->empty = widgets_label(_("No scans are waiting. Everything you scanned "
				   "was uploaded."), "dim-label");
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), p->list);
	gtk_widget_set_vexpand(scroll, TRUE);
	gtk_box_append(GTK_BOX(p->root), p->banner);
	gtk_box_append(GTK_BOX(p->root), p->empty);
	gtk_box_append(GTK_BOX(p->root), scroll);
	gtk_widget_set_visible(p->banner, FALSE);
	dc_subscribe(dc, on_signal, p);
	spool_page_refresh(p);
	return p;
}
