/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan params: parameter geometry, pure functions of an engine's caps
 * (no device, no locks).
 */
#ifndef _MFPSCAN_PARAMS_H
#define _MFPSCAN_PARAMS_H

#include <linux/types.h>
#include <linux/mfpscan.h>

void mfpscan_params_default(const struct mfpscan_caps *caps,
			    struct mfpscan_params *p);
int mfpscan_params_check(const struct mfpscan_caps *caps,
			 struct mfpscan_params *p);
bool mfpscan_caps_valid(const struct mfpscan_caps *c);

#endif /* _MFPSCAN_PARAMS_H */
