// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of pattern: the sim engine's page formula, line by line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/types.h>
#include <linux/mfpscan.h>

#include "pattern.h"

static void test_fill_follows_the_uapi_formula(void **state)
{
	static const uint32_t pages[] = { 0, 1, 6, 7, 99 };
	static const uint32_t lines[] = { 0, 3, 4, 63, 64, 65, 1000, 4095 };
	uint8_t buf[300];

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		for (size_t j = 0; j < sizeof(lines) / sizeof(lines[0]); j++) {
			pattern_fill_line(buf, pages[i], lines[j], sizeof(buf));
			for (uint32_t b = 0; b < sizeof(buf); b++)
				assert_int_equal(buf[b], (uint8_t)MFPSCAN_PATTERN(pages[i], lines[j], b));
		}
}

static void test_known_values(void **state)
{
	/* gradient, checkerboard every 64, page offset 40 wrapping at 256 */
	assert_int_equal(pattern_byte(0, 0, 0), 0);
	assert_int_equal(pattern_byte(0, 0, 63), 15);
	assert_int_equal(pattern_byte(0, 0, 64), 16 + 96);
	assert_int_equal(pattern_byte(0, 64, 64), 32);
	assert_int_equal(pattern_byte(0, 64, 0), 16 + 96);
	assert_int_equal(pattern_byte(1, 0, 0), 40);
	assert_int_equal(pattern_byte(7, 0, 0), (280 & 0xff));
}

static void test_fill_writes_exactly_nbytes(void **state)
{
	uint8_t buf[16];

	memset(buf, 0xee, sizeof(buf));
	pattern_fill_line(buf, 0, 100, 10);
	for (int i = 10; i < 16; i++)
		assert_int_equal(buf[i], 0xee);
	pattern_fill_line(buf, 0, 0, 0);
}

static void test_first_mismatch_is_reported(void **state)
{
	uint8_t buf[200];

	pattern_fill_line(buf, 2, 17, sizeof(buf));
	assert_int_equal(pattern_first_mismatch(buf, 2, 17, sizeof(buf)), PATTERN_MATCH);
	assert_true(pattern_check_line(buf, 2, 17, sizeof(buf)));
	/* the same bytes are not line 18 nor page 3 */
	assert_false(pattern_check_line(buf, 2, 18, sizeof(buf)) &&
		     pattern_check_line(buf, 3, 17, sizeof(buf)));
	buf[150] ^= 1;
	buf[199] ^= 1;
	assert_int_equal(pattern_first_mismatch(buf, 2, 17, sizeof(buf)), 150);
	assert_false(pattern_check_line(buf, 2, 17, sizeof(buf)));
}

static void test_bits_ignore_only_padding(void **state)
{
	uint8_t buf[10];

	pattern_fill_line(buf, 1, 5, sizeof(buf));
	/* 75 pixels: 9 full bytes and the top 3 bits of byte 9 */
	buf[9] ^= 0x1f;
	assert_int_equal(pattern_first_mismatch_bits(buf, 1, 5, 75), PATTERN_MATCH);
	buf[9] ^= 0x20;
	assert_int_equal(pattern_first_mismatch_bits(buf, 1, 5, 75), 9);
	pattern_fill_line(buf, 1, 5, sizeof(buf));
	buf[3] ^= 0x80;
	assert_int_equal(pattern_first_mismatch_bits(buf, 1, 5, 75), 3);
	assert_int_equal(pattern_first_mismatch_bits(buf, 1, 5, 24), PATTERN_MATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_follows_the_uapi_formula),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_fill_writes_exactly_nbytes),
		cmocka_unit_test(test_first_mismatch_is_reported),
		cmocka_unit_test(test_bits_ignore_only_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
