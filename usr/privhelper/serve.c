// SPDX-License-Identifier: GPL-2.0
/*
 * serve: one request at a time. The helper (root) reads a message of at
 * most one request's size, decodes it (ph_proto) and applies the trust
 * rules (ph_trust): anything else is answered with PH_REPLY_REFUSED and
 * logged. A request that passes is done by a forked child that drops to
 * the user for good (initgroups, setresgid, setresuid) before it touches
 * the file system, so the kernel's own permission checks are the user's;
 * the child sends the reply (and its descriptor) itself. The parent keeps
 * root and never opens a user's file. Each function releases what it
 * opened before it returns (no goto needed).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ph_ops.h"
#include "ph_proto.h"
#include "serve.h"

#define SERVE_CHILD_TIMEOUT_S	120	/* a hung NFS server must not hang us */

static int serve_send(int sock, const struct ph_reply *rep, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)rep, .iov_len = sizeof(*rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rep) ? 0 : -EIO;
}

/* Answer @req (or a message that did not decode: @req NULL) with a refusal. */
static int serve_refuse(int sock, const struct ph_request *req, int errnum,
			const char *why)
{
	struct ph_request none = { .op = 0 };
	struct ph_reply rep;

	ph_reply_init(&rep, req ? req : &none);
	rep.error = errnum;
	rep.flags = PH_REPLY_REFUSED;
	snprintf(rep.msg, sizeof(rep.msg), "refused: %s", why);
	if (req)
		log_msg(LOG_WARNING, "privhelper: refused %s as uid %u in %s: %s",
			ph_op_name(req->op), (unsigned int)req->uid, req->folder, why);
	else
		log_msg(LOG_WARNING, "privhelper: refused a message: %s", why);
	return serve_send(sock, &rep, -1);
}

/* In the child: become @pw for good, do @req, reply. Never returns. */
static void serve_child(int sock, const struct ph_request *req,
			const struct ph_policy *pol, size_t root,
			const char *rel, const struct passwd *pw)
{
	struct ph_target t = { pol->roots[root], rel, pw->pw_uid };
	struct ph_reply rep;
	int fd = -1;

	alarm(SERVE_CHILD_TIMEOUT_S);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0 ||
	    setresuid(0, 0, 0) == 0) {
		log_errno(LOG_ERR, errno, "privhelper: cannot become uid %u",
			  (unsigned int)pw->pw_uid);
		_exit(1);
	}
	ph_ops_run(req, &t, &rep, &fd);
	if (rep.flags & PH_REPLY_REFUSED)
		log_msg(LOG_WARNING, "privhelper: refused %s as uid %u in %s: %s",
			ph_op_name(req->op), (unsigned int)req->uid, req->folder,
			rep.msg);
	_exit(serve_send(sock, &rep, fd) < 0 ? 1 : 0);
}

/* Check @req against the rules, then fork the child that does it. */
static int serve_request(int sock, const struct ph_request *req,
			 const struct ph_policy *pol)
{
	char why[PH_MSG_MAX], pwbuf[4096];
	struct passwd pwd, *pw = NULL;
	const char *rel;
	size_t root;
	int status;
	pid_t pid;

	if (ph_trust_uid(pol, req->uid, why, sizeof(why)) < 0 ||
	    ph_trust_folder(pol, req->folder, &root, &rel, why, sizeof(why)) < 0)
		return serve_refuse(sock, req, EPERM, why);
	if (getpwuid_r(req->uid, &pwd, pwbuf, sizeof(pwbuf), &pw) != 0 || !pw)
		return serve_refuse(sock, req, EPERM, "the uid has no passwd entry");
	pid = fork();
	if (pid < 0)
		return serve_refuse(sock, req, errno, "cannot fork");
	if (pid == 0)
		serve_child(sock, req, pol, root, rel, pw);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	log_msg(LOG_ERR, "privhelper: the worker for %s as uid %u failed (status 0x%x)",
		ph_op_name(req->op), (unsigned int)req->uid, (unsigned int)status);
	return serve_refuse(sock, req, EIO, "the worker failed");
}

/* One message; descriptors sent to us are closed unread. 0, 1 at EOF, -errno. */
static int serve_one(int sock, const struct ph_policy *pol)
{
	char data[sizeof(struct ph_request) + 1], why[PH_MSG_MAX];
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct ph_request req;
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(fd);
			}
	if ((size_t)n > sizeof(struct ph_request))
		return serve_refuse(sock, NULL, EMSGSIZE, "message larger than a request");
	if (ph_request_decode(data, (size_t)n, &req, why, sizeof(why)) < 0)
		return serve_refuse(sock, NULL, EBADMSG, why);
	return serve_request(sock, &req, pol);
}

int serve_connection(int sock, const struct ph_policy *pol)
{
	int r;

	while ((r = serve_one(sock, pol)) == 0)
		;
	return r == 1 || r == -ECONNRESET || r == -EIO ? 0 : r;
}
