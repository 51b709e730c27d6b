// SPDX-License-Identifier: GPL-2.0
/*
 * upload_local: a directory on the appliance (a USB disk, an NFS mount).
 * Every file-system step goes through ph_call() (ph_client.h): in the
 * daemon the privilege helper does it as the account's owner, never
 * through a symbolic link (Documentation/privsep.rst); in tools it runs
 * in-process. put asks for a temporary ".NAME.XXXXXX" (O_EXCL, 0600, the
 * owner's from creation), writes and fsyncs it through the descriptor it
 * gets back, and commits: a link to NAME that fails instead of replacing
 * an existing file, the temporary name unlinked, the folder fsynced.
 * After a crash the folder holds either the complete document under NAME
 * or nothing under NAME (a stale ".NAME.XXXXXX" at worst, removed by the
 * next attempt for NAME). A file of that name, size and bytes is ours
 * already there; the same size with other bytes is somebody else's.
 * check makes the folder (mkdir -p, 0750) and reports free space.
 * ENOSPC/EDQUOT are storage-full; EROFS is the destination's own problem
 * (a read-only mount, a sandbox), never a refused login.
 * Cleanup style: goto out, each descriptor closed once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ph_client.h"
#include "ph_proto.h"
#include "upload_backend.h"
#include "upload_path.h"

#define COPY_CHUNK (128 * 1024)

static enum err_class local_class(int errnum)
{
	if (errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG)
		return ERR_STORAGE_FULL;
	if (errnum == EACCES || errnum == EPERM)
		return ERR_AUTH;	/* the owner may not write there */
	if (errnum == ENOENT || errnum == ENOTDIR)
		return ERR_NOT_FOUND;
	return ERR_LOCAL;	/* EROFS, EIO...: this appliance's disk or setup */
}

static const char *local_hint(int errnum)
{
	return errnum == EROFS ?
	       " (a read-only file system: a mount or service setting to fix, not the account)" : "";
}

static int local_errno(int errnum, const char *what, const char *path,
		       struct err *e)
{
	return err_set(e, local_class(errnum), errnum, errnum, "local: %s %s: %s%s",
		       what, path, strerror(errnum), local_hint(errnum));
}

/*
 * One helper operation in @d's folder; 0 with @rep filled, or -errno with
 * @e filled: a refusal by the helper's rules is a configuration problem
 * (class invalid), anything else is classed by its errno.
 */
static int local_op(const struct dest *d, enum ph_op op, const char *name,
		    const char *temp, struct ph_reply *rep, int *fd,
		    struct err *e)
{
	struct ph_request req;
	int r;

	*fd = -1;
	r = ph_request_init(&req, op, d->owner_uid, d->folder, name, temp);
	if (r < 0)
		return err_set(e, ERR_INVALID, -r, -r,
			       "local: the folder or name cannot be used: %s", d->folder);
	r = ph_call(&req, rep, fd, e);
	if (r < 0 || rep->error == 0)
		return r;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	if (rep->flags & PH_REPLY_REFUSED)
		return err_set(e, ERR_INVALID, rep->error, rep->error,
			       "local: %s: %s", d->folder, rep->msg);
	return err_set(e, local_class(rep->error), rep->error, rep->error,
		       "local: %s: %s%s", d->folder, rep->msg, local_hint(rep->error));
}

static int local_check(const struct dest *d, struct upload_space *space,
		       struct err *e)
{
	struct ph_reply rep;
	int fd, r = local_op(d, PH_OP_PREPARE, NULL, NULL, &rep, &fd, e);

	if (r)
		return r;
	space->known = true;
	space->free_bytes = rep.free_bytes;
	space->used_bytes = rep.used_bytes;
	return 0;
}

/* Is @name in the folder ours (same size), absent, or a different file? */
static int local_same(const struct dest *d, const char *name, uint64_t size,
		      bool *same, struct err *e)
{
	struct ph_reply rep;
	int fd, r = local_op(d, PH_OP_STAT, name, NULL, &rep, &fd, e);

	if (r)
		return r;
	if (!(rep.flags & PH_REPLY_EXISTS)) {
		*same = false;
		return 0;
	}
	if (!(rep.flags & PH_REPLY_REGULAR) || rep.size != size)
		return err_set(e, ERR_SERVER, EEXIST, EEXIST,
			       "local: a different file named %s exists in %s (%" PRIu64 " bytes, ours has %" PRIu64 "); it was not replaced",
			       name, d->folder, rep.size, size);
	*same = true;
	return 0;
}

/* Read exactly @len bytes at @off; 0, or -errno / -ENODATA when short. */
static int pread_full(int fd, char *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENODATA;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * A file of our name and size is there: are its bytes ours? Only then is
 * it "already there" (a retry after a crash); a different document of the
 * same size (the counter wrapped, a template without {counter}) must not
 * count as uploaded, or the new scan would be dropped.
 */
static int local_same_bytes(const struct dest *d, const char *name,
			    const struct upload_req *req, bool *same,
			    struct err *e)
{
	char *a = malloc(2 * (size_t)COPY_CHUNK), *b = a + COPY_CHUNK;
	struct ph_reply rep;
	uint64_t off = 0;
	int fd = -1, r;

	r = !a ? err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "local: out of memory") :
		 local_op(d, PH_OP_OPEN_READ, name, NULL, &rep, &fd, e);
	if (r)
		goto out;
	*same = true;
	while (*same && off < req->size) {
		size_t want = req->size - off < COPY_CHUNK ? (size_t)(req->size - off) : COPY_CHUNK;

		r = pread_full(req->fd, a, want, off);
		if (r) {
			r = err_set(e, ERR_LOCAL, EIO, -r, "local: reading the document: %s",
				    r == -ENODATA ? "shorter than its size" : strerror(-r));
			goto out;
		}
		if (pread_full(fd, b, want, off) || memcmp(a, b, want) != 0)
			*same = false;
		off += want;
	}
	if (!*same)
		r = err_set(e, ERR_SERVER, EEXIST, EEXIST,
			    "local: a different file named %s exists in %s (same size, other content); it was not replaced",
			    name, d->folder);
out:
	if (fd >= 0)
		close(fd);
	free(a);
	return r;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy the document into @out, reporting progress; 0 or -errno. */
static int local_copy(const struct upload_req *req, int out, const char *dir,
		      struct err *e)
{
	char *buf = malloc(COPY_CHUNK);
	uint64_t off = 0;
	int r = 0;

	if (!buf)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "local: out of memory");
	while (!r && off < req->size) {
		size_t want = req->size - off < COPY_CHUNK ? (size_t)(req->size - off) : COPY_CHUNK;
		ssize_t got = pread(req->fd, buf, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = err_set(e, ERR_LOCAL, EIO, got < 0 ? errno : EIO,
				    "local: reading the document: %s",
				    got < 0 ? strerror(errno) : "shorter than its size");
			break;
		}
		r = write_all(out, buf, (size_t)got);
		if (r)
			r = local_errno(-r, "cannot write into", dir, e);
		off += (uint64_t)got;
		if (!r && req->cb && req->cb(req->ud, off, req->size))
			r = err_set(e, ERR_LOCAL, ECANCELED, ECANCELED, "local: cancelled");
	}
	free(buf);
	return r;
}

/*
 * Write the document into a new temporary file and commit it under its
 * name: 0, 1 when the name was taken meanwhile, or -errno. The temporary
 * file is removed whatever happens.
 */
static int local_store(const struct dest *d, const struct upload_req *req,
		       struct err *e)
{
	struct ph_reply rep, rrep;
	char temp[PH_NAME_MAX];
	int fd, none, r;

	r = local_op(d, PH_OP_CREATE_TEMP, req->name, NULL, &rep, &fd, e);
	if (r)
		return r;
	memcpy(temp, rep.temp, sizeof(temp));
	r = local_copy(req, fd, d->folder, e);
	if (!r && fsync(fd) < 0)
		r = local_errno(errno, "cannot flush the document to", d->folder, e);
	if (close(fd) < 0 && !r)
		r = local_errno(errno, "cannot write into", d->folder, e);
	if (!r) {
		/* commit unlinks the temporary name itself, linked or not */
		r = local_op(d, PH_OP_COMMIT, req->name, temp, &rep, &none, e);
		return r == -EEXIST ? 1 : r;
	}
	local_op(d, PH_OP_UNLINK_TEMP, NULL, temp, &rrep, &none, NULL);
	return r;
}

static int local_put(const struct dest *d, const struct upload_req *req,
		     struct err *e)
{
	char url[UPLOAD_URL_MAX];
	struct upload_space space;
	bool same = false;
	int r;

	r = local_check(d, &space, e);	/* mkdir -p */
	if (!r)
		r = local_same(d, req->name, req->size, &same, e);
	if (!r && same)
		r = local_same_bytes(d, req->name, req, &same, e);
	if (r || same)
		goto out;
	r = local_store(d, req, e);
	if (r == 1)	/* the name was taken meanwhile: by the same document? */
		r = local_same(d, req->name, req->size, &same, e);
	if (!r && same)
		r = local_same_bytes(d, req->name, req, &same, e);
out:
	if (r == 0)
		snprintf(url, sizeof(url), "file://%s%s%s", d->folder,
			 d->folder[strlen(d->folder) - 1] == '/' ? "" : "/", req->name);
	return upload_put_result(req, url, same, r);
}

static int local_exists(const struct dest *d, const char *name, uint64_t size,
			bool *exists, struct err *e)
{
	struct err le;
	bool same = false;
	int r;

	err_clear(&le);
	r = local_same(d, name, size, &same, &le);
	if (r == -ENOENT) {	/* no folder: nothing there */
		*exists = false;
		return 0;
	}
	if (r) {
		if (e)
			*e = le;
		return r;
	}
	*exists = same;
	return 0;
}

const struct upload_backend upload_local_backend = {
	.name = "local",
	.schemes = NULL,
	.check = local_check,
	.put = local_put,
	.exists = local_exists,
};
