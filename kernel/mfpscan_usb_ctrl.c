// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan_usb control: the control requests (anchored, killable URBs),
 * the device I/O that ctrl_work sends through them (START, ABORT, and
 * the panel's SET_PANEL) and the engine operations the core calls (start,
 * stop, set_panel).
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/usb.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"
#include "mfpscan_usb_priv.h"

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

static int mfpscan_usb_ctrl_on(struct mfpscan_usb *mu, struct urb *urb,
			       bool in, u8 req, u16 value, u16 len)
{
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

int mfpscan_usb_ctrl(struct mfpscan_usb *mu, bool in, u8 req,
		     u16 value, u16 len)
{
	return mfpscan_usb_ctrl_on(mu, mu->ctrl_urb, in, req, value, len);
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
 * SET_PANEL: the message as data, the lamps in wValue; an autosuspended
 * device is resumed to show it. 0 or -errno.
 */
static int mfpscan_usb_panel_device(struct mfpscan_usb *mu,
				    const struct mfpscan_panel *panel)
{
	int ret;

	lockdep_assert_held(&mu->io_mutex);
	if (READ_ONCE(mu->disconnected))
		return -ENODEV;
	ret = usb_autopm_get_interface(mu->intf);
	if (ret)
		return ret;
	memcpy(mu->ctrl_buf, panel->text, panel->len);
	/* panel_urb: a stop's cancel of a START poisons only ctrl_urb */
	ret = mfpscan_usb_ctrl_on(mu, mu->panel_urb, false, MU_REQ_SET_PANEL,
				  panel->lamps, panel->len);
	usb_autopm_put_interface_async(mu->intf);
	return ret < 0 ? ret : 0;
}

/* ctrl_work: the panel change the core waits for, if one is wanted. */
static bool mfpscan_usb_panel_work(struct mfpscan_usb *mu)
{
	struct mfpscan_panel panel;
	bool wanted;

	spin_lock_irq(&mu->lock);
	wanted = mu->panel_wanted;
	mu->panel_wanted = false;
	panel = mu->panel;
	spin_unlock_irq(&mu->lock);
	if (wanted)
		mfpscan_panel_done(mu->mdev,
				   mfpscan_usb_panel_device(mu, &panel));
	return wanted;
}

/*
 * The ABORT a stop or a protocol error asked for, then the START the core
 * is waiting for, whose answer goes to mfpscan_start_done() unless the
 * core stopped the job meanwhile (mfpscan_usb_cancel_start()). Both
 * requests are taken at once: an ABORT wanted together with a START was
 * asked for before it (a stop cancels the START it follows), and sent
 * after the START it would end the new job. A panel change follows, its
 * answer to mfpscan_panel_done(); a disconnect ends its request at once.
 */
void mfpscan_usb_ctrl_work(struct work_struct *work)
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
		if (!abort && !start) {
			if (!mfpscan_usb_panel_work(mu))
				break;
			continue;
		}
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
		/* mfpscan_usb_cancel_start() waits for this; pairs with the
		 * barrier in wait_var_event()'s set_current_state()
		 */
		smp_mb();
		wake_up_var(&mu->starting);
		if (answer)
			mfpscan_start_done(mu->mdev, job.job, ret);
	}
	mutex_unlock(&mu->io_mutex);
}

static bool mfpscan_usb_starting(struct mfpscan_usb *mu)
{
	bool starting;

	spin_lock_irq(&mu->lock);
	starting = mu->starting;
	spin_unlock_irq(&mu->lock);
	return starting;
}

/*
 * A START the core no longer waits for: not begun, it never is; being
 * sent, its request in flight is killed and the rest refused (the URB
 * poisoned until ctrl_work is done with the START), and it gets no
 * answer. Not flush_work(): that would also wait for a queued run's
 * SET_PANEL, up to its timeout, with the core's I/O mutex held.
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
	wait_var_event(&mu->starting, !mfpscan_usb_starting(mu));
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
 * SET_PANEL is sent by ctrl_work, not here: a device that does not answer
 * would hold the core's I/O mutex for the whole timeout. A device without
 * MU_CAP_PANEL has no panel to show it on: nothing to do.
 */
static int mfpscan_usb_set_panel(struct mfpscan_dev *mdev,
				 const struct mfpscan_panel *panel)
{
	struct mfpscan_usb *mu = mfpscan_dev_priv(mdev);

	if (!(mu->capabilities & MU_CAP_PANEL))
		return 0;
	if (READ_ONCE(mu->disconnected))
		return -ENODEV;
	spin_lock_irq(&mu->lock);
	mu->panel = *panel;
	mu->panel_wanted = true;
	spin_unlock_irq(&mu->lock);
	queue_work(mfpscan_usb_wq, &mu->ctrl_work);
	return MFPSCAN_PANEL_PENDING;
}

const struct mfpscan_engine_ops mfpscan_usb_ops = {
	.owner		= THIS_MODULE,
	.start		= mfpscan_usb_start,
	.stop		= mfpscan_usb_stop,
	.set_panel	= mfpscan_usb_set_panel,
};
