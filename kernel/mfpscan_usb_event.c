// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan_usb events: the interrupt IN endpoint's engine events (the
 * panel's buttons), queued by the completion and reported to the core
 * by event_work.
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/usb.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"
#include "mfpscan_usb_priv.h"

/* Interrupt IN: events */

void mfpscan_usb_int_complete(struct urb *urb)
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

void mfpscan_usb_event_work(struct work_struct *work)
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
