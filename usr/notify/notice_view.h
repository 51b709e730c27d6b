/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notice_view: which of the notices the daemon kept for the person
 * (Manager.ListNotices) this agent has put on the desktop, and under which
 * notification, so that each is shown once per session and a click on it
 * acknowledges that one. Pure bookkeeping, no bus.
 */
#ifndef MFPSCAN_NOTIFY_NOTICE_VIEW_H
#define MFPSCAN_NOTIFY_NOTICE_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#define NOTICE_VIEW_MAX 64	/* the daemon keeps at most 32 per user */

struct notice_view {
	uint64_t id[NOTICE_VIEW_MAX];
	uint32_t notification[NOTICE_VIEW_MAX];	/* 0: acknowledged */
	unsigned int n;
};

/* notice_view_shown: notice @id was put on the desktop already. */
bool notice_view_shown(const struct notice_view *v, uint64_t id);

/* notice_view_add: notice @id is shown as @notification (the oldest is
 * forgotten when full: at worst a notice is shown twice). */
void notice_view_add(struct notice_view *v, uint64_t id, uint32_t notification);

/* notice_view_take: the notice @notification shows (0: none of ours); a
 * second call for it gives 0 (acknowledged once). */
uint64_t notice_view_take(struct notice_view *v, uint32_t notification);

/* notice_view_summary: the notification's title for a notice kind (its
 * body is the daemon's sentence, which says what happened to which scan);
 * a kind this agent does not know gets a generic one. */
const char *notice_view_summary(const char *kind);

#endif
