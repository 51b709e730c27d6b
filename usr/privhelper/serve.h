/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serve: the privilege helper's request loop on one connection.
 */
#ifndef MFPSCAN_PRIVHELPER_SERVE_H
#define MFPSCAN_PRIVHELPER_SERVE_H

#include "ph_trust.h"

/*
 * Answer requests on the SOCK_SEQPACKET socket @sock until the peer
 * closes it; each request is checked against @pol and done by a child
 * that becomes the user. Returns 0 at end of connection, -errno when the
 * socket fails.
 */
int serve_connection(int sock, const struct ph_policy *pol);

#endif
