/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan job: job control and ownership, as the file operations and the
 * device's removal use them. The ioctl handlers take the device's locks
 * themselves; the others are called with mfpscan_dev.io_mutex held
 * (mfpscan_foreign(): any lock that guards the owner).
 */
#ifndef _MFPSCAN_JOB_H
#define _MFPSCAN_JOB_H

#include <linux/types.h>

struct mfpscan_dev;
struct mfpscan_file;

bool mfpscan_foreign(struct mfpscan_dev *mdev, struct mfpscan_file *mf);
void mfpscan_stop_engine(struct mfpscan_dev *mdev);
void mfpscan_abort_locked(struct mfpscan_dev *mdev);
void mfpscan_discard_locked(struct mfpscan_dev *mdev);
void mfpscan_set_owner(struct mfpscan_dev *mdev, struct mfpscan_file *mf);

long mfpscan_ioc_start(struct mfpscan_file *mf);
long mfpscan_ioc_abort(struct mfpscan_file *mf);
long mfpscan_ioc_recover(struct mfpscan_file *mf);

#endif /* _MFPSCAN_JOB_H */
