// SPDX-License-Identifier: GPL-2.0
/*
 * spool_commit: new documents, from their temp file to a committed entry
 * (spool_create_temp(), spool_commit()), and a scan's page made an entry of
 * its own (spool_scan_commit_page()). The long part of a commit runs
 * without the lock (Documentation/spool.rst, "Locking").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/stat.h>

#include "log.h"
#include "spool_private.h"

/*
 * No lock: a temp document has a new random name (O_EXCL) and belongs to
 * its caller; the user's directories are created idempotently, and their
 * first creation syncs the parent, which must not keep others waiting.
 */
int spool_create_temp(struct spool *s, uid_t uid, int *fd, char *path,
		      size_t path_len, struct err *e)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	int r, tfd = -1, n;

	r = spool_user_dirs(s, uid, e);
	for (int tries = 0; r == 0 && tfd < 0 && tries < 3; tries++) {
		r = spool_id_new(id, e);
		if (r < 0)
			break;
		spool_rel(rel, uid, "tmp/", id, ".doc");
		n = snprintf(path, path_len, "%s/%s", s->root, rel);
		if (n < 0 || (size_t)n >= path_len)
			return err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
				       "spool: temp path does not fit in %zu bytes", path_len);
		tfd = openat(s->root_fd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
		if (tfd < 0 && errno != EEXIST)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
				    path, strerror(errno));
	}
	if (r == 0 && tfd < 0)
		r = err_set(e, ERR_LOCAL, EEXIST, EEXIST, "spool: no free temp name");
	if (r == 0)
		*fd = tfd;
	return r;
}


/* Sync the document at @rel and complete @nt from it (owner, size, sha). */
static int spool_seal_doc(struct spool *s, uid_t uid, const char *rel,
			  struct ticket *nt, struct err *e)
{
	struct stat st;
	int fd, r = 0;

	fd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			       rel, strerror(errno));
	if (fsync(fd) < 0 || fstat(fd, &st) < 0)
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: syncing %s: %s",
			    rel, strerror(errno));
	if (r == 0 && nt->sha256[0] == '\0')
		r = spool_sha256_fd(fd, nt->sha256, NULL, e);
	close(fd);
	if (r == 0) {
		nt->owner_uid = (uint32_t)uid;
		nt->size = (uint64_t)st.st_size;
	}
	return r;
}

/*
 * The short part of a commit, under the lock: the index slot, the
 * document's rename from @doc into place, the ticket's (the commit
 * point), the index entry. Not synced yet: spool_commit_sync().
 */
static int spool_do_commit(struct spool *s, uid_t uid, const char *id,
			   const char *doc, const struct ticket *nt,
			   struct err *e)
{
	char to[SPOOL_REL_MAX], ticket[SPOOL_REL_MAX];
	bool moved = false;
	int r;

	spool_rel(to, uid, "", id, ".doc");
	spool_rel(ticket, uid, "tmp/", id, ".json");
	if (spool_index_reserve(s, uid) < 0) {
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	} else if (renameat2(s->root_fd, doc, s->root_fd, to, RENAME_NOREPLACE) < 0) {
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: moving %s into place: %s",
			    doc, strerror(errno));
	} else {
		moved = true;
		r = spool_place_ticket(s, ticket, uid, id, e);
	}
	if (r < 0 && moved)
		(void)renameat(s->root_fd, to, s->root_fd, doc);
	if (r < 0) {
		(void)unlinkat(s->root_fd, ticket, 0);
		return r;
	}
	spool_index_add(s, uid, id, nt);
	return 0;
}

/*
 * The long part of a commit (fsync and SHA-256 of the whole document, the
 * ticket written and synced) touches only the caller's own files, so it
 * runs without the lock, and so does the directory's fsync that makes the
 * renames durable before the caller hears of the entry: the main thread's
 * lookups, listings, updates and removals never wait for a document
 * (spool.rst, "Locking").
 */
static int spool_commit_from(struct spool *s, uid_t uid, const char *id,
			     const char *doc, struct ticket *nt, struct err *e)
{
	int r;

	r = spool_seal_doc(s, uid, doc, nt, e);
	if (r == 0)
		r = spool_write_ticket(s, uid, id, nt, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	r = spool_do_commit(s, uid, id, doc, nt, e);
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		spool_sync_user_dir(s, uid);
	return r;
}

int spool_commit(struct spool *s, uid_t uid, const char *tmp_path,
		 struct ticket *t, char *id_out, struct err *e)
{
	char id[SPOOL_ID_MAX], doc[SPOOL_REL_MAX];
	struct ticket nt = *t;
	int r;

	r = spool_tmp_id(s, uid, tmp_path, id, e);
	if (r < 0)
		return r;
	spool_rel(doc, uid, "tmp/", id, ".doc");
	r = spool_commit_from(s, uid, id, doc, &nt, e);
	if (r < 0)
		return r;
	*t = nt;
	memcpy(id_out, id, SPOOL_ID_MAX);
	return 0;
}

/*
 * Page @page of scan @scan_id becomes entry @id_out (one-page formats),
 * by the protocol of spool_commit() and with its recovery; the scan's
 * directory, which loses the page, is synced after the user's.
 */
int spool_scan_commit_page(struct spool *s, uid_t uid, const char *scan_id,
			   uint32_t page, struct ticket *t, char *id_out,
			   struct err *e)
{
	char id[SPOOL_ID_MAX], from[SPOOL_REL_MAX], name[32];
	struct ticket nt = *t;
	int r;

	r = spool_scan_check(s, uid, scan_id, e);
	if (r == 0)
		r = spool_id_new(id, e);
	if (r < 0)
		return r;
	spool_page_name(name, sizeof(name), page, true);
	spool_scan_rel(from, sizeof(from), uid, scan_id, name);
	r = spool_commit_from(s, uid, id, from, &nt, e);
	if (r < 0)
		return r;
	spool_scan_rel(from, sizeof(from), uid, scan_id, NULL);
	spool_sync_dir(s, from);
	*t = nt;
	memcpy(id_out, id, SPOOL_ID_MAX);
	return 0;
}
