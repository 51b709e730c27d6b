// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of scan_params: names, geometry, and validation that names
 * the field, against the sim engine's capabilities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "band_source.h"
#include "scan_params.h"

static struct mfpscan_caps caps;

static int setup(void **state)
{
	band_source_pattern_caps(&caps);
	return 0;
}

static struct mfpscan_params good(void)
{
	struct mfpscan_params p = {
		.source = MFPSCAN_SOURCE_ADF, .color_mode = MFPSCAN_MODE_GRAY8,
		.resolution = 75, .width_um = 200000, .height_um = 280000,
		.pages = 1, .band_lines = 16,
	};
	return p;
}

static void test_names_round_trip(void **state)
{
	static const char *const src[] = { "flatbed", "adf", "adf-duplex" };
	static const char *const mode[] = { "mono", "gray", "color" };

	for (int i = 0; i < 3; i++) {
		assert_string_equal(scan_source_name(i), src[i]);
		assert_int_equal(scan_source_from_name(src[i]), i);
		assert_string_equal(scan_mode_name(i), mode[i]);
		assert_int_equal(scan_mode_from_name(mode[i]), i);
	}
	assert_null(scan_source_name(3));
	assert_null(scan_mode_name(0xffffffff));
	assert_int_equal(scan_source_from_name("ADF"), -1);
	assert_int_equal(scan_mode_from_name(NULL), -1);
	assert_int_equal(scan_mode_from_name("rgb"), -1);
}

static void test_geometry_as_the_kernel(void **state)
{
	struct mfpscan_params p = good();
	struct err e = { 0 };

	/* the kselftest's numbers for 200 x 280 mm at 75 dpi */
	assert_int_equal(scan_params_validate(&caps, &p, &e), 0);
	assert_int_equal(p.pixels_per_line, 590);
	assert_int_equal(p.bytes_per_line, 590);
	assert_int_equal(p.lines_per_page, 826);
	p.color_mode = MFPSCAN_MODE_MONO1;
	assert_int_equal(scan_params_validate(&caps, &p, &e), 0);
	assert_int_equal(p.bytes_per_line, 74);
	p.color_mode = MFPSCAN_MODE_RGB24;
	assert_int_equal(scan_params_validate(&caps, &p, &e), 0);
	assert_int_equal(p.bytes_per_line, 1770);
}

/* Each rejection: -EINVAL, ERR_INVALID, @word in the message, @p kept. */
static void expect_rejected(struct mfpscan_params p, const char *word)
{
	struct mfpscan_params before = p;
	struct err e = { 0 };

	assert_int_equal(scan_params_validate(&caps, &p, &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	if (!strstr(e.msg, word))
		fail_msg("\"%s\" does not name \"%s\"", e.msg, word);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_each_field_rejected_by_name(void **state)
{
	struct mfpscan_params p;

#define BAD(expr, word) do { p = good(); expr; expect_rejected(p, word); } while (0)
	BAD(p.source = 3, "source");
	BAD(p.source = 0xffffffff, "source");
	BAD(p.color_mode = 3, "color mode");
	BAD(p.resolution = 0, "resolution");
	BAD(p.resolution = 100, "100 dpi");
	BAD(p.resolution = 1200, "75, 150, 200, 300, 600");
	BAD(p.width_um = 0, "width");
	BAD(p.height_um = 0, "height");
	BAD(p.width_um = 215901, "width");
	BAD((p.left_um = 1, p.width_um = 215900), "left");
	BAD((p.top_um = 1, p.height_um = 355600), "top");
	BAD((p.left_um = 0xffffffff, p.width_um = 2), "width");
	BAD(p.pages = 51, "pages");
	BAD(p.pages = 0xffffffff, "pages");
	BAD((p.source = MFPSCAN_SOURCE_ADF_DUPLEX, p.pages = 51), "at most 50");
	BAD((p.source = MFPSCAN_SOURCE_FLATBED, p.pages = 0), "flatbed");
	BAD((p.source = MFPSCAN_SOURCE_FLATBED, p.pages = 2), "flatbed");
	BAD(p.band_lines = 0, "band lines");
	BAD(p.band_lines = 257, "1..256");
	BAD(p.flags = 1, "flags");
	BAD(p.reserved[6] = 1, "reserved[6]");
	BAD(p.width_um = 300, "less than one pixel");
	BAD(p.height_um = 300, "less than one line");
	/* 600 dpi color: 15300-byte lines; a record must fit twice in 4 MiB */
	BAD((p.resolution = 600, p.width_um = 215900, p.color_mode = MFPSCAN_MODE_RGB24,
	     p.band_lines = 138), "at most 137");
#undef BAD
}

static void test_edges_accepted(void **state)
{
	struct mfpscan_params p;
	struct err e = { 0 };

#define OK(expr) do { p = good(); expr; assert_int_equal(scan_params_validate(&caps, &p, &e), 0); } while (0)
	OK((p.source = MFPSCAN_SOURCE_FLATBED, p.pages = 1));
	OK(p.pages = 0);
	OK(p.pages = 50);
	OK((p.source = MFPSCAN_SOURCE_ADF_DUPLEX, p.pages = 50));
	OK(p.band_lines = 1);
	OK(p.band_lines = 256);
	OK((p.width_um = 215900, p.height_um = 355600));
	OK((p.left_um = 100, p.width_um = 215800));
	OK((p.pixels_per_line = 7, p.lines_per_page = 1));
#undef OK
	assert_int_equal(p.pixels_per_line, 590);
}

static void test_from_options(void **state)
{
	struct mfpscan_params p;
	struct err e = { 0 };

	assert_int_equal(scan_params_from_options(&caps, "flatbed", "color", 300,
						  210, 297, 0, 0, &p, &e), 0);
	assert_int_equal(p.source, MFPSCAN_SOURCE_FLATBED);
	assert_int_equal(p.color_mode, MFPSCAN_MODE_RGB24);
	assert_int_equal(p.pages, 1);
	assert_int_equal(p.band_lines, SCAN_PARAMS_DEFAULT_BAND_LINES);
	assert_int_equal(p.pixels_per_line, 2480);
	assert_int_equal(p.bytes_per_line, 7440);
	assert_int_equal(p.lines_per_page, 3507);
	/* 0 mm = the whole area; band lines clamped to the engine's range */
	assert_int_equal(scan_params_from_options(&caps, "adf-duplex", "mono", 600,
						  0, 0, 4, 1000, &p, &e), 0);
	assert_int_equal(p.width_um, 215900);
	assert_int_equal(p.height_um, 355600);
	assert_int_equal(p.band_lines, 256);
	assert_int_equal(p.pages, 4);
	/* ... and to what fits twice in the ring */
	assert_int_equal(scan_params_from_options(&caps, "adf", "color", 600,
						  0, 0, 0, 256, &p, &e), 0);
	assert_int_equal(p.band_lines, 137);
	assert_int_equal(p.bytes_per_line, 15300);
}

static void test_from_options_errors(void **state)
{
	struct mfpscan_params p, before;
	struct err e = { 0 };

	memset(&p, 0x5a, sizeof(p));
	before = p;
	assert_int_equal(scan_params_from_options(&caps, "glass", "color", 300, 0, 0,
						  1, 0, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "source: unknown \"glass\""));
	assert_int_equal(scan_params_from_options(&caps, "adf", "sepia", 300, 0, 0,
						  1, 0, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "color mode"));
	assert_int_equal(scan_params_from_options(&caps, "adf", "gray", 250, 0, 0,
						  1, 0, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "250 dpi"));
	assert_int_equal(scan_params_from_options(&caps, "adf", "gray", 300, 400, 0,
						  1, 0, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "width"));
	assert_int_equal(scan_params_from_options(&caps, "adf", "gray", 300, 0,
						  4294967, 1, 0, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "height"));
	assert_int_equal(e.cls, ERR_INVALID);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_page_count(void **state)
{
	struct mfpscan_params p = good();

	p.source = MFPSCAN_SOURCE_FLATBED;
	assert_int_equal(scan_params_page_count(&p, 0), 1);
	p.source = MFPSCAN_SOURCE_ADF;
	p.pages = 0;
	assert_int_equal(scan_params_page_count(&p, 10), 10);
	p.pages = 3;
	assert_int_equal(scan_params_page_count(&p, 10), 3);
	assert_int_equal(scan_params_page_count(&p, 2), 2);
	assert_int_equal(scan_params_page_count(&p, 0), 0);
	p.source = MFPSCAN_SOURCE_ADF_DUPLEX;
	p.pages = 0;
	assert_int_equal(scan_params_page_count(&p, 2), 4);
	p.pages = 4;
	assert_int_equal(scan_params_page_count(&p, 10), 4);
	p.pages = 7;
	assert_int_equal(scan_params_page_count(&p, 3), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_geometry_as_the_kernel),
		cmocka_unit_test(test_each_field_rejected_by_name),
		cmocka_unit_test(test_edges_accepted),
		cmocka_unit_test(test_from_options),
		cmocka_unit_test(test_from_options_errors),
		cmocka_unit_test(test_page_count),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
