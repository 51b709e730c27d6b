// SPDX-License-Identifier: GPL-2.0
/*
 * spool_scan: scans in progress, <uid>/<id>.scan/ with their ticket and
 * finished pages (spool.h, "Scans in progress").
 *
 * A scan's directory has one writer, the job reading the scan (its id is
 * new and random, and only that job is handed it), and recovery runs
 * before any job: so these calls work on their files without the spool's
 * lock, and the main thread never waits for a page's fsync. Only
 * spool_scan_end() takes the lock, to drop the scan from the cut scans.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>

#include "log.h"
#include "spool_private.h"

/*
 * Delete scan directory <uid>/<id>.scan/: its ticket first (the commit
 * point: a scan without a ticket is being removed), then the rest. Only
 * when its pages are in entries, or the owner cancelled the scan.
 */
int spool_scan_remove(struct spool *s, uid_t uid, const char *id,
		      struct err *e)
{
	char rel[SPOOL_REL_MAX], dir[SPOOL_REL_MAX], file[SPOOL_REL_MAX + NAME_MAX + 2];
	struct dirent **list;
	int n;

	spool_scan_rel(dir, sizeof(dir), uid, id, NULL);
	spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
	if (unlinkat(s->root_fd, rel, 0) < 0 && errno != ENOENT)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
			       rel, strerror(errno));
	spool_sync_dir(s, dir);
	n = scandirat(s->root_fd, dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, list[i]->d_name);
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, ".."))
			(void)unlinkat(s->root_fd, file, 0);
		free(list[i]);
	}
	if (n > 0)
		free(list);
	if (unlinkat(s->root_fd, dir, AT_REMOVEDIR) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
			       dir, strerror(errno));
	snprintf(rel, sizeof(rel), "%u", (unsigned int)uid);
	spool_sync_dir(s, rel);
	return 0;
}

/* Committed pages of a scan: 0001.page, 0002.page, ... without a gap. */
uint32_t spool_scan_count(struct spool *s, uid_t uid, const char *id)
{
	char rel[SPOOL_REL_MAX], name[32];
	uint32_t pages = 0;

	for (;;) {
		spool_page_name(name, sizeof(name), pages + 1, true);
		spool_scan_rel(rel, sizeof(rel), uid, id, name);
		if (!spool_exists(s, rel, NULL))
			return pages;
		pages++;
	}
}

int spool_scan_check(struct spool *s, uid_t uid, const char *id,
		     struct err *e)
{
	char rel[SPOOL_REL_MAX];

	if (!spool_id_valid(id))
		return spool_bad_id(id, e);
	spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
	if (!spool_exists(s, rel, NULL))
		return err_set(e, ERR_NOT_FOUND, ENOENT, ENOENT,
			       "spool: user %u has no scan %s", (unsigned int)uid, id);
	return 0;
}

/* Write the scan's ticket: ticket.tmp, fsync, rename, fsync the scan dir. */
static int spool_scan_write(struct spool *s, uid_t uid, const char *id,
			    const struct ticket *t, struct err *e)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], dir[SPOOL_REL_MAX];
	int r;

	spool_scan_rel(from, sizeof(from), uid, id, "ticket.tmp");
	spool_scan_rel(to, sizeof(to), uid, id, "ticket.json");
	r = spool_write_ticket_at(s, from, t, e);
	if (r < 0)
		return r;
	if (renameat(s->root_fd, from, s->root_fd, to) < 0) {
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: installing %s: %s",
			    to, strerror(errno));
		(void)unlinkat(s->root_fd, from, 0);
		return r;
	}
	spool_scan_rel(dir, sizeof(dir), uid, id, NULL);
	spool_sync_dir(s, dir);
	return 0;
}

int spool_scan_begin(struct spool *s, uid_t uid, const struct ticket *t,
		     char *id_out, struct err *e)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	struct ticket nt = *t;
	int r;

	nt.owner_uid = (uint32_t)uid;
	r = spool_user_dirs(s, uid, e);
	if (r == 0)
		r = spool_id_new(id, e);
	if (r < 0)
		return r;
	spool_scan_rel(rel, sizeof(rel), uid, id, NULL);
	/* spool_mkdir() makes the directory's name durable in <uid>/. */
	r = spool_mkdir(s, rel, e);
	if (r == 0)
		r = spool_scan_write(s, uid, id, &nt, e);
	if (r < 0) {
		(void)unlinkat(s->root_fd, rel, AT_REMOVEDIR);
		return r;
	}
	memcpy(id_out, id, SPOOL_ID_MAX);
	return 0;
}

int spool_scan_update(struct spool *s, uid_t uid, const char *id,
		      const struct ticket *t, struct err *e)
{
	int r;

	r = spool_scan_check(s, uid, id, e);
	if (r == 0 && t->owner_uid != uid)
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "spool: scan %s: the ticket names owner %u, not %u",
			    id, t->owner_uid, (unsigned int)uid);
	if (r == 0)
		r = spool_scan_write(s, uid, id, t, e);
	return r;
}

int spool_scan_page_create(struct spool *s, uid_t uid, const char *id,
			   uint32_t page, int *fd, struct err *e)
{
	char rel[SPOOL_REL_MAX], name[32];
	int r, pfd = -1;

	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_page_name(name, sizeof(name), page, false);
		spool_scan_rel(rel, sizeof(rel), uid, id, name);
		pfd = openat(s->root_fd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
		if (pfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
				    rel, strerror(errno));
	}
	if (r == 0) {
		/* A page cut while it is written is then always found at the
		 * next start, kept in orphans/ and reported, never silently
		 * gone with an unsynced directory. */
		spool_scan_rel(rel, sizeof(rel), uid, id, NULL);
		spool_sync_dir(s, rel);
	}
	if (r == 0)
		*fd = pfd;
	return r;
}

/* Rename page @page of the scan from .part to .page (or delete the .part). */
static int spool_scan_page_finish(struct spool *s, uid_t uid, const char *id,
				  uint32_t page, bool keep, struct err *e)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], dir[SPOOL_REL_MAX], name[32];
	int r;

	spool_page_name(name, sizeof(name), page, false);
	spool_scan_rel(from, sizeof(from), uid, id, name);
	spool_page_name(name, sizeof(name), page, true);
	spool_scan_rel(to, sizeof(to), uid, id, name);
	r = keep ? renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE) :
		   unlinkat(s->root_fd, from, 0);
	if (r < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: %s %s: %s",
			       keep ? "committing" : "removing", from, strerror(errno));
	spool_scan_rel(dir, sizeof(dir), uid, id, NULL);
	if (keep)
		spool_sync_dir(s, dir);
	return 0;
}

int spool_scan_page_commit(struct spool *s, uid_t uid, const char *id,
			   uint32_t page, int fd, struct err *e)
{
	int r;

	if (fsync(fd) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: syncing page %u of scan %s: %s",
			       page, id, strerror(errno));
	r = spool_scan_check(s, uid, id, e);
	if (r == 0)
		r = spool_scan_page_finish(s, uid, id, page, true, e);
	return r;
}

int spool_scan_page_discard(struct spool *s, uid_t uid, const char *id,
			    uint32_t page, struct err *e)
{
	int r;

	r = spool_scan_check(s, uid, id, e);
	if (r == 0)
		r = spool_scan_page_finish(s, uid, id, page, false, e);
	return r;
}

int spool_scan_page_open(struct spool *s, uid_t uid, const char *id,
			 uint32_t page, int *fd, struct err *e)
{
	char rel[SPOOL_REL_MAX], name[32];
	int r, pfd = -1;

	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_page_name(name, sizeof(name), page, true);
		spool_scan_rel(rel, sizeof(rel), uid, id, name);
		pfd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (pfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
				    rel, strerror(errno));
	}
	if (r == 0)
		*fd = pfd;
	return r;
}

int spool_scan_get(struct spool *s, uid_t uid, const char *id,
		   struct ticket *t, uint32_t *pages, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r;

	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
		r = spool_read_ticket(s, rel, t, e);
	}
	if (r == 0 && pages)
		*pages = spool_scan_count(s, uid, id);
	return r;
}

int spool_scan_create_doc(struct spool *s, uid_t uid, const char *id, int *fd,
			  char *path, size_t path_len, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r, dfd = -1, n;

	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_rel(rel, uid, "tmp/", id, ".doc");
		n = snprintf(path, path_len, "%s/%s", s->root, rel);
		if (n < 0 || (size_t)n >= path_len)
			r = err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
				    "spool: temp path does not fit in %zu bytes", path_len);
	}
	if (r == 0) {
		/* A leftover of an earlier attempt is ours: replace it. */
		(void)unlinkat(s->root_fd, rel, 0);
		dfd = openat(s->root_fd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
		if (dfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
				    path, strerror(errno));
	}
	if (r == 0)
		*fd = dfd;
	return r;
}

int spool_scan_end(struct spool *s, uid_t uid, const char *id, struct err *e)
{
	int r;

	r = spool_id_valid(id) ? spool_scan_remove(s, uid, id, e) : spool_bad_id(id, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_scans; i++) {
		if (s->scans[i].uid == uid && !strcmp(s->scans[i].id, id)) {
			s->scans[i] = s->scans[--s->n_scans];
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}
