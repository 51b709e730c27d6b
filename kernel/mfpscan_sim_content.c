// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim content: parse the netpbm pages a user loads into a sim
 * instance and sample them in a scan's geometry.
 *
 * The sampling is usr/lib/page_image.c's, in the same integer arithmetic:
 * scan pixel x of line y at R dpi, with the scan area's offsets L and T in
 * scan pixels, is the rounded mean of the image pixels
 * [floor((L + x) * S / R), floor((L + x + 1) * S / R)) by the same for
 * T + y (at least one pixel each way, the parts beyond the image count as
 * nothing, a box entirely beyond it is white paper), S the image's dpi.
 * Gray from RGB is (77 R + 150 G + 29 B + 128) >> 8, mono is 1 where that
 * gray is below 128, MSB first. The kselftest content_test compares every
 * line with page_image_fill_line() itself.
 */
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mfpscan_sim_content.h"

/* The netpbm header's white space (a comment runs to the end of its line). */
static bool mfpscan_pnm_space(u8 c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next header number (1..U32_MAX) from *@off; -EINVAL without one. */
static int mfpscan_pnm_number(const u8 *b, size_t len, size_t *off, u32 *v)
{
	size_t i = *off;
	u64 n = 0;

	for (;;) {
		while (i < len && mfpscan_pnm_space(b[i]))
			i++;
		if (i >= len || b[i] != '#')
			break;
		while (i < len && b[i] != '\n')
			i++;
	}
	if (i >= len || !isdigit(b[i]))
		return -EINVAL;
	while (i < len && isdigit(b[i]) && n <= U32_MAX)
		n = n * 10 + (b[i++] - '0');
	if (!n || n > U32_MAX)
		return -EINVAL;
	*v = n;
	*off = i;
	return 0;
}

/* Parse the image at *@off into @im and move *@off past its pixels. */
static int mfpscan_pnm_image(const u8 *b, size_t len, size_t *off,
			     struct mfpscan_sim_image *im, char *why,
			     size_t why_len, u32 index)
{
	size_t o = *off + 2;
	u32 maxval;
	u64 bytes;

	if (len - *off < 3 || b[*off] != 'P' ||
	    (b[*off + 1] != '5' && b[*off + 1] != '6')) {
		snprintf(why, why_len,
			 "image %u: not a binary PGM (P5) or PPM (P6) header",
			 index + 1);
		return -EINVAL;
	}
	im->channels = b[*off + 1] == '6' ? 3 : 1;
	if (mfpscan_pnm_number(b, len, &o, &im->w) ||
	    mfpscan_pnm_number(b, len, &o, &im->h) ||
	    mfpscan_pnm_number(b, len, &o, &maxval) || o >= len ||
	    !mfpscan_pnm_space(b[o])) {
		snprintf(why, why_len,
			 "image %u: bad netpbm header (width, height, maxval)",
			 index + 1);
		return -EINVAL;
	}
	o++;			/* the one white space before the pixels */
	if (maxval != 255) {
		snprintf(why, why_len, "image %u: maxval %u, needs 255",
			 index + 1, maxval);
		return -EINVAL;
	}
	if (im->w > MFPSCAN_CONTENT_MAX_SIDE ||
	    im->h > MFPSCAN_CONTENT_MAX_SIDE) {
		snprintf(why, why_len, "image %u: %ux%u pixels, at most %ux%u",
			 index + 1, im->w, im->h, MFPSCAN_CONTENT_MAX_SIDE,
			 MFPSCAN_CONTENT_MAX_SIDE);
		return -EFBIG;
	}
	bytes = (u64)im->w * im->h * im->channels;
	if (bytes > len - o) {
		snprintf(why, why_len,
			 "image %u: truncated: %ux%u %s needs %llu bytes of pixels, %zu follow the header",
			 index + 1, im->w, im->h,
			 im->channels == 3 ? "RGB" : "gray", bytes, len - o);
		return -EINVAL;
	}
	im->px = b + o;
	*off = o + bytes;
	return 0;
}

/* Only white space after the last image. */
static bool mfpscan_pnm_at_end(const u8 *b, size_t len, size_t off)
{
	while (off < len && mfpscan_pnm_space(b[off]))
		off++;
	return off == len;
}

struct mfpscan_sim_content *mfpscan_sim_content_parse(const void *buf,
						      size_t len, char *why,
						      size_t why_len)
{
	struct mfpscan_sim_content *c;
	size_t off = 0;
	int ret;

	if (len > MFPSCAN_CONTENT_MAX_BYTES) {
		snprintf(why, why_len, "%zu bytes, at most %u", len,
			 MFPSCAN_CONTENT_MAX_BYTES);
		return ERR_PTR(-EFBIG);
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto out_nomem;
	c->data = kvmalloc(len ? len : 1, GFP_KERNEL);
	if (!c->data)
		goto out_free_content;
	if (len)
		memcpy(c->data, buf, len);
	kref_init(&c->ref);

	do {
		if (c->n == MFPSCAN_CONTENT_MAX_IMAGES) {
			snprintf(why, why_len, "more than %u images",
				 MFPSCAN_CONTENT_MAX_IMAGES);
			ret = -E2BIG;
			goto out_free_data;
		}
		ret = mfpscan_pnm_image(c->data, len, &off, &c->img[c->n],
					why, why_len, c->n);
		if (ret)
			goto out_free_data;
		c->n++;
	} while (!mfpscan_pnm_at_end(c->data, len, off));
	return c;

out_free_data:
	kvfree(c->data);
	kfree(c);
	return ERR_PTR(ret);
out_free_content:
	kfree(c);
out_nomem:
	snprintf(why, why_len, "out of memory for %zu bytes", len);
	return ERR_PTR(-ENOMEM);
}

void mfpscan_sim_content_get(struct mfpscan_sim_content *c)
{
	kref_get(&c->ref);
}

static void mfpscan_sim_content_release(struct kref *ref)
{
	struct mfpscan_sim_content *c =
		container_of(ref, struct mfpscan_sim_content, ref);

	kvfree(c->data);
	kfree(c);
}

void mfpscan_sim_content_put(struct mfpscan_sim_content *c)
{
	if (c)
		kref_put(&c->ref, mfpscan_sim_content_release);
}

size_t mfpscan_sim_content_describe(const struct mfpscan_sim_content *c,
				    char *buf, size_t len)
{
	size_t n;
	u32 i;

	n = scnprintf(buf, len, "%u image%s:", c->n, c->n == 1 ? "" : "s");
	for (i = 0; i < c->n; i++)
		n += scnprintf(buf + n, len - n, "%s %ux%u %s", i ? "," : "",
			       c->img[i].w, c->img[i].h,
			       c->img[i].channels == 3 ? "rgb" : "gray");
	return n;
}

/* Sampling */

/* The image pixels [*lo, *hi) under scan pixel @x at @res dpi. */
static void mfpscan_span(u32 x, u32 res, u32 dpi, u32 *lo, u32 *hi)
{
	*lo = div_u64((u64)x * dpi, res);
	*hi = div_u64(((u64)x + 1) * dpi, res);
	if (*hi <= *lo)
		*hi = *lo + 1;
}

/* Mean RGB (gray in all three for a gray image) of a box of pixels. */
static void mfpscan_box_mean(const struct mfpscan_sim_image *im, u32 x0,
			     u32 x1, u32 y0, u32 y1, u8 rgb[3])
{
	u64 sum[3] = { 0, 0, 0 };
	u32 x, y, c;
	u64 n;

	if (x0 >= im->w || y0 >= im->h) {
		memset(rgb, 255, 3);	/* beyond the sheet */
		return;
	}
	x1 = min(x1, im->w);
	y1 = min(y1, im->h);
	n = (u64)(x1 - x0) * (y1 - y0);
	for (y = y0; y < y1; y++) {
		const u8 *row = im->px + (size_t)y * im->w * im->channels;

		for (x = x0; x < x1; x++)
			for (c = 0; c < im->channels; c++)
				sum[c] += row[(size_t)x * im->channels + c];
	}
	for (c = 0; c < 3; c++)
		rgb[c] = div64_u64(sum[c < im->channels ? c : 0] + n / 2, n);
}

static u8 mfpscan_gray_of(const struct mfpscan_sim_image *im, const u8 *rgb)
{
	if (im->channels == 1)
		return rgb[0];
	return (77u * rgb[0] + 150u * rgb[1] + 29u * rgb[2] + 128) >> 8;
}

static void mfpscan_put_pixel(const struct mfpscan_sim_image *im, u32 mode,
			      u8 *dst, u32 x, const u8 rgb[3])
{
	u8 g;

	if (mode == MFPSCAN_MODE_RGB24) {
		memcpy(dst + (size_t)x * 3, rgb, 3);
		return;
	}
	g = mfpscan_gray_of(im, rgb);
	if (mode == MFPSCAN_MODE_GRAY8)
		dst[x] = g;
	else if (g < 128)
		dst[x / 8] |= 0x80 >> (x % 8);
}

/* Equal resolutions: every box is one pixel. */
static void mfpscan_fill_same_res(const struct mfpscan_sim_image *im,
				  const struct mfpscan_params *p, u32 left,
				  u32 y, u8 *dst)
{
	const u8 *row = im->px + (size_t)y * im->w * im->channels;
	u32 ch = p->color_mode == MFPSCAN_MODE_RGB24 ? 3 : 1;
	u32 n = left >= im->w ? 0 : im->w - left;
	static const u8 white[3] = { 255, 255, 255 };
	u8 rgb[3];
	u32 x;

	n = min(n, p->pixels_per_line);
	row += (size_t)left * im->channels;
	if (p->color_mode != MFPSCAN_MODE_MONO1) {
		if (ch == im->channels)
			memcpy(dst, row, (size_t)n * ch);
		else if (ch == 3)
			for (x = 0; x < n; x++)
				memset(dst + (size_t)x * 3, row[x], 3);
		else
			for (x = 0; x < n; x++)
				dst[x] = mfpscan_gray_of(im, row + (size_t)x * 3);
		memset(dst + (size_t)n * ch, 255,
		       (size_t)(p->pixels_per_line - n) * ch);
		return;
	}
	for (x = 0; x < n; x++) {
		const u8 *s = row + (size_t)x * im->channels;

		rgb[0] = s[0];
		rgb[1] = s[im->channels == 3 ? 1 : 0];
		rgb[2] = s[im->channels == 3 ? 2 : 0];
		mfpscan_put_pixel(im, p->color_mode, dst, x, rgb);
	}
	for (x = n; x < p->pixels_per_line; x++)
		mfpscan_put_pixel(im, p->color_mode, dst, x, white);
}

void mfpscan_sim_image_fill_line(const struct mfpscan_sim_image *im, u32 dpi,
				 const struct mfpscan_params *p, u32 line,
				 u8 *dst)
{
	u32 res = p->resolution;
	u32 left = div_u64((u64)p->left_um * res, 25400);
	u32 top = div_u64((u64)p->top_um * res, 25400);
	u32 x0, x1, y0, y1, x;
	u8 rgb[3];

	memset(dst, 0, p->bytes_per_line);
	if (dpi == res && top + line < im->h) {
		mfpscan_fill_same_res(im, p, left, top + line, dst);
		return;
	}
	mfpscan_span(top + line, res, dpi, &y0, &y1);
	for (x = 0; x < p->pixels_per_line; x++) {
		mfpscan_span(left + x, res, dpi, &x0, &x1);
		mfpscan_box_mean(im, x0, x1, y0, y1, rgb);
		mfpscan_put_pixel(im, p->color_mode, dst, x, rgb);
	}
}
