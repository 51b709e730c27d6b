// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-ph-call: speak to a socket-activated mfpscan-privhelper by hand,
 * for the privilege separation tests (tests/integration/test_privsep.sh)
 * and for administrators checking a setup.
 *   mfpscan-ph-call SOCKET OP UID FOLDER [NAME [TEMP]]
 *       one request (OP: prepare, stat, open-read, create-temp, commit,
 *       unlink-temp, check-folder); prints the reply as
 *       "error=N flags=0xF fd=yes|no temp=T msg=M".
 *   mfpscan-ph-call SOCKET --raw N      N bytes of garbage as one message
 *   mfpscan-ph-call SOCKET --version V  a valid request with version V
 * Exit status: 0 when the reply's error is 0, 1 when it is not, 2 when
 * there was no reply (connection refused or closed) or on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ph_proto.h"

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("mfpscan-ph-call: connect");
		close(fd);
		return -1;
	}
	return fd;
}

static int op_from_name(const char *name)
{
	for (unsigned int op = 1; op < PH_OP_COUNT; op++)
		if (strcmp(ph_op_name(op), name) == 0)
			return (int)op;
	return -1;
}

/* Receive and print one reply; the exit status. */
static int show_reply(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct ph_reply rep;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	bool fd = c && c->cmsg_type == SCM_RIGHTS;

	if (n <= 0 || ph_reply_decode(&rep, (size_t)n, &rep) < 0) {
		fprintf(stderr, "mfpscan-ph-call: no reply\n");
		return 2;
	}
	printf("error=%d flags=0x%x fd=%s temp=%s msg=%s\n", rep.error,
	       (unsigned int)rep.flags, fd ? "yes" : "no", rep.temp, rep.msg);
	return rep.error ? 1 : 0;
}

static int send_raw(int sock, size_t len)
{
	char *buf = malloc(len ? len : 1);
	int r;

	if (!buf)
		return 2;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(rand() & 0xff);
	r = send(sock, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : 2;
	free(buf);
	return r;
}

int main(int argc, char **argv)
{
	struct ph_request req;
	int sock, op;

	if (argc < 4)
		goto usage;
	sock = connect_to(argv[1]);
	if (sock < 0)
		return 2;
	if (strcmp(argv[2], "--raw") == 0) {
		if (send_raw(sock, strtoul(argv[3], NULL, 10)))
			return 2;
		return show_reply(sock);
	}
	if (strcmp(argv[2], "--version") == 0) {
		ph_request_init(&req, PH_OP_PREPARE, 1000, "/srv", NULL, NULL);
		req.version = (uint16_t)strtoul(argv[3], NULL, 10);
		if (send(sock, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
			return 2;
		return show_reply(sock);
	}
	op = op_from_name(argv[2]);
	if (op < 0 || argc < 5 ||
	    ph_request_init(&req, op, (uid_t)strtoul(argv[3], NULL, 10), argv[4],
			    argc > 5 ? argv[5] : NULL, argc > 6 ? argv[6] : NULL) < 0)
		goto usage;
	if (send(sock, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return 2;
	return show_reply(sock);
usage:
	fprintf(stderr, "usage: mfpscan-ph-call SOCKET OP UID FOLDER [NAME [TEMP]]\n"
		"       mfpscan-ph-call SOCKET --raw N | --version V\n");
	return 2;
}
