// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_upload: each entry made from the scan is uploaded, with its
 * OCR text layer first if asked (see pipeline.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "pdf_textlayer.h"
#include "pipeline_int.h"

/* --- uploading ------------------------------------------------------------ */

static int upload_progress(void *ud, uint64_t sent, uint64_t total)
{
	struct pipe *p = ud;

	atomic_store(&p->job->w_bytes_uploaded, p->uploaded_before + sent);
	post_progress(p, false);
	return atomic_load(&p->job->cancel) != JOB_CANCEL_NONE;
}

/* One attempt of entry @doc; the descriptor is the spool's. */
static void doc_attempt(struct pipe *p, struct doc *doc, struct attempt *a)
{
	int fd = -1;

	memset(a, 0, sizeof(*a));
	if (spool_open_document(p->spool, p->uid, doc->id, &fd, &a->e) < 0)
		return;
	attempt_upload(&p->job->dest, &doc->t, fd, upload_progress, p,
		       p->spool, doc->id, a);
	close(fd);
}

/* Cancel() or shutdown: stop waiting for OCR (@ud: the job). */
static bool job_stopping(void *ud)
{
	struct job *job = ud;

	return atomic_load(&job->cancel) != JOB_CANCEL_NONE;
}

/* Each page's text stream and words, for pdf_textlayer. */
static struct pdf_text_page *ocr_pages(struct pipe *p, const struct doc *doc,
				       uint32_t *with_text)
{
	uint32_t pages = doc->t.pages;
	struct pdf_text_page *tp = calloc(pages, sizeof(*tp));

	for (uint32_t i = 0; tp && i < pages; i++) {
		tp[i].obj = doc->text_slots[i];
		tp[i].dpi = p->pg.dpi;
		tp[i].height_px = p->pg.height_px;
		tp[i].words = ocr_worker_words(p->ocr, i);
		*with_text += tp[i].words != NULL;
	}
	return tp;
}

/* The searchable copy of entry @doc in a new spool temp file (@fd, @tmp). */
static int ocr_write_copy(struct pipe *p, struct doc *doc, int *fd, char *tmp,
			  long *words, uint32_t *with_text, struct err *e)
{
	struct pdf_text_page *tp = ocr_pages(p, doc, with_text);
	int in = -1, r;

	if (!tp)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	r = spool_open_document(p->spool, p->uid, doc->id, &in, e);
	if (r == 0)
		r = spool_create_temp(p->spool, p->uid, fd, tmp, SPOOL_PATH_MAX, e);
	if (r == 0) {
		*words = pdf_textlayer_write(in, *fd, tp, doc->t.pages, e);
		r = *words < 0 ? (int)*words : 0;
		if (r < 0) {
			close(*fd);
			spool_discard_temp(p->spool, p->uid, tmp, NULL);
		}
	}
	if (in >= 0)
		close(in);
	free(tp);
	return r;
}

/*
 * The image-only PDF assembled from the pages is entry @doc (safe): wait
 * for OCR at most the configured time, then make the searchable copy the
 * entry instead. On any failure the image-only entry simply stays, and
 * the job says why.
 */
static void doc_add_text(struct pipe *p, struct doc *doc)
{
	uint32_t timeout_ms = p->j->d->config->ocr_timeout_s * 1000;
	char tmp[SPOOL_PATH_MAX], id2[SPOOL_ID_MAX];
	uint32_t with_text = 0;
	struct ticket t2 = doc->t;
	struct err e = { 0 };
	long words = 0;
	int fd = -1;

	if (!p->ocr || !doc->text_slots || doc->t.partial)
		return;
	if (ocr_worker_finish(p->ocr, timeout_ms, job_stopping, p->job, &e) < 0 ||
	    ocr_write_copy(p, doc, &fd, tmp, &words, &with_text, &e) < 0)
		goto image_only;
	t2.sha256[0] = '\0';		/* computed anew by the commit */
	if (spool_commit(p->spool, p->uid, tmp, &t2, id2, &e) < 0) {
		close(fd);
		spool_discard_temp(p->spool, p->uid, tmp, NULL);
		goto image_only;
	}
	close(fd);
	if (spool_remove(p->spool, p->uid, doc->id, &e) < 0)
		log_msg(LOG_ERR, "jobs: %s: image-only entry %s stays beside %s: %s",
			p->job->path, doc->id, id2, e.msg);
	doc->t = t2;
	snprintf(doc->id, sizeof(doc->id), "%s", id2);
	p->ocr_told = true;
	post_ocr(p, "done: %ld words on %u of %u pages%s", words, with_text,
		 doc->t.pages, ocr_worker_skipped(p->ocr) ?
		 " (OCR fell behind the scan and skipped some pages)" : "");
	return;
image_only:
	p->ocr_told = true;
	log_msg(LOG_WARNING, "jobs: %s: no text layer: %s", p->job->path, e.msg);
	if (job_stopping(p->job))
		post_ocr(p, "not done: %s", e.msg);
	else
		post_ocr(p, "not done: %s; the image-only PDF was kept and uploaded",
			 e.msg);
}

/*
 * S604-S610 for one entry made from the scan (a waiting entry, not yet on
 * the bus): uploaded, the entry goes; failure records the first failure
 * in it and tells the owner. A partial document waits for its owner.
 */
static void doc_upload(struct pipe *p, struct doc *doc)
{
	const struct retry_policy *pol = &p->j->d->config->retry;
	struct ticket *t = &doc->t;
	struct attempt a;
	struct err e = { 0 };
	char why[ERR_MSG_MAX + 64];

	if (t->partial) {
		post_spooled(p, doc->id, t, true);
		return;
	}
	doc_add_text(p, doc);
	doc_attempt(p, doc, &a);
	p->uploaded_before += t->size;
	atomic_store(&p->job->w_bytes_uploaded, p->uploaded_before);
	if (a.ok || user_cancelled(p)) {
		/* Uploaded, or the owner cancelled: the entry goes. */
		if (spool_remove(p->spool, p->uid, doc->id, &e) < 0)
			log_msg(LOG_ERR, "jobs: %s: spool entry %s not removed: %s",
				p->job->path, doc->id, e.msg);
		if (a.ok)
			post_uploaded(p, &a, t->size);
		return;
	}
	if (atomic_load(&p->job->cancel) == JOB_CANCEL_SHUTDOWN) {
		/* Stays waiting; the restarted daemon retries it. */
		log_msg(LOG_INFO, "jobs: %s: upload stopped by shutdown; kept as %u/%s",
			p->job->path, (unsigned int)p->uid, doc->id);
		return;
	}
	retry_first_failure(t, a.e.cls, a.e.msg, time(NULL), pol);
	if (spool_update(p->spool, p->uid, doc->id, t, &e) < 0)
		log_msg(LOG_ERR, "jobs: %s: spool entry %s: cannot store the failure: %s",
			p->job->path, doc->id, e.msg);
	jobs_describe(&a.e, why, sizeof(why));
	msgf(p->last_error, sizeof(p->last_error),
	     "The document could not be uploaded: %s. It is kept in the spool and uploaded automatically once that is fixed.",
	     why);
	post_spooled(p, doc->id, t, false);
}

/* OCR ran but no whole document reached it (failed, cancelled, unspooled). */
void ocr_untold(struct pipe *p)
{
	if (p->ocr && !p->ocr_told)
		post_ocr(p, "not done: there was no complete document to add text to");
}

void upload_run(struct pipe *p)
{
	for (size_t i = 0; i < p->n_docs; i++) {
		if (p->docs[i].id[0] && !p->docs[i].t.partial &&
		    !user_cancelled(p)) {
			set_state(p, JOB_UPLOADING);
			break;
		}
	}
	for (size_t i = 0; i < p->n_docs; i++) {
		struct err e = { 0 };

		if (!p->docs[i].id[0])
			continue;
		if (!user_cancelled(p))
			doc_upload(p, &p->docs[i]);
		else if (spool_remove(p->spool, p->uid, p->docs[i].id, &e) < 0)
			log_msg(LOG_ERR, "jobs: %s: %s", p->job->path, e.msg);
	}
}
