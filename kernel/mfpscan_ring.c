// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan ring core: reservation with end-of-ring padding, publication,
 * reset, and validation of consumer positions written by userspace.
 *
 * One producer fills the ring: it reserves a record (mfpscan_ring_reserve()),
 * writes the payload outside any lock, and publishes it
 * (mfpscan_ring_publish()), which moves head over the PAD record (if any) and
 * the record at once, so that [tail, head) always ends with a real record.
 * Consumers read [tail, head) and move tail over whole records.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mfpscan_ring.h"

/**
 * mfpscan_ring_init() - allocate the ring memory
 * @ring: the ring
 * @size: bytes, a power of two of at least two pages
 *
 * vmalloc_user() memory is zeroed and may be mapped into userspace with
 * remap_vmalloc_range(); see Documentation/ring.rst for why it suits the
 * simulated engine and what a DMA engine uses instead.
 *
 * Return: 0 or -ENOMEM.
 */
int mfpscan_ring_init(struct mfpscan_ring *ring, u32 size)
{
	ring->buf = vmalloc_user(size);
	if (!ring->buf)
		return -ENOMEM;
	ring->starts = kvcalloc(BITS_TO_LONGS(size / MFPSCAN_RECORD_ALIGN),
				sizeof(unsigned long), GFP_KERNEL);
	if (!ring->starts) {
		vfree(ring->buf);
		ring->buf = NULL;
		return -ENOMEM;
	}
	ring->size = size;
	ring->head = 0;
	ring->tail = 0;
	ring->pad = 0;
	ring->resv = 0;
	init_waitqueue_head(&ring->space_wq);
	return 0;
}

/**
 * mfpscan_ring_free() - free the ring memory
 * @ring: the ring, no longer reachable from any file or mapping
 */
void mfpscan_ring_free(struct mfpscan_ring *ring)
{
	vfree(ring->buf);
	ring->buf = NULL;
	kvfree(ring->starts);
	ring->starts = NULL;
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
