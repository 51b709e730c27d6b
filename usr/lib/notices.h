/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notices: what the daemon told a user, kept until the user has seen it.
 * A signal reaches only the sessions listening at that moment, and the
 * notices raised at start (a partial document kept after a power cut,
 * files kept in orphans/) or while nobody is logged in (root discarding
 * an entry) would reach nobody but the mail. Each is also stored in the
 * owner's spool, <spool>/<uid>/notices/notices.json, with durable.c's
 * protocol (temp file, fsync, rename, fsync of the directory), until the
 * owner acknowledges it (Manager.ListNotices / AckNotices, dbus-api.rst).
 *
 * Bounded, never dropped silently: at most @max notices per user; with
 * that many, a new one is added to the newest (its count grows, its text
 * gets the new text while it stays under NOTICE_TEXT_MAX; past that only
 * the count says how many more there were; each also went by mail).
 *
 * Thread safety: one mutex guards the files.
 */
#ifndef MFPSCAN_NOTICES_H
#define MFPSCAN_NOTICES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define NOTICES_MAX_DEFAULT	32	/* per user, before coalescing */
#define NOTICE_KIND_MAX		32
#define NOTICE_TEXT_MAX		16384	/* bytes of one notice's text */

struct notices;

/* One notice, as notices_list() returns it. */
struct notice {
	uint64_t id;			/* per user, increasing, never reused */
	char kind[NOTICE_KIND_MAX];	/* "partial-kept", "orphans-kept", ... */
	int64_t time;			/* unix seconds of the newest part */
	char *text;			/* UTF-8, malloc'd */
	uint32_t count;			/* > 1: several notices coalesced */
};

/*
 * Open the notices under spool directory @spool_dir (opened when first
 * needed: it may not exist yet), at most @max per user (0:
 * NOTICES_MAX_DEFAULT). Returns 0 or a negative errno with @e.
 */
int notices_open(const char *spool_dir, unsigned int max,
		 struct notices **out, struct err *e);

/* Close @ns (NULL is fine); returns NULL. */
struct notices *notices_close(struct notices *ns);

/*
 * Keep notice @kind with @text (UTF-8; cut to NOTICE_TEXT_MAX on a
 * character boundary) for @uid at @now, durably. Returns 0, or a negative
 * errno with @e (nothing was stored; the caller logs it).
 */
int notices_add(struct notices *ns, uid_t uid, const char *kind,
		const char *text, time_t now, struct err *e);

/*
 * The notices of @uid not yet acknowledged, oldest first: *@out (free
 * with notices_free) and *@n (0 and NULL when none). A file that cannot be
 * read is an error naming it (it is left as it is). Returns 0 or a
 * negative errno with @e.
 */
int notices_list(struct notices *ns, uid_t uid, struct notice **out,
		 size_t *n, struct err *e);

void notices_free(struct notice *list, size_t n);

/*
 * Acknowledge (remove) the notices of @uid whose ids are in @ids (@n of
 * them; ids that are not there, or not @uid's, are ignored), durably.
 * *@acked: how many were removed. Returns 0 or a negative errno with @e.
 */
int notices_ack(struct notices *ns, uid_t uid, const uint64_t *ids, size_t n,
		uint32_t *acked, struct err *e);

#endif
