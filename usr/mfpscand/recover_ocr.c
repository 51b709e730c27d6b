// SPDX-License-Identifier: GPL-2.0
/*
 * recover_ocr: the text layer of a PDF that recovery assembled from a cut
 * scan's pages (recover.c), when the scan asked for OCR (the ticket's
 * processing.ocr). A scan cut before assembly never reached the job's
 * ocr_worker, so the pages are recognized here from their fragments, one
 * at a time, within the configured [ocr] timeout for the whole document.
 * The rule is the normal job's (pipeline_upload.c, doc_add_text): the
 * image-only PDF is an entry first; the searchable copy replaces it only
 * once it is committed; any failure leaves the image-only entry, which is
 * uploaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "assemble.h"
#include "log.h"
#include "ocr.h"
#include "pdf_textlayer.h"
#include "recover_ocr.h"

/* Past the deadline (@ud: a time_t)? Tesseract polls it while it works. */
static bool past_deadline(void *ud)
{
	return time(NULL) >= *(const time_t *)ud;
}

/* Recognize fragment @page (from 1) of scan @scan_id into @out. */
static int ocr_fragment(struct ocr *o, struct spool *sp, uid_t uid,
			const char *scan_id, uint32_t page, uint32_t dpi,
			time_t *deadline, struct ocr_page *out,
			uint32_t *height, struct err *e)
{
	uint8_t *gray = NULL;
	uint32_t w, h;
	int fd, r;

	r = spool_scan_page_open(sp, uid, scan_id, page, &fd, e);
	if (r == 0)
		r = assemble_page_gray(fd, page, &gray, &w, &h, e);
	if (r == 0)
		r = ocr_recognize(o, gray, w, h, dpi, past_deadline, deadline, out, e);
	free(gray);
	if (r == -ECANCELED)
		return err_set(e, ERR_LOCAL, 0, ETIMEDOUT,
			       "OCR did not finish within the [ocr] timeout (page %u)", page);
	if (r == 0)
		*height = h;
	return r;
}

/* The words of every page into @tp (@words[i] owns them). */
static int ocr_pages(struct spool *sp, uid_t uid, const char *scan_id,
		     const struct ticket *t, const uint32_t *slots,
		     unsigned int timeout_s, struct pdf_text_page *tp,
		     struct ocr_page *words, struct err *e)
{
	time_t deadline = time(NULL) + (time_t)timeout_s;
	struct ocr *o = NULL;
	int r;

	r = ocr_new(t->ocr, &o, e);
	for (uint32_t i = 0; r == 0 && i < t->pages; i++) {
		tp[i].obj = slots[i];
		tp[i].dpi = t->resolution;
		r = ocr_fragment(o, sp, uid, scan_id, i + 1, t->resolution,
				 &deadline, &words[i], &tp[i].height_px, e);
		tp[i].words = words[i].n ? &words[i] : NULL;
	}
	ocr_free(o);
	return r;
}

/* The searchable copy of entry @id, committed as a new entry. */
static long write_copy(struct spool *sp, uid_t uid, const char *id,
		       const struct pdf_text_page *tp, struct ticket *t2,
		       char *id_out, struct err *e)
{
	char tmp[SPOOL_PATH_MAX];
	int in = -1, out = -1, r;
	long words = 0;

	r = spool_open_document(sp, uid, id, &in, e);
	if (r == 0)
		r = spool_create_temp(sp, uid, &out, tmp, sizeof(tmp), e);
	if (r == 0) {
		words = pdf_textlayer_write(in, out, tp, t2->pages, e);
		r = words < 0 ? (int)words : 0;
		t2->sha256[0] = '\0';	/* computed anew by the commit */
		if (r == 0)
			r = spool_commit(sp, uid, tmp, t2, id_out, e);
		close(out);
		if (r < 0)
			(void)spool_discard_temp(sp, uid, tmp, NULL);
	}
	if (in >= 0)
		close(in);
	return r < 0 ? r : words;
}

long recover_ocr(struct spool *sp, uid_t uid, const char *scan_id,
		 const char *id, const uint32_t *slots, unsigned int timeout_s,
		 struct ticket *t, char *id_out, struct err *e)
{
	struct pdf_text_page *tp = calloc(t->pages ? t->pages : 1, sizeof(*tp));
	struct ocr_page *words = calloc(t->pages ? t->pages : 1, sizeof(*words));
	struct ticket t2 = *t;
	struct err e2 = { 0 };
	long r;

	if (!tp || !words)
		r = err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	else
		r = ocr_pages(sp, uid, scan_id, t, slots, timeout_s, tp, words, e);
	if (r == 0)
		r = write_copy(sp, uid, id, tp, &t2, id_out, e);
	for (uint32_t i = 0; words && i < t->pages; i++)
		ocr_page_clear(&words[i]);
	free(words);
	free(tp);
	if (r < 0)
		return r;
	if (spool_remove(sp, uid, id, &e2) < 0)
		log_msg(LOG_ERR, "recover: image-only entry %u/%s stays beside %s: %s",
			(unsigned int)uid, id, id_out, e2.msg);
	*t = t2;
	return r;
}
