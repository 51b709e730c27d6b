/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_accounts: "mfpscanctl accounts add|list|show|update|check|remove",
 * the caller's storage destinations (org.mfpscan.Daemon1.Account).
 */
#ifndef MFPSCANCTL_CMD_ACCOUNTS_H
#define MFPSCANCTL_CMD_ACCOUNTS_H

#include <systemd/sd-bus.h>

/* Run "accounts ..." with @argv[0] == "accounts"; returns an exit code. */
int cmd_accounts(sd_bus *bus, int argc, char **argv);

#endif
