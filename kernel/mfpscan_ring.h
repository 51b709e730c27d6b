/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan ring core: the band ring of one device. Records (struct
 * mfpscan_band + payload) are padded to MFPSCAN_RECORD_ALIGN and never wrap;
 * a record that does not fit before the end of the ring is preceded by a PAD
 * record that fills the rest. head and tail are free-running 64-bit byte
 * positions; the ring offset of a position is pos & (size - 1).
 *
 * The ring does no locking of its own: the caller serializes every function
 * here except the payload writes, the DMA syncs and the DMA unmap with the
 * lock that guards the positions (mfpscan_dev.lock). The DMA mapping and
 * its sync points are in Documentation/ring.rst, "DMA".
 */
#ifndef _MFPSCAN_RING_H
#define _MFPSCAN_RING_H

#include <linux/align.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/mfpscan.h>

struct device;

/**
 * struct mfpscan_ring - one device's ring
 * @buf: vmap() of @pages, @size bytes: the kernel's view of the ring
 * @pages: the ring's pages, one alloc_page() each, in ring order; userspace
 *	maps them read-only (inserted on fault)
 * @size: bytes, a power of two
 * @dma_dev: the engine's DMA device, referenced (get_device()) while the
 *	pages are mapped on it, NULL when they are not (never were, or
 *	unmapped when the engine went away)
 * @dma: with @dma_dev, the DMA address of each page, one dma_map_page()
 *	mapping per page (partial syncs are defined for those)
 * @sgl: with @dma_dev, room for the scatter list of one reservation, one
 *	entry per page it touches (mfpscan_ring_dma_sg())
 * @head: end of the last published record (producer position)
 * @tail: start of the oldest unconsumed record (consumer position)
 * @pad: bytes of PAD record written at @head for the reserved record
 * @resv: bytes of the record reserved after @pad, 0 when none
 * @starts: one bit per MFPSCAN_RECORD_ALIGN slot of the ring, set where a
 *	published record (PAD included) starts; every slot of [@tail, @head)
 *	was written by the lap that published it, so a set bit there is a
 *	record boundary (mfpscan_ring_tail_valid() in O(1))
 * @space_wq: the producer sleeps here while the ring lacks space
 */
struct mfpscan_ring {
	void *buf;
	struct page **pages;
	u32 size;
	struct device *dma_dev;
	dma_addr_t *dma;
	struct scatterlist *sgl;
	u64 head;
	u64 tail;
	u32 pad;
	u32 resv;
	unsigned long *starts;
	wait_queue_head_t space_wq;
};

int mfpscan_ring_init(struct mfpscan_ring *ring, u32 size,
		      struct device *dma_dev);
void mfpscan_ring_free(struct mfpscan_ring *ring);
void mfpscan_ring_dma_unmap(struct mfpscan_ring *ring);
void mfpscan_ring_sync_for_device(struct mfpscan_ring *ring, u64 pos, u32 len);
void mfpscan_ring_sync_for_cpu(struct mfpscan_ring *ring, u64 pos, u32 len);
void mfpscan_ring_flush(struct mfpscan_ring *ring, u64 pos, u32 len);
unsigned int mfpscan_ring_dma_sg(struct mfpscan_ring *ring, u64 pos, u32 len);
void mfpscan_ring_reset(struct mfpscan_ring *ring);
bool mfpscan_ring_reserve(struct mfpscan_ring *ring, u32 record_bytes,
			  u32 headroom);
void *mfpscan_ring_reserved(struct mfpscan_ring *ring);
u64 mfpscan_ring_publish(struct mfpscan_ring *ring);
bool mfpscan_ring_tail_valid(struct mfpscan_ring *ring, u64 new_tail);

/* Bytes a record with @payload_bytes of payload takes in the ring. */
static inline u32 mfpscan_record_bytes(u32 payload_bytes)
{
	return ALIGN(sizeof(struct mfpscan_band) + payload_bytes,
		     MFPSCAN_RECORD_ALIGN);
}

/* The record header at free-running position @pos. */
static inline struct mfpscan_band *mfpscan_ring_hdr(struct mfpscan_ring *ring,
						    u64 pos)
{
	return ring->buf + (pos & (ring->size - 1));
}

/* Published bytes not yet consumed. */
static inline u64 mfpscan_ring_used(const struct mfpscan_ring *ring)
{
	return ring->head - ring->tail;
}

#endif /* _MFPSCAN_RING_H */
