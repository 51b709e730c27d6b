/* SPDX-License-Identifier: GPL-2.0 */
/*
 * job_panel: what an engine's own panel (message and lamps, panel.h) says
 * about the jobs read from it: "Scanning…", then the outcome. A job whose
 * document was kept shows "Kept: <reason> — will retry"; the panel then
 * remembers which kept documents that message is about, so that when the
 * background retry (or a Retry call) delivers the last of them it says
 * "Sent to <account>" there, unless a newer message has replaced it. A
 * person at the scanner, with no session, thus learns that the kept scan
 * went after all. The memory is the daemon's: after a restart the kept
 * message stays until the next job.
 *
 * Main thread only, like the jobs list.
 */
#ifndef MFPSCAND_JOB_PANEL_H
#define MFPSCAND_JOB_PANEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "ticket.h"

#define PANEL_KEPT_MAX		16	/* documents of one job followed */
#define PANEL_KEPT_ID_MAX	64	/* == JOBS_ID_MAX */

/* The kept documents (spool ids) of one job, and where they go. */
struct panel_kept {
	uid_t owner;
	unsigned int n;			/* ids[0..n) */
	bool overflow;			/* more than PANEL_KEPT_MAX: never "sent" */
	char ids[PANEL_KEPT_MAX][PANEL_KEPT_ID_MAX];
	char account_name[TICKET_NAME_MAX];
};

struct job;
struct jobs;

/* The engine's panel says @job reads now. */
void job_panel_scanning(struct job *job);

/*
 * Document @id of @job was kept in the spool: its outcome's "Kept"
 * message will be about it.
 */
void job_panel_kept(struct job *job, const char *id);

/*
 * The engine's panel shows @job's outcome (its final State); called before
 * the final State is signalled, so that a client seeing it finds the panel
 * already set.
 */
void job_show_outcome(struct job *job);

/*
 * Kept document @id of @owner was uploaded (retry_runner.c): an engine
 * whose panel still shows the kept state of its job, and of no other kept
 * document, now shows "Sent to <account>", green on, amber off.
 */
void job_panel_sent(struct jobs *j, uid_t owner, const char *id);

#endif
