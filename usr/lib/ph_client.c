// SPDX-License-Identifier: GPL-2.0
/*
 * ph_client: one request, one reply over the helper's SOCK_SEQPACKET
 * socket, serialised by a mutex so that upload threads can share it; the
 * reply's descriptor arrives as SCM_RIGHTS. A reply that does not decode
 * or answers another operation means the helper is not what we think:
 * the call fails, nothing is retried on that answer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ph_client.h"
#include "ph_ops.h"
#include "ph_proto.h"

static pthread_mutex_t ph_lock = PTHREAD_MUTEX_INITIALIZER;	/* guards ph_fd and the socket's one outstanding request */
static int ph_fd = -1;
static char ph_missing[256];	/* set: needed but not reachable there */

void ph_client_set(int fd)
{
	pthread_mutex_lock(&ph_lock);
	if (ph_fd >= 0)
		close(ph_fd);
	ph_fd = fd;
	pthread_mutex_unlock(&ph_lock);
}

void ph_client_set_unavailable(const char *where)
{
	pthread_mutex_lock(&ph_lock);
	snprintf(ph_missing, sizeof(ph_missing), "%s", where);
	pthread_mutex_unlock(&ph_lock);
}

bool ph_client_active(void)
{
	bool on;

	pthread_mutex_lock(&ph_lock);
	on = ph_fd >= 0;
	pthread_mutex_unlock(&ph_lock);
	return on;
}

/* Receive one reply and its descriptor; 0 or -errno. */
static int ph_recv(int sock, struct ph_reply *rep, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char data[sizeof(struct ph_reply) + 1];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -ECONNRESET;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    ph_reply_decode(data, (size_t)n, rep) < 0)
		return -EBADMSG;
	return 0;
}

static int ph_exchange(const struct ph_request *req, struct ph_reply *rep,
		       int *fd)
{
	ssize_t n;
	int r;

	do
		n = send(ph_fd, req, sizeof(*req), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*req))
		return n < 0 ? -errno : -EIO;
	r = ph_recv(ph_fd, rep, fd);
	if (r == 0 && rep->op != req->op)
		r = -EBADMSG;
	if (r == 0 && !(rep->flags & PH_REPLY_FD) != (*fd < 0))
		r = -EBADMSG;
	return r;
}

int ph_call(const struct ph_request *req, struct ph_reply *rep, int *fd,
	    struct err *e)
{
	int r;

	*fd = -1;
	pthread_mutex_lock(&ph_lock);
	if (ph_fd < 0 && ph_missing[0]) {
		pthread_mutex_unlock(&ph_lock);
		return err_set(e, ERR_LOCAL, ENOTCONN, ENOTCONN,
			       "local: local folders need the privilege helper, which was not reachable at %s",
			       ph_missing);
	}
	if (ph_fd < 0) {
		struct ph_target t = { "/", req->folder + 1, (uid_t)-1 };

		pthread_mutex_unlock(&ph_lock);
		ph_ops_run(req, &t, rep, fd);
		return 0;
	}
	r = ph_exchange(req, rep, fd);
	pthread_mutex_unlock(&ph_lock);
	if (r < 0) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return err_set(e, ERR_LOCAL, -r, -r,
			       "local: the privilege helper did not answer %s: %s",
			       ph_op_name(req->op), strerror(-r));
	}
	return 0;
}

/* The sentence an account's owner reads for a folder the helper refused. */
static const char *ph_folder_why(const struct ph_reply *rep)
{
	if (rep->error == ENOENT || rep->error == ENOTDIR)
		return "a local folder must be an existing directory";
	if (rep->error == ELOOP || rep->error == EXDEV)
		return "a local folder must be named by its canonical path (no symbolic links)";
	if (strstr(rep->msg, "owned by uid"))
		return "a local folder must be a directory you own";
	if (strstr(rep->msg, "allowed root"))
		return "a local folder must be inside a folder the administrator allows ([local] allowed_roots)";
	if (strstr(rep->msg, "uid "))
		return "local folders are not available to root and system users";
	return NULL;
}

int ph_check_folder(const char *folder, uid_t uid, char *why, size_t why_len)
{
	struct ph_request req;
	struct ph_reply rep;
	struct err e;
	const char *s;
	int fd, r;

	if (ph_request_init(&req, PH_OP_CHECK_FOLDER, uid, folder, NULL, NULL) < 0) {
		snprintf(why, why_len, "a local folder must be an absolute path without \".\", \"..\" or \"//\" components");
		return -EINVAL;
	}
	r = ph_call(&req, &rep, &fd, &e);
	if (r < 0) {
		snprintf(why, why_len, "%s", e.msg);
		return r;
	}
	if (fd >= 0)
		close(fd);
	if (rep.error == 0)
		return 0;
	s = ph_folder_why(&rep);
	snprintf(why, why_len, "%s (%s)", s ? s : "the folder cannot be used", rep.msg);
	return -rep.error;
}
