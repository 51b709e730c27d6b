// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan stream: the producer side of a device's band stream, the engine
 * interface of mfpscan.h that moves data: band reservation and commit, the
 * job's end, the status page, the tail an mmap() consumer stores in the
 * control page, and the wake-ups of readers and pollers. The ring itself
 * (mfpscan_ring.c) stays pure; this file adds the device's state to it.
 */
#include <linux/crc32.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>

#include "mfpscan.h"
#include "mfpscan_dev.h"
#include "mfpscan_ring.h"
#include "mfpscan_stream.h"

/* Status, positions and wake-ups; all with @lock held */

void mfpscan_publish_status(struct mfpscan_dev *mdev)
{
	struct mfpscan_mmap_status *st = mdev->status;

	WRITE_ONCE(st->error, mdev->error);
	WRITE_ONCE(st->overruns, mdev->overruns);
	WRITE_ONCE(st->job, mdev->job);
	WRITE_ONCE(st->page, mdev->page);
	/*
	 * (E) Pairs with the consumer's load-acquire of state (F): a consumer
	 * that sees a final state sees the head (stored before, (A)) that
	 * covers the job's last record, and the fields above.
	 */
	smp_store_release(&st->state, mdev->state);
}

/*
 * Wake the files whose sleepers wait for @key: MFPSCAN_POLL_DATA when
 * records were published (a file's read() and poll() sleepers only once
 * their threshold is met), MFPSCAN_POLL_STATE when the job's state changed
 * (its end, a stall, an overrun or the engine's removal: everyone).
 */
void mfpscan_wake(struct mfpscan_dev *mdev, __poll_t key)
{
	struct mfpscan_wake_key k = { .mask = key };

	spin_lock(&mdev->lock);
	k.used = mfpscan_ring_used(&mdev->ring);
	k.ctl_wakeup = READ_ONCE(mdev->control->wakeup_bytes);
	k.owner = mdev->owner;
	spin_unlock(&mdev->lock);
	__wake_up(&mdev->event_wq, TASK_INTERRUPTIBLE, 0, &k);
}

/* @mf's read() threshold: its own, at least a byte (one record). */
static u64 mfpscan_read_threshold(struct mfpscan_file *mf)
{
	return max_t(u64, READ_ONCE(mf->wakeup_bytes), 1);
}

/*
 * @mf's poll() threshold: its own; without one, for the owner, the control
 * page's wakeup_bytes (ABI 2.0); at least a byte.
 */
static u64 mfpscan_poll_threshold_of(struct mfpscan_file *mf, bool owner,
				     u64 ctl_wakeup)
{
	u64 t = READ_ONCE(mf->wakeup_bytes);

	if (!t && owner)
		t = ctl_wakeup;
	return max_t(u64, t, 1);
}

u64 mfpscan_poll_threshold(struct mfpscan_dev *mdev, struct mfpscan_file *mf)
{
	return mfpscan_poll_threshold_of(mf, mdev->owner == mf,
					 READ_ONCE(mdev->control->wakeup_bytes));
}

/*
 * The entry of an open file in the device's event_wq: filters a wake-up by
 * @key (struct mfpscan_wake_key) against the file's thresholds and passes
 * it on to the file's own sleepers. Never removes itself.
 */
static int mfpscan_file_wake(struct wait_queue_entry *wait, unsigned int mode,
			     int sync, void *key)
{
	struct mfpscan_file *mf = container_of(wait, struct mfpscan_file, relay);
	const struct mfpscan_wake_key *k = key;
	bool data = k->mask == MFPSCAN_POLL_DATA;

	if (!data || k->used >= mfpscan_read_threshold(mf))
		wake_up_interruptible(&mf->read_wq);
	if (!data || k->used >= mfpscan_poll_threshold_of(mf, k->owner == mf,
							  k->ctl_wakeup))
		wake_up_interruptible_poll(&mf->poll_wq, k->mask);
	return 0;
}

/**
 * mfpscan_file_events_init() - let @mf's sleepers hear the device's events
 * @mdev: the device
 * @mf: a new open file
 */
void mfpscan_file_events_init(struct mfpscan_dev *mdev,
			      struct mfpscan_file *mf)
{
	init_waitqueue_head(&mf->read_wq);
	init_waitqueue_head(&mf->poll_wq);
	init_waitqueue_func_entry(&mf->relay, mfpscan_file_wake);
	add_wait_queue(&mdev->event_wq, &mf->relay);
}

/**
 * mfpscan_file_events_exit() - undo mfpscan_file_events_init()
 * @mdev: the device
 * @mf: the file being released
 */
void mfpscan_file_events_exit(struct mfpscan_dev *mdev,
			      struct mfpscan_file *mf)
{
	remove_wait_queue(&mdev->event_wq, &mf->relay);
}

/*
 * Take over the tail that an mmap() consumer stored in the control page, if
 * it is valid (Documentation/ring.rst). Returns true if the tail moved.
 */
bool mfpscan_sync_user_tail(struct mfpscan_dev *mdev)
{
	struct mfpscan_ring *ring = &mdev->ring;
	u64 t;

	/* Not sampled (so sampled again later) while read() copies. */
	if (mdev->copying)
		return false;
	/*
	 * (C) Pairs with the consumer's store-release of control->tail (D):
	 * the consumer finished reading the records below t before the
	 * producer reuses their space.
	 */
	t = smp_load_acquire(&mdev->control->tail);
	if (t == mdev->ctl_tail_seen)
		return false;
	mdev->ctl_tail_seen = t;
	if (t == ring->tail || !mfpscan_ring_tail_valid(ring, t))
		return false;
	ring->tail = t;
	return true;
}

/* Store the kernel's tail into the control page after a kernel consumer. */
void mfpscan_set_user_tail(struct mfpscan_dev *mdev)
{
	WRITE_ONCE(mdev->control->tail, mdev->ring.tail);
	mdev->ctl_tail_seen = mdev->ring.tail;
}

/* The poll() readiness rule of Documentation/uapi.rst, for @mf. */
bool mfpscan_readable(struct mfpscan_dev *mdev, struct mfpscan_file *mf)
{
	u64 used = mfpscan_ring_used(&mdev->ring);

	return used >= mfpscan_poll_threshold(mdev, mf) ||
	       (used && mdev->state == MFPSCAN_STATE_STALLED) ||
	       !mdev->running;
}

/*
 * A blocking read() of @mf that found records returns them now: they reach
 * its threshold, or the engine is stalled, or no job is running.
 */
bool mfpscan_read_due(struct mfpscan_dev *mdev, struct mfpscan_file *mf)
{
	return mfpscan_ring_used(&mdev->ring) >= mfpscan_read_threshold(mf) ||
	       mdev->state == MFPSCAN_STATE_STALLED || !mdev->running;
}

static bool mfpscan_space_or_stop(struct mfpscan_dev *mdev, u32 rb)
{
	struct mfpscan_ring *ring = &mdev->ring;
	u32 room;
	bool ret;

	spin_lock(&mdev->lock);
	mfpscan_sync_user_tail(mdev);
	room = ring->size - (ring->head & (ring->size - 1));
	/* what mfpscan_ring_reserve() needs, its headroom included */
	ret = mdev->stopping ||
	      ring->size >= mfpscan_ring_used(ring) + (rb > room ? room : 0) +
			    rb + MFPSCAN_RECORD_ALIGN;
	spin_unlock(&mdev->lock);
	return ret;
}

/* Producer side */

/*
 * How long a stalled producer sleeps before it samples the control page
 * again, for an mmap() consumer that only writes its tail there: a jiffy,
 * doubled each time the consumer has not moved, up to a tenth of a second.
 * Consumers that make a system call (read(), poll(), G_STATUS, SYNC_PTR)
 * wake the producer at once.
 */
#define MFPSCAN_STALL_RESAMPLE_MAX	(HZ / 10)

/*
 * Reserve a record. @try: the core's own ABORTED band, which neither waits,
 * nor overruns, nor honours @stopping.
 */
void *mfpscan_reserve(struct mfpscan_dev *mdev, u32 payload_bytes, bool try)
{
	struct mfpscan_ring *ring = &mdev->ring;
	u32 rb = mfpscan_record_bytes(payload_bytes);
	long resample = 1;
	bool wake_readers = false;
	bool stalled;
	void *hdr;

	if (rb > ring->size / 2)
		return ERR_PTR(-EINVAL);

	spin_lock(&mdev->lock);
	for (;;) {
		if (!try && mdev->stopping) {
			hdr = ERR_PTR(-ECANCELED);
			break;
		}
		mfpscan_sync_user_tail(mdev);
		if (mfpscan_ring_reserve(ring, rb,
					 try ? 0 : MFPSCAN_RECORD_ALIGN)) {
			hdr = mfpscan_ring_reserved(ring);
			mdev->resv_payload = payload_bytes;
			mdev->resv_dma = false;
			if (mdev->state == MFPSCAN_STATE_STALLED) {
				mdev->state = MFPSCAN_STATE_SCANNING;
				mfpscan_publish_status(mdev);
			}
			break;
		}
		if (try) {
			hdr = ERR_PTR(-ENOSPC);
			break;
		}
		if (!(mdev->caps.flags & MFPSCAN_CAP_CAN_STALL)) {
			/* Overrun: the band is dropped and the job stops. */
			mdev->overruns++;
			mdev->running = false;
			mdev->state = MFPSCAN_STATE_OVERRUN;
			mfpscan_publish_status(mdev);
			wake_readers = true;
			hdr = ERR_PTR(-ENOSPC);
			break;
		}
		stalled = mdev->state != MFPSCAN_STATE_STALLED;
		if (stalled) {
			mdev->state = MFPSCAN_STATE_STALLED;
			mfpscan_publish_status(mdev);
		}
		spin_unlock(&mdev->lock);
		/*
		 * A stalled engine counts as readable, whatever wakeup_bytes:
		 * readers and pollers learn it once, when the state changes.
		 */
		if (stalled)
			mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
		if (!wait_event_interruptible_timeout(ring->space_wq,
						      mfpscan_space_or_stop(mdev, rb),
						      resample))
			resample = min_t(long, 2 * resample,
					 MFPSCAN_STALL_RESAMPLE_MAX);
		spin_lock(&mdev->lock);
	}
	spin_unlock(&mdev->lock);
	if (wake_readers)
		mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
	return hdr;
}

/**
 * mfpscan_band_begin() - reserve ring space for the next band
 * @mdev: the device, a job running
 * @payload_bytes: lines * bytes_per_line of the band
 *
 * If the ring lacks space, an engine with MFPSCAN_CAP_CAN_STALL sleeps
 * (state STALLED) until a consumer frees space; any other engine overruns:
 * the band is dropped, the job ends in state OVERRUN.
 *
 * Return: where to write the payload, or ERR_PTR(-ENOSPC) (overrun, job
 * ended), ERR_PTR(-ECANCELED) (job being stopped), ERR_PTR(-EINVAL) (record
 * larger than half the ring). On error the engine stops producing.
 */
void *mfpscan_band_begin(struct mfpscan_dev *mdev, u32 payload_bytes)
{
	struct mfpscan_band *hdr = mfpscan_reserve(mdev, payload_bytes, false);

	return IS_ERR(hdr) ? (void *)hdr : hdr + 1;
}
EXPORT_SYMBOL_GPL(mfpscan_band_begin);

/**
 * mfpscan_dev_dma_mapped() - whether the ring takes the device's DMA
 * @mdev: the device, registered
 *
 * Return: true if mfpscan_band_begin_dma() can succeed (the ring is mapped
 * on the DMA device of mfpscan_dev_alloc_dma()).
 */
bool mfpscan_dev_dma_mapped(struct mfpscan_dev *mdev)
{
	return READ_ONCE(mdev->ring.dma_dev);
}
EXPORT_SYMBOL_GPL(mfpscan_dev_dma_mapped);

/**
 * mfpscan_band_begin_dma() - reserve ring space for the device to write
 * @mdev: the device, of mfpscan_dev_alloc_dma() with a DMA device, a job
 *	running
 * @payload_bytes: lines * bytes_per_line of the band
 * @band: filled with where the payload goes (struct mfpscan_band_dma)
 *
 * Like mfpscan_band_begin() (stall or overrun when the ring lacks space),
 * but the payload is the device's: the range is synced for the device
 * before it is handed out, and mfpscan_band_commit() syncs it back for the
 * CPU before the checksum and before head covers it. The engine writes
 * nothing into it with the CPU. Process context.
 *
 * Return: 0; -EOPNOTSUPP if the ring is not mapped for DMA (the engine
 * uses mfpscan_band_begin()), or an error of mfpscan_band_begin(), after
 * which the engine stops producing. @band is untouched on error.
 */
int mfpscan_band_begin_dma(struct mfpscan_dev *mdev, u32 payload_bytes,
			   struct mfpscan_band_dma *band)
{
	struct mfpscan_ring *ring = &mdev->ring;
	struct mfpscan_band *hdr;
	u64 pos;

	if (!ring->dma_dev)
		return -EOPNOTSUPP;
	hdr = mfpscan_reserve(mdev, payload_bytes, false);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	spin_lock(&mdev->lock);
	mdev->resv_dma = true;
	pos = ring->head + ring->pad + sizeof(*hdr);
	spin_unlock(&mdev->lock);

	mfpscan_ring_sync_for_device(ring, pos, payload_bytes);
	band->nents = mfpscan_ring_dma_sg(ring, pos, payload_bytes);
	band->sgl = band->nents ? ring->sgl : NULL;
	band->payload = hdr + 1;
	return 0;
}
EXPORT_SYMBOL_GPL(mfpscan_band_begin_dma);

/**
 * mfpscan_band_sync_dma() - take a DMA band back before checking it
 * @mdev: the device, a band of mfpscan_band_begin_dma() reserved and
 *	written by the device
 *
 * Syncs the payload for the CPU, so that the engine can check it (its
 * CRC, through &mfpscan_band_dma.payload) before it commits or drops it.
 * mfpscan_band_commit() syncs again, which is harmless. Process context,
 * the producer's.
 */
void mfpscan_band_sync_dma(struct mfpscan_dev *mdev)
{
	struct mfpscan_ring *ring = &mdev->ring;

	if (!mdev->resv_dma || !ring->resv)
		return;
	mfpscan_ring_sync_for_cpu(ring, ring->head + ring->pad +
				  sizeof(struct mfpscan_band),
				  mdev->resv_payload);
}
EXPORT_SYMBOL_GPL(mfpscan_band_sync_dma);

/**
 * mfpscan_band_commit() - publish the band reserved by mfpscan_band_begin()
 * @mdev: the device
 * @desc: the band; a band with MFPSCAN_BAND_JOB_END ends the job (state
 *	DONE, or ERROR/ABORTED with MFPSCAN_BAND_ERROR)
 *
 * Computes the checksum, fills the header, moves head and wakes consumers.
 * A band of mfpscan_band_begin_dma() is synced for the CPU first; commit
 * it only once the device finished writing it.
 */
void mfpscan_band_commit(struct mfpscan_dev *mdev,
			 const struct mfpscan_band_desc *desc)
{
	struct mfpscan_ring *ring = &mdev->ring;
	struct mfpscan_band *hdr = mfpscan_ring_reserved(ring);
	u64 payload_bytes = (u64)desc->lines * desc->bytes_per_line;
	bool is_error = desc->flags & MFPSCAN_BAND_ERROR;
	bool job_end = desc->flags & MFPSCAN_BAND_JOB_END;
	u64 head;

	/*
	 * An engine bug, never device data: the engine checks what it got
	 * from the device before it commits. Publishing would put a header
	 * that does not describe its record into the stream.
	 */
	if (WARN_ONCE(!ring->resv || payload_bytes != mdev->resv_payload,
		      "%s: commit of %llu payload bytes, %u reserved\n",
		      dev_name(&mdev->dev), payload_bytes,
		      ring->resv ? mdev->resv_payload : 0)) {
		spin_lock(&mdev->lock);
		ring->pad = 0;
		ring->resv = 0;
		mdev->resv_dma = false;
		spin_unlock(&mdev->lock);
		return;
	}

	/* The device's bytes, not stale lines, for the CRC and the readers. */
	if (mdev->resv_dma)
		mfpscan_ring_sync_for_cpu(ring, ring->head + ring->pad +
					  sizeof(*hdr), payload_bytes);
	hdr->magic = MFPSCAN_BAND_MAGIC;
	hdr->header_bytes = sizeof(*hdr);
	hdr->record_bytes = ring->resv;
	hdr->job = mdev->job;
	hdr->page = desc->page;
	hdr->band = desc->band;
	hdr->first_line = desc->first_line;
	hdr->lines = desc->lines;
	hdr->bytes_per_line = desc->bytes_per_line;
	hdr->payload_bytes = payload_bytes;
	hdr->flags = desc->flags & ~MFPSCAN_BAND_PAD;
	hdr->error = is_error ? desc->error : MFPSCAN_ERR_NONE;
	if (!payload_bytes)
		hdr->checksum = 0;
	else if (desc->has_checksum)
		hdr->checksum = desc->checksum;
	else
		hdr->checksum = crc32_le(~0U, (u8 *)(hdr + 1), payload_bytes) ^
				~0U;
	hdr->reserved0 = 0;
	hdr->timestamp_ns = ktime_get_ns();
	mfpscan_ring_flush(ring, ring->head, ring->pad ? sizeof(*hdr) : 0);
	mfpscan_ring_flush(ring, ring->head + ring->pad,
			   mdev->resv_dma ? sizeof(*hdr) : ring->resv);

	spin_lock(&mdev->lock);
	if (mdev->resv_dma)
		mdev->dma_written += payload_bytes;
	else
		mdev->cpu_copied += payload_bytes;
	mdev->resv_dma = false;
	head = mfpscan_ring_publish(ring);
	/*
	 * (A) Pairs with the consumer's load-acquire of head (B): the record
	 * is complete in memory before head covers it.
	 */
	smp_store_release(&mdev->status->head, head);

	if (is_error) {
		mdev->errors++;
		mdev->error = desc->error;
	} else {
		mdev->bands++;
		mdev->bytes += payload_bytes;
	}
	if (desc->flags & MFPSCAN_BAND_PAGE_START)
		mdev->page_open = true;
	mdev->page = desc->page;
	mdev->line = desc->first_line + desc->lines;
	mdev->next_band = desc->band + 1;
	if (desc->flags & MFPSCAN_BAND_PAGE_END) {
		mdev->page_open = false;
		if (!is_error)
			mdev->pages++;
		if (!(desc->flags & MFPSCAN_BAND_JOB_END)) {
			mdev->page = desc->page + 1;
			mdev->line = 0;
			mdev->next_band = 0;
		}
	}
	if (desc->flags & MFPSCAN_BAND_JOB_END) {
		mdev->running = false;
		if (!is_error)
			mdev->state = MFPSCAN_STATE_DONE;
		else if (desc->error == MFPSCAN_ERR_ABORTED)
			mdev->state = MFPSCAN_STATE_ABORTED;
		else
			mdev->state = MFPSCAN_STATE_ERROR;
	}
	mfpscan_publish_status(mdev);
	spin_unlock(&mdev->lock);

	mfpscan_wake(mdev, job_end ? MFPSCAN_POLL_STATE : MFPSCAN_POLL_DATA);
}
EXPORT_SYMBOL_GPL(mfpscan_band_commit);

/**
 * mfpscan_job_end() - end the job with an error band
 * @mdev: the device, a job running
 * @desc: the error band: @desc->flags holds MFPSCAN_BAND_ERROR and
 *	MFPSCAN_BAND_JOB_END (and PAGE_END when a page was being scanned),
 *	@desc->error the MFPSCAN_ERR_*; lines and bytes_per_line are ignored
 *
 * Like a band of no payload: may stall or overrun.
 *
 * Return: 0, or the error of mfpscan_band_begin().
 */
int mfpscan_job_end(struct mfpscan_dev *mdev,
		    const struct mfpscan_band_desc *desc)
{
	struct mfpscan_band_desc d = *desc;
	void *hdr;

	hdr = mfpscan_reserve(mdev, 0, false);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	d.lines = 0;
	d.bytes_per_line = 0;
	d.flags |= MFPSCAN_BAND_ERROR | MFPSCAN_BAND_JOB_END;
	mfpscan_band_commit(mdev, &d);
	return 0;
}
EXPORT_SYMBOL_GPL(mfpscan_job_end);
