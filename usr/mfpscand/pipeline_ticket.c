// SPDX-License-Identifier: GPL-2.0
/*
 * pipeline_ticket: the remote names of a scan's documents and its ticket
 * (see pipeline.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "pipeline_int.h"
#include "scan_params.h"

/* --- names and tickets ------------------------------------------------------ */

struct name_call {
	struct job *job;
	const char *ext;
	int page;
	uint32_t *counter;		/* the job's: its pages share it */
	char out[TICKET_NAME_MAX];
	uint64_t written;		/* the counter's write, to wait for */
	struct err e;
};

static int make_name_main(struct jobs *j, void *arg)
{
	struct name_call *c = arg;
	struct account *acc = accounts_by_path(j->d->accounts, c->job->account);

	if (!acc || account_owner(acc) != c->job->owner)
		return err_set(&c->e, ERR_NOT_FOUND, 0, ENOENT,
			       "the account was deleted");
	/* The pages of one job share one counter, whatever else runs. */
	int r = account_make_name_counter(acc, c->job->opts.name, c->ext,
					  c->page, c->counter, c->out,
					  sizeof(c->out), &c->e);

	c->written = accounts_write_ticket(j->d->accounts);
	return r;
}

/*
 * The remote name of page @page (from 1) of a one-page format, or of the
 * whole document (-1), fixed once: it makes retries idempotent.
 */
void doc_name(struct pipe *p, int page, char *out, size_t len)
{
	struct name_call c = { .job = p->job, .page = page,
			       .counter = &p->name_counter };

	c.ext = doc_format_extension(p->fmt);
	/* the counter is on disk before its name is used (no reuse after a crash) */
	if (jobs_call_main(p->j, make_name_main, &c) == 0 && c.out[0] &&
	    accounts_wait_written(p->j->d->accounts, c.written, &c.e) == 0) {
		snprintf(out, len, "%s", c.out);
		return;
	}
	/* The account is gone, its counter was not saved, or the daemon
	 * stops: a unique fallback. */
	if (page > 0)
		snprintf(out, len, "%s-job%" PRIu64 "-%03d.%s",
			 p->job->opts.name, p->job->id, page, c.ext);
	else
		snprintf(out, len, "%s-job%" PRIu64 ".%s", p->job->opts.name,
			 p->job->id, c.ext);
}

/* "flatbed,adf,adf-duplex": the engine's reading mechanisms (703). */
static void mechanisms_name(uint32_t sources, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < MFPSCAN_SOURCE_COUNT; i++) {
		if (!(sources & (1u << i)) || used >= len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 used ? "," : "",
					 scan_options_source_name(i));
	}
}

/* The ticket of S302: everything known before the first band is read. */
void ticket_fill(struct pipe *p, struct ticket *t)
{
	struct job *job = p->job;
	const struct scan_options *o = &job->opts;
	const char *codec;

	ticket_init(t);
	snprintf(t->source, sizeof(t->source), "%s",
		 scan_options_source_name(o->source));
	snprintf(t->color_mode, sizeof(t->color_mode), "%s",
		 scan_options_color_name(o->color_mode));
	t->resolution = p->params.resolution;
	t->width_mm = p->params.width_um / 1000;
	t->height_mm = p->params.height_um / 1000;
	t->pages_requested = o->pages;
	snprintf(t->format, sizeof(t->format), "%s", doc_format_name(p->fmt));
	snprintf(t->device, sizeof(t->device), "%s", job->device->name);
	snprintf(t->model, sizeof(t->model), "%.*s",
		 (int)sizeof(p->caps.model), (const char *)p->caps.model);
	mechanisms_name(p->caps.sources, t->mechanisms, sizeof(t->mechanisms));
	encoder_describe(p->fmt, p->params.color_mode, &p->eopt, &codec,
			 &t->quality, &t->compression);
	snprintf(t->codec, sizeof(t->codec), "%s", codec);
	/* A scan cut before assembly gets its text layer at recovery. */
	snprintf(t->ocr, sizeof(t->ocr), "%s", p->ocr_langs ? p->ocr_langs : "");
	snprintf(t->account, sizeof(t->account), "%s", job->account);
	snprintf(t->account_name, sizeof(t->account_name), "%s",
		 job->account_name);
	snprintf(t->dest_type, sizeof(t->dest_type), "%s",
		 dest_type_name(job->dest.type) ? dest_type_name(job->dest.type) : "local");
	snprintf(t->remote_folder, sizeof(t->remote_folder), "%s",
		 job->dest.folder ? job->dest.folder : "");
	t->owner_uid = job->owner;
	t->created = time(NULL);
}
