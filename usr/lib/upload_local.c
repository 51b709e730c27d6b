// SPDX-License-Identifier: GPL-2.0
/*
 * upload_local: a directory on the appliance (a USB disk, an NFS mount).
 * put writes ".NAME.XXXXXX" (O_EXCL, 0600, handed to the dest's owner
 * when one is set) in the folder, fsyncs it, links
 * it to NAME with linkat(), which fails instead of replacing an existing
 * file, unlinks the temporary name and fsyncs the folder: after a crash the
 * folder holds either the complete document under NAME or nothing under
 * NAME (a stale ".NAME.XXXXXX" at worst, removed by the next attempt for
 * NAME). A file of that name, size and bytes is ours already there; the
 * same size with other bytes is somebody else's. check makes the folder (mkdir -p,
 * 0750) and reports statvfs free space. ENOSPC/EDQUOT are storage-full.
 * Cleanup style: goto out, each descriptor closed once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "upload_backend.h"
#include "upload_path.h"

#define COPY_CHUNK (128 * 1024)

static int local_errno(int errnum, const char *what, const char *path,
		       struct err *e)
{
	enum err_class cls = ERR_LOCAL;

	if (errnum == ENOSPC || errnum == EDQUOT || errnum == EFBIG)
		cls = ERR_STORAGE_FULL;
	else if (errnum == EACCES || errnum == EPERM || errnum == EROFS)
		cls = ERR_AUTH;
	else if (errnum == ENOENT || errnum == ENOTDIR)
		cls = ERR_NOT_FOUND;
	return err_set(e, cls, errnum, errnum, "local: %s %s: %s", what, path,
		       strerror(errnum));
}

/* mkdir -p of @dir (absolute, validated by upload.c). */
static int local_mkdirs(const char *dir, struct err *e)
{
	char path[UPLOAD_FOLDER_MAX + 1];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
			       "local: the folder path is too long");
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0750) < 0 && errno != EEXIST)
			return local_errno(errno, "cannot create the folder", path, e);
		path[i] = dir[i];
	}
	return 0;
}

static int local_check(const struct dest *d, struct upload_space *space,
		       struct err *e)
{
	struct statvfs sv;
	int r = local_mkdirs(d->folder, e);

	if (r)
		return r;
	if (statvfs(d->folder, &sv) < 0)
		return local_errno(errno, "cannot read the free space of", d->folder, e);
	space->known = true;
	space->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	space->used_bytes = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	return 0;
}

/* Is @name in @dfd ours (same size), absent, or a different file? */
static int local_same(int dfd, const char *dir, const char *name,
		      uint64_t size, bool *same, struct err *e)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return local_errno(errno, "cannot look at a file in", dir, e);
		*same = false;
		return 0;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size)
		return err_set(e, ERR_SERVER, EEXIST, EEXIST,
			       "local: a different file named %s exists in %s (%lld bytes, ours has %" PRIu64 "); it was not replaced",
			       name, dir, (long long)st.st_size, size);
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
static int local_same_bytes(int dfd, const char *dir, const char *name,
			    const struct upload_req *req, bool *same,
			    struct err *e)
{
	char *a = malloc(2 * (size_t)COPY_CHUNK), *b = a + COPY_CHUNK;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	uint64_t off = 0;
	int r = 0;

	if (!a || fd < 0) {
		r = !a ? err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "local: out of memory") :
			 local_errno(errno, "cannot read a file in", dir, e);
		goto out;
	}
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
			    name, dir);
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

/* Is @entry "." NAME "." and six hex digits: one of our temporary names? */
static bool local_is_temp(const char *entry, const char *name)
{
	size_t n = strlen(name);

	if (entry[0] != '.' || strncmp(entry + 1, name, n) != 0 ||
	    entry[n + 1] != '.' || strlen(entry + n + 2) != 6)
		return false;
	return strspn(entry + n + 2, "0123456789abcdef") == 6;
}

/* Remove temporary files a crash left for @name (before a new attempt). */
static void local_purge(int dfd, const char *name)
{
	int fd = dup(dfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)))
		if (local_is_temp(de->d_name, name))
			unlinkat(dfd, de->d_name, 0);
	closedir(dir);
}

/* Hand the new document to the account's owner (see struct dest). */
static int local_chown(const struct dest *d, int fd, const char *dir,
		       struct err *e)
{
	if (d->owner_uid == 0 || d->owner_uid == (uid_t)-1)
		return 0;
	if (fchown(fd, d->owner_uid, d->owner_gid) < 0)
		return local_errno(errno, "cannot give the document to its owner in",
				   dir, e);
	return 0;
}

/* Write, fsync and link the temporary file to the final name. */
static int local_store(const struct dest *d, int dfd, const char *dir,
		       const struct upload_req *req, struct err *e)
{
	char tmp[UPLOAD_NAME_MAX + 16];
	int fd = -1, r;

	for (int i = 0; fd < 0 && i < 100; i++) {
		snprintf(tmp, sizeof(tmp), ".%s.%06x", req->name,
			 (unsigned int)((getpid() ^ (i * 7919) ^ rand()) & 0xffffff));
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return local_errno(errno, "cannot create a file in", dir, e);
	}
	if (fd < 0)
		return local_errno(EEXIST, "cannot create a temporary file in", dir, e);
	r = local_chown(d, fd, dir, e);
	if (!r)
		r = local_copy(req, fd, dir, e);
	if (!r && fsync(fd) < 0)
		r = local_errno(errno, "cannot flush the document to", dir, e);
	if (close(fd) < 0 && !r)
		r = local_errno(errno, "cannot write into", dir, e);
	if (!r && linkat(dfd, tmp, dfd, req->name, 0) < 0)
		r = errno == EEXIST ? 1 : local_errno(errno, "cannot name the document in", dir, e);
	unlinkat(dfd, tmp, 0);
	if (r >= 0 && fsync(dfd) < 0)
		r = local_errno(errno, "cannot flush the folder", dir, e);
	return r;
}

static int local_put(const struct dest *d, const struct upload_req *req,
		     struct err *e)
{
	char url[UPLOAD_URL_MAX];
	bool same = false;
	int dfd, r;

	r = local_mkdirs(d->folder, e);
	if (r)
		return r;
	dfd = open(d->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return local_errno(errno, "cannot open the folder", d->folder, e);
	r = local_same(dfd, d->folder, req->name, req->size, &same, e);
	if (!r && same)
		r = local_same_bytes(dfd, d->folder, req->name, req, &same, e);
	if (r || same)
		goto out;
	local_purge(dfd, req->name);
	r = local_store(d, dfd, d->folder, req, e);
	if (r == 1)	/* the name was taken meanwhile: by the same document? */
		r = local_same(dfd, d->folder, req->name, req->size, &same, e);
	if (!r && same)
		r = local_same_bytes(dfd, d->folder, req->name, req, &same, e);
out:
	close(dfd);
	if (r == 0)
		snprintf(url, sizeof(url), "file://%s%s%s", d->folder,
			 d->folder[strlen(d->folder) - 1] == '/' ? "" : "/", req->name);
	return upload_put_result(req, url, same, r);
}

static int local_exists(const struct dest *d, const char *name, uint64_t size,
			bool *exists, struct err *e)
{
	bool same = false;
	int dfd, r;

	dfd = open(d->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		*exists = false;
		return 0;
	}
	if (dfd < 0)
		return local_errno(errno, "cannot open the folder", d->folder, e);
	r = local_same(dfd, d->folder, name, size, &same, e);
	close(dfd);
	if (!r)
		*exists = same;
	return r;
}

const struct upload_backend upload_local_backend = {
	.name = "local",
	.schemes = NULL,
	.check = local_check,
	.put = local_put,
	.exists = local_exists,
};
