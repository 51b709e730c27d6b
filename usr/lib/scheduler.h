/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scheduler: which spooled entries are due for a retry, found without
 * scanning the spool. A binary min-heap of (next retry time, uid, id) with
 * an index from (uid, id) to the heap slot, so that add, reschedule and
 * remove are O(log n) and "pop everything due at t" costs O(log n) per due
 * entry. Entries due at the same second come out in the order they were
 * scheduled (the patent's "registration order", S704/S707).
 *
 * Memory only: on start the daemon fills it from spool_open()'s recovered
 * tickets. Not thread-safe: the daemon uses it from its main thread.
 */
#ifndef MFPSCAN_SCHEDULER_H
#define MFPSCAN_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define SCHEDULER_ID_MAX 64	/* id buffer size, NUL included */

struct scheduler;

/* Create an empty scheduler in *@out; -ENOMEM with @e on failure. */
int scheduler_new(struct scheduler **out, struct err *e);

/* Free @s and everything it holds; NULL is fine. Returns NULL. */
struct scheduler *scheduler_free(struct scheduler *s);

/*
 * Schedule (@uid, @id) at @when, or move it there if already scheduled
 * (it then also goes behind others due at the same second). Returns 0,
 * -EINVAL for an empty or too long @id, or -ENOMEM (with @e).
 */
int scheduler_set(struct scheduler *s, uid_t uid, const char *id,
		  time_t when, struct err *e);

/* Unschedule (@uid, @id): 0, or -ENOENT when it was not scheduled. */
int scheduler_remove(struct scheduler *s, uid_t uid, const char *id);

/* When (@uid, @id) is scheduled: 0 and *@when, or -ENOENT. */
int scheduler_get(const struct scheduler *s, uid_t uid, const char *id,
		  time_t *when);

/*
 * Take the earliest entry if it is due (its time <= @now): returns 1 and
 * fills @uid, @id (SCHEDULER_ID_MAX bytes) and @when (may be NULL);
 * returns 0 when nothing is due (outputs untouched).
 */
int scheduler_pop_due(struct scheduler *s, time_t now, uid_t *uid,
		      char *id, time_t *when);

/* Earliest scheduled time in *@when: true, or false when empty. */
bool scheduler_peek(const struct scheduler *s, time_t *when);

/* Number of scheduled entries. */
size_t scheduler_count(const struct scheduler *s);

/*
 * Check the heap order and that the index agrees with the heap (for
 * tests): 0, or -EFAULT naming the broken invariant in @e.
 */
int scheduler_check(const struct scheduler *s, struct err *e);

#endif
