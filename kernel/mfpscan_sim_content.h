/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mfpscan sim content: document pages for the sim engine, loaded by the
 * user as binary netpbm (P5 gray or P6 RGB, maxval 255; several images
 * may be concatenated, page P showing image P mod N) and sampled in a
 * scan's geometry exactly as usr/lib/page_image.c does, so that the kernel
 * engine, the userspace pattern source and the USB emulator give the same
 * bytes for the same file. See Documentation/formats.rst, "Page content".
 */
#ifndef _MFPSCAN_SIM_CONTENT_H
#define _MFPSCAN_SIM_CONTENT_H

#include <linux/kref.h>
#include <linux/types.h>
#include <linux/mfpscan.h>

#define MFPSCAN_CONTENT_MAX_BYTES	(32u << 20)
#define MFPSCAN_CONTENT_MAX_IMAGES	8
#define MFPSCAN_CONTENT_MAX_SIDE	20000
#define MFPSCAN_CONTENT_DPI_DEFAULT	300
#define MFPSCAN_CONTENT_DPI_MAX		4800

/* One page image: @h rows of @w * @channels bytes at @px. */
struct mfpscan_sim_image {
	u32 w;
	u32 h;
	u32 channels;			/* 1 gray, 3 RGB */
	const u8 *px;
};

/**
 * struct mfpscan_sim_content - loaded content, immutable once built
 * @ref: held by the instance while it is the current content and by
 *	each job that started with it
 * @n: images in @img
 * @img: the images; their pixels point into @data
 * @data: a copy of what the user wrote
 */
struct mfpscan_sim_content {
	struct kref ref;
	u32 n;
	struct mfpscan_sim_image img[MFPSCAN_CONTENT_MAX_IMAGES];
	u8 *data;
};

/*
 * Parse @len bytes at @buf (copied). Returns the content, or an ERR_PTR
 * with a human-readable reason in @why (@why_len bytes).
 */
struct mfpscan_sim_content *mfpscan_sim_content_parse(const void *buf,
						      size_t len, char *why,
						      size_t why_len);
void mfpscan_sim_content_get(struct mfpscan_sim_content *c);
void mfpscan_sim_content_put(struct mfpscan_sim_content *c);

/* "N image(s): WxH gray, ..." into @buf; returns the length. */
size_t mfpscan_sim_content_describe(const struct mfpscan_sim_content *c,
				    char *buf, size_t len);

/*
 * Write line @line of a page scanned with @p from @im at @dpi into @dst
 * (p->bytes_per_line bytes): page_image_fill_line() of usr/lib.
 */
void mfpscan_sim_image_fill_line(const struct mfpscan_sim_image *im, u32 dpi,
				 const struct mfpscan_params *p, u32 line,
				 u8 *dst);

#endif /* _MFPSCAN_SIM_CONTENT_H */
