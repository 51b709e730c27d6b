// SPDX-License-Identifier: GPL-2.0
/*
 * notices_bar: the daemon's notices kept until seen (see notices_bar.h).
 *
 * As the Waiting Scans page does, the list is read again as a whole on
 * each signal rather than patched: at most 32 notices, one source of
 * truth. A notice acknowledged elsewhere (the notification agent) leaves
 * at the next reading.
 */
#include "job_text.h"
#include "notices_bar.h"
#include "widgets.h"

#define BAR_MIN_HEIGHT 72	/* px: one notice, whatever the page wants */
#define BAR_MAX_HEIGHT 120	/* px of notices before the list scrolls */

struct notices_bar {
	struct daemon_client *dc;
	GtkWidget *root;
	GtkWidget *title;	/* "Notices (N)" */
	GtkWidget *problem;	/* a refused acknowledgement, in words */
	GtkWidget *list;	/* GtkListBox, one row per notice */
	GArray *ids;		/* guint64: the notices listed */
};

GtkWidget *notices_bar_widget(struct notices_bar *b)
{
	return b->root;
}

static void say(struct notices_bar *b, const char *text)
{
	widgets_say(b->problem, text);
}

/* --- acknowledging ----------------------------------------------------- */

static void on_ack_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct notices_bar *b = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = dc_call_finish(b->dc, res, &error);
	g_autofree char *t = NULL;

	if (!r) {
		t = g_strdup_printf(_("The notice was not dismissed: %s"),
				    dc_error_text(error));
		say(b, t);
	}
	notices_bar_refresh(b);
}

/* AckNotices(ids): n ids at ids. */
static void ack(struct notices_bar *b, const guint64 *ids, guint n)
{
	GVariant *at = g_variant_new_fixed_array(G_VARIANT_TYPE_UINT64, ids, n,
						 sizeof(guint64));

	say(b, NULL);
	dc_call(b->dc, DC_PATH, DC_MANAGER, "AckNotices",
		g_variant_new_tuple(&at, 1), on_ack_reply, b);
}

static void on_dismiss(GtkButton *button, gpointer data)
{
	struct notices_bar *b = data;
	guint64 *id = g_object_get_data(G_OBJECT(button), "notice-id");

	ack(b, id, 1);
}

static void on_dismiss_all(GtkButton *button, gpointer data)
{
	struct notices_bar *b = data;

	if (b->ids->len)
		ack(b, (const guint64 *)(void *)b->ids->data, b->ids->len);
}

/* --- the list ------------------------------------------------------------ */

/* "Kept — will retry · 14:02" (× N when several were coalesced). */
static char *notice_heading(const char *kind, gint64 time, guint32 count)
{
	g_autoptr(GDateTime) at = g_date_time_new_from_unix_local(time);
	g_autofree char *when = at ? g_date_time_format(at, "%X") : g_strdup("");

	if (count > 1)
		return g_strdup_printf(_("%s (%u) · %s"), job_text_notice_title(kind),
				       count, when);
	return g_strdup_printf(_("%s · %s"), job_text_notice_title(kind), when);
}

/* Two lines at most, so that several fit on the 800×480 panel; the whole
 * sentence is the label's text all the same (screen readers, tooltip). */
static GtkWidget *notice_text(const char *text)
{
	GtkWidget *l = widgets_label(text, NULL);

	gtk_label_set_lines(GTK_LABEL(l), 2);
	gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_END);
	gtk_widget_set_tooltip_text(l, text);
	return l;
}

static GtkWidget *notice_row(struct notices_bar *b, guint64 id,
			     const char *kind, gint64 time, const char *text,
			     guint32 count)
{
	const char *title = job_text_notice_title(kind);
	g_autofree char *heading = notice_heading(kind, time, count);
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	GtkWidget *words = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	GtkWidget *dismiss = widgets_button(_("_Dismiss"), title);
	guint64 *idp = g_new(guint64, 1);

	*idp = id;
	gtk_box_append(GTK_BOX(words), widgets_label(heading, "heading"));
	gtk_box_append(GTK_BOX(words), notice_text(text));
	gtk_widget_set_hexpand(words, TRUE);
	g_object_set_data_full(G_OBJECT(dismiss), "notice-id", idp, g_free);
	g_signal_connect(dismiss, "clicked", G_CALLBACK(on_dismiss), b);
	gtk_widget_set_valign(dismiss, GTK_ALIGN_CENTER);
	gtk_box_append(GTK_BOX(box), words);
	gtk_box_append(GTK_BOX(box), dismiss);
	return widgets_row(box, title);
}

static void show_count(struct notices_bar *b)
{
	guint n = b->ids->len;
	g_autofree char *t = g_strdup_printf(
		g_dngettext(GETTEXT_PACKAGE, "Notice (%u)", "Notices (%u)", n), n);

	gtk_label_set_text(GTK_LABEL(b->title), t);
	gtk_widget_set_visible(b->root, n > 0 ||
			       gtk_widget_get_visible(b->problem));
}

void notices_bar_refresh(struct notices_bar *b)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GVariantIter) it = NULL;
	const char *kind, *text;
	guint64 id;
	gint64 time;
	guint32 count;

	r = dc_call_sync(b->dc, DC_PATH, DC_MANAGER, "ListNotices", NULL, &error);
	if (!r) {
		/* the daemon stopped or is older: keep what is shown */
		g_debug("panel: ListNotices: %s", dc_error_text(error));
		return;
	}
	widgets_clear_list(GTK_LIST_BOX(b->list));
	g_array_set_size(b->ids, 0);
	g_variant_get(r, "(a(tsxsu))", &it);
	while (g_variant_iter_next(it, "(t&sx&su)", &id, &kind, &time, &text,
				   &count)) {
		gtk_list_box_append(GTK_LIST_BOX(b->list),
				    notice_row(b, id, kind, time, text, count));
		g_array_append_val(b->ids, id);
	}
	show_count(b);
}

/* Signals after which a notice may have been kept, and the daemon's start. */
static void on_signal(const char *path, const char *iface, const char *member,
		      GVariant *args, void *data)
{
	static const char *const adding[] = { "UploadFailed", "UploadRecovered",
		"NeedsAttention", "PartialDocumentKept", "OrphansKept",
		"EntryDiscarded", NULL };
	struct notices_bar *b = data;
	const char *new_owner = "";

	if (g_strcmp0(member, "NameOwnerChanged") == 0) {
		g_variant_get(args, "(&s&s&s)", NULL, NULL, &new_owner);
		if (*new_owner)
			notices_bar_refresh(b);
		return;
	}
	if (g_strv_contains(adding, member))
		notices_bar_refresh(b);
}

static GtkWidget *bar_header(struct notices_bar *b)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	GtkWidget *all = widgets_button(_("Dismiss _All"),
					_("Dismiss every notice listed"));

	b->title = widgets_label("", "title-4");
	gtk_widget_set_hexpand(b->title, TRUE);
	g_signal_connect(all, "clicked", G_CALLBACK(on_dismiss_all), b);
	gtk_box_append(GTK_BOX(box), b->title);
	gtk_box_append(GTK_BOX(box), all);
	return box;
}

struct notices_bar *notices_bar_new(struct daemon_client *dc)
{
	struct notices_bar *b = g_new0(struct notices_bar, 1);
	GtkWidget *scroll = gtk_scrolled_window_new();

	b->dc = dc;
	b->ids = g_array_new(FALSE, FALSE, sizeof(guint64));
	b->root = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_widget_add_css_class(b->root, "notices");
	b->problem = widgets_label("", NULL);
	b->list = gtk_list_box_new();
	widgets_name(b->list, _("Notices"));
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(b->list), GTK_SELECTION_NONE);
	gtk_widget_add_css_class(b->list, "boxed-list");
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), b->list);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll),
				       GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	/* a whole notice stays readable when the page wants the height */
	gtk_scrolled_window_set_min_content_height(GTK_SCROLLED_WINDOW(scroll),
						   BAR_MIN_HEIGHT);
	gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scroll),
						   BAR_MAX_HEIGHT);
	gtk_scrolled_window_set_propagate_natural_height(
		GTK_SCROLLED_WINDOW(scroll), TRUE);
	gtk_box_append(GTK_BOX(b->root), bar_header(b));
	gtk_box_append(GTK_BOX(b->root), b->problem);
	gtk_box_append(GTK_BOX(b->root), scroll);
	gtk_widget_set_visible(b->problem, FALSE);
	dc_subscribe(dc, on_signal, b);
	notices_bar_refresh(b);
	return b;
}
