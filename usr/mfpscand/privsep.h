/* SPDX-License-Identifier: GPL-2.0 */
/*
 * privsep: how mfpscand gives up root (Documentation/privsep.rst).
 */
#ifndef MFPSCAN_PRIVSEP_H
#define MFPSCAN_PRIVSEP_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

/*
 * Before the bus, any network or thread. Started as root: start the
 * privilege helper on a socketpair, give state and spool to @c->user
 * (migration of an install that ran as root), drop to that user for good
 * and check root cannot come back. Started as another user: connect to
 * the helper's socket (@c->privhelper_socket). With user = root nothing
 * is dropped (the helper still does the local writes). 0 or -errno with
 * @e filled; the daemon must not start then.
 */
int privsep_setup(const struct config *c, const char *config_path,
		  bool log_stderr, struct err *e);

/* Close the helper's connection and reap the helper we started. */
void privsep_teardown(void);

#endif
