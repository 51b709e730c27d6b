// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan parameter validation: defaults, derived geometry, every field out
 * of range rejected with -EINVAL and G_PARAMS unchanged afterwards (one case
 * per field, reserved/flags, flatbed pages, ADF capacity, area overflow
 * including u32 wrap-around, records larger than half the ring), valid
 * edge values accepted, and parameters being per open file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

#define MAXW 215900U
#define MAXH 355600U

FIXTURE(params) {
	struct sim sim, sim2;
	int fd;
	struct mfpscan_params good;	/* non-default params in force */
};

FIXTURE_SETUP(params)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 4096);
	int err;

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "params", &cfg, &self->fd);
	/* distinguishable from the defaults in every field */
	self->good = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_RGB24, 150,
				 100000, 120000, 3, 32);
	self->good.left_um = 1000;
	self->good.top_um = 2000;
	err = params_set(self->fd, &self->good);
	ASSERT_EQ(0, err) {
		TH_LOG("valid S_PARAMS: %s", strerror(-err));
	}
}

FIXTURE_TEARDOWN(params)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
	sim_destroy(&self->sim2);
}

static void expect_params_eq(struct __test_metadata *_metadata,
			     const struct mfpscan_params *a,
			     const struct mfpscan_params *b, const char *what)
{
	if (!memcmp(a, b, sizeof(*a)))
		return;
	TH_LOG("%s: params differ: src %u/%u mode %u/%u res %u/%u left %u/%u top %u/%u w %u/%u h %u/%u pages %u/%u band %u/%u flags %u/%u ppl %u/%u bpl %u/%u lpp %u/%u",
	       what, a->source, b->source, a->color_mode, b->color_mode,
	       a->resolution, b->resolution, a->left_um, b->left_um, a->top_um,
	       b->top_um, a->width_um, b->width_um, a->height_um, b->height_um,
	       a->pages, b->pages, a->band_lines, b->band_lines, a->flags,
	       b->flags, a->pixels_per_line, b->pixels_per_line,
	       a->bytes_per_line, b->bytes_per_line, a->lines_per_page,
	       b->lines_per_page);
	_metadata->passed = 0;
}

/* S_PARAMS(p) must be -EINVAL and leave the params in force untouched. */
static void reject(struct __test_metadata *_metadata, int fd,
		   const struct mfpscan_params *in_force,
		   struct mfpscan_params p, const char *what)
{
	struct mfpscan_params now;
	int err = params_set(fd, &p);

	EXPECT_EQ(-EINVAL, err) {
		TH_LOG("%s: S_PARAMS returned %s, expected EINVAL", what,
		       err ? strerror(-err) : "success");
	}
	memset(&now, 0x5a, sizeof(now));
	ASSERT_EQ(0, mfp_ioctl(fd, MFPSCAN_IOC_G_PARAMS, &now));
	expect_params_eq(_metadata, in_force, &now, what);
}

TEST_F(params, defaults_per_open_file)
{
	struct mfpscan_params d, mine;
	int fd2;

	BODY_START();
	fd2 = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, fd2);
	memset(&d, 0x5a, sizeof(d));
	ASSERT_IOCTL_OK(fd2, MFPSCAN_IOC_G_PARAMS, &d);
	EXPECT_EQ(MFPSCAN_SOURCE_FLATBED, d.source);
	EXPECT_EQ(MFPSCAN_MODE_GRAY8, d.color_mode);
	EXPECT_EQ(300, d.resolution);
	EXPECT_EQ(0, d.left_um);
	EXPECT_EQ(0, d.top_um);
	EXPECT_EQ(210000, d.width_um);
	EXPECT_EQ(297000, d.height_um);
	EXPECT_EQ(1, d.pages);
	EXPECT_EQ(64, d.band_lines);
	EXPECT_EQ(0, d.flags);
	EXPECT_EQ(2480, d.pixels_per_line);
	EXPECT_EQ(2480, d.bytes_per_line);
	EXPECT_EQ(3507, d.lines_per_page);
	for (int i = 0; i < 7; i++)
		EXPECT_EQ(0, d.reserved[i]);
	/* the first file's params are its own */
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_PARAMS, &mine);
	params_derive(&self->good);
	expect_params_eq(_metadata, &self->good, &mine, "first file");
	close(fd2);
}

TEST_F(params, derived_geometry)
{
	static const struct { __u32 mode, res, w, h; } c[] = {
		{ MFPSCAN_MODE_MONO1, 75, 210000, 297000 },
		{ MFPSCAN_MODE_MONO1, 600, 215900, 355600 },
		{ MFPSCAN_MODE_MONO1, 200, 1000, 1000 },	/* ppl 7: 1 byte */
		{ MFPSCAN_MODE_GRAY8, 150, 210000, 297000 },
		{ MFPSCAN_MODE_GRAY8, 600, 215900, 355600 },
		{ MFPSCAN_MODE_RGB24, 200, 123456, 65432 },
		{ MFPSCAN_MODE_RGB24, 75, 339, 339 },		/* 1 x 1 pixel */
	};
	struct mfpscan_params p, exp, got;
	unsigned int i;
	int err;

	BODY_START();
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = params_make(MFPSCAN_SOURCE_FLATBED, c[i].mode, c[i].res,
				c[i].w, c[i].h, 1, 1);
		exp = p;
		params_derive(&exp);
		memset(p.reserved, 0, sizeof(p.reserved));
		err = params_set(self->fd, &p);
		ASSERT_EQ(0, err) {
			TH_LOG("case %u: %s", i, strerror(-err));
		}
		expect_params_eq(_metadata, &exp, &p, "S_PARAMS output");
		ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_PARAMS, &got);
		expect_params_eq(_metadata, &exp, &got, "G_PARAMS");
	}
}

TEST_F(params, valid_edges_accepted)
{
	static const __u32 res[] = { 75, 150, 200, 300, 600 };
	struct mfpscan_params p;
	unsigned int i;
	int err;

#define ACCEPT(expr, what) do {						\
	p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75, 200000, \
			280000, 1, 16);					\
	expr;								\
	err = params_set(self->fd, &p);					\
	EXPECT_EQ(0, err) {						\
		TH_LOG("%s rejected: %s", what, strerror(-err));	\
	}								\
} while (0)

	BODY_START();
	for (i = 0; i < 5; i++)
		ACCEPT(p.resolution = res[i], "each caps resolution");
	for (i = 0; i < MFPSCAN_SOURCE_COUNT; i++)
		ACCEPT(p.source = i, "each source");
	for (i = 0; i < MFPSCAN_MODE_COUNT; i++)
		ACCEPT(p.color_mode = i, "each mode");
	ACCEPT((p.source = MFPSCAN_SOURCE_FLATBED, p.pages = 1), "flatbed pages 1");
	ACCEPT(p.pages = 0, "ADF pages 0 (until empty)");
	ACCEPT(p.pages = 50, "ADF pages = capacity");
	ACCEPT(p.band_lines = 1, "band_lines 1");
	ACCEPT(p.band_lines = 256, "band_lines 256");
	ACCEPT((p.width_um = MAXW, p.height_um = MAXH), "maximum area");
	ACCEPT((p.left_um = 100, p.width_um = MAXW - 100), "left+width = max");
	ACCEPT((p.top_um = 100, p.height_um = MAXH - 100), "top+height = max");
	/* out fields are outputs: garbage in them is overwritten */
	ACCEPT((p.pixels_per_line = 7, p.bytes_per_line = 9, p.lines_per_page = 1),
	       "garbage in output fields");
	EXPECT_EQ(590, p.pixels_per_line);
	EXPECT_EQ(590, p.bytes_per_line);
	EXPECT_EQ(826, p.lines_per_page);
#undef ACCEPT
}

#define BAD(field_expr, what) do {					\
	struct mfpscan_params __p = self->good;				\
	__p.pixels_per_line = __p.bytes_per_line = __p.lines_per_page = 0; \
	field_expr;							\
	reject(_metadata, self->fd, &cur, __p, what);			\
} while (0)

TEST_F(params, each_field_rejected_unchanged)
{
	struct mfpscan_params cur;
	unsigned int i;
	char what[64];

	BODY_START();
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_PARAMS, &cur);
	BAD(__p.source = MFPSCAN_SOURCE_COUNT, "source 3");
	BAD(__p.source = 0xffffffff, "source ~0");
	BAD(__p.color_mode = MFPSCAN_MODE_COUNT, "color_mode 3");
	BAD(__p.color_mode = 0x80000001, "color_mode huge");
	BAD(__p.resolution = 0, "resolution 0");
	BAD(__p.resolution = 100, "resolution 100");
	BAD(__p.resolution = 301, "resolution 301");
	BAD(__p.resolution = 1200, "resolution 1200");
	BAD(__p.resolution = 0xffffffff, "resolution ~0");
	BAD(__p.width_um = 0, "width 0");
	BAD(__p.height_um = 0, "height 0");
	BAD((__p.left_um = 0, __p.width_um = MAXW + 1), "width > max");
	BAD((__p.top_um = 0, __p.height_um = MAXH + 1), "height > max");
	BAD((__p.left_um = 1, __p.width_um = MAXW), "left + width > max");
	BAD((__p.top_um = 1, __p.height_um = MAXH), "top + height > max");
	BAD(__p.left_um = MAXW, "left at max");
	BAD(__p.top_um = MAXH, "top at max");
	BAD(__p.pages = 51, "ADF pages 51 > capacity");
	BAD(__p.pages = 0xffffffff, "ADF pages ~0");
	BAD((__p.source = MFPSCAN_SOURCE_ADF_DUPLEX, __p.pages = 101),
	    "duplex pages 101");
	BAD((__p.source = MFPSCAN_SOURCE_FLATBED, __p.pages = 0), "flatbed pages 0");
	BAD((__p.source = MFPSCAN_SOURCE_FLATBED, __p.pages = 2), "flatbed pages 2");
	BAD(__p.band_lines = 0, "band_lines 0");
	BAD(__p.band_lines = 257, "band_lines 257");
	BAD(__p.band_lines = 0xffffffff, "band_lines ~0");
	BAD(__p.flags = 1, "flags 1");
	BAD(__p.flags = 0x80000000, "flags bit 31");
	for (i = 0; i < 7; i++) {
		snprintf(what, sizeof(what), "reserved[%u] nonzero", i);
		BAD(__p.reserved[i] = 1, what);
		snprintf(what, sizeof(what), "reserved[%u] = ~0", i);
		BAD(__p.reserved[i] = 0xffffffff, what);
	}
}

TEST_F(params, overflow_and_degenerate_area)
{
	struct mfpscan_params cur;

	BODY_START();
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_PARAMS, &cur);
	/* u32 wrap-around of left + width and top + height */
	BAD((__p.left_um = 0xffffffff, __p.width_um = 2), "left ~0 + 2 wraps to 1");
	BAD((__p.left_um = 0x80000000, __p.width_um = 0x80000000), "left+width wraps to 0");
	BAD((__p.left_um = 0xfffff000, __p.width_um = 0x2000), "left+width wraps small");
	BAD((__p.top_um = 0xffffffff, __p.height_um = 2), "top ~0 + 2 wraps to 1");
	BAD((__p.top_um = 0x80000000, __p.height_um = 0x80000000), "top+height wraps to 0");
	BAD(__p.width_um = 0xffffffff, "width ~0");
	BAD(__p.height_um = 0xffffffff, "height ~0");
	/* width * resolution overflows u32 unless computed in 64 bits */
	BAD((__p.resolution = 600, __p.width_um = 0x7ffffff), "width*res > 2^32");
	/* less than one pixel / one line */
	BAD((__p.resolution = 75, __p.width_um = 338), "pixels_per_line 0");
	BAD((__p.resolution = 75, __p.height_um = 338), "lines_per_page 0");
	BAD((__p.resolution = 600, __p.width_um = 42), "pixels_per_line 0 at 600");
}

TEST_F(params, record_larger_than_half_ring)
{
	struct mfpscan_params p, cur;
	int err;

	BODY_START();
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_PARAMS, &cur);
	/* RGB 600 dpi full width: 15300 bytes/line * 256 lines > 2 MiB */
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_RGB24, 600, MAXW,
			100000, 1, 256);
	err = params_set(self->fd, &p);
	if (err) {
		struct mfpscan_params now;

		EXPECT_EQ(-EINVAL, err);
		ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_PARAMS, &now);
		expect_params_eq(_metadata, &cur, &now, "after oversize record");
		/* with it rejected, START uses the previous params */
		return;
	}
	ASSERT_IOCTL_ERR(EINVAL, self->fd, MFPSCAN_IOC_START, NULL);
	{
		struct mfpscan_status st;

		ASSERT_EQ(0, mfp_status(self->fd, &st));
		EXPECT_NE(MFPSCAN_STATE_SCANNING, st.state);
		EXPECT_NE(MFPSCAN_STATE_STALLED, st.state);
		EXPECT_EQ(0, st.job);
	}
}

/*
 * Boundary: in a 64 KiB ring a record of exactly 32768 bytes (64 + 64 lines
 * x 511 bytes) is allowed and two of them fill the ring to the byte; one
 * more line per band is -EINVAL.
 */
TEST_F(params, record_exactly_half_ring)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 64);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 173059,
					      100000, 2, 64), q;
	struct stream_exp e;
	int fd, err;

	BODY_START();
	err = sim_create(&self->sim2, "half", &cfg);
	ASSERT_EQ(0, err);
	fd = sim_open(&self->sim2, O_RDWR);
	ASSERT_LE(0, fd);
	q = p;
	q.band_lines = 65;
	err = params_set(fd, &q);
	if (!err) {
		EXPECT_EQ(-EINVAL, mfp_ioctl(fd, MFPSCAN_IOC_START, NULL));
	} else {
		EXPECT_EQ(-EINVAL, err);
	}
	err = params_set(fd, &p);
	ASSERT_EQ(0, err) {
		TH_LOG("record of exactly ring/2 rejected: %s", strerror(-err));
	}
	ASSERT_EQ(511, p.bytes_per_line);
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 2));
	ASSERT_STREAM_OK(read_job(fd, &e, 32768), &e);
	stream_fini(&e);
	close(fd);
}

/* START takes the parameters in force at that moment; later changes wait. */
TEST_F(params, change_during_job_applies_to_next)
{
	struct mfpscan_params a = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_MONO1, 75, 60000,
					      50000, 2, 8);
	struct mfpscan_params b = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_RGB24, 150, 30000,
					      20000, 1, 16);
	struct stream_exp e;

	BODY_START();
	ASSERT_EQ(0, params_set(self->fd, &a));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, params_set(self->fd, &b));
	ASSERT_EQ(0, stream_init(&e, &a, 1, 2));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &b, 2, 1));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
}

TEST_F(params, rejected_params_not_used_by_start)
{
	struct mfpscan_params bad = self->good, p;
	struct stream_exp e;

	BODY_START();
	/* a small good set, then a rejected one: START must scan the good one */
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_MONO1, 75, 30000,
			10000, 1, 8);
	ASSERT_EQ(0, params_set(self->fd, &p));
	bad.resolution = 123;
	ASSERT_EQ(-EINVAL, params_set(self->fd, &bad));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 20), &e);
	stream_fini(&e);
}

TEST_HARNESS_MAIN
