// SPDX-License-Identifier: GPL-2.0
/*
 * encoder_jpeg: JPEG documents with libjpeg-turbo, written scanline by
 * scanline as bands arrive (memory: libjpeg's few MCU rows plus a 64 KiB
 * output buffer). The same compressor, the "jpeg_sink", makes the DCTDecode
 * images of PDF pages. Mono is expanded to 8-bit gray: JPEG has no 1-bit
 * mode. libjpeg reports errors by calling error_exit, which must not
 * return: it longjmps back to the sink call that was running.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#include "encoder_backend.h"

#define JPEG_DEFAULT_QUALITY	85
#define JPEG_DEST_BYTES		(64 * 1024)
#define JPEG_ROWS_PER_CALL	32

struct jpeg_sink {
	struct jpeg_compress_struct cinfo;
	struct jpeg_error_mgr jerr;
	struct jpeg_destination_mgr dest;
	jmp_buf jmp;
	struct encoder_out *out;
	struct err werr;		/* a failed write inside libjpeg */
	bool write_failed;
	bool started;
	uint32_t width;
	uint32_t mode;
	uint8_t *gray;			/* one expanded mono line */
	uint8_t buf[JPEG_DEST_BYTES];
};

static void jpeg_sink_error_exit(j_common_ptr cinfo)
{
	struct jpeg_sink *js = (struct jpeg_sink *)cinfo->client_data;

	longjmp(js->jmp, 1);
}

static void jpeg_sink_silent(j_common_ptr cinfo)
{
	/* Warnings (e.g. "premature end") are not ours to print. */
}

static void jpeg_dest_init(j_compress_ptr cinfo)
{
	struct jpeg_sink *js = (struct jpeg_sink *)cinfo->client_data;

	js->dest.next_output_byte = js->buf;
	js->dest.free_in_buffer = sizeof(js->buf);
}

static boolean jpeg_dest_empty(j_compress_ptr cinfo)
{
	struct jpeg_sink *js = (struct jpeg_sink *)cinfo->client_data;

	/* libjpeg ignores free_in_buffer here: the whole buffer is full. */
	if (encoder_out_write(js->out, js->buf, sizeof(js->buf), &js->werr)) {
		js->write_failed = true;
		longjmp(js->jmp, 1);
	}
	jpeg_dest_init(cinfo);
	return TRUE;
}

static void jpeg_dest_term(j_compress_ptr cinfo)
{
	struct jpeg_sink *js = (struct jpeg_sink *)cinfo->client_data;
	size_t n = sizeof(js->buf) - js->dest.free_in_buffer;

	if (encoder_out_write(js->out, js->buf, n, &js->werr)) {
		js->write_failed = true;
		longjmp(js->jmp, 1);
	}
}

/* After a longjmp: the write error, or libjpeg's own message. */
static int jpeg_sink_fail(struct jpeg_sink *js, struct err *e)
{
	char msg[JMSG_LENGTH_MAX];

	if (js->write_failed) {
		if (e)
			*e = js->werr;
		return -(js->werr.code ? js->werr.code : EIO);
	}
	js->jerr.format_message((j_common_ptr)&js->cinfo, msg);
	return err_set(e, ERR_LOCAL, EIO, EIO, "JPEG encoder: %s", msg);
}

static void jpeg_sink_setup(struct jpeg_sink *js, const struct encoder_page *pg,
			    int quality)
{
	struct jpeg_compress_struct *c = &js->cinfo;

	c->image_width = pg->width_px;
	c->image_height = pg->height_px;
	c->input_components = pg->color_mode == MFPSCAN_MODE_RGB24 ? 3 : 1;
	c->in_color_space = pg->color_mode == MFPSCAN_MODE_RGB24 ?
			    JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, quality ? quality : JPEG_DEFAULT_QUALITY, TRUE);
	c->density_unit = 1;			/* dots per inch */
	c->X_density = (UINT16)pg->dpi;
	c->Y_density = (UINT16)pg->dpi;
}

int jpeg_sink_begin(struct encoder_out *out, const struct encoder_page *pg,
		    int quality, struct jpeg_sink **jsp, struct err *e)
{
	struct jpeg_sink *js = calloc(1, sizeof(*js));

	if (!js || (pg->color_mode == MFPSCAN_MODE_MONO1 &&
		    !(js->gray = malloc(pg->width_px)))) {
		free(js);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "JPEG encoder: out of memory");
	}
	js->out = out;
	js->width = pg->width_px;
	js->mode = pg->color_mode;
	js->cinfo.err = jpeg_std_error(&js->jerr);
	js->jerr.error_exit = jpeg_sink_error_exit;
	js->jerr.output_message = jpeg_sink_silent;
	if (setjmp(js->jmp)) {
		int r = jpeg_sink_fail(js, e);

		jpeg_sink_free(js);
		return r;
	}
	jpeg_create_compress(&js->cinfo);
	js->cinfo.client_data = js;
	js->started = true;
	js->dest.init_destination = jpeg_dest_init;
	js->dest.empty_output_buffer = jpeg_dest_empty;
	js->dest.term_destination = jpeg_dest_term;
	js->cinfo.dest = &js->dest;
	jpeg_sink_setup(js, pg, quality);
	jpeg_start_compress(&js->cinfo, TRUE);
	*jsp = js;
	return 0;
}

/* The work of jpeg_sink_lines(), apart from its setjmp(). */
static void jpeg_sink_write(struct jpeg_sink *js, const uint8_t *lines,
			    uint32_t n)
{
	uint32_t bpl = encoder_bytes_per_line(js->mode, js->width);
	JSAMPROW rows[JPEG_ROWS_PER_CALL];

	while (n) {
		uint32_t k = n < JPEG_ROWS_PER_CALL ? n : JPEG_ROWS_PER_CALL;

		if (js->mode == MFPSCAN_MODE_MONO1) {
			encoder_mono_to_gray(lines, js->gray, js->width);
			rows[0] = js->gray;
			k = 1;
		} else {
			/* libjpeg only reads input rows; the cast is safe. */
			for (uint32_t i = 0; i < k; i++)
				rows[i] = (JSAMPROW)(lines + (size_t)i * bpl);
		}
		jpeg_write_scanlines(&js->cinfo, rows, k);
		lines += (size_t)k * bpl;
		n -= k;
	}
}

int jpeg_sink_lines(struct jpeg_sink *js, const uint8_t *lines, uint32_t n,
		    struct err *e)
{
	if (setjmp(js->jmp))
		return jpeg_sink_fail(js, e);
	jpeg_sink_write(js, lines, n);
	return 0;
}

int jpeg_sink_end(struct jpeg_sink *js, struct err *e)
{
	if (setjmp(js->jmp))
		return jpeg_sink_fail(js, e);
	jpeg_finish_compress(&js->cinfo);
	return 0;
}

void jpeg_sink_free(struct jpeg_sink *js)
{
	if (!js)
		return;
	if (js->started)
		jpeg_destroy_compress(&js->cinfo);
	free(js->gray);
	free(js);
}

/* --- the JPEG document format ----------------------------------------- */

struct jpeg_doc {
	struct encoder_out out;
	struct jpeg_sink *js;
	int quality;
};

static int jpeg_doc_open(int fd, const struct encoder_options *opt,
			 void **priv, struct err *e)
{
	struct jpeg_doc *d = malloc(sizeof(*d));

	if (!d)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "JPEG encoder: out of memory");
	encoder_out_init(&d->out, fd);
	d->js = NULL;
	d->quality = opt->jpeg_quality;
	*priv = d;
	return 0;
}

static int jpeg_doc_page_begin(void *priv, const struct encoder_page *pg,
			       struct err *e)
{
	struct jpeg_doc *d = priv;

	return jpeg_sink_begin(&d->out, pg, d->quality, &d->js, e);
}

static int jpeg_doc_page_lines(void *priv, const uint8_t *lines, uint32_t n,
			       struct err *e)
{
	struct jpeg_doc *d = priv;

	return jpeg_sink_lines(d->js, lines, n, e);
}

static int jpeg_doc_page_end(void *priv, struct err *e)
{
	struct jpeg_doc *d = priv;
	int r = jpeg_sink_end(d->js, e);

	jpeg_sink_free(d->js);
	d->js = NULL;
	return r ? r : encoder_out_flush(&d->out, e);
}

static int jpeg_doc_finish(void *priv, struct err *e)
{
	struct jpeg_doc *d = priv;

	return encoder_out_flush(&d->out, e);
}

static uint64_t jpeg_doc_bytes(void *priv)
{
	struct jpeg_doc *d = priv;

	return d->out.written + d->out.used;
}

static void jpeg_doc_free(void *priv)
{
	struct jpeg_doc *d = priv;

	jpeg_sink_free(d->js);
	free(d);
}

const struct encoder_backend encoder_jpeg_backend = {
	.open = jpeg_doc_open,
	.page_begin = jpeg_doc_page_begin,
	.page_lines = jpeg_doc_page_lines,
	.page_end = jpeg_doc_page_end,
	.finish = jpeg_doc_finish,
	.bytes_written = jpeg_doc_bytes,
	.free = jpeg_doc_free,
};
