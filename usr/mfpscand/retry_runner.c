// SPDX-License-Identifier: GPL-2.0
/*
 * retry_runner: the background upload retry of spooled documents (the
 * patent's S701-S811). Every waiting entry sits in a min-heap (scheduler.h)
 * keyed by its "Retry Next Time"; one sd-event CLOCK_REALTIME timer is
 * armed for the earliest. When it fires, due entries are popped and each
 * attempt runs on a worker thread: free
 * space first (S803-S804), then the upload with the ticket's fixed remote
 * name (idempotent, so a crash between "server accepted" and "entry
 * removed" never makes a second copy). The result is applied on the main
 * thread: success removes the entry (S807), failure decrements "Remain
 * Retry Counter" and pushes the next time out (S809-S811); at 0 the entry
 * is kept as needs-attention and its owner told once.
 *
 * Upload slots: due entries and Retry() calls alike join one FIFO of
 * pending attempts; at most RUNNER_PARALLEL run at once, and at most
 * RUNNER_PER_USER of one user. A slot that frees goes to the first pending
 * attempt whose user is under the bound, so a user with a hundred entries
 * (or a hundred Retry() calls) holds one slot and the next user's attempt
 * waits at most for one running attempt to end. A pending attempt names
 * its entry by (uid, id), never by pointer: the entry may be discarded
 * while it waits.
 * Documentation/retry.rst describes the design.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "config.h"
#include "accounts.h"
#include "jobs.h"
#include "log.h"
#include "retry.h"
#include "scheduler.h"
#include "spool.h"
#include "ticket_resume.h"

#define RUNNER_PARALLEL 2	/* attempts running at once */
#define RUNNER_PER_USER 1	/* of them, attempts of one user */

/* An attempt waiting for a slot. */
struct pending {
	struct pending *next;
	uid_t uid;
	char id[SCHEDULER_ID_MAX];
	sd_bus_message *reply;		/* Retry() waiting for the end, or NULL */
};

struct run {
	struct run *next;
	struct retry_runner *r;
	uid_t uid;			/* the entry's owner (slot accounting) */
	struct attempt_job a;
	sd_bus_message *reply;		/* Retry() waiting for the end */
	pthread_t thread;
	bool joined;
};

struct retry_runner {
	struct jobs *j;
	struct scheduler *sched;
	sd_event_source *timer;
	struct run *runs;		/* attempts on worker threads */
	unsigned int running;
	struct pending *queue;		/* FIFO of attempts waiting for a slot */
	struct pending **queue_tail;
};

static void runner_arm(struct retry_runner *r);
static void runner_dispatch(struct retry_runner *r);

/* --- one attempt (any thread) ----------------------------------------- */

/*
 * Is the document on the server already, whole? A crash between "server
 * accepted" and "entry removed" leaves it there; the server may be full
 * since, and that must not keep the entry storage-full forever. Then
 * upload_put() below finds it and sends nothing.
 */
static bool already_there(const struct dest *dest, const struct ticket *t)
{
	struct err e = { 0 };
	bool there = false;

	return upload_exists(dest, t->remote_name, t->size, &there, &e) == 0 &&
	       there;
}

/*
 * Variant @n of @base: "NAME.EXT" -> "NAME-N.EXT" ("NAME" -> "NAME-N").
 * Returns 0, or -ENAMETOOLONG if it does not fit in @len.
 */
static int name_variant(const char *base, unsigned int n, char *out,
			size_t len)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	int w = snprintf(out, len, "%.*s-%u%s", (int)stem, base, n,
			 base + stem);

	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

static bool name_conflict(int r, const struct err *e)
{
	return r == -EEXIST && e->cls == ERR_SERVER;
}

void attempt_upload(const struct dest *dest, struct ticket *t, int fd,
		    upload_progress_fn cb, void *ud, struct spool *spool,
		    const char *id, struct attempt *out)
{
	struct upload_space space = { 0 };
	char have[32], need[32];
	char base[sizeof(t->remote_name)], prev[sizeof(t->remote_name)];
	struct ticket_resume tr;
	int r;

	memset(out, 0, sizeof(*out));
	/* S803-S804: a document that cannot fit is not sent blindly. */
	r = upload_check(dest, &space, &out->e);
	if (r < 0)
		return;
	if (space.known && space.free_bytes < t->size &&
	    !already_there(dest, t)) {
		jobs_human_size(space.free_bytes, have, sizeof(have));
		jobs_human_size(t->size, need, sizeof(need));
		err_set(&out->e, ERR_STORAGE_FULL, 0, ENOSPC,
			"your storage is full: it has %s free and the document needs %s",
			have, need);
		return;
	}
	err_clear(&out->e);
	r = upload_put_resumable(dest, t->remote_name, fd, t->size,
				 jobs_mime_type(t->format), cb, ud,
				 ticket_resume_init(&tr, dest, t, spool, id),
				 out->remote_url, sizeof(out->remote_url),
				 &out->e);
	/* Somebody else's file has the name: take the next free variant. */
	snprintf(base, sizeof(base), "%s", t->remote_name);
	for (unsigned int n = 2; name_conflict(r, &out->e) &&
	     n <= ATTEMPT_NAME_VARIANTS; n++) {
		struct err se = { 0 };

		snprintf(prev, sizeof(prev), "%s", t->remote_name);
		if (name_variant(base, n, t->remote_name,
				 sizeof(t->remote_name)) < 0) {
			snprintf(t->remote_name, sizeof(t->remote_name), "%s",
				 prev);
			break;
		}
		/* Stored first: a crash from here on retries this name. */
		if (id && spool_update(spool, t->owner_uid, id, t, &se) < 0) {
			snprintf(t->remote_name, sizeof(t->remote_name), "%s",
				 prev);
			err_set(&out->e, se.cls, se.code, EIO,
				"%s was taken by another file, and the new name could not be stored: %s",
				base, se.msg);
			return;
		}
		log_msg(LOG_INFO, "jobs: %s is taken by another file; trying %s",
			prev, t->remote_name);
		err_clear(&out->e);
		r = upload_put_resumable(dest, t->remote_name, fd, t->size,
					 jobs_mime_type(t->format), cb, ud,
					 ticket_resume_init(&tr, dest, t, spool, id),
					 out->remote_url, sizeof(out->remote_url),
					 &out->e);
	}
	if (name_conflict(r, &out->e) && strcmp(base, t->remote_name) != 0)
		err_set(&out->e, ERR_SERVER, EEXIST, EEXIST,
			"%s and its variants up to %s are all taken by other files; last: %.200s",
			base, t->remote_name, out->e.msg);
	if (r < 0)
		return;
	out->ok = true;
	out->already_there = r == UPLOAD_ALREADY_THERE;
	if (!out->remote_url[0])
		snprintf(out->remote_url, sizeof(out->remote_url), "%s",
			 t->remote_name);
	err_clear(&out->e);
}

int attempt_prepare(struct jobs *j, struct sentry *s, struct attempt_job *a)
{
	struct account *acc;
	int r;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->s = s;
	snprintf(a->id, sizeof(a->id), "%s", s->id);
	a->prev_state = s->sum.state;
	s->busy = true;
	/* Mirror "retrying" (not stored: a crash turns it back to waiting). */
	s->sum.state = TICKET_RETRYING;
	bus_emit_properties_changed(j->d, s->sum.owner_uid, s->path,
				    DAEMON_IFACE_SPOOL, NULL);

	r = spool_get(j->d->spool, s->sum.owner_uid, s->id, &a->t, &a->res.e);
	if (r < 0)
		return r;
	a->have_ticket = true;
	acc = accounts_by_path(j->d->accounts, a->t.account);
	if (!acc || account_owner(acc) != a->t.owner_uid) {
		a->res.permanent = true;
		return err_set(&a->res.e, ERR_NOT_FOUND, 0, ENOENT,
			       "the account '%s' no longer exists; use Open to save the document elsewhere, or Discard it",
			       a->t.account_name);
	}
	r = account_dest_get(acc, &a->dest, &a->res.e);
	if (r < 0)
		return r;
	a->have_dest = true;
	r = spool_open_document(j->d->spool, a->t.owner_uid, s->id, &a->fd,
				&a->res.e);
	if (r < 0) {
		a->fd = -1;
		return r;
	}
	return 0;
}

void attempt_release(struct attempt_job *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->have_dest)
		account_dest_release(&a->dest);
	a->have_dest = false;
}

/* --- results (main thread) --------------------------------------------- */

static bool finish_success(struct jobs *j, struct sentry *s,
			   const struct attempt_job *a)
{
	const struct attempt *res = &a->res;
	struct ticket t = a->t;
	char path[JOBS_PATH_MAX], id[JOBS_ID_MAX];
	struct err e = { 0 };
	int r;

	log_msg(LOG_INFO, "jobs: spooled document %u/%s uploaded%s: %s",
		(unsigned int)t.owner_uid, s->id,
		res->already_there ? " (it was already there)" : "",
		res->remote_url);
	/* S807/S510: remove the local copy only now that it is uploaded. */
	r = spool_remove(j->d->spool, t.owner_uid, s->id, &e);
	if (r < 0 && r != -ENOENT) {
		/* The next attempt finds it already there and removes it. */
		log_msg(LOG_ERR, "jobs: spool entry %u/%s uploaded but not removed: %s",
			(unsigned int)t.owner_uid, s->id, e.msg);
		t.state = TICKET_WAITING;
		jobs_entry_changed(j, s, &t);
		return true;
	}
	snprintf(path, sizeof(path), "%s", s->path);
	snprintf(id, sizeof(id), "%s", s->id);
	jobs_entry_gone(j, s);
	/* An engine's panel that still says "Kept" for it says "Sent". */
	job_panel_sent(j, t.owner_uid, id);
	notify_upload_recovered(j, t.owner_uid, path, id, &t, res->remote_url);
	return true;
}

/* S809-S811, or what an owner's scan or a lost account makes of @t. */
static void finish_plan(struct jobs *j, struct ticket *t,
			const struct attempt *res, bool on_scan)
{
	time_t now = time(NULL);

	if (res->permanent)
		retry_give_up(t, res->e.cls, res->e.msg, now);
	else if (on_scan)
		retry_after_scan_attempt(t, res->e.cls, res->e.msg, now);
	else
		retry_after_failure(t, res->e.cls, res->e.msg, now,
				    &j->d->config->retry);
}

bool retry_runner_finish(struct jobs *j, struct attempt_job *a, bool on_scan)
{
	struct sentry *s = a->s;
	struct ticket t;
	struct err e = { 0 };

	a->s = NULL;
	if (!s)
		return false;
	s->busy = false;
	if (!a->have_ticket) {
		/* The ticket could not be read: keep the entry, try later. */
		log_msg(LOG_ERR, "jobs: spool entry %u/%s: %s",
			(unsigned int)s->sum.owner_uid, s->id, a->res.e.msg);
		s->sum.state = a->prev_state;
		s->sum.next_retry = time(NULL) +
				    (time_t)j->d->config->retry.max_interval_s;
		retry_runner_schedule(j->runner, s);
		return false;
	}
	if (a->res.ok)
		return finish_success(j, s, a);

	/* S809-S811: count the attempt, plan the next one, store it. */
	t = a->t;
	t.state = a->prev_state;
	finish_plan(j, &t, &a->res, on_scan);
	if (spool_update(j->d->spool, t.owner_uid, s->id, &t, &e) < 0)
		log_msg(LOG_ERR, "jobs: spool entry %u/%s: cannot store the retry state: %s",
			(unsigned int)t.owner_uid, s->id, e.msg);
	log_msg(LOG_INFO, "jobs: spooled document %u/%s: upload failed (%s): %s; %u retries left",
		(unsigned int)t.owner_uid, s->id,
		err_class_name(a->res.e.cls), a->res.e.msg, t.retries_left);
	jobs_entry_changed(j, s, &t);
	/* One mail when the counter runs out, not one per retry. */
	if (t.state == TICKET_NEEDS_ATTENTION &&
	    a->prev_state != TICKET_NEEDS_ATTENTION)
		notify_needs_attention(j, s, &t);
	return false;
}

/* --- worker ------------------------------------------------------------ */

static void run_free(struct run *run)
{
	attempt_release(&run->a);
	sd_bus_message_unref(run->reply);
	free(run);
}

static void run_done(struct daemon *d, void *arg)
{
	struct run *run = arg;
	struct retry_runner *r = run->r;
	bool ok;

	if (!run->joined)
		pthread_join(run->thread, NULL);
	run->joined = true;
	if (d->exiting) {
		/* retry_runner_free() already dropped us from its list. */
		if (run->reply)
			bus_reply_errorf(run->reply, "Failed",
					 "The scan service is stopping; the document stays in the spool.");
		run_free(run);
		return;
	}
	atomic_fetch_sub(&r->j->workers, 1);
	for (struct run **p = &r->runs; *p; p = &(*p)->next) {
		if (*p == run) {
			*p = run->next;
			break;
		}
	}
	r->running--;
	ok = retry_runner_finish(r->j, &run->a, false);
	if (run->reply) {
		if (ok)
			sd_bus_reply_method_return(run->reply, "");
		else
			bus_reply_err(run->reply, &run->a.res.e);
	}
	run_free(run);
	runner_dispatch(r);
	runner_arm(r);
}

static void *run_worker(void *arg)
{
	struct run *run = arg;
	struct jobs *j = run->r->j;

	/* the secrets are decrypted here, not on the main loop */
	if (run->a.fd >= 0 &&
	    account_dest_unseal(j->d->accounts, run->a.t.account, &run->a.dest,
				&run->a.res.e) == 0)
		attempt_upload(&run->a.dest, &run->a.t, run->a.fd,
			       jobs_upload_stop, j, j->d->spool, run->a.id,
			       &run->a.res);
	if (daemon_post(j->d, run_done, run) < 0)
		log_msg(LOG_ERR, "jobs: cannot report a retry: out of memory");
	return NULL;
}

/* Start the attempt of @s on a worker now; @reply (may be NULL) is answered at the end. */
static int run_start(struct retry_runner *r, struct sentry *s,
		     sd_bus_message *reply, struct err *e)
{
	struct run *run;
	int ret;

	run = calloc(1, sizeof(*run));
	if (!run)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	run->r = r;
	run->uid = s->sum.owner_uid;
	run->reply = sd_bus_message_ref(reply);
	retry_runner_unschedule(r, s);
	/* A failed preparation is a failed attempt: the worker skips it. */
	attempt_prepare(r->j, s, &run->a);
	ret = jobs_spawn(r->j, &run->thread, run_worker, run);
	if (ret < 0) {
		run->a.res.ok = false;
		err_set(&run->a.res.e, ERR_LOCAL, 0, -ret,
			"cannot start a worker thread");
		retry_runner_finish(r->j, &run->a, false);
		run->reply = sd_bus_message_unref(run->reply);
		run_free(run);
		return err_set(e, ERR_LOCAL, 0, -ret,
			       "cannot start a worker thread");
	}
	run->next = r->runs;
	r->runs = run;
	r->running++;
	return 0;
}

static unsigned int user_running(const struct retry_runner *r, uid_t uid)
{
	unsigned int n = 0;

	for (const struct run *run = r->runs; run; run = run->next)
		n += run->uid == uid;
	return n;
}

static void pending_free(struct pending *p)
{
	sd_bus_message_unref(p->reply);
	free(p);
}

/* Why @s (found for @p, may be NULL) gets no attempt now; NULL: it does. */
static const char *pending_refusal(const struct pending *p,
				   const struct sentry *s, bool *tell)
{
	*tell = p->reply != NULL;
	if (!s)
		return "The document left the spool while its upload waited.";
	if (s->busy)
		return "An upload of this document is already running; wait for it to end.";
	if (!p->reply && (s->sum.state != TICKET_WAITING ||
			  s->sum.retries_left == 0))
		return "";	/* no longer due: what changed it rescheduled it */
	return NULL;
}

/* @p got its slot: start it if its entry still wants an attempt. */
static void pending_start(struct retry_runner *r, struct pending *p)
{
	struct sentry *s = jobs_find_entry_id(r->j, p->uid, p->id);
	struct err e = { 0 };
	const char *why;
	bool tell;

	if (s)
		s->queued = false;
	why = pending_refusal(p, s, &tell);
	if (why && tell)
		bus_reply_errorf(p->reply, s ? "Failed" : "NotFound", "%s", why);
	if (!why && run_start(r, s, p->reply, &e) < 0) {
		log_msg(LOG_ERR, "jobs: retry of %u/%s: %s",
			(unsigned int)p->uid, p->id, e.msg);
		if (p->reply)
			bus_reply_err(p->reply, &e);
	}
	pending_free(p);
}

/* Give the free slots to the first pending attempts of users under the bound. */
static void runner_dispatch(struct retry_runner *r)
{
	struct pending **pp = &r->queue;

	while (*pp && r->running < RUNNER_PARALLEL) {
		struct pending *p = *pp;

		if (user_running(r, p->uid) >= RUNNER_PER_USER) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		if (r->queue_tail == &p->next)
			r->queue_tail = pp;
		pending_start(r, p);
	}
}

int retry_runner_start(struct retry_runner *r, struct sentry *s,
		       sd_bus_message *reply, struct err *e)
{
	struct pending *p;

	if (s->busy || s->queued)
		return err_set(e, ERR_INVALID, 0, EBUSY,
			       "an upload of this document is already running or waiting for its turn");
	p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	p->uid = s->sum.owner_uid;
	snprintf(p->id, sizeof(p->id), "%s", s->id);
	p->reply = sd_bus_message_ref(reply);
	s->queued = true;
	*r->queue_tail = p;
	r->queue_tail = &p->next;
	runner_dispatch(r);
	return 0;
}

/* --- the heap and its timer -------------------------------------------- */

static int runner_timer(sd_event_source *src, uint64_t usec, void *ud)
{
	struct retry_runner *r = ud;
	char id[SCHEDULER_ID_MAX];
	time_t now = time(NULL);
	struct err e = { 0 };
	struct sentry *s;
	uid_t uid;

	/* Every due entry joins the queue; the slots decide who runs. */
	while (scheduler_pop_due(r->sched, now, &uid, id, NULL) == 1) {
		s = jobs_find_entry_id(r->j, uid, id);
		if (!s || s->busy || s->sum.state != TICKET_WAITING ||
		    s->sum.retries_left == 0 || s->sum.next_retry > now)
			continue;	/* finishing it reschedules it */
		if (s->queued)
			continue;
		if (retry_runner_start(r, s, NULL, &e) < 0)
			log_msg(LOG_ERR, "jobs: retry of %u/%s: %s",
				(unsigned int)uid, id, e.msg);
	}
	runner_arm(r);
	return 0;
}

/* Arm the timer for the earliest entry (now if one waits for a worker). */
static void runner_arm(struct retry_runner *r)
{
	time_t when;

	if (!r->timer)
		return;
	if (!scheduler_peek(r->sched, &when)) {
		sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
		return;
	}
	if (r->running >= RUNNER_PARALLEL)
		return;		/* run_done() re-arms */
	if (when < 0)
		when = 0;
	sd_event_source_set_time(r->timer, (uint64_t)when * 1000000ULL);
	sd_event_source_set_enabled(r->timer, SD_EVENT_ONESHOT);
}

void retry_runner_schedule(struct retry_runner *r, struct sentry *s)
{
	struct err e = { 0 };

	if (s->busy)
		return;		/* retry_runner_finish() schedules it */
	if (s->sum.state == TICKET_WAITING && s->sum.retries_left > 0 &&
	    s->sum.next_retry > 0) {
		if (scheduler_set(r->sched, s->sum.owner_uid, s->id,
				  (time_t)s->sum.next_retry, &e) < 0)
			log_msg(LOG_ERR, "jobs: cannot schedule %s: %s", s->id,
				e.msg);
	} else {
		scheduler_remove(r->sched, s->sum.owner_uid, s->id);
	}
	runner_arm(r);
}

void retry_runner_unschedule(struct retry_runner *r, struct sentry *s)
{
	scheduler_remove(r->sched, s->sum.owner_uid, s->id);
	runner_arm(r);
}

int retry_runner_new(struct jobs *j, struct retry_runner **out,
		     struct err *e)
{
	struct retry_runner *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	r->j = j;
	r->queue_tail = &r->queue;
	ret = scheduler_new(&r->sched, e);
	if (ret < 0)
		goto fail;
	ret = sd_event_add_time(j->d->event, &r->timer, CLOCK_REALTIME,
				UINT64_MAX, 1000000, runner_timer, r);
	if (ret < 0) {
		err_set(e, ERR_LOCAL, 0, -ret, "cannot create the retry timer");
		goto fail;
	}
	sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
	sd_event_source_set_description(r->timer, "retry-runner");
	*out = r;
	return 0;
fail:
	retry_runner_free(r);
	return ret;
}

void retry_runner_free(struct retry_runner *r)
{
	struct pending *p;
	struct run *run;

	if (!r)
		return;
	while ((p = r->queue)) {
		r->queue = p->next;
		if (p->reply)
			bus_reply_errorf(p->reply, "Failed",
					 "The scan service is stopping; the document stays in the spool.");
		pending_free(p);
	}
	/* Attempts stop at their next progress call (shutting_down). */
	while ((run = r->runs)) {
		r->runs = run->next;
		pthread_join(run->thread, NULL);
		run->joined = true;
		/* run_done() (queued, run with d->exiting) frees it. */
	}
	sd_event_source_disable_unref(r->timer);
	scheduler_free(r->sched);
	free(r);
}
