// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan core: the lifetime of a device behind /dev/mfpscanN. It owns the
 * class, the minor numbers and the per-device object (a kref'd struct
 * mfpscan_dev with its ring, status page and control page), its sysfs
 * attributes and uevents, and the engine interface of mfpscan.h that
 * allocates, registers and removes devices.
 *
 * The other files of mfpscan.ko: mfpscan_fops.c (the file operations),
 * mfpscan_job.c (job control and ownership), mfpscan_stream.c (the
 * producer's band stream), mfpscan_params.c (parameter geometry),
 * mfpscan_ring.c (the ring) and mfpscan_panel.c (panel and lamps).
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "mfpscan.h"
#include "mfpscan_dev.h"
#include "mfpscan_fops.h"
#include "mfpscan_job.h"
#include "mfpscan_params.h"
#include "mfpscan_ring.h"
#include "mfpscan_stream.h"

#define MFPSCAN_MAX_DEVS	256

static struct class mfpscan_class = {
	.name	= "mfpscan",
};

static dev_t mfpscan_devt;
static DEFINE_IDA(mfpscan_ida);

static const char * const mfpscan_state_names[] = {
	[MFPSCAN_STATE_IDLE]		= "idle",
	[MFPSCAN_STATE_SCANNING]	= "scanning",
	[MFPSCAN_STATE_STALLED]		= "stalled",
	[MFPSCAN_STATE_DONE]		= "done",
	[MFPSCAN_STATE_ERROR]		= "error",
	[MFPSCAN_STATE_ABORTED]		= "aborted",
	[MFPSCAN_STATE_OVERRUN]		= "overrun",
	[MFPSCAN_STATE_GONE]		= "gone",
};

/* Object lifetime */

static void mfpscan_dev_release(struct device *dev)
{
	struct mfpscan_dev *mdev = container_of(dev, struct mfpscan_dev, dev);

	mutex_destroy(&mdev->read_mutex);
	mutex_destroy(&mdev->io_mutex);
	kfree(mdev);
}

static void mfpscan_dev_free(struct kref *kref)
{
	struct mfpscan_dev *mdev = container_of(kref, struct mfpscan_dev, kref);

	free_page((unsigned long)mdev->control);
	free_page((unsigned long)mdev->status);
	mfpscan_ring_free(&mdev->ring);
	ida_free(&mfpscan_ida, mdev->minor);
	put_device(&mdev->dev);
}

/**
 * mfpscan_dev_get() - take a reference on a device
 * @mdev: the device
 */
void mfpscan_dev_get(struct mfpscan_dev *mdev)
{
	kref_get(&mdev->kref);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_get);

/**
 * mfpscan_dev_put() - drop a reference; the last one frees the device
 * @mdev: the device
 */
void mfpscan_dev_put(struct mfpscan_dev *mdev)
{
	kref_put(&mdev->kref, mfpscan_dev_free);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_put);

/**
 * mfpscan_dev_priv() - the engine data given to mfpscan_dev_alloc()
 * @mdev: the device
 *
 * Return: the engine data.
 */
void *mfpscan_dev_priv(struct mfpscan_dev *mdev)
{
	return mdev->priv;
}
EXPORT_SYMBOL_GPL(mfpscan_dev_priv);

/**
 * mfpscan_dev_name() - the device name, "mfpscanN"
 * @mdev: the device
 *
 * Return: the name, valid as long as the caller holds a reference.
 */
const char *mfpscan_dev_name(struct mfpscan_dev *mdev)
{
	return dev_name(&mdev->dev);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_name);

/* sysfs */

static ssize_t model_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mfpscan_dev(dev)->caps.model);
}
static DEVICE_ATTR_RO(model);

static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mfpscan_dev(dev)->caps.serial);
}
static DEVICE_ATTR_RO(serial);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct mfpscan_dev *mdev = to_mfpscan_dev(dev);
	u32 state;

	spin_lock(&mdev->lock);
	state = mdev->state;
	spin_unlock(&mdev->lock);
	return sysfs_emit(buf, "%s\n", mfpscan_state_names[state]);
}
static DEVICE_ATTR_RO(state);

static ssize_t mfpscan_counter_show(struct device *dev, char *buf,
				    size_t offset)
{
	struct mfpscan_dev *mdev = to_mfpscan_dev(dev);
	u64 val;

	spin_lock(&mdev->lock);
	val = *(u64 *)((char *)mdev + offset);
	spin_unlock(&mdev->lock);
	return sysfs_emit(buf, "%llu\n", val);
}

static ssize_t pages_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return mfpscan_counter_show(dev, buf,
				    offsetof(struct mfpscan_dev, pages));
}
static DEVICE_ATTR_RO(pages);

static ssize_t bands_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return mfpscan_counter_show(dev, buf,
				    offsetof(struct mfpscan_dev, bands));
}
static DEVICE_ATTR_RO(bands);

static ssize_t bytes_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return mfpscan_counter_show(dev, buf,
				    offsetof(struct mfpscan_dev, bytes));
}
static DEVICE_ATTR_RO(bytes);

static ssize_t overruns_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return mfpscan_counter_show(dev, buf,
				    offsetof(struct mfpscan_dev, overruns));
}
static DEVICE_ATTR_RO(overruns);

static ssize_t errors_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return mfpscan_counter_show(dev, buf,
				    offsetof(struct mfpscan_dev, errors));
}
static DEVICE_ATTR_RO(errors);

static struct attribute *mfpscan_attrs[] = {
	&dev_attr_model.attr,
	&dev_attr_serial.attr,
	&dev_attr_state.attr,
	&dev_attr_pages.attr,
	&dev_attr_bands.attr,
	&dev_attr_bytes.attr,
	&dev_attr_overruns.attr,
	&dev_attr_errors.attr,
	NULL
};

static const struct attribute_group mfpscan_group = {
	.attrs = mfpscan_attrs,
};

static const struct attribute_group *mfpscan_groups[] = {
	&mfpscan_group,
	&mfpscan_panel_group,
	&mfpscan_leds_group,
	NULL
};

/* Engine side: allocation, registration, removal, events */

/*
 * The device the ring is mapped on, if any: the record layout of the ABI
 * keeps the CPU's headers and the device's payloads in separate cache
 * lines only where a DMA cache line is at most MFPSCAN_RECORD_ALIGN bytes
 * (64: a header is one line, payloads start on the next). Elsewhere the
 * engine keeps its copy path.
 */
static struct device *mfpscan_dma_device(struct device *dma_dev)
{
	if (dma_dev && dma_get_cache_alignment() > MFPSCAN_RECORD_ALIGN) {
		dev_notice(dma_dev, "mfpscan: DMA cache lines of %d bytes exceed the ring's %d-byte records: no DMA into the ring\n",
			   dma_get_cache_alignment(), MFPSCAN_RECORD_ALIGN);
		return NULL;
	}
	return dma_dev;
}

/**
 * mfpscan_dev_alloc() - allocate a device for an engine
 * @caps: capabilities; ring_bytes a power of two of at least two pages
 * @ops: the engine's operations, referenced until the device is freed
 * @priv: engine data, see mfpscan_dev_priv()
 * @parent: parent device (the USB interface), or NULL
 *
 * The ring is filled by the CPU only: mfpscan_band_begin_dma() fails with
 * -EOPNOTSUPP. See mfpscan_dev_alloc_dma().
 *
 * Return: the device or an ERR_PTR().
 */
struct mfpscan_dev *mfpscan_dev_alloc(const struct mfpscan_caps *caps,
				      const struct mfpscan_engine_ops *ops,
				      void *priv, struct device *parent)
{
	return mfpscan_dev_alloc_dma(caps, ops, priv, parent, NULL);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_alloc);

/**
 * mfpscan_dev_alloc_dma() - allocate a device whose ring a device DMAs into
 * @caps: capabilities; ring_bytes a power of two of at least two pages
 * @ops: the engine's operations, referenced until the device is freed
 * @priv: engine data, see mfpscan_dev_priv()
 * @parent: parent device (the USB interface), or NULL
 * @dma_dev: the device that writes bands into the ring by DMA (for USB the
 *	host controller's bus->sysdev), or NULL. The ring's pages are mapped
 *	on it, and it is referenced, until mfpscan_dev_unregister() (or the
 *	last put of a device never registered). Ignored, with a notice, where
 *	the record layout cannot keep the device's lines apart from the CPU's
 *	(mfpscan_band_begin_dma() then fails with -EOPNOTSUPP).
 *
 * The returned device holds one reference, the engine's, dropped with
 * mfpscan_dev_put() after mfpscan_dev_unregister().
 *
 * Return: the device or an ERR_PTR().
 */
struct mfpscan_dev *mfpscan_dev_alloc_dma(const struct mfpscan_caps *caps,
					  const struct mfpscan_engine_ops *ops,
					  void *priv, struct device *parent,
					  struct device *dma_dev)
{
	struct mfpscan_dev *mdev;
	int ret;

	if (!ops || !ops->start || !ops->stop || !mfpscan_caps_valid(caps))
		return ERR_PTR(-EINVAL);

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	mdev->minor = ida_alloc_max(&mfpscan_ida, MFPSCAN_MAX_DEVS - 1,
				    GFP_KERNEL);
	if (mdev->minor < 0) {
		ret = mdev->minor;
		goto out_free_mdev;
	}
	dma_dev = mfpscan_dma_device(dma_dev);
	ret = mfpscan_ring_init(&mdev->ring, caps->ring_bytes, dma_dev);
	if (ret)
		goto out_free_minor;
	if (dma_dev) {
		strscpy(mdev->dma_name, dev_name(dma_dev),
			sizeof(mdev->dma_name));
		dev_info(dma_dev, "mfpscan: ring of %u KiB mapped for DMA\n",
			 caps->ring_bytes / 1024);
	}
	ret = -ENOMEM;
	mdev->status = (void *)get_zeroed_page(GFP_KERNEL);
	if (!mdev->status)
		goto out_free_ring;
	mdev->control = (void *)get_zeroed_page(GFP_KERNEL);
	if (!mdev->control)
		goto out_free_status;

	kref_init(&mdev->kref);
	mdev->caps = *caps;
	mdev->caps.model[MFPSCAN_NAME_LEN - 1] = '\0';
	mdev->caps.serial[MFPSCAN_NAME_LEN - 1] = '\0';
	mdev->ops = ops;
	mdev->priv = priv;
	mutex_init(&mdev->io_mutex);
	mutex_init(&mdev->read_mutex);
	init_rwsem(&mdev->map_rwsem);
	spin_lock_init(&mdev->lock);
	init_waitqueue_head(&mdev->event_wq);
	mdev->state = MFPSCAN_STATE_IDLE;
	mfpscan_publish_status(mdev);

	device_initialize(&mdev->dev);
	mdev->dev.class = &mfpscan_class;
	mdev->dev.parent = parent;
	mdev->dev.devt = MKDEV(MAJOR(mfpscan_devt), mdev->minor);
	mdev->dev.groups = mfpscan_groups;
	mdev->dev.release = mfpscan_dev_release;
	cdev_init(&mdev->cdev, &mfpscan_fops);
	mdev->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&mdev->dev, "mfpscan%d", mdev->minor);
	if (ret) {
		mfpscan_dev_put(mdev);	/* frees everything below */
		return ERR_PTR(ret);
	}
	return mdev;

out_free_status:
	free_page((unsigned long)mdev->status);
out_free_ring:
	mfpscan_ring_free(&mdev->ring);
out_free_minor:
	ida_free(&mfpscan_ida, mdev->minor);
out_free_mdev:
	kfree(mdev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_alloc_dma);

/**
 * mfpscan_dev_register() - make the device appear as /dev/mfpscanN
 * @mdev: a device from mfpscan_dev_alloc(), not yet registered
 *
 * Return: 0 or a negative errno.
 */
int mfpscan_dev_register(struct mfpscan_dev *mdev)
{
	int ret;

	mutex_lock(&mdev->io_mutex);
	mdev->registered = true;
	mutex_unlock(&mdev->io_mutex);

	ret = cdev_device_add(&mdev->cdev, &mdev->dev);
	if (ret)
		goto out_unregistered;
	ret = mfpscan_panel_register(mdev);
	if (ret)
		goto out_del_cdev;
	mfpscan_debugfs_add(mdev);
	return 0;

out_del_cdev:
	cdev_device_del(&mdev->cdev, &mdev->dev);
out_unregistered:
	mutex_lock(&mdev->io_mutex);
	mdev->registered = false;
	mutex_unlock(&mdev->io_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(mfpscan_dev_register);

/**
 * mfpscan_dev_unregister() - make the device disappear (unplug)
 * @mdev: the device; calling this again, or for a device that never
 *	registered, does nothing
 *
 * Stops the engine, ends the ring's DMA mapping (the DMA device may go
 * away after this), wakes every sleeping reader and poller (they see
 * -ENODEV and EPOLLHUP) and removes the device node and sysfs directory.
 * Open files and mappings keep the memory until they are gone.
 */
void mfpscan_dev_unregister(struct mfpscan_dev *mdev)
{
	mutex_lock(&mdev->io_mutex);
	if (!mdev->registered) {
		mutex_unlock(&mdev->io_mutex);
		return;
	}
	mdev->registered = false;
	mfpscan_stop_engine(mdev);
	mfpscan_panel_answer(mdev, -ENODEV);	/* a pending panel write */
	/* The engine stopped: nothing writes into the ring any more. */
	mfpscan_ring_dma_unmap(&mdev->ring);
	spin_lock(&mdev->lock);
	mdev->gone = true;
	if (mdev->running) {
		mdev->running = false;
		mdev->error = MFPSCAN_ERR_REMOVED;
	}
	mdev->state = MFPSCAN_STATE_GONE;
	mfpscan_publish_status(mdev);
	spin_unlock(&mdev->lock);
	mutex_unlock(&mdev->io_mutex);

	mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
	wake_up_all(&mdev->ring.space_wq);
	mfpscan_debugfs_remove(mdev);
	mfpscan_panel_unregister(mdev);
	cdev_device_del(&mdev->cdev, &mdev->dev);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_unregister);

/**
 * mfpscan_emit_button() - report a press of the scan button
 * @mdev: the device
 * @profile: the profile number the button selects
 *
 * Sends a KOBJ_CHANGE uevent on the class device with MFPSCAN_EVENT=button
 * and MFPSCAN_PROFILE=@profile. Process context only.
 *
 * Return: 0, -ENODEV if the device is gone, or the uevent's error.
 */
int mfpscan_emit_button(struct mfpscan_dev *mdev, u32 profile)
{
	char event[] = "MFPSCAN_EVENT=button";
	char prof[32];
	char *envp[3];
	int ret = -ENODEV;

	envp[0] = event;
	envp[1] = prof;
	envp[2] = NULL;
	snprintf(prof, sizeof(prof), "MFPSCAN_PROFILE=%u", profile);
	mutex_lock(&mdev->io_mutex);
	if (mdev->registered)
		ret = kobject_uevent_env(&mdev->dev.kobj, KOBJ_CHANGE, envp);
	mutex_unlock(&mdev->io_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(mfpscan_emit_button);

/* Module */

static int __init mfpscan_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&mfpscan_devt, 0, MFPSCAN_MAX_DEVS,
				  "mfpscan");
	if (ret)
		return ret;
	ret = class_register(&mfpscan_class);
	if (ret)
		goto out_unregister_chrdev;
	mfpscan_debugfs_init();
	return 0;

out_unregister_chrdev:
	unregister_chrdev_region(mfpscan_devt, MFPSCAN_MAX_DEVS);
	return ret;
}
module_init(mfpscan_init);

static void __exit mfpscan_exit(void)
{
	mfpscan_debugfs_exit();
	class_unregister(&mfpscan_class);
	unregister_chrdev_region(mfpscan_devt, MFPSCAN_MAX_DEVS);
	ida_destroy(&mfpscan_ida);
}
module_exit(mfpscan_exit);

MODULE_DESCRIPTION("Multifunction printer scanner engines: band ring, /dev/mfpscanN");
MODULE_AUTHOR("mfpscan project");
MODULE_LICENSE("GPL");
