/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scan_params: the reading settings (struct mfpscan_params) as people and
 * the D-Bus API name them, and their validation against an engine's
 * capabilities. The kernel answers a bad S_PARAMS with a bare -EINVAL;
 * checking here first turns that into a message naming the field, and the
 * userspace pattern engine uses the very same rules, so both reject the
 * same settings.
 *
 * Names: sources "flatbed", "adf", "adf-duplex"; color modes "mono",
 * "gray", "color".
 */
#ifndef MFPSCAN_SCAN_PARAMS_H
#define MFPSCAN_SCAN_PARAMS_H

#include <stdint.h>
#include <linux/types.h>
#include <linux/mfpscan.h>

#include "err.h"

/* Band height used when the caller does not choose one. */
#define SCAN_PARAMS_DEFAULT_BAND_LINES	64

/* "flatbed", "adf", "adf-duplex"; NULL when @source is out of range. */
const char *scan_source_name(uint32_t source);

/* MFPSCAN_SOURCE_* for @name, or -1 when unknown. */
int scan_source_from_name(const char *name);

/* "mono", "gray", "color"; NULL when @mode is out of range. */
const char *scan_mode_name(uint32_t mode);

/* MFPSCAN_MODE_* for @name, or -1 when unknown. */
int scan_mode_from_name(const char *name);

/*
 * Fill the derived geometry (pixels_per_line, bytes_per_line,
 * lines_per_page) of @p from its area, mode and resolution, exactly as the
 * kernel does. No validation; 64-bit arithmetic, so no overflow.
 */
void scan_params_geometry(struct mfpscan_params *p);

/*
 * Validate @p against @caps field by field with the kernel's rules
 * (including: a record of band_lines lines fits twice in the ring). On
 * success fill the derived geometry and return 0; otherwise return -EINVAL
 * with @e (class ERR_INVALID) naming the field, its value and the allowed
 * range, and leave @p untouched.
 */
int scan_params_validate(const struct mfpscan_caps *caps,
			 struct mfpscan_params *p, struct err *e);

/*
 * Build validated parameters from the user-level options: @source and
 * @color_mode by name, @dpi, the area in millimetres from the top-left
 * corner (0 = the engine's full width/height), @pages (flatbed: 0 or 1;
 * ADF: page images, two per duplex sheet, at most adf_capacity; 0 = until
 * the ADF is empty) and @band_lines (0 = SCAN_PARAMS_DEFAULT_BAND_LINES;
 * clamped to the engine's range and to what fits twice in its ring, as
 * the kernel requires of a record). Returns 0
 * with @out filled (geometry included), or -EINVAL with @e naming the bad
 * option; @out untouched on failure.
 */
int scan_params_from_options(const struct mfpscan_caps *caps,
			     const char *source, const char *color_mode,
			     uint32_t dpi, uint32_t width_mm, uint32_t height_mm,
			     uint32_t pages, uint32_t band_lines,
			     struct mfpscan_params *out, struct err *e);

/*
 * Pages (page images) a job with @p produces when the ADF holds @loaded
 * sheets: @p->pages counts page images (a duplex sheet gives two), 0 or
 * more than the ADF holds means every side of every loaded sheet.
 */
uint32_t scan_params_page_count(const struct mfpscan_params *p,
				uint32_t loaded);

#endif
