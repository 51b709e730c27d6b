// SPDX-License-Identifier: GPL-2.0
/*
 * jobs_device: the scanners ([device.NAME]) and who reads from them: one
 * job at a time per device, the prepared jobs waiting for it in turn,
 * cancelling a job before it reads, and each device's capabilities as the
 * last probe found them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "panel.h"
#include "jobs_int.h"
#include "log.h"

/* The first prepared job waiting for @dev that still wants it. */
struct job *device_next(struct jobs_device *dev)
{
	struct job *job = dev->waiting;

	if (job) {
		dev->waiting = job->wait_next;
		job->wait_next = NULL;
		job->waiting = false;
	}
	return job;
}

void job_release_device(struct job *job)
{
	struct jobs_device *dev = job->device;
	struct job *next;

	if (!job->holds_device)
		return;
	job->holds_device = false;
	dev->busy = false;
	if (atomic_load(&job->jobs->shutting_down))
		return;
	next = device_next(dev);
	if (next) {
		job_start_scan(next);
		job_unref(next);	/* the waiting list's reference */
	}
}

/* Wait for @job's device behind the job reading from it now. */
void device_wait(struct job *job)
{
	struct job **p = &job->device->waiting;

	while (*p)
		p = &(*p)->wait_next;
	*p = job;
	job_ref(job);
	job->waiting = true;
	job->state = JOB_QUEUED;
	job_emit_changed(job, true);
}

/* Take @job off its device's waiting list; the list's reference is the caller's. */
static void device_unwait(struct job *job)
{
	for (struct job **p = &job->device->waiting; *p; p = &(*p)->wait_next) {
		if (*p == job) {
			*p = job->wait_next;
			job->wait_next = NULL;
			job->waiting = false;
			return;
		}
	}
}

void job_cancel(struct job *job)
{
	pipeline_cancel(job, JOB_CANCEL_USER);
	/* A job not reading yet has nothing to stop: it ends here. */
	if (job->waiting) {
		device_unwait(job);
		job_end(job, JOB_CANCELLED, "",
			"Cancelled before scanning; nothing was read.");
		job_unref(job);		/* the waiting list's */
	}
}

/* --- devices ------------------------------------------------------------ */

int jobs_devices_init(struct jobs *j, struct err *e)
{
	const struct config *c = j->d->config;

	j->devices = calloc(c->n_devices ? c->n_devices : 1, sizeof(*j->devices));
	if (!j->devices)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_devices; i++) {
		struct jobs_device *dev = &j->devices[i];

		snprintf(j->devices[i].name, sizeof(j->devices[i].name), "%s",
			 c->devices[i].name);
		dev->has_panel = panel_dir(c->sysfs_dir, &c->devices[i],
					   dev->panel, sizeof(dev->panel)) == 0;
		j->devices[i].spec = strdup(c->devices[i].path);
		if (!j->devices[i].spec)
			return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
		j->n_devices++;
	}
	return devcaps_start(c, &j->devcaps, e);
}

/*
 * Scans right after the start find their device probed: the start waits
 * for the first probes (before the bus is served), up to 10 s, after which
 * a device still probing is reported as such and probed on.
 */
void jobs_devices_wait(struct jobs *j)
{
	if (devcaps_wait_first(j->devcaps, 10000) < 0)
		log_msg(LOG_WARNING, "jobs: a device is still being probed after 10 s; serving meanwhile");
}

struct jobs_device *jobs_device(struct jobs *j, const char *name)
{
	const struct config_device *cd = config_device(j->d->config, name);

	if (!cd)
		return NULL;
	for (size_t i = 0; i < j->n_devices; i++)
		if (strcmp(j->devices[i].name, cd->name) == 0)
			return &j->devices[i];
	return NULL;
}

/*
 * @dev's capabilities as the last probe found them (device_caps.c): never
 * opens the device here, on the main loop. -EAGAIN while the first probe
 * runs, or the reason it is unavailable.
 */
int device_caps(struct jobs *j, struct jobs_device *dev,
		struct mfpscan_caps *caps, struct err *e)
{
	struct devcaps_view v;

	devcaps_get(j->devcaps, (size_t)(dev - j->devices), &v);
	if (v.available) {
		*caps = v.caps;
		return 0;
	}
	if (v.probing)
		return err_set(e, ERR_DEVICE, EAGAIN, EAGAIN,
			       "the scanner is being probed; scan again in a moment");
	return err_set(e, ERR_DEVICE, ENODEV, ENODEV, "%s", v.reason);
}

void job_device_failed(struct job *job)
{
	if (job->device && job->jobs->devcaps)
		devcaps_refresh(job->jobs->devcaps,
				(size_t)(job->device - job->jobs->devices));
}

/* The device is free: read. */
void job_start_scan(struct job *job)
{
	struct err e = { 0 };

	if (atomic_load(&job->cancel) == JOB_CANCEL_USER) {
		job_end(job, JOB_CANCELLED, "",
			"Cancelled before scanning; nothing was read.");
		return;
	}
	job->device->busy = true;
	job->holds_device = true;
	job_panel_scanning(job);
	if (pipeline_start(job, &e) < 0) {
		job_release_device(job);
		job_refuse_err(job, &e);
	}
}

/* Prepared: read now, or after the job that holds the device. */
void job_acquire_device(struct job *job)
{
	if (job->device->busy)
		device_wait(job);
	else
		job_start_scan(job);
}
