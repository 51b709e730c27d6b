// SPDX-License-Identifier: GPL-2.0
/*
 * jobs_scan: Manager.Scan with the patent's pre-processing (S501-S512):
 * before a user's new scan, that user's kept documents are uploaded first;
 * then the destination is checked (log in, free space against the expected
 * size). Scan answers at once with the job, in state "preparing"; the
 * network part runs on a worker thread without holding the device, and its
 * outcome (a refusal with its reason, or the start of the scan) reaches
 * the caller through the job's State, Error and ErrorName. See
 * Documentation/retry.rst.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "bus.h"
#include "config.h"
#include "accounts.h"
#include "jobs_int.h"
#include "log.h"
#include "retry.h"
#include "scan_params.h"
#include "spool.h"

#define SCAN_PENDING_MAX 32	/* entries tried before one scan */

struct scan_req {
	struct scan_req *next;		/* jobs->reqs */
	bool joined;
	struct jobs *j;
	uid_t caller;
	char account[TICKET_PATH_MAX];
	struct job *job;		/* not yet on the bus */
	struct attempt_job pending[SCAN_PENDING_MAX];
	size_t n_pending;
	/* upload_check() of the destination (S502-S503) */
	int check_r;
	struct err check_e;
	struct upload_space space;
	pthread_t thread;
};

/* Put @job on the bus (state preparing) and answer Scan call @m with it. */
static void job_publish(struct jobs *j, struct job *job, sd_bus_message *m)
{
	int r;

	job->next = j->jobs;
	j->jobs = job;			/* the table's reference: job_new()'s */
	bus_emit_object_added(j->d, job->owner, job->path);
	r = sd_bus_reply_method_return(m, "o", job->path);
	if (r < 0)
		log_errno(LOG_WARNING, -r, "jobs: %s: cannot reply to Scan",
			  job->path);
}

/* --- Manager.Scan: options ---------------------------------------------- */

static bool is_known_key(const char *key)
{
	for (int k = 0; k < SCAN_OPT_COUNT; k++)
		if (strcmp(scan_options_key_name(k), key) == 0)
			return true;
	return false;
}

/* One {sv} entry, the variant entered. */
static int read_option_value(sd_bus_message *m, const char *key,
			     const char *sig, struct scan_options *o,
			     struct err *e)
{
	const char *s;
	union { uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u;
		int64_t x; uint64_t t; } v;
	int r;

	if (strlen(sig) != 1 || !strchr("synqiuxt", sig[0])) {
		if (!is_known_key(key))
			return scan_options_set_string(o, key, "", e);
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "scan option '%s' has D-Bus type '%.16s'; expected a string or an integer",
			       key, sig);
	}
	if (sig[0] == 's') {
		r = bus_read_string_variant(m, key, &s, e);
		if (r < 0)
			return r;
		return scan_options_set_string(o, key, s, e);
	}
	r = sd_bus_message_read_basic(m, sig[0], &v);
	if (r < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "scan option '%s' could not be read", key);
	switch (sig[0]) {
	case 'y': return scan_options_set_uint(o, key, v.y, false, e);
	case 'n': return scan_options_set_uint(o, key, (uint64_t)(v.n < 0 ? -(int64_t)v.n : v.n), v.n < 0, e);
	case 'q': return scan_options_set_uint(o, key, v.q, false, e);
	case 'i': return scan_options_set_uint(o, key, (uint64_t)(v.i < 0 ? -(int64_t)v.i : v.i), v.i < 0, e);
	case 'u': return scan_options_set_uint(o, key, v.u, false, e);
	case 'x': return scan_options_set_uint(o, key, v.x < 0 ? 0 : (uint64_t)v.x, v.x < 0, e);
	default: return scan_options_set_uint(o, key, v.t, false, e);
	}
}

static int read_options(sd_bus_message *m, struct scan_options *o,
			struct err *e)
{
	const char *key, *sig;
	char type;
	int r;

	scan_options_init(o);
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "the scan options must be a dictionary a{sv}");
	for (;;) {
		r = sd_bus_message_enter_container(m, 'e', "sv");
		if (r == 0)
			break;
		if (r < 0 || sd_bus_message_read(m, "s", &key) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "the scan options could not be read");
		r = sd_bus_message_peek_type(m, &type, &sig);
		if (r < 0 || sd_bus_message_enter_container(m, 'v', sig) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "scan option '%.64s' could not be read", key);
		r = read_option_value(m, key, sig, o, e);
		if (r < 0)
			return r;
		if (sd_bus_message_exit_container(m) < 0 ||
		    sd_bus_message_exit_container(m) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "scan option '%.64s' could not be read", key);
	}
	sd_bus_message_exit_container(m);
	return scan_options_finish(o, e);
}

/* --- Manager.Scan: the pre-processing worker ---------------------------- */


/* @exiting: the jobs table is gone; free only what @req owns. */
static void scan_req_free(struct scan_req *req, bool exiting)
{
	for (size_t i = 0; i < req->n_pending; i++) {
		struct attempt_job *a = &req->pending[i];

		if (a->s && !exiting) {
			/* Not attempted: back to its previous state. */
			a->s->busy = false;
			a->s->sum.state = a->prev_state;
			retry_runner_schedule(req->j->runner, a->s);
		}
		attempt_release(a);
	}
	job_unref(req->job);
	free(req);
}

static void scan_req_unlink(struct scan_req *req)
{
	for (struct scan_req **p = &req->j->reqs; *p; p = &(*p)->next) {
		if (*p == req) {
			*p = req->next;
			return;
		}
	}
}

static void scan_req_done(struct daemon *d, void *arg);

static void *scan_req_worker(void *arg)
{
	struct scan_req *req = arg;
	struct job *job = req->job;
	const struct accounts *accounts = req->j->d->accounts;

	/* S504-S511: the caller's earlier documents go first. */
	for (size_t i = 0; i < req->n_pending; i++) {
		struct attempt_job *a = &req->pending[i];

		if (a->fd >= 0 && !atomic_load(&req->j->shutting_down) &&
		    account_dest_unseal(accounts, a->t.account, &a->dest,
					&a->res.e) == 0)
			attempt_upload(&a->dest, &a->t, a->fd, jobs_upload_stop,
				       req->j, req->j->d->spool, a->id,
				       &a->res);
	}
	/* S502-S503 and S602-S603 ahead of time: log in, free space. */
	err_clear(&req->check_e);
	/* the secrets and the folder's check: here, not on the main loop */
	req->check_r = account_dest_unseal(accounts, req->account, &job->dest,
					   &req->check_e);
	if (req->check_r == 0)
		req->check_r = upload_check(&job->dest, &req->space,
					    &req->check_e);
	if (daemon_post(req->j->d, scan_req_done, req) < 0)
		log_msg(LOG_ERR, "jobs: cannot report a pre-check: out of memory");
	return NULL;
}

/* PendingUploads naming the first entry that blocks the scan. */
static void refuse_pending(struct job *job, const struct attempt_job *a,
			   size_t n_blocking)
{
	char reason[ERR_MSG_MAX + 64];

	jobs_describe(&a->res.e, reason, sizeof(reason));
	job->refused_class = a->res.e.cls;
	if (n_blocking > 1)
		job_end(job, JOB_FAILED, BUS_ERROR_PENDING,
			"%zu documents from your previous scans to '%s' could not be uploaded: %s. %s",
			n_blocking, job->account_name, reason,
			jobs_advice(a->res.e.cls));
	else
		job_end(job, JOB_FAILED, BUS_ERROR_PENDING,
			"The document from your previous scan to '%s' could not be uploaded: %s. %s",
			job->account_name, reason, jobs_advice(a->res.e.cls));
}

/*
 * Does failed attempt @a block a new scan to @job's destination under
 * pending_policy = block? Only what the user can act on for that same
 * destination does: its storage is full, its login or folder or
 * certificate is wrong. A server that is down, another account's trouble
 * or a document whose account is gone (made needs-attention) never does.
 */
static bool pending_blocks(const struct job *job, const struct attempt_job *a)
{
	return a->have_ticket && !a->res.permanent &&
	       strcmp(a->t.account, job->account) == 0 &&
	       retry_class_is_slow(a->res.e.cls);
}

/* Is the pre-check failure one the user must fix before scanning? */
static bool check_refuses(enum err_class cls)
{
	return cls == ERR_AUTH || cls == ERR_TLS || cls == ERR_NOT_FOUND ||
	       cls == ERR_INVALID || cls == ERR_LOCAL;
}

/* The pre-scan attempts are applied; how many block the scan. */
static size_t scan_req_finish_pending(struct scan_req *req,
				      const struct attempt_job **first)
{
	size_t n = 0;

	for (size_t i = 0; i < req->n_pending; i++) {
		struct attempt_job *a = &req->pending[i];

		if (!a->s)
			continue;
		/* An attempt of the owner's scan uses up no retry. */
		if (!retry_runner_finish(req->j, a, true) &&
		    pending_blocks(req->job, a) && n++ == 0)
			*first = a;
	}
	return n;
}

/* Known free space below what the scan surely needs? */
static bool scan_req_known_full(struct scan_req *req)
{
	if (req->check_r < 0)
		return req->check_e.cls == ERR_STORAGE_FULL;
	return req->space.known &&
	       req->space.free_bytes < req->job->expected_low;
}

static void refuse_full(struct scan_req *req)
{
	struct job *job = req->job;
	char need[32], have[32];

	job->refused_class = ERR_STORAGE_FULL;
	if (req->check_r < 0) {
		job_end(job, JOB_FAILED, BUS_ERROR_STORAGE_FULL, "%s",
			req->check_e.msg);
		return;
	}
	jobs_human_size(job->expected_low, need, sizeof(need));
	jobs_human_size(req->space.free_bytes, have, sizeof(have));
	job_end(job, JOB_FAILED, BUS_ERROR_STORAGE_FULL,
		"Your storage '%s' has %s free, but this scan needs at least %s. Free some space and scan again.",
		job->account_name, have, need);
}

/* After the pre-processing: refuse the job with its reason, or read. */
static void scan_req_decide(struct scan_req *req)
{
	struct jobs *j = req->j;
	struct job *job = req->job;
	const struct attempt_job *first = NULL;
	size_t n_blocking = scan_req_finish_pending(req, &first);
	struct err e = { 0 };

	if (atomic_load(&job->cancel) == JOB_CANCEL_USER) {
		job_end(job, JOB_CANCELLED, "",
			"Cancelled before scanning; nothing was read.");
		return;
	}
	if (n_blocking && j->d->config->pending_policy == CONFIG_PENDING_BLOCK) {
		refuse_pending(job, first, n_blocking);
		return;
	}
	if (req->check_r < 0 && check_refuses(req->check_e.cls)) {
		err_prefix(&req->check_e, "account '%s'", job->account_name);
		job_refuse_err(job, &req->check_e);
		return;
	}
	/* Refuse up front what the spool could not keep (no scan lost). */
	if (spool_reserve(j->d->spool, job->owner, job->expected_bytes, &e) < 0) {
		job_refuse_err(job, &e);
		return;
	}
	if (scan_req_known_full(req)) {
		if (j->d->config->full_policy == CONFIG_FULL_REFUSE) {
			refuse_full(req);
			return;
		}
		log_msg(LOG_INFO, "jobs: %s: the storage is full; scanning anyway (full_policy = keep): the document is kept in the spool and retried",
			job->path);
	} else if (req->check_r < 0) {
		log_msg(LOG_INFO, "jobs: %s: pre-check failed (%s), scanning anyway: the document is spooled if the upload fails",
			job->account, req->check_e.msg);
	}
	job_acquire_device(job);
}

static void scan_req_done(struct daemon *d, void *arg)
{
	struct scan_req *req = arg;

	if (!req->joined)
		pthread_join(req->thread, NULL);
	req->joined = true;
	if (d->exiting) {
		/* jobs_free() ran or runs: touch nothing of @j. */
		scan_req_free(req, true);
		return;
	}
	scan_req_unlink(req);
	atomic_fetch_sub(&req->j->workers, 1);
	if (!req->job->finished)
		scan_req_decide(req);
	scan_req_free(req, false);
}

void scan_req_join_all(struct jobs *j)
{
	for (struct scan_req *req = j->reqs; req; req = req->next) {
		pthread_join(req->thread, NULL);
		req->joined = true;	/* scan_req_done() frees it */
	}
	j->reqs = NULL;
}

/*
 * Hand the caller's kept entries to the pre-processing (S504): every one,
 * needs-attention included, except a partial document (its owner decides
 * about it with Retry or Discard).
 */
static void scan_req_collect(struct scan_req *req)
{
	for (struct sentry *s = req->j->entries; s; s = s->next) {
		struct attempt_job *a;

		if (req->n_pending == SCAN_PENDING_MAX)
			break;
		if (s->sum.owner_uid != req->job->owner || s->busy)
			continue;
		if (s->sum.state == TICKET_NEEDS_ATTENTION &&
		    s->sum.last_class == ERR_DEVICE)
			continue;
		a = &req->pending[req->n_pending++];
		attempt_prepare(req->j, s, a);
	}
}

/*
 * Expected size of the whole job: an upper estimate for the spool (it must
 * be able to keep the document), a lower one for the destination's free
 * space (refuse only what surely cannot fit; the rest is spooled if need
 * be, never lost).
 */
static void scan_expected_bytes(const struct scan_options *o,
				const struct mfpscan_caps *caps,
				const struct mfpscan_params *p,
				uint64_t *high, uint64_t *low)
{
	uint32_t w = o->width_mm ? o->width_mm : caps->max_width_um / 1000;
	uint32_t h = o->height_mm ? o->height_mm : caps->max_height_um / 1000;
	uint32_t pages = scan_params_page_count(p, caps->adf_capacity);

	if (pages == 0)
		pages = 1;
	*high = scan_options_page_estimate(o, w, h) * pages;
	/* the feeder may hold fewer sheets than it can take */
	*low = scan_options_page_estimate_low(o, w, h) * (o->pages ? pages : 1);
}

static struct job *job_new(struct jobs *j, uid_t caller, struct account *acc)
{
	struct job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->jobs = j;
	job->refs = 1;
	/* Cancel and shutdown wake a worker waiting for a stalled engine. */
	job->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->wake_fd < 0)
		log_errno(LOG_WARNING, errno, "jobs: no wake-up descriptor: Cancel waits for the engine");
	job->id = j->next_job_id++;
	snprintf(job->path, sizeof(job->path), "%s/%" PRIu64, JOBS_JOB_PREFIX,
		 job->id);
	/* root may scan to a user's account: the document is the user's. */
	job->owner = account_owner(acc);
	snprintf(job->account, sizeof(job->account), "%s", account_path(acc));
	snprintf(job->account_name, sizeof(job->account_name), "%s",
		 account_name(acc));
	job->state = JOB_PREPARING;
	return job;
}

int jobs_handle_scan(struct jobs *j, sd_bus_message *m, uid_t caller,
		     struct account *acc)
{
	struct scan_options o;
	struct mfpscan_params params;
	struct mfpscan_caps caps;
	struct jobs_device *dev;
	struct scan_req *req = NULL;
	struct job *job;
	struct err e = { 0 };
	int r;

	if (atomic_load(&j->shutting_down))
		return bus_reply_errorf(m, "Failed", "The scan service is stopping; scan again in a moment.");
	if (caller != 0 && account_owner(acc) != caller)
		return bus_reply_errorf(m, "NotFound", "There is no such account.");
	if (read_options(m, &o, &e) < 0)
		return bus_reply_err(m, &e);
	dev = jobs_device(j, o.device);
	if (!dev)
		return bus_reply_errorf(m, "NoDevice",
			"There is no scanner called '%s' (see GetCapabilities).",
			o.device[0] ? o.device : "(default)");
	if (dev->busy)
		return bus_reply_errorf(m, "DeviceBusy",
			"The scanner '%s' is busy with another scan; try again when it has finished.",
			dev->name);
	if (device_caps(j, dev, &caps, &e) < 0) {
		err_prefix(&e, "scanner '%s'", dev->name);
		return bus_reply_err(m, &e);
	}
	r = scan_params_from_options(&caps, scan_options_source_name(o.source),
				     scan_options_color_name(o.color_mode),
				     o.resolution, o.width_mm, o.height_mm,
				     o.pages, 0, &params, &e);
	if (r < 0)
		return bus_reply_err(m, &e);

	job = job_new(j, caller, acc);
	req = calloc(1, sizeof(*req));
	if (!job || !req) {
		free(req);
		if (job)
			job_unref(job);
		return bus_reply_errorf(m, "Local", "The scan service is out of memory.");
	}
	job->opts = o;
	if (!job->opts.ocr[0])		/* the account's default, if any */
		snprintf(job->opts.ocr, sizeof(job->opts.ocr), "%s",
			 account_get(acc, ACCOUNT_OCR));
	job->device = dev;
	scan_expected_bytes(&o, &caps, &params, &job->expected_bytes,
			    &job->expected_low);

	r = account_dest_get(acc, &job->dest, &e);
	if (r < 0) {
		job_unref(job);
		free(req);
		return bus_reply_err(m, &e);
	}
	job->have_dest = true;
	/* The reply now: earlier documents upload while it is "preparing". */
	job_publish(j, job, m);
	req->j = j;
	req->caller = caller;
	req->job = job;
	job_ref(job);			/* the request's reference */
	snprintf(req->account, sizeof(req->account), "%s", job->account);
	scan_req_collect(req);
	r = jobs_spawn(j, &req->thread, scan_req_worker, req);
	if (r < 0) {
		err_set(&e, ERR_LOCAL, 0, -r, "cannot start a worker thread");
		job_refuse_err(job, &e);
		scan_req_free(req, false);
		return 1;
	}
	req->next = j->reqs;
	j->reqs = req;
	return 1;	/* handled: the outcome follows on the job */
}
