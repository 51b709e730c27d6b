// SPDX-License-Identifier: GPL-2.0
/*
 * jobs: the job and spool-entry tables of mfpscand and Manager.Scan with
 * the patent's pre-processing (S501-S512): before a user's new scan, that
 * user's kept documents are uploaded first; then the destination is
 * checked (log in, free space against the expected size). Scan answers at
 * once with the job, in state "preparing"; the network part runs on a
 * worker thread without holding the device, and its outcome (a refusal
 * with its reason, or the start of the scan) reaches the caller through
 * the job's State, Error and ErrorName. See Documentation/retry.rst.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "bus.h"
#include "config.h"
#include "panel.h"
#include "band_source.h"
#include "accounts.h"
#include "jobs.h"
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

static const char *const job_state_names[JOB_STATE_COUNT] = {
	[JOB_PREPARING] = "preparing",
	[JOB_QUEUED] = "queued",
	[JOB_SCANNING] = "scanning",
	[JOB_UPLOADING] = "uploading",
	[JOB_DONE] = "done",
	[JOB_SPOOLED] = "spooled",
	[JOB_FAILED] = "failed",
	[JOB_CANCELLED] = "cancelled",
};

const char *job_state_name(enum job_state s)
{
	if ((unsigned int)s >= JOB_STATE_COUNT)
		return "failed";
	return job_state_names[s];
}

const char *jobs_mime_type(const char *format)
{
	if (strcmp(format, "pdf") == 0)
		return "application/pdf";
	if (strcmp(format, "jpeg") == 0)
		return "image/jpeg";
	if (strcmp(format, "png") == 0)
		return "image/png";
	if (strcmp(format, "tiff") == 0)
		return "image/tiff";
	return "application/octet-stream";
}

/* --- worker threads and main-thread calls ------------------------------ */

int jobs_spawn(struct jobs *j, pthread_t *thread, void *(*fn)(void *),
	       void *arg)
{
	int r = pthread_create(thread, NULL, fn, arg);

	if (r)
		return -r;
	atomic_fetch_add(&j->workers, 1);
	return 0;
}

int jobs_upload_stop(void *ud, uint64_t sent, uint64_t total)
{
	struct jobs *j = ud;

	/* Stop at shutdown; a spooled entry stays and is retried later. */
	return atomic_load(&j->shutting_down) ? 1 : 0;
}

struct main_call {
	struct jobs *j;
	int (*fn)(struct jobs *j, void *arg);
	void *arg;
	int result;
	bool done;
	bool abandoned;		/* the worker gave up waiting */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void main_call_free(struct main_call *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void main_call_run(struct daemon *d, void *arg)
{
	struct main_call *c = arg;
	bool abandoned;
	int r = -ECANCELED;

	pthread_mutex_lock(&c->lock);
	abandoned = c->abandoned;
	pthread_mutex_unlock(&c->lock);
	if (!abandoned && !d->exiting)
		r = c->fn(c->j, c->arg);
	pthread_mutex_lock(&c->lock);
	c->result = r;
	c->done = true;
	abandoned = c->abandoned;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (abandoned)
		main_call_free(c);
}

int jobs_call_main(struct jobs *j, int (*fn)(struct jobs *j, void *arg),
		   void *arg)
{
	struct main_call *c = calloc(1, sizeof(*c));
	struct timespec ts;
	int r;

	if (!c)
		return -ENOMEM;
	c->j = j;
	c->fn = fn;
	c->arg = arg;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	r = daemon_post(j->d, main_call_run, c);
	if (r < 0) {
		main_call_free(c);
		return r;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		/* At shutdown the main thread joins us: do not wait for it. */
		if (atomic_load(&j->shutting_down)) {
			c->abandoned = true;
			pthread_mutex_unlock(&c->lock);
			return -ECANCELED;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	}
	r = c->result;
	pthread_mutex_unlock(&c->lock);
	main_call_free(c);
	return r;
}

/* --- jobs -------------------------------------------------------------- */

void job_ref(struct job *job)
{
	job->refs++;
}

void job_forget_dest(struct job *job)
{
	if (job->have_dest)
		account_dest_release(&job->dest);
	job->have_dest = false;
}

static void job_free(struct job *job)
{
	job_forget_dest(job);
	if (job->wake_fd >= 0)
		close(job->wake_fd);
	free(job);
}

void job_unref(struct job *job)
{
	if (job && --job->refs == 0)
		job_free(job);
}

static void job_start_scan(struct job *job);
static void job_end(struct job *job, enum job_state state,
		    const char *error_name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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

/* The first prepared job waiting for @dev that still wants it. */
static struct job *device_next(struct jobs_device *dev)
{
	struct job *job = dev->waiting;

	if (job) {
		dev->waiting = job->wait_next;
		job->wait_next = NULL;
		job->waiting = false;
	}
	return job;
}

void job_release_device(struct job *job)
{
	struct jobs_device *dev = job->device;
	struct job *next;

	if (!job->holds_device)
		return;
	job->holds_device = false;
	dev->busy = false;
	if (atomic_load(&job->jobs->shutting_down))
		return;
	next = device_next(dev);
	if (next) {
		job_start_scan(next);
		job_unref(next);	/* the waiting list's reference */
	}
}

/* Wait for @job's device behind the job reading from it now. */
static void device_wait(struct job *job)
{
	struct job **p = &job->device->waiting;

	while (*p)
		p = &(*p)->wait_next;
	*p = job;
	job_ref(job);
	job->waiting = true;
	job->state = JOB_QUEUED;
	job_emit_changed(job, true);
}

/* Take @job off its device's waiting list; the list's reference is the caller's. */
static void device_unwait(struct job *job)
{
	for (struct job **p = &job->device->waiting; *p; p = &(*p)->wait_next) {
		if (*p == job) {
			*p = job->wait_next;
			job->wait_next = NULL;
			job->waiting = false;
			return;
		}
	}
}

void job_cancel(struct job *job)
{
	pipeline_cancel(job, JOB_CANCEL_USER);
	/* A job not reading yet has nothing to stop: it ends here. */
	if (job->waiting) {
		device_unwait(job);
		job_end(job, JOB_CANCELLED, "",
			"Cancelled before scanning; nothing was read.");
		job_unref(job);		/* the waiting list's */
	}
}

struct job *jobs_find_job(struct jobs *j, const char *path)
{
	for (struct job *job = j->jobs; job; job = job->next)
		if (strcmp(job->path, path) == 0)
			return job;
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void job_emit_changed(struct job *job, bool force)
{
	static const char *const progress[] = {
		"Pages", "BytesScanned", "BytesUploaded", NULL
	};
	uint64_t t = now_ms();

	if (!force && t - job->last_emit_ms < 250)
		return;
	job->last_emit_ms = t;
	bus_emit_properties_changed(job->jobs->d, job->owner, job->path,
				    DAEMON_IFACE_JOB,
				    force ? bus_job_changed_props : progress);
}

/* Drop a finished job from the bus and the table. */
static void job_unlink(struct jobs *j, struct job *job)
{
	for (struct job **p = &j->jobs; *p; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			break;
		}
	}
	bus_emit_object_removed(j->d, job->owner, job->path, DAEMON_IFACE_JOB);
	job_unref(job);
}

/* Keep finished jobs for a while, at most JOBS_FINISHED_PER_USER per user. */
void jobs_prune(struct jobs *j, uid_t owner)
{
	time_t now = time(NULL);
	unsigned int kept = 0;
	struct job *job, *next;

	/* The list is newest first. */
	for (job = j->jobs; job; job = next) {
		next = job->next;
		if (!job->finished)
			continue;
		if (now - job->finished > JOBS_FINISHED_KEEP_S) {
			job_unlink(j, job);
			continue;
		}
		if (job->owner == owner && ++kept > JOBS_FINISHED_PER_USER)
			job_unlink(j, job);
	}
}

/* --- spool entries ------------------------------------------------------ */

struct sentry *jobs_find_entry(struct jobs *j, const char *path)
{
	for (struct sentry *s = j->entries; s; s = s->next)
		if (strcmp(s->path, path) == 0)
			return s;
	return NULL;
}

struct sentry *jobs_find_entry_id(struct jobs *j, uid_t uid, const char *id)
{
	for (struct sentry *s = j->entries; s; s = s->next)
		if (s->sum.owner_uid == uid && strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/*
 * Object path of a spool entry: ids are per user, so the uid is in it.
 * Spool ids are 32 hex digits (spool_id_valid), safe in a path as they are.
 */
static int entry_path(uid_t uid, const char *id, char *out, size_t len)
{
	int n;

	if (!spool_id_valid(id))
		return -EINVAL;
	n = snprintf(out, len, "%s/u%u_%s", JOBS_SPOOL_PREFIX,
		     (unsigned int)uid, id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void entry_sum_clear(struct entry_sum *m)
{
	free(m->account);
	free(m->remote_name);
	free(m->last_error);
	memset(m, 0, sizeof(*m));
}

static void entry_free(struct sentry *s)
{
	entry_sum_clear(&s->sum);
	free(s);
}

/* Copy what the bus shows of ticket @t into @m. */
static int entry_sum_set(struct entry_sum *m, const struct ticket *t)
{
	struct entry_sum n = {
		.owner_uid = t->owner_uid, .state = t->state,
		.retries_left = t->retries_left, .next_retry = t->next_retry,
		.created = t->created, .size = t->size, .pages = t->pages,
		.last_class = t->last_class,
	};

	snprintf(n.format, sizeof(n.format), "%s", t->format);
	n.account = strdup(t->account);
	n.remote_name = strdup(t->remote_name);
	n.last_error = strdup(t->last_error);
	if (!n.account || !n.remote_name || !n.last_error) {
		entry_sum_clear(&n);
		return -ENOMEM;
	}
	entry_sum_clear(m);
	*m = n;
	return 0;
}

struct sentry *jobs_entry_add(struct jobs *j, const char *id,
			      const struct ticket *t, bool announce)
{
	/* At start the spool lists each entry once: no need to look. */
	struct sentry *s = announce ? jobs_find_entry_id(j, t->owner_uid, id)
				    : NULL;

	if (s) {
		jobs_entry_changed(j, s, t);
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->jobs = j;
	snprintf(s->id, sizeof(s->id), "%s", id);
	if (entry_sum_set(&s->sum, t) < 0) {
		entry_free(s);
		return NULL;
	}
	if (entry_path(t->owner_uid, id, s->path, sizeof(s->path)) < 0) {
		entry_free(s);
		return NULL;
	}
	s->next = j->entries;
	j->entries = s;
	if (j->runner)
		retry_runner_schedule(j->runner, s);
	if (announce)
		bus_emit_object_added(j->d, t->owner_uid, s->path);
	return s;
}

void jobs_entry_gone(struct jobs *j, struct sentry *s)
{
	for (struct sentry **p = &j->entries; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	if (j->runner)
		retry_runner_unschedule(j->runner, s);
	bus_emit_object_removed(j->d, s->sum.owner_uid, s->path,
				DAEMON_IFACE_SPOOL);
	entry_free(s);
}

void jobs_entry_changed(struct jobs *j, struct sentry *s,
			const struct ticket *t)
{
	if (entry_sum_set(&s->sum, t) < 0)
		log_msg(LOG_ERR, "jobs: spool entry %s: out of memory", s->id);
	if (j->runner)
		retry_runner_schedule(j->runner, s);
	bus_emit_properties_changed(j->d, s->sum.owner_uid, s->path,
				    DAEMON_IFACE_SPOOL, NULL);
}

/* Mirror every entry spool_open() recovered; each gets a timer. */
static int jobs_load_spool(struct jobs *j, struct err *e)
{
	struct spool_info *all = NULL;
	struct ticket t;
	struct err ge;
	size_t n = 0;
	int r;

	r = spool_list_all(j->d->spool, &all, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		err_clear(&ge);
		if (spool_get(j->d->spool, all[i].uid, all[i].id, &t, &ge) < 0) {
			log_msg(LOG_ERR, "jobs: spool entry %u/%s: %s",
				(unsigned int)all[i].uid, all[i].id, ge.msg);
			continue;
		}
		if (!jobs_entry_add(j, all[i].id, &t, false))
			log_msg(LOG_ERR, "jobs: spool entry %u/%s: out of memory",
				(unsigned int)all[i].uid, all[i].id);
	}
	free(all);
	log_msg(LOG_INFO, "jobs: %zu spooled documents recovered", n);
	return 0;
}

/* --- devices ------------------------------------------------------------ */

static int jobs_devices_init(struct jobs *j, struct err *e)
{
	const struct config *c = j->d->config;

	j->devices = calloc(c->n_devices ? c->n_devices : 1, sizeof(*j->devices));
	if (!j->devices)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_devices; i++) {
		struct jobs_device *dev = &j->devices[i];

		snprintf(j->devices[i].name, sizeof(j->devices[i].name), "%s",
			 c->devices[i].name);
		dev->has_panel = panel_dir(c->sysfs_dir, &c->devices[i],
					   dev->panel, sizeof(dev->panel)) == 0;
		j->devices[i].spec = strdup(c->devices[i].path);
		if (!j->devices[i].spec)
			return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
		j->n_devices++;
	}
	return devcaps_start(c, &j->devcaps, e);
}

/*
 * Scans right after the start find their device probed: the start waits
 * for the first probes (before the bus is served), up to 10 s, after which
 * a device still probing is reported as such and probed on.
 */
static void jobs_devices_wait(struct jobs *j)
{
	if (devcaps_wait_first(j->devcaps, 10000) < 0)
		log_msg(LOG_WARNING, "jobs: a device is still being probed after 10 s; serving meanwhile");
}

static struct jobs_device *jobs_device(struct jobs *j, const char *name)
{
	const struct config_device *cd = config_device(j->d->config, name);

	if (!cd)
		return NULL;
	for (size_t i = 0; i < j->n_devices; i++)
		if (strcmp(j->devices[i].name, cd->name) == 0)
			return &j->devices[i];
	return NULL;
}

/*
 * @dev's capabilities as the last probe found them (device_caps.c): never
 * opens the device here, on the main loop. -EAGAIN while the first probe
 * runs, or the reason it is unavailable.
 */
static int device_caps(struct jobs *j, struct jobs_device *dev,
		       struct mfpscan_caps *caps, struct err *e)
{
	struct devcaps_view v;

	devcaps_get(j->devcaps, (size_t)(dev - j->devices), &v);
	if (v.available) {
		*caps = v.caps;
		return 0;
	}
	if (v.probing)
		return err_set(e, ERR_DEVICE, EAGAIN, EAGAIN,
			       "the scanner is being probed; scan again in a moment");
	return err_set(e, ERR_DEVICE, ENODEV, ENODEV, "%s", v.reason);
}

void job_device_failed(struct job *job)
{
	if (job->device && job->jobs->devcaps)
		devcaps_refresh(job->jobs->devcaps,
				(size_t)(job->device - job->jobs->devices));
}

/* --- construction ------------------------------------------------------- */

/* The spool, unless the core opened it already; recovered and logged. */
static int jobs_open_spool(struct jobs *j, struct err *e)
{
	const struct config *c = j->d->config;
	struct spool_limits lim;
	struct spool_recovery rep = { 0 };
	int r;

	spool_limits_default(&lim);
	lim.max_bytes_per_user = c->spool_max_bytes_per_user;
	lim.max_entries_per_user = c->spool_max_entries_per_user;
	lim.min_free_bytes = c->spool_min_free_bytes;
	r = spool_open(c->spool_dir, &lim, &j->d->spool, &rep, e);
	if (r < 0) {
		err_prefix(e, "spool %s", c->spool_dir);
		return r;
	}
	j->own_spool = true;
	log_msg(LOG_INFO, "jobs: spool %s: %zu users, %zu entries recovered (%zu commits completed, %zu removals completed, %zu tmp/ leftovers kept, %zu orphaned)",
		c->spool_dir, rep.users, rep.entries, rep.rolled_forward,
		rep.removals_finished, rep.temp_orphaned, rep.orphaned);
	return 0;
}

int jobs_new(struct daemon *d, struct jobs **out, struct err *e)
{
	struct jobs *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	j->d = d;
	j->next_job_id = 1;
	r = jobs_devices_init(j, e);
	if (r < 0)
		goto fail;
	jobs_devices_wait(j);
	r = notify_new(j, &j->notify, e);
	if (r < 0)
		goto fail;
	r = retry_runner_new(j, &j->runner, e);
	if (r < 0)
		goto fail;
	if (!d->spool) {
		r = jobs_open_spool(j, e);
		if (r < 0)
			goto fail;
	}
	/* Every entry recovered by spool_open() gets an object and a timer. */
	r = jobs_load_spool(j, e);
	if (r < 0)
		goto fail;
	/* Scans a crash cut become entries too; their owners are told. */
	recover_cut_scans(j);
	*out = j;
	return 0;
fail:
	jobs_free(j);
	return r;
}

void jobs_free(struct jobs *j)
{
	struct job *job;
	struct sentry *s;

	if (!j)
		return;
	atomic_store(&j->shutting_down, true);
	/* Pre-processing threads end after their current upload. */
	for (struct scan_req *req = j->reqs; req; req = req->next) {
		pthread_join(req->thread, NULL);
		req->joined = true;	/* scan_req_done() frees it */
	}
	j->reqs = NULL;
	for (job = j->jobs; job; job = job->next)
		if (!job->finished)
			pipeline_cancel(job, JOB_CANCEL_SHUTDOWN);
	for (job = j->jobs; job; job = job->next) {
		if (job->thread_started) {
			pthread_join(job->thread, NULL);
			job->thread_started = false;
		}
	}
	retry_runner_free(j->runner);
	j->runner = NULL;
	j->devcaps = devcaps_stop(j->devcaps);
	notify_free(j->notify);
	/* The table's references; a worker's goes with its last event. */
	while ((job = j->jobs)) {
		j->jobs = job->next;
		job_unref(job);
	}
	while ((s = j->entries)) {
		j->entries = s->next;
		entry_free(s);
	}
	for (unsigned int i = 0; i < sizeof(j->slots) / sizeof(j->slots[0]); i++)
		sd_bus_slot_unref(j->slots[i]);
	for (size_t i = 0; i < j->n_devices; i++) {
		while ((job = device_next(&j->devices[i])))
			job_unref(job);
		free(j->devices[i].spec);
	}
	free(j->devices);
	if (j->own_spool)
		j->d->spool = spool_close(j->d->spool);
	free(j);
}

int jobs_register_bus(struct jobs *j)
{
	int r = bus_job_register(j);

	if (r < 0)
		return r;
	return bus_spool_register(j);
}

void jobs_account_deleted(struct jobs *j, const struct account *acc)
{
	/*
	 * Running jobs hold a private copy of the destination and finish
	 * with it. Spooled entries stay (nothing is deleted without the
	 * owner's consent); their next attempt finds the account gone and
	 * makes them needs-attention (retry_give_up()): kept until the owner
	 * discards them or exports them with Open(), never waited on.
	 */
	log_msg(LOG_INFO, "jobs: account %s deleted; its spooled documents are kept",
		account_path(acc));
}

/* --- Manager.ListJobs / ListSpool -------------------------------------- */

int jobs_handle_list_jobs(struct jobs *j, sd_bus_message *m, uid_t caller)
{
	sd_bus_message *reply = NULL;
	int r;

	r = bus_reply_array_open(m, "o", &reply);
	for (struct job *job = j->jobs; r >= 0 && job; job = job->next)
		if (caller == 0 || job->owner == caller)
			r = sd_bus_message_append(reply, "o", job->path);
	return bus_reply_array_send(reply, r);
}

int jobs_handle_list_spool(struct jobs *j, sd_bus_message *m, uid_t caller)
{
	sd_bus_message *reply = NULL;
	int r;

	r = bus_reply_array_open(m, "o", &reply);
	for (struct sentry *s = j->entries; r >= 0 && s; s = s->next)
		if (caller == 0 || s->sum.owner_uid == caller)
			r = sd_bus_message_append(reply, "o", s->path);
	return bus_reply_array_send(reply, r);
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

static void human_size(uint64_t n, char *buf, size_t len)
{
	if (n >= 10ULL << 20)
		snprintf(buf, len, "%" PRIu64 " MB", n >> 20);
	else if (n >= 10ULL << 10)
		snprintf(buf, len, "%" PRIu64 " kB", n >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
}

/* What the user can do about a failure class (one short sentence). */
const char *jobs_advice(enum err_class cls)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
		return "Free some space and scan again.";
	case ERR_AUTH:
		return "Check the account's user name and password (mfpscanctl accounts update).";
	case ERR_NOT_FOUND:
		return "Check the account's address and folder.";
	case ERR_TLS:
		return "The server's certificate or SSH host key is not the trusted one; check the account's ca-file or host-key setting.";
	case ERR_NETWORK:
		return "Check the network and the server's address, then scan again.";
	case ERR_SERVER:
		return "Try again later.";
	default:
		return "Try again later.";
	}
}

const char *jobs_class_summary(enum err_class cls)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
		return "your storage is full";
	case ERR_AUTH:
		return "the storage refused the login";
	case ERR_NOT_FOUND:
		return "the destination was not found";
	case ERR_NETWORK:
		return "the storage could not be reached";
	case ERR_SERVER:
		return "the storage server reported an error";
	case ERR_TLS:
		return "the storage's certificate or host key is not trusted";
	case ERR_DEVICE:
		return "the scanner failed";
	default:
		return "a problem on the scanner";
	}
}

/* "<summary> (<the server's words, without a final period>)" */
void jobs_describe(const struct err *e, char *out, size_t len)
{
	int n = (int)strlen(e->msg);

	while (n > 0 && (e->msg[n - 1] == '.' || e->msg[n - 1] == ' '))
		n--;
	if (n == 0)
		snprintf(out, len, "%s", jobs_class_summary(e->cls));
	else
		snprintf(out, len, "%s (%.*s)", jobs_class_summary(e->cls), n,
			 e->msg);
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

/* A final state reached without the pipeline (refused, cancelled). */
static void job_end(struct job *job, enum job_state state,
		    const char *error_name, const char *fmt, ...)
{
	va_list ap;

	job->state = state;
	snprintf(job->error_name, sizeof(job->error_name), "%s", error_name);
	va_start(ap, fmt);
	vsnprintf(job->error, sizeof(job->error), fmt, ap);
	va_end(ap);
	job->finished = time(NULL);
	/* No worker uses the destination any more: wipe its secrets now. */
	job_forget_dest(job);
	/* The panel first: who sees the final State finds the panel set. */
	job_show_outcome(job);
	job_emit_changed(job, true);
	log_msg(LOG_INFO, "jobs: %s (uid %u) %s: %s%s%s", job->path,
		(unsigned int)job->owner, job_state_name(state), error_name,
		error_name[0] ? ": " : "", job->error);
	jobs_prune(job->jobs, job->owner);
}

static void job_refuse_err(struct job *job, const struct err *e)
{
	job->refused_class = e->cls;
	job_end(job, JOB_FAILED, bus_error_name(e), "%s",
		e->msg[0] ? e->msg : "The scan was refused.");
}

/* The device is free: read. */
static void job_start_scan(struct job *job)
{
	struct err e = { 0 };

	if (atomic_load(&job->cancel) == JOB_CANCEL_USER) {
		job_end(job, JOB_CANCELLED, "",
			"Cancelled before scanning; nothing was read.");
		return;
	}
	job->device->busy = true;
	job->holds_device = true;
	job_panel_scanning(job);
	if (pipeline_start(job, &e) < 0) {
		job_release_device(job);
		job_refuse_err(job, &e);
	}
}

/* Prepared: read now, or after the job that holds the device. */
static void job_acquire_device(struct job *job)
{
	if (job->device->busy)
		device_wait(job);
	else
		job_start_scan(job);
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
	human_size(job->expected_low, need, sizeof(need));
	human_size(req->space.free_bytes, have, sizeof(have));
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
