// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan debugfs: per-device counters of who wrote the ring's payload, for
 * tests and benchmarks, in /sys/kernel/debug/mfpscan-core/mfpscanN/:
 *
 *	cpu_copied_bytes  payload bytes of published bands the CPU wrote
 *	dma_bytes         payload bytes of published bands the device wrote
 *	dma_device        the device the ring was mapped on, or "none"
 *
 * (Documentation/ABI/testing/debugfs-mfpscan-core). The sim engine's own
 * debugfs tree is /sys/kernel/debug/mfpscan/; this one is the core's, for
 * every engine. debugfs is optional: without it nothing here fails.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "mfpscan_dev.h"

static struct dentry *mfpscan_debugfs_root;

static int mfpscan_counter_get(struct seq_file *m, size_t offset)
{
	struct mfpscan_dev *mdev = m->private;
	u64 val;

	spin_lock(&mdev->lock);
	val = *(u64 *)((char *)mdev + offset);
	spin_unlock(&mdev->lock);
	seq_printf(m, "%llu\n", val);
	return 0;
}

static int cpu_copied_bytes_show(struct seq_file *m, void *unused)
{
	return mfpscan_counter_get(m, offsetof(struct mfpscan_dev, cpu_copied));
}
DEFINE_SHOW_ATTRIBUTE(cpu_copied_bytes);

static int dma_bytes_show(struct seq_file *m, void *unused)
{
	return mfpscan_counter_get(m, offsetof(struct mfpscan_dev, dma_written));
}
DEFINE_SHOW_ATTRIBUTE(dma_bytes);

static int dma_device_show(struct seq_file *m, void *unused)
{
	struct mfpscan_dev *mdev = m->private;

	/* Set at allocation, never changed. */
	seq_printf(m, "%s\n", mdev->dma_name[0] ? mdev->dma_name : "none");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dma_device);

/**
 * mfpscan_debugfs_add() - create the device's debugfs directory
 * @mdev: the device, being registered
 *
 * Removed by mfpscan_debugfs_remove() before the device can be freed: the
 * files reach @mdev without a reference, debugfs removal waits for their
 * readers.
 */
void mfpscan_debugfs_add(struct mfpscan_dev *mdev)
{
	struct dentry *dir;

	dir = debugfs_create_dir(dev_name(&mdev->dev), mfpscan_debugfs_root);
	debugfs_create_file("cpu_copied_bytes", 0444, dir, mdev,
			    &cpu_copied_bytes_fops);
	debugfs_create_file("dma_bytes", 0444, dir, mdev, &dma_bytes_fops);
	debugfs_create_file("dma_device", 0444, dir, mdev, &dma_device_fops);
	mdev->debugfs = dir;
}

/**
 * mfpscan_debugfs_remove() - remove the device's debugfs directory
 * @mdev: the device, being unregistered
 */
void mfpscan_debugfs_remove(struct mfpscan_dev *mdev)
{
	debugfs_remove_recursive(mdev->debugfs);
	mdev->debugfs = NULL;
}

void mfpscan_debugfs_init(void)
{
	mfpscan_debugfs_root = debugfs_create_dir("mfpscan-core", NULL);
}

void mfpscan_debugfs_exit(void)
{
	debugfs_remove_recursive(mfpscan_debugfs_root);
}
