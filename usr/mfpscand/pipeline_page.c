// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_page: a scan's pages, each encoded as its bands arrive and
 * committed to the spool before the next band is read (see pipeline.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assemble.h"
#include "log.h"
#include "pipeline_int.h"

/* --- pages: each one durable before the next band is read ------------------ */

/* Drop the page being written (cancel, failure): it was never whole. */
void page_abandon(struct pipe *p)
{
	struct err e = { 0 };

	encoder_free(p->enc);
	p->enc = NULL;
	p->page_open = false;
	if (p->page_fd < 0)
		return;
	close(p->page_fd);
	p->page_fd = -1;
	if (spool_scan_page_discard(p->spool, p->uid, p->scan_id, p->pages + 1,
				    &e) < 0)
		log_msg(LOG_WARNING, "jobs: %s: %s", p->job->path, e.msg);
}

/*
 * Start page p->pages + 1 in the scan: a PDF or TIFF page is kept as a
 * lossless PNG fragment (assembled when reading ends), a JPEG or PNG page
 * is the document itself.
 */
static int page_begin(struct pipe *p, struct err *e)
{
	static const struct encoder_options frag = {
		.deflate_level = ASSEMBLE_FRAGMENT_LEVEL,
		.png_filter_none = true,
	};
	int r;

	r = spool_scan_page_create(p->spool, p->uid, p->scan_id, p->pages + 1,
				   &p->page_fd, e);
	if (r < 0) {
		p->page_fd = -1;
		return r;
	}
	r = encoder_open(p->multipage ? ASSEMBLE_FRAGMENT_FORMAT : p->fmt,
			 p->page_fd, p->multipage ? &frag : &p->eopt, &p->enc, e);
	if (r < 0)
		p->enc = NULL;
	if (r == 0)
		r = encoder_page_begin(p->enc, &p->pg, e);
	if (r < 0) {
		page_abandon(p);
		return r;
	}
	p->page_open = true;
	p->page_lines = 0;
	if (p->ocr)
		ocr_worker_page_begin(p->ocr, p->pages, p->pg.width_px,
				      p->pg.height_px, p->pg.dpi,
				      p->pg.color_mode);
	return 0;
}

/* The page is whole: written, synced and committed to the spool. */
static int page_commit(struct pipe *p, struct err *e)
{
	int r = encoder_page_end(p->enc, e);

	if (r == 0)
		r = encoder_finish(p->enc, e);
	if (r == 0)
		r = spool_scan_page_commit(p->spool, p->uid, p->scan_id,
					   p->pages + 1, p->page_fd, e);
	if (r < 0) {
		page_abandon(p);
		return r;
	}
	encoder_free(p->enc);
	p->enc = NULL;
	p->page_open = false;
	close(p->page_fd);
	p->page_fd = -1;
	p->pages++;
	return 0;
}

int page_lines(struct pipe *p, const struct band_view *v,
		      struct err *e)
{
	const struct mfpscan_band *h = v->hdr;
	int r;

	if (!p->page_open) {
		if (h->lines == 0)
			return 0;
		r = page_begin(p, e);
		if (r < 0)
			return r;
	}
	if (h->lines) {
		r = encoder_page_lines(p->enc, v->payload, h->lines, e);
		if (r < 0)
			return r;
		if (p->ocr)
			ocr_worker_page_lines(p->ocr, v->payload, h->lines,
					      h->bytes_per_line);
		p->page_lines += h->lines;
		atomic_fetch_add(&p->job->w_bytes_scanned, h->payload_bytes);
	}
	if (!(h->flags & MFPSCAN_BAND_PAGE_END))
		return 0;
	r = page_commit(p, e);
	if (r < 0)
		return r;
	if (p->ocr)
		ocr_worker_page_end(p->ocr);
	atomic_fetch_add(&p->job->w_pages, 1);
	post_progress(p, true);
	return 0;
}

/* Fill the open page with blank lines and commit it. */
static int page_fill_blank(struct pipe *p, struct err *e)
{
	uint32_t missing = p->pg.height_px - p->page_lines;
	uint8_t *blank = malloc(p->pg.bytes_per_line);
	int r = 0;

	if (!blank)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	memset(blank, p->pg.color_mode == MFPSCAN_MODE_MONO1 ? 0x00 : 0xff,
	       p->pg.bytes_per_line);
	for (uint32_t i = 0; r == 0 && i < missing; i++)
		r = encoder_page_lines(p->enc, blank, 1, e);
	free(blank);
	return r == 0 ? page_commit(p, e) : r;
}

/*
 * The engine stopped mid-document: keep what was read. A multi-page
 * document gets its incomplete page filled with blank lines (kept as a
 * partial document); a one-page format's incomplete page has nothing worth
 * keeping, and its whole pages are documents of their own.
 */
void keep_partial(struct pipe *p, const char *why)
{
	uint32_t done = p->pages, lines = p->page_lines;
	struct err e = { 0 };

	if (!p->multipage || !p->page_open) {
		page_abandon(p);
	} else if (page_fill_blank(p, &e) < 0) {
		log_msg(LOG_ERR, "jobs: %s: cannot keep the incomplete page: %s",
			p->job->path, e.msg);
	} else {
		msgf(p->partial_msg, sizeof(p->partial_msg),
		     "Partial document: %s. %u complete pages and the first %u of %u lines of page %u (the rest left blank) were kept; use Retry to upload it anyway, Open to save it, or Discard.",
		     why, done, lines, p->pg.height_px, done + 1);
	}
	if (!p->multipage || p->pages == 0)
		return;
	p->partial = true;
	if (!p->partial_msg[0])
		msgf(p->partial_msg, sizeof(p->partial_msg),
		     "Partial document: %s. The %u complete pages were kept; use Retry to upload them anyway, Open to save them, or Discard.",
		     why, p->pages);
}
