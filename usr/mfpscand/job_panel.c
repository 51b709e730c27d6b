// SPDX-License-Identifier: GPL-2.0
/*
 * job_panel: the engine's panel message and lamps for the jobs read from
 * it, and "Sent to <account>" when the kept documents the panel tells of
 * are delivered later (see job_panel.h).
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "jobs.h"
#include "job_panel.h"
#include "log.h"
#include "panel.h"

static_assert(PANEL_KEPT_ID_MAX == JOBS_ID_MAX, "a spool id must fit");

/*
 * Show @msg and the lamps on @job's engine. While another job reads from
 * the engine, its "Scanning..." stays: this job's outcome sets the lamps.
 * A message written replaces whatever kept state the panel told of; @kept
 * (NULL: none) is what the new one tells of.
 */
static void job_panel(const struct job *job, const char *msg,
		      enum panel_lamp green, enum panel_lamp amber,
		      const struct panel_kept *kept)
{
	struct jobs_device *dev = job->device;

	if (!dev || !dev->has_panel)
		return;
	if (dev->busy && !job->holds_device)
		msg = NULL;
	if (msg) {
		if (kept)
			dev->panel_kept = *kept;
		else
			memset(&dev->panel_kept, 0, sizeof(dev->panel_kept));
	}
	panel_show(dev->panel, msg, green, amber);
}

void job_panel_scanning(struct job *job)
{
	job_panel(job, "Scanning\u2026", PANEL_LAMP_KEEP, PANEL_LAMP_KEEP, NULL);
}

void job_panel_kept(struct job *job, const char *id)
{
	struct panel_kept *k = &job->panel_kept;

	k->owner = job->owner;
	snprintf(k->account_name, sizeof(k->account_name), "%s",
		 job->account_name);
	if (k->n == PANEL_KEPT_MAX) {
		k->overflow = true;
		return;
	}
	snprintf(k->ids[k->n++], sizeof(k->ids[0]), "%s", id);
}

void job_show_outcome(struct job *job)
{
	char msg[TICKET_NAME_MAX + 16];	/* panel_show() cuts it to fit */

	switch (job->state) {
	case JOB_DONE:
		snprintf(msg, sizeof(msg), "Sent to %s", job->account_name);
		job_panel(job, msg, PANEL_LAMP_ON, PANEL_LAMP_OFF, NULL);
		return;
	case JOB_SPOOLED:
		snprintf(msg, sizeof(msg), "Kept: %s \u2014 will retry",
			 panel_kept_reason(job->kept_class));
		job_panel(job, msg, PANEL_LAMP_OFF, PANEL_LAMP_ON,
			  &job->panel_kept);
		return;
	case JOB_CANCELLED:
		job_panel(job, "Cancelled", PANEL_LAMP_KEEP, PANEL_LAMP_KEEP, NULL);
		return;
	default:
		break;
	}
	if (strcmp(job->error_name, BUS_ERROR_PENDING) == 0)
		snprintf(msg, sizeof(msg), "Refused: earlier scans waiting");
	else if (job->error_name[0])
		snprintf(msg, sizeof(msg), "Refused: %s",
			 panel_kept_reason(job->refused_class));
	else
		snprintf(msg, sizeof(msg), "Failed: %s",
			 job->kept ? "partial document kept" : "scanner error");
	job_panel(job, msg, PANEL_LAMP_OFF, PANEL_LAMP_ON, NULL);
}

/* Drop @id from @k; true when it was there. */
static bool kept_remove(struct panel_kept *k, uid_t owner, const char *id)
{
	if (k->n == 0 || k->owner != owner)
		return false;
	for (unsigned int i = 0; i < k->n; i++) {
		if (strcmp(k->ids[i], id) != 0)
			continue;
		memmove(k->ids[i], k->ids[i + 1],
			(k->n - i - 1) * sizeof(k->ids[0]));
		k->n--;
		return true;
	}
	return false;
}

void job_panel_sent(struct jobs *j, uid_t owner, const char *id)
{
	char msg[TICKET_NAME_MAX + 16];

	for (size_t i = 0; i < j->n_devices; i++) {
		struct jobs_device *dev = &j->devices[i];
		struct panel_kept *k = &dev->panel_kept;

		if (!dev->has_panel || !kept_remove(k, owner, id))
			continue;
		/* Some of that job's documents still wait: still "Kept". */
		if (k->n > 0 || k->overflow)
			continue;
		snprintf(msg, sizeof(msg), "Sent to %s", k->account_name);
		log_msg(LOG_INFO, "jobs: %s: engine panel: the kept document %u/%s was delivered; it says so",
			dev->name, (unsigned int)owner, id);
		panel_show(dev->panel, msg, PANEL_LAMP_ON, PANEL_LAMP_OFF);
	}
}
