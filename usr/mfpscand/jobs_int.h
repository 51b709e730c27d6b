/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jobs_int: what the files of the job and spool-entry tables share (see
 * jobs.h): the Scan request being pre-processed and the calls from one
 * file to another. Not for anything outside usr/mfpscand/jobs*.c.
 */
#ifndef MFPSCAND_JOBS_INT_H
#define MFPSCAND_JOBS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "jobs.h"

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

/* jobs.c */
void job_end(struct job *job, enum job_state state,
	     const char *error_name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void job_refuse_err(struct job *job, const struct err *e);

/* jobs_entry.c: the spool-entry table */
void entry_free(struct sentry *s);
int jobs_load_spool(struct jobs *j, struct err *e);

/* jobs_device.c: the devices and who reads from them */
struct job *device_next(struct jobs_device *dev);
void device_wait(struct job *job);
int jobs_devices_init(struct jobs *j, struct err *e);
void jobs_devices_wait(struct jobs *j);
struct jobs_device *jobs_device(struct jobs *j, const char *name);
int device_caps(struct jobs *j, struct jobs_device *dev,
		struct mfpscan_caps *caps, struct err *e);
void job_start_scan(struct job *job);
void job_acquire_device(struct job *job);

#endif
