// SPDX-License-Identifier: GPL-2.0
/*
 * spool_reserve: admission of new documents (spool_reserve()): the user's
 * count and bytes against the limits, the filesystem's free space.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "log.h"
#include "spool_private.h"

static void spool_fmt_size(char *buf, size_t len, uint64_t b)
{
	if (b >= 1024ULL * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%" PRIu64 " bytes", b);
}

static int spool_check_user(struct spool *s, uid_t uid, uint64_t expected,
			    struct err *e)
{
	struct spool_user *u = spool_user_find(s, uid);
	size_t count = u ? u->n : 0;
	uint64_t bytes = u ? u->bytes : 0;
	char have[32], lim[32];

	if (count < s->lim.max_entries_per_user &&
	    expected <= s->lim.max_bytes_per_user &&
	    bytes <= s->lim.max_bytes_per_user - expected)
		return 0;
	spool_fmt_size(have, sizeof(have), bytes);
	spool_fmt_size(lim, sizeof(lim), s->lim.max_bytes_per_user);
	if (expected > s->lim.max_bytes_per_user) {
		char want[32];

		spool_fmt_size(want, sizeof(want), expected);
		return err_set(e, ERR_LOCAL, EDQUOT, EDQUOT,
			       "this scan may need up to %s, more than the scanner can keep for you if its upload fails (limit %s). Scan fewer pages or a lower resolution.",
			       want, lim);
	}
	return err_set(e, ERR_LOCAL, EDQUOT, EDQUOT,
		       "your spool is full: %zu document%s, %s waiting (limit %u documents, %s). Discard or export old documents with \"mfpscanctl spool\" and scan again.",
		       count, count == 1 ? "" : "s", have,
		       s->lim.max_entries_per_user, lim);
}

static int spool_check_disk(struct spool *s, uint64_t expected, struct err *e)
{
	struct statvfs sv;
	uint64_t avail, need;
	char have[32], want[32];

	if (fstatvfs(s->root_fd, &sv) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: checking free space of %s: %s",
			       s->root, strerror(errno));
	if (__builtin_mul_overflow((uint64_t)sv.f_bavail, (uint64_t)sv.f_frsize, &avail))
		avail = UINT64_MAX;
	if (__builtin_add_overflow(expected, s->lim.min_free_bytes, &need))
		need = UINT64_MAX;
	if (avail >= need)
		return 0;
	spool_fmt_size(have, sizeof(have), avail);
	spool_fmt_size(want, sizeof(want), need);
	return err_set(e, ERR_LOCAL, ENOSPC, ENOSPC,
		       "the scanner's spool disk is nearly full (%s free, %s needed to keep a document safe if its upload fails); ask the administrator to free space in %s",
		       have, want, s->root);
}

int spool_reserve(struct spool *s, uid_t uid, uint64_t expected_bytes,
		  struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_check_user(s, uid, expected_bytes, e);
	if (r == 0)
		r = spool_check_disk(s, expected_bytes, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}
