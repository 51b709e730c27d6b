// SPDX-License-Identifier: GPL-2.0
/*
 * jobs: the job table of mfpscand and each job's lifetime: references,
 * PropertiesChanged, the final state reached without the pipeline, the
 * finished jobs kept for a while; the jobs part's construction and
 * shutdown, and Manager.ListJobs / ListSpool. Its other files (jobs.h
 * lists them): jobs_thread.c, jobs_entry.c, jobs_device.c, jobs_scan.c,
 * jobs_text.c. See Documentation/retry.rst.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "config.h"
#include "accounts.h"
#include "jobs_int.h"
#include "log.h"
#include "spool.h"

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
	scan_req_join_all(j);
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

/* --- final states ----------------------------------------------------- */

/* A final state reached without the pipeline (refused, cancelled). */
void job_end(struct job *job, enum job_state state,
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

void job_refuse_err(struct job *job, const struct err *e)
{
	job->refused_class = e->cls;
	job_end(job, JOB_FAILED, bus_error_name(e), "%s",
		e->msg[0] ? e->msg : "The scan was refused.");
}
