// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan job: job control and ownership. START, ABORT and RECOVER, the
 * stopping of the engine, the discarding of a job's records and the owner
 * of the device's job (the file that started it), whose change zaps every
 * mapping of the device.
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>

#include "mfpscan.h"
#include "mfpscan_dev.h"
#include "mfpscan_job.h"
#include "mfpscan_params.h"
#include "mfpscan_ring.h"
#include "mfpscan_stream.h"

/* Another file owns the device's job (current or last); @lock or better. */
bool mfpscan_foreign(struct mfpscan_dev *mdev, struct mfpscan_file *mf)
{
	return mdev->owner && mdev->owner != mf;
}

/* Job control; all with @io_mutex held */

/*
 * Answer a pending START with @result (if @job is 0, whichever job it is
 * for); the START's thread, waiting in mfpscan_start_finish(), wakes.
 */
static void mfpscan_start_answer(struct mfpscan_dev *mdev, u32 job,
				 int result)
{
	spin_lock(&mdev->lock);
	if (mdev->start_pending && (!job || mdev->job == job)) {
		mdev->start_pending = false;
		mdev->start_result = result;
	}
	spin_unlock(&mdev->lock);
	/* pairs with the barrier in wait_var_event()'s set_current_state() */
	smp_mb();
	wake_up_var(&mdev->start_pending);
}

/**
 * mfpscan_start_done() - the engine's answer to a pending START
 * @mdev: the device
 * @job: the job number of the START (mfpscan_job.job)
 * @result: 0 if the device started the job, else a negative errno (the
 *	START fails with it)
 *
 * For an engine whose @start returned MFPSCAN_START_PENDING; called once,
 * from process context, without any lock of the core held. Does nothing
 * once @stop ended the pending start.
 */
void mfpscan_start_done(struct mfpscan_dev *mdev, u32 job, int result)
{
	mfpscan_start_answer(mdev, job, result);
}
EXPORT_SYMBOL_GPL(mfpscan_start_done);

void mfpscan_stop_engine(struct mfpscan_dev *mdev)
{
	spin_lock(&mdev->lock);
	mdev->stopping = true;
	spin_unlock(&mdev->lock);
	wake_up_all(&mdev->ring.space_wq);
	mdev->ops->stop(mdev);
	/* A pending START is over: the engine will not answer it now. */
	mfpscan_start_answer(mdev, 0, -ECANCELED);
}

void mfpscan_abort_locked(struct mfpscan_dev *mdev)
{
	struct mfpscan_band_desc desc = {
		.flags = MFPSCAN_BAND_ERROR | MFPSCAN_BAND_JOB_END,
		.error = MFPSCAN_ERR_ABORTED,
	};
	void *hdr;
	bool running;

	spin_lock(&mdev->lock);
	running = mdev->running;
	spin_unlock(&mdev->lock);
	if (!running)
		return;

	mfpscan_stop_engine(mdev);

	spin_lock(&mdev->lock);
	running = mdev->running;	/* the job may have ended meanwhile */
	desc.page = mdev->page;
	desc.band = mdev->next_band;
	desc.first_line = mdev->line;
	if (mdev->page_open)
		desc.flags |= MFPSCAN_BAND_PAGE_END;
	spin_unlock(&mdev->lock);
	if (!running)
		return;

	hdr = mfpscan_reserve(mdev, 0, true);
	if (!IS_ERR(hdr)) {
		mfpscan_band_commit(mdev, &desc);
		return;
	}
	/* No room for the error band: end the job without it. */
	spin_lock(&mdev->lock);
	mdev->running = false;
	mdev->state = MFPSCAN_STATE_ABORTED;
	mdev->error = MFPSCAN_ERR_ABORTED;
	mfpscan_publish_status(mdev);
	spin_unlock(&mdev->lock);
	mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
}

/* Discard the ring contents; @read_mutex and @io_mutex held, engine stopped. */
void mfpscan_discard_locked(struct mfpscan_dev *mdev)
{
	lockdep_assert_held(&mdev->read_mutex);
	spin_lock(&mdev->lock);
	mfpscan_ring_reset(&mdev->ring);
	mfpscan_set_user_tail(mdev);
	spin_unlock(&mdev->lock);
	wake_up_all(&mdev->ring.space_wq);
}

/*
 * Make @mf the owner; @io_mutex held. When the owner changes, every mapping
 * of the device is zapped before anything of the new job is produced: the
 * new owner's pages fault in again, other files' ring and control pages
 * fault with SIGBUS (mfpscan_vm_fault()).
 */
void mfpscan_set_owner(struct mfpscan_dev *mdev, struct mfpscan_file *mf)
{
	bool changed;

	down_write(&mdev->map_rwsem);
	changed = mdev->owner != mf;
	spin_lock(&mdev->lock);
	mdev->owner = mf;
	spin_unlock(&mdev->lock);
	if (changed && mdev->mapping)
		unmap_mapping_range(mdev->mapping, 0, 0, 1);
	up_write(&mdev->map_rwsem);
}

/* Take back a START the engine refused; @io_mutex held, the job current. */
static void mfpscan_start_undo(struct mfpscan_dev *mdev,
			       struct mfpscan_file *owner)
{
	spin_lock(&mdev->lock);
	mdev->job--;
	mdev->running = false;
	mdev->state = MFPSCAN_STATE_IDLE;
	mfpscan_publish_status(mdev);
	spin_unlock(&mdev->lock);
	mfpscan_set_owner(mdev, owner);
}

static bool mfpscan_start_pending(struct mfpscan_dev *mdev)
{
	bool pending;

	spin_lock(&mdev->lock);
	pending = mdev->start_pending;
	spin_unlock(&mdev->lock);
	return pending;
}

/*
 * The engine asks its device (MFPSCAN_START_PENDING): wait for its answer
 * without the core's locks, so that a device that does not answer holds
 * up neither other files (open, close, params, their reads) nor an
 * unplug, then commit or take the START back. Meanwhile the job is
 * SCANNING and running: another START gets -EBUSY, the owner's ABORT and
 * the engine's removal end the wait (mfpscan_stop_engine()). Called
 * without locks; returns START's answer.
 */
static long mfpscan_start_finish(struct mfpscan_dev *mdev, u32 job)
{
	bool killed;
	long ret;

	killed = wait_var_event_killable(&mdev->start_pending,
					 !mfpscan_start_pending(mdev));
	mutex_lock(&mdev->io_mutex);
	if (killed && mdev->registered && mfpscan_start_pending(mdev))
		mfpscan_stop_engine(mdev);	/* answers -ECANCELED */
	spin_lock(&mdev->lock);
	ret = mdev->start_result;
	spin_unlock(&mdev->lock);
	if (!mdev->registered) {
		ret = -ENODEV;		/* the engine went: the state says GONE */
	} else if (ret == -ECANCELED && !killed) {
		/* The owner's ABORT: the job started and ended ABORTED. */
		ret = 0;
	} else if (ret || killed) {
		if (killed)
			ret = -EINTR;
		/*
		 * The previous owner may have closed meanwhile: no owner,
		 * as after a close (the ring is empty).
		 */
		if (mdev->running && mdev->job == job)
			mfpscan_start_undo(mdev, NULL);
	}
	mutex_unlock(&mdev->io_mutex);
	mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
	return ret;
}

long mfpscan_ioc_start(struct mfpscan_file *mf)
{
	struct mfpscan_dev *mdev = mf->mdev;
	struct mfpscan_file *prev_owner;
	struct mfpscan_job job;
	long ret = 0;

	if (mutex_lock_interruptible(&mdev->read_mutex))
		return -ERESTARTSYS;
	mutex_lock(&mdev->io_mutex);
	if (!mdev->registered) {
		ret = -ENODEV;
		goto out_unlock;
	}
	spin_lock(&mdev->lock);
	if (mdev->running)
		ret = -EBUSY;
	else if (mdev->state == MFPSCAN_STATE_OVERRUN)
		ret = -EPIPE;
	spin_unlock(&mdev->lock);
	if (ret)
		goto out_unlock;
	job.params = mf->params;
	ret = mfpscan_params_check(&mdev->caps, &job.params);
	if (ret)
		goto out_unlock;

	/* Reap the producer of the previous job, then discard its records. */
	mfpscan_stop_engine(mdev);
	mfpscan_discard_locked(mdev);

	prev_owner = mdev->owner;
	mfpscan_set_owner(mdev, mf);
	spin_lock(&mdev->lock);
	job.job = ++mdev->job;
	mdev->state = MFPSCAN_STATE_SCANNING;
	mdev->error = MFPSCAN_ERR_NONE;
	mdev->page = 0;
	mdev->line = 0;
	mdev->next_band = 0;
	mdev->page_open = false;
	mdev->stopping = false;
	mdev->running = true;
	mdev->start_pending = true;
	mfpscan_publish_status(mdev);
	spin_unlock(&mdev->lock);

	if (mfpscan_engine_get(mdev)) {
		ret = mdev->ops->start(mdev, &job);
		mfpscan_engine_put(mdev);
	} else {
		ret = -ENODEV;	/* the engine's module is going away */
	}
	if (ret == MFPSCAN_START_PENDING) {
		mutex_unlock(&mdev->io_mutex);
		mutex_unlock(&mdev->read_mutex);
		return mfpscan_start_finish(mdev, job.job);
	}
	spin_lock(&mdev->lock);
	mdev->start_pending = false;
	spin_unlock(&mdev->lock);
	/* As if it never happened, but for the discarded records. */
	if (ret)
		mfpscan_start_undo(mdev, prev_owner);
out_unlock:
	mutex_unlock(&mdev->io_mutex);
	mutex_unlock(&mdev->read_mutex);
	mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
	return ret;
}

long mfpscan_ioc_abort(struct mfpscan_file *mf)
{
	struct mfpscan_dev *mdev = mf->mdev;
	long ret = 0;
	bool running;

	mutex_lock(&mdev->io_mutex);
	if (!mdev->registered) {
		ret = -ENODEV;
		goto out_unlock;
	}
	spin_lock(&mdev->lock);
	running = mdev->running;
	spin_unlock(&mdev->lock);
	if (!running)
		goto out_unlock;
	if (mdev->owner != mf) {
		ret = -EBUSY;
		goto out_unlock;
	}
	mfpscan_abort_locked(mdev);
out_unlock:
	mutex_unlock(&mdev->io_mutex);
	return ret;
}

long mfpscan_ioc_recover(struct mfpscan_file *mf)
{
	struct mfpscan_dev *mdev = mf->mdev;
	long ret = 0;
	u32 state;

	if (mutex_lock_interruptible(&mdev->read_mutex))
		return -ERESTARTSYS;
	mutex_lock(&mdev->io_mutex);
	if (!mdev->registered) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (mfpscan_foreign(mdev, mf)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	spin_lock(&mdev->lock);
	state = mdev->state;
	spin_unlock(&mdev->lock);
	if (state != MFPSCAN_STATE_OVERRUN)
		goto out_unlock;

	mfpscan_stop_engine(mdev);
	mfpscan_discard_locked(mdev);
	spin_lock(&mdev->lock);
	mdev->state = MFPSCAN_STATE_IDLE;
	mfpscan_publish_status(mdev);
	spin_unlock(&mdev->lock);
	mfpscan_wake(mdev, MFPSCAN_POLL_STATE);
out_unlock:
	mutex_unlock(&mdev->io_mutex);
	mutex_unlock(&mdev->read_mutex);
	return ret;
}
