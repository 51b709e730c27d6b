// SPDX-License-Identifier: GPL-2.0
/*
 * spool_entry: committed entries read (ticket, document, verification) and
 * updated (a new ticket, installed as a commit installs one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>
#include <pthread.h>

#include "log.h"
#include "spool_private.h"

/* May @t replace the ticket of (@uid, @id)? Under the lock. */
static int spool_update_check(struct spool *s, uid_t uid, const char *id,
			      const struct ticket *t, struct err *e)
{
	struct spool_info *inf = spool_lookup(s, uid, id, e);

	if (!inf)
		return spool_id_valid(id) ? -ENOENT : -EINVAL;
	if (t->owner_uid != uid || t->size != inf->size)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "spool: update of %s would change its owner or size", id);
	return 0;
}

/*
 * The temp name of one update's ticket, <uid>/tmp/<id>.<n>.upd: unique per
 * call, so that two updates of one entry never write the same file, and
 * never <id>.json, which recovery would take for an interrupted commit;
 * recovery deletes such a leftover (spool_recover.c).
 */
static int spool_update_name(struct spool *s, uid_t uid, const char *id,
			     const struct ticket *t, char *tmp, struct err *e)
{
	unsigned long seq;
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_update_check(s, uid, id, t, e);
	seq = s->update_seq++;
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		spool_update_rel(tmp, uid, id, seq);
	return r;
}

/* Install the written ticket @tmp if the entry is still there and alike. */
static int spool_update_install(struct spool *s, uid_t uid, const char *id,
				const struct ticket *t, const char *tmp,
				struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_update_check(s, uid, id, t, e);
	if (r == 0)
		r = spool_place_ticket(s, tmp, uid, id, e);
	if (r == 0)
		spool_info_from_ticket(spool_index_find(s, uid, id), uid, id, t);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/*
 * Like a commit, an update writes and syncs its ticket without the lock
 * (the file is its own), and takes the lock only to rename it into place
 * and update the index together; the directory's fsync follows unlocked
 * (Documentation/spool.rst, "Locking").
 */
int spool_update(struct spool *s, uid_t uid, const char *id,
		 const struct ticket *t, struct err *e)
{
	char tmp[SPOOL_REL_MAX];
	int r;

	r = spool_update_name(s, uid, id, t, tmp, e);
	if (r < 0)
		return r;
	r = spool_write_ticket_at(s, tmp, t, e);
	if (r == 0)
		r = spool_update_install(s, uid, id, t, tmp, e);
	if (r < 0) {
		(void)unlinkat(s->root_fd, tmp, 0);
		return r;
	}
	spool_sync_user_dir(s, uid);
	return 0;
}

int spool_get(struct spool *s, uid_t uid, const char *id, struct ticket *out,
	      struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r;

	pthread_mutex_lock(&s->lock);
	if (!spool_lookup(s, uid, id, e)) {
		r = spool_id_valid(id) ? -ENOENT : -EINVAL;
	} else {
		spool_rel(rel, uid, "", id, ".json");
		r = spool_read_ticket(s, rel, out, e);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_open_document(struct spool *s, uid_t uid, const char *id, int *fd,
			struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r = 0, dfd = -1;

	pthread_mutex_lock(&s->lock);
	if (!spool_lookup(s, uid, id, e)) {
		r = spool_id_valid(id) ? -ENOENT : -EINVAL;
	} else {
		spool_rel(rel, uid, "", id, ".doc");
		dfd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (dfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
				    rel, strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*fd = dfd;
	return r;
}

int spool_verify(struct spool *s, uid_t uid, const char *id, struct err *e)
{
	char hex[TICKET_SHA256_LEN + 1];
	struct ticket t;
	uint64_t size;
	int fd, r;

	r = spool_get(s, uid, id, &t, e);
	if (r == 0)
		r = spool_open_document(s, uid, id, &fd, e);
	if (r < 0)
		return r;
	r = spool_sha256_fd(fd, hex, &size, e);
	close(fd);
	if (r == 0 && (size != t.size || strcmp(hex, t.sha256) != 0))
		r = err_set(e, ERR_LOCAL, EIO, EIO,
			    "spool: document %s is damaged: %" PRIu64 " bytes with sha256 %s, the ticket says %" PRIu64 " bytes with sha256 %s",
			    id, size, hex, t.size, t.sha256[0] ? t.sha256 : "(none)");
	return r;
}
