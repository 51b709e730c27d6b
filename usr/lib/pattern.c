// SPDX-License-Identifier: GPL-2.0
/*
 * pattern: generate and check lines of the sim engine's deterministic page
 * content (see pattern.h). The macro in the uapi header is the definition;
 * this file only applies it, so the kernel and userspace cannot drift.
 */
#include <linux/types.h>
#include <linux/mfpscan.h>

#include "pattern.h"

uint8_t pattern_byte(uint32_t page, uint32_t line, uint32_t b)
{
	return MFPSCAN_PATTERN(page, line, b);
}

void pattern_fill_line(uint8_t *dst, uint32_t page, uint32_t line,
		       uint32_t nbytes)
{
	for (uint32_t b = 0; b < nbytes; b++)
		dst[b] = MFPSCAN_PATTERN(page, line, b);
}

uint32_t pattern_first_mismatch(const uint8_t *src, uint32_t page,
				uint32_t line, uint32_t nbytes)
{
	for (uint32_t b = 0; b < nbytes; b++)
		if (src[b] != MFPSCAN_PATTERN(page, line, b))
			return b;
	return PATTERN_MATCH;
}

bool pattern_check_line(const uint8_t *src, uint32_t page, uint32_t line,
			uint32_t nbytes)
{
	return pattern_first_mismatch(src, page, line, nbytes) == PATTERN_MATCH;
}

uint32_t pattern_first_mismatch_bits(const uint8_t *src, uint32_t page,
				     uint32_t line, uint32_t pixels)
{
	uint32_t full = pixels / 8;
	uint32_t rest = pixels % 8;
	uint32_t b = pattern_first_mismatch(src, page, line, full);
	uint8_t mask;

	if (b != PATTERN_MATCH || rest == 0)
		return b;
	/* Only the top @rest bits of the last byte are pixels. */
	mask = (uint8_t)(0xff00u >> rest);
	if ((src[full] ^ MFPSCAN_PATTERN(page, line, full)) & mask)
		return full;
	return PATTERN_MATCH;
}
