/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ph_ops: the file operations of a "local" destination, done with the
 * credentials of the calling process and never through a symbolic link:
 * the folder is resolved from a directory fd with openat2(RESOLVE_BENEATH
 * | RESOLVE_NO_SYMLINKS), everything else is relative to the folder's fd.
 * The privilege helper runs them in a child that became the user; without
 * a helper (mfpscan-upload, unit tests) upload_local runs them in-process.
 */
#ifndef MFPSCAN_PH_OPS_H
#define MFPSCAN_PH_OPS_H

#include <sys/types.h>

#include <mfpscan/privhelper.h>

struct ph_target {
	const char *root;	/* absolute, resolved without symbolic links */
	const char *rel;	/* the folder below @root, no leading '/' */
	uid_t owner;		/* the folder's required owner; (uid_t)-1: any */
};

/*
 * Do @req (already decoded and trusted) in @t's folder. Fills @rep (error
 * 0 or a positive errno, PH_REPLY_REFUSED when the path had a symbolic
 * link or the folder another owner, msg) and sets *@fd to the descriptor
 * the operation hands back (OPEN_READ, CREATE_TEMP) or -1.
 */
void ph_ops_run(const struct ph_request *req, const struct ph_target *t,
		struct ph_reply *rep, int *fd);

#endif
