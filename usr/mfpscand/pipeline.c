// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline: one scan job on a worker thread (see pipeline.h).
 *
 * Outcomes, in the job's State:
 *   done       every document is at the destination (RemoteUrl: the last);
 *   spooled    at least one upload failed: the document is a spool entry
 *              (UploadFailed signal, "spooled" mail), retried later;
 *   failed     the engine failed (jam, cover, removed) or the appliance
 *              could not encode; completed pages of a multi-page document
 *              are kept as a partial spool entry (needs-attention: it is
 *              not uploaded unless its owner asks with Retry()); a stop of
 *              the daemon leaves the scan's pages for the next start;
 *   cancelled  the owner cancelled: nothing not yet uploaded is kept.
 *
 * Nothing read is ever only in memory or in an uncommitted file for
 * longer than the page being read: finished pages are committed in the
 * spool as they end, and a crash leaves them to recover.c.
 *
 * OCR (a PDF job with ocr on): pages go to an ocr_worker as they are read;
 * the PDF assembled from the pages carries empty per-page text streams
 * (assemble_scan() hands back where they are), it is committed to the
 * spool first, then the worker gets at most [ocr] timeout to finish, and
 * only then is the entry replaced by the searchable copy (commit the copy,
 * remove the original: a crash in between leaves two entries of one
 * document, never none). The job's Ocr property says what came of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "assemble.h"
#include "band_source.h"
#include "bus.h"
#include "config.h"
#include "encoder.h"
#include "log.h"
#include "ocr_worker.h"
#include "pdf_textlayer.h"
#include "pipeline.h"
#include "retry.h"
#include "scan_params.h"
#include "spool.h"

/* A spool entry made from the scan, waiting for its upload. */
struct doc {
	char id[SPOOL_ID_MAX];		/* "" : not made (an error stopped it) */
	struct ticket t;
	uint32_t *text_slots;		/* per page, with a text layer */
};

struct pipe {
	struct job *job;
	struct jobs *j;
	struct spool *spool;
	uid_t uid;
	enum doc_format fmt;
	bool multipage;
	struct encoder_options eopt;
	struct mfpscan_params params;
	struct mfpscan_caps caps;
	struct encoder_page pg;

	char scan_id[SPOOL_ID_MAX];	/* the scan in the spool; "" before S302 */
	struct ticket scan_t;		/* its ticket */
	struct encoder *enc;		/* the page being written */
	int page_fd;
	bool page_open;
	uint32_t page_lines;		/* lines of the open page so far */
	uint32_t pages;			/* pages committed to the scan */
	bool partial;			/* the engine stopped: pages kept */
	char partial_msg[ERR_MSG_MAX];

	struct doc *docs;		/* entries made from the scan */
	size_t n_docs;

	bool device_failed;
	bool local_failed;
	struct err fail;		/* why the scan ended early */
	uint64_t last_progress_ms;
	uint64_t uploaded_before;	/* bytes of earlier documents */
	uint32_t name_counter;		/* shared by the pages of the job */
	size_t n_uploaded, n_spooled;
	char last_error[ERR_MSG_MAX];

	const char *ocr_langs;		/* NULL: no OCR for this job */
	struct ocr_worker *ocr;
	bool ocr_told;			/* the Ocr property has its outcome */
};

enum pipe_ev { EV_PROGRESS, EV_STATE, EV_DEVICE_FREE, EV_SPOOLED,
	       EV_UPLOADED, EV_OCR, EV_FINISHED };

struct pipe_event {
	enum pipe_ev type;
	struct job *job;
	char id[SPOOL_ID_MAX];
	struct ticket t;
	bool partial;
	char url[JOBS_URL_MAX];
	enum job_state state;
	char error[ERR_MSG_MAX];
};

/* snprintf for messages: a long server message is cut, on purpose. */
static void __attribute__((format(printf, 3, 4)))
msgf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- main-thread side ---------------------------------------------------- */

static void job_sync_progress(struct job *job)
{
	job->pages = atomic_load(&job->w_pages);
	job->bytes_scanned = atomic_load(&job->w_bytes_scanned);
	job->bytes_uploaded = atomic_load(&job->w_bytes_uploaded);
}

/*
 * Progress posts are coalesced (one pending at a time), so they carry
 * counters only: a state read here could skip one (queued -> uploading
 * without scanning) or overtake an EV_STATE still queued. States arrive
 * one by one, in order, as EV_STATE and EV_FINISHED events.
 */
static void on_progress(struct daemon *d, void *arg)
{
	struct job *job = arg;

	atomic_store(&job->progress_posted, false);
	if (d->exiting || job->finished)
		return;
	job_sync_progress(job);
	job_emit_changed(job, false);
}

static void on_event(struct daemon *d, void *arg)
{
	struct pipe_event *ev = arg;
	struct job *job = ev->job;
	struct jobs *j = job->jobs;
	struct sentry *s;
	uid_t owner;

	if (d->exiting) {
		if (ev->type == EV_FINISHED)
			job_unref(job);
		free(ev);
		return;
	}
	switch (ev->type) {
	case EV_PROGRESS:
		break;
	case EV_STATE:
		if (job->finished || ev->state == job->state)
			break;
		job_sync_progress(job);
		job->state = ev->state;
		job_emit_changed(job, true);
		break;
	case EV_DEVICE_FREE:
		job_release_device(job);
		break;
	case EV_UPLOADED:
		snprintf(job->remote_url, sizeof(job->remote_url), "%s",
			 ev->url);
		job_sync_progress(job);
		job_emit_changed(job, true);
		break;
	case EV_OCR:
		snprintf(job->ocr, sizeof(job->ocr), "%s", ev->error);
		job_emit_changed(job, true);
		break;
	case EV_SPOOLED:
		job->kept = true;
		job->kept_class = ev->t.last_class;
		job_panel_kept(job, ev->id);
		s = jobs_entry_add(j, ev->id, &ev->t, true);
		if (!s)
			break;
		if (ev->partial)
			notify_needs_attention(j, s, &ev->t);
		else
			notify_upload_failed(j, s, &ev->t);
		break;
	case EV_FINISHED:
		job_sync_progress(job);
		job->state = ev->state;
		snprintf(job->error, sizeof(job->error), "%s", ev->error);
		job->finished = time(NULL);
		job_release_device(job);
		if (job->state == JOB_FAILED)
			job_device_failed(job);
		job_show_outcome(job);	/* on the panel before the signal */
		job_emit_changed(job, true);
		log_msg(LOG_INFO, "jobs: %s (uid %u) %s%s%s", job->path,
			(unsigned int)job->owner, job_state_name(job->state),
			job->error[0] ? ": " : "", job->error);
		if (job->thread_started) {
			pthread_join(job->thread, NULL);
			job->thread_started = false;
			atomic_fetch_sub(&j->workers, 1);
		}
		/* A finished job keeps no secret (it is kept for an hour). */
		job_forget_dest(job);
		owner = job->owner;
		job_unref(job);		/* the worker's reference */
		jobs_prune(j, owner);
		break;
	}
	free(ev);
}

/* --- worker side ---------------------------------------------------------- */

static void post_progress(struct pipe *p, bool force)
{
	uint64_t t = mono_ms();

	if (!force && t - p->last_progress_ms < PIPELINE_PROGRESS_MS)
		return;
	p->last_progress_ms = t;
	if (atomic_exchange(&p->job->progress_posted, true))
		return;
	if (daemon_post(p->j->d, on_progress, p->job) < 0)
		atomic_store(&p->job->progress_posted, false);
}

static void post_event(struct pipe *p, struct pipe_event *ev)
{
	ev->job = p->job;
	if (daemon_post(p->j->d, on_event, ev) < 0) {
		log_msg(LOG_ERR, "jobs: %s: cannot report to the main thread",
			p->job->path);
		free(ev);
	}
}

static struct pipe_event *event_new(enum pipe_ev type)
{
	struct pipe_event *ev = calloc(1, sizeof(*ev));

	if (ev)
		ev->type = type;
	return ev;
}

/* Every state change is its own event: PropertiesChanged(State) each. */
static void set_state(struct pipe *p, enum job_state st)
{
	struct pipe_event *ev = event_new(EV_STATE);

	atomic_store(&p->job->w_state, (int)st);
	if (!ev) {
		log_msg(LOG_ERR, "jobs: %s: out of memory: state %s not signalled",
			p->job->path, job_state_name(st));
		return;
	}
	ev->state = st;
	post_event(p, ev);
}

static bool user_cancelled(const struct pipe *p)
{
	return atomic_load(&p->job->cancel) == JOB_CANCEL_USER;
}

/* --- names and tickets ------------------------------------------------------ */

struct name_call {
	struct job *job;
	const char *ext;
	int page;
	uint32_t *counter;		/* the job's: its pages share it */
	char out[TICKET_NAME_MAX];
	uint64_t written;		/* the counter's write, to wait for */
	struct err e;
};

static int make_name_main(struct jobs *j, void *arg)
{
	struct name_call *c = arg;
	struct account *acc = accounts_by_path(j->d->accounts, c->job->account);

	if (!acc || account_owner(acc) != c->job->owner)
		return err_set(&c->e, ERR_NOT_FOUND, 0, ENOENT,
			       "the account was deleted");
	/* The pages of one job share one counter, whatever else runs. */
	int r = account_make_name_counter(acc, c->job->opts.name, c->ext,
					  c->page, c->counter, c->out,
					  sizeof(c->out), &c->e);

	c->written = accounts_write_ticket(j->d->accounts);
	return r;
}

/*
 * The remote name of page @page (from 1) of a one-page format, or of the
 * whole document (-1), fixed once: it makes retries idempotent.
 */
static void doc_name(struct pipe *p, int page, char *out, size_t len)
{
	struct name_call c = { .job = p->job, .page = page,
			       .counter = &p->name_counter };

	c.ext = doc_format_extension(p->fmt);
	/* the counter is on disk before its name is used (no reuse after a crash) */
	if (jobs_call_main(p->j, make_name_main, &c) == 0 && c.out[0] &&
	    accounts_wait_written(p->j->d->accounts, c.written, &c.e) == 0) {
		snprintf(out, len, "%s", c.out);
		return;
	}
	/* The account is gone, its counter was not saved, or the daemon
	 * stops: a unique fallback. */
	if (page > 0)
		snprintf(out, len, "%s-job%" PRIu64 "-%03d.%s",
			 p->job->opts.name, p->job->id, page, c.ext);
	else
		snprintf(out, len, "%s-job%" PRIu64 ".%s", p->job->opts.name,
			 p->job->id, c.ext);
}

/* "flatbed,adf,adf-duplex": the engine's reading mechanisms (703). */
static void mechanisms_name(uint32_t sources, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < MFPSCAN_SOURCE_COUNT; i++) {
		if (!(sources & (1u << i)) || used >= len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 used ? "," : "",
					 scan_options_source_name(i));
	}
}

/* The ticket of S302: everything known before the first band is read. */
static void ticket_fill(struct pipe *p, struct ticket *t)
{
	struct job *job = p->job;
	const struct scan_options *o = &job->opts;
	const char *codec;

	ticket_init(t);
	snprintf(t->source, sizeof(t->source), "%s",
		 scan_options_source_name(o->source));
	snprintf(t->color_mode, sizeof(t->color_mode), "%s",
		 scan_options_color_name(o->color_mode));
	t->resolution = p->params.resolution;
	t->width_mm = p->params.width_um / 1000;
	t->height_mm = p->params.height_um / 1000;
	t->pages_requested = o->pages;
	snprintf(t->format, sizeof(t->format), "%s", doc_format_name(p->fmt));
	snprintf(t->device, sizeof(t->device), "%s", job->device->name);
	snprintf(t->model, sizeof(t->model), "%.*s",
		 (int)sizeof(p->caps.model), (const char *)p->caps.model);
	mechanisms_name(p->caps.sources, t->mechanisms, sizeof(t->mechanisms));
	encoder_describe(p->fmt, p->params.color_mode, &p->eopt, &codec,
			 &t->quality, &t->compression);
	snprintf(t->codec, sizeof(t->codec), "%s", codec);
	/* A scan cut before assembly gets its text layer at recovery. */
	snprintf(t->ocr, sizeof(t->ocr), "%s", p->ocr_langs ? p->ocr_langs : "");
	snprintf(t->account, sizeof(t->account), "%s", job->account);
	snprintf(t->account_name, sizeof(t->account_name), "%s",
		 job->account_name);
	snprintf(t->dest_type, sizeof(t->dest_type), "%s",
		 dest_type_name(job->dest.type) ? dest_type_name(job->dest.type) : "local");
	snprintf(t->remote_folder, sizeof(t->remote_folder), "%s",
		 job->dest.folder ? job->dest.folder : "");
	t->owner_uid = job->owner;
	t->created = time(NULL);
}

static void post_ocr(struct pipe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void post_ocr(struct pipe *p, const char *fmt, ...)
{
	struct pipe_event *ev = event_new(EV_OCR);
	va_list ap;

	if (!ev)
		return;
	va_start(ap, fmt);
	vsnprintf(ev->error, sizeof(ev->error), fmt, ap);
	va_end(ap);
	post_event(p, ev);
}

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

/* --- pages: each one durable before the next band is read ------------------ */

/* Drop the page being written (cancel, failure): it was never whole. */
static void page_abandon(struct pipe *p)
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

/* --- scanning ------------------------------------------------------------- */

static int page_lines(struct pipe *p, const struct band_view *v,
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
static void keep_partial(struct pipe *p, const char *why)
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
	struct pipe_event *ev;

	band_source_close(src);
	ev = event_new(EV_DEVICE_FREE);
	if (ev)
		post_event(p, ev);
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

static void scan_run(struct pipe *p)
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

/* --- from the scan to entries --------------------------------------------- */

static void entry_name(void *ud, uint32_t page, char *out, size_t len)
{
	doc_name(ud, (int)page, out, len);
}

static void entry_made(void *ud, uint32_t page, const char *id,
		       const struct ticket *t)
{
	struct pipe *p = ud;
	struct doc *d = &p->docs[page ? page - 1 : 0];

	snprintf(d->id, sizeof(d->id), "%s", id);
	d->t = *t;
}

/* The retry fields of a new entry: waiting, or needs-attention if partial. */
static void entry_retry_fields(struct pipe *p, struct ticket *t)
{
	const struct retry_policy *pol = &p->j->d->config->retry;
	time_t now = time(NULL);

	t->partial = p->partial;
	if (p->partial) {
		retry_first_failure(t, ERR_DEVICE, p->partial_msg, now, pol);
		t->state = TICKET_NEEDS_ATTENTION;
		t->retries_left = 0;
		t->next_retry = 0;
	} else {
		t->state = TICKET_WAITING;
		t->retries_left = pol->count;
		t->next_retry = retry_next_time(pol, ERR_NETWORK, 1, now);
	}
}

/*
 * The scan's pages become spool entries (waiting; uploaded next) before
 * anything is uploaded, so a crash at any moment keeps them. If that
 * fails, the pages stay in the scan and the next start tries again.
 */
static void scan_to_entries(struct pipe *p)
{
	struct ticket t = p->scan_t;
	struct err e = { 0 };

	if (!p->scan_id[0] || p->pages == 0) {
		if (p->scan_id[0] && !user_cancelled(p) &&
		    atomic_load(&p->job->cancel) != JOB_CANCEL_SHUTDOWN &&
		    spool_scan_end(p->spool, p->uid, p->scan_id, &e) < 0)
			log_msg(LOG_ERR, "jobs: %s: %s", p->job->path, e.msg);
		return;
	}
	p->docs = calloc(p->multipage ? 1 : p->pages, sizeof(*p->docs));
	if (!p->docs) {
		err_set(&e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	} else {
		p->n_docs = p->multipage ? 1 : p->pages;
		entry_retry_fields(p, &t);
		/* OCR's text layer goes into the PDF assembled from the pages. */
		if (p->multipage && p->eopt.text_layer && !p->partial)
			p->docs[0].text_slots = calloc(p->pages, sizeof(uint32_t));
		if (assemble_scan(p->spool, p->uid, p->scan_id, p->pages, &t,
				  &p->eopt, entry_name, entry_made, p,
				  p->docs[0].text_slots, &e) == 0)
			return;
	}
	log_msg(LOG_ERR, "jobs: %s: the scan's %u pages stay in the spool (%s); the next start tries again",
		p->job->path, p->pages, e.msg);
	msgf(p->last_error, sizeof(p->last_error),
	     "The %u scanned pages are kept on the scanner but could not be made into a document yet (%s); they are handled again when the scan service restarts.",
	     p->pages, e.msg);
	p->local_failed = true;
}

/* --- uploading ------------------------------------------------------------ */

static int upload_progress(void *ud, uint64_t sent, uint64_t total)
{
	struct pipe *p = ud;

	atomic_store(&p->job->w_bytes_uploaded, p->uploaded_before + sent);
	post_progress(p, false);
	return atomic_load(&p->job->cancel) != JOB_CANCEL_NONE;
}

static void post_spooled(struct pipe *p, const char *id,
			 const struct ticket *t, bool partial)
{
	struct pipe_event *ev = event_new(EV_SPOOLED);

	p->n_spooled++;
	log_msg(LOG_INFO, "jobs: %s: document spooled as %u/%s: %s",
		p->job->path, (unsigned int)p->uid, id, t->last_error);
	if (!ev)
		return;
	snprintf(ev->id, sizeof(ev->id), "%s", id);
	ev->t = *t;
	ev->partial = partial;
	post_event(p, ev);
}

static void post_uploaded(struct pipe *p, const struct attempt *a,
			  uint64_t size)
{
	struct pipe_event *ev = event_new(EV_UPLOADED);

	log_msg(LOG_INFO, "jobs: %s: uploaded %s (%" PRIu64 " bytes)%s",
		p->job->path, a->remote_url, size,
		a->already_there ? ", already there" : "");
	p->n_uploaded++;
	if (!ev)
		return;
	snprintf(ev->url, sizeof(ev->url), "%s", a->remote_url);
	post_event(p, ev);
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
static void ocr_untold(struct pipe *p)
{
	if (p->ocr && !p->ocr_told)
		post_ocr(p, "not done: there was no complete document to add text to");
}

static void upload_run(struct pipe *p)
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

/* --- the worker ----------------------------------------------------------- */

static void finish(struct pipe *p)
{
	struct pipe_event *ev = event_new(EV_FINISHED);

	if (!ev) {
		log_msg(LOG_ERR, "jobs: %s: out of memory at the end", p->job->path);
		return;
	}
	if (user_cancelled(p)) {
		ev->state = JOB_CANCELLED;
		msgf(ev->error, sizeof(ev->error),
			 "Cancelled; nothing that was not yet uploaded was kept.");
	} else if (p->device_failed || p->local_failed) {
		ev->state = JOB_FAILED;
		if (!p->fail.msg[0])
			msgf(ev->error, sizeof(ev->error), "%s",
				 p->last_error);
		else if (p->n_spooled)
			msgf(ev->error, sizeof(ev->error),
				 "%s. What was read is kept in your spool.",
				 p->fail.msg);
		else if (p->n_uploaded)
			msgf(ev->error, sizeof(ev->error),
				 "%s. The %zu pages read before it were uploaded.",
				 p->fail.msg, p->n_uploaded);
		else
			msgf(ev->error, sizeof(ev->error), "%s",
				 p->fail.msg);
	} else if (p->n_spooled) {
		ev->state = JOB_SPOOLED;
		msgf(ev->error, sizeof(ev->error), "%s", p->last_error);
	} else if (p->n_docs == 0) {
		ev->state = JOB_FAILED;
		msgf(ev->error, sizeof(ev->error),
			 "The scanner delivered no page.");
	} else {
		ev->state = JOB_DONE;
	}
	atomic_store(&p->job->w_state, (int)ev->state);
	post_event(p, ev);
}

static void *pipeline_worker(void *arg)
{
	struct pipe *p = arg;

	scan_run(p);
	scan_to_entries(p);
	upload_run(p);
	ocr_untold(p);
	finish(p);
	ocr_worker_free(p->ocr);
	for (size_t i = 0; i < p->n_docs; i++)
		free(p->docs[i].text_slots);
	free(p->docs);
	free(p);
	return NULL;
}

int pipeline_start(struct job *job, struct err *e)
{
	struct jobs *j = job->jobs;
	struct pipe *p = calloc(1, sizeof(*p));
	int fmt = doc_format_from_name(job->opts.format);
	int r;

	if (!p)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	if (fmt < 0) {
		free(p);
		return err_set(e, ERR_INVALID, 0, EINVAL, "unknown format '%s'",
			       job->opts.format);
	}
	p->job = job;
	p->j = j;
	p->spool = j->d->spool;
	p->uid = job->owner;
	p->fmt = (enum doc_format)fmt;
	p->multipage = doc_format_is_multipage(p->fmt);
	p->eopt.jpeg_quality = (int)j->d->config->jpeg_quality;
	p->ocr_langs = scan_options_ocr_languages(&job->opts, NULL,
						  j->d->config->ocr_languages);
	p->page_fd = -1;
	atomic_store(&job->w_state, JOB_QUEUED);
	job_ref(job);			/* the worker's, dropped by EV_FINISHED */
	r = jobs_spawn(j, &job->thread, pipeline_worker, p);
	if (r < 0) {
		job_unref(job);
		free(p);
		return err_set(e, ERR_LOCAL, 0, -r, "cannot start the scan worker");
	}
	job->thread_started = true;
	return 0;
}

void pipeline_cancel(struct job *job, int why)
{
	int none = JOB_CANCEL_NONE;

	/* The worker sees it before its next band or upload progress call. */
	atomic_compare_exchange_strong(&job->cancel, &none, why);
	/* ...and at once when it waits for an engine that stalls. */
	if (job->wake_fd >= 0 &&
	    eventfd_write(job->wake_fd, 1) < 0 && errno != EAGAIN)
		log_errno(LOG_WARNING, errno, "jobs: %s: cannot wake the worker",
			  job->path);
}
