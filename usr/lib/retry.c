// SPDX-License-Identifier: GPL-2.0
/*
 * retry: backoff arithmetic and the ticket's retry bookkeeping (see
 * retry.h). The interval is computed in one small pure function, like
 * OpenSMTPD's scheduler_backoff(): doubling from initial_s, multiplied for
 * failures that need a person, clamped to max_interval_s.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retry.h"

bool retry_class_is_slow(enum err_class cls)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
	case ERR_AUTH:
	case ERR_NOT_FOUND:
	case ERR_TLS:
		return true;
	default:
		return false;
	}
}

unsigned int retry_interval(const struct retry_policy *p, enum err_class cls,
			    unsigned int attempts_done)
{
	uint64_t cap = p->max_interval_s;
	uint64_t s = p->initial_s;

	if (retry_class_is_slow(cls))
		s *= p->slow_factor;	/* both < 2^32: no overflow in 64 bits */
	/* Double once per earlier failure; stop as soon as the cap is hit,
	 * which also bounds the loop for huge attempt counts. */
	for (unsigned int i = 1; i < attempts_done && s < cap; i++)
		s *= 2;
	if (s > cap)
		s = cap;
	return (unsigned int)s;
}

time_t retry_next_time(const struct retry_policy *p, enum err_class cls,
		       unsigned int attempts_done, time_t now)
{
	time_t step = (time_t)retry_interval(p, cls, attempts_done);
	time_t next;

	/* Saturate below INT64_MAX, which the ticket reader refuses. */
	if (__builtin_add_overflow(now, step, &next) || next == INT64_MAX)
		return INT64_MAX - 1;
	return next;
}

/* Record the failure itself: shared by the first and later failures. */
static void retry_record(struct ticket *t, enum err_class cls,
			 const char *msg, time_t now)
{
	t->last_class = cls;
	ticket_copy_text(t->last_error, sizeof(t->last_error), msg);
	ticket_log_append(t, now, cls, msg);
	if (t->attempts < UINT32_MAX)
		t->attempts++;
}

/* Plan the next attempt, or stop when the counter is spent (S810). */
static void retry_plan(struct ticket *t, enum err_class cls, time_t now,
		       const struct retry_policy *p)
{
	if (t->retries_left == 0) {
		t->state = TICKET_NEEDS_ATTENTION;
		t->next_retry = 0;
		return;
	}
	t->state = TICKET_WAITING;
	t->next_retry = retry_next_time(p, cls, t->attempts, now);
}

void retry_first_failure(struct ticket *t, enum err_class cls,
			 const char *msg, time_t now,
			 const struct retry_policy *p)
{
	t->attempts = 0;
	t->n_log = 0;
	t->retries_left = p->count;
	retry_record(t, cls, msg, now);
	retry_plan(t, cls, now, p);
}

void retry_after_failure(struct ticket *t, enum err_class cls,
			 const char *msg, time_t now,
			 const struct retry_policy *p)
{
	if (t->retries_left > 0)
		t->retries_left--;
	retry_record(t, cls, msg, now);
	retry_plan(t, cls, now, p);
}

void retry_after_scan_attempt(struct ticket *t, enum err_class cls,
			      const char *msg, time_t now)
{
	retry_record(t, cls, msg, now);
}

void retry_give_up(struct ticket *t, enum err_class cls, const char *msg,
		   time_t now)
{
	retry_record(t, cls, msg, now);
	t->retries_left = 0;
	t->state = TICKET_NEEDS_ATTENTION;
	t->next_retry = 0;
}

void retry_begin(struct ticket *t)
{
	t->state = TICKET_RETRYING;
}

bool retry_is_due(const struct ticket *t, time_t now)
{
	return t->state == TICKET_WAITING && t->retries_left > 0 &&
	       t->next_retry <= now;
}
