/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan: the interface between the character device core (mfpscan.ko)
 * and the scanner engines that feed it, each a module of its own: the
 * simulated engine (mfpscan_sim.ko) and the USB engine (mfpscan_usb.ko).
 *
 * An engine allocates a device with mfpscan_dev_alloc(), registers it, and
 * from then on the core calls its mfpscan_engine_ops to start and stop jobs.
 * While a job runs, the engine (and only the engine: there is exactly one
 * producer per device) fills the ring band by band:
 *
 *	payload = mfpscan_band_begin(mdev, lines * bytes_per_line);
 *	if (IS_ERR(payload))
 *		return;		// overrun or job stopped: the core has
 *				// already ended the job
 *	fill payload;
 *	mfpscan_band_commit(mdev, &desc);
 *
 * An engine whose device writes the payload into the ring by DMA allocates
 * its device with mfpscan_dev_alloc_dma(), naming the device that does the
 * DMA, and reserves with mfpscan_band_begin_dma() instead: it gets the
 * payload's place in the ring as a scatter list already mapped on that
 * device, points the device at it, and commits once the device wrote it;
 * the CPU copies nothing (Documentation/ring.rst, "DMA").
 *
 * It ends the job either with a band carrying MFPSCAN_BAND_JOB_END or with
 * mfpscan_job_end() (an error band). mfpscan_dev_unregister() makes the
 * device disappear (unplug); the memory lives on until the last open file
 * and the last mapping are gone, then the core frees it.
 *
 * Context: all of these functions may sleep and must be called from process
 * context. An engine that learns about data or events in atomic context
 * (URB completion) defers to a work item.
 */
#ifndef _MFPSCAN_H
#define _MFPSCAN_H

#include <linux/types.h>
#include <linux/mfpscan.h>

struct device;
struct mfpscan_dev;
struct module;
struct scatterlist;

/**
 * struct mfpscan_job - what the core hands to &mfpscan_engine_ops.start
 * @job: job number, from 1
 * @params: the validated parameters, derived geometry filled in
 */
struct mfpscan_job {
	u32 job;
	struct mfpscan_params params;
};

/**
 * struct mfpscan_band_desc - a band (or error band) as the engine describes it
 * @page: page within the job, from 0
 * @band: band index within the page, from 0
 * @first_line: first line of the band within the page
 * @lines: lines in the band (0 for an error band)
 * @bytes_per_line: bytes per line (0 for an error band)
 * @flags: MFPSCAN_BAND_* (never MFPSCAN_BAND_PAD)
 * @error: MFPSCAN_ERR_* with MFPSCAN_BAND_ERROR, else 0
 * @checksum: with @has_checksum, the CRC-32 (zlib's crc32()) of the
 *	payload as the engine knows it (from the device, or computed more
 *	cheaply than the core could); without it the core computes it
 * @has_checksum: @checksum is valid
 */
struct mfpscan_band_desc {
	u32 page;
	u32 band;
	u32 first_line;
	u32 lines;
	u32 bytes_per_line;
	u32 flags;
	u32 error;
	u32 checksum;
	bool has_checksum;
};

#define MFPSCAN_PANEL_MAX	64	/* bytes of UTF-8, no NUL */

/* Lamps: bits of mfpscan_panel.lamps, LED class devices of the device. */
#define MFPSCAN_LAMP_STATUS	0	/* green: ready, last job delivered */
#define MFPSCAN_LAMP_ATTENTION	1	/* amber: kept or refused, see the user */
#define MFPSCAN_LAMP_COUNT	2

/**
 * struct mfpscan_panel - what the engine's panel shows
 * @text: the message, UTF-8 without control characters, NUL-terminated
 * @len: bytes of @text
 * @lamps: BIT(MFPSCAN_LAMP_*) of the lamps that are on
 */
struct mfpscan_panel {
	char text[MFPSCAN_PANEL_MAX + 1];
	u32 len;
	u32 lamps;
};

/**
 * struct mfpscan_engine_ops - what the core asks of an engine
 * @owner: the engine's module (THIS_MODULE). The core holds a reference on
 *	it across each call of @start and @set_panel, the calls that begin
 *	work; once the module is going away they are not made (START and the
 *	panel writes fail with -ENODEV). The engine's module exit must
 *	mfpscan_dev_unregister() every device it registered: that waits for
 *	the I/O mutex, under which every call is made, so @stop (always
 *	called, the removal needs it) never runs in a module that is gone,
 *	and after it no operation is called. An engine of
 *	mfpscan_dev_alloc_dma() must unregister while its DMA device is
 *	still bound: the ring's DMA mapping ends there.
 * @start: begin producing @job asynchronously. Called with the device's I/O
 *	mutex held, after the core reset the ring and set the state to
 *	SCANNING. Must not sleep for long and must not call back into the core
 *	synchronously. Returns 0 or a negative errno (the START fails with it),
 *	or MFPSCAN_START_PENDING when the engine must first ask its device
 *	(which may take seconds): the core then drops its locks and the START
 *	waits for the engine's mfpscan_start_done(), which the engine calls
 *	exactly once, from process context, unless @stop is called first (a
 *	@stop ends a pending start: the engine then never calls it).
 * @set_panel: optional: show @panel on the engine's panel (its message and
 *	lamps). Called with the I/O mutex held, whenever the message or a
 *	lamp changes (sysfs panel_message, the LED class devices), with the
 *	whole panel state, never while an earlier call is still pending.
 *	Must not sleep for long. Returns 0 or a negative errno (the sysfs
 *	write fails with it; the core keeps the new state), or
 *	MFPSCAN_PANEL_PENDING when the engine must ask its device: the core
 *	then drops its locks and the write waits for the engine's
 *	mfpscan_panel_done(), which the engine calls exactly once, from
 *	process context (after mfpscan_dev_unregister() it may still call
 *	it, until its last mfpscan_dev_put(); the core then ignores it).
 * @stop: stop producing, synchronously: when it returns, the engine makes
 *	no further mfpscan_band_*()/mfpscan_job_end() calls for the job.
 *	Called with the I/O mutex held (ABORT, close of the owning file,
 *	unregister, and before each start to reap a finished producer), after
 *	the core made mfpscan_band_begin() fail with -ECANCELED. Must not take
 *	locks that the engine holds while calling mfpscan_dev_unregister().
 *	With a reservation of mfpscan_band_begin_dma() outstanding, the device
 *	must have stopped writing into it (URBs killed, queue drained) when
 *	@stop returns: the space goes back to the ring, and on unregister the
 *	ring's DMA mapping ends.
 */
/* @start's answer: the device is being asked, mfpscan_start_done() follows */
#define MFPSCAN_START_PENDING	1
/* @set_panel's answer: the device is being told, mfpscan_panel_done() follows */
#define MFPSCAN_PANEL_PENDING	1

struct mfpscan_engine_ops {
	struct module *owner;
	int (*start)(struct mfpscan_dev *mdev, const struct mfpscan_job *job);
	void (*stop)(struct mfpscan_dev *mdev);
	int (*set_panel)(struct mfpscan_dev *mdev,
			 const struct mfpscan_panel *panel);
};

/**
 * struct mfpscan_band_dma - a band reserved for the device to write by DMA
 * @sgl: where the payload goes, one entry per page piece, in order: page,
 *	offset and length, and sg_dma_address()/sg_dma_len() on the DMA
 *	device of mfpscan_dev_alloc_dma(), already mapped (do not map it
 *	again: for an URB, URB_NO_TRANSFER_DMA_MAP). Owned by the core, valid
 *	until the commit.
 * @nents: entries of @sgl (0 for an empty payload)
 * @payload: the CPU's view of the same bytes, for checks after the commit
 *	synced them back (never to be written by the engine)
 */
struct mfpscan_band_dma {
	struct scatterlist *sgl;
	unsigned int nents;
	const void *payload;
};

struct mfpscan_dev *mfpscan_dev_alloc(const struct mfpscan_caps *caps,
				      const struct mfpscan_engine_ops *ops,
				      void *priv, struct device *parent);
struct mfpscan_dev *mfpscan_dev_alloc_dma(const struct mfpscan_caps *caps,
					  const struct mfpscan_engine_ops *ops,
					  void *priv, struct device *parent,
					  struct device *dma_dev);
int mfpscan_dev_register(struct mfpscan_dev *mdev);
void mfpscan_dev_unregister(struct mfpscan_dev *mdev);
void mfpscan_dev_get(struct mfpscan_dev *mdev);
void mfpscan_dev_put(struct mfpscan_dev *mdev);
void *mfpscan_dev_priv(struct mfpscan_dev *mdev);
const char *mfpscan_dev_name(struct mfpscan_dev *mdev);

bool mfpscan_dev_dma_mapped(struct mfpscan_dev *mdev);
void *mfpscan_band_begin(struct mfpscan_dev *mdev, u32 payload_bytes);
int mfpscan_band_begin_dma(struct mfpscan_dev *mdev, u32 payload_bytes,
			   struct mfpscan_band_dma *band);
void mfpscan_band_sync_dma(struct mfpscan_dev *mdev);
void mfpscan_band_commit(struct mfpscan_dev *mdev,
			 const struct mfpscan_band_desc *desc);
int mfpscan_job_end(struct mfpscan_dev *mdev,
		    const struct mfpscan_band_desc *desc);
int mfpscan_emit_button(struct mfpscan_dev *mdev, u32 profile);
void mfpscan_start_done(struct mfpscan_dev *mdev, u32 job, int result);
void mfpscan_panel_done(struct mfpscan_dev *mdev, int result);

#endif /* _MFPSCAN_H */
