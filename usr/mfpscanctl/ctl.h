/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl: what every part of mfpscanctl shares: the daemon's fixed D-Bus
 * names and the documented exit codes (Documentation/mfpscanctl.1).
 * Constants only; the code lives in the modules that use them.
 */
#ifndef MFPSCANCTL_CTL_H
#define MFPSCANCTL_CTL_H

#define CTL_DEST		"org.mfpscan.Daemon1"
#define CTL_PATH		"/org/mfpscan/Daemon1"
#define CTL_IFACE_MANAGER	"org.mfpscan.Daemon1.Manager"
#define CTL_IFACE_ACCOUNT	"org.mfpscan.Daemon1.Account"
#define CTL_IFACE_JOB		"org.mfpscan.Daemon1.Job"
#define CTL_IFACE_SPOOL		"org.mfpscan.Daemon1.SpoolEntry"
#define CTL_PATH_SPOOL		CTL_PATH "/spool/"
#define CTL_PATH_JOB		CTL_PATH "/job/"
#define CTL_PATH_ACCOUNT	CTL_PATH "/account/"

/* Exit codes; scripts rely on them, keep them stable. */
enum ctl_exit {
	CTL_EXIT_OK = 0,	/* done (scan: the document was delivered) */
	CTL_EXIT_FAIL = 1,	/* the daemon refused or the job failed */
	CTL_EXIT_SPOOLED = 2,	/* scan: kept in the spool, will be retried */
	CTL_EXIT_USAGE = 64,	/* bad command line (EX_USAGE) */
};

/* Timeout of calls that may talk to a storage server (Check, Scan). */
#define CTL_SLOW_CALL_USEC	(120ULL * 1000 * 1000)

#endif
