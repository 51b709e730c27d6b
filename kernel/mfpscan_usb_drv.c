// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan_usb: a scanner engine attached over USB, speaking the protocol of
 * Documentation/usb-protocol.rst, made a /dev/mfpscanN with the ABI of the
 * simulated engine through mfpscan.ko's engine interface (mfpscan.h).
 *
 * Lifetime: struct mfpscan_usb lives from probe to the end of disconnect
 * (kref). The core's device (mdev) outlives it while files are open: the
 * core calls our ops only while registered, and disconnect unregisters
 * before it frees anything.
 */
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"
#include "mfpscan_usb_priv.h"

struct workqueue_struct *mfpscan_usb_wq;

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
	mfpscan_usb_dma_free(mu);
	usb_free_urb(mu->int_urb);
	kfree(mu->int_buf);
	usb_free_urb(mu->ctrl_urb);
	usb_free_urb(mu->panel_urb);
	kfree(mu->ctrl_setup);
	kfree(mu->ctrl_buf);
	usb_put_intf(mu->intf);
	usb_put_dev(mu->udev);
	kfree(mu);
}

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
	mu->panel_urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!mu->ctrl_buf || !mu->ctrl_setup || !mu->ctrl_urb ||
	    !mu->panel_urb)
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
	ret = mfpscan_usb_dma_setup(mu);
	if (ret)
		goto out_kill_urbs;

	/* zero-copy: one bounce URB, so that a payload waits for its own */
	for (i = 0; i < (mu->dma_rx ? 1 : MU_RX_URBS); i++) {
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
