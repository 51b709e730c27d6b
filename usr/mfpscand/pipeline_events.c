// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_events: the worker's hand-off to the main thread (see
 * pipeline.h): what the worker posts, and what the main thread makes of it
 * (the job's properties and signals, its spool entry, the device).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "pipeline_int.h"

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

void post_progress(struct pipe *p, bool force)
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
void set_state(struct pipe *p, enum job_state st)
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

bool user_cancelled(const struct pipe *p)
{
	return atomic_load(&p->job->cancel) == JOB_CANCEL_USER;
}

void post_ocr(struct pipe *p, const char *fmt, ...)
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

void post_spooled(struct pipe *p, const char *id,
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

void post_uploaded(struct pipe *p, const struct attempt *a,
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

/* The reading is over: the device goes back to the main thread's care. */
void post_device_free(struct pipe *p)
{
	struct pipe_event *ev = event_new(EV_DEVICE_FREE);

	if (ev)
		post_event(p, ev);
}

/* The job's last event: its outcome, after which the worker is joined. */
void post_finished(struct pipe *p, enum job_state st, const char *error)
{
	struct pipe_event *ev = event_new(EV_FINISHED);

	atomic_store(&p->job->w_state, (int)st);
	if (!ev) {
		log_msg(LOG_ERR, "jobs: %s: out of memory at the end", p->job->path);
		return;
	}
	ev->state = st;
	snprintf(ev->error, sizeof(ev->error), "%s", error);
	post_event(p, ev);
}
