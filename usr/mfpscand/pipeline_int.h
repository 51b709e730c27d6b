/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pipeline_int: what the parts of one scan job's worker share (see
 * pipeline.h): the job's state on its worker thread and the calls from one
 * part to the next. Not for anything outside usr/mfpscand/pipeline*.c.
 */
#ifndef MFPSCAND_PIPELINE_INT_H
#define MFPSCAND_PIPELINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "band_source.h"
#include "bus.h"
#include "encoder.h"
#include "ocr_worker.h"
#include "pipeline.h"
#include "retry.h"
#include "spool.h"

/* A spool entry made from the scan, waiting for its upload. */
struct doc {
	char id[SPOOL_ID_MAX];		/* "" : not made (an error stopped it) */
	struct ticket t;
	uint32_t *text_slots;		/* per page, with a text layer */
};

/*
 * One scan job on its worker thread, made by pipeline_start(): only that
 * thread reads or writes it (the main thread hears of it through
 * pipeline_events.c's events and the job's atomics), so it has no lock.
 */
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

/* pipeline.c */
void __attribute__((format(printf, 3, 4)))
msgf(char *buf, size_t len, const char *fmt, ...);

/* pipeline_events.c: the hand-off to the main thread */
void post_progress(struct pipe *p, bool force);
void set_state(struct pipe *p, enum job_state st);
bool user_cancelled(const struct pipe *p);
void __attribute__((format(printf, 2, 3)))
post_ocr(struct pipe *p, const char *fmt, ...);
void post_spooled(struct pipe *p, const char *id, const struct ticket *t,
		  bool partial);
void post_uploaded(struct pipe *p, const struct attempt *a, uint64_t size);
void post_device_free(struct pipe *p);
void post_finished(struct pipe *p, enum job_state st, const char *error);

/* pipeline_ticket.c: names and tickets */
void doc_name(struct pipe *p, int page, char *out, size_t len);
void ticket_fill(struct pipe *p, struct ticket *t);

/* pipeline_page.c: pages, each durable before the next band is read */
void page_abandon(struct pipe *p);
int page_lines(struct pipe *p, const struct band_view *v, struct err *e);
void keep_partial(struct pipe *p, const char *why);

/* pipeline_scan.c: reading the engine */
void scan_run(struct pipe *p);

/* pipeline_docs.c: from the scan to spool entries */
void scan_to_entries(struct pipe *p);

/* pipeline_upload.c: uploading the entries */
void upload_run(struct pipe *p);
void ocr_untold(struct pipe *p);

#endif
