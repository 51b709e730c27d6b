/* SPDX-License-Identifier: GPL-2.0 */
/*
 * udev_monitor: mfpscand's view of the engines through udev. A libudev
 * monitor of subsystem "mfpscan" (source "udev": events after the rules in
 * 70-mfpscan.rules have run) on the daemon's sd-event loop:
 *   - "add"/"remove" of /sys/class/mfpscan/mfpscanN are logged (hotplug of
 *     USB engines, sim instances going live or away); a job reading an
 *     engine that goes away ends with the band source's ENODEV, reported
 *     by the job as failed (device error) with the pages it kept;
 *   - "change" with MFPSCAN_EVENT=button and MFPSCAN_PROFILE=n is the
 *     panel's scan button: the job assigned to profile n starts on that
 *     engine (bus_profiles_trigger()). This is the one path from the button
 *     to a job; the udev rule does not RUN anything for it.
 * The functions are prefixed udevmon_ because libudev owns udev_monitor_*.
 */
#ifndef MFPSCAND_UDEV_MONITOR_H
#define MFPSCAND_UDEV_MONITOR_H

#include "daemon.h"

/*
 * Start watching (and log the engines present now). Returns 0, or a
 * negative errno after logging why (the daemon runs on without it). The
 * monitor is freed when the event loop exits.
 */
int udevmon_start(struct daemon *d);

/*
 * Parse MFPSCAN_PROFILE's value: decimal 1..99 without sign or spaces.
 * Returns the number, or -EINVAL.
 */
int udevmon_parse_profile(const char *s);

#endif
