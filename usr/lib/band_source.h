/* SPDX-License-Identifier: GPL-2.0 */
/*
 * band_source: one interface over where a scan's bands come from, the
 * "reader" stage of the pipeline (engine -> ring -> reader -> encoder ->
 * uploader). Backends:
 *   "/dev/mfpscan0"        the kernel device, bands through read();
 *   "/dev/mfpscan0#mmap"   the kernel device, zero-copy from the mapped ring;
 *   "pattern:[opts]"       a userspace engine that produces exactly the
 *                          record stream of the kernel's sim engine (for
 *                          machines without the module, tests, benchmarks).
 * Whatever the backend, every record is checked the same way before the
 * caller sees it (magic, sizes, page/band/line sequence, flags, CRC-32), and
 * an engine error band becomes a struct err of class ERR_DEVICE.
 *
 * Usage: open, (caps), start(params), next() until it returns 0 (after the
 * JOB_END band) or < 0, close. One job at a time per source; start again
 * for the next job. Not thread-safe: one thread drives a source.
 *
 * Pattern options (comma separated after "pattern:"):
 *   adf=N          sheets loaded in the ADF (default 10; 0 = empty)
 *   jam=P:L        paper jam on page P (from 0) when line L is reached
 *   sensor=P:L     image sensor failure at page P line L
 *   remove=P:L     the engine disappears at page P line L
 *   cover          the cover is open (the job fails at start)
 *   corrupt=P:B    band B of page P carries a wrong CRC (tests the checker)
 *   stall=P:L      the engine stalls for good at page P line L (tests that
 *                  Cancel and shutdown do not wait for it: only the wake
 *                  descriptor ends the wait)
 *   image=FILE     page content from a PNG/PGM/PPM (page_image.h) instead of
 *                  the formula; up to 8, page P shows image P mod their number
 *   dpi=N          the images' resolution (default: a PNG's pHYs, else 300)
 * As in the sim engine, a fault replaces the band that contains line L:
 * the bands before it arrive, then a zero-line band with ERROR|PAGE_END|
 * JOB_END, the error code and first_line = that band's first line. Pages
 * (params.pages) count page images: ADF duplex yields 2 per sheet; with
 * more pages asked than sheets loaded the job ends when the ADF is empty.
 */
#ifndef MFPSCAN_BAND_SOURCE_H
#define MFPSCAN_BAND_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/mfpscan.h>

#include "err.h"

struct band_source;

/* One checked band; both pointers stay valid until the next call. */
struct band_view {
	const struct mfpscan_band *hdr;
	const uint8_t *payload;		/* hdr->payload_bytes bytes */
};

/*
 * Open the band source named by @spec (see above). On success *@out owns
 * the device; on failure returns a negative errno with @e set (ERR_INVALID
 * for a bad spec or options, ERR_DEVICE for a device that cannot be used).
 */
int band_source_open(const char *spec, struct band_source **out,
		     struct err *e);

/* The engine's capabilities (cached after the first call). */
int band_source_caps(struct band_source *s, struct mfpscan_caps *caps,
		     struct err *e);

/*
 * Validate @params against the capabilities (ERR_INVALID naming the field
 * on failure, nothing started), set them on the engine and start a job.
 * On success the derived geometry of @params is filled in. -EBUSY while
 * the previous job is still running (read it to the end or abort it). A
 * kernel device left in the overrun state is recovered first.
 */
int band_source_start(struct band_source *s, struct mfpscan_params *params,
		      struct err *e);

/*
 * Next band of the running job. Returns 1 with @out valid until the next
 * call, 0 once the JOB_END band has been returned (and for every call
 * after), or a negative errno with @e set: -EIO ERR_DEVICE for an engine
 * error band ("paper jam on page 2"), -EPIPE ERR_DEVICE for an overrun,
 * -ENODEV ERR_DEVICE when the scanner is removed, -EBADMSG ERR_DEVICE for a
 * malformed record. After an error the job is over; later calls return
 * the same error.
 */
int band_source_next(struct band_source *s, struct band_view *out,
		     struct err *e);

/* Abort the running job (nothing happens if none). */
int band_source_abort(struct band_source *s, struct err *e);

/*
 * Let another thread interrupt a next() that waits for the engine: @fd is
 * the caller's (an eventfd, say; it stays the caller's and must outlive
 * the source). Once @fd polls readable, a next() that waits, or would
 * wait, returns -EINTR (ERR_DEVICE "interrupted") at once, without ending
 * the job: the caller looks at why it was woken (a Cancel, a shutdown)
 * and aborts. A stalled engine then cannot hold Cancel or SIGTERM.
 */
void band_source_set_wake_fd(struct band_source *s, int fd);

/* A descriptor that polls readable when next() will not block, or -1 when
 * next() never blocks (the pattern engine). */
int band_source_poll_fd(struct band_source *s);

/* The parameters of the current job (valid after a successful start). */
const struct mfpscan_params *band_source_params(struct band_source *s);

/* Abort a running job, release everything. NULL is fine. */
void band_source_close(struct band_source *s);

/* Human message for an engine error code on @page (from 0). */
void band_source_error_message(uint32_t error, uint32_t page, char *buf,
			       size_t len);

/* --- backend interface (kernel, pattern, later libusb) ----------------- */

/* A raw record as a backend delivers it, before any check. */
struct band_record {
	struct mfpscan_band hdr;	/* a private copy of the header */
	const uint8_t *payload;		/* valid until the next next_record */
	size_t payload_avail;		/* bytes readable at @payload */
};

struct band_source_ops {
	const char *name;
	int (*caps)(void *priv, struct mfpscan_caps *caps, struct err *e);
	/* @p is already validated against caps; fill its geometry. */
	int (*start)(void *priv, struct mfpscan_params *p, struct err *e);
	/* 0 with @rec filled, or a negative errno with @e set. */
	int (*next_record)(void *priv, struct band_record *rec, struct err *e);
	int (*abort)(void *priv, struct err *e);
	/* Optional: the caller is done with the job's last record. */
	void (*release)(void *priv);
	int (*poll_fd)(void *priv);
	/* Optional: where a wait must also listen (band_source_set_wake_fd). */
	void (*set_wake_fd)(void *priv, int fd);
	void (*close)(void *priv);
};

/* Wrap backend state @priv; on success the source owns @priv. */
int band_source_new(const struct band_source_ops *ops, void *priv,
		    struct band_source **out, struct err *e);

/* Backend constructors (spec already split off its prefix/suffix). */
int band_source_kernel_open(const char *path, bool use_mmap,
			    struct band_source **out, struct err *e);
int band_source_pattern_open(const char *options, struct band_source **out,
			     struct err *e);
/* "libusb:" or "libusb:VVVV:PPPP": a USB engine driven with libusb-1.0. */
int band_source_libusb_open(const char *options, struct band_source **out,
			    struct err *e);

/*
 * Another holder of USB engines in this process (mfpscand's USB watcher,
 * which keeps an idle engine's interface claimed to read its events).
 * acquire() is called before a libusb source opens engine VID:PID and
 * returns once the holder has let go of it; release() after the source
 * closed it. Both may be called from any thread. NULL: nobody to ask.
 */
struct band_source_libusb_arbiter {
	void (*acquire)(uint16_t vid, uint16_t pid, void *ud);
	void (*release)(uint16_t vid, uint16_t pid, void *ud);
	void *ud;
};
void band_source_libusb_set_arbiter(const struct band_source_libusb_arbiter *a);

/* The pattern engine's fixed capabilities (the sim engine's). */
void band_source_pattern_caps(struct mfpscan_caps *caps);

#endif
