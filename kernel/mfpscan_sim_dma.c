// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim DMA mode: a sim instance whose ring is mapped for DMA, so that
 * the core's DMA path (mfpscan_band_begin_dma(), the sync points, the
 * pre-mapped scatter list, commit without a CPU copy) runs in every kernel
 * test VM without USB hardware.
 *
 * With the module parameter dma_ring set when an instance goes live, its
 * ring is mapped on "mfpscan-sim-dma", a platform device of this module
 * (x86 gives it dma-direct with a 32-bit mask). No silicon writes the
 * ring: the CPU plays the device, writing each band through the page
 * entries of the scatter list it was handed (sg_copy_from_buffer()), the
 * way a scatter-gather engine would follow them. What this proves is the
 * core's side: the list covers the payload exactly and in order, the syncs
 * run on a real mapping, the counters tell the paths apart. Real DMA behind
 * an IOMMU is the USB engine's on the xhci test bed.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "mfpscan.h"
#include "mfpscan_sim.h"

static bool dma_ring;
module_param(dma_ring, bool, 0644);
MODULE_PARM_DESC(dma_ring, "map the ring of instances going live for DMA, the CPU playing the device (tests)");

/* Guards the creation of mfpscan_sim_dma_pdev. */
static DEFINE_MUTEX(mfpscan_sim_dma_lock);
static struct platform_device *mfpscan_sim_dma_pdev;

/**
 * mfpscan_sim_dma_device() - the DMA device for an instance going live
 *
 * Return: the platform device's struct device when dma_ring is set (created
 * on first use, removed at module exit), else NULL.
 */
struct device *mfpscan_sim_dma_device(void)
{
	struct platform_device *pdev;

	if (!READ_ONCE(dma_ring))
		return NULL;
	mutex_lock(&mfpscan_sim_dma_lock);
	if (!mfpscan_sim_dma_pdev) {
		pdev = platform_device_register_simple("mfpscan-sim-dma", -1,
						       NULL, 0);
		if (!IS_ERR(pdev))
			mfpscan_sim_dma_pdev = pdev;
	}
	pdev = mfpscan_sim_dma_pdev;
	mutex_unlock(&mfpscan_sim_dma_lock);
	return pdev ? &pdev->dev : NULL;
}

/* Module exit, after every instance is gone (their rings are unmapped). */
void mfpscan_sim_dma_exit(void)
{
	if (mfpscan_sim_dma_pdev)
		platform_device_unregister(mfpscan_sim_dma_pdev);
}

/**
 * mfpscan_sim_dma_band() - produce one band the DMA way
 * @sim: the instance, its job running
 * @page: page of the band
 * @first: first line
 * @lines: lines
 *
 * The "device" scans line by line into its own line buffer and writes each
 * line through the scatter list at its place in the band. It reports no
 * CRC: the core computes it from the ring after syncing it for the CPU.
 *
 * Return: 1 if the band is in the ring, ready to commit; 0 if the ring is
 * not mapped for DMA or the line buffer is missing (the caller takes the CPU
 * path); a negative errno of the reservation (the job has ended).
 */
int mfpscan_sim_dma_band(struct mfpscan_sim *sim, u32 page, u32 first,
			 u32 lines)
{
	u32 bpl = sim->job.params.bytes_per_line;
	struct mfpscan_band_dma band;
	u8 *line;
	u32 l;
	int ret;

	if (!mfpscan_dev_dma_mapped(sim->job_mdev))
		return 0;
	line = kmalloc(bpl, GFP_KERNEL);
	if (!line)
		return 0;
	ret = mfpscan_band_begin_dma(sim->job_mdev, lines * bpl, &band);
	for (l = 0; !ret && l < lines; l++) {
		mfpscan_sim_fill(sim, line, page, first + l, 1);
		if (sg_pcopy_from_buffer(band.sgl, band.nents, line, bpl,
					 (size_t)l * bpl) != bpl)
			pr_warn_once("mfpscan_sim: scatter list shorter than its band\n");
	}
	kfree(line);
	return ret ? ret : 1;
}
