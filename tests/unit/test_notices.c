// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for notices: kept per user, durably (found again after a
 * reopen), listed oldest first, acknowledged only by their owner's ids,
 * bounded by coalescing into the newest (count and text grow, nothing
 * dropped unsaid), text cut on a UTF-8 boundary, a damaged file refused
 * with its name and left as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "notices.h"

struct fix {
	char dir[64];
	struct notices *ns;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct err e = { 0 };

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_notices.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(notices_open(f->dir, 4, &f->ns, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	notices_close(f->ns);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void add(struct fix *f, uid_t uid, const char *kind, const char *text,
		time_t now)
{
	struct err e = { 0 };

	if (notices_add(f->ns, uid, kind, text, now, &e) < 0)
		fail_msg("notices_add: %s", e.msg);
}

static size_t list(struct fix *f, uid_t uid, struct notice **v)
{
	struct err e = { 0 };
	size_t n = 0;

	if (notices_list(f->ns, uid, v, &n, &e) < 0)
		fail_msg("notices_list: %s", e.msg);
	return n;
}

static void test_kept_per_user_and_durable(void **state)
{
	struct fix *f = *state;
	struct notice *v;
	struct err e = { 0 };
	size_t n;

	add(f, 1000, "partial-kept", "A partial document of 3 pages", 100);
	add(f, 1000, "orphans-kept", "2 files", 101);
	add(f, 1001, "discarded", "bob's", 102);
	/* A restart: the same notices, the same ids. */
	notices_close(f->ns);
	assert_int_equal(notices_open(f->dir, 4, &f->ns, &e), 0);
	n = list(f, 1000, &v);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, 1);
	assert_string_equal(v[0].kind, "partial-kept");
	assert_string_equal(v[0].text, "A partial document of 3 pages");
	assert_int_equal(v[0].time, 100);
	assert_int_equal(v[0].count, 1);
	assert_int_equal(v[1].id, 2);
	notices_free(v, n);
	n = list(f, 1001, &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].text, "bob's");
	notices_free(v, n);
	assert_int_equal(list(f, 1002, &v), 0);
	assert_null(v);
}

static void test_ack_only_own_ids(void **state)
{
	struct fix *f = *state;
	uint64_t ids[] = { 1, 7 };
	struct err e = { 0 };
	struct notice *v;
	uint32_t acked;
	size_t n;

	add(f, 1000, "partial-kept", "first", 100);
	add(f, 1000, "partial-kept", "second", 101);
	add(f, 1001, "discarded", "bob's", 102);
	/* Bob acknowledging id 1 is not alice's notice 1 going. */
	assert_int_equal(notices_ack(f->ns, 1001, (uint64_t[]){ 5 }, 1, &acked, &e), 0);
	assert_int_equal(acked, 0);
	assert_int_equal(notices_ack(f->ns, 1000, ids, 2, &acked, &e), 0);
	assert_int_equal(acked, 1);
	n = list(f, 1000, &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].text, "second");
	assert_int_equal(v[0].id, 2);
	notices_free(v, n);
	assert_int_equal(list(f, 1001, &v), 1);
	notices_free(v, 1);
	/* Ids are never reused after an acknowledgement. */
	assert_int_equal(notices_ack(f->ns, 1000, (uint64_t[]){ 2 }, 1, &acked, &e), 0);
	assert_int_equal(acked, 1);
	add(f, 1000, "orphans-kept", "third", 103);
	n = list(f, 1000, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, 3);
	notices_free(v, n);
}

static void test_full_coalesces_never_drops(void **state)
{
	struct fix *f = *state;
	struct notice *v;
	char text[32];
	size_t n;

	for (int i = 1; i <= 7; i++) {
		snprintf(text, sizeof(text), "notice %d", i);
		add(f, 1000, i < 6 ? "partial-kept" : "orphans-kept", text, 100 + i);
	}
	n = list(f, 1000, &v);
	assert_int_equal(n, 4);			/* the bound */
	assert_string_equal(v[2].text, "notice 3");
	assert_int_equal(v[3].count, 4);	/* 4, 5, 6, 7 */
	assert_string_equal(v[3].kind, "several");
	assert_string_equal(v[3].text, "notice 4\n\nnotice 5\n\nnotice 6\n\nnotice 7");
	assert_int_equal(v[3].time, 107);
	notices_free(v, n);
}

static void test_text_bounded_count_goes_on(void **state)
{
	struct fix *f = *state;
	char *big = malloc(NOTICE_TEXT_MAX + 100);
	struct notice *v;
	size_t n;

	/* A long text is cut before a character, never inside one. */
	memset(big, 'a', NOTICE_TEXT_MAX + 99);
	memcpy(big + NOTICE_TEXT_MAX - 2, "\xc3\xa9\xc3\xa9", 4);
	big[NOTICE_TEXT_MAX + 99] = '\0';
	for (int i = 0; i < 3; i++)
		add(f, 1000, "k", "small", 100);
	add(f, 1000, "k", big, 101);
	add(f, 1000, "k", "one more", 102);	/* does not fit: counted */
	n = list(f, 1000, &v);
	assert_int_equal(n, 4);
	assert_int_equal(v[3].count, 2);
	assert_true(strlen(v[3].text) < NOTICE_TEXT_MAX);
	assert_int_equal(strlen(v[3].text), NOTICE_TEXT_MAX - 2);
	assert_null(strstr(v[3].text, "one more"));
	notices_free(v, n);
	free(big);
}

static void test_damaged_file_named_and_left(void **state)
{
	struct fix *f = *state;
	struct err e = { 0 };
	struct notice *v;
	char path[128];
	size_t n;
	int fd;

	add(f, 1000, "k", "x", 1);
	snprintf(path, sizeof(path), "%s/1000/notices/notices.json", f->dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"version\":1,", 13), 13);
	close(fd);
	assert_int_equal(notices_list(f->ns, 1000, &v, &n, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "1000/notices/notices.json"));
	assert_int_equal(notices_add(f->ns, 1000, "k", "y", 2, &e), -EBADMSG);
	assert_int_equal(access(path, F_OK), 0);	/* not replaced, not removed */
}

/* The daemon opens the notices before it makes the spool directory. */
static void test_spool_made_later(void **state)
{
	struct fix *f = *state;
	struct notices *later;
	struct err e = { 0 };
	struct notice *v;
	char dir[96];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/later", f->dir);
	assert_int_equal(notices_open(dir, 0, &later, &e), 0);
	assert_int_equal(notices_list(later, 1000, &v, &n, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "later"));
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(notices_add(later, 1000, "k", "x", 1, &e), 0);
	assert_int_equal(notices_list(later, 1000, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	notices_free(v, n);
	notices_close(later);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_per_user_and_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_only_own_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_coalesces_never_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_bounded_count_goes_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file_named_and_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_made_later, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
