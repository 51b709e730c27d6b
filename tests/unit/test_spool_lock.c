// SPDX-License-Identifier: GPL-2.0
/*
 * test_spool_lock: the spool's lock is never held across an fsync
 * (Documentation/spool.rst, "Locking"), so that the daemon's main thread,
 * which takes it in Open, Discard, spool_get(), spool_reserve() and
 * spool_update(), never waits for a disk.
 *
 * This program defines fsync() itself: the spool's objects are linked in
 * statically, so their calls land here instead of in libc. When a test
 * arms it, each fsync notes whether the spool lock was held at that moment
 * (by trying it: only the syncing thread can hold it then), and one fsync
 * taken without the lock can be held open until the test lets it go, while
 * the test's own thread calls the spool. No timing is measured: a lock held
 * across the fsync shows as a count, and then nothing is held open (the
 * test fails instead of hanging).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "spool.h"
#include "spool_private.h"

#define UID_A 1001
#define UID_B 1002

static char root[1024];

/* The fsync stand-in's state; every field is guarded by mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct spool *armed;	/* count and hold only while non-NULL */
	bool hold;		/* hold the next fsync taken without the lock */
	bool inside;		/* a thread is held in fsync */
	bool release;		/* ... until this is set */
	bool done;		/* the worker's spool call returned */
	int synced;		/* fsyncs while armed */
	int under_lock;		/* ... of which with the spool lock held */
} fs = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

int fsync(int fd)
{
	pthread_mutex_lock(&fs.mu);
	if (fs.armed) {
		fs.synced++;
		if (pthread_mutex_trylock(&fs.armed->lock) != 0) {
			fs.under_lock++;
		} else {
			pthread_mutex_unlock(&fs.armed->lock);
			if (fs.hold && !fs.inside) {
				fs.inside = true;
				pthread_cond_broadcast(&fs.cv);
				while (!fs.release)
					pthread_cond_wait(&fs.cv, &fs.mu);
			}
		}
	}
	pthread_mutex_unlock(&fs.mu);
	return (int)syscall(SYS_fsync, fd);
}

static void fs_arm(struct spool *s, bool hold)
{
	pthread_mutex_lock(&fs.mu);
	fs.armed = s;
	fs.hold = hold;
	fs.inside = fs.release = fs.done = false;
	fs.synced = fs.under_lock = 0;
	pthread_mutex_unlock(&fs.mu);
}

/* Wait until the worker is held in an fsync or has returned: true if held. */
static bool fs_wait_inside(void)
{
	bool inside;

	pthread_mutex_lock(&fs.mu);
	while (!fs.inside && !fs.done)
		pthread_cond_wait(&fs.cv, &fs.mu);
	inside = fs.inside;
	pthread_mutex_unlock(&fs.mu);
	return inside;
}

static void fs_release_and_disarm(void)
{
	pthread_mutex_lock(&fs.mu);
	fs.release = true;
	fs.armed = NULL;
	pthread_cond_broadcast(&fs.cv);
	pthread_mutex_unlock(&fs.mu);
}

static void fs_worker_done(void)
{
	pthread_mutex_lock(&fs.mu);
	fs.done = true;
	pthread_cond_broadcast(&fs.cv);
	pthread_mutex_unlock(&fs.mu);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/test_spool_lock.XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[sizeof(root) + 16];

	fs_release_and_disarm();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct spool *open_spool(void)
{
	struct spool_limits l;
	struct spool *s = NULL;
	struct err e;

	spool_limits_default(&l);
	l.min_free_bytes = 0;
	if (spool_open(root, &l, &s, NULL, &e) < 0)
		fail_msg("spool_open: %s", e.msg);
	return s;
}

/* Spool @data for @uid as a new entry; its id to @id. */
static void add_entry(struct spool *s, uid_t uid, const char *data, char *id)
{
	char path[SPOOL_PATH_MAX];
	struct ticket t;
	struct err e;
	int fd;

	if (spool_create_temp(s, uid, &fd, path, sizeof(path), &e) < 0)
		fail_msg("create_temp: %s", e.msg);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	ticket_init(&t);
	t.created = 1795000000;
	t.retries_left = 24;
	snprintf(t.remote_name, sizeof(t.remote_name), "scan.pdf");
	if (spool_commit(s, uid, path, &t, id, &e) < 0)
		fail_msg("commit: %s", e.msg);
}

/* A scan of UID_A with one committed page; its id to @scan. */
static void add_scan_page(struct spool *s, char *scan)
{
	struct ticket t;
	struct err e;
	int fd;

	ticket_init(&t);
	snprintf(t.format, sizeof(t.format), "jpeg");
	snprintf(t.remote_name, sizeof(t.remote_name), "page.jpg");
	t.created = 1795000000;
	assert_int_equal(spool_scan_begin(s, UID_A, &t, scan, &e), 0);
	assert_int_equal(spool_scan_page_create(s, UID_A, scan, 1, &fd, &e), 0);
	assert_int_equal(write(fd, "page one", 8), 8);
	if (spool_scan_page_commit(s, UID_A, scan, 1, fd, &e) < 0)
		fail_msg("page commit: %s", e.msg);
	close(fd);
}

/* What the main thread does while a worker is held in its fsync. */
static void main_thread_calls(struct spool *s, const char *other_id,
			      enum ticket_state want_state)
{
	struct spool_info *v = NULL;
	struct ticket t;
	size_t n = 0;
	struct err e;

	assert_int_equal(spool_get(s, UID_B, other_id, &t, &e), 0);
	assert_int_equal(t.state, want_state);
	assert_int_equal(spool_reserve(s, UID_B, 1000, &e), 0);
	assert_int_equal(spool_list(s, UID_B, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	free(v);
}

/*
 * Run @fn(@job) in a worker until it is held in an unlocked fsync, make
 * the main thread's calls meanwhile, then let it finish. @what names the
 * call for the failure message.
 */
static void hold_worker_in_fsync(void *(*fn)(void *), void *job,
				 struct spool *s, const char *other_id,
				 const char *what)
{
	pthread_t th;

	fs_arm(s, true);
	assert_int_equal(pthread_create(&th, NULL, fn, job), 0);
	if (!fs_wait_inside()) {
		pthread_join(th, NULL);
		fail_msg("%s synced only with the spool lock held (%d of %d fsyncs)",
			 what, fs.under_lock, fs.synced);
	}
	main_thread_calls(s, other_id, TICKET_WAITING);
	fs_release_and_disarm();
	pthread_join(th, NULL);
}

struct update_job {
	struct spool *s;
	const char *id;
	struct ticket t;
	int r;
	struct err e;
};

static void *update_run(void *arg)
{
	struct update_job *j = arg;

	j->r = spool_update(j->s, UID_B, j->id, &j->t, &j->e);
	fs_worker_done();
	return NULL;
}

/*
 * A worker's spool_update() is held inside its fsync; meanwhile this
 * thread reads the same entry (still the old ticket: the new one is not
 * installed before it is durable), checks the limits and lists the spool.
 * Then the update completes, and a restart finds the new ticket and no
 * leftover.
 */
static void test_update_syncs_without_the_lock(void **state)
{
	struct update_job j = { 0 };
	char id[SPOOL_ID_MAX];
	struct spool_orphan *o;
	struct ticket t;
	struct err e;
	size_t n;

	j.s = open_spool();
	add_entry(j.s, UID_B, "bob's document", id);
	assert_int_equal(spool_get(j.s, UID_B, id, &j.t, &e), 0);
	j.id = id;
	j.t.state = TICKET_NEEDS_ATTENTION;
	hold_worker_in_fsync(update_run, &j, j.s, id, "spool_update");
	if (j.r < 0)
		fail_msg("update: %s", j.e.msg);
	assert_int_equal(fs.under_lock, 0);
	assert_int_equal(spool_get(j.s, UID_B, id, &t, &e), 0);
	assert_int_equal(t.state, TICKET_NEEDS_ATTENTION);
	spool_close(j.s);
	j.s = open_spool();
	assert_int_equal(spool_get(j.s, UID_B, id, &t, &e), 0);
	assert_int_equal(t.state, TICKET_NEEDS_ATTENTION);
	assert_int_equal(spool_orphans(j.s, &o, &n, &e), 0);
	assert_int_equal(n, 0);
	spool_close(j.s);
}

struct page_job {
	struct spool *s;
	char scan[SPOOL_ID_MAX], id[SPOOL_ID_MAX];
	struct ticket t;
	int r;
	struct err e;
};

static void *page_run(void *arg)
{
	struct page_job *j = arg;

	j->r = spool_scan_commit_page(j->s, UID_A, j->scan, 1, &j->t, j->id, &j->e);
	fs_worker_done();
	return NULL;
}

/*
 * A page made an entry: its fsync and SHA-256 (which follows the fsync,
 * in the same unlocked step) do not keep another user's calls waiting.
 */
static void test_page_commit_hashes_without_the_lock(void **state)
{
	struct page_job j = { 0 };
	char other[SPOOL_ID_MAX];
	struct ticket t;
	struct err e;

	j.s = open_spool();
	add_entry(j.s, UID_B, "bob's document", other);
	add_scan_page(j.s, j.scan);
	ticket_init(&j.t);
	snprintf(j.t.format, sizeof(j.t.format), "jpeg");
	snprintf(j.t.remote_name, sizeof(j.t.remote_name), "page.jpg");
	hold_worker_in_fsync(page_run, &j, j.s, other, "spool_scan_commit_page");
	if (j.r < 0)
		fail_msg("commit page: %s", j.e.msg);
	assert_int_equal(fs.under_lock, 0);
	assert_int_equal(j.t.size, 8);
	assert_true(j.t.sha256[0] != '\0');
	assert_int_equal(spool_get(j.s, UID_A, j.id, &t, &e), 0);
	assert_string_equal(t.sha256, j.t.sha256);
	assert_int_equal(spool_verify(j.s, UID_A, j.id, &e), 0);
	spool_close(j.s);
}

/* Every call that syncs, counted: none with the lock held. */
static void test_no_fsync_under_the_lock(void **state)
{
	char id[SPOOL_ID_MAX], scan[SPOOL_ID_MAX], page_id[SPOOL_ID_MAX];
	struct spool *s = open_spool();
	int synced, under_lock;
	struct ticket t;
	struct err e;

	fs_arm(s, false);
	add_entry(s, UID_A, "alice's document", id);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	t.retries_left--;
	assert_int_equal(spool_update(s, UID_A, id, &t, &e), 0);
	add_scan_page(s, scan);
	ticket_init(&t);
	assert_int_equal(spool_scan_commit_page(s, UID_A, scan, 1, &t, page_id, &e), 0);
	assert_int_equal(spool_scan_end(s, UID_A, scan, &e), 0);
	assert_int_equal(spool_remove(s, UID_A, id, &e), 0);
	assert_int_equal(spool_remove(s, UID_A, page_id, &e), 0);
	pthread_mutex_lock(&fs.mu);
	synced = fs.synced;
	under_lock = fs.under_lock;
	pthread_mutex_unlock(&fs.mu);
	fs_release_and_disarm();
	print_message("fsyncs: %d, with the spool lock held: %d\n", synced,
		      under_lock);
	assert_true(synced >= 10);
	assert_int_equal(under_lock, 0);
	spool_close(s);
}

/*
 * An update cut by a crash before its rename leaves tmp/<id>.<n>.upd: the
 * next start deletes it (the entry keeps its previous ticket, complete)
 * instead of keeping it aside as an orphan its owner would be told of.
 */
static void test_cut_update_dropped_at_start(void **state)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX], path[sizeof(root) + SPOOL_REL_MAX];
	struct spool *s = open_spool();
	struct spool_orphan *o;
	struct ticket t;
	struct err e;
	size_t n;
	FILE *f;

	add_entry(s, UID_B, "bob's document", id);
	spool_close(s);
	spool_update_rel(rel, UID_B, id, 7);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"half\": ", f);
	fclose(f);
	s = open_spool();
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(spool_orphans(s, &o, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(spool_get(s, UID_B, id, &t, &e), 0);
	assert_int_equal(t.state, TICKET_WAITING);
	spool_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_update_syncs_without_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_commit_hashes_without_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fsync_under_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_update_dropped_at_start, setup, teardown),
	};

	log_open("test_spool_lock", false, getenv("VERBOSE") ? LOG_DEBUG : LOG_CRIT);
	return cmocka_run_group_tests_name("spool_lock", tests, NULL, NULL);
}
