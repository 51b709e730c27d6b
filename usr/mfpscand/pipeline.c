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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "config.h"
#include "log.h"
#include "pipeline_int.h"
#include "scan_params.h"

/* snprintf for messages: a long server message is cut, on purpose. */
void msgf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* --- the worker ----------------------------------------------------------- */

/* The job's outcome (see the top of this file) and what its owner reads. */
static void finish(struct pipe *p)
{
	char msg[ERR_MSG_MAX] = "";
	enum job_state st;

	if (user_cancelled(p)) {
		st = JOB_CANCELLED;
		msgf(msg, sizeof(msg),
		     "Cancelled; nothing that was not yet uploaded was kept.");
	} else if (p->device_failed || p->local_failed) {
		st = JOB_FAILED;
		if (!p->fail.msg[0])
			msgf(msg, sizeof(msg), "%s", p->last_error);
		else if (p->n_spooled)
			msgf(msg, sizeof(msg),
			     "%s. What was read is kept in your spool.",
			     p->fail.msg);
		else if (p->n_uploaded)
			msgf(msg, sizeof(msg),
			     "%s. The %zu pages read before it were uploaded.",
			     p->fail.msg, p->n_uploaded);
		else
			msgf(msg, sizeof(msg), "%s", p->fail.msg);
	} else if (p->n_spooled) {
		st = JOB_SPOOLED;
		msgf(msg, sizeof(msg), "%s", p->last_error);
	} else if (p->n_docs == 0) {
		st = JOB_FAILED;
		msgf(msg, sizeof(msg), "The scanner delivered no page.");
	} else {
		st = JOB_DONE;
	}
	post_finished(p, st, msg);
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
