// SPDX-License-Identifier: GPL-2.0
/*
 * privsep: mfpscand as the user mfpscan. Run as root (no systemd, the
 * test harness, appliances), it makes a SOCK_SEQPACKET socketpair, forks
 * and execs mfpscan-privhelper with one end as fd 3 (the helper is the
 * only process that keeps root), chowns the state and spool trees that
 * a root install left to the service user, and drops for good:
 * setgroups (the user's groups, e.g. scanner), setresgid, setresuid, no
 * capabilities, PR_SET_NO_NEW_PRIVS, then proves that setresuid(0) fails.
 * Run as the user already (systemd User=mfpscan), it connects to the
 * helper's socket, which systemd activates per connection. A failed
 * step stops the daemon's start (nothing half-dropped runs); the helper
 * ends at EOF when the daemon goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/syscall.h>

#include "log.h"
#include "ph_client.h"
#include "privsep.h"

#ifndef PRIVHELPER_PATH
#define PRIVHELPER_PATH "/usr/libexec/mfpscan/mfpscan-privhelper"
#endif
#define HELPER_FD 3

static pid_t helper_pid = -1;

/* The helper program: configured, next to our own binary, or installed. */
static void helper_path(const struct config *c, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;

	if (c->privhelper) {
		snprintf(out, len, "%s", c->privhelper);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(out, len, "%s/mfpscan-privhelper", dirname(self));
		if (access(out, X_OK) == 0)
			return;
	}
	snprintf(out, len, "%s", PRIVHELPER_PATH);
}

/* In the child: the socket as fd 3, nothing else open; never returns. */
static void helper_exec(const char *path, int sock, const char *config_path,
			bool log_stderr)
{
	char *argv[] = { (char *)path, "--fd", "3", "--config",
			 (char *)config_path, log_stderr ? "--log-stderr" : NULL, NULL };

	if (dup2(sock, HELPER_FD) < 0)
		_exit(127);
	syscall(SYS_close_range, HELPER_FD + 1, ~0U, 0);
	execv(path, argv);
	log_errno(LOG_ERR, errno, "privsep: cannot run %s", path);
	_exit(127);
}

static int start_helper(const struct config *c, const char *config_path,
			bool log_stderr, struct err *e)
{
	char path[PATH_MAX];
	int sv[2];

	helper_path(c, path, sizeof(path));
	if (access(path, X_OK) < 0)
		return err_set(e, ERR_LOCAL, errno, errno,
			       "privsep: the privilege helper %s cannot run: %s",
			       path, strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "privsep: socketpair: %s",
			       strerror(errno));
	helper_pid = fork();
	if (helper_pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_set(e, ERR_LOCAL, errno, errno, "privsep: fork: %s",
			       strerror(errno));
	}
	if (helper_pid == 0)
		helper_exec(path, sv[1], config_path, log_stderr);
	close(sv[1]);
	ph_client_set(sv[0]);
	log_msg(LOG_INFO, "privsep: privilege helper %s started (pid %d)", path,
		(int)helper_pid);
	return 0;
}

static uid_t migrate_uid;
static gid_t migrate_gid;
static unsigned int migrate_count;

static int migrate_one(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	if (st->st_uid == migrate_uid && st->st_gid == migrate_gid)
		return 0;
	if (lchown(path, migrate_uid, migrate_gid) < 0)
		log_errno(LOG_WARNING, errno, "privsep: cannot give %s to the service user", path);
	else
		migrate_count++;
	return 0;
}

/* State and spool written by a daemon that ran as root: give them to @pw. */
static int migrate_tree(const char *dir, const struct passwd *pw, struct err *e)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_LOCAL, errno, errno, "privsep: cannot create %s: %s",
			       dir, strerror(errno));
	migrate_uid = pw->pw_uid;
	migrate_gid = pw->pw_gid;
	migrate_count = 0;
	if (nftw(dir, migrate_one, 32, FTW_PHYS | FTW_MOUNT) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "privsep: cannot walk %s: %s",
			       dir, strerror(errno));
	if (migrate_count)
		log_msg(LOG_NOTICE, "privsep: %s: %u files and directories given to %s (first start without root)",
			dir, migrate_count, pw->pw_name);
	return 0;
}

/* No capability in any set, and root cannot come back. */
static int verify_dropped(struct err *e)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	/* zeroed: valgrind does not know what capget writes */
	struct __user_cap_data_struct d[2] = { { 0 }, { 0 } };

	if (syscall(SYS_capget, &h, d) < 0 ||
	    d[0].effective || d[0].permitted || d[1].effective || d[1].permitted)
		return err_set(e, ERR_LOCAL, EPERM, EPERM, "privsep: capabilities remain after the drop");
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0 || geteuid() == 0)
		return err_set(e, ERR_LOCAL, EPERM, EPERM, "privsep: root could be regained");
	return 0;
}

static int drop_to(const struct passwd *pw, struct err *e)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "privsep: cannot become %s: %s",
			       pw->pw_name, strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "privsep: PR_SET_NO_NEW_PRIVS: %s",
			       strerror(errno));
	return verify_dropped(e);
}

static int as_root(const struct config *c, const char *config_path,
		   bool log_stderr, struct err *e)
{
	struct passwd *pw = NULL;
	int r;

	if (strcmp(c->user, "root") != 0) {
		pw = getpwnam(c->user);
		if (!pw)
			return err_set(e, ERR_INVALID, ENOENT, ENOENT,
				       "privsep: the service user \"%s\" does not exist (create it: systemd-sysusers, or useradd --system %s)",
				       c->user, c->user);
	}
	r = start_helper(c, config_path, log_stderr, e);
	if (r < 0 || !pw) {
		if (!r)
			log_msg(LOG_WARNING, "privsep: [daemon] user = root: mfpscand keeps root (only local writes are separated)");
		return r;
	}
	r = migrate_tree(c->state_dir, pw, e);
	if (r == 0)
		r = migrate_tree(c->spool_dir, pw, e);
	if (r == 0)
		r = drop_to(pw, e);
	if (r == 0)
		log_msg(LOG_INFO, "privsep: running as %s (uid %u), no capabilities",
			pw->pw_name, (unsigned int)pw->pw_uid);
	return r;
}

static int connect_helper(const char *path, struct err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
			       "privsep: socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int errnum = errno;

		if (fd >= 0)
			close(fd);
		/* not fatal: every destination but "local" works without it */
		log_msg(LOG_WARNING, "privsep: cannot connect to the privilege helper at %s: %s; local destinations will fail",
			path, strerror(errnum));
		ph_client_set_unavailable(path);
		return 0;
	}
	ph_client_set(fd);
	log_msg(LOG_INFO, "privsep: connected to the privilege helper at %s", path);
	return 0;
}

int privsep_setup(const struct config *c, const char *config_path,
		  bool log_stderr, struct err *e)
{
	if (geteuid() == 0)
		return as_root(c, config_path, log_stderr, e);
	return connect_helper(c->privhelper_socket, e);
}

void privsep_teardown(void)
{
	ph_client_set(-1);	/* the helper ends at EOF */
	if (helper_pid > 0)
		waitpid(helper_pid, NULL, 0);
	helper_pid = -1;
}
