// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan params: parameter geometry, pure functions of an engine's caps.
 * The default parameters of a new file, the validation of parameters with
 * their derived geometry (pixels and bytes per line, lines per page), and
 * the validation of the caps an engine registers with.
 */
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "mfpscan_params.h"

#define MFPSCAN_UM_PER_INCH	25400

/* Parameters */

static bool mfpscan_has_resolution(const struct mfpscan_caps *caps, u32 dpi)
{
	u32 i;

	for (i = 0; i < caps->n_resolutions; i++)
		if (caps->resolutions[i] == dpi)
			return true;
	return false;
}

/*
 * A4 gray at 300 dpi on the flatbed, 64-line bands, each fitted to @caps
 * (its first source, mode and resolution, its area, its band range).
 */
void mfpscan_params_default(const struct mfpscan_caps *caps,
			    struct mfpscan_params *p)
{
	memset(p, 0, sizeof(*p));
	p->source = caps->sources & BIT(MFPSCAN_SOURCE_FLATBED) ?
		    MFPSCAN_SOURCE_FLATBED : __ffs(caps->sources | 1);
	p->color_mode = caps->color_modes & BIT(MFPSCAN_MODE_GRAY8) ?
			MFPSCAN_MODE_GRAY8 : __ffs(caps->color_modes | 1);
	p->resolution = mfpscan_has_resolution(caps, 300) ? 300 :
			caps->resolutions[0];
	p->width_um = min_t(u32, 210000, caps->max_width_um);
	p->height_um = min_t(u32, 297000, caps->max_height_um);
	p->pages = 1;
	p->band_lines = clamp_t(u32, 64, caps->min_band_lines,
				caps->max_band_lines);
}

/* Validate @p against @caps and fill in the derived geometry. */
int mfpscan_params_check(const struct mfpscan_caps *caps,
			 struct mfpscan_params *p)
{
	u64 ppl, lpp, bpl;

	if (p->source >= MFPSCAN_SOURCE_COUNT ||
	    !(caps->sources & BIT(p->source)))
		return -EINVAL;
	if (p->color_mode >= MFPSCAN_MODE_COUNT ||
	    !(caps->color_modes & BIT(p->color_mode)))
		return -EINVAL;
	if (!mfpscan_has_resolution(caps, p->resolution))
		return -EINVAL;
	if (!p->width_um || !p->height_um ||
	    (u64)p->left_um + p->width_um > caps->max_width_um ||
	    (u64)p->top_um + p->height_um > caps->max_height_um)
		return -EINVAL;
	if (p->source == MFPSCAN_SOURCE_FLATBED ? p->pages != 1 :
	    p->pages > caps->adf_capacity)
		return -EINVAL;
	if (p->band_lines < caps->min_band_lines ||
	    p->band_lines > caps->max_band_lines)
		return -EINVAL;
	if (p->flags || memchr_inv(p->reserved, 0, sizeof(p->reserved)))
		return -EINVAL;

	ppl = (u64)p->width_um * p->resolution / MFPSCAN_UM_PER_INCH;
	lpp = (u64)p->height_um * p->resolution / MFPSCAN_UM_PER_INCH;
	/* Engine caps come from devices: no product may wrap or truncate. */
	if (!ppl || !lpp || ppl > U32_MAX / 3 || lpp > U32_MAX)
		return -EINVAL;
	if (p->color_mode == MFPSCAN_MODE_MONO1)
		bpl = DIV_ROUND_UP(ppl, 8);
	else if (p->color_mode == MFPSCAN_MODE_GRAY8)
		bpl = ppl;
	else
		bpl = 3 * ppl;
	/* A record must fit twice in the ring (bpl, band_lines < 2^32). */
	if (sizeof(struct mfpscan_band) + bpl * p->band_lines >
	    caps->ring_bytes / 2)
		return -EINVAL;

	p->pixels_per_line = ppl;
	p->bytes_per_line = bpl;
	p->lines_per_page = lpp;
	return 0;
}

/*
 * Engine caps that the parameter checks can rely on: known sources, modes
 * and flags only, 1..MFPSCAN_MAX_RESOLUTIONS ascending non-zero resolutions,
 * a non-empty area, 1 <= min_band_lines <= max_band_lines, a power-of-two
 * ring of at least two pages and at most 1 GiB.
 */
bool mfpscan_caps_valid(const struct mfpscan_caps *c)
{
	u32 i;

	if (!c->sources || c->sources >= BIT(MFPSCAN_SOURCE_COUNT) ||
	    !c->color_modes || c->color_modes >= BIT(MFPSCAN_MODE_COUNT) ||
	    (c->flags & ~MFPSCAN_CAP_CAN_STALL))
		return false;
	if (!c->n_resolutions || c->n_resolutions > MFPSCAN_MAX_RESOLUTIONS)
		return false;
	for (i = 0; i < c->n_resolutions; i++)
		if (!c->resolutions[i] ||
		    (i && c->resolutions[i] <= c->resolutions[i - 1]))
			return false;
	if (!c->max_width_um || !c->max_height_um || !c->min_band_lines ||
	    c->min_band_lines > c->max_band_lines)
		return false;
	return is_power_of_2(c->ring_bytes) && c->ring_bytes >= 2 * PAGE_SIZE &&
	       c->ring_bytes <= SZ_1G;
}
