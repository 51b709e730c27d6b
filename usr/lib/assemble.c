// SPDX-License-Identifier: GPL-2.0
/*
 * assemble: decode PNG page fragments and re-encode them as one document
 * (see assemble.h). libpng reports errors by longjmp: everything a page
 * allocates lives in struct frag so that one cleanup path frees it.
 */
#include <errno.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>

#include "assemble.h"

struct frag {
	FILE *f;
	png_structp png;
	png_infop info;
	uint8_t *row;
	char msg[128];			/* libpng's words */
};

static void frag_error(png_structp png, png_const_charp msg)
{
	struct frag *fr = png_get_error_ptr(png);

	snprintf(fr->msg, sizeof(fr->msg), "%s", msg);
	png_longjmp(png, 1);
}

static void frag_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void frag_free(struct frag *fr)
{
	if (fr->png)
		png_destroy_read_struct(&fr->png, fr->info ? &fr->info : NULL, NULL);
	if (fr->f)
		fclose(fr->f);
	free(fr->row);
}

/* The page geometry of the fragment's header; false if not one of ours. */
static bool frag_page(struct frag *fr, uint32_t dpi, struct encoder_page *pg)
{
	int depth = png_get_bit_depth(fr->png, fr->info);
	int color = png_get_color_type(fr->png, fr->info);

	if (png_get_interlace_type(fr->png, fr->info) != PNG_INTERLACE_NONE)
		return false;
	if (color == PNG_COLOR_TYPE_RGB && depth == 8)
		pg->color_mode = MFPSCAN_MODE_RGB24;
	else if (color == PNG_COLOR_TYPE_GRAY && depth == 8)
		pg->color_mode = MFPSCAN_MODE_GRAY8;
	else if (color == PNG_COLOR_TYPE_GRAY && depth == 1)
		pg->color_mode = MFPSCAN_MODE_MONO1;
	else
		return false;
	pg->width_px = png_get_image_width(fr->png, fr->info);
	pg->height_px = png_get_image_height(fr->png, fr->info);
	pg->dpi = dpi;
	pg->bytes_per_line = encoder_bytes_per_line(pg->color_mode, pg->width_px);
	return pg->bytes_per_line != 0 &&
	       png_get_rowbytes(fr->png, fr->info) == pg->bytes_per_line;
}

/*
 * Open fragment @fd (taken over) for reading into @fr, its page into @pg.
 * Its setjmp() covers only the header: the caller sets its own before
 * reading rows (the frame of this one is gone when it returns).
 */
static int frag_open(struct frag *fr, int fd, uint32_t page, uint32_t dpi,
		     struct encoder_page *pg, struct err *e)
{
	fr->f = fdopen(fd, "rb");
	if (!fr->f) {
		close(fd);
		return err_set(e, ERR_LOCAL, errno, errno,
			       "assemble: page %u: %s", page, strerror(errno));
	}
	fr->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, fr, frag_error,
					 frag_warning);
	if (fr->png)
		fr->info = png_create_info_struct(fr->png);
	if (!fr->png || !fr->info)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "assemble: out of memory");
	if (setjmp(png_jmpbuf(fr->png)))
		return err_set(e, ERR_LOCAL, EIO, EIO,
			       "assemble: page %u is damaged: %s", page, fr->msg);
	png_init_io(fr->png, fr->f);
	png_read_info(fr->png, fr->info);
	if (!frag_page(fr, dpi, pg))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "assemble: page %u is not a page fragment of this program", page);
	return 0;
}

/* Feed one fragment, open at @fd (taken over), to @enc as its next page. */
static int assemble_page(struct encoder *enc, int fd, uint32_t page,
			 uint32_t dpi, struct err *e)
{
	struct frag fr = { 0 };
	struct encoder_page pg;
	volatile int r;			/* set after setjmp() */

	r = frag_open(&fr, fd, page, dpi, &pg, e);
	if (r == 0 && setjmp(png_jmpbuf(fr.png))) {
		frag_free(&fr);
		return err_set(e, ERR_LOCAL, EIO, EIO,
			       "assemble: page %u is damaged: %s", page, fr.msg);
	}
	/* The engine's 1 is black, PNG's 0: as encoder_png wrote it. */
	if (r == 0 && pg.color_mode == MFPSCAN_MODE_MONO1)
		png_set_invert_mono(fr.png);
	/* libpng leaves the bits past a mono row's last pixel alone: they
	 * start as 0, so the document does not depend on the heap. */
	if (r == 0) {
		fr.row = calloc(1, pg.bytes_per_line);
		if (!fr.row)
			r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "assemble: out of memory");
	}
	if (r == 0)
		r = encoder_page_begin(enc, &pg, e);
	for (uint32_t y = 0; r == 0 && y < pg.height_px; y++) {
		png_read_row(fr.png, fr.row, NULL);
		r = encoder_page_lines(enc, fr.row, 1, e);
	}
	if (r == 0)
		r = encoder_page_end(enc, e);
	frag_free(&fr);
	return r;
}

int assemble_page_gray(int fd, uint32_t page, uint8_t **gray, uint32_t *w,
		       uint32_t *h, struct err *e)
{
	struct frag fr = { 0 };
	struct encoder_page pg;
	uint8_t *volatile img = NULL;	/* freed after a longjmp */
	volatile int r;

	*gray = NULL;
	r = frag_open(&fr, fd, page, 0, &pg, e);
	if (r == 0 && setjmp(png_jmpbuf(fr.png)))
		r = err_set(e, ERR_LOCAL, EIO, EIO,
			    "assemble: page %u is damaged: %s", page, fr.msg);
	if (r == 0) {
		/* PNG's gray 0 is black (the fragment was written so). */
		if (pg.color_mode == MFPSCAN_MODE_MONO1)
			png_set_expand_gray_1_2_4_to_8(fr.png);
		else if (pg.color_mode == MFPSCAN_MODE_RGB24)
			png_set_rgb_to_gray_fixed(fr.png, 1, -1, -1);
		png_read_update_info(fr.png, fr.info);
		img = malloc((size_t)pg.width_px * pg.height_px);
		if (!img)
			r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "assemble: out of memory");
	}
	for (uint32_t y = 0; r == 0 && y < pg.height_px; y++)
		png_read_row(fr.png, img + (size_t)y * pg.width_px, NULL);
	frag_free(&fr);
	if (r < 0) {
		free(img);
		return r;
	}
	*gray = img;
	*w = pg.width_px;
	*h = pg.height_px;
	return 0;
}

int assemble_document(enum doc_format fmt, const struct encoder_options *opt,
		      int out_fd, uint32_t pages, uint32_t dpi,
		      assemble_open_fn open_page, void *ud,
		      uint32_t *text_slots, struct err *e)
{
	struct encoder *enc = NULL;
	int fd = -1, r;

	if (pages == 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "assemble: the scan has no finished page");
	r = encoder_open(fmt, out_fd, opt, &enc, e);
	for (uint32_t p = 1; r == 0 && p <= pages; p++) {
		r = open_page(ud, p, &fd, e);
		if (r == 0)
			r = assemble_page(enc, fd, p, dpi, e);
	}
	/* The text streams are known only before the encoder goes. */
	for (uint32_t p = 0; r == 0 && opt->text_layer && text_slots && p < pages; p++)
		text_slots[p] = encoder_text_slot(enc, p);
	if (r == 0)
		r = encoder_finish(enc, e);
	encoder_free(enc);
	return r;
}

struct scan_pages {
	struct spool *s;
	uid_t uid;
	const char *id;
};

static int scan_open_page(void *ud, uint32_t page, int *fd, struct err *e)
{
	struct scan_pages *sp = ud;

	return spool_scan_page_open(sp->s, sp->uid, sp->id, page, fd, e);
}

/* One document from every page, committed as entry @scan_id. */
static int assemble_one(struct spool *s, uid_t uid, const char *scan_id,
			uint32_t pages, struct ticket *t,
			const struct encoder_options *opt, uint32_t *text_slots,
			struct err *e)
{
	struct scan_pages sp = { s, uid, scan_id };
	struct encoder_options o = *opt;
	char path[SPOOL_PATH_MAX], dir[SPOOL_PATH_MAX], id[SPOOL_ID_MAX];
	int fmt = doc_format_from_name(t->format), fd, r;

	if (fmt < 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "assemble: unknown format \"%s\"", t->format);
	r = spool_scan_create_doc(s, uid, scan_id, &fd, path, sizeof(path), e);
	if (r < 0)
		return r;
	/* PDF's scratch file goes next to the document, in the spool. */
	snprintf(dir, sizeof(dir), "%s", path);
	o.tmpdir = dirname(dir);
	r = assemble_document((enum doc_format)fmt, &o, fd, pages, t->resolution,
			      scan_open_page, &sp, text_slots, e);
	t->pages = pages;
	if (r == 0)
		r = spool_commit(s, uid, path, t, id, e);
	close(fd);
	if (r < 0)
		(void)spool_discard_temp(s, uid, path, NULL);
	return r;
}

int assemble_scan(struct spool *s, uid_t uid, const char *scan_id,
		  uint32_t pages, const struct ticket *t,
		  const struct encoder_options *opt, assemble_name_fn name,
		  assemble_entry_fn entry, void *ud, uint32_t *text_slots,
		  struct err *e)
{
	int fmt = doc_format_from_name(t->format);
	char id[SPOOL_ID_MAX];
	struct ticket pt;
	int r = 0;

	if (fmt >= 0 && doc_format_is_multipage((enum doc_format)fmt) && pages) {
		pt = *t;
		pt.sha256[0] = '\0';
		r = assemble_one(s, uid, scan_id, pages, &pt, opt, text_slots, e);
		if (r == 0)
			entry(ud, 0, scan_id, &pt);
	} else {
		for (uint32_t p = pages; r == 0 && p >= 1; p--) {
			pt = *t;
			pt.pages = 1;
			pt.sha256[0] = '\0';
			name(ud, p, pt.remote_name, sizeof(pt.remote_name));
			r = spool_scan_commit_page(s, uid, scan_id, p, &pt, id, e);
			if (r == 0)
				entry(ud, p, id, &pt);
		}
	}
	if (r == 0)
		r = spool_scan_end(s, uid, scan_id, e);
	return r;
}
