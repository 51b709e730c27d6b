/* SPDX-License-Identifier: GPL-2.0 */
/*
 * progress: how "mfpscanctl scan" shows a running job. On a terminal one
 * line redrawn in place (state, a bar, pages, bytes scanned, upload %);
 * otherwise plain lines, one per state change or finished page, that logs
 * and scripts can read.
 */
#ifndef MFPSCANCTL_PROGRESS_H
#define MFPSCANCTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "props.h"

struct progress {
	FILE *out;
	bool tty;		/* redraw one line instead of printing lines */
	bool drawn;		/* a partial line is on the terminal */
	uint32_t pages_total;	/* 0 when unknown (all sheets in the feeder) */
	uint32_t last_pages;
	char last_state[16];
};

/* Start showing progress on @out; @pages_total may be 0 (unknown). */
void progress_init(struct progress *p, FILE *out, uint32_t pages_total);

/* Show the job's current properties (State, Pages, BytesScanned, ...). */
void progress_update(struct progress *p, const struct props *job);

/* End the redrawn line, if any, before other output. */
void progress_end(struct progress *p);

/* Format @bytes as "1.5 MiB" into @buf. */
const char *progress_bytes(uint64_t bytes, char *buf, size_t len);

#endif
