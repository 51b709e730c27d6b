/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_spool: "mfpscanctl spool list|show|retry|export|discard": the
 * caller's documents whose upload failed and that the daemon keeps and
 * retries (org.mfpscan.Daemon1.SpoolEntry).
 */
#ifndef MFPSCANCTL_CMD_SPOOL_H
#define MFPSCANCTL_CMD_SPOOL_H

#include <systemd/sd-bus.h>

/* "spool ..." with @argv[0] == "spool"; returns an exit code. */
int cmd_spool(sd_bus *bus, int argc, char **argv);

#endif
