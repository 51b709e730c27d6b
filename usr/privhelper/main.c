// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-privhelper: the one privileged piece of mfpscan
 * (Documentation/privsep.rst). It opens, creates and names files in
 * "local" destination folders as the folder's owner, for mfpscand, which
 * runs as the unprivileged user mfpscan. Two ways to get its connection:
 *   --fd N   a socketpair end inherited from mfpscand started as root;
 *   socket activation (systemd, Accept=yes): the connection is fd 3
 *            (LISTEN_FDS=1), and its peer must be the daemon's user.
 * It reads its rules ([local] allowed_roots, min_uid; [daemon] user) from
 * the configuration file itself, which must be root's and not writable by
 * others: the daemon cannot widen them.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ph_trust.h"
#include "serve.h"

#define LOGIN_DEFS	"/etc/login.defs"
#define UID_MIN_DEFAULT	1000

struct options {
	const char *config;
	int fd;
	bool log_stderr;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "fd", required_argument, NULL, 'f' },
		{ "log-stderr", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	o->config = CONFIG_DEFAULT_PATH;
	o->fd = -1;
	while ((c = getopt_long(argc, argv, "c:f:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'f':
			o->fd = (int)strtol(optarg, &end, 10);
			if (*end || o->fd < 3)
				return -1;
			break;
		case 's': o->log_stderr = true; break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* The configuration file must be root's, not writable by anyone else. */
static int check_config_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		log_errno(LOG_ERR, errno, "privhelper: %s", path);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		log_msg(LOG_ERR, "privhelper: %s must be owned by root and writable only by root",
			path);
		return -1;
	}
	return 0;
}

/* UID_MIN from /etc/login.defs, or 1000. */
static uid_t login_defs_uid_min(void)
{
	char text[16384];
	FILE *f = fopen(LOGIN_DEFS, "re");
	size_t n;

	if (!f)
		return UID_MIN_DEFAULT;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return ph_login_defs_uid_min(text, UID_MIN_DEFAULT);
}

static int load_policy(const char *path, struct ph_policy *pol, uid_t *user)
{
	struct config *c = NULL;
	char why[256];
	struct passwd *pw;
	struct err e;

	if (check_config_file(path) < 0)
		return -1;
	if (config_load(path, true, &c, &e) < 0) {
		log_msg(LOG_ERR, "privhelper: %s", e.msg);
		return -1;
	}
	pol->min_uid = c->local_min_uid ? c->local_min_uid : login_defs_uid_min();
	if (ph_policy_set_roots(pol, c->local_allowed_roots, why, sizeof(why)) < 0) {
		log_msg(LOG_ERR, "privhelper: %s: %s", path, why);
		config_free(c);
		return -1;
	}
	pw = getpwnam(c->user);
	*user = pw ? pw->pw_uid : (uid_t)-1;
	config_free(c);
	return 0;
}

/* Socket activation: fd 3, the peer must be @user (the daemon's). */
static int activated_fd(uid_t user)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (!pid || !fds || strtol(pid, NULL, 10) != getpid() || strcmp(fds, "1")) {
		log_msg(LOG_ERR, "privhelper: no --fd and not socket-activated with one connection");
		return -1;
	}
	if (getsockopt(3, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_errno(LOG_ERR, errno, "privhelper: SO_PEERCRED");
		return -1;
	}
	if (cred.uid != user || user == (uid_t)-1) {
		log_msg(LOG_WARNING, "privhelper: refused a connection from uid %u pid %d: only the daemon's user (uid %d) may connect",
			(unsigned int)cred.uid, (int)cred.pid, (int)user);
		return -1;
	}
	return 3;
}

int main(int argc, char **argv)
{
	struct ph_policy pol = { .n_roots = 0 };
	struct options o = { 0 };
	uid_t user;
	int sock, r;

	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: mfpscan-privhelper [--config FILE] [--fd N] [--log-stderr]\n");
		return 2;
	}
	log_open("mfpscan-privhelper", !o.log_stderr, LOG_INFO);
	if (geteuid() != 0) {
		log_msg(LOG_ERR, "privhelper: must run as root");
		return 1;
	}
	if (load_policy(o.config, &pol, &user) < 0)
		return 1;
	sock = o.fd >= 0 ? o.fd : activated_fd(user);
	if (sock < 0) {
		ph_policy_clear(&pol);
		return 1;
	}
	r = serve_connection(sock, &pol);
	if (r < 0)
		log_errno(LOG_ERR, -r, "privhelper: connection");
	close(sock);
	ph_policy_clear(&pol);
	return r < 0 ? 1 : 0;
}
