/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ph_client: the daemon's end of the privilege helper (privsep.rst). Once
 * a connection is installed, every local-destination operation is one
 * request and one reply on it; without one (mfpscan-upload, unit tests)
 * the operation runs in-process with the caller's own credentials, still
 * through ph_ops (no symbolic links followed).
 */
#ifndef MFPSCAN_PH_CLIENT_H
#define MFPSCAN_PH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <mfpscan/privhelper.h>

#include "err.h"

/* Use the SOCK_SEQPACKET socket @fd (owned from now on; -1: none). */
void ph_client_set(int fd);

/*
 * The helper was needed but not reachable at @where: local operations
 * fail (class local) instead of running in-process as the daemon's user.
 */
void ph_client_set_unavailable(const char *where);

/* Is a helper connection installed? */
bool ph_client_active(void);

/*
 * Send @req and wait for its reply in @rep; *@fd gets the descriptor that
 * came with it, or -1. 0 (look at rep->error for the operation's outcome)
 * or a negative errno with @e filled (class local) when the helper cannot
 * be reached or answered nonsense. Thread-safe: one request at a time.
 */
int ph_call(const struct ph_request *req, struct ph_reply *rep, int *fd,
	    struct err *e);

/*
 * Is @folder an existing directory of @uid's, inside the allowed roots,
 * reached without symbolic links (as the helper will see it at upload)?
 * 0, or -errno with a sentence for the account's owner in @why.
 */
int ph_check_folder(const char *folder, uid_t uid, char *why, size_t why_len);

#endif
