/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_profile: "mfpscanctl profile set N --to ACCOUNT [scan options] | list |
 * clear N": the caller's panel profiles (Manager.AssignProfile,
 * ListProfiles, ClearProfile). A profile is what the engine's scan button
 * starts: the button's profile number picks the account and the settings.
 */
#ifndef MFPSCANCTL_CMD_PROFILE_H
#define MFPSCANCTL_CMD_PROFILE_H

#include <systemd/sd-bus.h>

/* Run "profile" with argv[0] == "profile"; returns an enum ctl_exit code. */
int cmd_profile(sd_bus *bus, int argc, char **argv);

#endif
