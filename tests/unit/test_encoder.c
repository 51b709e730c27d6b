// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of encoder and doc_format: every format and color mode is
 * encoded from the sim pattern in uneven chunks of lines, then decoded with
 * the format's own library (libpng, libtiff, libjpeg) or taken apart by
 * qpdf, and compared: lossless formats bit for bit, JPEG within a mean
 * error. PDFs must pass `qpdf --check`. Bad call sequences and write
 * failures must give clear errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jpeglib.h>
#include <json-c/json.h>
#include <png.h>
#include <tiffio.h>

#include "encoder.h"
#include "pattern.h"

extern char **environ;

#define W 147		/* odd: mono lines end in 3 padding bits */
#define H 61
#define DPI 75

static char dir[256];

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_encoder.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct encoder_page page_of(uint32_t mode)
{
	struct encoder_page pg = {
		.width_px = W, .height_px = H, .color_mode = mode, .dpi = DPI,
		.bytes_per_line = encoder_bytes_per_line(mode, W),
	};
	return pg;
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Encode @pages pattern pages into file @name; lines go in odd chunks. */
static void encode(enum doc_format f, uint32_t mode, uint32_t pages,
		   const struct encoder_options *opt, const char *name)
{
	static const uint32_t chunks[] = { 1, 7, 13, 2, 40 };
	struct encoder_page pg = page_of(mode);
	uint8_t buf[40 * 3 * W];
	struct encoder *enc = NULL;
	struct err e = { 0 };
	struct stat st;
	char path[300];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	if (encoder_open(f, fd, opt, &enc, &e))
		fail_msg("open: %s", e.msg);
	for (uint32_t p = 0; p < pages; p++) {
		uint32_t y = 0;

		assert_int_equal(encoder_page_begin(enc, &pg, &e), 0);
		for (int c = 0; y < H; c = (c + 1) % 5) {
			uint32_t n = chunks[c] < H - y ? chunks[c] : H - y;

			for (uint32_t i = 0; i < n; i++)
				pattern_fill_line(buf + i * pg.bytes_per_line, p,
						  y + i, pg.bytes_per_line);
			if (encoder_page_lines(enc, buf, n, &e))
				fail_msg("lines: %s", e.msg);
			y += n;
		}
		if (encoder_page_end(enc, &e))
			fail_msg("page end: %s", e.msg);
	}
	if (encoder_finish(enc, &e))
		fail_msg("finish: %s", e.msg);
	assert_int_equal(encoder_pages(enc), pages);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(encoder_bytes_written(enc), st.st_size);
	encoder_free(enc);
	close(fd);
}

/* Lossless row check: bits for mono (padding ignored), bytes otherwise. */
static void expect_row(const uint8_t *row, uint32_t mode, uint32_t page,
		       uint32_t y)
{
	uint32_t b = mode == MFPSCAN_MODE_MONO1 ?
		     pattern_first_mismatch_bits(row, page, y, W) :
		     pattern_first_mismatch(row, page, y,
					    encoder_bytes_per_line(mode, W));

	if (b != PATTERN_MATCH)
		fail_msg("page %u line %u byte %u differs", page, y, b);
}

/* --- doc_format --------------------------------------------------------- */

static void test_doc_formats(void **state)
{
	assert_int_equal(doc_format_from_name("pdf"), DOC_PDF);
	assert_int_equal(doc_format_from_name("jpeg"), DOC_JPEG);
	assert_int_equal(doc_format_from_name("jpg"), DOC_JPEG);
	assert_int_equal(doc_format_from_name("png"), DOC_PNG);
	assert_int_equal(doc_format_from_name("tif"), DOC_TIFF);
	assert_int_equal(doc_format_from_name("PDF"), -1);
	assert_int_equal(doc_format_from_name(NULL), -1);
	assert_string_equal(doc_format_name(DOC_TIFF), "tiff");
	assert_string_equal(doc_format_extension(DOC_JPEG), "jpg");
	assert_string_equal(doc_format_mime_type(DOC_PDF), "application/pdf");
	assert_string_equal(doc_format_mime_type(DOC_PNG), "image/png");
	assert_true(doc_format_is_multipage(DOC_PDF));
	assert_true(doc_format_is_multipage(DOC_TIFF));
	assert_false(doc_format_is_multipage(DOC_JPEG));
	assert_false(doc_format_is_multipage(DOC_PNG));
	assert_null(doc_format_name(DOC_FORMAT_COUNT));
}

/* --- PNG ---------------------------------------------------------------- */

static void png_check(const char *name, uint32_t mode)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	png_uint_32 xres, yres;
	int unit;
	uint8_t row[3 * W];
	char path[300];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng could not read %s", name);
	png_init_io(png, f);
	png_read_info(png, info);
	assert_int_equal(png_get_image_width(png, info), W);
	assert_int_equal(png_get_image_height(png, info), H);
	assert_int_equal(png_get_bit_depth(png, info), mode == MFPSCAN_MODE_MONO1 ? 1 : 8);
	assert_int_equal(png_get_color_type(png, info), mode == MFPSCAN_MODE_RGB24 ?
			 PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY);
	assert_int_equal(png_get_pHYs(png, info, &xres, &yres, &unit), PNG_INFO_pHYs);
	assert_int_equal(xres, 2953);		/* 75 dpi in pixels per metre */
	if (mode == MFPSCAN_MODE_MONO1)
		png_set_invert_mono(png);	/* PNG 0 = black; ours 1 = black */
	for (uint32_t y = 0; y < H; y++) {
		png_read_row(png, row, NULL);
		expect_row(row, mode, 0, y);
	}
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	fclose(f);
}

static void test_png_round_trip(void **state)
{
	for (uint32_t mode = 0; mode < MFPSCAN_MODE_COUNT; mode++) {
		encode(DOC_PNG, mode, 1, NULL, "t.png");
		png_check("t.png", mode);
	}
}

/* --- TIFF --------------------------------------------------------------- */

static void tiff_check(const char *name, uint32_t mode, uint32_t pages)
{
	uint16_t photo, comp, bps, spp;
	uint32_t w, h, n = 0;
	uint8_t row[3 * W];
	char path[300];
	TIFF *t;

	path_of(path, sizeof(path), name);
	t = TIFFOpen(path, "r");
	assert_non_null(t);
	do {
		assert_int_equal(TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w), 1);
		assert_int_equal(TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h), 1);
		assert_int_equal(w, W);
		assert_int_equal(h, H);
		TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
		TIFFGetField(t, TIFFTAG_COMPRESSION, &comp);
		TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
		TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
		if (mode == MFPSCAN_MODE_MONO1) {
			assert_int_equal(photo, PHOTOMETRIC_MINISWHITE);
			assert_int_equal(comp, COMPRESSION_CCITTFAX4);
			assert_int_equal(bps, 1);
		} else {
			assert_int_equal(photo, mode == MFPSCAN_MODE_RGB24 ?
					 PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
			assert_int_equal(comp, COMPRESSION_ADOBE_DEFLATE);
			assert_int_equal(spp, mode == MFPSCAN_MODE_RGB24 ? 3 : 1);
		}
		for (uint32_t y = 0; y < H; y++) {
			assert_true(TIFFReadScanline(t, row, y, 0) >= 0);
			expect_row(row, mode, n, y);
		}
		n++;
	} while (TIFFReadDirectory(t));
	TIFFClose(t);
	assert_int_equal(n, pages);
}

static void test_tiff_round_trip_multipage(void **state)
{
	for (uint32_t mode = 0; mode < MFPSCAN_MODE_COUNT; mode++) {
		encode(DOC_TIFF, mode, 3, NULL, "t.tif");
		tiff_check("t.tif", mode, 3);
	}
}

/* --- JPEG --------------------------------------------------------------- */

static double jpeg_error(const char *name, uint32_t mode)
{
	struct jpeg_decompress_struct c;
	struct jpeg_error_mgr jerr;
	uint8_t row[3 * W];
	JSAMPROW rp = row;
	uint64_t sum = 0, n = 0;
	char path[300];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	c.err = jpeg_std_error(&jerr);
	jpeg_create_decompress(&c);
	jpeg_stdio_src(&c, f);
	assert_int_equal(jpeg_read_header(&c, TRUE), JPEG_HEADER_OK);
	assert_int_equal(c.image_width, W);
	assert_int_equal(c.image_height, H);
	assert_int_equal(c.num_components, mode == MFPSCAN_MODE_RGB24 ? 3 : 1);
	assert_int_equal(c.X_density, DPI);
	jpeg_start_decompress(&c);
	while (c.output_scanline < H) {
		uint32_t y = c.output_scanline;

		jpeg_read_scanlines(&c, &rp, 1);
		for (uint32_t i = 0; i < W * (uint32_t)c.output_components; i++) {
			int want = mode == MFPSCAN_MODE_MONO1 ?
				   ((pattern_byte(0, y, i / 8) & (0x80 >> (i % 8))) ? 0 : 255) :
				   pattern_byte(0, y, i);

			sum += (uint64_t)abs(row[i] - want);
			n++;
		}
	}
	jpeg_finish_decompress(&c);
	jpeg_destroy_decompress(&c);
	fclose(f);
	return (double)sum / (double)n;
}

static void test_jpeg_round_trip(void **state)
{
	struct encoder_options hi = { .jpeg_quality = 95 };

	for (uint32_t mode = 0; mode < MFPSCAN_MODE_COUNT; mode++) {
		double err;

		encode(DOC_JPEG, mode, 1, NULL, "t.jpg");
		err = jpeg_error("t.jpg", mode);
		if (err > 6.0)
			fail_msg("mode %u: mean error %.2f", mode, err);
		encode(DOC_JPEG, mode, 1, &hi, "t95.jpg");
		assert_true(jpeg_error("t95.jpg", mode) <= err);
	}
}

/* --- PDF (judged and taken apart by qpdf) --------------------------------- */

/* Run qpdf with @args on @name; its stdout into @out (NULL: discard). */
static int qpdf(const char *const *args, const char *name, const char *out)
{
	posix_spawn_file_actions_t fa;
	const char *argv[8] = { "qpdf" };
	char path[300];
	pid_t pid;
	int st, i = 1;

	path_of(path, sizeof(path), name);
	for (; *args && i < 6; args++)
		argv[i++] = *args;
	argv[i++] = path;
	argv[i] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawnp(&pid, "qpdf", &fa, NULL, (char **)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static json_object *pdf_pages(const char *name)
{
	static const char *const args[] = { "--json=2", "--json-key=pages", NULL };
	char out[300];
	json_object *j, *pages;

	path_of(out, sizeof(out), "pages.json");
	assert_int_equal(qpdf(args, name, out), 0);
	j = json_object_from_file(out);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "pages", &pages));
	json_object_get(pages);
	json_object_put(j);
	return pages;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

/* The image of one PDF page, checked against pattern page @page. */
static void pdf_check_image(const char *name, json_object *img, uint32_t mode,
			    uint32_t page, bool lossy)
{
	static const uint8_t none[1];
	char arg[64], out[300], dict[300], line[512];
	const char *args[] = { arg, "--filtered-stream-data", "--decode-level=all", NULL };
	const char *dargs[] = { arg, NULL };
	uint32_t rb = encoder_bytes_per_line(mode, W);
	uint8_t row[3 * W];
	bool decode = false;
	int obj;
	FILE *f;

	assert_int_equal(json_object_get_int(get(img, "width")), W);
	assert_int_equal(json_object_get_int(get(img, "height")), H);
	assert_int_equal(json_object_get_int(get(img, "bitspercomponent")),
			 mode == MFPSCAN_MODE_MONO1 ? 1 : 8);
	assert_string_equal(json_object_get_string(get(img, "colorspace")),
			    mode == MFPSCAN_MODE_RGB24 ? "/DeviceRGB" : "/DeviceGray");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(img, "filter"), 0)),
			    lossy ? "/DCTDecode" : "/FlateDecode");
	assert_int_equal(sscanf(json_object_get_string(get(img, "object")), "%d", &obj), 1);
	snprintf(arg, sizeof(arg), "--show-object=%d", obj);
	path_of(dict, sizeof(dict), "dict.txt");
	assert_int_equal(qpdf(dargs, name, dict), 0);
	f = fopen(dict, "r");
	while (fgets(line, sizeof(line), f))
		decode |= strstr(line, "/Decode [ 1 0 ]") != NULL;
	fclose(f);
	assert_int_equal(decode, mode == MFPSCAN_MODE_MONO1);	/* 1 = black */
	path_of(out, sizeof(out), "image.raw");
	assert_int_equal(qpdf(args, name, out), 0);
	f = fopen(out, "rb");
	for (uint32_t y = 0; y < H; y++) {
		assert_int_equal(fread(row, 1, rb, f), rb);
		if (!lossy)
			expect_row(row, mode, page, y);
	}
	assert_int_equal(fread(row, 1, 1, f), 0);		/* nothing more */
	fclose(f);
	(void)none;
}

static void pdf_check(const char *name, uint32_t mode, uint32_t pages, bool lossy)
{
	static const char *const check[] = { "--check", NULL };
	json_object *list;

	assert_int_equal(qpdf(check, name, NULL), 0);
	list = pdf_pages(name);
	assert_int_equal(json_object_array_length(list), pages);
	for (uint32_t p = 0; p < pages; p++) {
		json_object *imgs = get(json_object_array_get_idx(list, p), "images");

		assert_int_equal(json_object_array_length(imgs), 1);
		pdf_check_image(name, json_object_array_get_idx(imgs, 0), mode, p, lossy);
	}
	json_object_put(list);
}

static void test_pdf_flate_is_byte_exact(void **state)
{
	struct encoder_options o = { .pdf_codec = ENCODER_PDF_FLATE, .tmpdir = dir };

	for (uint32_t mode = 0; mode < MFPSCAN_MODE_COUNT; mode++) {
		encode(DOC_PDF, mode, 3, &o, "t.pdf");
		pdf_check("t.pdf", mode, 3, false);
	}
}

static void test_pdf_jpeg_and_auto(void **state)
{
	struct encoder_options o = { .pdf_codec = ENCODER_PDF_JPEG };

	encode(DOC_PDF, MFPSCAN_MODE_RGB24, 2, &o, "j.pdf");
	pdf_check("j.pdf", MFPSCAN_MODE_RGB24, 2, true);
	encode(DOC_PDF, MFPSCAN_MODE_GRAY8, 2, NULL, "a.pdf");
	pdf_check("a.pdf", MFPSCAN_MODE_GRAY8, 2, true);
	/* mono never goes lossy */
	encode(DOC_PDF, MFPSCAN_MODE_MONO1, 2, &o, "m.pdf");
	pdf_check("m.pdf", MFPSCAN_MODE_MONO1, 2, false);
}

static void test_pdf_leaves_no_scratch_file(void **state)
{
	char sub[300];
	struct encoder_options o = { .tmpdir = sub };
	struct dirent *de;
	DIR *d;
	int n = 0;

	path_of(sub, sizeof(sub), "scratch");
	assert_int_equal(mkdir(sub, 0700), 0);
	encode(DOC_PDF, MFPSCAN_MODE_GRAY8, 2, &o, "s.pdf");
	d = opendir(sub);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 0);
}

/* --- misuse and failures ------------------------------------------------- */

static struct encoder *open_enc(enum doc_format f, int *fd)
{
	struct encoder *enc = NULL;
	struct err e = { 0 };
	char path[300];

	path_of(path, sizeof(path), "misuse");
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(encoder_open(f, *fd, NULL, &enc, &e), 0);
	return enc;
}

static void expect_invalid(int r, const struct err *e, const char *word)
{
	assert_int_equal(r, -EINVAL);
	assert_int_equal(e->cls, ERR_INVALID);
	if (!strstr(e->msg, word))
		fail_msg("\"%s\" does not say \"%s\"", e->msg, word);
}

static void test_bad_call_order(void **state)
{
	struct encoder_page pg = page_of(MFPSCAN_MODE_GRAY8);
	uint8_t lines[2 * W] = { 0 };
	struct err e = { 0 };
	int fd;

	for (int f = 0; f < DOC_FORMAT_COUNT; f++) {
		struct encoder *enc = open_enc(f, &fd);

		expect_invalid(encoder_page_lines(enc, lines, 1, &e), &e, "no page was begun");
		expect_invalid(encoder_page_end(enc, &e), &e, "no page was begun");
		expect_invalid(encoder_finish(enc, &e), &e, "no page");
		assert_int_equal(encoder_page_begin(enc, &pg, &e), 0);
		expect_invalid(encoder_page_begin(enc, &pg, &e), &e, "still open");
		expect_invalid(encoder_finish(enc, &e), &e, "still open");
		assert_int_equal(encoder_page_lines(enc, lines, 2, &e), 0);
		expect_invalid(encoder_page_end(enc, &e), &e, "after 2 of its 61 lines");
		expect_invalid(encoder_page_lines(enc, lines, 60, &e), &e, "only 59");
		encoder_free(enc);
		close(fd);
	}
}

static void test_bad_geometry(void **state)
{
	struct encoder_page pg;
	struct err e = { 0 };
	int fd;
	struct encoder *enc = open_enc(DOC_TIFF, &fd);

	pg = page_of(MFPSCAN_MODE_RGB24);
	pg.bytes_per_line = W;
	expect_invalid(encoder_page_begin(enc, &pg, &e), &e, "expected 441");
	pg = page_of(MFPSCAN_MODE_MONO1);
	pg.width_px = 0;
	expect_invalid(encoder_page_begin(enc, &pg, &e), &e, "page size");
	pg = page_of(3);
	expect_invalid(encoder_page_begin(enc, &pg, &e), &e, "color mode");
	pg = page_of(MFPSCAN_MODE_GRAY8);
	pg.dpi = 0;
	expect_invalid(encoder_page_begin(enc, &pg, &e), &e, "resolution");
	encoder_free(enc);
	close(fd);
	expect_invalid(encoder_open(DOC_FORMAT_COUNT, 1, NULL, &enc, &e), &e, "format");
}

static void test_single_page_formats_refuse_page_two(void **state)
{
	struct encoder_page pg = page_of(MFPSCAN_MODE_MONO1);
	uint8_t lines[H * ((W + 7) / 8)];
	struct err e = { 0 };
	int fd;

	memset(lines, 0x0f, sizeof(lines));
	for (int f = DOC_JPEG; f <= DOC_PNG; f++) {
		struct encoder *enc = open_enc(f, &fd);

		assert_int_equal(encoder_page_begin(enc, &pg, &e), 0);
		assert_int_equal(encoder_page_lines(enc, lines, H, &e), 0);
		assert_int_equal(encoder_page_end(enc, &e), 0);
		expect_invalid(encoder_page_begin(enc, &pg, &e), &e,
			       "holds one page; start a new document for page 2");
		assert_int_equal(encoder_finish(enc, &e), 0);
		expect_invalid(encoder_finish(enc, &e), &e, "already finished");
		encoder_free(enc);
		close(fd);
	}
}

static void test_tiff_needs_a_read_write_file(void **state)
{
	struct encoder *enc = NULL;
	struct err e = { 0 };
	char path[300];
	int fd;

	path_of(path, sizeof(path), "wo.tif");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(encoder_open(DOC_TIFF, fd, NULL, &enc, &e), -EBADF);
	assert_non_null(strstr(e.msg, "read-write"));
	assert_null(enc);
	close(fd);
}

static void test_full_disk_is_reported(void **state)
{
	struct encoder_page pg = page_of(MFPSCAN_MODE_GRAY8);
	uint8_t lines[H * W];
	struct encoder *enc = NULL;
	struct err e = { 0 };
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0)
		skip();
	for (int f = DOC_PDF; f <= DOC_PNG; f++) {
		int r;

		assert_int_equal(encoder_open(f, fd, NULL, &enc, &e), 0);
		assert_int_equal(encoder_page_begin(enc, &pg, &e), 0);
		for (uint32_t y = 0; y < H; y++)
			pattern_fill_line(lines + y * W, 0, y, W);
		r = encoder_page_lines(enc, lines, H, &e);
		if (!r)
			r = encoder_page_end(enc, &e);
		if (!r)
			r = encoder_finish(enc, &e);
		assert_int_equal(r, -ENOSPC);
		assert_int_equal(e.cls, ERR_LOCAL);
		assert_non_null(strstr(e.msg, "no space left"));
		/* the document is over after a failure */
		assert_int_equal(encoder_finish(enc, &e), -EINVAL);
		encoder_free(enc);
	}
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_formats),
		cmocka_unit_test(test_png_round_trip),
		cmocka_unit_test(test_tiff_round_trip_multipage),
		cmocka_unit_test(test_jpeg_round_trip),
		cmocka_unit_test(test_pdf_flate_is_byte_exact),
		cmocka_unit_test(test_pdf_jpeg_and_auto),
		cmocka_unit_test(test_pdf_leaves_no_scratch_file),
		cmocka_unit_test(test_bad_call_order),
		cmocka_unit_test(test_bad_geometry),
		cmocka_unit_test(test_single_page_formats_refuse_page_two),
		cmocka_unit_test(test_tiff_needs_a_read_write_file),
		cmocka_unit_test(test_full_disk_is_reported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
