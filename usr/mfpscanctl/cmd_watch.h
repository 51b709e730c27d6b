/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_watch: "mfpscanctl watch": print the daemon's events about the
 * caller's objects (uploads failed, recovered, needing attention; job and
 * spool state changes; objects added and removed) until interrupted.
 */
#ifndef MFPSCANCTL_CMD_WATCH_H
#define MFPSCANCTL_CMD_WATCH_H

#include <systemd/sd-bus.h>

/* "watch" with @argv[0] == "watch"; returns an exit code. */
int cmd_watch(sd_bus *bus, int argc, char **argv);

#endif
