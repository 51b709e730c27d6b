// SPDX-License-Identifier: GPL-2.0
/*
 * recover: what a crash, a power cut or a stop left of scans in progress
 * (see jobs.h and Documentation/spool.rst, "Page-level durability").
 *
 * spool_open() found each cut scan with its finished pages; here, on the
 * main thread at start, they become entries like any spooled document: a
 * PDF or TIFF assembled from the pages, or the JPEG/PNG pages themselves.
 * A scan cut while it was read is kept under a name that says it is
 * partial ("NAME-partial-N-pages.pdf", "NAME-partial-007.jpg"), is due at
 * once, and its owner is told once (PartialDocumentKept and a mail); a
 * scan whose reading had ended is the whole document under its own name.
 * Files recovery moved to orphans/ are reported to their owners. A PDF
 * scan that asked for OCR gets its text layer here (recover_ocr.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assemble.h"
#include "config.h"
#include "jobs.h"
#include "log.h"
#include "recover_ocr.h"
#include "retry.h"

struct recovery {
	struct jobs *j;
	struct ticket base;		/* the scan's ticket, pages set */
	const char *scan_id;
	uint32_t *slots;		/* PDF with OCR: each page's text stream */
	bool told;			/* the owner has been told */
};

/* Page @page of a one-page-format scan: "STEM-partial-KKK.EXT" when cut,
 * "STEM-KKK.EXT" when reading had ended. */
static void recovered_name(void *ud, uint32_t page, char *out, size_t len)
{
	struct recovery *rc = ud;
	const char *name = rc->base.remote_name;
	const char *dot = strrchr(name, '.');
	int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);

	if (rc->base.partial)
		ticket_partial_name(&rc->base, page, out, len);
	else
		snprintf(out, len, "%.*s-%03u%s", stem, name, page,
			 dot && dot != name ? dot : "");
}

/* The assembled PDF @id (ticket @t) with OCR's text, if it asked for it:
 * @id and @t are then the searchable entry's. */
static void recovered_text(struct recovery *rc, const char **id,
			   struct ticket *t, char *id2)
{
	struct err e = { 0 };
	long words;

	words = recover_ocr(rc->j->d->spool, t->owner_uid, rc->scan_id, *id,
			    rc->slots, rc->j->d->config->ocr_timeout_s, t, id2, &e);
	if (words < 0) {
		log_msg(LOG_WARNING, "recover: user %u: scan %s: no text layer: %s; the image-only PDF is kept and uploaded",
			(unsigned int)t->owner_uid, rc->scan_id, e.msg);
		return;
	}
	log_msg(LOG_INFO, "recover: user %u: scan %s: text layer of %ld words added (%s)",
		(unsigned int)t->owner_uid, rc->scan_id, words, t->ocr);
	*id = id2;
}

static void recovered_entry(void *ud, uint32_t page, const char *id,
			    const struct ticket *stored)
{
	struct recovery *rc = ud;
	struct ticket tt = *stored, *t = &tt;
	char id2[SPOOL_ID_MAX];
	struct sentry *s;

	if (page == 0 && rc->slots)
		recovered_text(rc, &id, t, id2);
	s = jobs_entry_add(rc->j, id, t, true);
	if (!s) {
		log_msg(LOG_ERR, "recover: entry %u/%s: out of memory, loaded at the next start",
			(unsigned int)t->owner_uid, id);
		return;
	}
	/* One notice per scan, whatever the number of entries made. */
	if (t->partial && !rc->told) {
		struct ticket told = *t;

		told.pages = rc->base.pages;
		notify_partial_kept(rc->j, s, &told);
		rc->told = true;
	}
}

/* The ticket the scan's entries start from: due now, retried as usual. */
static void recovered_ticket(struct recovery *rc, const struct ticket *scan,
			     uint32_t pages, const struct retry_policy *pol)
{
	char name[TICKET_NAME_MAX];

	rc->base = *scan;
	rc->base.pages = pages;
	rc->base.state = TICKET_WAITING;
	rc->base.retries_left = pol->count;
	rc->base.next_retry = time(NULL);
	if (!scan->partial)
		return;
	snprintf(rc->base.last_error, sizeof(rc->base.last_error),
		 "the scanner stopped (power cut, crash or restart) while it was reading; the %u page%s finished before that %s kept",
		 pages, pages == 1 ? "" : "s", pages == 1 ? "was" : "were");
	ticket_partial_name(&rc->base, 0, name, sizeof(name));
	if (doc_format_is_multipage((enum doc_format)doc_format_from_name(scan->format)))
		snprintf(rc->base.remote_name, sizeof(rc->base.remote_name), "%s", name);
}

static void recover_one(struct jobs *j, const struct spool_scan_info *si)
{
	struct spool *sp = j->d->spool;
	struct encoder_options opt = { .jpeg_quality = (int)j->d->config->jpeg_quality };
	struct recovery rc = { .j = j };
	struct ticket scan;
	struct err e = { 0 };
	uint32_t pages = 0;

	if (spool_scan_get(sp, si->uid, si->id, &scan, &pages, &e) < 0) {
		log_msg(LOG_ERR, "recover: %s", e.msg);
		return;
	}
	if (pages == 0) {
		log_msg(LOG_WARNING, "recover: user %u: scan %s was cut before its first page was finished",
			(unsigned int)si->uid, si->id);
		if (spool_scan_end(sp, si->uid, si->id, &e) < 0)
			log_msg(LOG_ERR, "recover: %s", e.msg);
		return;
	}
	recovered_ticket(&rc, &scan, pages, &j->d->config->retry);
	rc.scan_id = si->id;
	/* The text streams OCR fills: as a normal job's (pipeline_docs.c). */
	if (scan.ocr[0] && doc_format_from_name(scan.format) == DOC_PDF) {
		rc.slots = calloc(pages, sizeof(*rc.slots));
		opt.text_layer = rc.slots != NULL;
	}
	if (assemble_scan(sp, si->uid, si->id, pages, &rc.base, &opt,
			  recovered_name, recovered_entry, &rc, rc.slots, &e) < 0) {
		log_msg(LOG_ERR, "recover: user %u: scan %s: %s; its %u pages stay in the spool for the next start",
			(unsigned int)si->uid, si->id, e.msg, pages);
		free(rc.slots);
		return;
	}
	free(rc.slots);
	log_msg(LOG_WARNING, "recover: user %u: scan %s: %s document of %u page%s kept as \"%s\"",
		(unsigned int)si->uid, si->id, scan.partial ? "partial" : "whole",
		pages, pages == 1 ? "" : "s", rc.base.remote_name);
}

/* One OrphansKept signal per owner with the names of their files. */
static void report_orphans(struct jobs *j)
{
	struct spool_orphan *o = NULL;
	const char **names;
	struct err e = { 0 };
	size_t n = 0, k;

	if (spool_orphans(j->d->spool, &o, &n, &e) < 0) {
		log_msg(LOG_ERR, "recover: %s", e.msg);
		return;
	}
	names = calloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; names && i < n; i = k) {
		size_t m = 0;

		for (k = i; k < n && o[k].uid == o[i].uid; k++)
			names[m++] = o[k].name;
		notify_orphans_kept(j, o[i].uid, names, m);
	}
	if (!names && n)
		log_msg(LOG_ERR, "recover: out of memory reporting %zu orphaned files", n);
	free(names);
	free(o);
}

void recover_cut_scans(struct jobs *j)
{
	struct spool_scan_info *cut = NULL;
	struct err e = { 0 };
	size_t n = 0;

	if (spool_scans_cut(j->d->spool, &cut, &n, &e) < 0) {
		log_msg(LOG_ERR, "recover: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < n; i++)
		recover_one(j, &cut[i]);
	free(cut);
	report_orphans(j);
}
