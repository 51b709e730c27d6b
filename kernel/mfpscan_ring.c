// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan ring core: the ring's memory (pages, their vmap() and their DMA
 * mapping on the engine's device, with the sync points), reservation with
 * end-of-ring padding, publication, reset, and validation of consumer
 * positions written by userspace.
 *
 * One producer fills the ring: it reserves a record (mfpscan_ring_reserve()),
 * writes the payload outside any lock, and publishes it
 * (mfpscan_ring_publish()), which moves head over the PAD record (if any) and
 * the record at once, so that [tail, head) always ends with a real record.
 * Consumers read [tail, head) and move tail over whole records.
 */
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mfpscan_ring.h"

/*
 * Scatter list entries one reservation can need: a record is at most half
 * the ring, and a range that does not start on a page boundary touches one
 * page more than its length in pages.
 */
static unsigned int mfpscan_ring_sg_max(u32 size)
{
	return (size / 2 >> PAGE_SHIFT) + 2;
}

static void mfpscan_ring_free_pages(struct mfpscan_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ring->size >> PAGE_SHIFT; i++)
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	kvfree(ring->pages);
	ring->pages = NULL;
}

/*
 * Map every page of the ring on @dev, one dma_map_page() each: the DMA API
 * defines partial syncs (one band at a time) for such mappings, not for a
 * mapped sg table (Documentation/ring.rst, "DMA").
 */
static int mfpscan_ring_dma_map(struct mfpscan_ring *ring, struct device *dev)
{
	unsigned int n = ring->size >> PAGE_SHIFT;
	unsigned int i;

	ring->dma = kvcalloc(n, sizeof(*ring->dma), GFP_KERNEL);
	ring->sgl = kvcalloc(mfpscan_ring_sg_max(ring->size),
			     sizeof(*ring->sgl), GFP_KERNEL);
	if (!ring->dma || !ring->sgl)
		goto out_free_arrays;
	for (i = 0; i < n; i++) {
		ring->dma[i] = dma_map_page(dev, ring->pages[i], 0, PAGE_SIZE,
					    DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, ring->dma[i]))
			goto out_unmap_pages;
	}
	ring->dma_dev = get_device(dev);
	return 0;

out_unmap_pages:
	while (i--)
		dma_unmap_page_attrs(dev, ring->dma[i], PAGE_SIZE,
				     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
out_free_arrays:
	kvfree(ring->sgl);
	ring->sgl = NULL;
	kvfree(ring->dma);
	ring->dma = NULL;
	return -ENOMEM;
}

/**
 * mfpscan_ring_init() - allocate the ring memory
 * @ring: the ring
 * @size: bytes, a power of two of at least two pages
 * @dma_dev: the device that writes into the ring by DMA, or NULL when only
 *	the CPU does
 *
 * The ring is ordinary zeroed pages, one alloc_page() each (any ring size,
 * no contiguous allocation), seen by the kernel through one vmap() and by
 * userspace through the fault handler; with @dma_dev each page is also
 * mapped for the device (DMA_FROM_DEVICE) and @dma_dev is referenced until
 * mfpscan_ring_dma_unmap(). Documentation/ring.rst explains the choice.
 *
 * Return: 0 or -ENOMEM.
 */
int mfpscan_ring_init(struct mfpscan_ring *ring, u32 size,
		      struct device *dma_dev)
{
	unsigned int n = size >> PAGE_SHIFT;
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	unsigned int i;

	memset(ring, 0, sizeof(*ring));
	ring->size = size;
	/* Pages a 32-bit device reaches without bouncing through swiotlb. */
	if (dma_dev && dma_get_mask(dma_dev) <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;
	ring->pages = kvcalloc(n, sizeof(*ring->pages), GFP_KERNEL);
	if (!ring->pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ring->pages[i] = alloc_page(gfp);
		if (!ring->pages[i])
			goto out_free_pages;
	}
	ring->buf = vmap(ring->pages, n, VM_MAP, PAGE_KERNEL);
	if (!ring->buf)
		goto out_free_pages;
	ring->starts = kvcalloc(BITS_TO_LONGS(size / MFPSCAN_RECORD_ALIGN),
				sizeof(unsigned long), GFP_KERNEL);
	if (!ring->starts)
		goto out_vunmap;
	if (dma_dev && mfpscan_ring_dma_map(ring, dma_dev))
		goto out_free_starts;
	init_waitqueue_head(&ring->space_wq);
	return 0;

out_free_starts:
	kvfree(ring->starts);
	ring->starts = NULL;
out_vunmap:
	vunmap(ring->buf);
	ring->buf = NULL;
out_free_pages:
	mfpscan_ring_free_pages(ring);
	return -ENOMEM;
}

/**
 * mfpscan_ring_dma_unmap() - end the device's access to the ring
 * @ring: the ring; the device writes into it no more (its engine stopped)
 *
 * Called when the engine goes away, while its DMA device is still bound to
 * its driver and its IOMMU group; the pages stay for the open files and
 * mappings. No CPU sync: every band the device wrote was synced for the
 * CPU when it was committed, and a sync now would copy a bounce buffer
 * over the headers the CPU wrote since. Calling it again does nothing.
 */
void mfpscan_ring_dma_unmap(struct mfpscan_ring *ring)
{
	unsigned int i;

	if (!ring->dma_dev)
		return;
	for (i = 0; i < ring->size >> PAGE_SHIFT; i++)
		dma_unmap_page_attrs(ring->dma_dev, ring->dma[i], PAGE_SIZE,
				     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	put_device(ring->dma_dev);
	ring->dma_dev = NULL;
	kvfree(ring->sgl);
	ring->sgl = NULL;
	kvfree(ring->dma);
	ring->dma = NULL;
}

/**
 * mfpscan_ring_free() - free the ring memory
 * @ring: the ring, no longer reachable from any file or mapping
 */
void mfpscan_ring_free(struct mfpscan_ring *ring)
{
	if (!ring->pages)
		return;
	mfpscan_ring_dma_unmap(ring);
	kvfree(ring->starts);
	ring->starts = NULL;
	vunmap(ring->buf);
	ring->buf = NULL;
	mfpscan_ring_free_pages(ring);
}

/*
 * The length of the piece of a range that starts at ring offset @off and
 * has @left bytes to go: up to the end of @off's page.
 */
static u32 mfpscan_ring_piece(u32 off, u32 left)
{
	return min_t(u32, left, PAGE_SIZE - (off & ~PAGE_MASK));
}

/**
 * mfpscan_ring_sync_for_device() - hand a range to the device
 * @ring: the ring, DMA-mapped
 * @pos: free-running position of the range, which does not wrap
 * @len: bytes
 *
 * Before the device writes the range: lines the CPU dirtied there in
 * earlier laps (headers, copied payload) are written back now, so that no
 * later eviction lands on what the device wrote.
 */
void mfpscan_ring_sync_for_device(struct mfpscan_ring *ring, u64 pos, u32 len)
{
	u32 off = pos & (ring->size - 1);
	u32 n;

	mfpscan_ring_flush(ring, pos, len);
	for (; len; len -= n, off += n) {
		n = mfpscan_ring_piece(off, len);
		dma_sync_single_range_for_device(ring->dma_dev,
						 ring->dma[off >> PAGE_SHIFT],
						 off & ~PAGE_MASK, n,
						 DMA_FROM_DEVICE);
	}
}

/**
 * mfpscan_ring_sync_for_cpu() - take a range the device wrote back
 * @ring: the ring, DMA-mapped
 * @pos: free-running position of the range, which does not wrap
 * @len: bytes
 *
 * After the device wrote the range and before the CPU reads it (CRC,
 * framing) or head covers it: stale lines are invalidated (or a bounce
 * buffer copied back), in the kernel's vmap() alias too.
 */
void mfpscan_ring_sync_for_cpu(struct mfpscan_ring *ring, u64 pos, u32 len)
{
	u32 off = pos & (ring->size - 1);
	u32 done, n;

	for (done = 0; done < len; done += n) {
		n = mfpscan_ring_piece(off + done, len - done);
		dma_sync_single_range_for_cpu(ring->dma_dev,
					      ring->dma[(off + done) >> PAGE_SHIFT],
					      (off + done) & ~PAGE_MASK, n,
					      DMA_FROM_DEVICE);
	}
	if (len)
		invalidate_kernel_vmap_range(ring->buf + off, len);
}

/**
 * mfpscan_ring_flush() - make CPU writes through the vmap() visible
 * @ring: the ring
 * @pos: free-running position of the range, which does not wrap
 * @len: bytes
 *
 * The kernel writes through its vmap() alias; userspace and the device see
 * the pages through other addresses. Needed on CPUs with virtually indexed
 * caches (flush_kernel_vmap_range() is empty on x86).
 */
void mfpscan_ring_flush(struct mfpscan_ring *ring, u64 pos, u32 len)
{
	if (len)
		flush_kernel_vmap_range(ring->buf + (pos & (ring->size - 1)),
					len);
}

/**
 * mfpscan_ring_dma_sg() - describe a range for the device
 * @ring: the ring, DMA-mapped
 * @pos: free-running position of the range, which does not wrap
 * @len: bytes, at most half the ring
 *
 * Fills @ring->sgl with one entry per page piece of the range: page,
 * offset and length for the CPU, sg_dma_address() and sg_dma_len() on the
 * ring's DMA device (already mapped: the user must not map it again).
 *
 * Return: the number of entries, 0 for an empty range.
 */
unsigned int mfpscan_ring_dma_sg(struct mfpscan_ring *ring, u64 pos, u32 len)
{
	struct scatterlist *sg = ring->sgl;
	u32 off = pos & (ring->size - 1);
	unsigned int nents = 0;
	u32 n;

	if (!len)
		return 0;
	sg_init_table(ring->sgl, DIV_ROUND_UP((off & ~PAGE_MASK) + len,
					      PAGE_SIZE));
	for (; len; len -= n, off += n, nents++, sg = sg_next(sg)) {
		n = mfpscan_ring_piece(off, len);
		sg_set_page(sg, ring->pages[off >> PAGE_SHIFT], n,
			    off & ~PAGE_MASK);
		sg_dma_address(sg) = ring->dma[off >> PAGE_SHIFT] +
				     (off & ~PAGE_MASK);
		sg_dma_len(sg) = n;
	}
	return nents;
}

/* The slot of free-running position @pos in @starts. */
static unsigned long mfpscan_ring_slot(const struct mfpscan_ring *ring,
				       u64 pos)
{
	return (pos & (ring->size - 1)) / MFPSCAN_RECORD_ALIGN;
}

/* A record of @bytes starts at @pos: only its first slot is a start. */
static void mfpscan_ring_mark(struct mfpscan_ring *ring, u64 pos, u32 bytes)
{
	unsigned long slot = mfpscan_ring_slot(ring, pos);

	bitmap_clear(ring->starts, slot, bytes / MFPSCAN_RECORD_ALIGN);
	__set_bit(slot, ring->starts);
}

/**
 * mfpscan_ring_reset() - discard everything unconsumed
 * @ring: the ring, no reservation outstanding
 */
void mfpscan_ring_reset(struct mfpscan_ring *ring)
{
	ring->tail = ring->head;
	ring->pad = 0;
	ring->resv = 0;
}

/**
 * mfpscan_ring_reserve() - reserve space for the next record
 * @ring: the ring
 * @record_bytes: mfpscan_record_bytes() of the record, at most size / 2
 * @headroom: bytes that must stay free after the record: the engine's
 *	records leave room for the core's ABORTED band (a header), so that
 *	an ABORT of a stalled job always gets its JOB_END into the stream
 *
 * If the record does not fit before the end of the ring, a PAD record that
 * fills the rest is written at head and the record goes to offset 0. The
 * PAD record becomes visible together with the record.
 *
 * Return: true if the space is reserved, false if the ring lacks space.
 */
bool mfpscan_ring_reserve(struct mfpscan_ring *ring, u32 record_bytes,
			  u32 headroom)
{
	u32 off = ring->head & (ring->size - 1);
	u32 room = ring->size - off;
	u32 pad = record_bytes > room ? room : 0;
	struct mfpscan_band *hdr;

	if (mfpscan_ring_used(ring) + pad + record_bytes + headroom > ring->size)
		return false;

	if (pad) {
		hdr = mfpscan_ring_hdr(ring, ring->head);
		memset(hdr, 0, sizeof(*hdr));
		hdr->magic = MFPSCAN_BAND_MAGIC;
		hdr->header_bytes = sizeof(*hdr);
		hdr->record_bytes = pad;
		hdr->flags = MFPSCAN_BAND_PAD;
	}
	ring->pad = pad;
	ring->resv = record_bytes;
	return true;
}

/**
 * mfpscan_ring_reserved() - where the reserved record starts
 * @ring: the ring, a reservation outstanding
 *
 * Return: the header of the reserved record.
 */
void *mfpscan_ring_reserved(struct mfpscan_ring *ring)
{
	return mfpscan_ring_hdr(ring, ring->head + ring->pad);
}

/**
 * mfpscan_ring_publish() - make the reserved record visible
 * @ring: the ring, the reserved record complete
 *
 * The caller stores the returned head to userspace with release semantics.
 *
 * Return: the new head.
 */
u64 mfpscan_ring_publish(struct mfpscan_ring *ring)
{
	if (ring->pad)
		mfpscan_ring_mark(ring, ring->head, ring->pad);
	mfpscan_ring_mark(ring, ring->head + ring->pad, ring->resv);
	ring->head += ring->pad + ring->resv;
	ring->pad = 0;
	ring->resv = 0;
	return ring->head;
}

/**
 * mfpscan_ring_tail_valid() - check a consumer position from userspace
 * @ring: the ring
 * @new_tail: the proposed tail
 *
 * A valid tail lies in [tail, head] on a record boundary. Every slot of
 * [tail, head) was written by the publication that made it visible, which
 * also marked where its records start in @starts: one bit test, however
 * many records lie between (userspace maps the ring read-only anyway, the
 * headers are not read at all).
 *
 * Return: true if @new_tail may become the tail.
 */
bool mfpscan_ring_tail_valid(struct mfpscan_ring *ring, u64 new_tail)
{
	if (new_tail < ring->tail || new_tail > ring->head)
		return false;
	if (new_tail == ring->head)
		return true;
	return IS_ALIGNED(new_tail, MFPSCAN_RECORD_ALIGN) &&
	       test_bit(mfpscan_ring_slot(ring, new_tail), ring->starts);
}
