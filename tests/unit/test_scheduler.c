// SPDX-License-Identifier: GPL-2.0
/*
 * test_scheduler: the due-entry heap against a naive reference (an array
 * scanned in full). Thousands of random set/move/remove/pop operations;
 * after each step the heap invariants and the index are checked, and every
 * pop must return exactly what the reference says is earliest (ties in
 * scheduling order).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler.h"

#define REF_MAX 400

struct ref {
	bool used;
	uid_t uid;
	char id[SCHEDULER_ID_MAX];
	time_t when;
	uint64_t seq;
};

static struct ref refs[REF_MAX];
static uint64_t ref_seq;

/* Deterministic generator so a failure can be replayed. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check(struct scheduler *s)
{
	struct err e;
	size_t n = 0;

	if (scheduler_check(s, &e) < 0)
		fail_msg("%s", e.msg);
	for (int i = 0; i < REF_MAX; i++)
		n += refs[i].used;
	assert_int_equal(scheduler_count(s), n);
}

/* The reference's earliest entry: smallest (when, seq). */
static int ref_earliest(void)
{
	int best = -1;

	for (int i = 0; i < REF_MAX; i++) {
		if (!refs[i].used)
			continue;
		if (best < 0 || refs[i].when < refs[best].when ||
		    (refs[i].when == refs[best].when && refs[i].seq < refs[best].seq))
			best = i;
	}
	return best;
}

static void op_set(struct scheduler *s, int i)
{
	struct ref *r = &refs[i];

	if (!r->used) {
		/* Few uids and a shared id space, so keys collide on id. */
		r->uid = 1000 + (uid_t)(i % 7);
		snprintf(r->id, sizeof(r->id), "%032x", (unsigned int)(i / 7));
	}
	r->when = (time_t)(rnd() % 50);	/* many ties */
	r->seq = ref_seq++;
	r->used = true;
	assert_int_equal(scheduler_set(s, r->uid, r->id, r->when, NULL), 0);
}

static void op_remove(struct scheduler *s, int i)
{
	struct ref *r = &refs[i];
	uid_t uid = 1000 + (uid_t)(i % 7);
	char id[SCHEDULER_ID_MAX];

	snprintf(id, sizeof(id), "%032x", (unsigned int)(i / 7));
	assert_int_equal(scheduler_remove(s, uid, id), r->used ? 0 : -ENOENT);
	r->used = false;
}

static void op_pop(struct scheduler *s, time_t now)
{
	int best = ref_earliest();
	char id[SCHEDULER_ID_MAX] = "";
	uid_t uid = 0;
	time_t when = -1;
	int got = scheduler_pop_due(s, now, &uid, id, &when);

	if (best < 0 || refs[best].when > now) {
		assert_int_equal(got, 0);
		return;
	}
	assert_int_equal(got, 1);
	assert_int_equal(uid, refs[best].uid);
	assert_string_equal(id, refs[best].id);
	assert_int_equal(when, refs[best].when);
	refs[best].used = false;
}

static void test_random_ops_match_reference(void **state)
{
	struct scheduler *s;
	time_t w;

	memset(refs, 0, sizeof(refs));
	assert_int_equal(scheduler_new(&s, NULL), 0);
	for (int step = 0; step < 20000; step++) {
		unsigned int k = (unsigned int)(rnd() % 10);
		int i = (int)(rnd() % REF_MAX);

		if (k < 5)
			op_set(s, i);
		else if (k < 7)
			op_remove(s, i);
		else
			op_pop(s, (time_t)(rnd() % 60));
		if (step % 97 == 0)
			check(s);
		if (scheduler_peek(s, &w)) {
			int b = ref_earliest();

			assert_true(b >= 0);
			assert_int_equal(w, refs[b].when);
		} else {
			assert_int_equal(ref_earliest(), -1);
		}
	}
	check(s);
	/* Drain: everything comes out in order. */
	while (ref_earliest() >= 0)
		op_pop(s, 1000);
	assert_int_equal(scheduler_count(s), 0);
	scheduler_free(s);
}

static void test_ties_in_scheduling_order_and_move(void **state)
{
	char id[SCHEDULER_ID_MAX];
	struct scheduler *s;
	uid_t uid;
	time_t when;

	assert_int_equal(scheduler_new(&s, NULL), 0);
	assert_int_equal(scheduler_set(s, 1, "aaaa", 100, NULL), 0);
	assert_int_equal(scheduler_set(s, 2, "aaaa", 100, NULL), 0);	/* other user */
	assert_int_equal(scheduler_set(s, 1, "bbbb", 100, NULL), 0);
	assert_int_equal(scheduler_set(s, 1, "cccc", 50, NULL), 0);
	assert_int_equal(scheduler_count(s), 4);
	assert_int_equal(scheduler_pop_due(s, 49, &uid, id, &when), 0);
	assert_int_equal(scheduler_pop_due(s, 100, &uid, id, &when), 1);
	assert_string_equal(id, "cccc");
	/* Moving (1, aaaa) to the same time puts it behind the others. */
	assert_int_equal(scheduler_set(s, 1, "aaaa", 100, NULL), 0);
	assert_int_equal(scheduler_get(s, 1, "aaaa", &when), 0);
	assert_int_equal(when, 100);
	assert_int_equal(scheduler_pop_due(s, 100, &uid, id, NULL), 1);
	assert_int_equal(uid, 2);
	assert_int_equal(scheduler_pop_due(s, 100, &uid, id, NULL), 1);
	assert_string_equal(id, "bbbb");
	assert_int_equal(scheduler_pop_due(s, 100, &uid, id, NULL), 1);
	assert_int_equal(uid, 1);
	assert_string_equal(id, "aaaa");
	assert_int_equal(scheduler_get(s, 1, "aaaa", &when), -ENOENT);
	assert_false(scheduler_peek(s, &when));
	scheduler_free(s);
}

static void test_bad_ids_refused(void **state)
{
	char longid[SCHEDULER_ID_MAX + 1];
	struct scheduler *s;
	struct err e;

	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(scheduler_new(&s, NULL), 0);
	assert_int_equal(scheduler_set(s, 1, "", 5, &e), -EINVAL);
	assert_int_equal(scheduler_set(s, 1, NULL, 5, &e), -EINVAL);
	assert_int_equal(scheduler_set(s, 1, longid, 5, &e), -EINVAL);
	assert_int_equal(scheduler_remove(s, 1, "nothing"), -ENOENT);
	assert_int_equal(scheduler_remove(s, 1, NULL), -ENOENT);
	assert_int_equal(scheduler_count(s), 0);
	scheduler_free(s);
	assert_null(scheduler_free(NULL));
}

static void test_large_heap_grows_and_drains_in_order(void **state)
{
	char id[SCHEDULER_ID_MAX];
	struct scheduler *s;
	time_t prev = -1, when;
	uid_t uid;
	int n = 0;

	assert_int_equal(scheduler_new(&s, NULL), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "%032x", (unsigned int)i);
		assert_int_equal(scheduler_set(s, (uid_t)(i % 100), id,
					       (time_t)(rnd() % 100000), NULL), 0);
	}
	if (scheduler_check(s, NULL) < 0)
		fail();
	while (scheduler_pop_due(s, 100000, &uid, id, &when) == 1) {
		assert_true(when >= prev);
		prev = when;
		n++;
	}
	assert_int_equal(n, 5000);
	scheduler_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ops_match_reference),
		cmocka_unit_test(test_ties_in_scheduling_order_and_move),
		cmocka_unit_test(test_bad_ids_refused),
		cmocka_unit_test(test_large_heap_grows_and_drains_in_order),
	};

	return cmocka_run_group_tests_name("scheduler", tests, NULL, NULL);
}
