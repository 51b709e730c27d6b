/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jobs_int: what the files of the job and spool-entry tables share (see
 * jobs.h): the calls from one file to another. Not for anything outside
 * usr/mfpscand/jobs*.c.
 */
#ifndef MFPSCAND_JOBS_INT_H
#define MFPSCAND_JOBS_INT_H

#include "jobs.h"

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

/*
 * jobs_scan.c, at shutdown: wait for every Scan being pre-processed (each
 * thread ends after its current upload); the result each posted frees it.
 */
void scan_req_join_all(struct jobs *j);

#endif
