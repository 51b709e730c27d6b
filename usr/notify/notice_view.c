// SPDX-License-Identifier: GPL-2.0
/*
 * notice_view: bookkeeping of the daemon's notices on the desktop (see
 * notice_view.h).
 */
#include <string.h>

#include "job_text.h"
#include "notice_view.h"

bool notice_view_shown(const struct notice_view *v, uint64_t id)
{
	for (unsigned int i = 0; i < v->n; i++)
		if (v->id[i] == id)
			return true;
	return false;
}

void notice_view_add(struct notice_view *v, uint64_t id, uint32_t notification)
{
	if (v->n == NOTICE_VIEW_MAX) {
		memmove(v->id, v->id + 1, (NOTICE_VIEW_MAX - 1) * sizeof(v->id[0]));
		memmove(v->notification, v->notification + 1,
			(NOTICE_VIEW_MAX - 1) * sizeof(v->notification[0]));
		v->n--;
	}
	v->id[v->n] = id;
	v->notification[v->n] = notification;
	v->n++;
}

uint64_t notice_view_take(struct notice_view *v, uint32_t notification)
{
	for (unsigned int i = 0; notification && i < v->n; i++)
		if (v->notification[i] == notification) {
			v->notification[i] = 0;
			return v->id[i];
		}
	return 0;
}

const char *notice_view_summary(const char *kind)
{
	if (strcmp(kind, "kept") == 0)
		return _("A scan of yours was kept and will be sent again");
	if (strcmp(kind, "sent-after-retry") == 0)
		return _("A kept scan of yours was sent after a retry");
	if (strcmp(kind, "needs-attention") == 0)
		return _("A kept scan of yours needs your attention");
	if (strcmp(kind, "partial-kept") == 0)
		return _("A scan was cut short: its pages were kept");
	if (strcmp(kind, "orphans-kept") == 0)
		return _("Files of your scans were kept after an interruption");
	if (strcmp(kind, "discarded") == 0)
		return _("A kept scan of yours was deleted");
	return _("Notices about your scans");
}
