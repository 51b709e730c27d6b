// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_scan: reading the engine, from S302 to the last band (see
 * pipeline.h); OCR starts beside it.
 */
#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "pipeline_int.h"
#include "scan_params.h"

/*
 * OCR beside the scan, if asked; the scan goes on without it on failure.
 * The PDF assembled from the pages gets empty text streams to fill.
 */
static void ocr_start(struct pipe *p)
{
	struct err e = { 0 };

	if (!p->ocr_langs)
		return;
	if (ocr_worker_start(p->ocr_langs, 0, &p->ocr, &e) < 0) {
		log_msg(LOG_WARNING, "jobs: %s: %s", p->job->path, e.msg);
		post_ocr(p, "not done: %s; the PDF has no text layer", e.msg);
		return;
	}
	p->eopt.text_layer = true;
	post_ocr(p, "running (%s)", p->ocr_langs);
}

/* --- scanning ------------------------------------------------------------- */

static int scan_open(struct pipe *p, struct band_source **out, struct err *e)
{
	struct job *job = p->job;
	const struct scan_options *o = &job->opts;
	struct band_source *src = NULL;
	int r;

	r = band_source_open(job->device->spec, &src, e);
	if (r < 0)
		return r;
	band_source_set_wake_fd(src, job->wake_fd);
	r = band_source_caps(src, &p->caps, e);
	if (r == 0)
		r = scan_params_from_options(&p->caps,
					     scan_options_source_name(o->source),
					     scan_options_color_name(o->color_mode),
					     o->resolution, o->width_mm,
					     o->height_mm, o->pages, 0,
					     &p->params, e);
	if (r < 0) {
		band_source_close(src);
		return r;
	}
	encoder_page_from_params(&p->params, &p->pg);
	*out = src;
	return 0;
}

static void scan_close(struct pipe *p, struct band_source *src)
{
	band_source_close(src);
	post_device_free(p);
}

/* S302: the scan and its ticket exist in the spool before reading. */
static int scan_begin(struct pipe *p, struct err *e)
{
	ticket_fill(p, &p->scan_t);
	p->scan_t.partial = true;		/* until reading ends */
	doc_name(p, -1, p->scan_t.remote_name, sizeof(p->scan_t.remote_name));
	return spool_scan_begin(p->spool, p->uid, &p->scan_t, p->scan_id, e);
}

/* Read bands into pages until the engine ends, fails or is cancelled. */
static int scan_read(struct pipe *p, struct band_source *src, struct err *e)
{
	struct band_view v;
	int r;

	for (;;) {
		err_clear(e);
		/* The worker drives the source alone: Cancel() only asks. */
		if (atomic_load(&p->job->cancel) != JOB_CANCEL_NONE) {
			band_source_abort(src, NULL);
			return err_set(e, ERR_DEVICE, 0, ECANCELED,
				       "the scan was cancelled");
		}
		r = band_source_next(src, &v, e);
		if (r == -EINTR)
			continue;	/* woken: the check above says why */
		if (r <= 0)
			return r;
		r = page_lines(p, &v, e);
		if (r < 0) {
			/* The appliance failed (encoder, spool disk). */
			p->local_failed = true;
			p->fail = *e;
			band_source_abort(src, NULL);
			return r;
		}
		post_progress(p, false);
	}
}

/* Reading ended with every page whole: a crash now keeps the document. */
static void scan_complete(struct pipe *p)
{
	struct err e = { 0 };

	p->scan_t.partial = false;
	p->scan_t.pages = p->pages;
	if (spool_scan_update(p->spool, p->uid, p->scan_id, &p->scan_t, &e) < 0)
		log_msg(LOG_WARNING, "jobs: %s: %s", p->job->path, e.msg);
}

/* How the reading ended decides what is kept of the scan. */
static void scan_settle(struct pipe *p)
{
	struct err e = { 0 };

	if (user_cancelled(p)) {
		page_abandon(p);
		/* The owner's word: nothing not yet uploaded is kept. */
		if (spool_scan_end(p->spool, p->uid, p->scan_id, &e) < 0)
			log_msg(LOG_ERR, "jobs: %s: %s", p->job->path, e.msg);
		p->pages = 0;
	} else if (atomic_load(&p->job->cancel) == JOB_CANCEL_SHUTDOWN) {
		/* The next start makes the partial document and tells its
		 * owner, as after a power cut. */
		page_abandon(p);
		msgf(p->fail.msg, sizeof(p->fail.msg),
		     "the scan service stopped during the scan; the %u finished pages are kept and handled when it starts again",
		     p->pages);
		p->pages = 0;
	} else if (p->local_failed) {
		page_abandon(p);
		keep_partial(p, p->fail.msg);
	} else if (p->device_failed) {
		keep_partial(p, p->fail.msg);
	} else if (p->page_open) {
		/* JOB_END before the last PAGE_END. */
		p->device_failed = true;
		err_set(&p->fail, ERR_DEVICE, 0, EIO,
			"the scanner ended the job in the middle of a page");
		keep_partial(p, p->fail.msg);
	} else {
		scan_complete(p);
	}
}

void scan_run(struct pipe *p)
{
	struct band_source *src = NULL;
	struct err e = { 0 };
	int r;

	set_state(p, JOB_SCANNING);
	r = scan_open(p, &src, &e);
	if (r < 0) {
		p->device_failed = true;
		p->fail = e;
		return;
	}
	ocr_start(p);
	r = scan_begin(p, &e);
	if (r < 0) {
		scan_close(p, src);
		p->local_failed = true;
		p->fail = e;
		return;
	}
	r = band_source_start(src, &p->params, &e);
	if (r == 0)
		r = scan_read(p, src, &e);
	if (r < 0 && !p->local_failed) {
		p->device_failed = true;
		p->fail = e;
	}
	scan_close(p, src);
	scan_settle(p);
}
