// SPDX-License-Identifier: GPL-2.0
/*
 * spool_path: the spool's layout (spool.h has the picture): entry ids,
 * the relative paths of entries, scans and pages, and its directories
 * (created root-owned 0700, synced when they change).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "log.h"
#include "spool_private.h"

bool spool_id_valid(const char *id)
{
	if (!id)
		return false;
	for (int i = 0; i < SPOOL_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[SPOOL_ID_LEN] == '\0';
}

int spool_id_new(char *id, struct err *e)
{
	unsigned char raw[SPOOL_ID_LEN / 2];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return err_set(e, ERR_LOCAL, errno, errno ? errno : EIO,
			       "spool: no random bytes for an entry id");
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 15];
	}
	id[SPOOL_ID_LEN] = '\0';
	return 0;
}

/* "<uid>/<sub><id><ext>" relative to the root; always fits. */
void spool_rel(char *rel, uid_t uid, const char *sub, const char *id,
	       const char *ext)
{
	snprintf(rel, SPOOL_REL_MAX, "%u/%s%s%s", (unsigned int)uid, sub, id, ext);
}

int spool_bad_id(const char *id, struct err *e)
{
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "spool: \"%.40s\" is not a spool entry id", id ? id : "");
}

int spool_no_entry(uid_t uid, const char *id, struct err *e)
{
	return err_set(e, ERR_NOT_FOUND, ENOENT, ENOENT,
		       "spool: user %u has no spooled document %s",
		       (unsigned int)uid, id);
}

void spool_sync_dir(struct spool *s, const char *rel)
{
	int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* The rename is done; a failed directory sync can only lose it in a
	 * crash, which recovery handles. Say so instead of failing. */
	if (fd < 0 || fsync(fd) < 0)
		log_errno(LOG_ERR, errno, "spool: syncing %s/%s", s->root, rel);
	if (fd >= 0)
		close(fd);
}

/* mkdir @rel 0700 if missing; force root ownership and 0700 on it. */
int spool_mkdir(struct spool *s, const char *rel, struct err *e)
{
	char parent[SPOOL_REL_MAX];
	const char *slash;
	int fd;

	if (mkdirat(s->root_fd, rel, 0700) == 0) {
		/* A new directory's own name must be durable before any
		 * entry committed inside it can be. */
		slash = strrchr(rel, '/');
		snprintf(parent, sizeof(parent), "%.*s",
			 slash ? (int)(slash - rel) : 1, slash ? rel : ".");
		spool_sync_dir(s, parent);
	} else if (errno != EEXIST) {
		return err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s/%s: %s",
			       s->root, rel, strerror(errno));
	}
	fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s/%s: %s",
			       s->root, rel, strerror(errno));
	/* Only root can give files to root; an unprivileged spool (tests,
	 * benchmark) keeps its owner but still gets the mode. */
	if ((geteuid() == 0 && fchown(fd, 0, 0) < 0) || fchmod(fd, 0700) < 0) {
		int r = err_set(e, ERR_LOCAL, errno, errno, "spool: securing %s/%s: %s",
				s->root, rel, strerror(errno));

		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

int spool_user_dirs(struct spool *s, uid_t uid, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r;

	snprintf(rel, sizeof(rel), "%u", (unsigned int)uid);
	r = spool_mkdir(s, rel, e);
	if (r == 0) {
		snprintf(rel, sizeof(rel), "%u/tmp", (unsigned int)uid);
		r = spool_mkdir(s, rel, e);
	}
	return r;
}

/* "<uid>/<id>.scan" or "<uid>/<id>.scan/<name>"; always fits. */
void spool_scan_rel(char *rel, size_t len, uid_t uid, const char *id,
		    const char *name)
{
	snprintf(rel, len, "%u/%s%s%s%s", (unsigned int)uid, id, SPOOL_SCAN_EXT,
		 name ? "/" : "", name ? name : "");
}

/* "0017.page" (committed) or "0017.part" (being written). */
void spool_page_name(char *name, size_t len, uint32_t page,
		     bool committed)
{
	snprintf(name, len, "%04u.%s", page, committed ? "page" : "part");
}

bool spool_exists(struct spool *s, const char *rel, struct stat *st)
{
	struct stat tmp;

	return fstatat(s->root_fd, rel, st ? st : &tmp, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The id of @path if it is "<root>/<uid>/tmp/<id>.doc", else -EINVAL. */
int spool_tmp_id(struct spool *s, uid_t uid, const char *path,
		 char *id, struct err *e)
{
	char prefix[SPOOL_PATH_MAX + 32];
	size_t plen;
	int n;

	n = snprintf(prefix, sizeof(prefix), "%s/%u/tmp/", s->root, (unsigned int)uid);
	plen = n > 0 ? (size_t)n : 0;
	if (!path || plen == 0 || plen >= sizeof(prefix) ||
	    strncmp(path, prefix, plen) != 0 ||
	    strnlen(path + plen, SPOOL_ID_LEN + 5) != SPOOL_ID_LEN + 4 ||
	    strcmp(path + plen + SPOOL_ID_LEN, ".doc") != 0)
		goto bad;
	memcpy(id, path + plen, SPOOL_ID_LEN);
	id[SPOOL_ID_LEN] = '\0';
	if (spool_id_valid(id))
		return 0;
bad:
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "spool: %.200s is not a temp file of user %u",
		       path ? path : "(null)", (unsigned int)uid);
}

void spool_update_rel(char *rel, uid_t uid, const char *id, unsigned long seq)
{
	snprintf(rel, SPOOL_REL_MAX, "%u/tmp/%s.%lu%s", (unsigned int)uid, id,
		 seq, SPOOL_UPDATE_EXT);
}

bool spool_update_name_is(const char *name)
{
	char id[SPOOL_ID_MAX];
	const char *p = name + SPOOL_ID_LEN;
	size_t digits = 0;

	if (strnlen(name, SPOOL_ID_LEN + 1) <= SPOOL_ID_LEN || *p != '.')
		return false;
	memcpy(id, name, SPOOL_ID_LEN);
	id[SPOOL_ID_LEN] = '\0';
	for (p++; *p >= '0' && *p <= '9'; p++)
		digits++;
	return spool_id_valid(id) && digits > 0 && strcmp(p, SPOOL_UPDATE_EXT) == 0;
}
