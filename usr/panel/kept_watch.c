// SPDX-License-Identifier: GPL-2.0
/*
 * kept_watch: the kept documents of the last scan, until delivered (see
 * kept_watch.h). Entries are named by object path; a path leaves the set
 * when its UploadRecovered comes, and the set empty once the job has
 * ended means everything it kept went after all. The daemon signals
 * UploadFailed only for a document a job has just kept (a failed retry
 * is not signalled so), so every one for the account between this scan
 * and the next is taken as this scan's: another scan to the same account
 * in that time (the scanner's button) is waited for too.
 */
#include "kept_watch.h"

struct kept_watch {
	struct daemon_client *dc;
	kept_watch_sent_fn sent;
	void *data;
	char *account;		/* the scan's account path; NULL: not kept */
	gboolean running;	/* the job has not ended */
	GPtrArray *entries;	/* paths of its documents still kept */
	char *delivered_url;	/* one was delivered while it still ran */
};

/* The scan's account is the entry's: another session's scan is not ours. */
static gboolean entry_is_scans(struct kept_watch *w, const char *entry)
{
	g_autoptr(GVariant) props = dc_get_all(w->dc, entry, DC_ENTRY, NULL);

	return props && g_strcmp0(dc_prop_str(props, "Account", ""),
				  w->account) == 0;
}

static gboolean forget_entry(struct kept_watch *w, const char *entry)
{
	for (guint i = 0; i < w->entries->len; i++)
		if (g_strcmp0(g_ptr_array_index(w->entries, i), entry) == 0) {
			g_ptr_array_remove_index(w->entries, i);
			return TRUE;
		}
	return FALSE;
}

static void on_recovered(struct kept_watch *w, const char *entry,
			 const char *url)
{
	if (!forget_entry(w, entry) || w->entries->len > 0)
		return;
	if (w->running) {
		/* told when the job has ended (kept_watch_end) */
		g_free(w->delivered_url);
		w->delivered_url = g_strdup(url);
		return;
	}
	w->sent(url, w->data);
}

static void on_signal(const char *path, const char *iface, const char *member,
		      GVariant *args, void *data)
{
	struct kept_watch *w = data;
	const char *entry, *url;

	/* Collected also after the job's end: the page may read the final
	 * State (GetAll, as Scan returns) before the queued UploadFailed is
	 * dispatched. */
	if (g_strcmp0(member, "UploadFailed") == 0 && w->account) {
		g_variant_get(args, "(&o&s&s)", &entry, NULL, NULL);
		if (entry_is_scans(w, entry))
			g_ptr_array_add(w->entries, g_strdup(entry));
	} else if (g_strcmp0(member, "UploadRecovered") == 0) {
		g_variant_get(args, "(&o&s)", &entry, &url);
		on_recovered(w, entry, url);
	}
}

void kept_watch_begin(struct kept_watch *w, const char *account)
{
	g_ptr_array_set_size(w->entries, 0);
	g_clear_pointer(&w->delivered_url, g_free);
	g_free(w->account);
	w->account = g_strdup(account);
	w->running = TRUE;
}

void kept_watch_end(struct kept_watch *w, gboolean kept)
{
	w->running = FALSE;
	if (!kept)
		g_clear_pointer(&w->account, g_free);
	if (w->delivered_url && w->entries->len == 0)
		w->sent(w->delivered_url, w->data);
	g_clear_pointer(&w->delivered_url, g_free);
}

struct kept_watch *kept_watch_new(struct daemon_client *dc,
				  kept_watch_sent_fn fn, void *data)
{
	struct kept_watch *w = g_new0(struct kept_watch, 1);

	w->dc = dc;
	w->sent = fn;
	w->data = data;
	w->entries = g_ptr_array_new_with_free_func(g_free);
	dc_subscribe(dc, on_signal, w);
	return w;
}
