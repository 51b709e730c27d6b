/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_trigger: "mfpscanctl trigger [--device ENGINE] --profile N
 * [--no-wait]": press the scan button of an engine as udev would
 * (Manager.Trigger, root only). It never waits for the scan itself: it
 * prints the job's path once the daemon has accepted the job (or, with
 * --no-wait, returns as soon as the call is sent), so that it is safe in a
 * udev RUN+= rule.
 */
#ifndef MFPSCANCTL_CMD_TRIGGER_H
#define MFPSCANCTL_CMD_TRIGGER_H

#include <systemd/sd-bus.h>

/* Run "trigger" with argv[0] == "trigger"; returns an enum ctl_exit code. */
int cmd_trigger(sd_bus *bus, int argc, char **argv);

#endif
