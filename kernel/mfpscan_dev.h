/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan core internals: the per-device object and the per-file state,
 * shared by the files of mfpscan.ko (never by engines, which see only
 * mfpscan.h). Lock order, outermost first: @read_mutex, @io_mutex,
 * mmap_lock, @map_rwsem, @lock.
 */
#ifndef _MFPSCAN_DEV_H
#define _MFPSCAN_DEV_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/leds.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "mfpscan.h"
#include "mfpscan_ring.h"

struct dentry;
struct mfpscan_file;

/**
 * struct mfpscan_lamp - one lamp of the panel, an LED class device
 * @cdev: the LED class device, a child of the mfpscan class device
 * @mdev: its device
 * @index: MFPSCAN_LAMP_*
 * @name: "mfpscanN:color:function"
 */
struct mfpscan_lamp {
	struct led_classdev cdev;
	struct mfpscan_dev *mdev;
	u32 index;
	char name[32];
};

/**
 * struct mfpscan_dev - one scanner engine behind /dev/mfpscanN
 * @kref: users of this object: the engine (until mfpscan_dev_put()), each
 *	open file and each mapping. The last put frees the ring and the pages
 *	and drops @dev, whose release frees the structure.
 * @dev: the class device
 * @cdev: the character device, its parent is @dev
 * @minor: from mfpscan_ida, held until the last reference goes so that the
 *	name is not reused while anything can still reach this device
 * @caps: capabilities, fixed at allocation
 * @ops: the engine's operations
 * @priv: the engine's data
 * @read_mutex: the consumer's lock: serializes the copy-out of records by
 *	read() against ring resets (START, RECOVER, close of the owner). The
 *	outermost lock: taken before @io_mutex, interruptibly by START and
 *	RECOVER, so that a reader whose buffer faults for long never holds up
 *	@io_mutex (and with it unregister, i.e. a USB disconnect).
 * @io_mutex: serializes job control (START, ABORT, RECOVER, S_PARAMS, close
 *	of the owner, unregister) and every call of @ops; guards @registered,
 *	@mapping and the params of every open file
 * @registered: the device node exists; cleared once by
 *	mfpscan_dev_unregister() (the disconnect flag)
 * @map_rwsem: guards @owner against the fault handler: an owner change
 *	takes it for writing and zaps every mapping before releasing it, so a
 *	page inserted for the old owner is gone before the new job runs.
 *	Nests inside @io_mutex and inside mmap_lock.
 * @owner: the file that started the current or last job, NULL if none.
 *	Written with @io_mutex, @map_rwsem (write) and @lock held, so that
 *	any of them is enough to read it.
 * @mapping: the address space the device's mappings live in (its node's
 *	inode), zapped when the owner changes
 * @lock: guards @ring's positions and reservation, @resv_payload,
 *	@resv_dma, @cpu_copied, @dma_written, everything from @gone to
 *	@errors, @ctl_tail_seen and the status page contents; innermost.
 *	Taken by the producer, never held across a sleep.
 * @ring: the band ring
 * @resv_payload: payload bytes of the record reserved by the engine
 * @resv_dma: the reserved record's payload is the device's to write
 *	(mfpscan_band_begin_dma()); written by the producer only
 * @cpu_copied: payload bytes of published bands the CPU wrote into the
 *	ring (copied from a bounce buffer or generated), for debugfs
 * @dma_written: payload bytes of published bands the device wrote by DMA
 * @dma_name: name of the device the ring was mapped on, "" if none
 * @debugfs: the device's debugfs directory, NULL if none
 * @gone: copy of !@registered for the paths that hold only @lock
 * @running: a job is producing (state SCANNING or STALLED)
 * @stopping: the engine is being stopped, mfpscan_band_begin() fails
 * @page_open: a band with PAGE_START was published without its PAGE_END
 * @start_pending: a START waits for the engine's answer
 *	(MFPSCAN_START_PENDING), without @io_mutex; until it comes the job is
 *	SCANNING and @running, so no other START begins
 * @start_result: the engine's answer, once @start_pending is cleared
 * @copying: read() is copying records out of [tail, head) without @lock;
 *	until it ends, no other path moves the tail (a tail taken from the
 *	control page or SYNC_PTR would let the producer overwrite them)
 * @state: MFPSCAN_STATE_*
 * @error: MFPSCAN_ERR_* of the current or last job
 * @job: current or last job number
 * @page: page being scanned
 * @line: next line within @page
 * @next_band: index of the next band within @page
 * @pages: pages completed since the device appeared
 * @bands: data bands published
 * @bytes: payload bytes published
 * @overruns: bands dropped because the ring was full
 * @errors: error bands published
 * @ctl_tail_seen: control page tail at the last sampling
 * @status: the status page (read-only mapping)
 * @control: the control page (read-write mapping)
 * @panel: what the engine's panel shows, guarded by @io_mutex
 * @panel_pending: the engine's answer to @panel_seq's set_panel call is
 *	awaited (MFPSCAN_PANEL_PENDING), without @io_mutex; no other call is
 *	made until it comes (mfpscan_panel_done(), or -ENODEV at unregister)
 * @panel_seq: number of the last set_panel call, under @io_mutex and @lock
 * @panel_result: the engine's answer, once @panel_pending is cleared
 * @lamps: the LED class devices of the panel's lamps
 * @lamps_registered: how many of @lamps are registered
 * @event_wq: one entry per open file (mfpscan_file.relay), woken by
 *	mfpscan_wake() with a struct mfpscan_wake_key; each entry wakes its
 *	file's read() and poll() sleepers only when their threshold is met
 */
struct mfpscan_dev {
	struct kref kref;
	struct device dev;
	struct cdev cdev;
	int minor;
	struct mfpscan_caps caps;
	const struct mfpscan_engine_ops *ops;
	void *priv;

	struct mutex read_mutex;	/* read() copy-out vs ring resets */
	struct mutex io_mutex;		/* job control, @registered */
	bool registered;
	struct rw_semaphore map_rwsem;	/* @owner vs the fault handler */
	struct mfpscan_file *owner;
	struct address_space *mapping;

	spinlock_t lock;		/* positions, status, counters */
	struct mfpscan_ring ring;
	u32 resv_payload;
	bool resv_dma;
	u64 cpu_copied;
	u64 dma_written;
	char dma_name[32];
	struct dentry *debugfs;
	bool gone;
	bool running;
	bool stopping;
	bool page_open;
	bool start_pending;
	int start_result;
	bool copying;
	u32 state;
	u32 error;
	u32 job;
	u32 page;
	u32 line;
	u32 next_band;
	u64 pages;
	u64 bands;
	u64 bytes;
	u64 overruns;
	u64 errors;
	u64 ctl_tail_seen;
	struct mfpscan_mmap_status *status;
	struct mfpscan_mmap_control *control;

	struct mfpscan_panel panel;
	bool panel_pending;
	u32 panel_seq;
	int panel_result;
	struct mfpscan_lamp lamps[MFPSCAN_LAMP_COUNT];
	u32 lamps_registered;

	wait_queue_head_t event_wq;
};

/**
 * struct mfpscan_file - one open file
 * @mdev: the device, referenced
 * @params: reading parameters of this file, guarded by @mdev->io_mutex
 * @wakeup_bytes: this file's threshold (MFPSCAN_IOC_S_WAKEUP), 0 = none;
 *	written and read with WRITE_ONCE()/READ_ONCE(), no lock
 * @relay: this file's entry in @mdev->event_wq
 * @read_wq: read() of this file sleeps here
 * @poll_wq: poll() of this file waits here
 */
struct mfpscan_file {
	struct mfpscan_dev *mdev;
	struct mfpscan_params params;
	u64 wakeup_bytes;
	struct wait_queue_entry relay;
	wait_queue_head_t read_wq;
	wait_queue_head_t poll_wq;
};

static inline struct mfpscan_dev *to_mfpscan_dev(struct device *dev)
{
	return container_of(dev, struct mfpscan_dev, dev);
}

/*
 * Pin the engine's module across a call of its @start or @set_panel (with
 * @io_mutex held, the device registered); false once the module is going
 * away: the caller answers -ENODEV, as for a removed device.
 */
static inline bool mfpscan_engine_get(struct mfpscan_dev *mdev)
{
	return try_module_get(mdev->ops->owner);
}

static inline void mfpscan_engine_put(struct mfpscan_dev *mdev)
{
	module_put(mdev->ops->owner);
}

void mfpscan_debugfs_add(struct mfpscan_dev *mdev);
void mfpscan_debugfs_remove(struct mfpscan_dev *mdev);
void mfpscan_debugfs_init(void);
void mfpscan_debugfs_exit(void);

int mfpscan_panel_register(struct mfpscan_dev *mdev);
void mfpscan_panel_answer(struct mfpscan_dev *mdev, int result);
void mfpscan_panel_unregister(struct mfpscan_dev *mdev);
extern const struct attribute_group mfpscan_panel_group;
extern const struct attribute_group mfpscan_leds_group;

#endif /* _MFPSCAN_DEV_H */
