// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan_usb: a scanner engine attached over USB, speaking the protocol of
 * Documentation/usb-protocol.rst, made a /dev/mfpscanN with the ABI of the
 * simulated engine through mfpscan.ko's engine interface (mfpscan.h).
 *
 * Data path: LU_RX_URBS bulk IN URBs are kept in flight (anchored). A
 * completion only queues its URB on rx_done and kicks rx_work; rx_work, in
 * process context because the core's functions may sleep, parses the byte
 * stream into records and copies each payload straight into the ring
 * (mfpscan_band_begin/commit), then resubmits the URB. While the ring is
 * full mfpscan_band_begin() sleeps (the engine stalls), rx_work does not
 * resubmit, the host controller NAKs the device, and no data is lost.
 *
 * Framing or checksum errors end the job with an MFPSCAN_ERR_PROTOCOL error
 * band (counted by the core); the device is told to ABORT and the rest of
 * the job is dropped. Records of a job that is not running (aborted, or
 * left from before the driver bound) are dropped.
 *
 * Lifetime: struct mfpscan_usb lives from probe to the end of disconnect
 * (kref). The core's device (mdev) outlives it while files are open: the
 * core calls our ops only while registered, and disconnect unregisters
 * before it frees anything.
 */
#include <linux/completion.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"

#define MU_VID			0x1209
#define MU_PID			0x0001
#define MU_SUBCLASS		0x4d
#define MU_PROTOCOL		0x01

#define MU_MAGIC		0x5553464dU	/* "MFSU" */
#define MU_MAJOR		1

#define MU_CAP_CAN_STALL	BIT(0)
#define MU_CAP_EVENTS		BIT(1)
#define MU_CAP_CRC		BIT(2)
#define MU_CAP_PANEL		BIT(3)

#define MU_REQ_GET_INFO		0x01
#define MU_REQ_SET_PARAMS	0x02
#define MU_REQ_START		0x03
#define MU_REQ_ABORT		0x04
#define MU_REQ_GET_STATUS	0x05
#define MU_REQ_SET_PANEL	0x06

#define MU_RQERR_BUSY		2

#define MU_EVENT_BUTTON		1

#define MU_CAPS_BYTES		172
#define MU_INFO_BYTES		(16 + MU_CAPS_BYTES)
#define MU_PARAMS_BYTES		40
#define MU_STATUS_BYTES		32
#define MU_EVENT_BYTES		8
#define MU_HDR_BYTES		64
#define MU_SETUP_BYTES		8

#define MU_RX_URBS		4
#define MU_RX_BYTES		(64 * 1024)
#define MU_CTRL_TIMEOUT_MS	USB_CTRL_GET_TIMEOUT
#define MU_DEFAULT_RING		(4U << 20)
#define MU_ABORT_WAIT_MS	2000
/* a transfer error: how long the device may take to answer, to leave */
#define MU_PROBE_TIMEOUT_MS	500
#define MU_LEAVING_WAIT_MS	2000
/* event polling: 1 ms at high speed (2^(4-1) microframes), 4 ms at full */
#define MU_INT_INTERVAL		4

static struct workqueue_struct *mfpscan_usb_wq;

struct mfpscan_usb;

/* One bulk IN URB and its place on rx_done. */
struct mfpscan_usb_rx {
	struct list_head node;
	struct urb *urb;
	struct mfpscan_usb *mu;
	bool parked;	/* neither in flight nor queued; under mu->lock */
};

struct mfpscan_usb {
	struct usb_device *udev;
	struct usb_interface *intf;
	struct mfpscan_dev *mdev;
	struct kref kref;
	u8 bulk_in;			/* endpoint addresses */
	u8 int_in;
	u8 ifnum;
	u32 capabilities;		/* MU_CAP_* from GET_INFO */
	u32 max_record;			/* larger records are framing errors */

	/*
	 * Serialises our control requests: guards ctrl_urb, ctrl_setup,
	 * ctrl_buf and ctrl_done. Never held across anything but one request
	 * (which disconnect cancels), never taken by disconnect.
	 */
	struct mutex io_mutex;
	/* set once by disconnect; read with READ_ONCE, without a lock */
	bool disconnected;
	/* a started job may still be sending; set under io_mutex, cleared
	 * by rx_work without it (READ_ONCE/WRITE_ONCE)
	 */
	bool device_running;
	struct urb *ctrl_urb;		/* the one control request */
	u8 *ctrl_setup;			/* its setup packet, MU_SETUP_BYTES */
	u8 *ctrl_buf;			/* its data stage, DMA-able */
	struct completion ctrl_done;	/* ctrl_urb given back */
	/* ctrl_urb while in flight; poisoned by disconnect */
	struct usb_anchor ctrl_anchor;

	struct usb_anchor rx_anchor;	/* bulk URBs in flight */
	struct mfpscan_usb_rx rx[MU_RX_URBS];
	struct work_struct rx_work;

	/*
	 * The device I/O of job control, outside the core's I/O mutex: a
	 * START's requests and the ABORT of a stopped job, in that order
	 * (abort first), under io_mutex.
	 */
	struct work_struct ctrl_work;

	/*
	 * Guards rx_done, rx_stopped, the job fields below, the ctrl_work
	 * requests and the event queue; taken from URB completions (irqsave).
	 */
	spinlock_t lock;
	bool abort_wanted;		/* ctrl_work: ABORT the device */
	bool start_wanted;		/* ctrl_work: start @start_job */
	bool starting;			/* ctrl_work sends @start_job's requests */
	bool start_cancel;		/* the core stopped: no answer for it */
	bool pm_held;			/* a job keeps the device resumed */
	struct mfpscan_job start_job;
	struct list_head rx_done;	/* completed URBs, in order */
	bool rx_stopped;		/* disconnect, reset, suspend: resubmit nothing */
	bool stream_lost;		/* reset or suspend: the job's bytes are gone */
	bool active;			/* the core wants bands of @job */
	u32 job;
	u32 bytes_per_line;
	u32 band_lines;
	u32 lines_per_page;
	u32 job_pages;			/* pages the job has at most, 0 = ADF until empty */
	u8 events[16][MU_EVENT_BYTES];
	unsigned int n_events;

	/* parser state, rx_work only */
	u8 hdr_raw[MU_HDR_BYTES];
	u32 hdr_have;
	struct mfpscan_band hdr;
	u32 pay_have;
	bool hunting;			/* framing lost: look for a magic */
	bool deliver;			/* this record goes to the ring */
	u32 deliver_job;		/* ... as a record of this job */
	u8 *payload;			/* ring space of a delivered record */
	u32 crc;
	u32 page, next_band, line;	/* delivered position */
	bool page_open;

	struct urb *int_urb;
	u8 *int_buf;
	struct work_struct event_work;
	u16 event_seq;
	bool event_seq_valid;
};

#define to_mfpscan_usb(k) container_of(k, struct mfpscan_usb, kref)

static void mfpscan_usb_delete(struct kref *kref)
{
	struct mfpscan_usb *mu = to_mfpscan_usb(kref);
	int i;

	for (i = 0; i < MU_RX_URBS; i++) {
		if (!mu->rx[i].urb)
			continue;
		kfree(mu->rx[i].urb->transfer_buffer);
		usb_free_urb(mu->rx[i].urb);
	}
	usb_free_urb(mu->int_urb);
	kfree(mu->int_buf);
	usb_free_urb(mu->ctrl_urb);
	kfree(mu->ctrl_setup);
	kfree(mu->ctrl_buf);
	usb_put_intf(mu->intf);
	usb_put_dev(mu->udev);
	kfree(mu);
}

/*
 * Control requests; io_mutex held.
 *
 * A request is an URB on ctrl_anchor, not usb_control_msg(): the core
 * calls start and stop with its I/O mutex held, and a device that does
 * not answer would otherwise hold that mutex, and with it unplug, unbind,
 * rmmod and every other file's job control, for the whole timeout.
 * Disconnect poisons the anchor: the request in flight is killed at once,
 * a later one is refused, and the caller gets -ENODEV. A fatal signal
 * ends the wait too (-EINTR).
 */

static void mfpscan_usb_ctrl_complete(struct urb *urb)
{
	struct mfpscan_usb *mu = urb->context;

	complete(&mu->ctrl_done);
}

static int mfpscan_usb_ctrl(struct mfpscan_usb *mu, bool in, u8 req,
			    u16 value, u16 len)
{
	struct urb *urb = mu->ctrl_urb;
	long left;
	int ret;

	lockdep_assert_held(&mu->io_mutex);
	if (READ_ONCE(mu->disconnected))
		return -ENODEV;
	/* the setup packet (ch9): type, request, value, index, length */
	mu->ctrl_setup[0] = (in ? USB_DIR_IN : USB_DIR_OUT) | USB_TYPE_VENDOR |
			    USB_RECIP_INTERFACE;
	mu->ctrl_setup[1] = req;
	put_unaligned_le16(value, mu->ctrl_setup + 2);
	put_unaligned_le16(mu->ifnum, mu->ctrl_setup + 4);
	put_unaligned_le16(len, mu->ctrl_setup + 6);
	usb_fill_control_urb(urb, mu->udev,
			     in ? usb_rcvctrlpipe(mu->udev, 0)
				: usb_sndctrlpipe(mu->udev, 0),
			     mu->ctrl_setup, len ? mu->ctrl_buf : NULL, len,
			     mfpscan_usb_ctrl_complete, mu);
	reinit_completion(&mu->ctrl_done);
	/* anchored before the check: a poisoned anchor refuses the submit */
	usb_anchor_urb(urb, &mu->ctrl_anchor);
	ret = usb_submit_urb(urb, GFP_KERNEL);
	if (ret) {
		usb_unanchor_urb(urb);
		return READ_ONCE(mu->disconnected) || ret == -EPERM ? -ENODEV
								     : ret;
	}
	left = wait_for_completion_killable_timeout(&mu->ctrl_done,
						    msecs_to_jiffies(MU_CTRL_TIMEOUT_MS));
	if (left <= 0)
		usb_kill_urb(urb);	/* given back when this returns */
	if (READ_ONCE(mu->disconnected))
		return -ENODEV;		/* killed by disconnect */
	if (left < 0)
		return -EINTR;
	if (!left)
		return -ETIMEDOUT;
	return urb->status ? urb->status : urb->actual_length;
}

/* GET_STATUS: state and request_error. */
static int mfpscan_usb_status(struct mfpscan_usb *mu, u32 *state,
			      u32 *request_error)
{
	int ret = mfpscan_usb_ctrl(mu, true, MU_REQ_GET_STATUS, 0,
				   MU_STATUS_BYTES);

	if (ret < 0)
		return ret;
	if (ret != MU_STATUS_BYTES)
		return -EPROTO;
	*state = get_unaligned_le32(mu->ctrl_buf);
	*request_error = get_unaligned_le32(mu->ctrl_buf + 20);
	return 0;
}

/*
 * The job is over for the core and for the device (no longer active, the
 * device no longer running): drop its runtime PM reference, the device
 * may autosuspend.
 */
static void mfpscan_usb_pm_release(struct mfpscan_usb *mu)
{
	unsigned long flags;
	bool put;

	spin_lock_irqsave(&mu->lock, flags);
	put = mu->pm_held && !mu->active && !READ_ONCE(mu->device_running);
	if (put)
		mu->pm_held = false;
	spin_unlock_irqrestore(&mu->lock, flags);
	if (put)
		usb_autopm_put_interface_async(mu->intf);
}

/* ABORT and wait until the device says it no longer scans; ctrl_work. */
static void mfpscan_usb_abort_device(struct mfpscan_usb *mu)
{
	unsigned long end = jiffies + msecs_to_jiffies(MU_ABORT_WAIT_MS);
	u32 state, rqerr;

	if (mfpscan_usb_ctrl(mu, false, MU_REQ_ABORT, 0, 0) < 0)
		return;
	do {
		if (mfpscan_usb_status(mu, &state, &rqerr) < 0)
			return;
		if (state != MFPSCAN_STATE_SCANNING)
			break;
		usleep_range(2000, 5000);
	} while (time_before(jiffies, end));
	WRITE_ONCE(mu->device_running, false);
	mfpscan_usb_pm_release(mu);
}

/* Bulk IN */

static void mfpscan_usb_rx_complete(struct urb *urb)
{
	struct mfpscan_usb_rx *rx = urb->context;
	struct mfpscan_usb *mu = rx->mu;
	unsigned long flags;

	spin_lock_irqsave(&mu->lock, flags);
	switch (urb->status) {
	case -ENOENT:
	case -ECONNRESET:
	case -ESHUTDOWN:
	case -ENODEV:
	case -EPERM:
		/* killed or gone: parked until a resume or reset restarts it */
		rx->parked = true;
		spin_unlock_irqrestore(&mu->lock, flags);
		return;
	default:
		break;
	}
	list_add_tail(&rx->node, &mu->rx_done);
	spin_unlock_irqrestore(&mu->lock, flags);
	queue_work(mfpscan_usb_wq, &mu->rx_work);
}

static void mfpscan_usb_rx_park(struct mfpscan_usb *mu,
				struct mfpscan_usb_rx *rx)
{
	spin_lock_irq(&mu->lock);
	rx->parked = true;
	spin_unlock_irq(&mu->lock);
}

/*
 * Submit @rx, or park it if the URBs are stopped (disconnect, reset,
 * suspend; a reset or resume submits the parked ones). One that
 * mfpscan_usb_quiesce() poisoned between the check and the submit is
 * refused by the submit (-EPERM) and parked too.
 */
static int mfpscan_usb_rx_submit(struct mfpscan_usb *mu,
				 struct mfpscan_usb_rx *rx, gfp_t gfp)
{
	int ret = 0;

	spin_lock_irq(&mu->lock);
	rx->parked = mu->rx_stopped;
	if (rx->parked)
		ret = -ENODEV;
	else
		usb_anchor_urb(rx->urb, &mu->rx_anchor);
	spin_unlock_irq(&mu->lock);
	if (ret)
		return ret;
	ret = usb_submit_urb(rx->urb, gfp);
	if (ret) {
		usb_unanchor_urb(rx->urb);
		mfpscan_usb_rx_park(mu, rx);
	}
	return ret;
}

/* Parser, rx_work only */

/* Have ctrl_work ABORT the device; the parser does not wait for it. */
static void mfpscan_usb_send_abort(struct mfpscan_usb *mu)
{
	spin_lock_irq(&mu->lock);
	mu->abort_wanted = true;
	spin_unlock_irq(&mu->lock);
	queue_work(mfpscan_usb_wq, &mu->ctrl_work);
}

/* No longer the job's producer; false if it was not either. */
static bool mfpscan_usb_deactivate(struct mfpscan_usb *mu)
{
	bool was;

	spin_lock_irq(&mu->lock);
	was = mu->active;
	mu->active = false;
	spin_unlock_irq(&mu->lock);
	mfpscan_usb_pm_release(mu);
	return was;
}

/* End the job with a PROTOCOL error band at the delivered position. */
static void mfpscan_usb_protocol_error(struct mfpscan_usb *mu,
				       const char *why)
{
	struct mfpscan_band_desc desc = {
		.page = mu->page,
		.band = mu->next_band,
		.first_line = mu->line,
		.flags = mu->page_open ? MFPSCAN_BAND_PAGE_END : 0,
		.error = MFPSCAN_ERR_PROTOCOL,
	};

	mu->deliver = false;
	mu->payload = NULL;
	if (!mfpscan_usb_deactivate(mu))
		return;
	dev_warn_ratelimited(&mu->intf->dev,
			     "%s on page %u band %u: ending the job\n", why,
			     mu->page, mu->next_band);
	mfpscan_job_end(mu->mdev, &desc);
	mfpscan_usb_send_abort(mu);
}

/* Framing of the header just received; NULL if acceptable. */
static const char *mfpscan_usb_framing(struct mfpscan_usb *mu)
{
	const struct mfpscan_band *h = &mu->hdr;

	if (h->magic != MFPSCAN_BAND_MAGIC)
		return "bad record magic";
	if (h->header_bytes != MU_HDR_BYTES)
		return "bad header size";
	if (h->payload_bytes != (u64)h->lines * h->bytes_per_line ||
	    h->record_bytes != MU_HDR_BYTES + (u64)h->payload_bytes)
		return "inconsistent record sizes";
	/* Even a dropped record may not swallow the stream. */
	if (h->record_bytes > mu->max_record)
		return "record larger than the ring allows";
	if (h->flags & ~(MFPSCAN_BAND_PAGE_START | MFPSCAN_BAND_PAGE_END |
			 MFPSCAN_BAND_JOB_END | MFPSCAN_BAND_ERROR))
		return "unknown record flags";
	/* A band has lines; an error record has none (protocol). */
	if (!(h->flags & MFPSCAN_BAND_ERROR) != !!h->lines)
		return h->lines ? "error record with payload" : "band without lines";
	return NULL;
}

/*
 * A band of the running job where the delivered stream stands: the next
 * band of the page, PAGE_START exactly at line 0, PAGE_END exactly at the
 * page's last line, JOB_END only with PAGE_END and always at the end of
 * the job's last page (@pages, 0 when the ADF decides). NULL if so.
 */
static const char *mfpscan_usb_sequence(struct mfpscan_usb *mu, u32 bpl,
					u32 band_lines, u32 lpp, u32 pages)
{
	const struct mfpscan_band *h = &mu->hdr;
	u64 end = (u64)h->first_line + h->lines;
	u32 want;

	if (h->flags & MFPSCAN_BAND_ERROR)
		return NULL;	/* ends the job wherever it stands */
	if (h->bytes_per_line != bpl || h->lines > band_lines)
		return "band larger than the job's";
	if (h->page != mu->page || h->band != mu->next_band ||
	    h->first_line != mu->line || end > lpp ||
	    (pages && h->page >= pages))
		return "band out of sequence";
	if (pages && h->page == pages - 1 && end == lpp &&
	    !(h->flags & MFPSCAN_BAND_JOB_END))
		return "last page without JOB_END";
	want = (h->first_line ? 0 : MFPSCAN_BAND_PAGE_START) |
	       (end == lpp ? MFPSCAN_BAND_PAGE_END : 0);
	if ((h->flags & (MFPSCAN_BAND_PAGE_START | MFPSCAN_BAND_PAGE_END)) !=
	    want ||
	    ((h->flags & MFPSCAN_BAND_JOB_END) &&
	     !(h->flags & MFPSCAN_BAND_PAGE_END)))
		return "band flags out of sequence";
	return NULL;
}

/*
 * The record being delivered still belongs to the running job: false once
 * the core stopped the job (ABORT, close, a new START), and the parser then
 * drops the rest of the record instead of writing into ring space that is
 * no longer its own.
 */
static bool mfpscan_usb_delivering(struct mfpscan_usb *mu)
{
	bool ok;

	if (!mu->deliver)
		return false;
	spin_lock_irq(&mu->lock);
	ok = mu->active && mu->job == mu->deliver_job;
	spin_unlock_irq(&mu->lock);
	if (!ok) {
		mu->deliver = false;
		mu->payload = NULL;
	}
	return ok;
}

static void mfpscan_usb_decode_header(struct mfpscan_usb *mu)
{
	u32 *f = (u32 *)&mu->hdr;
	int i;

	/* The header is 14 u32s and a u64, all little-endian. */
	for (i = 0; i < 14; i++)
		f[i] = get_unaligned_le32(mu->hdr_raw + 4 * i);
	mu->hdr.timestamp_ns = get_unaligned_le64(mu->hdr_raw + 56);
}

static void mfpscan_usb_record_end(struct mfpscan_usb *mu);

static void mfpscan_usb_header(struct mfpscan_usb *mu)
{
	const struct mfpscan_band *h = &mu->hdr;
	const char *bad;
	bool active, mine;
	u32 bpl, band_lines, lpp, pages, job;
	void *payload;

	mfpscan_usb_decode_header(mu);
	bad = mfpscan_usb_framing(mu);
	spin_lock_irq(&mu->lock);
	active = mu->active;
	job = mu->job;
	mine = (h->job & 0xffff) == (job & 0xffff);
	bpl = mu->bytes_per_line;
	band_lines = mu->band_lines;
	lpp = mu->lines_per_page;
	pages = mu->job_pages;
	spin_unlock_irq(&mu->lock);

	mu->pay_have = 0;
	mu->crc = ~0U;
	mu->payload = NULL;
	mu->deliver = false;
	if (bad) {
		mu->hunting = true;
		mu->hdr_have = 0;
		if (active)
			mfpscan_usb_protocol_error(mu, bad);
		return;
	}
	if (mine && (h->flags & MFPSCAN_BAND_JOB_END)) {
		WRITE_ONCE(mu->device_running, false);
		mfpscan_usb_pm_release(mu);
	}
	if (!active || !mine)
		goto body;		/* an old job's record: dropped */
	bad = mfpscan_usb_sequence(mu, bpl, band_lines, lpp, pages);
	if (bad) {
		mfpscan_usb_protocol_error(mu, bad);
		goto body;
	}
	mu->deliver = true;
	mu->deliver_job = job;
	if (h->payload_bytes) {
		payload = mfpscan_band_begin(mu->mdev, h->payload_bytes);
		if (IS_ERR(payload)) {
			/* overrun or stopping: the core ended the job */
			mu->deliver = false;
			if (mfpscan_usb_deactivate(mu))
				mfpscan_usb_send_abort(mu);
		} else {
			mu->payload = payload;
		}
	}
body:
	if (!h->payload_bytes)
		mfpscan_usb_record_end(mu);
}

static void mfpscan_usb_record_end(struct mfpscan_usb *mu)
{
	const struct mfpscan_band *h = &mu->hdr;
	struct mfpscan_band_desc desc = {
		.page = h->page,
		.band = h->band,
		.first_line = h->first_line,
		.lines = h->lines,
		.bytes_per_line = h->bytes_per_line,
		.flags = h->flags & ~MFPSCAN_BAND_PAD,
		.error = h->error,
	};

	mu->hdr_have = 0;
	if (!mfpscan_usb_delivering(mu))
		return;		/* stopped meanwhile, or never delivered */
	mu->deliver = false;
	if (h->payload_bytes) {
		desc.checksum = mu->crc ^ ~0U;
		desc.has_checksum = true;
		if ((mu->capabilities & MU_CAP_CRC) &&
		    desc.checksum != h->checksum) {
			mfpscan_usb_protocol_error(mu, "checksum mismatch");
			return;
		}
	}
	if (h->flags & MFPSCAN_BAND_ERROR) {
		/* Where the delivered stream stands, whatever the device says. */
		desc.page = mu->page;
		desc.band = mu->next_band;
		desc.first_line = max(desc.first_line, mu->line);
		mfpscan_usb_deactivate(mu);
		mfpscan_job_end(mu->mdev, &desc);
		return;
	}
	if (h->flags & MFPSCAN_BAND_JOB_END)
		mfpscan_usb_deactivate(mu);
	mfpscan_band_commit(mu->mdev, &desc);
	mu->payload = NULL;
	if (h->lines) {
		mu->page_open = !(h->flags & MFPSCAN_BAND_PAGE_END);
		mu->page = h->page;
		mu->next_band = h->band + 1;
		mu->line = h->first_line + h->lines;
		if (h->flags & MFPSCAN_BAND_PAGE_END) {
			mu->page++;
			mu->next_band = 0;
			mu->line = 0;
		}
	}
}

/* Framing lost: slide a window over the bytes until a magic appears. */
static u32 mfpscan_usb_hunt(struct mfpscan_usb *mu, const u8 *buf, u32 len)
{
	u32 used = 0;

	while (used < len && mu->hunting) {
		if (mu->hdr_have == 4)
			memmove(mu->hdr_raw, mu->hdr_raw + 1, --mu->hdr_have);
		mu->hdr_raw[mu->hdr_have++] = buf[used++];
		if (mu->hdr_have == 4 &&
		    get_unaligned_le32(mu->hdr_raw) == MFPSCAN_BAND_MAGIC)
			mu->hunting = false;
	}
	return used;
}

static void mfpscan_usb_parse(struct mfpscan_usb *mu, const u8 *buf, u32 len)
{
	u32 n;

	while (len) {
		if (mu->hunting) {
			n = mfpscan_usb_hunt(mu, buf, len);
		} else if (mu->hdr_have < MU_HDR_BYTES) {
			n = min(len, MU_HDR_BYTES - mu->hdr_have);
			memcpy(mu->hdr_raw + mu->hdr_have, buf, n);
			mu->hdr_have += n;
			if (mu->hdr_have == MU_HDR_BYTES)
				mfpscan_usb_header(mu);
		} else {
			n = min(len, mu->hdr.payload_bytes - mu->pay_have);
			if (mfpscan_usb_delivering(mu) && mu->payload) {
				memcpy(mu->payload + mu->pay_have, buf, n);
				mu->crc = crc32_le(mu->crc, buf, n);
			}
			mu->pay_have += n;
			if (mu->pay_have == mu->hdr.payload_bytes)
				mfpscan_usb_record_end(mu);
		}
		buf += n;
		len -= n;
	}
}

/*
 * URB statuses that mean the transfer was killed or the device is leaving:
 * no bytes were lost from a live stream, so they are not a framing error;
 * the disconnect (or the abort that killed the URB) ends the job.
 */
static bool mfpscan_usb_unplugged(int status)
{
	return status == -ENOENT || status == -ECONNRESET ||
	       status == -ESHUTDOWN || status == -ENODEV;
}

/*
 * Many host controllers complete the transfers cut by an unplug with a
 * transport error before the hub reports the disconnect. A device that
 * does not answer GET_STATUS is leaving: wait (bounded) for disconnect(),
 * which ends the job with -ENODEV, rather than report a protocol error
 * first. One that answers had a real transfer error.
 */
static bool mfpscan_usb_leaving(struct mfpscan_usb *mu, int status)
{
	u8 st[MU_STATUS_BYTES];
	int i;

	if (status != -EPROTO && status != -EILSEQ && status != -ETIME &&
	    status != -ETIMEDOUT)
		return false;
	if (!READ_ONCE(mu->disconnected) &&
	    !usb_control_msg_recv(mu->udev, 0, MU_REQ_GET_STATUS,
				  USB_DIR_IN | USB_TYPE_VENDOR |
				  USB_RECIP_INTERFACE, 0, mu->ifnum, st,
				  sizeof(st), MU_PROBE_TIMEOUT_MS, GFP_KERNEL))
		return false;
	for (i = 0; i < MU_LEAVING_WAIT_MS / 50; i++) {
		if (READ_ONCE(mu->disconnected))
			return true;
		msleep(50);
	}
	dev_warn(&mu->intf->dev, "transfer error %d and no answer, but no disconnect\n",
		 status);
	return false;
}

/*
 * A reset or a suspend cut the stream (mfpscan_usb_quiesce()): the
 * device forgot the job, the bytes in flight are gone. The job ends
 * with a PROTOCOL error band where the delivered stream stands; the
 * parser starts over at a record boundary.
 */
static void mfpscan_usb_stream_lost(struct mfpscan_usb *mu)
{
	mfpscan_usb_protocol_error(mu, "device reset or suspended");
	mu->hdr_have = 0;
	mu->pay_have = 0;
	mu->hunting = false;
	mu->deliver = false;
	mu->payload = NULL;
	WRITE_ONCE(mu->device_running, false);
	mfpscan_usb_pm_release(mu);
}

static void mfpscan_usb_rx_work(struct work_struct *work)
{
	struct mfpscan_usb *mu = container_of(work, struct mfpscan_usb,
					      rx_work);
	struct mfpscan_usb_rx *rx;
	struct urb *urb;

	for (;;) {
		bool lost;

		spin_lock_irq(&mu->lock);
		lost = mu->stream_lost;
		mu->stream_lost = false;
		rx = list_first_entry_or_null(&mu->rx_done,
					      struct mfpscan_usb_rx, node);
		if (rx)
			list_del(&rx->node);
		spin_unlock_irq(&mu->lock);
		if (lost)
			mfpscan_usb_stream_lost(mu);
		if (!rx)
			return;
		urb = rx->urb;
		if (mfpscan_usb_unplugged(urb->status)) {
			/* Killed or unplugged: disconnect() reports it. */
			mfpscan_usb_rx_park(mu, rx);
			continue;
		} else if (!urb->status) {
			mfpscan_usb_parse(mu, urb->transfer_buffer,
					  urb->actual_length);
		} else if (mfpscan_usb_leaving(mu, urb->status)) {
			mfpscan_usb_rx_park(mu, rx);
			continue;	/* disconnect() reports it */
		} else {
			/* A transfer error loses bytes: framing is gone. */
			if (urb->status == -EPIPE)
				usb_clear_halt(mu->udev, urb->pipe);
			if (mfpscan_usb_rx_submit(mu, rx, GFP_KERNEL))
				continue;	/* the device is going */
			mu->hunting = true;
			mu->hdr_have = 0;
			mfpscan_usb_protocol_error(mu, "bulk transfer error");
			continue;
		}
		if (mfpscan_usb_rx_submit(mu, rx, GFP_KERNEL))
			dev_dbg(&mu->intf->dev, "bulk URB not resubmitted\n");
	}
}

/* Interrupt IN: events */

static void mfpscan_usb_int_complete(struct urb *urb)
{
	struct mfpscan_usb *mu = urb->context;
	unsigned long flags;

	switch (urb->status) {
	case 0:
		break;
	case -ENOENT:
	case -ECONNRESET:
	case -ESHUTDOWN:
	case -ENODEV:
	case -EPROTO:
		return;
	default:
		goto resubmit;
	}
	if (urb->actual_length >= MU_EVENT_BYTES) {
		spin_lock_irqsave(&mu->lock, flags);
		if (mu->n_events < ARRAY_SIZE(mu->events))
			memcpy(mu->events[mu->n_events++], mu->int_buf,
			       MU_EVENT_BYTES);
		spin_unlock_irqrestore(&mu->lock, flags);
		queue_work(mfpscan_usb_wq, &mu->event_work);
	}
resubmit:
	usb_submit_urb(urb, GFP_ATOMIC);
}

static void mfpscan_usb_event_work(struct work_struct *work)
{
	struct mfpscan_usb *mu = container_of(work, struct mfpscan_usb,
					      event_work);
	u8 ev[MU_EVENT_BYTES];
	bool have;
	u16 seq;

	for (;;) {
		spin_lock_irq(&mu->lock);
		have = mu->n_events > 0;
		if (have) {
			memcpy(ev, mu->events[0], sizeof(ev));
			mu->n_events--;
			memmove(mu->events[0], mu->events[1],
				mu->n_events * sizeof(ev));
		}
		spin_unlock_irq(&mu->lock);
		if (!have)
			return;
		seq = get_unaligned_le16(ev + 2);
		if (mu->event_seq_valid && seq != (u16)(mu->event_seq + 1))
			dev_warn(&mu->intf->dev, "%u events lost\n",
				 (u16)(seq - mu->event_seq - 1));
		mu->event_seq = seq;
		mu->event_seq_valid = true;
		if (ev[0] == MU_EVENT_BUTTON)
			mfpscan_emit_button(mu->mdev, ev[1]);
		else
			dev_info(&mu->intf->dev, "engine event %u (%u)\n",
				 ev[0], ev[1]);
	}
}

/* Job control: the device I/O in ctrl_work, io_mutex held */

/* SET_PARAMS, GET_STATUS, then START with the job's number; 0 or -errno. */
static int mfpscan_usb_start_device(struct mfpscan_usb *mu,
				    const struct mfpscan_job *job)
{
	const struct mfpscan_params *p = &job->params;
	const u32 *in = (const u32 *)p;	/* source .. flags come first */
	u32 state, rqerr;
	int ret, i;

	lockdep_assert_held(&mu->io_mutex);
	/* The 10 input fields, source .. flags, little-endian. */
	for (i = 0; i < MU_PARAMS_BYTES / 4; i++)
		put_unaligned_le32(in[i], mu->ctrl_buf + 4 * i);
	ret = mfpscan_usb_ctrl(mu, false, MU_REQ_SET_PARAMS, 0,
			       MU_PARAMS_BYTES);
	if (ret < 0)
		return ret;
	ret = mfpscan_usb_status(mu, &state, &rqerr);
	if (ret < 0)
		return ret;
	if (rqerr)
		return rqerr == MU_RQERR_BUSY ? -EBUSY : -EINVAL;

	spin_lock_irq(&mu->lock);
	mu->active = true;
	mu->job = job->job;
	mu->bytes_per_line = p->bytes_per_line;
	mu->band_lines = p->band_lines;
	mu->lines_per_page = p->lines_per_page;
	mu->job_pages = p->source == MFPSCAN_SOURCE_FLATBED ? 1 : p->pages;
	spin_unlock_irq(&mu->lock);
	/* rx_work reads these only while active, after this point. */
	mu->page = 0;
	mu->next_band = 0;
	mu->line = 0;
	mu->page_open = false;

	ret = mfpscan_usb_ctrl(mu, false, MU_REQ_START, job->job & 0xffff, 0);
	if (ret < 0) {
		mfpscan_usb_deactivate(mu);
		if (ret == -EPIPE && !mfpscan_usb_status(mu, &state, &rqerr) &&
		    rqerr == MU_RQERR_BUSY)
			ret = -EBUSY;
		return ret;
	}
	WRITE_ONCE(mu->device_running, true);
	return 0;
}

/*
 * A job keeps the device resumed from its START until it is over for the
 * device (mfpscan_usb_pm_release()); a device that autosuspended is
 * resumed first. io_mutex held: a runtime suspend meanwhile gives up
 * (mfpscan_usb_suspend()).
 */
static int mfpscan_usb_pm_hold(struct mfpscan_usb *mu)
{
	int ret = usb_autopm_get_interface(mu->intf);
	bool had;

	if (ret)
		return ret;
	spin_lock_irq(&mu->lock);
	had = mu->pm_held;
	mu->pm_held = true;
	spin_unlock_irq(&mu->lock);
	if (had)	/* an earlier job's device ABORT never answered */
		usb_autopm_put_interface_async(mu->intf);
	return 0;
}

/*
 * The ABORT a stop or a protocol error asked for, then the START the core
 * is waiting for, whose answer goes to mfpscan_start_done() unless the
 * core stopped the job meanwhile (mfpscan_usb_cancel_start()). Both
 * requests are taken at once: an ABORT wanted together with a START was
 * asked for before it (a stop cancels the START it follows), and sent
 * after the START it would end the new job.
 */
static void mfpscan_usb_ctrl_work(struct work_struct *work)
{
	struct mfpscan_usb *mu = container_of(work, struct mfpscan_usb,
					      ctrl_work);
	struct mfpscan_job job;
	bool abort, start, answer;
	int ret;

	mutex_lock(&mu->io_mutex);
	for (;;) {
		spin_lock_irq(&mu->lock);
		abort = mu->abort_wanted;
		start = mu->start_wanted;
		mu->abort_wanted = false;
		mu->start_wanted = false;
		mu->starting = start;
		mu->start_cancel = false;
		job = mu->start_job;
		spin_unlock_irq(&mu->lock);
		if (!abort && !start)
			break;
		if (abort)
			mfpscan_usb_abort_device(mu);
		if (!start)
			continue;
		ret = mfpscan_usb_pm_hold(mu);
		if (!ret)
			ret = mfpscan_usb_start_device(mu, &job);
		/* refused or failed: the device was never told to scan */
		if (ret)
			mfpscan_usb_pm_release(mu);
		spin_lock_irq(&mu->lock);
		mu->starting = false;
		answer = !mu->start_cancel;
		spin_unlock_irq(&mu->lock);
		if (answer)
			mfpscan_start_done(mu->mdev, job.job, ret);
	}
	mutex_unlock(&mu->io_mutex);
}

/*
 * A START the core no longer waits for: not begun, it never is; being
 * sent, its request in flight is killed and the rest refused (the URB
 * poisoned until ctrl_work is done), and it gets no answer.
 */
static void mfpscan_usb_cancel_start(struct mfpscan_usb *mu)
{
	bool busy;

	spin_lock_irq(&mu->lock);
	mu->start_wanted = false;
	busy = mu->starting;
	mu->start_cancel = busy;
	spin_unlock_irq(&mu->lock);
	if (!busy)
		return;
	usb_poison_urb(mu->ctrl_urb);
	flush_work(&mu->ctrl_work);
	usb_unpoison_urb(mu->ctrl_urb);
}

/* Engine operations, called by the core with its I/O mutex held */

/*
 * The device is asked by ctrl_work, not here: a device that does not
 * answer would hold the core's I/O mutex for the whole timeout.
 */
static int mfpscan_usb_start(struct mfpscan_dev *mdev,
			     const struct mfpscan_job *job)
{
	struct mfpscan_usb *mu = mfpscan_dev_priv(mdev);

	if (READ_ONCE(mu->disconnected))
		return -ENODEV;
	spin_lock_irq(&mu->lock);
	mu->start_job = *job;
	mu->start_wanted = true;
	spin_unlock_irq(&mu->lock);
	queue_work(mfpscan_usb_wq, &mu->ctrl_work);
	return MFPSCAN_START_PENDING;
}

/*
 * Synchronous for the stream (no band after it), not for the device: the
 * device's ABORT is left to ctrl_work, before any next START.
 */
static void mfpscan_usb_stop(struct mfpscan_dev *mdev)
{
	struct mfpscan_usb *mu = mfpscan_dev_priv(mdev);

	/* first: a START being sent could make the job active again */
	mfpscan_usb_cancel_start(mu);
	mfpscan_usb_deactivate(mu);
	/* A band_begin() in rx_work returns at once: the core is stopping. */
	flush_work(&mu->rx_work);
	if (READ_ONCE(mu->device_running))
		mfpscan_usb_send_abort(mu);
}

/*
 * SET_PANEL: the message as data, the lamps in wValue. A device without
 * MU_CAP_PANEL has no panel to show it on: nothing to do.
 */
static int mfpscan_usb_set_panel(struct mfpscan_dev *mdev,
				 const struct mfpscan_panel *panel)
{
	struct mfpscan_usb *mu = mfpscan_dev_priv(mdev);
	int ret;

	if (!(mu->capabilities & MU_CAP_PANEL))
		return 0;
	/* an autosuspended device is resumed to show it */
	ret = usb_autopm_get_interface(mu->intf);
	if (ret)
		return ret;
	mutex_lock(&mu->io_mutex);
	memcpy(mu->ctrl_buf, panel->text, panel->len);
	ret = mfpscan_usb_ctrl(mu, false, MU_REQ_SET_PANEL, panel->lamps,
			       panel->len);
	mutex_unlock(&mu->io_mutex);
	usb_autopm_put_interface_async(mu->intf);
	return ret < 0 ? ret : 0;
}

static const struct mfpscan_engine_ops mfpscan_usb_ops = {
	.owner		= THIS_MODULE,
	.start		= mfpscan_usb_start,
	.stop		= mfpscan_usb_stop,
	.set_panel	= mfpscan_usb_set_panel,
};

/* Probe and disconnect */

/* GET_INFO into @caps; io_mutex held. */
static int mfpscan_usb_get_info(struct mfpscan_usb *mu,
				struct mfpscan_caps *caps)
{
	u8 *w = mu->ctrl_buf;
	u32 *f;
	int ret, i;

	ret = mfpscan_usb_ctrl(mu, true, MU_REQ_GET_INFO, 0, MU_INFO_BYTES);
	if (ret < 0)
		return ret;
	if (ret < 16 || get_unaligned_le32(w) != MU_MAGIC) {
		dev_err(&mu->intf->dev, "not an mfpscan USB engine\n");
		return -ENODEV;
	}
	if (get_unaligned_le16(w + 4) != MU_MAJOR) {
		dev_err(&mu->intf->dev, "protocol %u.%u, this driver speaks %u.x\n",
			get_unaligned_le16(w + 4), get_unaligned_le16(w + 6),
			MU_MAJOR);
		return -ENODEV;
	}
	if (ret < MU_INFO_BYTES || get_unaligned_le32(w + 12) < MU_CAPS_BYTES)
		return -EPROTO;
	mu->capabilities = get_unaligned_le32(w + 8);
	memset(caps, 0, sizeof(*caps));
	memcpy(caps->model, w + 16, sizeof(caps->model));
	memcpy(caps->serial, w + 16 + MFPSCAN_NAME_LEN, sizeof(caps->serial));
	caps->model[MFPSCAN_NAME_LEN - 1] = '\0';
	caps->serial[MFPSCAN_NAME_LEN - 1] = '\0';
	f = (u32 *)((u8 *)caps + offsetof(struct mfpscan_caps, sources));
	for (i = 0; i < (MU_CAPS_BYTES - 2 * MFPSCAN_NAME_LEN) / 4; i++)
		f[i] = get_unaligned_le32(w + 16 + 2 * MFPSCAN_NAME_LEN + 4 * i);
	if (caps->n_resolutions > MFPSCAN_MAX_RESOLUTIONS)
		caps->n_resolutions = MFPSCAN_MAX_RESOLUTIONS;
	caps->flags = (mu->capabilities & MU_CAP_CAN_STALL) ?
		      MFPSCAN_CAP_CAN_STALL : 0;
	if (!is_power_of_2(caps->ring_bytes) || caps->ring_bytes < SZ_64K ||
	    caps->ring_bytes > SZ_64M)
		caps->ring_bytes = MU_DEFAULT_RING;
	mu->max_record = caps->ring_bytes / 2;
	memset(caps->reserved, 0, sizeof(caps->reserved));
	return 0;
}

static int mfpscan_usb_alloc_urbs(struct mfpscan_usb *mu)
{
	int i;

	for (i = 0; i < MU_RX_URBS; i++) {
		struct mfpscan_usb_rx *rx = &mu->rx[i];
		void *buf;

		rx->mu = mu;
		rx->urb = usb_alloc_urb(0, GFP_KERNEL);
		if (!rx->urb)
			return -ENOMEM;
		buf = kmalloc(MU_RX_BYTES, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		usb_fill_bulk_urb(rx->urb, mu->udev,
				  usb_rcvbulkpipe(mu->udev, mu->bulk_in),
				  buf, MU_RX_BYTES, mfpscan_usb_rx_complete, rx);
	}
	if (!mu->int_in)
		return 0;
	mu->int_urb = usb_alloc_urb(0, GFP_KERNEL);
	mu->int_buf = kmalloc(MU_EVENT_BYTES, GFP_KERNEL);
	if (!mu->int_urb || !mu->int_buf)
		return -ENOMEM;
	return 0;
}

/* Stop resubmitting and kill what is in flight. */
static void mfpscan_usb_kill_urbs(struct mfpscan_usb *mu)
{
	spin_lock_irq(&mu->lock);
	mu->rx_stopped = true;
	spin_unlock_irq(&mu->lock);
	usb_kill_anchored_urbs(&mu->rx_anchor);
	if (mu->int_urb)
		usb_kill_urb(mu->int_urb);
}

/*
 * After mfpscan_usb_kill_urbs() and the engine's stop: rx_work may have
 * resubmitted an URB it held while rx_stopped was being set; once the work
 * is idle nothing resubmits, so kill again and wait for the work that a
 * last completion may have queued.
 */
static void mfpscan_usb_drain(struct mfpscan_usb *mu)
{
	cancel_work_sync(&mu->rx_work);
	usb_kill_anchored_urbs(&mu->rx_anchor);
	cancel_work_sync(&mu->rx_work);
	cancel_work_sync(&mu->event_work);
	/* after rx_work, which queues it */
	cancel_work_sync(&mu->ctrl_work);
}

/*
 * The interface number for wIndex, found through the core's lookup (which
 * spares naming the ch9 descriptor field that --no-tree checkpatch calls
 * CamelCase).
 */
static int mfpscan_usb_ifnum(struct usb_device *udev,
			     struct usb_interface *intf)
{
	int i;

	for (i = 0; i < USB_MAXINTERFACES; i++)
		if (usb_ifnum_to_if(udev, i) == intf)
			return i;
	return -ENODEV;
}

/* The host controller's DMA device, the ring's (xHCI: yes, dummy_hcd: none). */
static struct device *mfpscan_usb_dma_dev(struct usb_device *udev)
{
	return hcd_uses_dma(bus_to_hcd(udev->bus)) ? udev->bus->sysdev : NULL;
}

static int mfpscan_usb_probe(struct usb_interface *intf,
			     const struct usb_device_id *id)
{
	struct usb_endpoint_descriptor *bulk_in, *int_in = NULL;
	struct mfpscan_caps caps;
	struct mfpscan_usb *mu;
	struct mfpscan_dev *mdev;
	int ret, i;

	mu = kzalloc(sizeof(*mu), GFP_KERNEL);
	if (!mu)
		return -ENOMEM;
	kref_init(&mu->kref);
	mutex_init(&mu->io_mutex);
	spin_lock_init(&mu->lock);
	init_usb_anchor(&mu->rx_anchor);
	init_usb_anchor(&mu->ctrl_anchor);
	init_completion(&mu->ctrl_done);
	INIT_LIST_HEAD(&mu->rx_done);
	INIT_WORK(&mu->rx_work, mfpscan_usb_rx_work);
	INIT_WORK(&mu->event_work, mfpscan_usb_event_work);
	INIT_WORK(&mu->ctrl_work, mfpscan_usb_ctrl_work);
	mu->udev = usb_get_dev(interface_to_usbdev(intf));
	mu->intf = usb_get_intf(intf);
	ret = mfpscan_usb_ifnum(mu->udev, intf);
	if (ret < 0)
		goto out_put_mu;
	mu->ifnum = ret;

	ret = usb_find_common_endpoints(intf->cur_altsetting, &bulk_in, NULL,
					NULL, NULL);
	if (ret) {
		dev_err(&intf->dev, "no bulk IN endpoint\n");
		goto out_put_mu;
	}
	mu->bulk_in = usb_endpoint_num(bulk_in);
	if (!usb_find_int_in_endpoint(intf->cur_altsetting, &int_in))
		mu->int_in = usb_endpoint_num(int_in);

	ret = -ENOMEM;
	mu->ctrl_buf = kmalloc(MU_INFO_BYTES, GFP_KERNEL);
	mu->ctrl_setup = kmalloc(MU_SETUP_BYTES, GFP_KERNEL);
	mu->ctrl_urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!mu->ctrl_buf || !mu->ctrl_setup || !mu->ctrl_urb)
		goto out_put_mu;
	mutex_lock(&mu->io_mutex);
	ret = mfpscan_usb_get_info(mu, &caps);
	/* Stop whatever a previous host left running. */
	if (!ret)
		mfpscan_usb_ctrl(mu, false, MU_REQ_ABORT, 0, 0);
	mutex_unlock(&mu->io_mutex);
	if (ret)
		goto out_put_mu;
	if (!(mu->capabilities & MU_CAP_EVENTS))
		mu->int_in = 0;

	ret = mfpscan_usb_alloc_urbs(mu);
	if (ret)
		goto out_put_mu;

	mdev = mfpscan_dev_alloc_dma(&caps, &mfpscan_usb_ops, mu, &intf->dev,
				     mfpscan_usb_dma_dev(mu->udev));
	if (IS_ERR(mdev)) {
		ret = PTR_ERR(mdev);
		if (ret == -EINVAL)
			dev_err(&intf->dev, "the engine reports unusable capabilities\n");
		goto out_put_mu;
	}
	mu->mdev = mdev;
	usb_set_intfdata(intf, mu);

	for (i = 0; i < MU_RX_URBS; i++) {
		ret = mfpscan_usb_rx_submit(mu, &mu->rx[i], GFP_KERNEL);
		if (ret)
			goto out_kill_urbs;
	}
	if (mu->int_in) {
		usb_fill_int_urb(mu->int_urb, mu->udev,
				 usb_rcvintpipe(mu->udev, mu->int_in),
				 mu->int_buf, MU_EVENT_BYTES,
				 mfpscan_usb_int_complete, mu,
				 MU_INT_INTERVAL);
		ret = usb_submit_urb(mu->int_urb, GFP_KERNEL);
		if (ret)
			goto out_kill_urbs;
	}

	ret = mfpscan_dev_register(mdev);
	if (ret)
		goto out_kill_urbs;
	dev_info(&intf->dev, "%s (%s), protocol capabilities %#x: %s\n",
		 caps.model, caps.serial, mu->capabilities,
		 mfpscan_dev_name(mdev));
	return 0;

out_kill_urbs:
	mfpscan_usb_kill_urbs(mu);
	mfpscan_usb_drain(mu);
	usb_set_intfdata(intf, NULL);
	mfpscan_dev_put(mdev);
out_put_mu:
	kref_put(&mu->kref, mfpscan_usb_delete);
	return ret;
}

static void mfpscan_usb_disconnect(struct usb_interface *intf)
{
	struct mfpscan_usb *mu = usb_get_intfdata(intf);

	/*
	 * No control request starts after this, and the one in flight ends
	 * now: a START or stop waiting for a device that does not answer
	 * returns -ENODEV and lets go of the core's I/O mutex, which the
	 * unregister below takes.
	 */
	WRITE_ONCE(mu->disconnected, true);
	usb_poison_anchored_urbs(&mu->ctrl_anchor);

	mfpscan_usb_kill_urbs(mu);
	/* Stops the engine (our stop), wakes readers with -ENODEV. */
	mfpscan_dev_unregister(mu->mdev);
	mfpscan_usb_drain(mu);
	usb_set_intfdata(intf, NULL);
	mfpscan_dev_put(mu->mdev);
	dev_info(&intf->dev, "scanner engine disconnected\n");
	kref_put(&mu->kref, mfpscan_usb_delete);
}

/*
 * Reset and suspend. The device forgets a job across either (usb-protocol.rst,
 * "Reset and suspend"): stop the URBs (poisoned, so that none is
 * submitted meanwhile) and have rx_work, the producer, end the job with a
 * PROTOCOL error band, which wakes the readers. rx_work is not waited
 * for: it may sleep in mfpscan_band_begin() until a reader makes room.
 * Restart resubmits what is parked; the device scans again.
 */
static void mfpscan_usb_quiesce(struct mfpscan_usb *mu)
{
	int i;

	spin_lock_irq(&mu->lock);
	mu->rx_stopped = true;
	mu->stream_lost = true;
	spin_unlock_irq(&mu->lock);
	/* each once, in flight or not: restart unpoisons each once */
	for (i = 0; i < MU_RX_URBS; i++)
		usb_poison_urb(mu->rx[i].urb);
	if (mu->int_urb)
		usb_poison_urb(mu->int_urb);
	queue_work(mfpscan_usb_wq, &mu->rx_work);
}

static int mfpscan_usb_restart(struct mfpscan_usb *mu)
{
	bool submit[MU_RX_URBS];
	int i, ret = 0;

	/* unpoisoned while still stopped: rx_work parks them, no more */
	for (i = 0; i < MU_RX_URBS; i++)
		usb_unpoison_urb(mu->rx[i].urb);
	spin_lock_irq(&mu->lock);
	mu->rx_stopped = false;
	for (i = 0; i < MU_RX_URBS; i++) {
		submit[i] = mu->rx[i].parked;
		mu->rx[i].parked = false;
	}
	spin_unlock_irq(&mu->lock);
	for (i = 0; i < MU_RX_URBS; i++)
		if (submit[i] && !ret)
			ret = mfpscan_usb_rx_submit(mu, &mu->rx[i], GFP_NOIO);
		else if (submit[i])
			mfpscan_usb_rx_park(mu, &mu->rx[i]);
	if (mu->int_urb) {
		usb_unpoison_urb(mu->int_urb);
		if (!ret)
			ret = usb_submit_urb(mu->int_urb, GFP_NOIO);
	}
	return ret;
}

/* Runs with io_mutex held until post_reset: no control request between. */
static int mfpscan_usb_pre_reset(struct usb_interface *intf)
{
	struct mfpscan_usb *mu = usb_get_intfdata(intf);

	mutex_lock(&mu->io_mutex);
	mfpscan_usb_quiesce(mu);
	return 0;
}

static int mfpscan_usb_post_reset(struct usb_interface *intf)
{
	struct mfpscan_usb *mu = usb_get_intfdata(intf);
	int ret = mfpscan_usb_restart(mu);

	mutex_unlock(&mu->io_mutex);
	if (ret)
		dev_warn(&intf->dev, "URBs not restarted after reset: %d\n", ret);
	return 0;
}

/*
 * A system suspend waits for the control request in flight; a runtime
 * suspend (autosuspend: no job holds the device) gives up instead, so
 * that ctrl_work, which resumes the device with io_mutex held, never
 * waits for a suspend that waits for it.
 */
static int mfpscan_usb_suspend(struct usb_interface *intf, pm_message_t msg)
{
	struct mfpscan_usb *mu = usb_get_intfdata(intf);

	if (!PMSG_IS_AUTO(msg))
		mutex_lock(&mu->io_mutex);
	else if (!mutex_trylock(&mu->io_mutex))
		return -EBUSY;
	mfpscan_usb_quiesce(mu);
	mutex_unlock(&mu->io_mutex);
	return 0;
}

static int mfpscan_usb_resume(struct usb_interface *intf)
{
	return mfpscan_usb_restart(usb_get_intfdata(intf));
}

static const struct usb_device_id mfpscan_usb_table[] = {
	{ USB_DEVICE_AND_INTERFACE_INFO(MU_VID, MU_PID, USB_CLASS_VENDOR_SPEC,
					MU_SUBCLASS, MU_PROTOCOL) },
	{ }
};
MODULE_DEVICE_TABLE(usb, mfpscan_usb_table);

static struct usb_driver mfpscan_usb_driver = {
	.name		= "mfpscan_usb",
	.probe		= mfpscan_usb_probe,
	.disconnect	= mfpscan_usb_disconnect,
	.suspend	= mfpscan_usb_suspend,
	.resume		= mfpscan_usb_resume,
	.reset_resume	= mfpscan_usb_resume,
	.pre_reset	= mfpscan_usb_pre_reset,
	.post_reset	= mfpscan_usb_post_reset,
	.id_table	= mfpscan_usb_table,
	.supports_autosuspend = 1,
};

static int __init mfpscan_usb_init(void)
{
	int ret;

	mfpscan_usb_wq = alloc_workqueue("mfpscan_usb", WQ_UNBOUND, 0);
	if (!mfpscan_usb_wq)
		return -ENOMEM;
	ret = usb_register(&mfpscan_usb_driver);
	if (ret)
		destroy_workqueue(mfpscan_usb_wq);
	return ret;
}

static void __exit mfpscan_usb_exit(void)
{
	usb_deregister(&mfpscan_usb_driver);
	destroy_workqueue(mfpscan_usb_wq);
}

module_init(mfpscan_usb_init);
module_exit(mfpscan_usb_exit);

MODULE_DESCRIPTION("mfpscan: USB scanner engine driver");
MODULE_LICENSE("GPL");
