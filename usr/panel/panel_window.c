// SPDX-License-Identifier: GPL-2.0
/*
 * panel_window: header, page switcher, notices and pages (see
 * panel_window.h).
 * The layout adapts by itself: pages are boxes that wrap their text and
 * scroll their lists, so the same window serves an 800×480 touch panel
 * and a desktop.
 */
#include "accounts_page.h"
#include "job_text.h"
#include "notices_bar.h"
#include "panel_window.h"
#include "prefs.h"
#include "scan_page.h"
#include "spool_page.h"
#include "widgets.h"

#define DESKTOP_WIDTH 960
#define DESKTOP_HEIGHT 640

struct panel_window {
	GtkWidget *window;
	GtkWidget *stack;
	GtkWidget *content;	/* the notices over the pages */
	struct prefs *prefs;
	struct scan_page *scan;
	struct spool_page *spool;
	struct accounts_page *accounts;
	struct notices_bar *notices;
};

void panel_window_show_page(struct panel_window *w, const char *page)
{
	if (gtk_stack_get_child_by_name(GTK_STACK(w->stack), page))
		gtk_stack_set_visible_child_name(GTK_STACK(w->stack), page);
}

void panel_window_save(struct panel_window *w, const char *entry_path)
{
	if (!w->spool)
		return;
	panel_window_show_page(w, "waiting");
	spool_page_save(w->spool, entry_path);
}

void panel_window_present(struct panel_window *w)
{
	gtk_window_present(GTK_WINDOW(w->window));
}

static void on_goto(const char *page, void *data)
{
	panel_window_show_page(data, page);
}

/* The switcher says how many scans wait, so it is seen from any page. */
static void on_waiting_count(guint n, void *data)
{
	struct panel_window *w = data;
	GtkWidget *child = gtk_stack_get_child_by_name(GTK_STACK(w->stack), "waiting");
	g_autofree char *title = n ? g_strdup_printf(_("Waiting Scans (%u)"), n) :
				     g_strdup(_("Waiting Scans"));

	if (child)
		g_object_set(gtk_stack_get_page(GTK_STACK(w->stack), child),
			     "title", title, "needs-attention", n > 0, NULL);
}

static void on_accounts_changed(void *data)
{
	struct panel_window *w = data;

	if (w->scan)
		scan_page_refresh(w->scan);
}

static void add_pages(struct panel_window *w, struct daemon_client *dc)
{
	GtkStack *stack = GTK_STACK(w->stack);

	w->scan = scan_page_new(dc, w->prefs, on_goto, w);
	w->accounts = accounts_page_new(dc, on_accounts_changed, w);
	w->spool = spool_page_new(dc, on_waiting_count, w);
	gtk_stack_add_titled(stack, scan_page_widget(w->scan), "scan", _("Scan"));
	gtk_stack_add_titled(stack, spool_page_widget(w->spool), "waiting",
			     _("Waiting Scans"));
	gtk_stack_add_titled(stack, accounts_page_widget(w->accounts), "accounts",
			     _("Accounts"));
	/* again, now that the page is there to be titled with the count */
	spool_page_refresh(w->spool);
	/* seen from every page, so above them */
	w->notices = notices_bar_new(dc);
	gtk_box_prepend(GTK_BOX(w->content), notices_bar_widget(w->notices));
}

static void add_unreachable(struct panel_window *w, const GError *error)
{
	g_autofree char *text = g_strdup_printf(
		_("The scan service cannot be reached: %s. Ask the administrator "
		  "to start mfpscand."), error ? error->message : "");
	GtkWidget *l = widgets_label(text, "title-4");

	gtk_widget_add_css_class(l, "page");
	gtk_stack_add_titled(GTK_STACK(w->stack), l, "scan", _("Scan"));
}

static void on_destroy(GtkWidget *widget, gpointer data)
{
	struct panel_window *w = data;

	/* the pages live as long as the process; only the file is closed */
	w->prefs = prefs_free(w->prefs);
}

/*
 * The page switcher: in the header bar on the desktop; full screen hides
 * the header bar, so on the touch panel it is a bar above the pages.
 */
static void place_switcher(struct panel_window *w, GtkWidget *switcher,
			   gboolean kiosk)
{
	GtkWidget *header, *box;

	if (!kiosk) {
		header = gtk_header_bar_new();
		gtk_header_bar_set_title_widget(GTK_HEADER_BAR(header), switcher);
		gtk_window_set_titlebar(GTK_WINDOW(w->window), header);
		gtk_window_set_child(GTK_WINDOW(w->window), w->content);
		return;
	}
	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_widget_set_halign(switcher, GTK_ALIGN_CENTER);
	gtk_widget_add_css_class(switcher, "kiosk-switcher");
	gtk_box_append(GTK_BOX(box), switcher);
	gtk_box_append(GTK_BOX(box), w->content);
	gtk_widget_set_vexpand(w->content, TRUE);
	gtk_window_set_decorated(GTK_WINDOW(w->window), FALSE);
	gtk_window_set_child(GTK_WINDOW(w->window), box);
}

static void size_window(struct panel_window *w, gboolean kiosk)
{
	GdkDisplay *display = gtk_widget_get_display(w->window);
	GListModel *monitors = gdk_display_get_monitors(display);
	g_autoptr(GdkMonitor) m = g_list_model_get_item(monitors, 0);
	GdkRectangle r = { 0, 0, DESKTOP_WIDTH, DESKTOP_HEIGHT };

	if (kiosk && m)
		gdk_monitor_get_geometry(m, &r);
	gtk_window_set_default_size(GTK_WINDOW(w->window), r.width, r.height);
	if (kiosk) {
		gtk_window_fullscreen(GTK_WINDOW(w->window));
		gtk_widget_add_css_class(w->window, "kiosk");
	}
}

struct panel_window *panel_window_new(GtkApplication *app,
				      struct daemon_client *dc, gboolean kiosk,
				      const GError *error)
{
	struct panel_window *w = g_new0(struct panel_window, 1);
	GtkWidget *switcher = gtk_stack_switcher_new();

	w->prefs = prefs_load();
	w->window = gtk_application_window_new(app);
	gtk_window_set_title(GTK_WINDOW(w->window), _("Scan to Cloud"));
	gtk_window_set_icon_name(GTK_WINDOW(w->window), "org.mfpscan.Panel");
	w->stack = gtk_stack_new();
	gtk_stack_set_transition_type(GTK_STACK(w->stack),
				      GTK_STACK_TRANSITION_TYPE_NONE);
	gtk_widget_set_vexpand(w->stack, TRUE);
	/* only the page shown asks for height: a long list on another page
	 * must not push the Scan button off an 800×480 panel */
	gtk_stack_set_vhomogeneous(GTK_STACK(w->stack), FALSE);
	w->content = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_box_append(GTK_BOX(w->content), w->stack);
	gtk_stack_switcher_set_stack(GTK_STACK_SWITCHER(switcher),
				     GTK_STACK(w->stack));
	widgets_name(switcher, _("Pages"));
	place_switcher(w, switcher, kiosk);
	if (dc)
		add_pages(w, dc);
	else
		add_unreachable(w, error);
	size_window(w, kiosk);
	g_signal_connect(w->window, "destroy", G_CALLBACK(on_destroy), w);
	return w;
}
