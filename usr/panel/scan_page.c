// SPDX-License-Identifier: GPL-2.0
/*
 * scan_page: destination, settings, Scan/Cancel, progress and outcome
 * (see scan_page.h).
 *
 * Following a job: the page is subscribed to the daemon's signals before
 * Scan is called, keeps the PropertiesChanged of its job (merged into one
 * a{sv}) and reads the job once with GetAll when Scan returns, so no
 * change can be missed. A job state this panel does not know is shown as
 * the daemon's word. A job that ended kept is followed further
 * (kept_watch.h): its line changes when the retry delivers it.
 */
#include "job_text.h"
#include "kept_watch.h"
#include "scan_choice.h"
#include "scan_page.h"
#include "widgets.h"

struct scan_page {
	struct daemon_client *dc;
	struct prefs *prefs;
	scan_page_goto_fn go;
	void *go_data;
	GtkWidget *root;
	GtkWidget *destinations;	/* GtkListBox; rows carry "path" */
	GtkWidget *no_destination;	/* shown when there is no account */
	GtkWidget *source, *mode, *resolution, *format, *pages;
	GtkWidget *scan, *cancel, *progress, *status, *show_waiting;
	GtkWidget *details;		/* the scrolled settings and status */
	gboolean follow;		/* keep the status in view (it changed) */
	guint follow_idle;		/* scrolling there is pending */
	char *job;			/* the job this page follows, or NULL */
	GVariantDict *job_props;	/* its properties as last known */
	struct kept_watch *kept;	/* what the last job kept, until sent */
	char *account_name;		/* where the last job went */
};

GtkWidget *scan_page_widget(struct scan_page *p)
{
	return p->root;
}

/* --- destinations --------------------------------------------------- */

static GtkWidget *destination_row(const char *path, const char *name,
				  const char *type)
{
	GtkWidget *row = gtk_list_box_row_new();
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	GtkWidget *title = widgets_label(name, "heading");

	gtk_box_append(GTK_BOX(box), title);
	gtk_box_append(GTK_BOX(box), widgets_label(type, "dim-label"));
	gtk_list_box_row_set_child(GTK_LIST_BOX_ROW(row), box);
	widgets_name(row, name);
	g_object_set_data_full(G_OBJECT(row), "path", g_strdup(path), g_free);
	g_object_set_data_full(G_OBJECT(row), "name", g_strdup(name), g_free);
	return row;
}

static const char *type_words(const char *type)
{
	if (g_strcmp0(type, "local") == 0)
		return _("Folder on this device");
	if (g_strcmp0(type, "webdav") == 0)
		return _("WebDAV / Nextcloud");
	if (g_strcmp0(type, "s3") == 0)
		return _("S3 bucket");
	if (g_strcmp0(type, "sftp") == 0)
		return _("SFTP server");
	return type;
}

/* Select the remembered destination, else the first one. */
static void select_remembered(struct scan_page *p)
{
	GtkListBox *list = GTK_LIST_BOX(p->destinations);
	const char *want = prefs_get(p->prefs, "destination");
	GtkListBoxRow *row, *first = gtk_list_box_get_row_at_index(list, 0);

	for (int i = 0; (row = gtk_list_box_get_row_at_index(list, i)); i++)
		if (g_strcmp0(g_object_get_data(G_OBJECT(row), "path"), want) == 0) {
			gtk_list_box_select_row(list, row);
			return;
		}
	if (first)
		gtk_list_box_select_row(list, first);
}

static void load_destinations(struct scan_page *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = NULL;
	g_autoptr(GVariantIter) it = NULL;
	const char *path, *name, *type;
	gboolean any = FALSE;

	widgets_clear_list(GTK_LIST_BOX(p->destinations));
	r = dc_call_sync(p->dc, DC_PATH, DC_MANAGER, "ListDestinations", NULL,
			 &error);
	if (!r) {
		gtk_label_set_text(GTK_LABEL(p->status), dc_error_text(error));
		return;
	}
	g_variant_get(r, "(a(oss))", &it);
	while (g_variant_iter_next(it, "(&o&s&s)", &path, &name, &type)) {
		gtk_list_box_append(GTK_LIST_BOX(p->destinations),
			destination_row(path, name, type_words(type)));
		any = TRUE;
	}
	gtk_widget_set_visible(p->no_destination, !any);
	select_remembered(p);
}

static const char *selected_destination(struct scan_page *p, const char *key)
{
	GtkListBoxRow *row =
		gtk_list_box_get_selected_row(GTK_LIST_BOX(p->destinations));

	return row ? g_object_get_data(G_OBJECT(row), key) : NULL;
}

/* --- capabilities ----------------------------------------------------- */

/* The device a scan uses: the one marked default, else the first. */
static GVariant *default_device(GVariant *caps)
{
	g_autoptr(GVariant) devices = g_variant_lookup_value(caps, "devices",
		G_VARIANT_TYPE("aa{sv}"));
	GVariant *dev, *first = NULL;
	gboolean is_default;
	GVariantIter it;

	if (!devices)
		return NULL;
	g_variant_iter_init(&it, devices);
	while ((dev = g_variant_iter_next_value(&it))) {
		if (g_variant_lookup(dev, "default", "b", &is_default) && is_default) {
			g_clear_pointer(&first, g_variant_unref);
			return dev;
		}
		if (!first)
			first = g_variant_ref(dev);
		g_variant_unref(dev);
	}
	return first;
}

/* The device's resolutions (au) as strings. */
static GStrv resolutions_of(GVariant *dev)
{
	g_autoptr(GVariant) au = g_variant_lookup_value(dev, "resolutions",
							G_VARIANT_TYPE("au"));
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	gsize n = 0;
	const guint32 *dpi = au ? g_variant_get_fixed_array(au, &n, 4) : NULL;

	char text[16];

	for (gsize i = 0; i < n; i++) {
		g_snprintf(text, sizeof(text), "%u", dpi[i]);
		g_strv_builder_add(b, text);
	}
	return g_strv_builder_end(b);
}

static void offer(GtkWidget *dd, GVariant *dict, const char *key,
		  struct prefs *prefs, const char *fallback)
{
	g_autofree const char **values = NULL;
	const char *pref = prefs_get(prefs, key);

	if (!dict || !g_variant_lookup(dict, key, "^a&s", &values))
		return;
	scan_choice_set(dd, values, pref ? pref : fallback);
}

static void load_capabilities(struct scan_page *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = NULL, caps = NULL, dev = NULL;
	g_auto(GStrv) dpis = NULL;
	const char *dpi_pref = prefs_get(p->prefs, "resolution");

	r = dc_call_sync(p->dc, DC_PATH, DC_MANAGER, "GetCapabilities", NULL,
			 &error);
	if (!r) {
		gtk_label_set_text(GTK_LABEL(p->status), dc_error_text(error));
		return;
	}
	g_variant_get(r, "(@a{sv})", &caps);
	dev = default_device(caps);
	offer(p->source, dev, "sources", p->prefs, "flatbed");
	offer(p->mode, dev, "color-modes", p->prefs, "color");
	offer(p->format, caps, "formats", p->prefs, "pdf");
	if (dev) {
		dpis = resolutions_of(dev);
		scan_choice_set(p->resolution, (const char *const *)dpis,
				dpi_pref ? dpi_pref : "300");
	}
}

void scan_page_refresh(struct scan_page *p)
{
	load_destinations(p);
	load_capabilities(p);
}

/* --- the job ---------------------------------------------------------- */

static void set_busy(struct scan_page *p, gboolean busy)
{
	gtk_widget_set_sensitive(p->scan, !busy);
	gtk_widget_set_visible(p->cancel, busy);
	gtk_widget_set_visible(p->progress, busy);
	if (busy)
		gtk_widget_set_visible(p->show_waiting, FALSE);
}

static void show_job(struct scan_page *p)
{
	g_autoptr(GVariant) props = g_variant_dict_end(p->job_props);
	const char *state = dc_prop_str(props, "State", "queued");
	char text[1024];

	/* g_variant_dict_end empties the dict: put the values back */
	g_variant_dict_unref(p->job_props);
	p->job_props = g_variant_dict_new(props);
	if (!job_text_is_final(state)) {
		gtk_progress_bar_pulse(GTK_PROGRESS_BAR(p->progress));
		job_text_progress(state, (guint32)dc_prop_u64(props, "Pages"),
				  dc_prop_u64(props, "BytesUploaded"), text,
				  sizeof(text));
		gtk_label_set_text(GTK_LABEL(p->status), text);
		return;
	}
	job_text_outcome(state, dc_prop_str(props, "RemoteUrl", ""),
			 dc_prop_str(props, "Error", ""), text, sizeof(text));
	gtk_label_set_text(GTK_LABEL(p->status), text);
	set_busy(p, FALSE);
	kept_watch_end(p->kept, g_strcmp0(state, "spooled") == 0);
	/* Kept, or refused while it prepared because earlier scans wait. */
	gtk_widget_set_visible(p->show_waiting, g_strcmp0(state, "spooled") == 0 ||
			       g_str_has_suffix(dc_prop_str(props, "ErrorName", ""),
						".PendingUploads"));
	g_clear_pointer(&p->job, g_free);
}

static void merge_props(struct scan_page *p, GVariant *changed)
{
	GVariantIter it;
	const char *key;
	GVariant *value;

	g_variant_iter_init(&it, changed);
	while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
		g_variant_dict_insert_value(p->job_props, key, value);
		g_variant_unref(value);
	}
}

static void on_signal(const char *path, const char *iface, const char *member,
		      GVariant *args, void *data)
{
	struct scan_page *p = data;
	const char *changed_iface;
	g_autoptr(GVariant) changed = NULL;

	if (g_strcmp0(member, "InterfacesAdded") == 0 ||
	    g_strcmp0(member, "InterfacesRemoved") == 0) {
		if (!p->job)
			load_destinations(p);
		return;
	}
	if (!p->job || g_strcmp0(path, p->job) != 0 ||
	    g_strcmp0(member, "PropertiesChanged") != 0)
		return;
	g_variant_get(args, "(&s@a{sv}@as)", &changed_iface, &changed, NULL);
	if (g_strcmp0(changed_iface, DC_JOB) != 0)
		return;
	merge_props(p, changed);
	show_job(p);
}

static void follow_job(struct scan_page *p, const char *job)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) props = NULL;

	p->job = g_strdup(job);
	props = dc_get_all(p->dc, job, DC_JOB, &error);
	if (props)
		merge_props(p, props);
	show_job(p);
}

static void on_scan_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct scan_page *p = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = dc_call_finish(p->dc, res, &error);
	const char *job;

	if (!r) {
		set_busy(p, FALSE);
		kept_watch_end(p->kept, FALSE);
		gtk_label_set_text(GTK_LABEL(p->status), dc_error_text(error));
		gtk_widget_set_visible(p->show_waiting,
			dc_error_name_is(error, "PendingUploads"));
		return;
	}
	g_variant_get(r, "(&o)", &job);
	follow_job(p, job);
}

static void remember(struct scan_page *p)
{
	g_autoptr(GError) error = NULL;
	const char *v;

	prefs_set(p->prefs, "destination", selected_destination(p, "path"));
	if ((v = scan_choice_value(p->source)))
		prefs_set(p->prefs, "sources", v);
	if ((v = scan_choice_value(p->mode)))
		prefs_set(p->prefs, "color-modes", v);
	if ((v = scan_choice_value(p->format)))
		prefs_set(p->prefs, "formats", v);
	if ((v = scan_choice_value(p->resolution)))
		prefs_set(p->prefs, "resolution", v);
	if (!prefs_save(p->prefs, &error))
		g_warning("panel: cannot remember the choices: %s", error->message);
}

static GVariant *scan_options(struct scan_page *p)
{
	GVariantBuilder b;
	const char *v;
	guint pages = (guint)gtk_spin_button_get_value_as_int(
		GTK_SPIN_BUTTON(p->pages));

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if ((v = scan_choice_value(p->source)))
		g_variant_builder_add(&b, "{sv}", "source", g_variant_new_string(v));
	if ((v = scan_choice_value(p->mode)))
		g_variant_builder_add(&b, "{sv}", "color-mode", g_variant_new_string(v));
	if ((v = scan_choice_value(p->format)))
		g_variant_builder_add(&b, "{sv}", "format", g_variant_new_string(v));
	if ((v = scan_choice_value(p->resolution)))
		g_variant_builder_add(&b, "{sv}", "resolution",
			g_variant_new_uint32((guint32)g_ascii_strtoull(v, NULL, 10)));
	if (pages && g_str_has_prefix(scan_choice_value(p->source) ?: "", "adf"))
		g_variant_builder_add(&b, "{sv}", "pages", g_variant_new_uint32(pages));
	return g_variant_builder_end(&b);
}

static void on_scan(GtkButton *b, gpointer data)
{
	struct scan_page *p = data;
	const char *account = selected_destination(p, "path");

	if (!account) {
		gtk_label_set_text(GTK_LABEL(p->status),
				   _("Choose where the scan should go first."));
		return;
	}
	remember(p);
	g_free(p->account_name);
	p->account_name = g_strdup(selected_destination(p, "name"));
	kept_watch_begin(p->kept, account);
	g_variant_dict_unref(p->job_props);
	p->job_props = g_variant_dict_new(NULL);
	set_busy(p, TRUE);
	gtk_label_set_text(GTK_LABEL(p->status), _("Starting…"));
	dc_call(p->dc, DC_PATH, DC_MANAGER, "Scan",
		g_variant_new("(o@a{sv})", account, scan_options(p)),
		on_scan_reply, p);
}

static void on_cancel_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct scan_page *p = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) r = dc_call_finish(p->dc, res, &error);

	/* the job's end arrives as its State; only a refusal is shown here */
	if (!r)
		gtk_label_set_text(GTK_LABEL(p->status), dc_error_text(error));
}

static void on_cancel(GtkButton *b, gpointer data)
{
	struct scan_page *p = data;

	if (!p->job)
		return;
	gtk_label_set_text(GTK_LABEL(p->status), _("Cancelling…"));
	dc_call(p->dc, p->job, DC_JOB, "Cancel", NULL, on_cancel_reply, p);
}

static void on_show_waiting(GtkButton *b, gpointer data)
{
	struct scan_page *p = data;

	p->go("waiting", p->go_data);
}

static void on_add_account(GtkButton *b, gpointer data)
{
	struct scan_page *p = data;

	p->go("accounts", p->go_data);
}

/* The last scan was kept and has now been delivered by a later attempt:
 * its "Your scan is safe" line would be stale. A newer job's line stays
 * (kept_watch forgot the old entries when it started). */
static void on_kept_sent(const char *url, void *data)
{
	struct scan_page *p = data;
	char text[1024];

	if (p->job)
		return;
	job_text_sent_later(p->account_name ? p->account_name : "", url, text,
			    sizeof(text));
	gtk_label_set_text(GTK_LABEL(p->status), text);
	gtk_widget_set_visible(p->show_waiting, FALSE);
}

/* --- what the scan says stays in view ----------------------------------- */

static gboolean follow_now(gpointer data)
{
	struct scan_page *p = data;
	GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(
		GTK_SCROLLED_WINDOW(p->details));

	p->follow_idle = 0;
	/* clamped to the last page of the details: the status, its button */
	gtk_adjustment_set_value(adj, gtk_adjustment_get_upper(adj));
	return G_SOURCE_REMOVE;
}

/* After the layout (an idle runs after the frame's), not during it. */
static void follow_later(struct scan_page *p)
{
	if (p->follow && !p->follow_idle)
		p->follow_idle = g_idle_add(follow_now, p);
}

/* The status or Show Waiting Scans changed: on a short page (the 800×480
 * panel under notices) the details scroll to show them, now and as the
 * details grow, rather than leave the news below the fold. */
static void on_outcome_changed(GObject *o, GParamSpec *ps, gpointer data)
{
	struct scan_page *p = data;

	p->follow = TRUE;
	follow_later(p);
}

static void on_details_grown(GObject *o, GParamSpec *ps, gpointer data)
{
	follow_later(data);
}

static void follow_outcome(struct scan_page *p)
{
	GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(
		GTK_SCROLLED_WINDOW(p->details));

	g_signal_connect(p->status, "notify::label",
			 G_CALLBACK(on_outcome_changed), p);
	g_signal_connect(p->show_waiting, "notify::visible",
			 G_CALLBACK(on_outcome_changed), p);
	g_signal_connect(adj, "notify::upper", G_CALLBACK(on_details_grown), p);
}

/* --- building --------------------------------------------------------- */

static GtkWidget *destination_column(struct scan_page *p)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *heading = widgets_label(_("Send to"), "title-4");
	GtkWidget *add = widgets_button(_("_Add an Account…"), NULL);

	p->destinations = gtk_list_box_new();
	widgets_name(p->destinations, _("Send to"));
	gtk_widget_add_css_class(p->destinations, "boxed-list");
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(p->destinations),
					GTK_SELECTION_SINGLE);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), p->destinations);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll),
				       GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_widget_set_vexpand(scroll, TRUE);
	/* room for an account name and its type on one line each */
	gtk_widget_set_size_request(scroll, 260, -1);
	p->no_destination = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	gtk_box_append(GTK_BOX(p->no_destination), widgets_label(
		_("You have no place to send scans to yet."), NULL));
	g_signal_connect(add, "clicked", G_CALLBACK(on_add_account), p);
	gtk_box_append(GTK_BOX(p->no_destination), add);
	gtk_box_append(GTK_BOX(box), heading);
	gtk_box_append(GTK_BOX(box), p->no_destination);
	gtk_box_append(GTK_BOX(box), scroll);
	gtk_widget_set_hexpand(box, TRUE);
	return box;
}

/* Pages only mean something for the document feeder. */
static void on_source_changed(GObject *o, GParamSpec *ps, gpointer data)
{
	struct scan_page *p = data;
	gboolean feeder = g_str_has_prefix(scan_choice_value(p->source) ?: "", "adf");
	GtkWidget *label = gtk_widget_get_prev_sibling(p->pages);

	gtk_widget_set_visible(p->pages, feeder);
	if (label)
		gtk_widget_set_visible(label, feeder);
}

static GtkWidget *settings_grid(struct scan_page *p)
{
	GtkWidget *grid = gtk_grid_new();

	gtk_grid_set_row_spacing(GTK_GRID(grid), 8);
	gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
	p->source = scan_choice_new();
	p->mode = scan_choice_new();
	p->resolution = scan_choice_new();
	p->format = scan_choice_new();
	p->pages = gtk_spin_button_new_with_range(0, 500, 1);
	gtk_widget_set_tooltip_text(p->pages,
		_("Document feeder: how many sheets to read; 0 reads them all."));
	widgets_field(GTK_GRID(grid), 0, _("_Source"), p->source);
	widgets_field(GTK_GRID(grid), 1, _("C_olor"), p->mode);
	widgets_field(GTK_GRID(grid), 2, _("_Resolution"), p->resolution);
	widgets_field(GTK_GRID(grid), 3, _("_File type"), p->format);
	widgets_field(GTK_GRID(grid), 4, _("_Pages"), p->pages);
	g_signal_connect(p->source, "notify::selected",
			 G_CALLBACK(on_source_changed), p);
	on_source_changed(NULL, NULL, p);
	return grid;
}

/* The settings and what the scan says, scrolled when the page is short. */
static GtkWidget *action_details(struct scan_page *p)
{
	GtkWidget *scroll = gtk_scrolled_window_new();
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);

	p->progress = gtk_progress_bar_new();
	widgets_name(p->progress, _("Scan progress"));
	p->status = widgets_label(_("Place the document and press Scan."), NULL);
	gtk_widget_add_css_class(p->status, "status");
	p->show_waiting = widgets_button(_("Show _Waiting Scans"), NULL);
	g_signal_connect(p->show_waiting, "clicked", G_CALLBACK(on_show_waiting), p);
	gtk_box_append(GTK_BOX(box), settings_grid(p));
	gtk_box_append(GTK_BOX(box), p->progress);
	gtk_box_append(GTK_BOX(box), p->status);
	gtk_box_append(GTK_BOX(box), p->show_waiting);
	gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), box);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll),
				       GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_propagate_natural_height(
		GTK_SCROLLED_WINDOW(scroll), TRUE);
	gtk_widget_set_vexpand(scroll, TRUE);
	p->details = scroll;
	return scroll;
}

/*
 * Scan and Cancel stay under the scrolled details, outside them: whatever
 * the notices above the pages or a long status take, the page asks only
 * for the buttons' height, so Scan is whole on an 800×480 panel.
 */
static GtkWidget *action_column(struct scan_page *p)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);

	p->scan = widgets_button(_("_Scan"), _("Scan the document and send it"));
	gtk_widget_add_css_class(p->scan, "suggested-action");
	gtk_widget_add_css_class(p->scan, "scan-button");
	gtk_widget_set_hexpand(p->scan, TRUE);
	p->cancel = widgets_button(_("_Cancel"), _("Stop this scan"));
	g_signal_connect(p->scan, "clicked", G_CALLBACK(on_scan), p);
	g_signal_connect(p->cancel, "clicked", G_CALLBACK(on_cancel), p);
	gtk_box_append(GTK_BOX(buttons), p->scan);
	gtk_box_append(GTK_BOX(buttons), p->cancel);
	gtk_box_append(GTK_BOX(box), action_details(p));
	gtk_box_append(GTK_BOX(box), buttons);
	gtk_widget_set_hexpand(box, TRUE);
	return box;
}

struct scan_page *scan_page_new(struct daemon_client *dc, struct prefs *prefs,
				scan_page_goto_fn go, void *go_data)
{
	struct scan_page *p = g_new0(struct scan_page, 1);

	p->dc = dc;
	p->prefs = prefs;
	p->go = go;
	p->go_data = go_data;
	p->job_props = g_variant_dict_new(NULL);
	p->root = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 24);
	gtk_widget_add_css_class(p->root, "page");
	gtk_box_append(GTK_BOX(p->root), destination_column(p));
	gtk_box_append(GTK_BOX(p->root), action_column(p));
	set_busy(p, FALSE);
	gtk_widget_set_visible(p->show_waiting, FALSE);
	follow_outcome(p);	/* from now on: the first state is no news */
	dc_subscribe(dc, on_signal, p);
	p->kept = kept_watch_new(dc, on_kept_sent, p);
	scan_page_refresh(p);
	return p;
}
