// SPDX-License-Identifier: GPL-2.0
/*
 * spool_ticket: ticket files (read, durable write to tmp/, install by
 * rename: the commit point) and the SHA-256 of documents. None of these
 * touch the index: they need no lock when the files are the caller's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "durable.h"
#include "log.h"
#include "spool_private.h"

int spool_sha256_fd(int fd, char *hex, uint64_t *size, struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	uint64_t total = 0;
	ssize_t n = 0;
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (n = pread(fd, buf, sizeof(buf), (off_t)total)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n);
		total += n > 0 ? (uint64_t)n : 0;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return err_set(e, ERR_LOCAL, n < 0 ? errno : EIO,
			       n < 0 ? errno : EIO,
			       "spool: computing the document's sha256 failed");
	for (unsigned int i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * mdlen] = '\0';
	if (size)
		*size = total;
	return 0;
}

/* Read and parse the ticket at @rel (relative to the root). */
int spool_read_ticket(struct spool *s, const char *rel,
		      struct ticket *t, struct err *e)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n = 0;
	int fd, r;

	fd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			       rel, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = err_set(e, ERR_LOCAL, EINVAL, EINVAL, "spool: %s is not a file", rel);
		goto out;
	}
	if (st.st_size > TICKET_JSON_MAX) {
		r = err_set(e, ERR_INVALID, EFBIG, EINVAL,
			    "spool: %s: ticket is too large (%lld bytes)", rel,
			    (long long)st.st_size);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf)
		n = pread(fd, buf, (size_t)st.st_size, 0);
	if (!buf || n != st.st_size) {
		r = err_set(e, ERR_LOCAL, EIO, EIO, "spool: reading %s failed", rel);
		goto out;
	}
	r = ticket_from_json(buf, (size_t)n, t, e);
	if (r < 0)
		err_prefix(e, "spool: %s", rel);
out:
	free(buf);
	close(fd);
	return r;
}

/* Durably write @t to @rel (O_EXCL, 0600, fsync); a stale file there is
 * a crashed write of ours (we are the only writer) and is replaced. */
int spool_write_ticket_at(struct spool *s, const char *rel,
			  const struct ticket *t, struct err *e)
{
	size_t len;
	char *json;
	int fd, r;

	r = ticket_to_json(t, &json, &len, e);
	if (r < 0)
		return r;
	(void)unlinkat(s->root_fd, rel, 0);
	fd = openat(s->root_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
	r = fd < 0 ? -errno : durable_write_all(fd, json, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(json);
	if (r < 0) {
		if (fd >= 0)
			(void)unlinkat(s->root_fd, rel, 0);
		return err_set(e, ERR_LOCAL, -r, -r, "spool: writing ticket %s: %s",
			       rel, strerror(-r));
	}
	return 0;
}

/* Durably write @t to <uid>/tmp/<id>.json. */
int spool_write_ticket(struct spool *s, uid_t uid, const char *id,
		       const struct ticket *t, struct err *e)
{
	char rel[SPOOL_REL_MAX];

	spool_rel(rel, uid, "tmp/", id, ".json");
	return spool_write_ticket_at(s, rel, t, e);
}

/*
 * Rename the ticket at @from (a durable temp file) over <uid>/<id>.json:
 * the commit point, not yet synced (spool_sync_user_dir()). On failure
 * @from is removed. Callers that share the entry hold the lock.
 */
int spool_place_ticket(struct spool *s, const char *from, uid_t uid,
		       const char *id, struct err *e)
{
	char to[SPOOL_REL_MAX];

	spool_rel(to, uid, "", id, ".json");
	if (renameat(s->root_fd, from, s->root_fd, to) < 0) {
		int r = err_set(e, ERR_LOCAL, errno, errno, "spool: installing %s: %s",
				to, strerror(errno));

		(void)unlinkat(s->root_fd, from, 0);
		return r;
	}
	return 0;
}

/* fsync <uid>/: the renames done in it survive a crash from now on. */
void spool_sync_user_dir(struct spool *s, uid_t uid)
{
	char dir[SPOOL_REL_MAX];

	snprintf(dir, sizeof(dir), "%u", (unsigned int)uid);
	spool_sync_dir(s, dir);
}

/* Rename <uid>/tmp/<id>.json over <uid>/<id>.json and sync: the commit. */
int spool_install_ticket(struct spool *s, uid_t uid, const char *id,
			 struct err *e)
{
	char from[SPOOL_REL_MAX];
	int r;

	spool_rel(from, uid, "tmp/", id, ".json");
	r = spool_place_ticket(s, from, uid, id, e);
	if (r == 0)
		spool_sync_user_dir(s, uid);
	return r;
}
