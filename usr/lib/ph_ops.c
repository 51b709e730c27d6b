// SPDX-License-Identifier: GPL-2.0
/*
 * ph_ops: a local destination's file operations without following any
 * symbolic link. The root is opened with RESOLVE_NO_SYMLINKS, the folder
 * below it with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (PREPARE creates the
 * missing components one by one, 0750, each made and opened relative to
 * its parent's fd), and
 * every name is one component relative to the folder's fd, so swapping
 * the folder or a parent for a link between two operations makes the
 * next one fail with ELOOP instead of writing elsewhere. A temporary file
 * is O_EXCL 0600; COMMIT links it under its name (never replacing) and
 * fsyncs the folder. Cleanup style: goto out, each fd closed once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ph_ops.h"
#include "ph_proto.h"

#define PH_RESOLVE (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static int ph_openat2(int dfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = 0,
		.resolve = resolve,
	};
	long r = syscall(SYS_openat2, dfd, path, &how, sizeof(how));

	return r < 0 ? -1 : (int)r;
}

/* Record a failure of @what with errno @errnum; a link or an escape is a refusal. */
static void ph_fail(struct ph_reply *rep, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
	va_end(ap);
	n = strlen(rep->msg);
	snprintf(rep->msg + n, sizeof(rep->msg) - n, ": %s",
		 errnum == ELOOP ? "a symbolic link in the path" :
		 errnum == EXDEV ? "the path leaves the allowed root" :
		 strerror(errnum));
	rep->error = errnum;
	if (errnum == ELOOP || errnum == EXDEV)
		rep->flags |= PH_REPLY_REFUSED;
}

/*
 * mkdir -p @rel below @rootfd, one component at a time: each is created
 * and opened relative to its parent's fd (never through a path a link
 * could redirect between the check and the mkdir), none may be a link.
 */
static int ph_mkdirs(int rootfd, const char *rel, struct ph_reply *rep)
{
	int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

	if (cur < 0)
		return ph_fail(rep, errno, "cannot open the allowed root"), -1;
	while (*rel) {
		char part[PH_NAME_MAX];
		size_t n = strcspn(rel, "/");
		int fd;

		if (n >= sizeof(part)) {
			close(cur);
			return ph_fail(rep, ENAMETOOLONG, "folder"), -1;
		}
		memcpy(part, rel, n);
		part[n] = '\0';
		rel += n + (rel[n] == '/');
		fd = ph_openat2(cur, part, O_PATH | O_DIRECTORY, PH_RESOLVE | RESOLVE_BENEATH);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(cur, part, 0750) < 0 && errno != EEXIST) {
				ph_fail(rep, errno, "cannot create the folder");
				close(cur);
				return -1;
			}
			fd = ph_openat2(cur, part, O_PATH | O_DIRECTORY,
					PH_RESOLVE | RESOLVE_BENEATH);
		}
		close(cur);
		if (fd < 0)
			return ph_fail(rep, errno, "cannot open the folder"), -1;
		cur = fd;
	}
	close(cur);
	return 0;
}

/* The folder's fd (O_RDONLY), checked for its owner; -1 with @rep filled. */
static int ph_open_folder(const struct ph_request *req, const struct ph_target *t,
			  struct ph_reply *rep)
{
	int rootfd, dfd = -1;
	struct stat st;

	rootfd = ph_openat2(AT_FDCWD, t->root, O_PATH | O_DIRECTORY, PH_RESOLVE);
	if (rootfd < 0) {
		ph_fail(rep, errno, "cannot open the allowed root %s", t->root);
		return -1;
	}
	if (req->op == PH_OP_PREPARE && ph_mkdirs(rootfd, t->rel, rep) < 0)
		goto out;
	dfd = ph_openat2(rootfd, t->rel, O_RDONLY | O_DIRECTORY,
			 PH_RESOLVE | RESOLVE_BENEATH);
	if (dfd < 0) {
		ph_fail(rep, errno, "cannot open the folder");
		goto out;
	}
	if (fstat(dfd, &st) < 0) {
		ph_fail(rep, errno, "cannot look at the folder");
	} else if (t->owner != (uid_t)-1 && st.st_uid != t->owner) {
		snprintf(rep->msg, sizeof(rep->msg),
			 "the folder is owned by uid %u, not by uid %u",
			 (unsigned int)st.st_uid, (unsigned int)t->owner);
		rep->error = EPERM;
		rep->flags |= PH_REPLY_REFUSED;
	} else {
		goto out;
	}
	close(dfd);
	dfd = -1;
out:
	close(rootfd);
	return dfd;
}

static void ph_prepare(int dfd, struct ph_reply *rep)
{
	struct statvfs sv;

	if (fstatvfs(dfd, &sv) < 0) {
		ph_fail(rep, errno, "cannot read the free space");
		return;
	}
	rep->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	rep->used_bytes = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
}

static void ph_stat(int dfd, const char *name, struct ph_reply *rep)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			ph_fail(rep, errno, "cannot look at %s", name);
		return;
	}
	rep->flags |= PH_REPLY_EXISTS;
	if (S_ISREG(st.st_mode))
		rep->flags |= PH_REPLY_REGULAR;
	rep->size = (uint64_t)st.st_size;
}

/* @name for reading: a regular file (O_NONBLOCK: a FIFO must not hang us). */
static int ph_open_read(int dfd, const char *name, struct ph_reply *rep)
{
	int fd = ph_openat2(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
			    PH_RESOLVE | RESOLVE_BENEATH);
	struct stat st;

	if (fd < 0)
		return ph_fail(rep, errno, "cannot read %s", name), -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    fcntl(fd, F_SETFL, 0) < 0) {
		ph_fail(rep, EINVAL, "%s is not a regular file", name);
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove the temporary files a crash left for @name. */
static void ph_purge(int dfd, const char *name)
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
		if (ph_temp_valid(de->d_name, name))
			unlinkat(dfd, de->d_name, 0);
	closedir(dir);
}

static int ph_create_temp(int dfd, const char *name, struct ph_reply *rep)
{
	int fd = -1;

	ph_purge(dfd, name);
	for (int i = 0; fd < 0 && i < 100; i++) {
		unsigned int rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (unsigned int)getpid() ^ (unsigned int)(i * 7919);
		if (snprintf(rep->temp, sizeof(rep->temp), ".%s.%06x", name,
			     rnd & 0xffffff) >= (int)sizeof(rep->temp)) {
			errno = ENAMETOOLONG;
			break;
		}
		fd = openat(dfd, rep->temp, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		ph_fail(rep, errno, "cannot create a temporary file");
		rep->temp[0] = '\0';
	}
	return fd;
}

static void ph_commit(int dfd, const struct ph_request *req, struct ph_reply *rep)
{
	int r = linkat(dfd, req->temp, dfd, req->name, 0);
	int errnum = errno;

	unlinkat(dfd, req->temp, 0);
	if (r < 0)
		ph_fail(rep, errnum, "cannot name the document %s", req->name);
	else if (fsync(dfd) < 0)
		ph_fail(rep, errno, "cannot flush the folder");
}

void ph_ops_run(const struct ph_request *req, const struct ph_target *t,
		struct ph_reply *rep, int *fd)
{
	int dfd;

	ph_reply_init(rep, req);
	*fd = -1;
	dfd = ph_open_folder(req, t, rep);
	if (dfd < 0)
		return;
	switch (req->op) {
	case PH_OP_PREPARE:
		ph_prepare(dfd, rep);
		break;
	case PH_OP_STAT:
		ph_stat(dfd, req->name, rep);
		break;
	case PH_OP_OPEN_READ:
		*fd = ph_open_read(dfd, req->name, rep);
		break;
	case PH_OP_CREATE_TEMP:
		*fd = ph_create_temp(dfd, req->name, rep);
		break;
	case PH_OP_COMMIT:
		ph_commit(dfd, req, rep);
		break;
	case PH_OP_CHECK_FOLDER:	/* opening it was the check */
		break;
	case PH_OP_UNLINK_TEMP:
		if (unlinkat(dfd, req->temp, 0) < 0 && errno != ENOENT)
			ph_fail(rep, errno, "cannot remove %s", req->temp);
		break;
	}
	if (*fd >= 0)
		rep->flags |= PH_REPLY_FD;
	close(dfd);
}
