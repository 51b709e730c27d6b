// SPDX-License-Identifier: GPL-2.0
/*
 * spool_remove: an entry removed (after a confirmed upload or its owner's
 * discard), crash-safe through its <id>.del tombstone; a temp document
 * discarded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>

#include "log.h"
#include "spool_private.h"

int spool_discard_temp(struct spool *s, uid_t uid, const char *path,
		       struct err *e)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	int r;

	/* The temp document is the caller's own: no lock (spool_commit.c). */
	r = spool_tmp_id(s, uid, path, id, e);
	if (r == 0) {
		spool_rel(rel, uid, "tmp/", id, ".doc");
		if (unlinkat(s->root_fd, rel, 0) < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
				    path, strerror(errno));
	}
	return r;
}

/* The removal's commit point, under the lock: the tombstone, the index. */
static int spool_do_remove(struct spool *s, uid_t uid, const char *id,
			   struct err *e)
{
	char json[SPOOL_REL_MAX], del[SPOOL_REL_MAX];

	if (!spool_lookup(s, uid, id, e))
		return spool_id_valid(id) ? -ENOENT : -EINVAL;
	spool_rel(json, uid, "", id, ".json");
	spool_rel(del, uid, "", id, ".del");
	/* The tombstone rename is the commit point of a removal. */
	if (renameat(s->root_fd, json, s->root_fd, del) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
			       json, strerror(errno));
	spool_index_del(s, uid, id);
	return 0;
}

/*
 * Once the entry has left the index nobody else reaches its files, so the
 * tombstone's fsync and the deletions run without the lock; the document
 * goes only after the tombstone is durable (a ticket without its document
 * would be kept aside as damaged at the next start).
 */
int spool_remove(struct spool *s, uid_t uid, const char *id, struct err *e)
{
	char del[SPOOL_REL_MAX], doc[SPOOL_REL_MAX];
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_do_remove(s, uid, id, e);
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		return r;
	spool_sync_user_dir(s, uid);
	spool_rel(del, uid, "", id, ".del");
	spool_rel(doc, uid, "", id, ".doc");
	if (unlinkat(s->root_fd, doc, 0) < 0 || unlinkat(s->root_fd, del, 0) < 0)
		log_errno(LOG_ERR, errno, "spool: user %u: entry %s: removal left files, finished at next start",
			  (unsigned int)uid, id);
	return 0;
}
