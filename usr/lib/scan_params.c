// SPDX-License-Identifier: GPL-2.0
/*
 * scan_params: names, geometry and validation of reading settings (see
 * scan_params.h). Every rejection names the field the way the user wrote it
 * and says what would be accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scan_params.h"

static const char *const scan_source_names[MFPSCAN_SOURCE_COUNT] = {
	[MFPSCAN_SOURCE_FLATBED] = "flatbed",
	[MFPSCAN_SOURCE_ADF] = "adf",
	[MFPSCAN_SOURCE_ADF_DUPLEX] = "adf-duplex",
};

static const char *const scan_mode_names[MFPSCAN_MODE_COUNT] = {
	[MFPSCAN_MODE_MONO1] = "mono",
	[MFPSCAN_MODE_GRAY8] = "gray",
	[MFPSCAN_MODE_RGB24] = "color",
};

static int scan_name_lookup(const char *const *names, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *scan_source_name(uint32_t source)
{
	return source < MFPSCAN_SOURCE_COUNT ? scan_source_names[source] : NULL;
}

int scan_source_from_name(const char *name)
{
	return scan_name_lookup(scan_source_names, MFPSCAN_SOURCE_COUNT, name);
}

const char *scan_mode_name(uint32_t mode)
{
	return mode < MFPSCAN_MODE_COUNT ? scan_mode_names[mode] : NULL;
}

int scan_mode_from_name(const char *name)
{
	return scan_name_lookup(scan_mode_names, MFPSCAN_MODE_COUNT, name);
}

void scan_params_geometry(struct mfpscan_params *p)
{
	uint64_t ppl = (uint64_t)p->width_um * p->resolution / 25400;
	uint64_t lpp = (uint64_t)p->height_um * p->resolution / 25400;
	uint64_t bpl;

	switch (p->color_mode) {
	case MFPSCAN_MODE_MONO1:
		bpl = (ppl + 7) / 8;
		break;
	case MFPSCAN_MODE_RGB24:
		bpl = 3 * ppl;
		break;
	default:
		bpl = ppl;
		break;
	}
	/* Valid areas are far below 2^32; clamp what validation rejects. */
	p->pixels_per_line = ppl > UINT32_MAX ? UINT32_MAX : (uint32_t)ppl;
	p->bytes_per_line = bpl > UINT32_MAX ? UINT32_MAX : (uint32_t)bpl;
	p->lines_per_page = lpp > UINT32_MAX ? UINT32_MAX : (uint32_t)lpp;
}

/* "flatbed, adf" from a capability bit mask, for messages. */
static void scan_names_of_mask(char *buf, size_t len, const char *const *names,
			       int n, uint32_t mask)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++) {
		if (!(mask & (1U << i)))
			continue;
		int r = snprintf(buf + used, len - used, "%s%s",
				 used ? ", " : "", names[i]);
		if (r < 0)
			break;
		used += (size_t)r;
	}
}

static void scan_resolution_list(char *buf, size_t len,
				 const struct mfpscan_caps *caps)
{
	size_t used = 0;
	uint32_t n = caps->n_resolutions;

	buf[0] = '\0';
	if (n > MFPSCAN_MAX_RESOLUTIONS)
		n = MFPSCAN_MAX_RESOLUTIONS;
	for (uint32_t i = 0; i < n && used < len; i++) {
		int r = snprintf(buf + used, len - used, "%s%u",
				 used ? ", " : "", caps->resolutions[i]);
		if (r < 0)
			break;
		used += (size_t)r;
	}
}

static int scan_check_source_mode(const struct mfpscan_caps *caps,
				  const struct mfpscan_params *p,
				  struct err *e)
{
	char list[128];

	if (p->source >= MFPSCAN_SOURCE_COUNT ||
	    !(caps->sources & (1U << p->source))) {
		scan_names_of_mask(list, sizeof(list), scan_source_names,
				   MFPSCAN_SOURCE_COUNT, caps->sources);
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "source: %s is not available on this scanner (it has: %s)",
			       scan_source_name(p->source) ?: "unknown value",
			       list);
	}
	if (p->color_mode >= MFPSCAN_MODE_COUNT ||
	    !(caps->color_modes & (1U << p->color_mode))) {
		scan_names_of_mask(list, sizeof(list), scan_mode_names,
				   MFPSCAN_MODE_COUNT, caps->color_modes);
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "color mode: %s is not available on this scanner (it has: %s)",
			       scan_mode_name(p->color_mode) ?: "unknown value",
			       list);
	}
	return 0;
}

static int scan_check_resolution(const struct mfpscan_caps *caps,
				 const struct mfpscan_params *p, struct err *e)
{
	char list[128];

	for (uint32_t i = 0; i < caps->n_resolutions &&
			     i < MFPSCAN_MAX_RESOLUTIONS; i++)
		if (caps->resolutions[i] == p->resolution)
			return 0;
	scan_resolution_list(list, sizeof(list), caps);
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "resolution: %u dpi is not available (choose one of %s)",
		       p->resolution, list);
}

/* One axis of the area: @what is "width" or "height". */
static int scan_check_extent(const char *what, const char *origin,
			     uint32_t start, uint32_t size, uint32_t max,
			     struct err *e)
{
	if (size == 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "%s: must be more than 0", what);
	if ((uint64_t)start + size > max)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "%s: %s %.1f mm + %s %.1f mm exceeds the scanner's maximum of %.1f mm",
			       what, origin, start / 1000.0, what,
			       size / 1000.0, max / 1000.0);
	return 0;
}

static int scan_check_pages(const struct mfpscan_caps *caps,
			    const struct mfpscan_params *p, struct err *e)
{
	if (p->source == MFPSCAN_SOURCE_FLATBED) {
		if (p->pages != 1)
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "pages: the flatbed scans 1 page at a time (got %u)",
				       p->pages);
		return 0;
	}
	/* As the kernel: page images, duplex or not, up to the capacity. */
	if (p->pages > caps->adf_capacity)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "pages: %u is more than the ADF holds (at most %u; 0 scans until it is empty)",
			       p->pages, caps->adf_capacity);
	return 0;
}

/* Lines of @bpl bytes whose record fits twice in the ring (the kernel's
 * rule, so that the engine can fill one while the reader has the other). */
static uint64_t scan_ring_max_lines(const struct mfpscan_caps *caps,
				    uint64_t bpl)
{
	uint64_t room = caps->ring_bytes / 2;

	if (!caps->ring_bytes)
		return UINT32_MAX;
	if (room <= sizeof(struct mfpscan_band) || !bpl)
		return 0;
	return (room - sizeof(struct mfpscan_band)) / bpl;
}

static int scan_check_geometry(const struct mfpscan_caps *caps,
			       const struct mfpscan_params *g, struct err *e)
{
	uint64_t max;

	if (g->pixels_per_line == 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "width: %.3f mm is less than one pixel at %u dpi",
			       g->width_um / 1000.0, g->resolution);
	if (g->lines_per_page == 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "height: %.3f mm is less than one line at %u dpi",
			       g->height_um / 1000.0, g->resolution);
	max = scan_ring_max_lines(caps, g->bytes_per_line);
	if (g->band_lines > max)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "band lines: %u lines of %u bytes do not fit the scanner's ring (at most %llu at this width and mode)",
			       g->band_lines, g->bytes_per_line,
			       (unsigned long long)max);
	return 0;
}

int scan_params_validate(const struct mfpscan_caps *caps,
			 struct mfpscan_params *p, struct err *e)
{
	struct mfpscan_params g = *p;
	int r;

	if (p->flags)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "flags: must be 0 (got 0x%x)", p->flags);
	for (size_t i = 0; i < sizeof(p->reserved) / sizeof(p->reserved[0]); i++)
		if (p->reserved[i])
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "reserved[%zu]: must be 0", i);
	r = scan_check_source_mode(caps, p, e);
	if (!r)
		r = scan_check_resolution(caps, p, e);
	if (!r)
		r = scan_check_extent("width", "left", p->left_um, p->width_um,
				      caps->max_width_um, e);
	if (!r)
		r = scan_check_extent("height", "top", p->top_um, p->height_um,
				      caps->max_height_um, e);
	if (!r)
		r = scan_check_pages(caps, p, e);
	if (!r && (p->band_lines < caps->min_band_lines ||
		   p->band_lines > caps->max_band_lines))
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "band lines: %u is outside %u..%u", p->band_lines,
			    caps->min_band_lines, caps->max_band_lines);
	if (r)
		return r;
	scan_params_geometry(&g);
	r = scan_check_geometry(caps, &g, e);
	if (r)
		return r;
	*p = g;
	return 0;
}

/* Millimetres to micrometres; 0 means "all of @max". */
static int scan_mm_to_um(const char *what, uint32_t mm, uint32_t max,
			 uint32_t *um, struct err *e)
{
	if (mm == 0) {
		*um = max;
		return 0;
	}
	if (mm > UINT32_MAX / 1000)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "%s: %u mm is far beyond the scanner's maximum of %.1f mm",
			       what, mm, max / 1000.0);
	*um = mm * 1000;
	return 0;
}

int scan_params_from_options(const struct mfpscan_caps *caps,
			     const char *source, const char *color_mode,
			     uint32_t dpi, uint32_t width_mm, uint32_t height_mm,
			     uint32_t pages, uint32_t band_lines,
			     struct mfpscan_params *out, struct err *e)
{
	struct mfpscan_params p = { 0 };
	int src = scan_source_from_name(source);
	int mode = scan_mode_from_name(color_mode);
	int r;

	if (src < 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "source: unknown \"%s\" (use flatbed, adf or adf-duplex)",
			       source ? source : "");
	if (mode < 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "color mode: unknown \"%s\" (use mono, gray or color)",
			       color_mode ? color_mode : "");
	p.source = (uint32_t)src;
	p.color_mode = (uint32_t)mode;
	p.resolution = dpi;
	r = scan_mm_to_um("width", width_mm, caps->max_width_um, &p.width_um, e);
	if (!r)
		r = scan_mm_to_um("height", height_mm, caps->max_height_um,
				  &p.height_um, e);
	if (r)
		return r;
	p.pages = (src == MFPSCAN_SOURCE_FLATBED && pages == 0) ? 1 : pages;
	if (band_lines == 0)
		band_lines = SCAN_PARAMS_DEFAULT_BAND_LINES;
	if (band_lines > caps->max_band_lines)
		band_lines = caps->max_band_lines;
	if (band_lines < caps->min_band_lines)
		band_lines = caps->min_band_lines;
	p.band_lines = band_lines;
	scan_params_geometry(&p);
	if (p.band_lines > scan_ring_max_lines(caps, p.bytes_per_line) &&
	    scan_ring_max_lines(caps, p.bytes_per_line) >= caps->min_band_lines)
		p.band_lines = (uint32_t)scan_ring_max_lines(caps, p.bytes_per_line);
	r = scan_params_validate(caps, &p, e);
	if (r)
		return r;
	*out = p;
	return 0;
}

uint32_t scan_params_page_count(const struct mfpscan_params *p,
				uint32_t loaded)
{
	uint64_t avail = loaded;

	if (p->source == MFPSCAN_SOURCE_FLATBED)
		return 1;
	if (p->source == MFPSCAN_SOURCE_ADF_DUPLEX)
		avail *= 2;
	if (p->pages == 0 || p->pages > avail)
		return avail > UINT32_MAX ? UINT32_MAX : (uint32_t)avail;
	return p->pages;
}
