// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim debugfs: /sys/kernel/debug/mfpscan/<devname>/ of each live
 * instance (fault injection: jam, sensor_error, cover_open, no_paper,
 * remove, button; what the core asks the panel to show: panel_message,
 * panel_lamps) and /sys/kernel/debug/mfpscan/bench_producer, the producer
 * alone for make bench-kernel. See Documentation/sim-engine.rst.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_sim.h"

static struct dentry *mfpscan_sim_debugfs_root;

/* debugfs: the panel */

static int mfpscan_sim_panel_message_show(struct seq_file *m, void *unused)
{
	struct mfpscan_sim *sim = m->private;
	char text[MFPSCAN_PANEL_MAX + 1];

	spin_lock(&sim->panel_lock);
	memcpy(text, sim->panel.text, sizeof(text));
	spin_unlock(&sim->panel_lock);
	seq_printf(m, "%s\n", text);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mfpscan_sim_panel_message);

static int mfpscan_sim_panel_lamps_show(struct seq_file *m, void *unused)
{
	struct mfpscan_sim *sim = m->private;
	u32 lamps;

	spin_lock(&sim->panel_lock);
	lamps = sim->panel.lamps;
	spin_unlock(&sim->panel_lock);
	seq_printf(m, "green:status %u\namber:attention %u\n",
		   !!(lamps & BIT(MFPSCAN_LAMP_STATUS)),
		   !!(lamps & BIT(MFPSCAN_LAMP_ATTENTION)));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mfpscan_sim_panel_lamps);

/* debugfs: fault injection */

static ssize_t mfpscan_sim_fault_read(struct file *file, char __user *ubuf,
				      size_t count, loff_t *ppos,
				      struct mfpscan_sim_fault *f)
{
	struct mfpscan_sim *sim = file->private_data;
	char buf[32];
	int len;

	spin_lock(&sim->fault_lock);
	if (f->armed)
		len = scnprintf(buf, sizeof(buf), "%u %u\n", f->page, f->line);
	else
		len = scnprintf(buf, sizeof(buf), "none\n");
	spin_unlock(&sim->fault_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* "P L" arms the fault at page P line L, "none" disarms it. */
static ssize_t mfpscan_sim_fault_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos, struct mfpscan_sim_fault *f)
{
	struct mfpscan_sim *sim = file->private_data;
	struct mfpscan_sim_fault nf = { .armed = true };
	char buf[32] = {};

	if (*ppos || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (sysfs_streq(buf, "none"))
		nf.armed = false;
	else if (sscanf(buf, "%u %u", &nf.page, &nf.line) != 2)
		return -EINVAL;

	spin_lock(&sim->fault_lock);
	*f = nf;
	spin_unlock(&sim->fault_lock);
	return count;
}

static ssize_t mfpscan_sim_jam_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct mfpscan_sim *sim = file->private_data;

	return mfpscan_sim_fault_read(file, ubuf, count, ppos, &sim->jam);
}

static ssize_t mfpscan_sim_jam_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	struct mfpscan_sim *sim = file->private_data;

	return mfpscan_sim_fault_write(file, ubuf, count, ppos, &sim->jam);
}

static const struct file_operations mfpscan_sim_jam_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mfpscan_sim_jam_read,
	.write	= mfpscan_sim_jam_write,
	.llseek	= default_llseek,
};

static ssize_t mfpscan_sim_sensor_read(struct file *file, char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	struct mfpscan_sim *sim = file->private_data;

	return mfpscan_sim_fault_read(file, ubuf, count, ppos, &sim->sensor);
}

static ssize_t mfpscan_sim_sensor_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	struct mfpscan_sim *sim = file->private_data;

	return mfpscan_sim_fault_write(file, ubuf, count, ppos, &sim->sensor);
}

static const struct file_operations mfpscan_sim_sensor_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mfpscan_sim_sensor_read,
	.write	= mfpscan_sim_sensor_write,
	.llseek	= default_llseek,
};

static int mfpscan_sim_cover_open_get(void *data, u64 *val)
{
	struct mfpscan_sim *sim = data;

	spin_lock(&sim->fault_lock);
	*val = sim->cover_open;
	spin_unlock(&sim->fault_lock);
	return 0;
}

static int mfpscan_sim_cover_open_set(void *data, u64 val)
{
	struct mfpscan_sim *sim = data;

	if (val > 1)
		return -EINVAL;
	spin_lock(&sim->fault_lock);
	sim->cover_open = val;
	spin_unlock(&sim->fault_lock);
	wake_up_all(&sim->wq);	/* a pacing producer ends the job now */
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mfpscan_sim_cover_open_fops,
			 mfpscan_sim_cover_open_get,
			 mfpscan_sim_cover_open_set, "%llu\n");

static int mfpscan_sim_no_paper_get(void *data, u64 *val)
{
	struct mfpscan_sim *sim = data;

	spin_lock(&sim->fault_lock);
	*val = sim->no_paper;
	spin_unlock(&sim->fault_lock);
	return 0;
}

static int mfpscan_sim_no_paper_set(void *data, u64 val)
{
	struct mfpscan_sim *sim = data;

	if (val > 1)
		return -EINVAL;
	spin_lock(&sim->fault_lock);
	sim->no_paper = val;
	spin_unlock(&sim->fault_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mfpscan_sim_no_paper_fops,
			 mfpscan_sim_no_paper_get,
			 mfpscan_sim_no_paper_set, "%llu\n");

/* Forced removal, like an unplug; the debugfs directory goes a bit later. */
static int mfpscan_sim_remove_set(void *data, u64 val)
{
	struct mfpscan_sim *sim = data;
	int ret = 0;

	if (val != 1)
		return -EINVAL;
	mutex_lock(&sim->lock);
	if (sim->live) {
		mfpscan_dev_unregister(sim->mdev);
		sim->live = false;
		queue_work(mfpscan_sim_wq, &sim->reap_work);
	} else {
		ret = -ENODEV;
	}
	mutex_unlock(&sim->lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(mfpscan_sim_remove_fops, NULL,
			 mfpscan_sim_remove_set, "%llu\n");

static int mfpscan_sim_button_set(void *data, u64 val)
{
	struct mfpscan_sim *sim = data;
	int ret = -ENODEV;

	if (val > U32_MAX)
		return -EINVAL;
	mutex_lock(&sim->lock);
	if (sim->live)
		ret = mfpscan_emit_button(sim->mdev, val);
	mutex_unlock(&sim->lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(mfpscan_sim_button_fops, NULL,
			 mfpscan_sim_button_set, "%llu\n");

struct dentry *mfpscan_sim_debugfs_create(struct mfpscan_sim *sim,
					  const char *name)
{
	struct dentry *dir = debugfs_create_dir(name, mfpscan_sim_debugfs_root);

	debugfs_create_file("jam", 0600, dir, sim, &mfpscan_sim_jam_fops);
	debugfs_create_file("sensor_error", 0600, dir, sim,
			    &mfpscan_sim_sensor_fops);
	debugfs_create_file_unsafe("cover_open", 0600, dir, sim,
				   &mfpscan_sim_cover_open_fops);
	debugfs_create_file_unsafe("no_paper", 0600, dir, sim,
				   &mfpscan_sim_no_paper_fops);
	debugfs_create_file_unsafe("remove", 0200, dir, sim,
				   &mfpscan_sim_remove_fops);
	debugfs_create_file_unsafe("button", 0200, dir, sim,
				   &mfpscan_sim_button_fops);
	debugfs_create_file("panel_message", 0444, dir, sim,
			    &mfpscan_sim_panel_message_fops);
	debugfs_create_file("panel_lamps", 0444, dir, sim,
			    &mfpscan_sim_panel_lamps_fops);
	return dir;
}

/*
 * debugfs bench_producer: the producer alone, for make bench-kernel. Write
 * "BPL BAND_LINES LINES_PER_PAGE PAGES": the pattern producer fills the
 * same bands (lines, CRCs, one cond_resched() a band) one after another
 * into a plain kernel buffer of @SIM_BENCH_BYTES instead of the ring; read
 * "bands B bytes N ns T". A private engine state, so live instances and
 * their jobs are not touched.
 */
#define SIM_BENCH_BYTES		(64U << 20)

static DEFINE_MUTEX(mfpscan_sim_bench_mutex);	/* the result below */
static char mfpscan_sim_bench_result[80];

static int mfpscan_sim_bench_run(u32 bpl, u32 band_lines, u32 lpp, u32 pages)
{
	struct mfpscan_sim *sim;
	u64 bands = 0, bytes = 0, off = 0;
	u32 band_bytes, page, first, lines;
	ktime_t t0;
	u8 *buf;
	int ret;

	if (!bpl || !band_lines || band_lines > SIM_MAX_BAND_LINES || !lpp ||
	    !pages || pages > 2 * SIM_ADF_CAPACITY ||
	    (u64)bpl * band_lines > SIM_BENCH_BYTES)
		return -EINVAL;
	band_bytes = bpl * band_lines;
	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	buf = kvmalloc(SIM_BENCH_BYTES, GFP_KERNEL);
	ret = sim && buf ? mfpscan_sim_alloc_lines(sim, bpl) : -ENOMEM;
	if (ret)
		goto out_free;
	sim->job.params.bytes_per_line = bpl;
	t0 = ktime_get();
	for (page = 0; page < pages; page++) {
		for (first = 0; first < lpp; first += lines) {
			lines = min(band_lines, lpp - first);
			if (off + band_bytes > SIM_BENCH_BYTES)
				off = 0;
			mfpscan_sim_fill(sim, buf + off, page, first, lines);
			off += lines * bpl;
			bytes += lines * bpl;
			bands++;
			cond_resched();
		}
	}
	scnprintf(mfpscan_sim_bench_result, sizeof(mfpscan_sim_bench_result),
		  "bands %llu bytes %llu ns %lld\n", bands, bytes,
		  ktime_to_ns(ktime_sub(ktime_get(), t0)));
out_free:
	if (sim)
		kvfree(sim->base[0]);
	kfree(sim);
	kvfree(buf);
	return ret;
}

static ssize_t mfpscan_sim_bench_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	u32 bpl, band_lines, lpp, pages;
	char buf[64] = {};
	int ret;

	if (*ppos || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	if (sscanf(buf, "%u %u %u %u", &bpl, &band_lines, &lpp, &pages) != 4)
		return -EINVAL;
	mutex_lock(&mfpscan_sim_bench_mutex);
	ret = mfpscan_sim_bench_run(bpl, band_lines, lpp, pages);
	mutex_unlock(&mfpscan_sim_bench_mutex);
	return ret ? ret : count;
}

static ssize_t mfpscan_sim_bench_read(struct file *file, char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	char buf[sizeof(mfpscan_sim_bench_result)];

	mutex_lock(&mfpscan_sim_bench_mutex);
	memcpy(buf, mfpscan_sim_bench_result, sizeof(buf));
	mutex_unlock(&mfpscan_sim_bench_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, buf, strlen(buf));
}

static const struct file_operations mfpscan_sim_bench_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mfpscan_sim_bench_read,
	.write	= mfpscan_sim_bench_write,
	.llseek	= default_llseek,
};

/* The directory of the instances' directories, with bench_producer. */
void mfpscan_sim_debugfs_init(void)
{
	mfpscan_sim_debugfs_root = debugfs_create_dir("mfpscan", NULL);
	debugfs_create_file("bench_producer", 0600, mfpscan_sim_debugfs_root,
			    NULL, &mfpscan_sim_bench_fops);
}

void mfpscan_sim_debugfs_exit(void)
{
	debugfs_remove_recursive(mfpscan_sim_debugfs_root);
}
