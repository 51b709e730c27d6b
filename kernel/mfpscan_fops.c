// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan fops: the file operations of /dev/mfpscanN. open() and release(),
 * the ioctls (job control itself is in mfpscan_job.c), read() with its
 * copy-out of records, poll() and mmap() of the ring, status and control
 * pages with their fault handler.
 *
 * The ABI is include/uapi/linux/mfpscan.h, documented in
 * Documentation/uapi.rst; the ring in Documentation/ring.rst.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mfpscan.h"
#include "mfpscan_compat.h"
#include "mfpscan_dev.h"
#include "mfpscan_fops.h"
#include "mfpscan_job.h"
#include "mfpscan_params.h"
#include "mfpscan_ring.h"
#include "mfpscan_stream.h"

/* ioctls */

static bool mfpscan_gone(struct mfpscan_dev *mdev)
{
	bool gone;

	spin_lock(&mdev->lock);
	gone = mdev->gone;
	spin_unlock(&mdev->lock);
	return gone;
}

static long mfpscan_ioc_version(void __user *argp)
{
	struct mfpscan_version v = {
		.major = MFPSCAN_ABI_MAJOR,
		.minor = MFPSCAN_ABI_MINOR,
	};

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

static long mfpscan_ioc_g_caps(struct mfpscan_dev *mdev, void __user *argp)
{
	if (mfpscan_gone(mdev))
		return -ENODEV;
	return copy_to_user(argp, &mdev->caps, sizeof(mdev->caps)) ?
	       -EFAULT : 0;
}

/*
 * No lock across the user copies: @io_mutex nests inside mmap_lock (a page
 * fault during the copy would invert that order).
 */
static long mfpscan_ioc_s_params(struct mfpscan_file *mf, void __user *argp)
{
	struct mfpscan_dev *mdev = mf->mdev;
	struct mfpscan_params p;
	long ret;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if (mfpscan_gone(mdev))
		return -ENODEV;
	ret = mfpscan_params_check(&mdev->caps, &p);
	if (ret)
		return ret;
	if (copy_to_user(argp, &p, sizeof(p)))
		return -EFAULT;

	mutex_lock(&mdev->io_mutex);
	mf->params = p;
	mutex_unlock(&mdev->io_mutex);
	return 0;
}

static long mfpscan_ioc_g_params(struct mfpscan_file *mf, void __user *argp)
{
	struct mfpscan_dev *mdev = mf->mdev;
	struct mfpscan_params p;

	mutex_lock(&mdev->io_mutex);
	p = mf->params;
	mutex_unlock(&mdev->io_mutex);
	if (mfpscan_gone(mdev))
		return -ENODEV;
	return copy_to_user(argp, &p, sizeof(p)) ? -EFAULT : 0;
}

static void mfpscan_fill_status(struct mfpscan_dev *mdev,
				struct mfpscan_status *st)
{
	memset(st, 0, sizeof(*st));
	st->state = mdev->state;
	st->error = mdev->error;
	st->job = mdev->job;
	st->page = mdev->page;
	st->line = mdev->line;
	st->pages = mdev->pages;
	st->bands = mdev->bands;
	st->bytes = mdev->bytes;
	st->overruns = mdev->overruns;
	st->errors = mdev->errors;
	st->head = mdev->ring.head;
	st->tail = mdev->ring.tail;
}

static long mfpscan_ioc_g_status(struct mfpscan_dev *mdev, void __user *argp)
{
	struct mfpscan_status st;
	bool moved;

	spin_lock(&mdev->lock);
	if (mdev->gone) {
		spin_unlock(&mdev->lock);
		return -ENODEV;
	}
	moved = mfpscan_sync_user_tail(mdev);
	mfpscan_fill_status(mdev, &st);
	spin_unlock(&mdev->lock);
	if (moved)
		wake_up_all(&mdev->ring.space_wq);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long mfpscan_ioc_sync_ptr(struct mfpscan_file *mf, void __user *argp)
{
	struct mfpscan_dev *mdev = mf->mdev;
	struct mfpscan_sync_ptr sp;
	bool moved;

	if (copy_from_user(&sp, argp, sizeof(sp)))
		return -EFAULT;
	if ((sp.flags & ~MFPSCAN_SYNC_APPLY_TAIL) ||
	    memchr_inv(sp.reserved, 0, sizeof(sp.reserved)))
		return -EINVAL;

	spin_lock(&mdev->lock);
	if (mdev->gone) {
		spin_unlock(&mdev->lock);
		return -ENODEV;
	}
	if ((sp.flags & MFPSCAN_SYNC_APPLY_TAIL) && mfpscan_foreign(mdev, mf)) {
		spin_unlock(&mdev->lock);
		return -EBUSY;
	}
	moved = mfpscan_sync_user_tail(mdev);
	if ((sp.flags & MFPSCAN_SYNC_APPLY_TAIL) && !mdev->copying &&
	    sp.tail != mdev->ring.tail &&
	    mfpscan_ring_tail_valid(&mdev->ring, sp.tail)) {
		mdev->ring.tail = sp.tail;
		mfpscan_set_user_tail(mdev);
		moved = true;
	}
	sp.state = mdev->state;
	sp.tail = mdev->ring.tail;
	sp.head = mdev->ring.head;
	sp.overruns = mdev->overruns;
	spin_unlock(&mdev->lock);
	memset(sp.reserved, 0, sizeof(sp.reserved));

	if (moved)
		wake_up_all(&mdev->ring.space_wq);
	return copy_to_user(argp, &sp, sizeof(sp)) ? -EFAULT : 0;
}

static long mfpscan_ioc_s_wakeup(struct mfpscan_file *mf, void __user *argp)
{
	u64 bytes;

	if (copy_from_user(&bytes, argp, sizeof(bytes)))
		return -EFAULT;
	if (mfpscan_gone(mf->mdev))
		return -ENODEV;
	WRITE_ONCE(mf->wakeup_bytes, bytes);
	return 0;
}

static long mfpscan_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct mfpscan_file *mf = file->private_data;
	struct mfpscan_dev *mdev = mf->mdev;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MFPSCAN_IOC_VERSION:
		return mfpscan_ioc_version(argp);
	case MFPSCAN_IOC_G_CAPS:
		return mfpscan_ioc_g_caps(mdev, argp);
	case MFPSCAN_IOC_S_PARAMS:
		return mfpscan_ioc_s_params(mf, argp);
	case MFPSCAN_IOC_G_PARAMS:
		return mfpscan_ioc_g_params(mf, argp);
	case MFPSCAN_IOC_START:
		return mfpscan_ioc_start(mf);
	case MFPSCAN_IOC_ABORT:
		return mfpscan_ioc_abort(mf);
	case MFPSCAN_IOC_G_STATUS:
		return mfpscan_ioc_g_status(mdev, argp);
	case MFPSCAN_IOC_RECOVER:
		return mfpscan_ioc_recover(mf);
	case MFPSCAN_IOC_SYNC_PTR:
		return mfpscan_ioc_sync_ptr(mf, argp);
	case MFPSCAN_IOC_S_WAKEUP:
		return mfpscan_ioc_s_wakeup(mf, argp);
	default:
		return -ENOTTY;
	}
}

/* read() and poll() */

/*
 * What read() would do now, with @lock held: 1 records are ready, 0 end of
 * stream, or a negative errno (-EAGAIN: wait). @due: a blocking read()
 * waits for its threshold too (mfpscan_read_due()).
 */
static int mfpscan_read_check(struct mfpscan_dev *mdev,
			      struct mfpscan_file *mf, bool due)
{
	if (mdev->gone)
		return -ENODEV;
	if (mdev->owner != mf)
		return mdev->owner ? -EBUSY : 0;
	if (mdev->state == MFPSCAN_STATE_OVERRUN)
		return -EPIPE;
	mfpscan_sync_user_tail(mdev);
	if (mfpscan_ring_used(&mdev->ring))
		return !due || mfpscan_read_due(mdev, mf) ? 1 : -EAGAIN;
	return mdev->running ? -EAGAIN : 0;
}

static bool mfpscan_read_ready(struct mfpscan_dev *mdev,
			       struct mfpscan_file *mf)
{
	int ret;

	spin_lock(&mdev->lock);
	ret = mfpscan_read_check(mdev, mf, true);
	spin_unlock(&mdev->lock);
	return ret != -EAGAIN;
}

/*
 * Copy whole records from [tail, head) to @buf, skipping PAD records.
 * Called with @read_mutex held, so the ring is not reset under us; with
 * @copying set no other consumer moves the tail, so the producer never
 * writes into the records being copied.
 */
static ssize_t mfpscan_copy_records(struct mfpscan_dev *mdev,
				    char __user *buf, size_t count)
{
	struct mfpscan_ring *ring = &mdev->ring;
	struct mfpscan_band *hdr;
	u64 pos, head;
	size_t done = 0;
	ssize_t ret = 0;
	u32 rb, len;
	bool moved = false;

	spin_lock(&mdev->lock);
	pos = ring->tail;
	head = ring->head;
	mdev->copying = true;
	spin_unlock(&mdev->lock);

	while (pos < head) {
		hdr = mfpscan_ring_hdr(ring, pos);
		rb = hdr->record_bytes;
		len = hdr->header_bytes + hdr->payload_bytes;
		if (rb < MFPSCAN_RECORD_ALIGN ||
		    !IS_ALIGNED(rb, MFPSCAN_RECORD_ALIGN) || rb > head - pos ||
		    rb > ring->size - (pos & (ring->size - 1)) || len > rb) {
			ret = -EIO;	/* cannot happen: the kernel wrote it */
			break;
		}
		if (!(hdr->flags & MFPSCAN_BAND_PAD)) {
			if (len > count - done) {
				if (!done)
					ret = -EINVAL;
				break;
			}
			if (copy_to_user(buf + done, hdr, len)) {
				ret = -EFAULT;
				break;
			}
			done += len;
		}
		pos += rb;
	}

	spin_lock(&mdev->lock);
	mdev->copying = false;
	if (pos > ring->tail) {
		ring->tail = pos;
		mfpscan_set_user_tail(mdev);
		moved = true;
	}
	spin_unlock(&mdev->lock);
	if (moved)
		wake_up_all(&ring->space_wq);
	return done ? done : ret;
}

static ssize_t mfpscan_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct mfpscan_file *mf = file->private_data;
	struct mfpscan_dev *mdev = mf->mdev;
	bool due = !(file->f_flags & O_NONBLOCK);
	ssize_t ret;

	for (;;) {
		spin_lock(&mdev->lock);
		ret = mfpscan_read_check(mdev, mf, due);
		spin_unlock(&mdev->lock);
		if (ret <= 0 && ret != -EAGAIN)
			return ret;
		if (ret == 1) {
			if (mutex_lock_interruptible(&mdev->read_mutex))
				return -ERESTARTSYS;
			/*
			 * START or RECOVER may have run, or another file's
			 * mapped tail taken the records: check again, and in
			 * the last case go back to waiting.
			 */
			spin_lock(&mdev->lock);
			ret = mfpscan_read_check(mdev, mf, false);
			spin_unlock(&mdev->lock);
			if (ret == 1)
				ret = mfpscan_copy_records(mdev, buf, count);
			else if (ret == -EAGAIN)
				ret = 0;
			mutex_unlock(&mdev->read_mutex);
			if (ret)
				return ret;
			continue;
		}
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(mf->read_wq,
					     mfpscan_read_ready(mdev, mf)))
			return -ERESTARTSYS;
	}
}

static __poll_t mfpscan_poll(struct file *file, poll_table *wait)
{
	struct mfpscan_file *mf = file->private_data;
	struct mfpscan_dev *mdev = mf->mdev;
	__poll_t mask = 0;
	bool moved = false;

	poll_wait(file, &mf->poll_wq, wait);

	spin_lock(&mdev->lock);
	if (mdev->gone) {
		mask = EPOLLHUP | EPOLLERR;
	} else if (mdev->state == MFPSCAN_STATE_OVERRUN) {
		mask = EPOLLERR;
	} else {
		moved = mfpscan_sync_user_tail(mdev);
		if (mfpscan_readable(mdev, mf))
			mask = EPOLLIN | EPOLLRDNORM;
	}
	spin_unlock(&mdev->lock);
	if (moved)
		wake_up_all(&mdev->ring.space_wq);
	return mask;
}

/* mmap() */

static void mfpscan_vm_open(struct vm_area_struct *vma)
{
	mfpscan_dev_get(vma->vm_private_data);
}

static void mfpscan_vm_close(struct vm_area_struct *vma)
{
	mfpscan_dev_put(vma->vm_private_data);
}

/* The page frame behind page @index of a mapping at @off. */
static unsigned long mfpscan_map_pfn(struct mfpscan_dev *mdev, u64 off,
				     unsigned long index)
{
	if (off == MFPSCAN_MMAP_OFFSET_RING)
		return page_to_pfn(mdev->ring.pages[index]);
	if (off == MFPSCAN_MMAP_OFFSET_STATUS)
		return page_to_pfn(virt_to_page(mdev->status));
	return page_to_pfn(virt_to_page(mdev->control));
}

/*
 * Pages are inserted on fault, under @map_rwsem, so that an owner change
 * (mfpscan_set_owner()) can take them back: the ring and the control page
 * of another file's job fault with SIGBUS; the status page is for all.
 */
static vm_fault_t mfpscan_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mfpscan_dev *mdev = vma->vm_private_data;
	struct mfpscan_file *mf = vma->vm_file->private_data;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	vm_fault_t ret;

	down_read(&mdev->map_rwsem);
	if (off != MFPSCAN_MMAP_OFFSET_STATUS && mfpscan_foreign(mdev, mf))
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address,
				     mfpscan_map_pfn(mdev, off,
						     vmf->pgoff - vma->vm_pgoff));
	up_read(&mdev->map_rwsem);
	return ret;
}

static const struct vm_operations_struct mfpscan_vm_ops = {
	.open	= mfpscan_vm_open,
	.close	= mfpscan_vm_close,
	.fault	= mfpscan_vm_fault,
};

/* Check a mapping request; 0 or a negative errno. */
static int mfpscan_mmap_check(struct mfpscan_dev *mdev, struct vm_area_struct *vma,
			      u64 off, unsigned long len)
{
	if (off == MFPSCAN_MMAP_OFFSET_RING)
		return len == mdev->ring.size ?
		       (vma->vm_flags & VM_WRITE ? -EPERM : 0) : -EINVAL;
	if (off != MFPSCAN_MMAP_OFFSET_STATUS &&
	    off != MFPSCAN_MMAP_OFFSET_CONTROL)
		return -EINVAL;
	if (len != PAGE_SIZE)
		return -EINVAL;
	if (off == MFPSCAN_MMAP_OFFSET_STATUS)
		return vma->vm_flags & VM_WRITE ? -EPERM : 0;
	/* A private copy of the control page would be useless. */
	return vma->vm_flags & VM_SHARED ? 0 : -EINVAL;
}

static int mfpscan_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mfpscan_file *mf = file->private_data;
	struct mfpscan_dev *mdev = mf->mdev;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	int ret;

	/*
	 * Called with mmap_lock held: no @io_mutex or @read_mutex here (both
	 * are taken outside mmap_lock). The ring and the pages live as long
	 * as @mdev; a mapping made while the engine is being removed is
	 * harmless.
	 */
	if (mfpscan_gone(mdev))
		return -ENODEV;
	ret = mfpscan_mmap_check(mdev, vma, off, len);
	if (ret)
		return ret;
	/* Only through the node whose address space an owner change zaps. */
	if (file->f_mapping != READ_ONCE(mdev->mapping))
		return -ENODEV;
	down_read(&mdev->map_rwsem);
	if (off != MFPSCAN_MMAP_OFFSET_STATUS && mfpscan_foreign(mdev, mf))
		ret = -EBUSY;
	up_read(&mdev->map_rwsem);
	if (ret)
		return ret;

	if (off != MFPSCAN_MMAP_OFFSET_CONTROL)
		vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mfpscan_vm_ops;
	vma->vm_private_data = mdev;
	mfpscan_dev_get(mdev);
	return 0;
}

/* open() and release() */

static int mfpscan_open(struct inode *inode, struct file *file)
{
	struct mfpscan_dev *mdev = container_of(inode->i_cdev,
						struct mfpscan_dev, cdev);
	struct mfpscan_file *mf;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;

	mf->mdev = mdev;
	mfpscan_params_default(&mdev->caps, &mf->params);

	mutex_lock(&mdev->io_mutex);
	if (!mdev->registered) {
		mutex_unlock(&mdev->io_mutex);
		kfree(mf);
		return -ENODEV;
	}
	/*
	 * Defaults that still do not fit (a band of 64 lines larger than
	 * half the ring) keep no derived geometry (check fills it only on
	 * success): G_PARAMS shows them, START refuses them with -EINVAL.
	 */
	mfpscan_params_check(&mdev->caps, &mf->params);
	if (!mdev->mapping)
		WRITE_ONCE(mdev->mapping, inode->i_mapping);
	mfpscan_file_events_init(mdev, mf);
	mfpscan_dev_get(mdev);
	mutex_unlock(&mdev->io_mutex);

	file->private_data = mf;
	return stream_open(inode, file);
}

static int mfpscan_release(struct inode *inode, struct file *file)
{
	struct mfpscan_file *mf = file->private_data;
	struct mfpscan_dev *mdev = mf->mdev;

	/* No read() of this file runs: only the owner's could copy. */
	mutex_lock(&mdev->read_mutex);
	mutex_lock(&mdev->io_mutex);
	if (mdev->owner == mf) {
		if (mdev->registered)
			mfpscan_abort_locked(mdev);
		/* What the owner left unread is nobody else's to read. */
		mfpscan_discard_locked(mdev);
		mfpscan_set_owner(mdev, NULL);
	}
	mutex_unlock(&mdev->io_mutex);
	mutex_unlock(&mdev->read_mutex);

	mfpscan_file_events_exit(mdev, mf);
	kfree(mf);
	mfpscan_dev_put(mdev);
	return 0;
}

const struct file_operations mfpscan_fops = {
	.owner		= THIS_MODULE,
	.open		= mfpscan_open,
	.release	= mfpscan_release,
	.read		= mfpscan_read,
	.poll		= mfpscan_poll,
	.mmap		= mfpscan_mmap,
	.unlocked_ioctl	= mfpscan_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
