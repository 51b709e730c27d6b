// SPDX-License-Identifier: GPL-2.0
/*
 * band_source_libusb: bands from a USB scanner engine driven from
 * userspace with libusb-1.0 (Documentation/usb-protocol.rst), for machines
 * where mfpscan_usb.ko cannot be loaded. Spec: "libusb:" (the emulator's
 * 1209:0001) or "libusb:VVVV:PPPP" (hex IDs).
 *
 * If the kernel driver holds the interface it is detached (and said so in
 * the log) and re-attached at close. The band stream is read with several
 * asynchronous bulk transfers in flight into a byte FIFO; records are cut
 * from it, their framing and CRC checked, and a framing or checksum error
 * becomes the same MFPSCAN_ERR_PROTOCOL error band the kernel driver
 * produces, so that both paths deliver the same records. A transfer is
 * resubmitted only when the FIFO has room for it: a slow reader makes the
 * device wait (NAK) rather than lose data.
 *
 * In mfpscand an idle engine's interface is held by the USB watcher, which
 * reads its events; the arbiter hooks (band_source.h) make it let go for
 * the job and take the engine back afterwards.
 *
 * Limitation: next() blocks in libusb's event loop (poll_fd is -1); it
 * looks at the caller's wake descriptor every LU_WAKE_SLICE_MS.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <libusb.h>
#include <zlib.h>

#include "band_source.h"
#include "log.h"
#include "usb_iface.h"
#include "../usbemu/usb_proto.h"

#define LU_XFERS		4
#define LU_XFER_BYTES		(64 * 1024)
#define LU_CTRL_TIMEOUT_MS	5000	/* USB_CTRL_GET_TIMEOUT, as the kernel */
#define LU_DRAIN_TIMEOUT_MS	100
#define LU_PROBE_TIMEOUT_MS	500	/* a device that answers is still there */

#define LU_WAKE_SLICE_MS 200	/* how often a wait looks at the wake descriptor */

struct lu_dev {
	libusb_context *ctx;
	libusb_device_handle *h;
	int iface;
	bool reattach;			/* detached the kernel driver */
	uint16_t vid, pid;
	bool arbitrated;		/* lu_arbiter.acquire() was called */
	uint8_t ep_in;
	uint32_t capabilities;
	struct mfpscan_caps caps;
	char name[64];

	struct mfpscan_params p;
	uint32_t job;
	bool running;			/* started, JOB_END not delivered */
	bool dirty;			/* device stream may hold stale bytes */
	/* position of the delivered sequence, for synthesized error bands */
	uint32_t page, band, line;
	bool page_open;

	/* byte FIFO of the band stream: [fifo_off, fifo_len) */
	uint8_t *fifo;
	size_t fifo_size, fifo_off, fifo_len;
	size_t consume;			/* bytes of the last record handed out */

	struct libusb_transfer *xfer[LU_XFERS];
	bool inflight[LU_XFERS];
	unsigned int n_inflight;
	int xfer_status;		/* first failure, LIBUSB_TRANSFER_* */
	unsigned int next_done;		/* transfers complete in order */
	int wake_fd;			/* the caller's (band_source_set_wake_fd) */
};

/* Who else in this process may hold an engine (band_source.h). */
static struct band_source_libusb_arbiter lu_arbiter;

void band_source_libusb_set_arbiter(const struct band_source_libusb_arbiter *a)
{
	if (a)
		lu_arbiter = *a;
	else
		memset(&lu_arbiter, 0, sizeof(lu_arbiter));
}

static int lu_err(struct lu_dev *d, struct err *e, int rc, const char *what)
{
	if (rc == LIBUSB_ERROR_NO_DEVICE)
		return err_set(e, ERR_DEVICE, ENODEV, ENODEV, "scanner removed");
	if (rc == LIBUSB_ERROR_ACCESS)
		return err_set(e, ERR_DEVICE, EACCES, EACCES,
			       "%s: permission denied opening the USB device",
			       d->name);
	if (rc == LIBUSB_ERROR_BUSY)
		return err_set(e, ERR_DEVICE, EBUSY, EBUSY,
			       "%s: the interface is in use by another program",
			       d->name);
	return err_set(e, ERR_DEVICE, EIO, EIO, "%s: %s: %s", d->name, what,
		       libusb_strerror(rc));
}

static int lu_ctrl(struct lu_dev *d, uint8_t rt, uint8_t req, uint16_t value,
		   uint8_t *data, uint16_t len)
{
	return libusb_control_transfer(d->h, rt, req, value, (uint16_t)d->iface,
				       data, len, LU_CTRL_TIMEOUT_MS);
}

static int lu_status(struct lu_dev *d, struct usb_status *st, struct err *e)
{
	uint8_t w[USB_STATUS_BYTES];
	int r = lu_ctrl(d, USB_RT_IN, MFPU_REQ_GET_STATUS, 0, w, sizeof(w));

	if (r < 0)
		return lu_err(d, e, r, "GET_STATUS");
	if (r != USB_STATUS_BYTES)
		return err_set(e, ERR_DEVICE, EPROTO, EPROTO,
			       "%s: short GET_STATUS reply (%d bytes)", d->name, r);
	usb_status_from_wire(st, w);
	return 0;
}

/* --- asynchronous bulk reads ------------------------------------------- */

static void LIBUSB_CALL lu_xfer_done(struct libusb_transfer *t)
{
	struct lu_dev *d = t->user_data;
	unsigned int i;

	for (i = 0; i < LU_XFERS; i++)
		if (d->xfer[i] == t)
			break;
	d->inflight[i] = false;
	d->n_inflight--;
	if (t->status == LIBUSB_TRANSFER_COMPLETED) {
		/* Room was reserved at submission. */
		memcpy(d->fifo + d->fifo_len, t->buffer, (size_t)t->actual_length);
		d->fifo_len += (size_t)t->actual_length;
	} else if (t->status != LIBUSB_TRANSFER_CANCELLED && !d->xfer_status) {
		d->xfer_status = t->status;
	}
}

/* Make room at the end of the FIFO by moving the unread bytes down. */
static void lu_compact(struct lu_dev *d)
{
	if (!d->fifo_off)
		return;
	memmove(d->fifo, d->fifo + d->fifo_off, d->fifo_len - d->fifo_off);
	d->fifo_len -= d->fifo_off;
	d->fifo_off = 0;
}

/* Submit every idle transfer whose data would fit in the FIFO. */
static int lu_submit(struct lu_dev *d, struct err *e)
{
	for (unsigned int i = 0; i < LU_XFERS; i++) {
		int r;

		if (d->inflight[i])
			continue;
		if (d->fifo_len + (d->n_inflight + 1) * (size_t)LU_XFER_BYTES >
		    d->fifo_size)
			lu_compact(d);
		if (d->fifo_len + (d->n_inflight + 1) * (size_t)LU_XFER_BYTES >
		    d->fifo_size)
			return 0;	/* flow control: the device waits */
		r = libusb_submit_transfer(d->xfer[i]);
		if (r < 0)
			return lu_err(d, e, r, "submitting a bulk read");
		d->inflight[i] = true;
		d->n_inflight++;
	}
	return 0;
}

static void lu_cancel_all(struct lu_dev *d)
{
	for (unsigned int i = 0; i < LU_XFERS; i++)
		if (d->inflight[i])
			libusb_cancel_transfer(d->xfer[i]);
	while (d->n_inflight)
		if (libusb_handle_events(d->ctx) < 0)
			break;
	d->fifo_off = d->fifo_len = 0;
	d->consume = 0;
	d->xfer_status = 0;
}

/* Tell the device to stop and read until its stream is quiet. */
static void lu_abort_and_drain(struct lu_dev *d)
{
	uint8_t buf[LU_XFER_BYTES];
	int got, r, rounds = 0;

	lu_cancel_all(d);
	lu_ctrl(d, USB_RT_OUT, MFPU_REQ_ABORT, 0, NULL, 0);
	do {
		r = libusb_bulk_transfer(d->h, d->ep_in, buf, sizeof(buf), &got,
					 LU_DRAIN_TIMEOUT_MS);
	} while ((r == 0 || (r == LIBUSB_ERROR_TIMEOUT && got > 0)) &&
		 ++rounds < 100000);
	/*
	 * The kernel driver may have left the engine in split framing
	 * (usb-protocol.rst); this reader keeps the stream framing. Once the
	 * stream is quiet, so that no job is running to refuse it.
	 */
	if (d->capabilities & USB_CAP_SPLIT)
		lu_ctrl(d, USB_RT_OUT, MFPU_REQ_SET_FRAMING, USB_FRAMING_STREAM,
			NULL, 0);
	d->dirty = false;
}

/* --- backend ops --------------------------------------------------------- */

static int lu_caps(void *priv, struct mfpscan_caps *caps, struct err *e)
{
	*caps = ((struct lu_dev *)priv)->caps;
	return 0;
}

static int lu_start(void *priv, struct mfpscan_params *p, struct err *e)
{
	struct lu_dev *d = priv;
	uint8_t w[USB_PARAMS_BYTES];
	size_t need = 2 * (USB_HEADER_BYTES +
			   (size_t)p->band_lines * p->bytes_per_line) +
		      (LU_XFERS + 1) * (size_t)LU_XFER_BYTES;
	struct usb_status st;
	int r;

	if (d->running || d->dirty)
		lu_abort_and_drain(d);
	if (need > d->fifo_size) {
		uint8_t *nb = realloc(d->fifo, need);

		if (!nb)
			return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
				       "%s: no memory for a %zu-byte buffer",
				       d->name, need);
		d->fifo = nb;
		d->fifo_size = need;
	}
	usb_params_to_wire(w, p);
	r = lu_ctrl(d, USB_RT_OUT, MFPU_REQ_SET_PARAMS, 0, w, sizeof(w));
	if (r < 0)
		return lu_err(d, e, r, "SET_PARAMS");
	r = lu_status(d, &st, e);
	if (r)
		return r;
	if (st.request_error == USB_RQERR_BUSY)
		return err_set(e, ERR_DEVICE, EBUSY, EBUSY,
			       "%s: the scanner is busy with another job",
			       d->name);
	if (st.request_error)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "%s rejected the scan settings (field %u) although they are within its capabilities",
			       d->name, st.bad_field);
	d->job++;
	d->fifo_off = d->fifo_len = d->consume = 0;
	d->xfer_status = 0;
	r = lu_ctrl(d, USB_RT_OUT, MFPU_REQ_START, (uint16_t)d->job, NULL, 0);
	if (r < 0) {
		if (r == LIBUSB_ERROR_PIPE && !lu_status(d, &st, e) &&
		    st.request_error == USB_RQERR_BUSY)
			return err_set(e, ERR_DEVICE, EBUSY, EBUSY,
				       "%s: the scanner is busy with another job",
				       d->name);
		return lu_err(d, e, r, "START");
	}
	d->p = *p;
	d->running = true;
	d->dirty = true;
	d->page = d->band = d->line = 0;
	d->page_open = false;
	return lu_submit(d, e);
}

/* A PROTOCOL error band at the delivered position; the job is over. */
static int lu_protocol_error(struct lu_dev *d, struct band_record *rec,
			     const char *why)
{
	struct mfpscan_band *h = &rec->hdr;

	log_msg(LOG_WARNING, "%s: %s on page %u band %u: ending the job",
		d->name, why, d->page, d->band);
	memset(h, 0, sizeof(*h));
	h->magic = MFPSCAN_BAND_MAGIC;
	h->header_bytes = sizeof(*h);
	h->record_bytes = sizeof(*h);
	h->job = d->job;
	h->page = d->page;
	h->band = d->band;
	h->first_line = d->line;
	h->flags = MFPSCAN_BAND_ERROR | MFPSCAN_BAND_JOB_END |
		   (d->page_open ? MFPSCAN_BAND_PAGE_END : 0);
	h->error = MFPSCAN_ERR_PROTOCOL;
	rec->payload = d->fifo;
	rec->payload_avail = 0;
	d->running = false;
	d->dirty = true;
	/* Stop the device now; the stream is drained at the next start. */
	lu_cancel_all(d);
	lu_ctrl(d, USB_RT_OUT, MFPU_REQ_ABORT, 0, NULL, 0);
	return 0;
}

/* Framing of a header from the wire; NULL when it is acceptable. */
static const char *lu_framing(const struct lu_dev *d,
			      const struct mfpscan_band *h)
{
	uint64_t payload = (uint64_t)h->lines * h->bytes_per_line;

	if (h->magic != MFPSCAN_BAND_MAGIC)
		return "bad record magic";
	if (h->header_bytes != USB_HEADER_BYTES)
		return "bad header size";
	if (h->payload_bytes != payload ||
	    h->record_bytes != USB_HEADER_BYTES + (uint64_t)h->payload_bytes)
		return "inconsistent record sizes";
	if (h->lines && (h->bytes_per_line != d->p.bytes_per_line ||
			 h->lines > d->p.band_lines))
		return "band larger than the job's";
	if ((h->job & 0xffff) != (d->job & 0xffff))
		return "record of another job";
	return NULL;
}

/*
 * After a transfer error: does the device still answer? An unplug often
 * shows as a transfer error before libusb sees the device go; a device
 * that answers GET_STATUS had a real transfer error instead.
 */
static bool lu_answers(struct lu_dev *d)
{
	uint8_t w[USB_STATUS_BYTES];

	return libusb_control_transfer(d->h, USB_RT_IN, MFPU_REQ_GET_STATUS, 0,
				       (uint16_t)d->iface, w, sizeof(w),
				       LU_PROBE_TIMEOUT_MS) == USB_STATUS_BYTES;
}

/* Has the caller's wake descriptor fired? */
static bool lu_woken(const struct lu_dev *d)
{
	struct pollfd pfd = { .fd = d->wake_fd, .events = POLLIN };

	return d->wake_fd >= 0 && poll(&pfd, 1, 0) == 1 &&
	       (pfd.revents & POLLIN);
}

/*
 * libusb's events in slices of LU_WAKE_SLICE_MS, until a transfer ends or
 * the caller's wake descriptor fires (libusb has no descriptor of ours in
 * its own poll).
 */
static int lu_handle_events(struct lu_dev *d, struct err *e)
{
	unsigned int inflight = d->n_inflight;
	int r;

	for (;;) {
		struct timeval tv = { 0, LU_WAKE_SLICE_MS * 1000 };

		if (lu_woken(d))
			return err_set(e, ERR_DEVICE, EINTR, EINTR,
				       "%s: interrupted while waiting for bands", d->name);
		r = libusb_handle_events_timeout_completed(d->ctx, &tv, NULL);
		if (r < 0 || d->n_inflight != inflight || d->xfer_status)
			return r;
	}
}

static int lu_wait(struct lu_dev *d, struct err *e)
{
	int r = lu_submit(d, e);

	if (r)
		return r;
	r = lu_handle_events(d, e);
	if (r == -EINTR)
		return r;
	if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED)
		return lu_err(d, e, r, "waiting for bands");
	if (d->xfer_status == LIBUSB_TRANSFER_NO_DEVICE ||
	    (d->xfer_status == LIBUSB_TRANSFER_ERROR && !lu_answers(d))) {
		d->running = false;
		return err_set(e, ERR_DEVICE, ENODEV, ENODEV, "scanner removed");
	}
	if (d->xfer_status)
		return err_set(e, ERR_DEVICE, EIO, EIO,
			       "%s: bulk read failed (libusb status %d)",
			       d->name, d->xfer_status);
	return 0;
}

static int lu_next_record(void *priv, struct band_record *rec, struct err *e)
{
	struct lu_dev *d = priv;
	struct mfpscan_band *h = &rec->hdr;
	const char *bad;
	size_t avail;
	int r;

	d->fifo_off += d->consume;
	d->consume = 0;
	if (!d->running)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "%s: no scan running", d->name);
	for (;;) {
		avail = d->fifo_len - d->fifo_off;
		if (avail >= USB_HEADER_BYTES) {
			usb_band_from_wire(h, d->fifo + d->fifo_off);
			bad = lu_framing(d, h);
			if (bad)
				return lu_protocol_error(d, rec, bad);
			if (avail >= h->record_bytes)
				break;
		}
		r = lu_wait(d, e);
		if (r)
			return r;
	}
	rec->payload = d->fifo + d->fifo_off + USB_HEADER_BYTES;
	rec->payload_avail = h->payload_bytes;
	if ((d->capabilities & USB_CAP_CRC) && h->payload_bytes &&
	    crc32(0L, rec->payload, h->payload_bytes) != h->checksum)
		return lu_protocol_error(d, rec, "checksum mismatch");
	if (!(d->capabilities & USB_CAP_CRC))
		h->checksum = h->payload_bytes ?
			      (uint32_t)crc32(0L, rec->payload, h->payload_bytes) : 0;
	d->consume = h->record_bytes;
	h->job = d->job;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		h->timestamp_ns = (uint64_t)ts.tv_sec * 1000000000u +
				  (uint64_t)ts.tv_nsec;
	}
	if (h->lines) {
		d->page_open = !(h->flags & MFPSCAN_BAND_PAGE_END);
		d->line = h->first_line + h->lines;
		d->band = h->band + 1;
		if (h->flags & MFPSCAN_BAND_PAGE_END) {
			d->page = h->page + 1;
			d->band = 0;
			d->line = 0;
		}
	}
	if (h->flags & MFPSCAN_BAND_JOB_END) {
		d->running = false;
		d->dirty = d->n_inflight || d->fifo_len > d->fifo_off + d->consume;
	}
	return 0;
}

static int lu_abort(void *priv, struct err *e)
{
	struct lu_dev *d = priv;

	if (d->running || d->dirty)
		lu_abort_and_drain(d);
	d->running = false;
	return 0;
}

static void lu_close(void *priv)
{
	struct lu_dev *d = priv;

	if (d->h) {
		if (d->running)
			lu_abort_and_drain(d);
		else
			lu_cancel_all(d);
		for (unsigned int i = 0; i < LU_XFERS; i++) {
			if (!d->xfer[i])
				continue;
			free(d->xfer[i]->buffer);
			libusb_free_transfer(d->xfer[i]);
		}
		libusb_release_interface(d->h, d->iface);
		if (d->reattach) {
			int r = libusb_attach_kernel_driver(d->h, d->iface);

			log_msg(LOG_NOTICE, "%s: %s the kernel driver",
				d->name, r ? "could not re-attach" : "re-attached");
		}
		libusb_close(d->h);
	}
	if (d->ctx)
		libusb_exit(d->ctx);
	if (d->arbitrated && lu_arbiter.release)
		lu_arbiter.release(d->vid, d->pid, lu_arbiter.ud);
	free(d->fifo);
	free(d);
}

static void lu_set_wake_fd(void *priv, int fd)
{
	((struct lu_dev *)priv)->wake_fd = fd;
}

static const struct band_source_ops libusb_ops = {
	.name = "libusb",
	.caps = lu_caps,
	.start = lu_start,
	.next_record = lu_next_record,
	.abort = lu_abort,
	.poll_fd = NULL,
	.set_wake_fd = lu_set_wake_fd,
	.close = lu_close,
};

/* --- open ------------------------------------------------------------------ */

/* The scanner interface and its bulk IN endpoint in the active config. */
static int lu_find_interface(struct lu_dev *d, struct err *e)
{
	struct usb_iface ui;
	int r = usb_iface_find(libusb_get_device(d->h), &ui);

	if (r == -ENODEV)
		return err_set(e, ERR_DEVICE, ENODEV, ENODEV,
			       "%s has no mfpscan scanner interface", d->name);
	if (r < 0)
		return lu_err(d, e, r, "reading the configuration");
	d->iface = ui.number;
	d->ep_in = ui.ep_bulk_in;
	return 0;
}

static int lu_claim(struct lu_dev *d, struct err *e)
{
	int r = libusb_kernel_driver_active(d->h, d->iface);

	if (r == 1) {
		r = libusb_detach_kernel_driver(d->h, d->iface);
		if (r < 0)
			return lu_err(d, e, r, "detaching the kernel driver");
		d->reattach = true;
		log_msg(LOG_NOTICE,
			"%s: detached the kernel driver (mfpscan_usb) from interface %d to drive the scanner with libusb",
			d->name, d->iface);
	}
	r = libusb_claim_interface(d->h, d->iface);
	if (r < 0)
		return lu_err(d, e, r, "claiming the interface");
	return 0;
}

static int lu_get_info(struct lu_dev *d, struct err *e)
{
	uint8_t w[USB_INFO_BYTES];
	int r = lu_ctrl(d, USB_RT_IN, MFPU_REQ_GET_INFO, 0, w, sizeof(w));

	if (r < 0)
		return lu_err(d, e, r, "GET_INFO");
	if (r < 16 || usb_get32(w) != USB_PROTO_MAGIC)
		return err_set(e, ERR_DEVICE, EPROTO, EPROTO,
			       "%s does not speak the mfpscan USB protocol",
			       d->name);
	if (usb_get16(w + 4) != USB_PROTO_MAJOR)
		return err_set(e, ERR_DEVICE, EPROTO, EPROTO,
			       "%s speaks mfpscan USB protocol %u.%u, this program %u.x",
			       d->name, usb_get16(w + 4), usb_get16(w + 6),
			       USB_PROTO_MAJOR);
	if (r < USB_INFO_BYTES || usb_get32(w + 12) < USB_CAPS_BYTES)
		return err_set(e, ERR_DEVICE, EPROTO, EPROTO,
			       "%s: short GET_INFO reply", d->name);
	d->capabilities = usb_get32(w + 8);
	usb_caps_from_wire(&d->caps, w + 16);
	d->caps.flags = (d->capabilities & USB_CAP_CAN_STALL) ?
			MFPSCAN_CAP_CAN_STALL : 0;
	if (d->caps.ring_bytes < (64U << 10) || d->caps.ring_bytes > (64U << 20) ||
	    (d->caps.ring_bytes & (d->caps.ring_bytes - 1)))
		d->caps.ring_bytes = 4U << 20;
	return 0;
}

int band_source_libusb_open(const char *spec, struct band_source **out,
			    struct err *e)
{
	struct lu_dev *d = calloc(1, sizeof(*d));
	uint16_t vid, pid;
	int r;

	if (!d)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "libusb: out of memory");
	d->wake_fd = -1;
	if (usb_iface_parse_spec(spec, &vid, &pid)) {
		free(d);
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "band source \"libusb:%s\": expected libusb: or libusb:VVVV:PPPP (hex)",
			       spec);
	}
	snprintf(d->name, sizeof(d->name), "USB scanner %04x:%04x", vid, pid);
	d->vid = vid;
	d->pid = pid;
	if (lu_arbiter.acquire) {
		lu_arbiter.acquire(vid, pid, lu_arbiter.ud);
		d->arbitrated = true;
	}
	r = libusb_init(&d->ctx);
	if (r < 0) {
		d->ctx = NULL;
		r = lu_err(d, e, r, "initialising libusb");
		goto fail;
	}
	d->h = libusb_open_device_with_vid_pid(d->ctx, vid, pid);
	if (!d->h) {
		r = err_set(e, ERR_DEVICE, ENODEV, ENODEV,
			    "%s not found (is it plugged in, and may this user open it?)",
			    d->name);
		goto fail;
	}
	r = lu_find_interface(d, e);
	if (!r)
		r = lu_claim(d, e);
	if (!r)
		r = lu_get_info(d, e);
	if (r)
		goto fail;
	for (unsigned int i = 0; i < LU_XFERS; i++) {
		uint8_t *buf = malloc(LU_XFER_BYTES);

		d->xfer[i] = libusb_alloc_transfer(0);
		if (!buf || !d->xfer[i]) {
			free(buf);
			r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
				    "libusb: out of memory");
			goto fail;
		}
		libusb_fill_bulk_transfer(d->xfer[i], d->h, d->ep_in, buf,
					  LU_XFER_BYTES, lu_xfer_done, d, 0);
	}
	/* Whatever a previous host left running is stopped and drained. */
	lu_abort_and_drain(d);
	r = band_source_new(&libusb_ops, d, out, e);
	if (!r)
		return 0;
fail:
	lu_close(d);
	return r;
}
