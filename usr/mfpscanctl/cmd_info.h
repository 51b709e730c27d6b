/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_info: the read-only commands: "mfpscanctl caps" (what the scanners
 * can do, Manager.GetCapabilities) and "mfpscanctl jobs" (the caller's
 * jobs, Manager.ListJobs and each job's properties).
 */
#ifndef MFPSCANCTL_CMD_INFO_H
#define MFPSCANCTL_CMD_INFO_H

#include <systemd/sd-bus.h>

/* "caps" with @argv[0] == "caps"; returns an exit code. */
int cmd_caps(sd_bus *bus, int argc, char **argv);

/* "jobs" with @argv[0] == "jobs"; returns an exit code. */
int cmd_jobs(sd_bus *bus, int argc, char **argv);

#endif
