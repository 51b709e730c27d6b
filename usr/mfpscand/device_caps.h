/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device_caps: what each configured device can do, probed in a worker
 * thread and answered from memory, so that GetCapabilities and Scan never
 * open a device on the main loop (issue 11). Each device is probed once
 * when the daemon starts, again when it is asked to (hotplug, a udev
 * change, a failed job, a USB engine plugged back in that was never
 * probed), and never while the main loop waits: a device being probed is
 * reported as such. A libusb engine plugged in or out is known the moment
 * the USB watcher sees it (its plug listener, usb_watch_listen()).
 * The prefix is devcaps_.
 */
#ifndef MFPSCAND_DEVICE_CAPS_H
#define MFPSCAND_DEVICE_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/mfpscan.h>

#include "config.h"
#include "err.h"

struct devcaps;

/* What is known of one device now (devcaps_get()). */
struct devcaps_view {
	bool probing;		/* a probe is queued or running */
	bool available;		/* caps hold the device's capabilities */
	bool busy;		/* its last probe found it in use */
	struct mfpscan_caps caps;
	char reason[ERR_MSG_MAX];	/* why not available */
};

/*
 * Start the worker for the @c->n_devices devices of @c (which must outlive
 * it) and queue a probe of each. 0 and *@out, or a negative errno with @e.
 */
int devcaps_start(const struct config *c, struct devcaps **out,
		  struct err *e);

/*
 * Wait until every device's first probe has ended, at most @timeout_ms:
 * for the start, before the daemon serves the bus (not on its loop). 0, or
 * -ETIMEDOUT (the devices still probing are reported as such).
 */
int devcaps_wait_first(struct devcaps *dc, unsigned int timeout_ms);

/* Stop the worker (a probe running is finished first) and free. NULL ok. */
struct devcaps *devcaps_stop(struct devcaps *dc);

/* Probe device @i (config order) again soon; any thread, never waits. */
void devcaps_refresh(struct devcaps *dc, size_t i);

/* Probe every device again soon (udev add/remove/change). */
void devcaps_refresh_all(struct devcaps *dc);

/* What is known of device @i, copied to @v; never waits for a probe. */
void devcaps_get(struct devcaps *dc, size_t i, struct devcaps_view *v);

#endif
