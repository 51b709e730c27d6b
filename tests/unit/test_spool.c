// SPDX-License-Identifier: GPL-2.0
/*
 * test_spool: the durable spool in a scratch directory. Commit, recover,
 * update and remove; every half state a crash can leave (temp files, a
 * commit or removal cut between its renames, documents without tickets,
 * damaged tickets) is produced by hand and spool_open() must report it,
 * complete it or keep it aside; limits refuse up front; ids and temp paths
 * that could escape are refused; files and directories get 0600/0700.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "spool.h"

#define UID_A 1001
#define UID_B 1002

static char root[1024];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/test_spool.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	/* A failed test_full_filesystem may leave its tmpfs behind. */
	(void)umount2(root, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void limits_loose(struct spool_limits *l)
{
	spool_limits_default(l);
	l->min_free_bytes = 0;
}

static struct spool *open_spool(struct spool_recovery *rep)
{
	struct spool_limits l;
	struct spool *s = NULL;
	struct err e;

	limits_loose(&l);
	if (spool_open(root, &l, &s, rep, &e) < 0)
		fail_msg("spool_open: %s", e.msg);
	return s;
}

/* Spool @data for @uid as a new entry created at @created; id to @id. */
static void add_entry(struct spool *s, uid_t uid, const char *data,
		      int64_t created, char *id)
{
	char path[SPOOL_PATH_MAX];
	struct ticket t;
	struct err e;
	int fd;

	assert_int_equal(spool_reserve(s, uid, strlen(data), &e), 0);
	if (spool_create_temp(s, uid, &fd, path, sizeof(path), &e) < 0)
		fail_msg("create_temp: %s", e.msg);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	ticket_init(&t);
	t.created = created;
	t.retries_left = 24;
	t.next_retry = created + 60;
	snprintf(t.remote_name, sizeof(t.remote_name), "scan-%lld.pdf", (long long)created);
	if (spool_commit(s, uid, path, &t, id, &e) < 0)
		fail_msg("commit: %s", e.msg);
	close(fd);
	assert_true(spool_id_valid(id));
	assert_int_equal(t.owner_uid, uid);
	assert_int_equal(t.size, strlen(data));
	assert_int_equal(access(path, F_OK), -1);	/* renamed away */
}

static void rel(char *buf, uid_t uid, const char *sub, const char *id,
		const char *ext)
{
	snprintf(buf, PATH_MAX, "%s/%u/%s%s%s", root, (unsigned int)uid, sub, id, ext);
}

static bool exists(uid_t uid, const char *sub, const char *id, const char *ext)
{
	char p[PATH_MAX];

	rel(p, uid, sub, id, ext);
	return access(p, F_OK) == 0;
}

static void move(uid_t uid, const char *sub1, const char *id, const char *ext1,
		 const char *sub2, const char *ext2)
{
	char a[PATH_MAX], b[PATH_MAX];

	rel(a, uid, sub1, id, ext1);
	rel(b, uid, sub2, id, ext2);
	assert_int_equal(rename(a, b), 0);
}

static void test_commit_recover_read(void **state)
{
	char id[SPOOL_ID_MAX], p[PATH_MAX], buf[16];
	struct spool_recovery rep;
	struct spool *s = open_spool(&rep);
	struct ticket t;
	struct stat st;
	struct err e;
	int fd;

	assert_int_equal(rep.entries, 0);
	add_entry(s, UID_A, "abc", 100, id);
	assert_int_equal(spool_verify(s, UID_A, id, &e), 0);
	spool_close(s);

	s = open_spool(&rep);
	assert_int_equal(rep.entries, 1);
	assert_int_equal(rep.users, 1);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	assert_string_equal(t.sha256,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(t.size, 3);
	assert_int_equal(t.created, 100);
	assert_string_equal(t.remote_name, "scan-100.pdf");
	assert_int_equal(spool_open_document(s, UID_A, id, &fd, &e), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);

	/* Modes: per-user dir and tmp 0700, files 0600, root-owned as root. */
	snprintf(p, sizeof(p), "%s/%u", root, UID_A);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, 0);
	rel(p, UID_A, "", id, ".doc");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	rel(p, UID_A, "", id, ".json");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	spool_close(s);
}

/* A reader that lists the spool over and over, counting what it got done
 * while a commit was running (between the committer's two flags). */
struct lister {
	struct spool *s;
	atomic_bool committing, stop;
	atomic_long during, total;
};

static void *lister_run(void *arg)
{
	struct lister *l = arg;

	while (!atomic_load(&l->stop)) {
		bool before = atomic_load(&l->committing);
		struct spool_info *v = NULL;
		size_t n = 0;

		if (spool_list(l->s, UID_B, &v, &n, NULL) == 0)
			free(v);
		if (before && atomic_load(&l->committing))
			atomic_fetch_add(&l->during, 1);
		atomic_fetch_add(&l->total, 1);
		/* not a hot loop: the committer must get the lock at once */
		nanosleep(&(struct timespec){ 0, 100 * 1000 }, NULL);
	}
	return NULL;
}

/*
 * The commit's fsync and SHA-256 of a big document run outside the spool
 * lock: another thread keeps listing the spool meanwhile. With the lock
 * held for the whole commit the lister got at most one call done inside
 * the commit (it waited for the lock); now hundreds or thousands.
 */
static void test_commit_does_not_hold_the_lock_while_hashing(void **state)
{
	enum { DOC = 32 << 20 };
	struct lister l = { 0 };
	char path[SPOOL_PATH_MAX], id[SPOOL_ID_MAX];
	char *buf = calloc(1, 1 << 20);
	struct ticket t;
	struct err e;
	pthread_t th;
	int fd;

	assert_non_null(buf);
	l.s = open_spool(NULL);
	assert_int_equal(spool_create_temp(l.s, UID_A, &fd, path, sizeof(path), &e), 0);
	for (int i = 0; i < DOC >> 20; i++) {
		memset(buf, i, 1 << 20);
		assert_int_equal(write(fd, buf, 1 << 20), 1 << 20);
	}
	close(fd);
	free(buf);
	ticket_init(&t);
	t.created = 1795000000;
	snprintf(t.remote_name, sizeof(t.remote_name), "big.pdf");
	assert_int_equal(pthread_create(&th, NULL, lister_run, &l), 0);
	while (atomic_load(&l.total) < 10)
		sched_yield();
	atomic_store(&l.committing, true);
	if (spool_commit(l.s, UID_A, path, &t, id, &e) < 0)
		fail_msg("commit: %s", e.msg);
	atomic_store(&l.committing, false);
	atomic_store(&l.stop, true);
	pthread_join(th, NULL);
	print_message("listings done during a 32 MiB commit: %ld\n",
		      atomic_load(&l.during));
	assert_true(atomic_load(&l.during) >= 20);
	assert_int_equal(t.size, DOC);
	spool_close(l.s);
}

static void test_update_and_remove_are_durable(void **state)
{
	char id[SPOOL_ID_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct spool_info inf;
	struct ticket t;
	struct err e;

	add_entry(s, UID_A, "document", 5, id);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	t.retries_left = 3;
	t.state = TICKET_NEEDS_ATTENTION;
	assert_int_equal(spool_update(s, UID_A, id, &t, &e), 0);
	assert_int_equal(spool_info_get(s, UID_A, id, &inf), 0);
	assert_int_equal(inf.retries_left, 3);
	t.size = 1;
	assert_int_equal(spool_update(s, UID_A, id, &t, &e), -EINVAL);
	spool_close(s);

	s = open_spool(&rep);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	assert_int_equal(t.retries_left, 3);
	assert_int_equal(t.state, TICKET_NEEDS_ATTENTION);
	assert_int_equal(spool_remove(s, UID_A, id, &e), 0);
	assert_false(exists(UID_A, "", id, ".doc"));
	assert_false(exists(UID_A, "", id, ".json"));
	assert_false(exists(UID_A, "", id, ".del"));
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), -ENOENT);
	assert_int_equal(spool_remove(s, UID_A, id, &e), -ENOENT);
	spool_close(s);
	s = open_spool(&rep);
	assert_int_equal(rep.entries, 0);
	spool_close(s);
}

static void test_temp_files_kept_as_orphans_and_reported(void **state)
{
	char path[SPOOL_PATH_MAX], path2[SPOOL_PATH_MAX], kept[PATH_MAX];
	char buf[8] = { 0 };
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct spool_orphan *o;
	struct err e;
	size_t n;
	int fd, fd2;

	/* A scan cut mid-document, and one whose upload worked. */
	assert_int_equal(spool_create_temp(s, UID_A, &fd, path, sizeof(path), &e), 0);
	assert_int_equal(write(fd, "half", 4), 4);
	close(fd);
	assert_int_equal(spool_create_temp(s, UID_A, &fd2, path2, sizeof(path2), &e), 0);
	close(fd2);
	assert_int_equal(spool_discard_temp(s, UID_A, path2, &e), 0);
	assert_int_equal(access(path2, F_OK), -1);
	spool_close(s);

	s = open_spool(&rep);
	assert_int_equal(rep.temp_orphaned, 1);
	assert_int_equal(rep.orphaned, 1);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(access(path, F_OK), -1);
	/* Not deleted unread: moved to orphans/ with its bytes, and listed
	 * for its owner. */
	assert_int_equal(spool_orphans(s, &o, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].uid, UID_A);
	assert_string_equal(o[0].name, strrchr(path, '/') + 1);
	snprintf(kept, sizeof(kept), "%s/%u/orphans/%s", root, UID_A, o[0].name);
	fd = open(kept, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "half");
	close(fd);
	free(o);
	spool_close(s);
}

static void test_commit_cut_after_doc_rename_rolls_forward(void **state)
{
	char id[SPOOL_ID_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;

	add_entry(s, UID_A, "rolled", 7, id);
	spool_close(s);
	/* The crash hit between "rename doc" and "rename ticket". */
	move(UID_A, "", id, ".json", "tmp/", ".json");
	s = open_spool(&rep);
	assert_int_equal(rep.rolled_forward, 1);
	assert_int_equal(rep.entries, 1);
	assert_int_equal(rep.orphaned, 0);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	assert_int_equal(spool_verify(s, UID_A, id, &e), 0);
	spool_close(s);

	/* Ticket renamed but the document's rename did not reach the disk. */
	move(UID_A, "", id, ".doc", "tmp/", ".doc");
	s = open_spool(&rep);
	assert_int_equal(rep.entries, 1);
	assert_int_equal(rep.rolled_forward, 1);
	assert_int_equal(rep.temp_orphaned, 0);
	assert_true(exists(UID_A, "", id, ".doc"));
	spool_close(s);
}

static void test_removal_cut_is_finished(void **state)
{
	char id[SPOOL_ID_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);

	add_entry(s, UID_A, "gone", 7, id);
	spool_close(s);
	move(UID_A, "", id, ".json", "", ".del");
	s = open_spool(&rep);
	assert_int_equal(rep.removals_finished, 1);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(rep.orphaned, 0);
	assert_false(exists(UID_A, "", id, ".doc"));
	assert_false(exists(UID_A, "", id, ".del"));
	spool_close(s);
}

static void test_unvouched_files_kept_as_orphans(void **state)
{
	char id1[SPOOL_ID_MAX], id2[SPOOL_ID_MAX], id3[SPOOL_ID_MAX], p[PATH_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	FILE *f;

	add_entry(s, UID_A, "no ticket", 1, id1);
	add_entry(s, UID_A, "bad ticket", 2, id2);
	add_entry(s, UID_A, "wrong size", 3, id3);
	spool_close(s);
	rel(p, UID_A, "", id1, ".json");
	assert_int_equal(unlink(p), 0);
	rel(p, UID_A, "", id2, ".json");
	assert_int_equal(truncate(p, 40), 0);
	rel(p, UID_A, "", id3, ".doc");
	f = fopen(p, "a");
	fputs("!", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/%u/README", root, UID_A);
	f = fopen(p, "w");
	fclose(f);

	s = open_spool(&rep);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(rep.orphaned, 5);	/* 1 doc + 2 x (ticket, doc) */
	assert_int_equal(rep.unknown, 1);
	assert_true(exists(UID_A, "orphans/", id1, ".doc"));
	assert_true(exists(UID_A, "orphans/", id2, ".json"));
	assert_true(exists(UID_A, "orphans/", id2, ".doc"));
	assert_true(exists(UID_A, "orphans/", id3, ".doc"));
	assert_true(access(p, F_OK) == 0);	/* foreign file left alone */
	spool_close(s);
	/* Kept aside once: the next start finds nothing new to report. */
	s = open_spool(&rep);
	assert_int_equal(rep.orphaned, 0);
	spool_close(s);
}

static void test_retrying_state_reverts_to_waiting(void **state)
{
	char id[SPOOL_ID_MAX];
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;

	add_entry(s, UID_A, "x", 1, id);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	t.state = TICKET_RETRYING;
	assert_int_equal(spool_update(s, UID_A, id, &t, &e), 0);
	spool_close(s);
	s = open_spool(NULL);
	assert_int_equal(spool_get(s, UID_A, id, &t, &e), 0);
	assert_int_equal(t.state, TICKET_WAITING);
	spool_close(s);
}

static void test_limits_refuse_up_front(void **state)
{
	char id[SPOOL_ID_MAX];
	struct spool_limits l;
	struct spool *s;
	struct err e;
	size_t count;
	uint64_t bytes;

	limits_loose(&l);
	l.max_entries_per_user = 2;
	l.max_bytes_per_user = 100;
	assert_int_equal(spool_open(root, &l, &s, NULL, &e), 0);
	add_entry(s, UID_A, "0123456789", 1, id);
	assert_int_equal(spool_reserve(s, UID_A, 91, &e), -EDQUOT);
	assert_non_null(strstr(e.msg, "your spool is full: 1 document, 10 bytes waiting"));
	assert_int_equal(spool_reserve(s, UID_A, 90, &e), 0);
	add_entry(s, UID_A, "0123456789", 2, id);
	assert_int_equal(spool_reserve(s, UID_A, 1, &e), -EDQUOT);
	assert_non_null(strstr(e.msg, "2 documents"));
	assert_non_null(strstr(e.msg, "Discard or export"));
	assert_int_equal(e.cls, ERR_LOCAL);
	/* Another user's allowance is separate. */
	assert_int_equal(spool_reserve(s, UID_B, 100, &e), 0);
	assert_int_equal(spool_reserve(s, UID_B, UINT64_MAX, &e), -EDQUOT);
	assert_non_null(strstr(e.msg, "more than the scanner can keep"));
	spool_usage(s, UID_A, &count, &bytes);
	assert_int_equal(count, 2);
	assert_int_equal(bytes, 20);
	spool_close(s);

	/* A filesystem without room refuses before anything is written. */
	limits_loose(&l);
	l.min_free_bytes = UINT64_MAX / 2;
	assert_int_equal(spool_open(root, &l, &s, NULL, &e), 0);
	assert_int_equal(spool_reserve(s, UID_B, 1, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "nearly full"));
	spool_close(s);
}

static void test_limit_keys(void **state)
{
	struct spool_limits l;
	struct err e;

	spool_limits_default(&l);
	assert_int_equal(spool_limits_set(&l, "max_entries_per_user", "7", &e), 0);
	assert_int_equal(spool_limits_set(&l, "spool_max_bytes_per_user", "1000", &e), 0);
	assert_int_equal(spool_limits_set(&l, "min_free_bytes", "5", &e), 0);
	assert_int_equal(l.max_entries_per_user, 7);
	assert_int_equal(l.max_bytes_per_user, 1000);
	assert_int_equal(l.min_free_bytes, 5);
	assert_int_equal(spool_limits_set(&l, "max_entries_per_user", "99999999999", &e), -EINVAL);
	assert_int_equal(spool_limits_set(&l, "min_free_bytes", "-3", &e), -EINVAL);
	assert_int_equal(spool_limits_set(&l, "colour", "1", &e), -ENOENT);
	assert_int_equal(l.max_entries_per_user, 7);
}

static void test_unsafe_ids_and_paths_refused(void **state)
{
	static const char *const bad[] = {
		"../../../../etc/passwd", "", "0123456789abcdef0123456789ABCDEF",
		"0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
		"0123456789abcdef/123456789abcdef", "..", NULL,
	};
	char id[SPOOL_ID_MAX], path[SPOOL_PATH_MAX], other[SPOOL_PATH_MAX + 16];
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;
	int fd = -42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(spool_id_valid(bad[i]));
		assert_int_equal(spool_get(s, UID_A, bad[i], &t, &e), -EINVAL);
		assert_int_equal(spool_open_document(s, UID_A, bad[i], &fd, &e), -EINVAL);
		assert_int_equal(spool_remove(s, UID_A, bad[i], &e), -EINVAL);
		assert_int_equal(fd, -42);
	}
	/* Another user's entry does not exist for this user. */
	add_entry(s, UID_A, "private", 1, id);
	assert_int_equal(spool_get(s, UID_B, id, &t, &e), -ENOENT);
	assert_int_equal(spool_open_document(s, UID_B, id, &fd, &e), -ENOENT);
	assert_int_equal(spool_remove(s, UID_B, id, &e), -ENOENT);
	assert_int_equal(fd, -42);
	assert_true(exists(UID_A, "", id, ".doc"));
	/* Temp paths must be the user's own, exactly. */
	assert_int_equal(spool_create_temp(s, UID_A, &fd, path, sizeof(path), &e), 0);
	close(fd);
	ticket_init(&t);
	assert_int_equal(spool_commit(s, UID_B, path, &t, id, &e), -EINVAL);
	assert_int_equal(spool_discard_temp(s, UID_B, path, &e), -EINVAL);
	snprintf(other, sizeof(other), "%s/../x", path);
	assert_int_equal(spool_discard_temp(s, UID_A, other, &e), -EINVAL);
	assert_int_equal(spool_discard_temp(s, UID_A, "/etc/passwd", &e), -EINVAL);
	assert_int_equal(spool_discard_temp(s, UID_A, path, &e), 0);
	/* A path that does not fit is refused before anything is created. */
	assert_int_equal(spool_create_temp(s, UID_A, &fd, path, 8, &e), -ENAMETOOLONG);
	spool_close(s);
}

static void test_listing_oldest_first(void **state)
{
	char ids[4][SPOOL_ID_MAX];
	struct spool_info *v;
	struct spool *s = open_spool(NULL);
	struct err e;
	size_t n;

	add_entry(s, UID_B, "b", 5, ids[0]);
	add_entry(s, UID_A, "30", 30, ids[1]);
	add_entry(s, UID_A, "10", 10, ids[2]);
	add_entry(s, UID_A, "20", 20, ids[3]);
	assert_int_equal(spool_list(s, UID_A, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].created, 10);
	assert_int_equal(v[1].created, 20);
	assert_int_equal(v[2].created, 30);
	assert_string_equal(v[0].id, ids[2]);
	free(v);
	assert_int_equal(spool_list(s, 4242, &v, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(spool_list_all(s, &v, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_int_equal(v[0].uid, UID_A);
	assert_int_equal(v[3].uid, UID_B);
	free(v);
	spool_close(s);
}

static void test_one_process_per_spool(void **state)
{
	struct spool_limits l;
	struct spool *s = open_spool(NULL), *s2 = NULL;
	struct err e;

	limits_loose(&l);
	assert_int_equal(spool_open(root, &l, &s2, NULL, &e), -EWOULDBLOCK);
	assert_null(s2);
	assert_non_null(strstr(e.msg, "in use"));
	spool_close(s);
}



/* ---- scans in progress: page-level durability ----------------------------- */

/* Page @page's content: its number repeated, so a mix-up shows. */
static void page_bytes(char *buf, size_t len, uint32_t page)
{
	memset(buf, 'A' + (int)(page % 26), len);
}

static void scan_ticket(struct ticket *t)
{
	ticket_init(t);
	snprintf(t->format, sizeof(t->format), "pdf");
	snprintf(t->remote_name, sizeof(t->remote_name), "scan-0001.pdf");
	t->partial = true;
	t->created = 100;
}

static void commit_page(struct spool *s, const char *id, uint32_t page)
{
	char buf[100];
	struct err e;
	int fd;

	page_bytes(buf, sizeof(buf), page);
	assert_int_equal(spool_scan_page_create(s, UID_A, id, page, &fd, &e), 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	if (spool_scan_page_commit(s, UID_A, id, page, fd, &e) < 0)
		fail_msg("page commit: %s", e.msg);
	close(fd);
}

static void check_page(struct spool *s, const char *id, uint32_t page)
{
	char want[100], got[101];
	struct err e;
	int fd;

	page_bytes(want, sizeof(want), page);
	assert_int_equal(spool_scan_page_open(s, UID_A, id, page, &fd, &e), 0);
	assert_int_equal(read(fd, got, sizeof(got)), (ssize_t)sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	close(fd);
}

static void test_scan_pages_survive_a_cut(void **state)
{
	char id[SPOOL_ID_MAX], kept[PATH_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct spool_scan_info *cut;
	struct spool_orphan *o;
	struct ticket t, back;
	struct err e;
	uint32_t pages;
	size_t n;
	int fd;

	scan_ticket(&t);
	assert_int_equal(spool_scan_begin(s, UID_A, &t, id, &e), 0);
	for (uint32_t p = 1; p <= 3; p++)
		commit_page(s, id, p);
	/* Page 4 is being written when the power goes. */
	assert_int_equal(spool_scan_page_create(s, UID_A, id, 4, &fd, &e), 0);
	assert_int_equal(write(fd, "half", 4), 4);
	close(fd);
	spool_close(s);

	s = open_spool(&rep);
	assert_int_equal(rep.scans_cut, 1);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(spool_scans_cut(s, &cut, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cut[0].id, id);
	assert_int_equal(cut[0].pages, 3);
	assert_int_equal(cut[0].cut_page, 4);
	free(cut);
	assert_int_equal(spool_scan_get(s, UID_A, id, &back, &pages, &e), 0);
	assert_int_equal(pages, 3);
	assert_true(back.partial);
	assert_string_equal(back.remote_name, "scan-0001.pdf");
	assert_int_equal(back.owner_uid, UID_A);
	for (uint32_t p = 1; p <= 3; p++)
		check_page(s, id, p);
	/* The unfinished page is kept aside, named after its scan, and listed. */
	assert_int_equal(spool_orphans(s, &o, &n, &e), 0);
	assert_int_equal(n, 1);
	snprintf(kept, sizeof(kept), "%s-0004.part", id);
	assert_string_equal(o[0].name, kept);
	free(o);
	snprintf(kept, sizeof(kept), "%s/%u/orphans/%s-0004.part", root, UID_A, id);
	assert_int_equal(access(kept, F_OK), 0);
	/* Its owner's scan stays listed until the daemon ends it. */
	spool_close(s);
	s = open_spool(&rep);
	assert_int_equal(rep.scans_cut, 1);
	assert_int_equal(rep.orphaned, 0);
	assert_int_equal(spool_scan_end(s, UID_A, id, &e), 0);
	assert_int_equal(spool_scans_cut(s, &cut, &n, &e), 0);
	assert_int_equal(n, 0);
	spool_close(s);
	s = open_spool(&rep);
	assert_int_equal(rep.scans_cut, 0);
	spool_close(s);
}

static void test_scan_pages_become_entries(void **state)
{
	char id[SPOOL_ID_MAX], eid[2][SPOOL_ID_MAX], path[SPOOL_PATH_MAX];
	char want[100], dir[PATH_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;
	int fd;

	/* One-page format: each page its own entry. */
	scan_ticket(&t);
	assert_int_equal(spool_scan_begin(s, UID_A, &t, id, &e), 0);
	commit_page(s, id, 1);
	commit_page(s, id, 2);
	for (uint32_t p = 1; p <= 2; p++) {
		scan_ticket(&t);
		assert_int_equal(spool_scan_commit_page(s, UID_A, id, p, &t,
							eid[p - 1], &e), 0);
		assert_int_equal(t.size, 100);
		assert_int_equal(spool_verify(s, UID_A, eid[p - 1], &e), 0);
	}
	assert_int_equal(spool_scan_end(s, UID_A, id, &e), 0);
	snprintf(dir, sizeof(dir), "%s/%u/%s.scan", root, UID_A, id);
	assert_int_equal(access(dir, F_OK), -1);

	/* Multi-page: the assembled document becomes entry <scan id>, and a
	 * crash before spool_scan_end() finishes the removal at start. */
	scan_ticket(&t);
	assert_int_equal(spool_scan_begin(s, UID_A, &t, id, &e), 0);
	commit_page(s, id, 1);
	assert_int_equal(spool_scan_create_doc(s, UID_A, id, &fd, path, sizeof(path), &e), 0);
	page_bytes(want, sizeof(want), 1);
	assert_int_equal(write(fd, want, sizeof(want)), (ssize_t)sizeof(want));
	close(fd);
	t.partial = false;
	assert_int_equal(spool_commit(s, UID_A, path, &t, eid[0], &e), 0);
	assert_string_equal(eid[0], id);
	spool_close(s);
	s = open_spool(&rep);
	assert_int_equal(rep.entries, 3);
	assert_int_equal(rep.scans_cut, 0);
	assert_int_equal(rep.scans_finished, 1);
	snprintf(dir, sizeof(dir), "%s/%u/%s.scan", root, UID_A, id);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(spool_verify(s, UID_A, id, &e), 0);
	spool_close(s);
}

static void test_scan_removal_cut_is_finished(void **state)
{
	char id[SPOOL_ID_MAX], p[PATH_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;

	scan_ticket(&t);
	assert_int_equal(spool_scan_begin(s, UID_A, &t, id, &e), 0);
	commit_page(s, id, 1);
	spool_close(s);
	/* The owner cancelled; the cut came right after the ticket went. */
	snprintf(p, sizeof(p), "%s/%u/%s.scan/ticket.json", root, UID_A, id);
	assert_int_equal(unlink(p), 0);
	s = open_spool(&rep);
	assert_int_equal(rep.scans_cut, 0);
	assert_int_equal(rep.scans_finished, 1);
	snprintf(p, sizeof(p), "%s/%u/%s.scan", root, UID_A, id);
	assert_int_equal(access(p, F_OK), -1);
	spool_close(s);
}

static void test_scan_bad_ticket_kept_aside(void **state)
{
	char id[SPOOL_ID_MAX], p[PATH_MAX];
	struct spool_recovery rep;
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;
	FILE *f;

	scan_ticket(&t);
	assert_int_equal(spool_scan_begin(s, UID_A, &t, id, &e), 0);
	commit_page(s, id, 1);
	spool_close(s);
	snprintf(p, sizeof(p), "%s/%u/%s.scan/ticket.json", root, UID_A, id);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"version\":", f);
	fclose(f);
	s = open_spool(&rep);
	assert_int_equal(rep.scans_cut, 0);
	assert_int_equal(rep.orphaned, 1);
	snprintf(p, sizeof(p), "%s/%u/orphans/%s.scan/0001.page", root, UID_A, id);
	assert_int_equal(access(p, F_OK), 0);
	spool_close(s);
}

static void test_scan_calls_checked(void **state)
{
	char id[SPOOL_ID_MAX];
	struct spool *s = open_spool(NULL);
	struct ticket t;
	struct err e;
	int fd;

	scan_ticket(&t);
	assert_int_equal(spool_scan_begin(s, UID_A, &t, id, &e), 0);
	/* Another user cannot reach it; bad ids never reach a path. */
	assert_int_equal(spool_scan_page_create(s, UID_B, id, 1, &fd, &e), -ENOENT);
	assert_int_equal(spool_scan_page_create(s, UID_A, "../../etc", 1, &fd, &e), -EINVAL);
	assert_int_equal(spool_scan_page_open(s, UID_A, id, 1, &fd, &e), -ENOENT);
	t.owner_uid = UID_B;
	assert_int_equal(spool_scan_update(s, UID_A, id, &t, &e), -EINVAL);
	assert_int_equal(spool_scan_end(s, UID_A, id, &e), 0);
	assert_int_equal(spool_scan_page_create(s, UID_A, id, 1, &fd, &e), -ENOENT);
	spool_close(s);
}

/* ---- SIGKILL in the middle of scans ----------------------------------------- */

/* The child scans forever: pages committed one by one, reported after
 * spool_scan_page_commit() returned; every few pages the scan ends as an
 * assembled entry ("E"), reported after spool_commit(). */
static void scan_child(int fd, unsigned int seed)
{
	char id[SPOOL_ID_MAX], eid[SPOOL_ID_MAX], path[SPOOL_PATH_MAX], line[96];
	static char buf[40000];
	struct spool *s = open_spool(NULL);
	struct ticket t;
	int pfd;

	srand(seed);
	for (;;) {
		uint32_t pages = 1 + (uint32_t)rand() % 6;

		scan_ticket(&t);
		if (spool_scan_begin(s, UID_A, &t, id, NULL) < 0)
			_exit(3);
		for (uint32_t p = 1; p <= pages; p++) {
			size_t len = 1 + (size_t)rand() % sizeof(buf);

			page_bytes(buf, len, p);
			if (spool_scan_page_create(s, UID_A, id, p, &pfd, NULL) < 0 ||
			    write(pfd, buf, len) != (ssize_t)len ||
			    spool_scan_page_commit(s, UID_A, id, p, pfd, NULL) < 0)
				_exit(4);
			close(pfd);
			snprintf(line, sizeof(line), "P %s %04u %06zu\n", id, p, len);
			if (write(fd, line, strlen(line)) < 0)
				_exit(5);
		}
		if (spool_scan_create_doc(s, UID_A, id, &pfd, path, sizeof(path), NULL) < 0 ||
		    write(pfd, "doc", 3) != 3)
			_exit(6);
		close(pfd);
		if (spool_commit(s, UID_A, path, &t, eid, NULL) < 0)
			_exit(7);
		snprintf(line, sizeof(line), "E %s 0000 000000\n", id);
		if (write(fd, line, strlen(line)) < 0 ||
		    spool_scan_end(s, UID_A, id, NULL) < 0)
			_exit(8);
	}
}

#define SCAN_LINE (2 + SPOOL_ID_LEN + 1 + 4 + 1 + 6 + 1)

/* Every page reported committed is there, byte-exact, in its cut scan;
 * every scan reported ended is an entry; returns how many cuts found an
 * unfinished page. */
static size_t scan_check(const char *log, size_t len)
{
	struct spool_recovery rep;
	struct spool *s = open_spool(&rep);
	struct spool_scan_info *cut;
	size_t n, mid_page = 0;
	struct err e;

	for (const char *p = log; p + SCAN_LINE <= log + len; p += SCAN_LINE) {
		char id[SPOOL_ID_MAX], want[40000], got[40001];
		struct spool_info inf;
		unsigned int page = 0;
		size_t plen = 0;
		int fd;

		memcpy(id, p + 2, SPOOL_ID_LEN);
		id[SPOOL_ID_LEN] = '\0';
		if (sscanf(p + 3 + SPOOL_ID_LEN, "%u %zu", &page, &plen) != 2)
			fail_msg("bad log line");
		if (p[0] == 'E') {
			assert_int_equal(spool_info_get(s, UID_A, id, &inf), 0);
			continue;
		}
		if (spool_info_get(s, UID_A, id, &inf) == 0)
			continue;	/* ended, pages now in the entry */
		if (spool_scan_page_open(s, UID_A, id, page, &fd, &e) < 0)
			fail_msg("committed page %u of scan %s lost: %s", page, id, e.msg);
		page_bytes(want, plen, page);
		assert_int_equal(read(fd, got, sizeof(got)), (ssize_t)plen);
		assert_memory_equal(got, want, plen);
		close(fd);
	}
	assert_int_equal(spool_scans_cut(s, &cut, &n, &e), 0);
	for (size_t i = 0; i < n; i++) {
		mid_page += cut[i].cut_page != 0;
		assert_int_equal(spool_scan_end(s, UID_A, cut[i].id, &e), 0);
	}
	free(cut);
	spool_close(s);
	return mid_page;
}

static void test_sigkill_in_the_middle_of_scans(void **state)
{
	static char log[1 << 20];
	size_t have, pages = 0, mid_page = 0;
	int status;

	srand((unsigned int)time(NULL) ^ 0x5ca9);
	for (int round = 0; round < 25; round++) {
		struct timespec ts = { 0, (long)(rand() % 20000) * 1000 };
		int p[2];
		pid_t pid;
		ssize_t r;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			scan_child(p[1], (unsigned int)rand());
		}
		close(p[1]);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* This round's reports: the check ends every earlier scan. */
		have = 0;
		while ((r = read(p[0], log + have, sizeof(log) - have)) > 0)
			have += (size_t)r;
		close(p[0]);
		pages += have / SCAN_LINE;
		mid_page += scan_check(log, have);
	}
	print_message("%zu reports; %zu of 25 kills hit a page being written\n",
		      pages, mid_page);
	/* The storm entered the window it is about. */
	assert_true(mid_page > 0);
}

/* ---- SIGKILL at random moments ----------------------------------------- */

#define CRASH_IDS 4096

/* The child: commit, update and remove entries forever, reporting each
 * commit and removal on @fd only after the call returned. */
static void crash_child(int fd, unsigned int seed)
{
	char path[SPOOL_PATH_MAX], id[SPOOL_ID_MAX], line[64];
	static char buf[70000];
	struct spool *s = open_spool(NULL);
	struct ticket t;
	int dfd;

	srand(seed);
	for (unsigned int i = 0;; i++) {
		size_t len = (size_t)rand() % sizeof(buf);

		memset(buf, 'a' + (int)(i % 26), len);
		if (spool_create_temp(s, UID_A, &dfd, path, sizeof(path), NULL) < 0 ||
		    write(dfd, buf, len) != (ssize_t)len)
			_exit(3);
		ticket_init(&t);
		t.created = i;
		if (spool_commit(s, UID_A, path, &t, id, NULL) < 0)
			_exit(4);
		close(dfd);
		snprintf(line, sizeof(line), "C %s\n", id);
		if (write(fd, line, strlen(line)) < 0)
			_exit(5);
		t.retries_left = i;
		if (spool_update(s, UID_A, id, &t, NULL) < 0)
			_exit(6);
		if (rand() % 2 && spool_remove(s, UID_A, id, NULL) == 0) {
			snprintf(line, sizeof(line), "R %s\n", id);
			if (write(fd, line, strlen(line)) < 0)
				_exit(7);
		}
	}
}

struct crash_log {
	char ids[CRASH_IDS][SPOOL_ID_MAX];
	bool removed[CRASH_IDS];
	bool maybe[CRASH_IDS];	/* killed while it may have been removed */
	size_t n;
};

static void crash_read(int fd, struct crash_log *log)
{
	static char buf[1 << 16];
	size_t have = 0;
	ssize_t r;

	while ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)r;
	buf[have] = '\0';
	for (char *p = buf; p + 2 + SPOOL_ID_LEN < buf + have; p += 3 + SPOOL_ID_LEN) {
		char id[SPOOL_ID_MAX];
		size_t k;

		memcpy(id, p + 2, SPOOL_ID_LEN);
		id[SPOOL_ID_LEN] = '\0';
		for (k = 0; k < log->n && strcmp(log->ids[k], id); k++)
			;
		if (k == log->n && log->n < CRASH_IDS)
			memcpy(log->ids[log->n++], id, SPOOL_ID_MAX);
		if (p[0] == 'R' && k < CRASH_IDS)
			log->removed[k] = true;
	}
	/* The child may have died between spool_remove() and its report:
	 * only the last entry of a round can be in that state. */
	if (log->n > 0 && !log->removed[log->n - 1])
		log->maybe[log->n - 1] = true;
}

static struct spool_recovery crash_total;

/* Entry @inf holds what the child wrote: created % 26 picks the letter. */
static void crash_check_bytes(struct spool *s, const struct spool_info *inf)
{
	static char buf[70000];
	struct err e;
	ssize_t got;
	int fd;

	assert_int_equal(spool_open_document(s, UID_A, inf->id, &fd, &e), 0);
	got = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(got, (ssize_t)inf->size);
	for (ssize_t i = 0; i < got; i++)
		if (buf[i] != 'a' + (char)(inf->created % 26))
			fail_msg("entry %s: byte %zd is '%c', the child wrote '%c'",
				 inf->id, i, buf[i], 'a' + (char)(inf->created % 26));
}

/* After the kill: no orphan, no temp file, every reported entry present
 * and byte-exact, no reported removal back. */
static void crash_check(struct crash_log *log)
{
	struct spool_recovery rep;
	struct spool *s = open_spool(&rep);
	struct spool_info *v;
	struct spool_info inf;
	struct err e;
	size_t n;

	/* Only the child's uncommitted temp files go aside, nothing else. */
	assert_int_equal(rep.orphaned, rep.temp_orphaned);
	assert_int_equal(rep.unknown, 0);
	crash_total.rolled_forward += rep.rolled_forward;
	crash_total.removals_finished += rep.removals_finished;
	crash_total.temp_orphaned += rep.temp_orphaned;
	for (size_t k = 0; k < log->n; k++) {
		int r = spool_info_get(s, UID_A, log->ids[k], &inf);

		if (log->removed[k])
			assert_int_equal(r, -ENOENT);
		else if (r != 0 && !log->maybe[k])
			fail_msg("committed entry %s lost", log->ids[k]);
	}
	assert_int_equal(spool_list(s, UID_A, &v, &n, &e), 0);
	for (size_t i = 0; i < n; i++) {
		if (spool_verify(s, UID_A, v[i].id, &e) < 0)
			fail_msg("%s", e.msg);
		crash_check_bytes(s, &v[i]);
	}
	free(v);
	spool_close(s);
}

static void test_sigkill_at_random_moments(void **state)
{
	struct crash_log *log = calloc(1, sizeof(*log));
	char tmpdir[1100];
	int status;

	srand((unsigned int)time(NULL));
	for (int round = 0; round < 25; round++) {
		struct timespec ts = { 0, (long)(rand() % 20000) * 1000 };
		int p[2];
		pid_t pid;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(p[1], (unsigned int)rand());
		}
		close(p[1]);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		crash_read(p[0], log);
		close(p[0]);
		crash_check(log);
	}
	print_message("%zu entries committed; recoveries: %zu commits completed, %zu removals completed, %zu temp files kept in orphans/\n",
		      log->n, crash_total.rolled_forward,
		      crash_total.removals_finished, crash_total.temp_orphaned);
	/* The kills hit the protocol, not only the gaps between calls. */
	assert_true(crash_total.rolled_forward + crash_total.removals_finished +
		    crash_total.temp_orphaned > 0);
	/* Recovery emptied tmp/ each time. */
	snprintf(tmpdir, sizeof(tmpdir), "%s/%u/tmp", root, UID_A);
	assert_int_equal(rmdir(tmpdir), 0);
	free(log);
}

/* ---- a really full spool filesystem ----------------------------------- */

/* Fill the filesystem with a file outside the spool. */
static void fill_up(const char *path)
{
	static char junk[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	while (write(fd, junk, sizeof(junk)) > 0)
		;
	close(fd);
}

/*
 * On a 256 KiB tmpfs (root only; skipped otherwise): a commit that finds
 * the disk full fails cleanly (no entry, no stray ticket, the temp
 * document still the caller's) and succeeds once there is room; filling
 * the spool until writes fail leaves every earlier entry intact, and the
 * same state refuses new scans up front.
 */
static void test_full_filesystem(void **state)
{
	char id[SPOOL_ID_MAX], path[SPOOL_PATH_MAX], filler[1100], tmpdir[1100];
	static char doc[40000];
	struct spool_recovery rep;
	struct spool_limits l;
	struct spool *s;
	struct ticket t;
	struct err e;
	size_t count;
	uint64_t bytes;
	int n = 1, r = 0, fd;

	if (geteuid() != 0 || mount("tmpfs", root, "tmpfs", 0, "size=256k,mode=0700") < 0)
		skip();
	limits_loose(&l);
	assert_int_equal(spool_open(root, &l, &s, NULL, &e), 0);
	assert_int_equal(spool_create_temp(s, UID_A, &fd, path, sizeof(path), &e), 0);
	assert_int_equal(write(fd, "small", 5), 5);
	snprintf(filler, sizeof(filler), "%s/filler", root);
	fill_up(filler);
	ticket_init(&t);
	assert_int_equal(spool_commit(s, UID_A, path, &t, id, &e), -ENOSPC);
	assert_int_equal(e.cls, ERR_LOCAL);
	assert_non_null(strstr(e.msg, "No space left"));
	spool_usage(s, UID_A, &count, &bytes);
	assert_int_equal(count, 0);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/%u/tmp", root, UID_A);
	assert_int_equal(rmdir(tmpdir), -1);	/* the document is still there... */
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(spool_commit(s, UID_A, path, &t, id, &e), 0);
	assert_int_equal(rmdir(tmpdir), 0);	/* ...and no stray ticket was left */
	close(fd);
	assert_int_equal(spool_verify(s, UID_A, id, &e), 0);

	memset(doc, 'x', sizeof(doc));
	while (r == 0 && n < 100) {
		r = spool_create_temp(s, UID_A, &fd, path, sizeof(path), &e);
		if (r < 0)
			break;
		r = write(fd, doc, sizeof(doc)) == (ssize_t)sizeof(doc) ? 0 : -ENOSPC;
		ticket_init(&t);
		t.created = n;
		if (r == 0)
			r = spool_commit(s, UID_A, path, &t, id, &e);
		if (r < 0)
			assert_int_equal(spool_discard_temp(s, UID_A, path, NULL), 0);
		close(fd);
		n += r == 0;
	}
	assert_int_equal(r, -ENOSPC);
	assert_true(n >= 3);
	spool_close(s);
	l.min_free_bytes = 64 * 1024;
	assert_int_equal(spool_open(root, &l, &s, &rep, &e), 0);
	assert_int_equal(rep.entries, (size_t)n);
	assert_int_equal(rep.orphaned, 0);
	assert_int_equal(spool_reserve(s, UID_A, sizeof(doc), &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "nearly full"));
	spool_close(s);
	assert_int_equal(umount(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_recover_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_does_not_hold_the_lock_while_hashing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_and_remove_are_durable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp_files_kept_as_orphans_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_cut_after_doc_rename_rolls_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removal_cut_is_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unvouched_files_kept_as_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrying_state_reverts_to_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_refuse_up_front, setup, teardown),
		cmocka_unit_test(test_limit_keys),
		cmocka_unit_test_setup_teardown(test_unsafe_ids_and_paths_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_process_per_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_at_random_moments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_pages_survive_a_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_pages_become_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_removal_cut_is_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_bad_ticket_kept_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_calls_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_in_the_middle_of_scans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_filesystem, setup, teardown),
	};

	/* Recovery reports go to the log; keep the test output readable. */
	log_open("test_spool", false, getenv("VERBOSE") ? LOG_DEBUG : LOG_CRIT);
	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
