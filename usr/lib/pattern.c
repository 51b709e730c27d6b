// SPDX-License-Identifier: GPL-2.0
/*
 * pattern: generate and check lines of the sim engine's deterministic page
 * content (see pattern.h). The macro in the uapi header is the definition;
 * this file only applies it, so the kernel and userspace cannot drift.
 */
#include <linux/types.h>
#include <linux/mfpscan.h>

#include <string.h>

#include "pattern.h"

uint8_t pattern_byte(uint32_t page, uint32_t line, uint32_t b)
{
	return MFPSCAN_PATTERN(page, line, b);
}

/*
 * Within a 64-byte block (b a multiple of 64) the checkerboard term is
 * constant and the gradient steps every 4 bytes, so a block is a base value
 * plus a fixed ramp: a loop the compiler vectorizes. The pattern engine and
 * the checkers spend most of their time here. Same bytes as the macro.
 */
static void pattern_block(uint8_t *restrict d, uint32_t page, uint32_t line,
			  uint32_t b)
{
	uint8_t v = MFPSCAN_PATTERN(page, line, b);

	for (unsigned int i = 0; i < 64; i++)
		d[i] = (uint8_t)(v + (i >> 2));
}

void pattern_fill_line(uint8_t *dst, uint32_t page, uint32_t line,
		       uint32_t nbytes)
{
	uint32_t b = 0;

	for (; b + 64 <= nbytes; b += 64)
		pattern_block(dst + b, page, line, b);
	for (; b < nbytes; b++)
		dst[b] = MFPSCAN_PATTERN(page, line, b);
}

uint32_t pattern_first_mismatch(const uint8_t *src, uint32_t page,
				uint32_t line, uint32_t nbytes)
{
	uint8_t want[64];

	/* Compare a block at a time; look at bytes only in a bad block. */
	for (uint32_t b = 0; b < nbytes; b += sizeof(want)) {
		uint32_t n = nbytes - b < sizeof(want) ? nbytes - b : sizeof(want);

		if (n == sizeof(want))
			pattern_block(want, page, line, b);
		else
			for (uint32_t i = 0; i < n; i++)
				want[i] = MFPSCAN_PATTERN(page, line, b + i);
		if (memcmp(src + b, want, n) == 0)
			continue;
		for (uint32_t i = 0; i < n; i++)
			if (src[b + i] != want[i])
				return b + i;
	}
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
