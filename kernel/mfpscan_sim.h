/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan sim: the private interface between the files of mfpscan_sim.ko:
 * mfpscan_sim_configfs.c (instances, activation, the module),
 * mfpscan_sim_engine.c (the producer and the engine operations) and
 * mfpscan_sim_debugfs.c (fault injection, the panel, bench_producer).
 */
#ifndef _MFPSCAN_SIM_H
#define _MFPSCAN_SIM_H

#include <linux/bitmap.h>
#include <linux/configfs.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_sim_content.h"

struct dentry;

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

/* mfpscan_sim_engine.c */
extern struct workqueue_struct *mfpscan_sim_wq;
extern const struct mfpscan_engine_ops mfpscan_sim_ops;
void mfpscan_sim_scan(struct work_struct *work);
int mfpscan_sim_alloc_lines(struct mfpscan_sim *sim, u32 bpl);
u32 mfpscan_sim_fill(struct mfpscan_sim *sim, u8 *dst, u32 page, u32 first,
		     u32 lines);

/* mfpscan_sim_dma.c */
struct device *mfpscan_sim_dma_device(void);
void mfpscan_sim_dma_exit(void);
int mfpscan_sim_dma_band(struct mfpscan_sim *sim, u32 page, u32 first,
			 u32 lines);

/* mfpscan_sim_debugfs.c */
struct dentry *mfpscan_sim_debugfs_create(struct mfpscan_sim *sim,
					  const char *name);
void mfpscan_sim_debugfs_init(void);
void mfpscan_sim_debugfs_exit(void);

#endif /* _MFPSCAN_SIM_H */
