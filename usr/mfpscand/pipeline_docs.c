// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_docs: the scan's pages become spool entries, the documents to
 * upload (see pipeline.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "assemble.h"
#include "config.h"
#include "log.h"
#include "pipeline_int.h"

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
void scan_to_entries(struct pipe *p)
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
