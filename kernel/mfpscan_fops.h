/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan fops: the file operations of /dev/mfpscanN, for the core's cdev.
 */
#ifndef _MFPSCAN_FOPS_H
#define _MFPSCAN_FOPS_H

#include <linux/fs.h>

extern const struct file_operations mfpscan_fops;

#endif /* _MFPSCAN_FOPS_H */
