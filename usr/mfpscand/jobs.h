/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jobs: the scan jobs of mfpscand and their glue to the spool. The public
 * entry points (Manager.Scan, ListJobs, ListSpool) are declared in
 * daemon.h; this header is shared by the files of the "jobs" part only:
 *
 *   jobs.c          the job table, job lifetime, construction, ListJobs
 *   jobs_thread.c   worker threads and their calls to the main thread
 *   jobs_entry.c    the spool-entry table (SpoolEntry objects' state)
 *   jobs_device.c   the devices: one reading job each, the others waiting
 *   jobs_scan.c     Manager.Scan with the patent's pre-processing
 *                   (S501-S512) on a worker thread
 *   jobs_text.c     failure classes and advice in words, MIME types
 *   (jobs_int.h     what these files share among themselves)
 *   pipeline.c      the worker running one job: band_source -> encoder ->
 *                   spool temp file -> upload (S601-S610)
 *   retry_runner.c  the background retry (S701-S811): heap, timer, workers,
 *                   and the one function that uploads a spooled entry
 *   bus_job.c       org.mfpscan.Daemon1.Job objects
 *   bus_spool.c     org.mfpscan.Daemon1.SpoolEntry objects
 *   notify.c        owner-only Manager signals and the three mails
 *
 * Threads: every struct here is owned by the main thread. A worker gets
 * private copies (options, destination, ticket, descriptors), reads only
 * the atomics marked below, and reports back with daemon_post().
 */
#ifndef MFPSCAND_JOBS_H
#define MFPSCAND_JOBS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <linux/types.h>
#include <linux/mfpscan.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "err.h"
#include "job_panel.h"
#include "panel.h"
#include "scan_options.h"
#include "device_caps.h"
#include "spool.h"
#include "ticket.h"
#include "upload.h"

#define JOBS_JOB_PREFIX		DAEMON_PATH "/job"
#define JOBS_SPOOL_PREFIX	DAEMON_PATH "/spool"
#define JOBS_PATH_MAX		160
#define JOBS_ID_MAX		64	/* == SCHEDULER_ID_MAX */
#define JOBS_URL_MAX		2048
#define JOBS_FINISHED_PER_USER	20	/* finished jobs kept per user */
#define JOBS_FINISHED_KEEP_S	3600	/* and for at most this long */

enum job_state {
	JOB_PREPARING, JOB_QUEUED, JOB_SCANNING, JOB_UPLOADING, JOB_DONE, JOB_SPOOLED,
	JOB_FAILED, JOB_CANCELLED, JOB_STATE_COUNT
};

/*
 * One device ([device.NAME]): one job at a time reads from it. A job holds
 * it only from "scanning" until its pages are read; the user's earlier
 * documents upload while the job is "preparing", device free.
 */
struct jobs_device {
	char name[64];
	char *spec;			/* band source spec */
	bool busy;			/* a job is reading from it */
	struct job *waiting;		/* prepared jobs waiting for it, FIFO;
					 * each holds a reference */
	bool has_panel;
	char panel[PANEL_DIR_MAX];	/* sysfs dir of its panel and lamps */
	struct panel_kept panel_kept;	/* the kept documents its message tells of */
};

/* One scan job (a Job object). */
struct job {
	struct job *next;		/* jobs->jobs list */
	struct jobs *jobs;
	unsigned int refs;		/* main thread only */
	uint64_t id;
	char path[JOBS_PATH_MAX];
	uid_t owner;
	char account[TICKET_PATH_MAX];
	char account_name[TICKET_NAME_MAX];

	/* Properties (main thread). */
	enum job_state state;
	uint32_t pages;
	uint64_t bytes_scanned;
	uint64_t bytes_uploaded;
	char remote_url[JOBS_URL_MAX];
	char error[ERR_MSG_MAX];
	char ocr[ERR_MSG_MAX];		/* Ocr: "", "running", what came of it */
	char error_name[96];		/* D-Bus error name of a refusal, or "" */
	enum err_class refused_class;	/* and its class */
	time_t finished;		/* 0 while running */
	bool kept;			/* a document of it was spooled */
	enum err_class kept_class;	/* why (the panel's short reason) */
	struct panel_kept panel_kept;	/* which (job_panel.h) */
	struct job *wait_next;		/* device->waiting */
	bool waiting;			/* on device->waiting */

	/* Shared with the worker. */
	atomic_uint_fast64_t w_bytes_scanned;
	atomic_uint_fast64_t w_bytes_uploaded;
	atomic_uint w_pages;
	atomic_int w_state;		/* worker's view of State */
	atomic_bool progress_posted;	/* a progress callback is queued */
	atomic_int cancel;		/* JOB_CANCEL_* */
	int wake_fd;			/* eventfd: written with cancel (band_source_set_wake_fd) */

	/* Worker input (read-only once started). */
	struct scan_options opts;
	struct jobs_device *device;
	bool holds_device;		/* device->busy is this job's */
	struct dest dest;		/* from account_dest_get() */
	bool have_dest;
	uint64_t expected_bytes;	/* upper estimate (spool) */
	uint64_t expected_low;		/* lower estimate (destination) */
	pthread_t thread;
	bool thread_started;
	uint64_t last_emit_ms;		/* PropertiesChanged rate limit */
};

enum { JOB_CANCEL_NONE = 0, JOB_CANCEL_USER, JOB_CANCEL_SHUTDOWN };

/*
 * What the bus shows of a spool entry: a compact copy of its ticket (the
 * full ticket, with its attempt log, stays on disk and is read for each
 * attempt), so that 10,000 entries cost a few MB, not 150.
 */
struct entry_sum {
	uid_t owner_uid;
	enum ticket_state state;
	uint32_t retries_left;
	int64_t next_retry;
	int64_t created;
	uint64_t size;
	uint32_t pages;
	enum err_class last_class;
	char format[TICKET_WORD_MAX];
	char *account;			/* malloc'd */
	char *remote_name;		/* malloc'd */
	char *last_error;		/* malloc'd */
};

/* A spooled entry as the main thread mirrors it (a SpoolEntry object). */
struct sentry {
	struct sentry *next;
	struct jobs *jobs;
	char id[JOBS_ID_MAX];		/* spool id */
	char path[JOBS_PATH_MAX];
	struct entry_sum sum;
	bool busy;			/* an upload attempt is running */
	bool queued;			/* an attempt waits for an upload slot */
};

struct scan_req;

struct jobs {
	struct daemon *d;
	struct scan_req *reqs;		/* Scan calls being pre-processed */
	struct job *jobs;
	uint64_t next_job_id;
	struct sentry *entries;
	struct jobs_device *devices;	/* config order, as devcaps */
	size_t n_devices;
	struct devcaps *devcaps;	/* what each device can do */
	bool own_spool;			/* opened here, closed by jobs_free */
	atomic_bool shutting_down;
	atomic_int workers;		/* running worker threads */
	struct retry_runner *runner;
	struct notify *notify;
	sd_bus_slot *slots[4];
};

/* --- jobs*.c ----------------------------------------------------------- */

const char *job_state_name(enum job_state s);
/* The job failed: its device is probed again (its capabilities may have
 * changed, or it may be gone). */
void job_device_failed(struct job *job);
struct job *jobs_find_job(struct jobs *j, const char *path);
struct sentry *jobs_find_entry(struct jobs *j, const char *path);
struct sentry *jobs_find_entry_id(struct jobs *j, uid_t uid, const char *id);
/*
 * The job no longer needs its device (idempotent); the next prepared job
 * waiting for it starts.
 */
void job_release_device(struct job *job);
/* Cancel(): a job not yet reading ends now; a running one is told. */
void job_cancel(struct job *job);
/* Forget finished jobs beyond the time and per-user limits. */
void jobs_prune(struct jobs *j, uid_t owner);
void job_ref(struct job *job);
void job_unref(struct job *job);
/*
 * Release @job's destination, wiping its secrets (account_dest_release()),
 * once no worker uses it: when the job reaches its final state.
 */
void job_forget_dest(struct job *job);
/* Emit PropertiesChanged of @job's changed properties (rate limited unless @force). */
void job_emit_changed(struct job *job, bool force);

/* Mirror a spool entry on the bus (new, from spool or a failed job). */
struct sentry *jobs_entry_add(struct jobs *j, const char *id,
			      const struct ticket *t, bool announce);
/* The entry is gone from the spool: unpublish and free it. */
void jobs_entry_gone(struct jobs *j, struct sentry *s);
/* The entry's ticket changed: copy it and emit PropertiesChanged. */
void jobs_entry_changed(struct jobs *j, struct sentry *s,
			const struct ticket *t);

/*
 * Run @fn(@arg) on the main thread and wait for it (worker threads only).
 * Returns @fn's result, or -ECANCELED when the daemon shuts down first.
 */
int jobs_call_main(struct jobs *j, int (*fn)(struct jobs *j, void *arg),
		   void *arg);

/* upload_progress_fn that stops uploads at shutdown (@ud: struct jobs). */
int jobs_upload_stop(void *ud, uint64_t sent, uint64_t total);

/* Start a detached-from-the-bus worker thread that the jobs part joins. */
int jobs_spawn(struct jobs *j, pthread_t *thread, void *(*fn)(void *),
	       void *arg);

/* "your storage is full", ... : the failure class in a few words. */
const char *jobs_class_summary(enum err_class cls);

/* "<summary> (<message>)" for a person; @len >= ERR_MSG_MAX + 64 is enough. */
void jobs_describe(const struct err *e, char *out, size_t len);

/* What the user can do about a failure of class @cls (one sentence). */
const char *jobs_advice(enum err_class cls);

/* @n bytes for a person: "12 MB", "25 kB" or "900 bytes" (whole units,
 * rounded down; the larger unit from 10 of it on). */
void jobs_human_size(uint64_t n, char *buf, size_t len);

/* MIME type and extension for a format name ("pdf" -> application/pdf). */
const char *jobs_mime_type(const char *format);

/* --- pipeline.c -------------------------------------------------------- */

/* Start @job's worker (state queued -> scanning ...). */
int pipeline_start(struct job *job, struct err *e);

/* Cancel(): stop the engine; the document is discarded. */
void pipeline_cancel(struct job *job, int why);

/* --- retry_runner.c ---------------------------------------------------- */

/* The outcome of one upload attempt of a spooled entry. */
struct attempt {
	bool ok;
	bool already_there;
	bool permanent;			/* can never succeed (account deleted) */
	struct err e;
	char remote_url[JOBS_URL_MAX];
};

/* How many names a document tries on a conflict: NAME, NAME-2 .. NAME-99. */
#define ATTEMPT_NAME_VARIANTS	99

/*
 * Upload document @fd (ticket @t: size, format, fixed remote name) to
 * @dest: free-space check first (S803-S804: a document that cannot fit is
 * not sent), then upload_put(), which is idempotent for the same remote
 * name. @cb may be NULL. Any thread; blocks on the network.
 *
 * When a different file already has the name (-EEXIST, class server), the
 * next free variant is taken: "NAME-2.EXT", "NAME-3.EXT", ... up to
 * ATTEMPT_NAME_VARIANTS. Each new name is stored in spool entry @id of
 * @spool (t->owner_uid) BEFORE anything is uploaded under it, so a retry
 * after a crash uses it (and upload_put finds its own bytes there);
 * @id NULL (no entry) renames @t in memory only. If storing fails,
 * nothing is uploaded under the new name and @t keeps the stored name.
 * On return t->remote_name is the name used last.
 */
void attempt_upload(const struct dest *dest, struct ticket *t, int fd,
		    upload_progress_fn cb, void *ud, struct spool *spool,
		    const char *id, struct attempt *out);

/*
 * A worker-side copy for one attempt of entry @s: the account's
 * destination and a read-only descriptor of the document.
 */
struct attempt_job {
	struct sentry *s;		/* main thread only; busy while set */
	enum ticket_state prev_state;
	char id[JOBS_ID_MAX];		/* of @s, for the worker */
	bool have_ticket;		/* @t was read from the spool */
	struct ticket t;		/* the full ticket, for the worker */
	struct dest dest;
	bool have_dest;
	int fd;
	struct attempt res;
};

/*
 * Main thread: fill @a for an attempt of @s and mark @s busy (state
 * retrying). Returns 0, or a negative errno with @a->res.e set (the
 * attempt has then failed already; still call retry_runner_finish()).
 */
int attempt_prepare(struct jobs *j, struct sentry *s, struct attempt_job *a);

/* Close and free what attempt_prepare() took (any thread). */
void attempt_release(struct attempt_job *a);

/*
 * Main thread, after attempt @a ended: success -> entry removed from the
 * spool, UploadRecovered + cleared mail; failure -> retry_after_failure()
 * (or, for an attempt the owner's next scan made, @on_scan,
 * retry_after_scan_attempt(): the automatic retries are not used up; for
 * a permanent failure retry_give_up()), ticket stored durably,
 * PropertiesChanged, NeedsAttention + mail when it becomes
 * needs-attention. Clears @a->s. Returns true on success.
 */
bool retry_runner_finish(struct jobs *j, struct attempt_job *a, bool on_scan);

int retry_runner_new(struct jobs *j, struct retry_runner **out,
		     struct err *e);
void retry_runner_free(struct retry_runner *r);
/* (Re)schedule @s by its ticket (or unschedule when not waiting). */
void retry_runner_schedule(struct retry_runner *r, struct sentry *s);
void retry_runner_unschedule(struct retry_runner *r, struct sentry *s);
/*
 * Queue an attempt of @s (Retry() or due); it starts on a worker as soon
 * as an upload slot is free for its owner (retry_runner.c: at most two at
 * once, one per user). @reply (may be NULL) is answered when it ends.
 * Returns 0, or -EBUSY when an attempt is already running or queued, or
 * another negative errno with @e.
 */
int retry_runner_start(struct retry_runner *r, struct sentry *s,
		       sd_bus_message *reply, struct err *e);

/* --- bus_job.c / bus_spool.c ----------------------------------------- */

int bus_job_register(struct jobs *j);
int bus_spool_register(struct jobs *j);
extern const char *const bus_job_changed_props[];

/* --- notify.c ---------------------------------------------------------- */

int notify_new(struct jobs *j, struct notify **out, struct err *e);
void notify_free(struct notify *n);
void notify_upload_failed(struct jobs *j, const struct sentry *s,
			  const struct ticket *t);
void notify_upload_recovered(struct jobs *j, uid_t owner, const char *path,
			     const char *id, const struct ticket *t,
			     const char *remote_url);
void notify_needs_attention(struct jobs *j, const struct sentry *s,
			    const struct ticket *t);
/* A cut scan's finished pages were kept as entry @s (t->pages pages). */
void notify_partial_kept(struct jobs *j, const struct sentry *s,
			 const struct ticket *t);
/* Someone other than its owner (@by: root) discarded entry @s. */
void notify_discarded(struct jobs *j, const struct sentry *s,
		      const struct ticket *t, uid_t by);
/* Recovery moved @n files of @owner to orphans/ (their names there). */
void notify_orphans_kept(struct jobs *j, uid_t owner, const char *const *names,
			 size_t n);

/* --- recover.c --------------------------------------------------------- */

/*
 * At start, after the spool's entries are loaded: turn every scan a crash
 * or stop cut into entries, tell their owners, and report what recovery
 * moved to orphans/.
 */
void recover_cut_scans(struct jobs *j);

#endif
