// SPDX-License-Identifier: GPL-2.0
/*
 * spool: durable per-user document spool (see spool.h and
 * Documentation/spool.rst for the layout and the crash table). This file
 * opens and closes it; spool_private.h says which file does the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spool_private.h"

static int spool_open_root(struct spool *s, const char *root, struct err *e)
{
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
			       root, strerror(errno));
	if (!realpath(root, s->root))
		return err_set(e, ERR_LOCAL, errno, errno, "spool: resolving %s: %s",
			       root, strerror(errno));
	s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			       s->root, strerror(errno));
	if (flock(s->root_fd, LOCK_EX | LOCK_NB) < 0)
		return err_set(e, ERR_LOCAL, errno, errno,
			       "spool: %s is in use by another process (is another mfpscand running?)",
			       s->root);
	return 0;
}

int spool_open(const char *root, const struct spool_limits *limits,
	       struct spool **out, struct spool_recovery *rep, struct err *e)
{
	struct spool_recovery scratch;
	struct spool *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	s->root_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->lim = *limits;
	memset(&scratch, 0, sizeof(scratch));
	r = spool_open_root(s, root, e);
	if (r == 0)
		r = spool_recover(s, &scratch, e);
	if (r < 0) {
		spool_close(s);
		return r;
	}
	log_msg(LOG_INFO, "spool: %s: %zu entries of %zu users recovered (%zu commits completed, %zu removals completed, %zu cut scans, %zu tmp/ files and %zu in all moved to orphans)",
		s->root, scratch.entries, scratch.users, scratch.rolled_forward,
		scratch.removals_finished, scratch.scans_cut,
		scratch.temp_orphaned, scratch.orphaned);
	if (rep)
		*rep = scratch;
	*out = s;
	return 0;
}

struct spool *spool_close(struct spool *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_users; i++)
		free(s->users[i].ent);
	free(s->users);
	free(s->scans);
	free(s->orphans);
	if (s->root_fd >= 0)
		close(s->root_fd);	/* drops the flock */
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}
