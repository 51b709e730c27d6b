/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_scan: "mfpscanctl scan --to NAME [options]": start a scan with
 * Manager.Scan and follow the job to its end.
 */
#ifndef MFPSCANCTL_CMD_SCAN_H
#define MFPSCANCTL_CMD_SCAN_H

#include <systemd/sd-bus.h>

/*
 * Run "scan ..." with @argv[0] == "scan". Exit code: 0 the document was
 * delivered, 2 it was kept in the spool for retries, 1 failure.
 */
int cmd_scan(sd_bus *bus, int argc, char **argv);

#endif
