/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan stream: the producer side of a device's band stream (besides the
 * engine interface of mfpscan.h), as the other files of mfpscan.ko use it.
 * Unless said otherwise, called with mfpscan_dev.lock held.
 */
#ifndef _MFPSCAN_STREAM_H
#define _MFPSCAN_STREAM_H

#include <linux/poll.h>
#include <linux/types.h>

struct mfpscan_dev;
struct mfpscan_file;

/* Poll keys of mfpscan_wake(). */
#define MFPSCAN_POLL_DATA	(EPOLLIN | EPOLLRDNORM)
#define MFPSCAN_POLL_STATE	(EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLHUP)

/**
 * struct mfpscan_wake_key - what mfpscan_wake() tells each open file
 * @mask: MFPSCAN_POLL_DATA (records were published) or MFPSCAN_POLL_STATE
 * @used: published bytes not yet consumed, at the wake-up
 * @ctl_wakeup: the control page's wakeup_bytes, at the wake-up
 * @owner: the owner of the device's job, at the wake-up
 */
struct mfpscan_wake_key {
	__poll_t mask;
	u64 used;
	u64 ctl_wakeup;
	struct mfpscan_file *owner;
};

void mfpscan_publish_status(struct mfpscan_dev *mdev);
/* Without the lock. */
void mfpscan_wake(struct mfpscan_dev *mdev, __poll_t key);
bool mfpscan_sync_user_tail(struct mfpscan_dev *mdev);
void mfpscan_set_user_tail(struct mfpscan_dev *mdev);
u64 mfpscan_poll_threshold(struct mfpscan_dev *mdev, struct mfpscan_file *mf);
bool mfpscan_readable(struct mfpscan_dev *mdev, struct mfpscan_file *mf);
bool mfpscan_read_due(struct mfpscan_dev *mdev, struct mfpscan_file *mf);
/* Without the lock: @mf's entry in the device's event_wq. */
void mfpscan_file_events_init(struct mfpscan_dev *mdev,
			      struct mfpscan_file *mf);
void mfpscan_file_events_exit(struct mfpscan_dev *mdev,
			      struct mfpscan_file *mf);
/* Without the lock. */
void *mfpscan_reserve(struct mfpscan_dev *mdev, u32 payload_bytes, bool try);

#endif /* _MFPSCAN_STREAM_H */
