// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan_usb power management: the runtime PM reference a job holds,
 * and what a reset, a suspend and a resume do to the URBs and the job.
 */
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/usb.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_usb_priv.h"

/*
 * The job is over for the core and for the device (no longer active, the
 * device no longer running): drop its runtime PM reference, the device
 * may autosuspend.
 */
void mfpscan_usb_pm_release(struct mfpscan_usb *mu)
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

/*
 * A job keeps the device resumed from its START until it is over for the
 * device (mfpscan_usb_pm_release()); a device that autosuspended is
 * resumed first. io_mutex held: a runtime suspend meanwhile gives up
 * (mfpscan_usb_suspend()).
 */
int mfpscan_usb_pm_hold(struct mfpscan_usb *mu)
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
int mfpscan_usb_pre_reset(struct usb_interface *intf)
{
	struct mfpscan_usb *mu = usb_get_intfdata(intf);

	mutex_lock(&mu->io_mutex);
	mfpscan_usb_quiesce(mu);
	return 0;
}

int mfpscan_usb_post_reset(struct usb_interface *intf)
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
int mfpscan_usb_suspend(struct usb_interface *intf, pm_message_t msg)
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

int mfpscan_usb_resume(struct usb_interface *intf)
{
	return mfpscan_usb_restart(usb_get_intfdata(intf));
}
