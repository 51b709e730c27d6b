/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan ring core: the band ring of one device. Records (struct
 * mfpscan_band + payload) are padded to MFPSCAN_RECORD_ALIGN and never wrap;
 * a record that does not fit before the end of the ring is preceded by a PAD
 * record that fills the rest. head and tail are free-running 64-bit byte
 * positions; the ring offset of a position is pos & (size - 1).
 *
 * The ring does no locking of its own: the caller serializes every function
 * here except the payload writes with the lock that guards the positions
 * (mfpscan_dev.lock). See Documentation/ring.rst.
 */
#ifndef _MFPSCAN_RING_H
#define _MFPSCAN_RING_H

#include <linux/align.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/mfpscan.h>

/**
 * struct mfpscan_ring - one device's ring
 * @buf: vmalloc_user() memory, @size bytes, mapped read-only to userspace
 * @size: bytes, a power of two
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
	u32 size;
	u64 head;
	u64 tail;
	u32 pad;
	u32 resv;
	unsigned long *starts;
	wait_queue_head_t space_wq;
};

int mfpscan_ring_init(struct mfpscan_ring *ring, u32 size);
void mfpscan_ring_free(struct mfpscan_ring *ring);
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
