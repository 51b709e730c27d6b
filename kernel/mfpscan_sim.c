// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim: the simulated scanner engine, for tests and demos.
 *
 * Instances are configfs items (/sys/kernel/config/mfpscan-sim/<name>) with
 * the attributes model, serial, line_rate, adf_pages, can_stall, ring_kib,
 * live and devname; "echo 1 > live" registers /dev/mfpscanN. A work item
 * produces the pages band by band, paced by an hrtimer sleep when line_rate
 * is set, with the content MFPSCAN_PATTERN(page, line, byte) of
 * include/mfpscan/pattern.h. Faults are injected through debugfs
 * (/sys/kernel/debug/mfpscan/<devname>/: jam, sensor_error, cover_open,
 * no_paper, remove, button); what the core asks the panel to show is in
 * panel_message and panel_lamps there. See Documentation/sim-engine.rst.
 */
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/configfs.h>
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"
#include "mfpscan_sim_content.h"

#define SIM_DEFAULT_MODEL	"MFP-SIM"
#define SIM_DEFAULT_ADF_PAGES	10
#define SIM_DEFAULT_RING_KIB	4096
#define SIM_MIN_RING_KIB	64
#define SIM_MAX_RING_KIB	65536
#define SIM_ADF_CAPACITY	50
#define SIM_MAX_BAND_LINES	256
#define SIM_MAX_WIDTH_UM	215900	/* US legal */
#define SIM_MAX_HEIGHT_UM	355600
#define SIM_DISTINCT_LINES	512	/* 2 phases x 256 offsets */

static const u32 mfpscan_sim_resolutions[] = { 75, 150, 200, 300, 600 };

static struct workqueue_struct *mfpscan_sim_wq;
static struct dentry *mfpscan_sim_debugfs_root;

/* A fault armed at a page and line ("P L" written to jam or sensor_error). */
struct mfpscan_sim_fault {
	bool armed;
	u32 page;
	u32 line;
};

/**
 * struct mfpscan_sim - one simulated engine (a configfs item)
 * @group: the configfs item
 * @live_mutex: serializes activation, deactivation and the configuration
 *	attributes; guards @model..@can_stall. Never taken by a debugfs
 *	handler (deactivation waits for those with it held).
 * @lock: guards @live, @mdev and @dir; held by debugfs handlers while they
 *	use @mdev. Nests inside @live_mutex.
 * @model: caps.model
 * @serial: caps.serial, the item name by default
 * @line_rate: lines per second, 0 = as fast as possible
 * @adf_pages: sheets loaded in the ADF
 * @ring_kib: ring size in KiB
 * @can_stall: the engine waits when the ring is full
 * @live: the device is registered and not removed
 * @mdev: the device from activation to deactivation (also after a forced
 *	removal, until @reap_work deactivates)
 * @dir: the debugfs directory
 * @reap_work: deactivates after a forced removal (the "remove" handler
 *	cannot remove its own debugfs file)
 * @panel_lock: guards @panel
 * @panel: the panel as the core last set it (message and lamps)
 * @content_lock: guards @content, @content_dpi and @content_error
 * @content: the pages loaded through the "content" attribute, NULL for
 *	the formula pattern
 * @content_dpi: the resolution of @content's images
 * @content_error: why the last write to "content" was rejected, or ""
 * @fault_lock: guards @jam, @sensor, @cover_open and @no_paper
 * @jam: armed paper jam
 * @sensor: armed sensor error
 * @cover_open: the cover is open
 * @no_paper: the ADF reads as empty
 * @scan_work: the producer
 * @wq: @scan_work sleeps here between bands
 * @stop: @scan_work returns as soon as it sees this
 * @job_mdev: the device of the running job
 * @job: the running job; @job_mdev..@shift are written by the start
 *	operation (engine stopped) and read by @scan_work
 * @job_line_rate: @line_rate when the job started
 * @job_adf_pages: @adf_pages when the job started
 * @job_content: @content when the job started (a reference), or NULL
 * @job_content_dpi: @content_dpi when the job started
 * @base: one line of the pattern without the per-line offset, for both
 *	checkerboard phases
 * @buf_words: u64 words of each of @base[0], @base[1]
 * @line_crc: CRC-32 (seed 0) of each distinct line of the job, indexed by
 *	phase << 8 | offset
 * @crc_valid: which @line_crc are computed
 * @shift: crc32_le_shift() by one line of each byte of a CRC
 */
struct mfpscan_sim {
	struct config_group group;

	struct mutex live_mutex;	/* activation, configuration */
	struct mutex lock;		/* @live, @mdev, @dir */
	char model[MFPSCAN_NAME_LEN];
	char serial[MFPSCAN_NAME_LEN];
	u32 line_rate;
	u32 adf_pages;
	u32 ring_kib;
	bool can_stall;
	bool live;
	struct mfpscan_dev *mdev;
	struct dentry *dir;
	struct work_struct reap_work;

	spinlock_t panel_lock;		/* @panel */
	struct mfpscan_panel panel;

	spinlock_t content_lock;	/* @content, @content_dpi, @content_error */
	struct mfpscan_sim_content *content;
	u32 content_dpi;
	char content_error[160];

	spinlock_t fault_lock;		/* armed faults */
	struct mfpscan_sim_fault jam;
	struct mfpscan_sim_fault sensor;
	bool cover_open;
	bool no_paper;

	struct work_struct scan_work;
	wait_queue_head_t wq;
	bool stop;
	struct mfpscan_dev *job_mdev;
	struct mfpscan_job job;
	u32 job_line_rate;
	u32 job_adf_pages;
	struct mfpscan_sim_content *job_content;
	u32 job_content_dpi;
	u64 *base[2];
	u32 buf_words;
	u32 line_crc[SIM_DISTINCT_LINES];
	DECLARE_BITMAP(crc_valid, SIM_DISTINCT_LINES);
	u32 shift[4][256];
};

/* The producer */

/* Per-byte addition modulo 256 of eight bytes at once. */
static inline u64 mfpscan_sim_add_bytes(u64 x, u64 y)
{
	const u64 low7 = 0x7f7f7f7f7f7f7f7fULL;

	return ((x & low7) + (y & low7)) ^ ((x ^ y) & ~low7);
}

/*
 * Copy the line before: a plain word loop. memcpy() would be "rep movsb" on
 * ERMS CPUs, which QEMU's TCG (the test bed) emulates slowly.
 */
static void mfpscan_sim_copy_line(u8 *dst, const u8 *src, u32 bpl)
{
	u32 words = bpl / 8, i;

	for (i = 0; i < words; i++)
		put_unaligned(get_unaligned((const u64 *)(src + 8 * i)),
			      (u64 *)(dst + 8 * i));
	for (i = 8 * words; i < bpl; i++)
		dst[i] = src[i];
}

/*
 * Write lines [first, first + lines) of @page to @dst and return the CRC-32
 * of what was written (zlib's crc32()).
 *
 * Line l is the base line of its checkerboard phase ((l >> 6) & 1) plus
 * (u8)((l >> 2) + page * 40) in every byte, generated eight bytes at a time
 * straight into the ring; the other three lines of a group of four are
 * copies of the first. A job has at most 2 * 256 distinct lines; the CRC
 * of each (seeded with 0) is computed once per job and the band's CRC is
 * chained from them: crc(A B) = shift(crc(A), len(B)) ^ crc0(B), where the
 * shift by one line, linear in the CRC, is looked up byte by byte.
 */
static u32 mfpscan_sim_fill(struct mfpscan_sim *sim, u8 *dst, u32 page,
			    u32 first, u32 lines)
{
	u32 bpl = sim->job.params.bytes_per_line;
	u32 words = bpl / 8, rest = bpl % 8;
	u32 crc = ~0U;
	const u64 *base;
	u32 l, i, key;
	u64 add, v;

	for (l = first; l < first + lines; l++, dst += bpl) {
		key = ((l >> 6) & 1) << 8 | (u8)((l >> 2) + page * 40);
		if (l & 3 && l != first) {
			mfpscan_sim_copy_line(dst, dst - bpl, bpl);
		} else {
			base = sim->base[key >> 8];
			add = (key & 0xff) * 0x0101010101010101ULL;
			for (i = 0; i < words; i++)
				put_unaligned(mfpscan_sim_add_bytes(base[i], add),
					      (u64 *)(dst + 8 * i));
			if (rest) {
				v = mfpscan_sim_add_bytes(base[words], add);
				for (i = 0; i < rest; i++)
					dst[8 * words + i] = v >> (8 * i);
			}
		}
		if (!test_bit(key, sim->crc_valid)) {
			sim->line_crc[key] = crc32_le(0, dst, bpl);
			__set_bit(key, sim->crc_valid);
		}
		crc = sim->shift[0][crc & 0xff] ^
		      sim->shift[1][(crc >> 8) & 0xff] ^
		      sim->shift[2][(crc >> 16) & 0xff] ^
		      sim->shift[3][crc >> 24] ^ sim->line_crc[key];
	}
	return crc ^ ~0U;
}

/* Lines [first, first + lines) of @page from the loaded content. */
static void mfpscan_sim_fill_content(struct mfpscan_sim *sim, u8 *dst,
				     u32 page, u32 first, u32 lines)
{
	const struct mfpscan_sim_content *c = sim->job_content;
	const struct mfpscan_params *p = &sim->job.params;
	u32 l;

	for (l = first; l < first + lines; l++, dst += p->bytes_per_line)
		mfpscan_sim_image_fill_line(&c->img[page % c->n],
					    sim->job_content_dpi, p, l, dst);
}

/* End the job with an error band at @line of @page. */
static void mfpscan_sim_fail(struct mfpscan_sim *sim, u32 page, u32 band,
			     u32 line, u32 error, bool in_page)
{
	struct mfpscan_band_desc desc = {
		.page = page,
		.band = band,
		.first_line = line,
		.flags = in_page ? MFPSCAN_BAND_PAGE_END : 0,
		.error = error,
	};

	mfpscan_job_end(sim->job_mdev, &desc);
}

static bool mfpscan_sim_fault_hit(struct mfpscan_sim_fault *f, u32 page,
				  u32 first, u32 lines)
{
	if (!f->armed || f->page != page || f->line < first ||
	    f->line >= first + lines)
		return false;
	f->armed = false;	/* one-shot */
	return true;
}

/*
 * The fault, if any, that ends the job before the band [first, first +
 * lines) of @page; *@at is the line where it happened.
 */
static u32 mfpscan_sim_band_fault(struct mfpscan_sim *sim, u32 page,
				  u32 first, u32 lines, u32 *at)
{
	u32 err = MFPSCAN_ERR_NONE;

	spin_lock(&sim->fault_lock);
	if (sim->cover_open) {
		err = MFPSCAN_ERR_COVER_OPEN;
		*at = first;
	} else if (mfpscan_sim_fault_hit(&sim->jam, page, first, lines)) {
		err = MFPSCAN_ERR_JAM;
		*at = sim->jam.line;
	} else if (mfpscan_sim_fault_hit(&sim->sensor, page, first, lines)) {
		err = MFPSCAN_ERR_SENSOR;
		*at = sim->sensor.line;
	}
	spin_unlock(&sim->fault_lock);
	return err;
}

static bool mfpscan_sim_interrupted(struct mfpscan_sim *sim)
{
	bool ret;

	spin_lock(&sim->fault_lock);
	ret = READ_ONCE(sim->stop) || sim->cover_open;
	spin_unlock(&sim->fault_lock);
	return ret;
}

/* Wait until @lines_done lines are due at the line rate. */
static void mfpscan_sim_pace(struct mfpscan_sim *sim, ktime_t t0,
			     u64 lines_done)
{
	ktime_t due, now;

	if (!sim->job_line_rate) {
		cond_resched();
		return;
	}
	due = ktime_add_ns(t0, div_u64(lines_done * NSEC_PER_SEC,
				       sim->job_line_rate));
	now = ktime_get();
	if (ktime_after(due, now))
		wait_event_interruptible_hrtimeout(sim->wq,
						   mfpscan_sim_interrupted(sim),
						   ktime_sub(due, now));
}

/* Scan one page. Returns false when the job ended early. */
static bool mfpscan_sim_page(struct mfpscan_sim *sim, u32 page, bool last,
			     ktime_t t0, u64 *lines_done)
{
	const struct mfpscan_params *p = &sim->job.params;
	struct mfpscan_band_desc desc = {
		.page = page,
		.bytes_per_line = p->bytes_per_line,
	};
	u32 first, lines, err, at;
	void *payload;

	for (first = 0; first < p->lines_per_page; first += lines) {
		lines = min(p->band_lines, p->lines_per_page - first);
		mfpscan_sim_pace(sim, t0, *lines_done + lines);
		if (READ_ONCE(sim->stop))
			return false;
		err = mfpscan_sim_band_fault(sim, page, first, lines, &at);
		if (err) {
			mfpscan_sim_fail(sim, page, desc.band, at, err, true);
			return false;
		}

		payload = mfpscan_band_begin(sim->job_mdev,
					     lines * p->bytes_per_line);
		if (IS_ERR(payload))
			return false;
		if (sim->job_content) {
			mfpscan_sim_fill_content(sim, payload, page, first,
						 lines);
			desc.has_checksum = false;	/* the core computes it */
		} else {
			desc.checksum = mfpscan_sim_fill(sim, payload, page,
							 first, lines);
			desc.has_checksum = true;
		}
		desc.first_line = first;
		desc.lines = lines;
		desc.flags = first ? 0 : MFPSCAN_BAND_PAGE_START;
		if (first + lines == p->lines_per_page)
			desc.flags |= MFPSCAN_BAND_PAGE_END |
				      (last ? MFPSCAN_BAND_JOB_END : 0);
		mfpscan_band_commit(sim->job_mdev, &desc);
		desc.band++;
		*lines_done += lines;
	}
	return true;
}

static void mfpscan_sim_scan(struct work_struct *work)
{
	struct mfpscan_sim *sim = container_of(work, struct mfpscan_sim,
					       scan_work);
	const struct mfpscan_params *p = &sim->job.params;
	bool adf = p->source != MFPSCAN_SOURCE_FLATBED;
	u32 sheets, pages, page, err = MFPSCAN_ERR_NONE;
	u64 lines_done = 0;
	ktime_t t0;

	spin_lock(&sim->fault_lock);
	sheets = sim->no_paper ? 0 : sim->job_adf_pages;
	if (sim->cover_open)
		err = MFPSCAN_ERR_COVER_OPEN;
	else if (adf && !sheets)
		err = MFPSCAN_ERR_NO_PAPER;
	spin_unlock(&sim->fault_lock);
	if (err) {
		mfpscan_sim_fail(sim, 0, 0, 0, err, false);
		return;
	}

	/* The simulated ADF is reloaded after each job: sheets stay. */
	pages = 1;
	if (adf) {
		pages = sheets;
		if (p->source == MFPSCAN_SOURCE_ADF_DUPLEX)
			pages *= 2;
		if (p->pages && p->pages < pages)
			pages = p->pages;
	}

	t0 = ktime_get();
	for (page = 0; page < pages; page++)
		if (!mfpscan_sim_page(sim, page, page + 1 == pages, t0,
				      &lines_done))
			return;
}

/* Engine operations, called by the core with its I/O mutex held */

/* Base lines for @bpl bytes per line; forget the line CRCs. */
static int mfpscan_sim_alloc_lines(struct mfpscan_sim *sim, u32 bpl)
{
	u32 words = DIV_ROUND_UP(bpl, 8);
	u64 *buf;
	u8 *b;
	u32 i, phase;

	if (words > sim->buf_words) {
		buf = kvmalloc_array(2 * words, sizeof(u64), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		kvfree(sim->base[0]);
		sim->base[0] = buf;
		sim->base[1] = buf + words;
		sim->buf_words = words;
	}
	for (phase = 0; phase < 2; phase++) {
		b = (u8 *)sim->base[phase];
		for (i = 0; i < sim->buf_words * 8; i++)
			b[i] = (i >> 2) + ((((i >> 6) ^ phase) & 1) * 96);
	}
	bitmap_zero(sim->crc_valid, SIM_DISTINCT_LINES);
	for (phase = 0; phase < 4; phase++)
		for (i = 0; i < 256; i++)
			sim->shift[phase][i] =
				crc32_le_shift(i << (8 * phase), bpl);
	return 0;
}

static int mfpscan_sim_start(struct mfpscan_dev *mdev,
			     const struct mfpscan_job *job)
{
	struct mfpscan_sim *sim = mfpscan_dev_priv(mdev);
	int ret;

	ret = mfpscan_sim_alloc_lines(sim, job->params.bytes_per_line);
	if (ret)
		return ret;
	sim->job = *job;
	sim->job_mdev = mdev;
	sim->job_line_rate = sim->line_rate;
	sim->job_adf_pages = sim->adf_pages;
	mfpscan_sim_content_put(sim->job_content);
	spin_lock(&sim->content_lock);
	sim->job_content = sim->content;
	if (sim->job_content)
		mfpscan_sim_content_get(sim->job_content);
	sim->job_content_dpi = sim->content_dpi;
	spin_unlock(&sim->content_lock);
	WRITE_ONCE(sim->stop, false);
	queue_work(mfpscan_sim_wq, &sim->scan_work);
	return 0;
}

static void mfpscan_sim_stop(struct mfpscan_dev *mdev)
{
	struct mfpscan_sim *sim = mfpscan_dev_priv(mdev);

	WRITE_ONCE(sim->stop, true);
	wake_up_all(&sim->wq);
	cancel_work_sync(&sim->scan_work);
}

/* The simulated panel shows what it is told: debugfs panel_*. */
static int mfpscan_sim_set_panel(struct mfpscan_dev *mdev,
				 const struct mfpscan_panel *panel)
{
	struct mfpscan_sim *sim = mfpscan_dev_priv(mdev);

	spin_lock(&sim->panel_lock);
	sim->panel = *panel;
	spin_unlock(&sim->panel_lock);
	return 0;
}

static const struct mfpscan_engine_ops mfpscan_sim_ops = {
	.start		= mfpscan_sim_start,
	.stop		= mfpscan_sim_stop,
	.set_panel	= mfpscan_sim_set_panel,
};

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

static struct dentry *mfpscan_sim_debugfs_create(struct mfpscan_sim *sim,
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

/* Activation; all with @live_mutex held */

static bool mfpscan_sim_is_live(struct mfpscan_sim *sim)
{
	bool live;

	mutex_lock(&sim->lock);
	live = sim->live;
	mutex_unlock(&sim->lock);
	return live;
}

static void mfpscan_sim_deactivate(struct mfpscan_sim *sim)
{
	struct mfpscan_dev *mdev;
	struct dentry *dir;

	mutex_lock(&sim->lock);
	mdev = sim->mdev;
	dir = sim->dir;
	sim->mdev = NULL;
	sim->dir = NULL;
	sim->live = false;
	mutex_unlock(&sim->lock);

	/* Waits for running debugfs handlers; new ones see !live. */
	debugfs_remove_recursive(dir);
	if (mdev) {
		mfpscan_dev_unregister(mdev);
		mfpscan_dev_put(mdev);
	}
}

static int mfpscan_sim_activate(struct mfpscan_sim *sim)
{
	struct mfpscan_caps caps = {
		.sources = BIT(MFPSCAN_SOURCE_FLATBED) | BIT(MFPSCAN_SOURCE_ADF) |
			   BIT(MFPSCAN_SOURCE_ADF_DUPLEX),
		.color_modes = BIT(MFPSCAN_MODE_MONO1) |
			       BIT(MFPSCAN_MODE_GRAY8) | BIT(MFPSCAN_MODE_RGB24),
		.n_resolutions = ARRAY_SIZE(mfpscan_sim_resolutions),
		.max_width_um = SIM_MAX_WIDTH_UM,
		.max_height_um = SIM_MAX_HEIGHT_UM,
		.min_band_lines = 1,
		.max_band_lines = SIM_MAX_BAND_LINES,
		.adf_capacity = SIM_ADF_CAPACITY,
		.ring_bytes = sim->ring_kib * 1024,
		.flags = sim->can_stall ? MFPSCAN_CAP_CAN_STALL : 0,
	};
	struct mfpscan_dev *mdev;
	struct dentry *dir;
	int ret;

	if (mfpscan_sim_is_live(sim))
		return 0;
	mfpscan_sim_deactivate(sim);	/* leftovers of a forced removal */

	spin_lock(&sim->panel_lock);
	memset(&sim->panel, 0, sizeof(sim->panel));	/* a new device's */
	spin_unlock(&sim->panel_lock);
	memcpy(caps.resolutions, mfpscan_sim_resolutions,
	       sizeof(mfpscan_sim_resolutions));
	strscpy(caps.model, sim->model, sizeof(caps.model));
	strscpy(caps.serial, sim->serial, sizeof(caps.serial));

	mdev = mfpscan_dev_alloc(&caps, &mfpscan_sim_ops, sim, NULL);
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);
	ret = mfpscan_dev_register(mdev);
	if (ret)
		goto out_put_mdev;
	dir = mfpscan_sim_debugfs_create(sim, mfpscan_dev_name(mdev));

	mutex_lock(&sim->lock);
	sim->mdev = mdev;
	sim->dir = dir;
	sim->live = true;
	mutex_unlock(&sim->lock);
	return 0;

out_put_mdev:
	mfpscan_dev_put(mdev);
	return ret;
}

static void mfpscan_sim_reap(struct work_struct *work)
{
	struct mfpscan_sim *sim = container_of(work, struct mfpscan_sim,
					       reap_work);

	mutex_lock(&sim->live_mutex);
	if (!mfpscan_sim_is_live(sim))
		mfpscan_sim_deactivate(sim);
	mutex_unlock(&sim->live_mutex);
}

/* configfs */

static struct mfpscan_sim *to_mfpscan_sim(struct config_item *item)
{
	return container_of(to_config_group(item), struct mfpscan_sim, group);
}

static ssize_t mfpscan_sim_show_str(struct mfpscan_sim *sim, const char *str,
				    char *page)
{
	ssize_t ret;

	mutex_lock(&sim->live_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", str);
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_store_str(struct mfpscan_sim *sim, char *dst,
				     const char *page, size_t count)
{
	size_t len = strcspn(page, "\n");
	ssize_t ret = count;

	mutex_lock(&sim->live_mutex);
	if (mfpscan_sim_is_live(sim)) {
		ret = -EBUSY;
	} else if (!len || len >= MFPSCAN_NAME_LEN) {
		ret = -EINVAL;
	} else {
		memcpy(dst, page, len);
		dst[len] = '\0';
	}
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_show_u32(struct mfpscan_sim *sim, const u32 *val,
				    char *page)
{
	ssize_t ret;

	mutex_lock(&sim->live_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%u\n", *val);
	mutex_unlock(&sim->live_mutex);
	return ret;
}

/* Attributes are -EBUSY while live, whatever the value written. */
static ssize_t mfpscan_sim_store_u32(struct mfpscan_sim *sim, u32 *dst,
				     const char *page, size_t count,
				     u32 min, u32 max, bool pow2)
{
	ssize_t ret;
	u32 val;

	mutex_lock(&sim->live_mutex);
	if (mfpscan_sim_is_live(sim)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = kstrtou32(page, 0, &val);
	if (ret)
		goto out_unlock;
	if (val < min || val > max || (pow2 && !is_power_of_2(val))) {
		ret = -EINVAL;
		goto out_unlock;
	}
	*dst = val;
	ret = count;
out_unlock:
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_model_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_str(sim, sim->model, page);
}

static ssize_t mfpscan_sim_model_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_str(sim, sim->model, page, count);
}
CONFIGFS_ATTR(mfpscan_sim_, model);

static ssize_t mfpscan_sim_serial_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_str(sim, sim->serial, page);
}

static ssize_t mfpscan_sim_serial_store(struct config_item *item,
					const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_str(sim, sim->serial, page, count);
}
CONFIGFS_ATTR(mfpscan_sim_, serial);

static ssize_t mfpscan_sim_line_rate_show(struct config_item *item,
					  char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_u32(sim, &sim->line_rate, page);
}

static ssize_t mfpscan_sim_line_rate_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_u32(sim, &sim->line_rate, page, count,
				     0, U32_MAX, false);
}
CONFIGFS_ATTR(mfpscan_sim_, line_rate);

static ssize_t mfpscan_sim_adf_pages_show(struct config_item *item,
					  char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_u32(sim, &sim->adf_pages, page);
}

static ssize_t mfpscan_sim_adf_pages_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	/* At most the capacity: the page count of a duplex job fits. */
	return mfpscan_sim_store_u32(sim, &sim->adf_pages, page, count,
				     0, SIM_ADF_CAPACITY, false);
}
CONFIGFS_ATTR(mfpscan_sim_, adf_pages);

static ssize_t mfpscan_sim_ring_kib_show(struct config_item *item,
					 char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_u32(sim, &sim->ring_kib, page);
}

static ssize_t mfpscan_sim_ring_kib_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_u32(sim, &sim->ring_kib, page, count,
				     SIM_MIN_RING_KIB, SIM_MAX_RING_KIB, true);
}
CONFIGFS_ATTR(mfpscan_sim_, ring_kib);

static ssize_t mfpscan_sim_can_stall_show(struct config_item *item,
					  char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	ssize_t ret;

	mutex_lock(&sim->live_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%d\n", sim->can_stall);
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_can_stall_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	ssize_t ret;
	bool val;

	mutex_lock(&sim->live_mutex);
	if (mfpscan_sim_is_live(sim)) {
		ret = -EBUSY;
	} else {
		ret = kstrtobool(page, &val);
		if (!ret) {
			sim->can_stall = val;
			ret = count;
		}
	}
	mutex_unlock(&sim->live_mutex);
	return ret;
}
CONFIGFS_ATTR(mfpscan_sim_, can_stall);

static ssize_t mfpscan_sim_live_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return scnprintf(page, PAGE_SIZE, "%d\n", mfpscan_sim_is_live(sim));
}

static ssize_t mfpscan_sim_live_store(struct config_item *item,
				      const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	bool live;
	int ret;

	ret = kstrtobool(page, &live);
	if (ret)
		return ret;
	mutex_lock(&sim->live_mutex);
	if (live)
		ret = mfpscan_sim_activate(sim);
	else
		mfpscan_sim_deactivate(sim);
	mutex_unlock(&sim->live_mutex);
	return ret ? ret : count;
}
CONFIGFS_ATTR(mfpscan_sim_, live);

static ssize_t mfpscan_sim_devname_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	ssize_t ret;

	mutex_lock(&sim->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n",
			sim->live ? mfpscan_dev_name(sim->mdev) : "");
	mutex_unlock(&sim->lock);
	return ret;
}
CONFIGFS_ATTR_RO(mfpscan_sim_, devname);

/*
 * Page content. Unlike the other attributes these may change while the
 * instance is live: a job scans what was loaded when it started.
 */

static ssize_t mfpscan_sim_content_dpi_show(struct config_item *item,
					    char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	u32 dpi;

	spin_lock(&sim->content_lock);
	dpi = sim->content_dpi;
	spin_unlock(&sim->content_lock);
	return scnprintf(page, PAGE_SIZE, "%u\n", dpi);
}

static ssize_t mfpscan_sim_content_dpi_store(struct config_item *item,
					     const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	u32 val;
	int ret;

	ret = kstrtou32(page, 0, &val);
	if (ret)
		return ret;
	if (!val || val > MFPSCAN_CONTENT_DPI_MAX)
		return -EINVAL;
	spin_lock(&sim->content_lock);
	sim->content_dpi = val;
	spin_unlock(&sim->content_lock);
	return count;
}
CONFIGFS_ATTR(mfpscan_sim_, content_dpi);

static ssize_t mfpscan_sim_content_status_show(struct config_item *item,
					       char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	size_t n = 0;

	spin_lock(&sim->content_lock);
	if (sim->content)
		n = mfpscan_sim_content_describe(sim->content, page,
						 PAGE_SIZE - 1);
	else
		n = scnprintf(page, PAGE_SIZE - 1, "pattern");
	n += scnprintf(page + n, PAGE_SIZE - n, "\n");
	if (sim->content_error[0])
		n += scnprintf(page + n, PAGE_SIZE - n, "error: %s\n",
			       sim->content_error);
	spin_unlock(&sim->content_lock);
	return n;
}
CONFIGFS_ATTR_RO(mfpscan_sim_, content_status);

/* Replace the content (or reset it with "none"); a bad one is refused. */
static ssize_t mfpscan_sim_content_write(struct config_item *item,
					 const void *buf, size_t len)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	struct mfpscan_sim_content *c = NULL, *old;
	char why[sizeof(sim->content_error)] = "";

	if (!(len >= 4 && len <= 5 && !memcmp(buf, "none\n", len))) {
		c = mfpscan_sim_content_parse(buf, len, why, sizeof(why));
		if (IS_ERR(c)) {
			/* configfs drops the result: say it in content_status */
			pr_info("mfpscan-sim %s: content refused: %s\n",
				config_item_name(item), why);
			spin_lock(&sim->content_lock);
			strscpy(sim->content_error, why,
				sizeof(sim->content_error));
			spin_unlock(&sim->content_lock);
			return PTR_ERR(c);
		}
	}
	spin_lock(&sim->content_lock);
	old = sim->content;
	sim->content = c;
	sim->content_error[0] = '\0';
	spin_unlock(&sim->content_lock);
	mfpscan_sim_content_put(old);
	return len;
}
CONFIGFS_BIN_ATTR_WO(mfpscan_sim_, content, NULL, MFPSCAN_CONTENT_MAX_BYTES);

static struct configfs_attribute *mfpscan_sim_attrs[] = {
	&mfpscan_sim_attr_model,
	&mfpscan_sim_attr_serial,
	&mfpscan_sim_attr_line_rate,
	&mfpscan_sim_attr_adf_pages,
	&mfpscan_sim_attr_can_stall,
	&mfpscan_sim_attr_ring_kib,
	&mfpscan_sim_attr_live,
	&mfpscan_sim_attr_devname,
	&mfpscan_sim_attr_content_dpi,
	&mfpscan_sim_attr_content_status,
	NULL
};

static struct configfs_bin_attribute *mfpscan_sim_bin_attrs[] = {
	&mfpscan_sim_attr_content,
	NULL
};

static void mfpscan_sim_release(struct config_item *item)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	kvfree(sim->base[0]);
	mfpscan_sim_content_put(sim->job_content);
	mfpscan_sim_content_put(sim->content);
	mutex_destroy(&sim->lock);
	mutex_destroy(&sim->live_mutex);
	kfree(sim);
}

static struct configfs_item_operations mfpscan_sim_item_ops = {
	.release	= mfpscan_sim_release,
};

static const struct config_item_type mfpscan_sim_type = {
	.ct_item_ops	= &mfpscan_sim_item_ops,
	.ct_attrs	= mfpscan_sim_attrs,
	.ct_bin_attrs	= mfpscan_sim_bin_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *mfpscan_sim_make_group(struct config_group *group,
						   const char *name)
{
	struct mfpscan_sim *sim;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return ERR_PTR(-ENOMEM);

	config_group_init_type_name(&sim->group, name, &mfpscan_sim_type);
	mutex_init(&sim->live_mutex);
	mutex_init(&sim->lock);
	spin_lock_init(&sim->fault_lock);
	spin_lock_init(&sim->panel_lock);
	spin_lock_init(&sim->content_lock);
	init_waitqueue_head(&sim->wq);
	INIT_WORK(&sim->scan_work, mfpscan_sim_scan);
	INIT_WORK(&sim->reap_work, mfpscan_sim_reap);
	strscpy(sim->model, SIM_DEFAULT_MODEL, sizeof(sim->model));
	strscpy(sim->serial, name, sizeof(sim->serial));
	sim->adf_pages = SIM_DEFAULT_ADF_PAGES;
	sim->ring_kib = SIM_DEFAULT_RING_KIB;
	sim->can_stall = true;
	sim->content_dpi = MFPSCAN_CONTENT_DPI_DEFAULT;
	return &sim->group;
}

/* rmdir: a live instance is unregistered like "echo 0 > live". */
static void mfpscan_sim_drop_item(struct config_group *group,
				  struct config_item *item)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	mutex_lock(&sim->live_mutex);
	mfpscan_sim_deactivate(sim);
	mutex_unlock(&sim->live_mutex);
	/* Takes @live_mutex; cannot be queued again, debugfs is gone. */
	cancel_work_sync(&sim->reap_work);
	config_item_put(item);
}

static struct configfs_group_operations mfpscan_sim_group_ops = {
	.make_group	= mfpscan_sim_make_group,
	.drop_item	= mfpscan_sim_drop_item,
};

static const struct config_item_type mfpscan_sim_subsys_type = {
	.ct_group_ops	= &mfpscan_sim_group_ops,
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem mfpscan_sim_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "mfpscan-sim",
			.ci_type	= &mfpscan_sim_subsys_type,
		},
	},
};

int mfpscan_sim_init(void)
{
	int ret;

	mfpscan_sim_wq = alloc_workqueue("mfpscan_sim", WQ_UNBOUND, 0);
	if (!mfpscan_sim_wq)
		return -ENOMEM;
	mfpscan_sim_debugfs_root = debugfs_create_dir("mfpscan", NULL);
	debugfs_create_file("bench_producer", 0600, mfpscan_sim_debugfs_root,
			    NULL, &mfpscan_sim_bench_fops);

	config_group_init(&mfpscan_sim_subsys.su_group);
	mutex_init(&mfpscan_sim_subsys.su_mutex);
	ret = configfs_register_subsystem(&mfpscan_sim_subsys);
	if (ret)
		goto out_remove_debugfs;
	return 0;

out_remove_debugfs:
	mutex_destroy(&mfpscan_sim_subsys.su_mutex);
	debugfs_remove_recursive(mfpscan_sim_debugfs_root);
	destroy_workqueue(mfpscan_sim_wq);
	return ret;
}

void mfpscan_sim_exit(void)
{
	configfs_unregister_subsystem(&mfpscan_sim_subsys);
	mutex_destroy(&mfpscan_sim_subsys.su_mutex);
	debugfs_remove_recursive(mfpscan_sim_debugfs_root);
	destroy_workqueue(mfpscan_sim_wq);
}
