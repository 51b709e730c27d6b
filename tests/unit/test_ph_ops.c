// SPDX-License-Identifier: GPL-2.0
/*
 * test_ph_ops: the local-destination operations in a scratch directory,
 * in-process (as the helper's child does them, without the uid switch).
 * A temporary file commits under its name and never replaces one; a
 * folder reached through a symbolic link (the last component or a parent)
 * is refused with ELOOP and nothing is created behind the link; a folder
 * of another owner is refused; a FIFO under the document's name does not
 * hang open-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "ph_ops.h"
#include "ph_proto.h"

static char scratch[PATH_MAX / 2];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(scratch, sizeof(scratch), "%s/test_ph_ops.XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* Run @op in scratch/@rel as ourselves; returns the reply's error. */
static int run(enum ph_op op, const char *rel, const char *name, const char *temp,
	       uid_t owner, struct ph_reply *rep, int *fd)
{
	char folder[PATH_MAX];
	struct ph_request q;
	struct ph_target t = { scratch, rel, owner };

	snprintf(folder, sizeof(folder), "%s/%s", scratch, rel);
	assert_int_equal(ph_request_init(&q, op, 1000, folder, name, temp), 0);
	ph_ops_run(&q, &t, rep, fd);
	return rep->error;
}

static void test_prepare_temp_commit(void **state)
{
	struct ph_reply rep, rep2;
	char path[PATH_MAX], temp[PH_NAME_MAX];
	struct stat st;
	int fd, fd2;

	assert_int_equal(run(PH_OP_PREPARE, "a/b/c", NULL, NULL, geteuid(), &rep, &fd), 0);
	assert_true(rep.free_bytes > 0);
	assert_int_equal(fd, -1);
	assert_int_equal(run(PH_OP_CREATE_TEMP, "a/b/c", "doc.pdf", NULL, geteuid(), &rep, &fd), 0);
	assert_true(fd >= 0);
	assert_true(rep.flags & PH_REPLY_FD);
	assert_true(ph_temp_valid(rep.temp, "doc.pdf"));
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	memcpy(temp, rep.temp, sizeof(temp));
	assert_int_equal(run(PH_OP_COMMIT, "a/b/c", "doc.pdf", temp, geteuid(), &rep, &fd), 0);
	assert_int_equal(run(PH_OP_STAT, "a/b/c", "doc.pdf", NULL, geteuid(), &rep, &fd), 0);
	assert_int_equal(rep.flags & (PH_REPLY_EXISTS | PH_REPLY_REGULAR),
			 PH_REPLY_EXISTS | PH_REPLY_REGULAR);
	assert_int_equal(rep.size, 5);
	snprintf(path, sizeof(path), "%s/a/b/c/%s", scratch, temp);
	assert_int_equal(lstat(path, &st), -1);	/* the temp name is gone */
	/* a second document under the same name: never replaced */
	assert_int_equal(run(PH_OP_CREATE_TEMP, "a/b/c", "doc.pdf", NULL, geteuid(), &rep2, &fd2), 0);
	assert_int_equal(write(fd2, "other!", 6), 6);
	close(fd2);
	assert_int_equal(run(PH_OP_COMMIT, "a/b/c", "doc.pdf", rep2.temp, geteuid(), &rep, &fd), EEXIST);
	assert_int_equal(run(PH_OP_STAT, "a/b/c", "doc.pdf", NULL, geteuid(), &rep, &fd), 0);
	assert_int_equal(rep.size, 5);
	assert_int_equal(run(PH_OP_OPEN_READ, "a/b/c", "doc.pdf", NULL, geteuid(), &rep, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
}

static void test_symlinks_refused(void **state)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct ph_reply rep;
	struct stat st;
	int fd;

	snprintf(target, sizeof(target), "%s/elsewhere", scratch);
	assert_int_equal(mkdir(target, 0700), 0);
	snprintf(path, sizeof(path), "%s/link", scratch);
	assert_int_equal(symlink(target, path), 0);
	/* the folder itself is a link */
	assert_int_equal(run(PH_OP_STAT, "link", "x.pdf", NULL, geteuid(), &rep, &fd), ELOOP);
	assert_true(rep.flags & PH_REPLY_REFUSED);
	assert_non_null(strstr(rep.msg, "symbolic link"));
	/* a parent is a link: prepare creates nothing behind it */
	assert_int_equal(run(PH_OP_PREPARE, "link/sub", NULL, NULL, geteuid(), &rep, &fd), ELOOP);
	snprintf(path, sizeof(path), "%s/elsewhere/sub", scratch);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(run(PH_OP_CREATE_TEMP, "link", "x.pdf", NULL, geteuid(), &rep, &fd), ELOOP);
	assert_int_equal(fd, -1);
	/* the document's name is a link: open-read refuses */
	assert_int_equal(run(PH_OP_PREPARE, "d", NULL, NULL, geteuid(), &rep, &fd), 0);
	snprintf(path, sizeof(path), "%s/d/x.pdf", scratch);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(run(PH_OP_OPEN_READ, "d", "x.pdf", NULL, geteuid(), &rep, &fd), ELOOP);
	assert_int_equal(fd, -1);
	assert_int_equal(run(PH_OP_STAT, "d", "x.pdf", NULL, geteuid(), &rep, &fd), 0);
	assert_int_equal(rep.flags & PH_REPLY_REGULAR, 0);
}

static void test_owner_and_fifo(void **state)
{
	char path[PATH_MAX];
	struct ph_reply rep;
	int fd;

	assert_int_equal(run(PH_OP_PREPARE, "o", NULL, NULL, geteuid(), &rep, &fd), 0);
	assert_int_equal(run(PH_OP_STAT, "o", "x.pdf", NULL, geteuid() + 1, &rep, &fd), EPERM);
	assert_true(rep.flags & PH_REPLY_REFUSED);
	assert_non_null(strstr(rep.msg, "owned by uid"));
	snprintf(path, sizeof(path), "%s/o/f.pdf", scratch);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(run(PH_OP_OPEN_READ, "o", "f.pdf", NULL, geteuid(), &rep, &fd), EINVAL);
	assert_int_equal(fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepare_temp_commit),
		cmocka_unit_test(test_symlinks_refused),
		cmocka_unit_test(test_owner_and_fifo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
