// SPDX-License-Identifier: GPL-2.0
/*
 * device_caps: each device's capabilities, probed by one worker thread
 * (see device_caps.h). A probe opens the device briefly
 * (band_source_open(), band_source_caps()), which can take long: a USB
 * engine answers over the wire, a pattern engine loads its image. The main
 * thread only copies what the last probe found.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "band_source.h"
#include "device_caps.h"
#include "log.h"
#include "usb_watch.h"

struct devcaps_entry {
	const struct config_device *cd;
	bool queued;		/* a probe is wanted */
	bool running;		/* the worker probes it now */
	bool have_caps;		/* caps from a probe that succeeded */
	bool probed;		/* a probe has ended, whatever it found */
	bool available;
	bool busy;
	int usb_present;	/* libusb engines: as last seen; -1 unknown */
	struct mfpscan_caps caps;
	char reason[ERR_MSG_MAX];
};

/* A probe's outcome, found without the lock. */
struct devcaps_result {
	bool available, busy, have_caps;
	struct mfpscan_caps caps;
	char reason[ERR_MSG_MAX];
};

struct devcaps {
	/* Guards ent[] (every field) and quit; never held across a probe. */
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* a probe was queued, or quit */
	pthread_cond_t probed;		/* a probe ended */
	bool quit;
	bool started;
	pthread_t thread;
	size_t n;
	struct devcaps_entry *ent;
};

/* Open the device briefly and read its capabilities into @res. */
static void devcaps_probe(const struct config_device *cd, bool cached,
			  struct devcaps_result *res)
{
	struct band_source *src = NULL;
	struct err e;
	int r;

	err_clear(&e);
	/* the USB watcher knows whether a libusb engine is there */
	r = cd->driver == CONFIG_DRIVER_LIBUSB ? usb_watch_present(cd->path) : -1;
	if (r == 0) {
		snprintf(res->reason, sizeof(res->reason),
			 "the USB engine (%s) is not plugged in", cd->path);
		return;
	}
	if (r == 1 && cached) {		/* held by the watcher: keep what we have */
		res->available = true;
		return;
	}
	r = band_source_open(cd->path, &src, &e);
	if (r >= 0) {
		r = band_source_caps(src, &res->caps, &e);
		band_source_close(src);
		res->have_caps = r >= 0;
	}
	if (r == -EBUSY && cached) {
		res->available = true;
		res->busy = true;
	} else if (r < 0) {
		snprintf(res->reason, sizeof(res->reason), "%s", e.msg);
	} else {
		res->available = true;
	}
}

/* Under the lock: the outcome of a probe of @d becomes what is known. */
static void devcaps_apply(struct devcaps_entry *d,
			  const struct devcaps_result *res)
{
	d->running = false;
	d->probed = true;
	d->available = res->available;
	d->busy = res->busy;
	if (res->have_caps) {
		d->caps = res->caps;
		d->have_caps = true;
	}
	snprintf(d->reason, sizeof(d->reason), "%s", res->reason);
	if (!res->available)
		log_msg(LOG_DEBUG, "devcaps: device %s unavailable: %s",
			d->cd->name, res->reason);
}

/* Under the lock: the next device whose probe is queued, or NULL. */
static struct devcaps_entry *devcaps_next(struct devcaps *dc)
{
	for (size_t i = 0; i < dc->n; i++)
		if (dc->ent[i].queued)
			return &dc->ent[i];
	return NULL;
}

static void *devcaps_run(void *arg)
{
	struct devcaps *dc = arg;
	struct devcaps_entry *d;

	pthread_mutex_lock(&dc->lock);
	for (;;) {
		struct devcaps_result res = { 0 };
		bool cached;

		while (!dc->quit && !(d = devcaps_next(dc)))
			pthread_cond_wait(&dc->wake, &dc->lock);
		if (dc->quit)
			break;
		d->queued = false;
		d->running = true;
		cached = d->have_caps;
		pthread_mutex_unlock(&dc->lock);
		devcaps_probe(d->cd, cached, &res);
		pthread_mutex_lock(&dc->lock);
		devcaps_apply(d, &res);
		pthread_cond_broadcast(&dc->probed);
	}
	pthread_mutex_unlock(&dc->lock);
	return NULL;
}

static void devcaps_on_plug(void *ud, const char *device, bool present);

int devcaps_start(const struct config *c, struct devcaps **out, struct err *e)
{
	struct devcaps *dc = calloc(1, sizeof(*dc));
	pthread_condattr_t attr;
	int r;

	if (dc)
		dc->ent = calloc(c->n_devices ? c->n_devices : 1, sizeof(*dc->ent));
	if (!dc || !dc->ent) {
		devcaps_stop(dc);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "devcaps: out of memory");
	}
	pthread_mutex_init(&dc->lock, NULL);
	pthread_cond_init(&dc->wake, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&dc->probed, &attr);
	pthread_condattr_destroy(&attr);
	dc->n = c->n_devices;
	for (size_t i = 0; i < dc->n; i++) {
		dc->ent[i].cd = &c->devices[i];
		dc->ent[i].queued = true;
		dc->ent[i].usb_present = -1;
	}
	r = pthread_create(&dc->thread, NULL, devcaps_run, dc);
	if (r != 0) {
		devcaps_stop(dc);
		return err_set(e, ERR_LOCAL, r, r, "devcaps: cannot start its thread: %s",
			       strerror(r));
	}
	dc->started = true;
	/* USB engines plugged in or out are known the moment it happens */
	usb_watch_listen(devcaps_on_plug, dc);
	*out = dc;
	return 0;
}

struct devcaps *devcaps_stop(struct devcaps *dc)
{
	if (!dc)
		return NULL;
	if (dc->started) {
		usb_watch_listen(NULL, NULL);	/* waits for a call in progress */
		pthread_mutex_lock(&dc->lock);
		dc->quit = true;
		pthread_cond_signal(&dc->wake);
		pthread_mutex_unlock(&dc->lock);
		pthread_join(dc->thread, NULL);
		pthread_cond_destroy(&dc->wake);
		pthread_cond_destroy(&dc->probed);
		pthread_mutex_destroy(&dc->lock);
	}
	free(dc->ent);
	free(dc);
	return NULL;
}

/* Under the lock: has every device's first probe ended? */
static bool devcaps_all_probed(struct devcaps *dc)
{
	for (size_t i = 0; i < dc->n; i++)
		if (!dc->ent[i].probed)
			return false;
	return true;
}

int devcaps_wait_first(struct devcaps *dc, unsigned int timeout_ms)
{
	struct timespec until;
	long long ns;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);	/* the clock of dc->probed */
	ns = until.tv_nsec + (long long)timeout_ms * 1000000LL;
	until.tv_sec += (time_t)(ns / 1000000000LL);
	until.tv_nsec = (long)(ns % 1000000000LL);
	pthread_mutex_lock(&dc->lock);
	while (r == 0 && !devcaps_all_probed(dc))
		r = pthread_cond_timedwait(&dc->probed, &dc->lock, &until);
	pthread_mutex_unlock(&dc->lock);
	return r == 0 ? 0 : -ETIMEDOUT;
}

/* Under the lock. */
static void devcaps_queue(struct devcaps *dc, size_t i)
{
	if (i >= dc->n || dc->ent[i].queued)
		return;
	dc->ent[i].queued = true;
	pthread_cond_signal(&dc->wake);
}

void devcaps_refresh(struct devcaps *dc, size_t i)
{
	if (!dc)
		return;
	pthread_mutex_lock(&dc->lock);
	devcaps_queue(dc, i);
	pthread_mutex_unlock(&dc->lock);
}

void devcaps_refresh_all(struct devcaps *dc)
{
	if (!dc)
		return;
	pthread_mutex_lock(&dc->lock);
	for (size_t i = 0; i < dc->n; i++)
		devcaps_queue(dc, i);
	pthread_mutex_unlock(&dc->lock);
}

/*
 * Under the lock: the USB watcher saw engine @i plugged in (@present 1) or
 * out (0). It knows at once what a probe would find (devcaps_probe asks it
 * first), so say that now: a scan or GetCapabilities right after a replug
 * must not be refused as "being probed". Anything else is probed.
 */
static void devcaps_usb_changed(struct devcaps *dc, size_t i, int present)
{
	struct devcaps_entry *d = &dc->ent[i];

	if (present == 0) {
		d->available = false;
		snprintf(d->reason, sizeof(d->reason),
			 "the USB engine (%s) is not plugged in", d->cd->path);
	} else if (present == 1 && d->have_caps) {
		d->available = true;
	} else {
		devcaps_queue(dc, i);
	}
}

/*
 * The USB watcher's plug listener (usb_watch_listen()), on its thread:
 * libusb engine @device was plugged in or out. Known here at once, so a
 * GetCapabilities or Scan right after it needs no probe to say so.
 */
static void devcaps_on_plug(void *ud, const char *device, bool present)
{
	struct devcaps *dc = ud;

	pthread_mutex_lock(&dc->lock);
	for (size_t i = 0; i < dc->n; i++) {
		struct devcaps_entry *d = &dc->ent[i];

		if (d->cd->driver != CONFIG_DRIVER_LIBUSB ||
		    strcmp(d->cd->name, device) != 0 || d->usb_present == present)
			continue;
		d->usb_present = present;
		devcaps_usb_changed(dc, i, present);
	}
	pthread_mutex_unlock(&dc->lock);
}

void devcaps_get(struct devcaps *dc, size_t i, struct devcaps_view *v)
{
	struct devcaps_entry *d;

	memset(v, 0, sizeof(*v));
	if (i >= dc->n) {
		snprintf(v->reason, sizeof(v->reason), "no such device");
		return;
	}
	pthread_mutex_lock(&dc->lock);
	d = &dc->ent[i];
	v->probing = d->queued || d->running;
	v->available = d->available && d->have_caps;
	v->busy = d->busy;
	v->caps = d->caps;
	if (v->available)
		v->reason[0] = '\0';
	else if (v->probing && !d->have_caps)
		snprintf(v->reason, sizeof(v->reason), "the scanner is being probed; ask again in a moment");
	else
		snprintf(v->reason, sizeof(v->reason), "%s", d->reason);
	pthread_mutex_unlock(&dc->lock);
}
