// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim engine: the producer of the simulated engine and its engine
 * operations. A work item produces the pages band by band, paced by an
 * hrtimer sleep when line_rate is set, with the content
 * MFPSCAN_PATTERN(page, line, byte) of include/mfpscan/pattern.h or the
 * pages loaded through configfs. See Documentation/sim-engine.rst.
 */
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"
#include "mfpscan_sim.h"
#include "mfpscan_sim_content.h"

struct workqueue_struct *mfpscan_sim_wq;

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
u32 mfpscan_sim_fill(struct mfpscan_sim *sim, u8 *dst, u32 page,
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

/*
 * Put a band's payload into the ring: through the scatter list of a DMA
 * reservation when the instance's ring is mapped (mfpscan_sim_dma.c), else
 * written in place. Returns false when the job ended (no reservation).
 */
static bool mfpscan_sim_band_fill(struct mfpscan_sim *sim,
				  struct mfpscan_band_desc *desc, u32 page,
				  u32 first, u32 lines)
{
	int ret = sim->job_content ? 0 :
		  mfpscan_sim_dma_band(sim, page, first, lines);
	void *payload;

	if (ret) {
		desc->has_checksum = false;	/* the core computes it */
		return ret > 0;
	}
	payload = mfpscan_band_begin(sim->job_mdev,
				     lines * sim->job.params.bytes_per_line);
	if (IS_ERR(payload))
		return false;
	if (sim->job_content) {
		mfpscan_sim_fill_content(sim, payload, page, first, lines);
		desc->has_checksum = false;	/* the core computes it */
	} else {
		desc->checksum = mfpscan_sim_fill(sim, payload, page, first,
						  lines);
		desc->has_checksum = true;
	}
	return true;
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

		if (!mfpscan_sim_band_fill(sim, &desc, page, first, lines))
			return false;
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

void mfpscan_sim_scan(struct work_struct *work)
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
int mfpscan_sim_alloc_lines(struct mfpscan_sim *sim, u32 bpl)
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

const struct mfpscan_engine_ops mfpscan_sim_ops = {
	.owner		= THIS_MODULE,
	.start		= mfpscan_sim_start,
	.stop		= mfpscan_sim_stop,
	.set_panel	= mfpscan_sim_set_panel,
};
