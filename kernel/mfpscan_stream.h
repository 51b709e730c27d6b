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

/* Poll keys of mfpscan_wake(). */
#define MFPSCAN_POLL_DATA	(EPOLLIN | EPOLLRDNORM)
#define MFPSCAN_POLL_STATE	(EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLHUP)

void mfpscan_publish_status(struct mfpscan_dev *mdev);
/* Without the lock. */
void mfpscan_wake(struct mfpscan_dev *mdev, __poll_t key);
bool mfpscan_sync_user_tail(struct mfpscan_dev *mdev);
void mfpscan_set_user_tail(struct mfpscan_dev *mdev);
bool mfpscan_readable(struct mfpscan_dev *mdev);
/* Without the lock. */
void *mfpscan_reserve(struct mfpscan_dev *mdev, u32 payload_bytes, bool try);

#endif /* _MFPSCAN_STREAM_H */
