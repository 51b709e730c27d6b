/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb_watch: mfpscand's view of the USB engines it drives with libusb
 * ([device.NAME] driver = libusb), the counterpart of udev_monitor.c for
 * engines that have no kernel driver:
 *   - libusb hotplug callbacks say when such an engine is plugged in and
 *     out (logged, and told to the plug listener, device_caps.c, at once;
 *     a job reading it when it goes ends with "scanner removed" from the
 *     band source);
 *   - while no job reads it and no kernel driver holds it, the watcher
 *     claims the engine's interface and reads its interrupt endpoint: the
 *     scan button starts the panel profile's job on that device, as the
 *     kernel driver's uevent does (bus_profiles_trigger()); paper, jam and
 *     cover events are logged. A job makes the watcher let go first
 *     (band_source_libusb_set_arbiter()) and the watcher takes the engine
 *     back when the job has closed it.
 * One engine per VID:PID: with two alike plugged in, the first is watched
 * (and the band source opens the first libusb lists). A button pressed
 * while a job holds the engine is read when the watcher takes it back, if
 * the engine kept it (the emulator does), and then starts its job.
 * libusb runs on its own thread; what reaches the bus is posted to the main
 * thread (daemon_post()).
 */
#ifndef MFPSCAND_USB_WATCH_H
#define MFPSCAND_USB_WATCH_H

#include <stdbool.h>

#include "daemon.h"

/*
 * Start watching the libusb devices of d->config (none configured: does
 * nothing). Returns 0, or a negative errno after logging why (the daemon
 * runs on without it: jobs still work, the button does not). Stopped and
 * freed when the event loop exits.
 */
int usb_watch_start(struct daemon *d);

/*
 * Whether the engine of @spec (a "libusb:..." path) is plugged in, as the
 * watcher last saw it: 1 yes, 0 no, -1 not watched (open it to know).
 * Any thread.
 */
int usb_watch_present(const char *spec);

/*
 * A plug listener: engine @device ([device.NAME]) was plugged in
 * (@present) or out, as libusb hotplug says; once per engine at start
 * too. Runs on the watcher's thread (or usb_watch_start()'s) with no
 * watcher lock held; it must not call back into usb_watch.
 */
typedef void (*usb_watch_plug_fn)(void *ud, const char *device, bool present);

/*
 * Set the one plug listener (@fn NULL: none), so that what depends on an
 * engine being there (device_caps.c) learns of it the moment it changes,
 * not when it next asks. Any thread; once it returns, the previous
 * listener is not running and will not be called again.
 */
void usb_watch_listen(usb_watch_plug_fn fn, void *ud);

#endif
