// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-verify: prove that a document (or a raw page stream) holds
 * exactly the sim engine's pages (MFPSCAN_PATTERN). Lossless images (PNG,
 * TIFF, PDF Flate images, raw) must match byte for byte - for mono, every
 * pixel bit - and the first mismatch is reported; lossy ones (JPEG, PDF
 * DCT images) must stay within a mean absolute error. Each format is
 * decoded with its own library (libpng, libtiff, libjpeg); PDF structure
 * and image streams come from qpdf (the same tool that judges validity).
 *
 * Exit status: 0 verified, 1 mismatch or invalid document, 2 usage or I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jpeglib.h>
#include <json-c/json.h>
#include <png.h>
#include <tiffio.h>

#include <linux/types.h>
#include <linux/mfpscan.h>

#include "pattern.h"
#include "scan_params.h"

extern char **environ;

enum vfmt { V_PDF, V_JPEG, V_PNG, V_TIFF, V_RAW, V_AUTO };

struct vopts {
	enum vfmt fmt;
	int expect_pages;		/* -1: any */
	uint32_t first_page;
	double tolerance;		/* mean absolute error, lossy only */
	int raw_mode;			/* raw stream geometry */
	uint32_t raw_width, raw_height;
	const char *path;
};

/* One page image being compared, row by row. */
struct vpage {
	uint32_t page;			/* pattern page index */
	uint32_t width, height, mode;
	bool lossy;
	uint64_t abs_sum, samples;
	uint32_t abs_max;
};

struct vstate {
	const struct vopts *o;
	uint32_t pages;
	bool failed;
	double worst_mae;
	char why[512];
};

__attribute__((format(printf, 2, 3)))
static bool v_fail(struct vstate *vs, const char *fmt, ...)
{
	va_list ap;

	if (!vs->failed) {
		va_start(ap, fmt);
		vsnprintf(vs->why, sizeof(vs->why), fmt, ap);
		va_end(ap);
	}
	vs->failed = true;
	return false;
}

static uint32_t v_row_bytes(uint32_t mode, uint32_t width)
{
	return mode == MFPSCAN_MODE_MONO1 ? (width + 7) / 8 :
	       mode == MFPSCAN_MODE_RGB24 ? 3 * width : width;
}

/* Lossless row: every byte (mono: every pixel bit) as the formula says. */
static bool v_row_exact(struct vstate *vs, const struct vpage *pg, uint32_t y,
			const uint8_t *row)
{
	uint32_t b = pg->mode == MFPSCAN_MODE_MONO1 ?
		     pattern_first_mismatch_bits(row, pg->page, y, pg->width) :
		     pattern_first_mismatch(row, pg->page, y,
					    v_row_bytes(pg->mode, pg->width));

	if (b == PATTERN_MATCH)
		return true;
	return v_fail(vs, "page %u (pattern page %u) line %u byte %u: got 0x%02x, expected 0x%02x",
		      vs->pages + 1, pg->page, y, b, row[b],
		      pattern_byte(pg->page, y, b));
}

/* Lossy row of 8-bit samples (mono decoded as gray 0 = black). */
static void v_row_lossy(struct vpage *pg, uint32_t y, const uint8_t *row)
{
	uint32_t n = pg->mode == MFPSCAN_MODE_RGB24 ? 3 * pg->width : pg->width;

	for (uint32_t i = 0; i < n; i++) {
		int want;

		if (pg->mode == MFPSCAN_MODE_MONO1)
			want = (pattern_byte(pg->page, y, i / 8) & (0x80 >> (i % 8))) ? 0 : 255;
		else
			want = pattern_byte(pg->page, y, i);
		uint32_t d = (uint32_t)abs((int)row[i] - want);

		pg->abs_sum += d;
		if (d > pg->abs_max)
			pg->abs_max = d;
	}
	pg->samples += n;
}

static bool v_page_done(struct vstate *vs, struct vpage *pg)
{
	double mae;

	vs->pages++;
	if (!pg->lossy || !pg->samples)
		return !vs->failed;
	mae = (double)pg->abs_sum / (double)pg->samples;
	if (mae > vs->worst_mae)
		vs->worst_mae = mae;
	if (mae > vs->o->tolerance)
		return v_fail(vs, "page %u (pattern page %u): mean absolute error %.2f exceeds %.2f (max %u)",
			      vs->pages, pg->page, mae, vs->o->tolerance,
			      pg->abs_max);
	return true;
}

static void v_page_init(struct vpage *pg, const struct vstate *vs,
			uint32_t w, uint32_t h, uint32_t mode, bool lossy)
{
	memset(pg, 0, sizeof(*pg));
	pg->page = vs->o->first_page + vs->pages;
	pg->width = w;
	pg->height = h;
	pg->mode = mode;
	pg->lossy = lossy;
}

/* --- raw ------------------------------------------------------------- */

static int v_raw(struct vstate *vs, FILE *f)
{
	const struct vopts *o = vs->o;
	uint32_t rb = v_row_bytes(o->raw_mode, o->raw_width);
	uint8_t *row = malloc(rb);
	struct vpage pg;
	size_t n;

	if (!row)
		return -ENOMEM;
	for (;;) {
		v_page_init(&pg, vs, o->raw_width, o->raw_height, o->raw_mode, false);
		for (uint32_t y = 0; y < pg.height; y++) {
			n = fread(row, 1, rb, f);
			if (n == 0 && y == 0)
				goto out;
			if (n != rb) {
				v_fail(vs, "raw stream ends inside page %u line %u",
				       vs->pages + 1, y);
				goto out;
			}
			if (!v_row_exact(vs, &pg, y, row))
				goto out;
		}
		v_page_done(vs, &pg);
	}
out:
	free(row);
	return 0;
}

/* --- PNG -------------------------------------------------------------- */

static void v_png_error(png_structp png, png_const_charp msg)
{
	struct vstate *vs = png_get_error_ptr(png);

	v_fail(vs, "PNG: %s", msg);
	png_longjmp(png, 1);
}

static void v_png_warning(png_structp png, png_const_charp msg)
{
}

static bool v_png_mode(png_structp png, png_infop info, uint32_t *mode)
{
	int ct = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);

	if (ct == PNG_COLOR_TYPE_GRAY && depth == 1) {
		png_set_invert_mono(png);	/* back to 1 = black */
		*mode = MFPSCAN_MODE_MONO1;
	} else if (ct == PNG_COLOR_TYPE_GRAY && depth == 8) {
		*mode = MFPSCAN_MODE_GRAY8;
	} else if (ct == PNG_COLOR_TYPE_RGB && depth == 8) {
		*mode = MFPSCAN_MODE_RGB24;
	} else {
		return false;
	}
	return true;
}

static void v_png_rows(struct vstate *vs, png_structp png, png_infop info,
		       uint8_t *row)
{
	struct vpage pg;
	uint32_t mode = 0;

	if (!v_png_mode(png, info, &mode)) {
		v_fail(vs, "PNG: unexpected color type %d / depth %d",
		       png_get_color_type(png, info), png_get_bit_depth(png, info));
		return;
	}
	v_page_init(&pg, vs, png_get_image_width(png, info),
		    png_get_image_height(png, info), mode, false);
	png_read_update_info(png, info);
	for (uint32_t y = 0; y < pg.height; y++) {
		png_read_row(png, row, NULL);
		if (!v_row_exact(vs, &pg, y, row))
			return;
	}
	png_read_end(png, NULL);
	v_page_done(vs, &pg);
}

static int v_png(struct vstate *vs, FILE *f)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, vs,
						 v_png_error, v_png_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *volatile row = NULL;

	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return -ENOMEM;
	}
	if (!setjmp(png_jmpbuf(png))) {
		png_init_io(png, f);
		png_read_info(png, info);
		row = malloc(png_get_rowbytes(png, info) * 2 + 16);
		if (row)
			v_png_rows(vs, png, info, row);
	}
	free(row);
	png_destroy_read_struct(&png, &info, NULL);
	return 0;
}

/* --- JPEG ------------------------------------------------------------- */

struct v_jpeg {
	struct jpeg_error_mgr jerr;
	jmp_buf jmp;
	struct vstate *vs;
};

static void v_jpeg_error(j_common_ptr c)
{
	struct v_jpeg *j = (struct v_jpeg *)c->err;
	char msg[JMSG_LENGTH_MAX];

	c->err->format_message(c, msg);
	v_fail(j->vs, "JPEG: %s", msg);
	longjmp(j->jmp, 1);
}

/*
 * One component is gray or mono expanded to gray: unless --mode says which,
 * compare with both and keep the reading that matches better.
 */
static void v_jpeg_rows(struct vstate *vs, struct jpeg_decompress_struct *c,
			uint8_t *row)
{
	bool one = c->output_components == 1;
	int forced = vs->o->raw_mode;
	struct vpage pg, mono;

	v_page_init(&pg, vs, c->output_width, c->output_height,
		    one ? MFPSCAN_MODE_GRAY8 : MFPSCAN_MODE_RGB24, true);
	v_page_init(&mono, vs, c->output_width, c->output_height,
		    MFPSCAN_MODE_MONO1, true);
	while (c->output_scanline < c->output_height) {
		uint32_t y = c->output_scanline;

		jpeg_read_scanlines(c, &row, 1);
		if (!one || forced != MFPSCAN_MODE_MONO1)
			v_row_lossy(&pg, y, row);
		if (one && forced != MFPSCAN_MODE_GRAY8)
			v_row_lossy(&mono, y, row);
	}
	jpeg_finish_decompress(c);
	if (one && (forced == MFPSCAN_MODE_MONO1 ||
		    (forced < 0 && mono.abs_sum < pg.abs_sum)))
		pg = mono;
	v_page_done(vs, &pg);
}

static int v_jpeg(struct vstate *vs, FILE *f)
{
	struct jpeg_decompress_struct c;
	struct v_jpeg j = { .vs = vs };
	uint8_t *volatile row = NULL;

	c.err = jpeg_std_error(&j.jerr);
	j.jerr.error_exit = v_jpeg_error;
	jpeg_create_decompress(&c);
	if (!setjmp(j.jmp)) {
		jpeg_stdio_src(&c, f);
		jpeg_read_header(&c, TRUE);
		jpeg_start_decompress(&c);
		row = malloc((size_t)c.output_width * c.output_components);
		if (row)
			v_jpeg_rows(vs, &c, row);
	}
	free(row);
	jpeg_destroy_decompress(&c);
	return 0;
}

/* --- TIFF ------------------------------------------------------------- */

__attribute__((format(printf, 4, 0)))
static int v_tiff_error(TIFF *t, void *user, const char *module,
			const char *fmt, va_list ap)
{
	struct vstate *vs = user;
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	v_fail(vs, "TIFF: %s", msg);
	return 1;
}

__attribute__((format(printf, 4, 0)))
static int v_tiff_warning(TIFF *t, void *user, const char *module,
			  const char *fmt, va_list ap)
{
	return 1;
}

static bool v_tiff_mode(struct vstate *vs, TIFF *t, uint32_t *mode,
			bool *invert)
{
	uint16_t bps = 0, spp = 1, photo = 0;

	TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
	TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo);
	*invert = false;
	if (bps == 1 && spp == 1 && (photo == PHOTOMETRIC_MINISWHITE ||
				     photo == PHOTOMETRIC_MINISBLACK)) {
		*mode = MFPSCAN_MODE_MONO1;
		*invert = photo == PHOTOMETRIC_MINISBLACK;	/* 1 = white */
	} else if (bps == 8 && spp == 1 && photo == PHOTOMETRIC_MINISBLACK) {
		*mode = MFPSCAN_MODE_GRAY8;
	} else if (bps == 8 && spp == 3 && photo == PHOTOMETRIC_RGB) {
		*mode = MFPSCAN_MODE_RGB24;
	} else {
		return v_fail(vs, "TIFF page %u: unexpected %u bits x %u samples, photometric %u",
			      vs->pages + 1, bps, spp, photo);
	}
	return true;
}

static bool v_tiff_page(struct vstate *vs, TIFF *t)
{
	uint32_t w = 0, h = 0, mode = 0;
	struct vpage pg;
	bool invert;
	uint8_t *row;

	TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
	TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
	if (!v_tiff_mode(vs, t, &mode, &invert))
		return false;
	v_page_init(&pg, vs, w, h, mode, false);
	row = malloc((size_t)TIFFScanlineSize(t) + 16);
	if (!row)
		return v_fail(vs, "out of memory");
	for (uint32_t y = 0; y < h && !vs->failed; y++) {
		if (TIFFReadScanline(t, row, y, 0) < 0) {
			v_fail(vs, "TIFF page %u line %u unreadable", vs->pages + 1, y);
			break;
		}
		for (uint32_t i = 0; invert && i < (w + 7) / 8; i++)
			row[i] = (uint8_t)~row[i];
		v_row_exact(vs, &pg, y, row);
	}
	free(row);
	return v_page_done(vs, &pg);
}

static int v_tiff(struct vstate *vs)
{
	TIFFOpenOptions *to = TIFFOpenOptionsAlloc();
	TIFF *t;

	if (!to)
		return -ENOMEM;
	TIFFOpenOptionsSetErrorHandlerExtR(to, v_tiff_error, vs);
	TIFFOpenOptionsSetWarningHandlerExtR(to, v_tiff_warning, vs);
	t = TIFFOpenExt(vs->o->path, "r", to);
	TIFFOpenOptionsFree(to);
	if (!t) {
		v_fail(vs, "TIFF: cannot open the file");
		return 0;
	}
	do {
		if (!v_tiff_page(vs, t))
			break;
	} while (TIFFReadDirectory(t));
	TIFFClose(t);
	return 0;
}

/* --- PDF (through qpdf) ---------------------------------------------- */

/* Run qpdf with @argv; its stdout comes back as a FILE. */
static FILE *v_qpdf(char *const argv[], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int p[2];
	FILE *f;

	if (pipe2(p, O_CLOEXEC))
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (posix_spawnp(pid, "qpdf", &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	f = fdopen(p[0], "r");
	if (!f)
		close(p[0]);
	return f;
}

/* Close qpdf's output and reap it; true when it exited 0. */
static bool v_qpdf_end(FILE *f, pid_t pid)
{
	int st;

	/* Drain: qpdf must not die of SIGPIPE before we read its status. */
	while (fgetc(f) != EOF)
		;
	fclose(f);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

static json_object *v_pdf_pages(struct vstate *vs)
{
	char *argv[] = { "qpdf", "--json=2", "--json-key=pages",
			 (char *)vs->o->path, NULL };
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	json_object *j = NULL;
	pid_t pid;
	FILE *f = buf ? v_qpdf(argv, &pid) : NULL;

	if (!f) {
		free(buf);
		v_fail(vs, "PDF: cannot run qpdf");
		return NULL;
	}
	for (size_t n; (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	if (v_qpdf_end(f, pid))
		j = json_tokener_parse(buf);
	else
		v_fail(vs, "PDF: qpdf cannot read the document");
	free(buf);
	return j;
}

static const char *v_json_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static int v_json_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : -1;
}

/* The image's own dictionary must say /Decode [ 1 0 ] for mono. */
static bool v_pdf_decode_ok(struct vstate *vs, int obj)
{
	char id[32];
	char line[4096];
	bool ok = false;
	pid_t pid;
	FILE *f;

	snprintf(id, sizeof(id), "--show-object=%d", obj);
	char *argv[] = { "qpdf", id, (char *)vs->o->path, NULL };

	f = v_qpdf(argv, &pid);
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/Decode [ 1 0 ]"))
			ok = true;
	return v_qpdf_end(f, pid) && ok;
}

static bool v_pdf_image_mode(struct vstate *vs, json_object *img,
			     uint32_t *mode)
{
	const char *cs = v_json_str(img, "colorspace");
	int bpc = v_json_int(img, "bitspercomponent");

	if (bpc == 1 && cs && !strcmp(cs, "/DeviceGray"))
		*mode = MFPSCAN_MODE_MONO1;
	else if (bpc == 8 && cs && !strcmp(cs, "/DeviceGray"))
		*mode = MFPSCAN_MODE_GRAY8;
	else if (bpc == 8 && cs && !strcmp(cs, "/DeviceRGB"))
		*mode = MFPSCAN_MODE_RGB24;
	else
		return v_fail(vs, "PDF page %u: image is %d bits in %s",
			      vs->pages + 1, bpc, cs ? cs : "no color space");
	return true;
}

static bool v_pdf_is_dct(json_object *img)
{
	json_object *filters, *f;

	if (!json_object_object_get_ex(img, "filter", &filters))
		return false;
	for (size_t i = 0; i < json_object_array_length(filters); i++) {
		f = json_object_array_get_idx(filters, i);
		if (!strcmp(json_object_get_string(f), "/DCTDecode"))
			return true;
	}
	return false;
}

/* Stream the decoded image data of object @obj through the checker. */
static bool v_pdf_image_rows(struct vstate *vs, struct vpage *pg, int obj)
{
	char id[32];
	uint32_t rb = pg->lossy && pg->mode == MFPSCAN_MODE_MONO1 ? pg->width :
		      v_row_bytes(pg->mode, pg->width);
	uint8_t *row = malloc(rb);
	pid_t pid;
	FILE *f;
	bool ok = true;

	snprintf(id, sizeof(id), "--show-object=%d", obj);
	char *argv[] = { "qpdf", id, "--filtered-stream-data",
			 "--decode-level=all", (char *)vs->o->path, NULL };
	f = row ? v_qpdf(argv, &pid) : NULL;
	if (!f) {
		free(row);
		return v_fail(vs, "PDF: cannot run qpdf");
	}
	for (uint32_t y = 0; ok && y < pg->height; y++) {
		if (fread(row, 1, rb, f) != rb)
			ok = v_fail(vs, "PDF page %u: image data ends at line %u",
				    vs->pages + 1, y);
		else if (pg->lossy)
			v_row_lossy(pg, y, row);
		else
			ok = v_row_exact(vs, pg, y, row);
	}
	free(row);
	if (!v_qpdf_end(f, pid) && ok)
		ok = v_fail(vs, "PDF page %u: qpdf cannot decode the image",
			    vs->pages + 1);
	return ok;
}

static bool v_pdf_page(struct vstate *vs, json_object *page)
{
	json_object *imgs, *img;
	struct vpage pg;
	uint32_t mode = 0;
	int obj;

	if (!json_object_object_get_ex(page, "images", &imgs) ||
	    json_object_array_length(imgs) != 1)
		return v_fail(vs, "PDF page %u: expected exactly one image",
			      vs->pages + 1);
	img = json_object_array_get_idx(imgs, 0);
	if (!v_pdf_image_mode(vs, img, &mode))
		return false;
	if (sscanf(v_json_str(img, "object") ?: "", "%d", &obj) != 1)
		return v_fail(vs, "PDF page %u: no image object", vs->pages + 1);
	if (mode == MFPSCAN_MODE_MONO1 && !v_pdf_decode_ok(vs, obj))
		return v_fail(vs, "PDF page %u: mono image without /Decode [1 0] would show inverted",
			      vs->pages + 1);
	v_page_init(&pg, vs, (uint32_t)v_json_int(img, "width"),
		    (uint32_t)v_json_int(img, "height"), mode, v_pdf_is_dct(img));
	if (pg.lossy && mode == MFPSCAN_MODE_MONO1)
		return v_fail(vs, "PDF page %u: mono stored lossy", vs->pages + 1);
	return v_pdf_image_rows(vs, &pg, obj) && v_page_done(vs, &pg);
}

static int v_pdf(struct vstate *vs)
{
	json_object *j = v_pdf_pages(vs), *pages;

	if (!j) {
		v_fail(vs, "PDF: qpdf gave no page list");
		return 0;
	}
	if (json_object_object_get_ex(j, "pages", &pages))
		for (size_t i = 0; i < json_object_array_length(pages); i++)
			if (!v_pdf_page(vs, json_object_array_get_idx(pages, i)))
				break;
	json_object_put(j);
	return 0;
}

/* --- main ------------------------------------------------------------- */

static enum vfmt v_sniff(FILE *f)
{
	uint8_t m[8] = { 0 };
	size_t n = fread(m, 1, sizeof(m), f);

	rewind(f);
	if (n >= 4 && !memcmp(m, "%PDF", 4))
		return V_PDF;
	if (n >= 3 && m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff)
		return V_JPEG;
	if (n >= 8 && !memcmp(m, "\x89PNG\r\n\x1a\n", 8))
		return V_PNG;
	if (n >= 4 && (!memcmp(m, "II*\0", 4) || !memcmp(m, "MM\0*", 4)))
		return V_TIFF;
	return V_AUTO;
}

static void v_usage(FILE *f)
{
	fputs("usage: mfpscan-verify [--format pdf|jpeg|png|tiff|raw] [--pages N]\n"
	      "         [--first-page P] [--tolerance MAE] FILE\n"
	      "       mfpscan-verify --format raw --mode mono|gray|color\n"
	      "         --width-px W --height-px H [--pages N] FILE\n"
	      "Checks FILE against the sim engine's pattern; page 1 of FILE is\n"
	      "pattern page P (default 0). A one-component JPEG is compared as gray\n"
	      "and as a mono scan (--mode picks one). Lossy images pass with a mean\n"
	      "absolute error <= MAE (default 6).\n", f);
}

static int v_parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int v_parse_format(const char *s, enum vfmt *f)
{
	static const char *const names[] = { "pdf", "jpeg", "png", "tiff", "raw" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			*f = (enum vfmt)i;
			return 0;
		}
	return -1;
}

static int v_parse(int argc, char **argv, struct vopts *o)
{
	static const struct option lo[] = {
		{ "format", 1, NULL, 'f' }, { "pages", 1, NULL, 'n' },
		{ "first-page", 1, NULL, 'p' }, { "tolerance", 1, NULL, 't' },
		{ "mode", 1, NULL, 'm' }, { "width-px", 1, NULL, 'w' },
		{ "height-px", 1, NULL, 'h' }, { "help", 0, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t n;
	char *end;
	int c, bad;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': bad = v_parse_format(optarg, &o->fmt); break;
		case 'n': bad = v_parse_u32(optarg, &n); o->expect_pages = (int)n; break;
		case 'p': bad = v_parse_u32(optarg, &o->first_page); break;
		case 't': o->tolerance = strtod(optarg, &end); bad = *end || end == optarg; break;
		case 'm': bad = (o->raw_mode = scan_mode_from_name(optarg)) < 0; break;
		case 'w': bad = v_parse_u32(optarg, &o->raw_width); break;
		case 'h': bad = v_parse_u32(optarg, &o->raw_height); break;
		case 'H': v_usage(stdout); exit(0);
		default: return -1;
		}
		if (bad)
			return -1;
	}
	if (optind + 1 != argc)
		return -1;
	o->path = argv[optind];
	if (o->fmt == V_RAW && (o->raw_mode < 0 || !o->raw_width || !o->raw_height))
		return -1;
	return 0;
}

static int v_run(struct vstate *vs, FILE *f)
{
	switch (vs->o->fmt) {
	case V_PDF: return v_pdf(vs);
	case V_JPEG: return v_jpeg(vs, f);
	case V_PNG: return v_png(vs, f);
	case V_TIFF: return v_tiff(vs);
	case V_RAW: return v_raw(vs, f);
	default: return -EINVAL;
	}
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "pdf", "jpeg", "png", "tiff", "raw" };
	struct vopts o = { .fmt = V_AUTO, .expect_pages = -1, .tolerance = 6.0,
			   .raw_mode = -1 };
	struct vstate vs = { .o = &o };
	FILE *f;

	if (v_parse(argc, argv, &o)) {
		v_usage(stderr);
		return 2;
	}
	f = fopen(o.path, "rb");
	if (!f) {
		fprintf(stderr, "mfpscan-verify: %s: %s\n", o.path, strerror(errno));
		return 2;
	}
	if (o.fmt == V_AUTO && (o.fmt = v_sniff(f)) == V_AUTO) {
		fprintf(stderr, "mfpscan-verify: %s: not a PDF, JPEG, PNG or TIFF file (use --format raw for raw pages)\n",
			o.path);
		fclose(f);
		return 2;
	}
	if (v_run(&vs, f) < 0)
		v_fail(&vs, "out of memory");
	fclose(f);
	if (!vs.failed && vs.pages == 0)
		v_fail(&vs, "no page found");
	if (!vs.failed && o.expect_pages >= 0 && vs.pages != (uint32_t)o.expect_pages)
		v_fail(&vs, "%u pages, expected %d", vs.pages, o.expect_pages);
	if (vs.failed) {
		fprintf(stderr, "mfpscan-verify: %s: %s\n", o.path, vs.why);
		return 1;
	}
	printf("%s: %s, %u page%s, %s", o.path, names[o.fmt], vs.pages,
	       vs.pages == 1 ? "" : "s", vs.worst_mae > 0 ? "" : "byte-exact\n");
	if (vs.worst_mae > 0)
		printf("within tolerance (worst mean abs error %.2f)\n", vs.worst_mae);
	return 0;
}
