// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim content: pages loaded into a sim instance through its
 * configfs "content" attribute are scanned through the kernel and every
 * line of every band is compared byte for byte with what the userspace
 * pattern source gives for the same page (page_image_fill_line() of
 * usr/lib/page_image.c; the first variant loads the PNG the netpbm file
 * was made from, the others the netpbm file, which needs no decoding):
 * gray and color pages, gray from color and color from gray, mono, other
 * resolutions with offsets (the box path), several concatenated images on
 * ADF pages. Bad content (garbage header, truncated pixels, maxval 65535,
 * too many pixels, too many images, trailing garbage, more than 32 MiB)
 * is refused with its reason in content_status, the previous content
 * stays and the engine keeps scanning it; "none" brings the formula back.
 *
 * The test pages are build/testpages/ (make testpages), or the directory
 * in MFPSCAN_TESTPAGES.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "ksft_mfpscan.h"
#include "page_image.h"

#define A4W 210000
#define A4H 297000

/* The directory of the test pages. */
static const char *pages_dir(void)
{
	const char *d = getenv("MFPSCAN_TESTPAGES");

	return d && *d ? d : "build/testpages";
}

/* Read @name of the test pages into a new buffer; *@len its size. */
static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	struct stat st;
	uint8_t *b;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", pages_dir(), name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !(b = malloc(st.st_size ? st.st_size : 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(b, 1, st.st_size, f);
	fclose(f);
	if (*len != (size_t)st.st_size) {
		free(b);
		return NULL;
	}
	return b;
}

/* Write @len bytes to the instance's content in one write(2): 0 or -errno. */
static int content_load(const struct sim *s, const void *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/content", s->cfgdir);
	return file_write_n(path, buf, len);
}

static int content_load_file(const struct sim *s, const char *name)
{
	size_t len;
	uint8_t *b = slurp(name, &len);
	int err;

	if (!b)
		return -ENOENT;
	err = content_load(s, b, len);
	free(b);
	return err;
}

/* The userspace source's images, the reference. */
struct ref_pages {
	struct page_image *im[4];
	unsigned int n;
};

static int ref_load(struct ref_pages *r, const char *names)
{
	char list[256], path[512], *save = NULL, *tok;
	struct err e;

	memset(r, 0, sizeof(*r));
	snprintf(list, sizeof(list), "%s", names);
	for (tok = strtok_r(list, " ", &save); tok && r->n < 4;
	     tok = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", pages_dir(), tok);
		if (page_image_load(path, 0, &r->im[r->n], &e) < 0)
			return -1;
		r->n++;
	}
	return r->n ? 0 : -1;
}

static void ref_free(struct ref_pages *r)
{
	while (r->n)
		page_image_free(r->im[--r->n]);
}

/*
 * Scan one job with @p and compare every record with @r (page P showing
 * image P mod n): 0, or -1 with @why. *@bytes counts the payload.
 */
static int scan_compare(int fd, const struct mfpscan_params *p,
			const struct ref_pages *r, uint32_t pages,
			uint64_t *bytes, char *why, size_t wlen)
{
	size_t bufsize = 4 << 20;
	uint8_t *buf = malloc(bufsize), *line = malloc(p->bytes_per_line);
	uint32_t page = 0, next_line = 0;
	struct mfpscan_band h;
	bool ended = false;
	int ret = -1;
	ssize_t n;

	*bytes = 0;
	if (!buf || !line || mfp_ioctl(fd, MFPSCAN_IOC_START, NULL)) {
		snprintf(why, wlen, "START: %s", strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, bufsize)) > 0) {
		for (size_t off = 0; off < (size_t)n; off += BAND_HDR + h.payload_bytes) {
			const uint8_t *pl = buf + off + BAND_HDR;

			memcpy(&h, buf + off, sizeof(h));
			if (h.flags & MFPSCAN_BAND_ERROR || h.page != page ||
			    h.first_line != next_line ||
			    h.bytes_per_line != p->bytes_per_line ||
			    h.payload_bytes != h.lines * p->bytes_per_line) {
				snprintf(why, wlen,
					 "band %u of page %u: page %u first_line %u (expected %u %u) flags %#x error %u",
					 h.band, page, h.page, h.first_line, page,
					 next_line, h.flags, h.error);
				goto out;
			}
			if (h.checksum != (uint32_t)crc32(0, pl, h.payload_bytes)) {
				snprintf(why, wlen, "page %u band %u: CRC mismatch",
					 page, h.band);
				goto out;
			}
			for (uint32_t l = 0; l < h.lines; l++) {
				page_image_fill_line(r->im[page % r->n], p,
						     h.first_line + l, line);
				if (memcmp(line, pl + (size_t)l * p->bytes_per_line,
					   p->bytes_per_line)) {
					snprintf(why, wlen,
						 "page %u line %u differs from page_image_fill_line()",
						 page, h.first_line + l);
					goto out;
				}
			}
			*bytes += h.payload_bytes;
			next_line += h.lines;
			if (h.flags & MFPSCAN_BAND_PAGE_END) {
				if (next_line != p->lines_per_page) {
					snprintf(why, wlen, "page %u ended at line %u of %u",
						 page, next_line, p->lines_per_page);
					goto out;
				}
				page++;
				next_line = 0;
			}
			ended = h.flags & MFPSCAN_BAND_JOB_END;
		}
	}
	if (n < 0)
		snprintf(why, wlen, "read: %s", strerror(errno));
	else if (!ended || page != pages)
		snprintf(why, wlen, "EOF after %u pages (expected %u)%s", page,
			 pages, ended ? "" : " without JOB_END");
	else
		ret = 0;
out:
	free(buf);
	free(line);
	return ret;
}

/* The first line of content_status, and whether it reports an error. */
static int content_status(const struct sim *s, char *first, size_t len,
			  char *error, size_t elen)
{
	char buf[1024], *nl, *err;
	int ret = sim_cfg_read(s, "content_status", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	snprintf(first, len, "%.200s", buf);
	err = nl ? strstr(nl + 1, "error: ") : NULL;
	snprintf(error, elen, "%.200s", err ? err + 7 : "");
	if (error[0] && error[strlen(error) - 1] == '\n')
		error[strlen(error) - 1] = '\0';
	return 0;
}

FIXTURE(content) {
	struct sim sim;
	int fd;
};

FIXTURE_VARIANT(content) {
	const char *kernel_files;	/* concatenated into "content" */
	const char *ref_files;		/* what the userspace source loads */
	__u32 source, mode, res, pages, band_lines;
	__u32 left_um, top_um, width_um, height_um;
};

FIXTURE_VARIANT_ADD(content, gray_letter_300dpi_gray) {
	.kernel_files = "letter.pnm", .ref_files = "letter.png",
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_GRAY8,
	.res = 300, .pages = 1, .band_lines = 64,
	.width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(content, color_photo_300dpi_color) {
	.kernel_files = "photo.pnm", .ref_files = "photo.png",
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_RGB24,
	.res = 300, .pages = 1, .band_lines = 50,
	.top_um = 100000, .width_um = A4W, .height_um = 90000,
};

FIXTURE_VARIANT_ADD(content, color_photo_150dpi_gray_box_path) {
	.kernel_files = "photo.pnm", .ref_files = "photo.pnm",
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_GRAY8,
	.res = 150, .pages = 1, .band_lines = 64,
	.top_um = 150000, .width_um = A4W, .height_um = 80000,
};

FIXTURE_VARIANT_ADD(content, gray_form_75dpi_color_offsets) {
	.kernel_files = "form.pnm", .ref_files = "form.pnm",
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_RGB24,
	.res = 75, .pages = 1, .band_lines = 33,
	.left_um = 12700, .top_um = 5000, .width_um = 180000,
	.height_um = 250000,
};

FIXTURE_VARIANT_ADD(content, photo_600dpi_color_beyond_the_sheet) {
	.kernel_files = "photo.pnm", .ref_files = "photo.pnm",
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_RGB24,
	.res = 600, .pages = 1, .band_lines = 40,
	.left_um = 150000, .top_um = 280000, .width_um = 65000,
	.height_um = 40000,
};

FIXTURE_VARIANT_ADD(content, letter_200dpi_mono_odd_width) {
	.kernel_files = "letter.pnm", .ref_files = "letter.pnm",
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_MONO1,
	.res = 200, .pages = 1, .band_lines = 37,
	.left_um = 3000, .width_um = 201000, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(content, three_adf_pages_two_images) {
	.kernel_files = "letter.pnm form.pnm", .ref_files = "letter.pnm form.pnm",
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_GRAY8,
	.res = 150, .pages = 3, .band_lines = 128,
	.width_um = A4W, .height_um = 100000,
};

FIXTURE_SETUP(content)
{
	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "content", NULL, &self->fd);
}

FIXTURE_TEARDOWN(content)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

/* Concatenate the files of @names into one buffer. */
static uint8_t *concat_files(const char *names, size_t *len)
{
	char list[256], *save = NULL, *tok;
	uint8_t *all = NULL, *b, *tmp;
	size_t n;

	*len = 0;
	snprintf(list, sizeof(list), "%s", names);
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		b = slurp(tok, &n);
		tmp = b ? realloc(all, *len + n) : NULL;
		if (!tmp) {
			free(b);
			free(all);
			return NULL;
		}
		all = tmp;
		memcpy(all + *len, b, n);
		*len += n;
		free(b);
	}
	return all;
}

TEST_F_TIMEOUT(content, byte_exact_with_userspace_source, 300)
{
	struct ref_pages ref;
	struct mfpscan_params p;
	char why[256], first[256], error[256];
	uint64_t bytes;
	uint8_t *all;
	size_t len;

	BODY_START();
	all = concat_files(variant->kernel_files, &len);
	ASSERT_NE(NULL, all) {
		TH_LOG("%s in %s: missing (make testpages)",
		       variant->kernel_files, pages_dir());
	}
	ASSERT_EQ(0, content_load(&self->sim, all, len));
	free(all);
	ASSERT_EQ(0, content_status(&self->sim, first, sizeof(first), error,
				    sizeof(error)));
	EXPECT_STREQ("", error);
	TH_LOG("content_status: %s", first);
	ASSERT_EQ(0, ref_load(&ref, variant->ref_files));

	p = params_make(variant->source, variant->mode, variant->res,
			variant->width_um, variant->height_um, variant->pages,
			variant->band_lines);
	p.left_um = variant->left_um;
	p.top_um = variant->top_um;
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_EQ(0, scan_compare(self->fd, &p, &ref, variant->pages, &bytes,
				  why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	EXPECT_EQ((uint64_t)variant->pages * p.lines_per_page *
		  p.bytes_per_line, bytes);
	ref_free(&ref);
}

/* ---- bad content ---- */

FIXTURE(badcontent) {
	struct sim sim;
	int fd;
	struct mfpscan_params small;
	struct ref_pages ref;
	char good[256];		/* content_status of the good content */
	uint8_t *good_buf;	/* the good content */
	size_t good_len;
};

/*
 * A small RGB page, 600 x 400 pixels of a deterministic pattern, at @path
 * and in *@buf (its *@len bytes).
 */
static int small_page(const char *path, uint8_t **buf, size_t *len)
{
	const char hdr[] = "P6\n# small\n600 400\n255\n";
	size_t px = 600 * 400 * 3;
	FILE *f;

	*len = sizeof(hdr) - 1 + px;
	*buf = malloc(*len);
	if (!*buf)
		return -1;
	memcpy(*buf, hdr, sizeof(hdr) - 1);
	for (size_t i = 0; i < px; i++)
		(*buf)[sizeof(hdr) - 1 + i] = (uint8_t)(i * 2654435761u >> 13);
	f = fopen(path, "wb");
	if (!f || fwrite(*buf, 1, *len, f) != *len) {
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

FIXTURE_SETUP(badcontent)
{
	char error[256], path[64];
	struct err e;
	uint8_t *good;
	size_t len;

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "badcontent", NULL, &self->fd);
	snprintf(path, sizeof(path), "/tmp/content_test.%d.ppm", (int)getpid());
	ASSERT_EQ(0, small_page(path, &good, &len));
	self->good_len = len;
	self->good_buf = good;
	ASSERT_EQ(0, content_load(&self->sim, good, len));
	memset(&self->ref, 0, sizeof(self->ref));
	ASSERT_EQ(0, page_image_load(path, 0, &self->ref.im[0], &e));
	self->ref.n = 1;
	unlink(path);
	ASSERT_EQ(0, content_status(&self->sim, self->good, sizeof(self->good),
				    error, sizeof(error)));
	ASSERT_STREQ("1 image: 600x400 rgb", self->good);
	/* wider and longer than the page: white paper around it */
	self->small = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_RGB24,
				  300, 60000, 40000, 1, 64);
	ASSERT_EQ(0, params_set(self->fd, &self->small));
}

FIXTURE_TEARDOWN(badcontent)
{
	ref_free(&self->ref);
	free(self->good_buf);
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

FIXTURE_VARIANT(badcontent) {
	const char *data;	/* NULL: a generated one, see below */
	size_t len;
	int gen;		/* 1: 33 MiB; 2: nine images */
	int write_errno;	/* of write(2) itself */
	const char *reason;	/* in content_status */
};

#define BAD(s) .data = s, .len = sizeof(s) - 1

FIXTURE_VARIANT_ADD(badcontent, garbage_header) {
	BAD("GIF89a this is not a netpbm file"), .reason = "not a binary PGM (P5) or PPM (P6)",
};
FIXTURE_VARIANT_ADD(badcontent, ascii_netpbm) {
	BAD("P2\n2 2\n255\n0 0 0 0\n"), .reason = "image 1: not a binary PGM",
};
FIXTURE_VARIANT_ADD(badcontent, header_without_numbers) {
	BAD("P5\n# only a comment\n"), .reason = "bad netpbm header",
};
FIXTURE_VARIANT_ADD(badcontent, zero_width) {
	BAD("P5 0 10 255\n"), .reason = "bad netpbm header",
};
FIXTURE_VARIANT_ADD(badcontent, truncated_pixels) {
	BAD("P6\n100 100\n255\n0123456789"),
	.reason = "image 1: truncated: 100x100 RGB needs 30000 bytes of pixels, 10 follow",
};
FIXTURE_VARIANT_ADD(badcontent, wrong_size_second_image) {
	BAD("P5 2 2 255\nabcdP5 4 4 255\nabcd"),
	.reason = "image 2: truncated: 4x4 gray needs 16 bytes",
};
FIXTURE_VARIANT_ADD(badcontent, maxval_65535) {
	BAD("P5 2 1 65535\nabcd"), .reason = "image 1: maxval 65535, needs 255",
};
FIXTURE_VARIANT_ADD(badcontent, too_many_pixels) {
	BAD("P5 30000 1 255\nabcd"), .reason = "image 1: 30000x1 pixels, at most 20000x20000",
};
FIXTURE_VARIANT_ADD(badcontent, number_overflow) {
	BAD("P5 99999999999 1 255\nabcd"), .reason = "bad netpbm header",
};
FIXTURE_VARIANT_ADD(badcontent, trailing_garbage) {
	BAD("P5 2 1 255\nab junk"), .reason = "image 2: not a binary PGM",
};
FIXTURE_VARIANT_ADD(badcontent, nine_images) {
	.gen = 2, .reason = "more than 8 images",
};
FIXTURE_VARIANT_ADD(badcontent, huge_33mib) {
	.gen = 1, .write_errno = EFBIG, .reason = "image 1: not a binary PGM",
};

TEST_F_TIMEOUT(badcontent, refused_and_engine_keeps_working, 300)
{
	char first[256], error[256], why[256];
	uint8_t *buf = NULL;
	uint64_t bytes;
	size_t len = variant->len;
	int ret;

	BODY_START();
	if (variant->gen == 1) {
		len = (33u << 20);
		buf = calloc(1, len);
		ASSERT_NE(NULL, buf);
		memcpy(buf, "P5 4096 8448 255\n", 17);
	} else if (variant->gen == 2) {
		static const char one[] = "P5 1 1 255\n\x80";

		len = 9 * (sizeof(one) - 1);
		buf = malloc(len);
		ASSERT_NE(NULL, buf);
		for (int i = 0; i < 9; i++)
			memcpy(buf + i * (sizeof(one) - 1), one, sizeof(one) - 1);
	}
	ret = content_load(&self->sim, buf ? buf : (const void *)variant->data,
			   len);
	free(buf);
	/* configfs reports only what write(2) itself refuses */
	EXPECT_EQ(-variant->write_errno, ret);
	ASSERT_EQ(0, content_status(&self->sim, first, sizeof(first), error,
				    sizeof(error)));
	EXPECT_NE(NULL, strstr(error, variant->reason)) {
		TH_LOG("content_status error \"%s\", expected \"%s\"", error,
		       variant->reason);
	}
	EXPECT_STREQ(self->good, first);

	/* the engine keeps working, with the previous content */
	ASSERT_EQ(0, scan_compare(self->fd, &self->small, &self->ref, 1,
				  &bytes, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	/* a good write clears the error */
	ASSERT_EQ(0, content_load(&self->sim, self->good_buf, self->good_len));
	ASSERT_EQ(0, content_status(&self->sim, first, sizeof(first), error,
				    sizeof(error)));
	EXPECT_STREQ("", error);
}

FIXTURE(reset) {
	struct sim sim;
	int fd;
};

FIXTURE_SETUP(reset)
{
	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "content-reset", NULL, &self->fd);
}

FIXTURE_TEARDOWN(reset)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

/* "none" brings the formula back; content_dpi is checked and applies. */
TEST_F_TIMEOUT(reset, none_restores_the_formula_and_dpi_applies, 300)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 150, A4W,
					      50000, 1, 64);
	char first[256], error[256], why[256];
	struct stream_exp e;
	struct ref_pages ref;
	uint64_t bytes;
	char dpi[32];

	BODY_START();
	ASSERT_EQ(0, content_status(&self->sim, first, sizeof(first), error,
				    sizeof(error)));
	EXPECT_STREQ("pattern", first);
	ASSERT_EQ(0, sim_cfg_read(&self->sim, "content_dpi", dpi, sizeof(dpi)));
	EXPECT_STREQ("300", dpi);
	EXPECT_EQ(-EINVAL, sim_cfg_write(&self->sim, "content_dpi", "0"));
	EXPECT_EQ(-EINVAL, sim_cfg_write(&self->sim, "content_dpi", "4801"));

	/* the letter said to be at 150 dpi: scanned at 150 dpi, it copies */
	ASSERT_EQ(0, content_load_file(&self->sim, "letter.pnm"));
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "content_dpi", "150"));
	ASSERT_EQ(0, params_set(self->fd, &p));
	memset(&ref, 0, sizeof(ref));
	{
		char path[512];
		struct err er;

		snprintf(path, sizeof(path), "%s/letter.png", pages_dir());
		ASSERT_EQ(0, page_image_load(path, 150, &ref.im[0], &er));
		ref.n = 1;
	}
	ASSERT_EQ(0, scan_compare(self->fd, &p, &ref, 1, &bytes, why,
				  sizeof(why))) {
		TH_LOG("%s", why);
	}
	ref_free(&ref);

	ASSERT_EQ(0, content_load(&self->sim, "none\n", 5));
	ASSERT_EQ(0, content_status(&self->sim, first, sizeof(first), error,
				    sizeof(error)));
	EXPECT_STREQ("pattern", first);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 2, 1));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 20), &e);
	stream_fini(&e);
}

TEST_HARNESS_MAIN
