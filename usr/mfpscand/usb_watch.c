// SPDX-License-Identifier: GPL-2.0
/*
 * usb_watch: hotplug and events of the USB engines mfpscand drives with
 * libusb (see usb_watch.h).
 *
 * One libusb context, one thread. Hotplug callbacks and the interrupt
 * transfer's completion run on that thread and only record what happened;
 * after each round of libusb events the thread brings every engine to the
 * state it should be in (engine_update()): claimed, with an interrupt read
 * in flight, while it is plugged in and idle; let go while a job wants it,
 * a kernel driver holds it, or it is gone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libusb.h>

#include "band_source.h"
#include "config.h"
#include "log.h"
#include "profiles.h"
#include "usb_iface.h"
#include "usb_watch.h"
#include "../usbemu/usb_proto.h"

#define UW_RETRY_MS		5000	/* look again at an engine we could not take */
#define UW_ROUND_MS		500	/* longest libusb wait per round */
#define UW_LET_GO_WAIT_S	5	/* a job waits at most this for the watcher */
#define UW_NEVER		UINT64_MAX
#define UW_BAD_EVENTS_MAX	10	/* malformed events in a row: let go */

struct engine {
	char device[CONFIG_DEVICE_NAME_MAX + 1];	/* [device.NAME] */
	char name[32];			/* "USB engine VVVV:PPPP", for the log */
	uint16_t vid, pid;
	libusb_hotplug_callback_handle cb;
	bool have_cb;

	/* the libusb thread's own (and usb_watch_start()'s before it runs) */
	libusb_device *dev;		/* plugged in (a reference), or NULL */
	bool gone;			/* @dev was unplugged */
	libusb_device *next_dev;	/* plugged in again while @dev is gone */
	libusb_device_handle *h;	/* open with the interface claimed */
	struct usb_iface ui;
	struct libusb_transfer *xfer;	/* the interrupt read */
	bool xfer_busy;			/* submitted, not completed */
	bool cancel_sent;		/* libusb_cancel_transfer() called */
	bool drop;			/* reading failed: let go, retry later */
	uint8_t buf[USB_EVENT_BYTES];
	uint64_t retry_at_ms;		/* do not try to take it before */
	const char *told;		/* why it could not be taken, logged */
	unsigned int bad_events;	/* malformed events in a row */
	bool have_seq;
	uint16_t seq;			/* last event's */

	/* guarded by uw.lock */
	unsigned int jobs;		/* libusb band sources that want it */
	bool held;			/* the watcher has it or is taking it */
	bool present;			/* plugged in (for GetCapabilities) */
};

static struct {
	struct daemon *d;
	libusb_context *ctx;
	pthread_t thread;
	bool thread_started;
	/*
	 * lock guards quit and every engine's jobs, held and present; cond is
	 * broadcast when an engine is let go and at stop. ctx is only used
	 * by others while quit is false under lock (stop sets quit first).
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit;
	struct engine *eng;
	size_t n;
} uw = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

/*
 * The one plug listener (usb_watch_listen()). listen_lock guards fn and
 * ud and is held while the listener runs, so that removing it waits for
 * a call in progress; never taken under uw.lock.
 */
static struct {
	pthread_mutex_t listen_lock;
	usb_watch_plug_fn fn;
	void *ud;
} ul = {
	.listen_lock = PTHREAD_MUTEX_INITIALIZER,
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- what reaches the main thread ---------------------------------------- */

struct button_press {
	char device[CONFIG_DEVICE_NAME_MAX + 1];
	uint32_t profile;
};

static void button_on_main(struct daemon *d, void *arg)
{
	struct button_press *b = arg;

	if (!d->exiting) {
		log_msg(LOG_INFO, "usb: device %s: scan button, panel profile %u",
			b->device, b->profile);
		bus_profiles_trigger(d, b->device, b->profile, NULL);
	}
	free(b);
}

static bool quitting(void);

static void post_button(struct engine *e, uint8_t profile)
{
	struct button_press *b;

	if (quitting())
		return;		/* the main loop no longer runs posts */
	b = calloc(1, sizeof(*b));

	if (b) {
		snprintf(b->device, sizeof(b->device), "%s", e->device);
		b->profile = profile;
	}
	if (!b || daemon_post(uw.d, button_on_main, b) < 0) {
		log_msg(LOG_WARNING, "usb: %s: scan button (profile %u) lost: out of memory",
			e->name, profile);
		free(b);
	}
}

/* --- the libusb thread ------------------------------------------------------ */

static const char *event_name(uint8_t type)
{
	switch (type) {
	case USB_EVENT_BUTTON: return "scan button";
	case USB_EVENT_PAPER_LOADED: return "paper loaded";
	case USB_EVENT_JAM: return "paper jam";
	case USB_EVENT_COVER_OPEN: return "cover opened";
	case USB_EVENT_COVER_CLOSED: return "cover closed";
	default: return NULL;
	}
}

/*
 * A malformed event: logged once, ignored; a device that sends nothing
 * else is let go for a while rather than read in a tight loop.
 */
static void engine_bad_event(struct engine *e, const char *what)
{
	if (!e->bad_events)
		log_msg(LOG_WARNING, "usb: %s: ignoring %s", e->name, what);
	if (++e->bad_events < UW_BAD_EVENTS_MAX)
		return;
	log_msg(LOG_WARNING, "usb: %s: %u malformed events in a row; not reading its events for %d s",
		e->name, e->bad_events, UW_RETRY_MS / 1000);
	e->bad_events = 0;
	e->retry_at_ms = now_ms() + UW_RETRY_MS;
	e->drop = true;
}

static void engine_event(struct engine *e, const uint8_t *buf, int len)
{
	struct usb_event ev;
	const char *what;
	char bad[64];

	if (len != USB_EVENT_BYTES) {
		snprintf(bad, sizeof(bad), "a %d-byte event (events are %d bytes)",
			 len, USB_EVENT_BYTES);
		engine_bad_event(e, bad);
		return;
	}
	usb_event_from_wire(&ev, buf);
	if (e->have_seq && ev.seq != (uint16_t)(e->seq + 1))
		log_msg(LOG_WARNING, "usb: %s: %u event(s) lost before event %u",
			e->name, (uint16_t)(ev.seq - e->seq - 1), ev.seq);
	e->have_seq = true;
	e->seq = ev.seq;
	what = event_name(ev.type);
	if (!what) {
		snprintf(bad, sizeof(bad), "an event of unknown type %u", ev.type);
		engine_bad_event(e, bad);
		return;
	}
	e->bad_events = 0;
	log_msg(LOG_INFO, "usb: %s (device %s): %s%s", e->name, e->device, what,
		ev.type == USB_EVENT_BUTTON ? "" : " (reported again in the job's band stream)");
	if (ev.type == USB_EVENT_BUTTON)
		post_button(e, ev.value);
}

static void LIBUSB_CALL on_interrupt(struct libusb_transfer *t)
{
	struct engine *e = t->user_data;

	e->xfer_busy = false;
	e->cancel_sent = false;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		engine_event(e, t->buffer, t->actual_length);
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		break;
	case LIBUSB_TRANSFER_NO_DEVICE:	/* the hotplug callback says it */
		e->retry_at_ms = now_ms() + UW_RETRY_MS;
		e->drop = true;
		break;
	case LIBUSB_TRANSFER_ERROR:
		/* what an unplug looks like before the hotplug event says it */
		log_msg(LOG_INFO, "usb: %s: the event read broke off (unplugged?); trying again in %d s",
			e->name, UW_RETRY_MS / 1000);
		e->retry_at_ms = now_ms() + UW_RETRY_MS;
		e->drop = true;
		break;
	default:
		log_msg(LOG_WARNING, "usb: %s: reading events failed (libusb status %d); trying again in %d s",
			e->name, t->status, UW_RETRY_MS / 1000);
		e->retry_at_ms = now_ms() + UW_RETRY_MS;
		e->drop = true;
	}
}

static void log_arrival(struct engine *e, libusb_device *dev)
{
	log_msg(LOG_INFO, "usb: %s (device %s) plugged in at bus %u address %u",
		e->name, e->device, libusb_get_bus_number(dev),
		libusb_get_device_address(dev));
}

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev,
				  libusb_hotplug_event event, void *ud)
{
	struct engine *e = ud;

	if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
		if (!e->dev) {
			e->dev = libusb_ref_device(dev);
			e->retry_at_ms = 0;
			log_arrival(e, dev);
		} else if (e->gone && !e->next_dev) {
			/* back before the old one was let go */
			e->next_dev = libusb_ref_device(dev);
			log_arrival(e, dev);
		}
	} else if (dev == e->dev && !e->gone) {
		e->gone = true;
		log_msg(LOG_NOTICE, "usb: %s (device %s) unplugged; a job reading it ends as failed with the pages it kept",
			e->name, e->device);
	} else if (dev == e->next_dev) {
		libusb_unref_device(e->next_dev);
		e->next_dev = NULL;
	}
	return 0;
}

/* The watcher no longer has the engine: wake jobs waiting for it. */
static void engine_unhold(struct engine *e)
{
	pthread_mutex_lock(&uw.lock);
	e->held = false;
	pthread_cond_broadcast(&uw.cond);
	pthread_mutex_unlock(&uw.lock);
}

/* Give the engine up; false while the interrupt read is still cancelling. */
static bool engine_let_go(struct engine *e)
{
	if (!e->h)
		return true;
	if (e->xfer_busy) {
		if (!e->cancel_sent)
			libusb_cancel_transfer(e->xfer);
		e->cancel_sent = true;
		return false;
	}
	libusb_release_interface(e->h, e->ui.number);
	libusb_close(e->h);
	e->h = NULL;
	e->cancel_sent = false;
	engine_unhold(e);
	return true;
}

/*
 * Why the engine cannot be taken now, or NULL when its interface is
 * claimed. A static string, so that a cause is logged only when it changes.
 */
static const char *engine_claim(struct engine *e, libusb_device_handle *h)
{
	int r = usb_iface_find(e->dev, &e->ui);

	if (r == -ENODEV)
		return "it has no mfpscan scanner interface";
	if (r < 0)
		return libusb_strerror(r);
	if (!e->ui.ep_int_in) {
		e->retry_at_ms = UW_NEVER;
		return "it has no event endpoint: its scan button is not seen";
	}
	if (libusb_kernel_driver_active(h, e->ui.number) == 1)
		return "the kernel driver (mfpscan_usb) holds it: its button arrives as the /dev/mfpscanN uevent";
	r = libusb_claim_interface(h, e->ui.number);
	if (r < 0)
		return libusb_strerror(r);
	return NULL;
}

static void engine_tell(struct engine *e, const char *why)
{
	if (why != e->told)
		log_msg(LOG_INFO, "usb: %s: not reading its events: %s", e->name, why);
	e->told = why;
}

/*
 * Open and claim the engine and start reading its events; the caller has
 * reserved it (held). False when it could not: the caller lets it go.
 */
static bool engine_take(struct engine *e)
{
	libusb_device_handle *h;
	const char *why;
	int r;

	e->retry_at_ms = now_ms() + UW_RETRY_MS;
	r = libusb_open(e->dev, &h);
	if (r < 0) {
		engine_tell(e, libusb_strerror(r));
		return false;
	}
	why = engine_claim(e, h);
	if (!why) {
		libusb_fill_interrupt_transfer(e->xfer, h, e->ui.ep_int_in,
					       e->buf, sizeof(e->buf),
					       on_interrupt, e, 0);
		r = libusb_submit_transfer(e->xfer);
		if (r < 0) {
			libusb_release_interface(h, e->ui.number);
			why = libusb_strerror(r);
		}
	}
	if (why) {
		engine_tell(e, why);
		libusb_close(h);
		return false;
	}
	e->h = h;
	e->xfer_busy = true;
	e->retry_at_ms = 0;
	e->told = NULL;
	e->bad_events = 0;
	log_msg(LOG_INFO, "usb: %s (device %s): listening for its events (scan button)",
		e->name, e->device);
	return true;
}

/*
 * Reserve the engine for the watcher when nobody else wants it: checked
 * and marked in one critical section, so that a job's acquire() either
 * comes first (and the watcher keeps off) or waits for the watcher.
 */
static bool engine_reserve(struct engine *e)
{
	bool ok;

	pthread_mutex_lock(&uw.lock);
	ok = e->dev && !e->gone && !e->jobs && !uw.quit;
	if (ok)
		e->held = true;
	pthread_mutex_unlock(&uw.lock);
	return ok;
}

static bool engine_wanted(struct engine *e)
{
	bool wanted;

	pthread_mutex_lock(&uw.lock);
	wanted = !e->jobs && !uw.quit;
	pthread_mutex_unlock(&uw.lock);
	return wanted;
}

/* Tell the listener that @e is now plugged in or out. */
static void tell_listener(const struct engine *e, bool present)
{
	pthread_mutex_lock(&ul.listen_lock);
	if (ul.fn)
		ul.fn(ul.ud, e->device, present);
	pthread_mutex_unlock(&ul.listen_lock);
}

/* @e is plugged in or not; the listener hears of a change (@always: any). */
static void set_present(struct engine *e, bool present, bool always)
{
	bool changed;

	pthread_mutex_lock(&uw.lock);
	changed = e->present != present;
	e->present = present;
	pthread_mutex_unlock(&uw.lock);
	if (changed || always)
		tell_listener(e, present);
}

/* The engine was unplugged: let go, then follow a replugged one. */
static void engine_follow(struct engine *e)
{
	if (!engine_let_go(e))
		return;
	libusb_unref_device(e->dev);
	e->dev = e->next_dev;
	e->next_dev = NULL;
	e->gone = false;
	e->drop = false;
	e->have_seq = false;
	e->told = NULL;
	e->retry_at_ms = 0;
}

/* Keep a held engine's interrupt read in flight. */
static void engine_keep_reading(struct engine *e)
{
	int r;

	if (e->xfer_busy)
		return;
	r = libusb_submit_transfer(e->xfer);
	if (r == 0) {
		e->xfer_busy = true;
		return;
	}
	log_msg(LOG_WARNING, "usb: %s: cannot read its events: %s; trying again in %d s",
		e->name, libusb_strerror(r), UW_RETRY_MS / 1000);
	e->retry_at_ms = now_ms() + UW_RETRY_MS;
	e->drop = true;
}

static void engine_update(struct engine *e)
{
	if (e->gone)
		engine_follow(e);
	set_present(e, e->dev && !e->gone, false);
	if (e->h) {
		if (e->gone || e->drop || !engine_wanted(e)) {
			if (engine_let_go(e))
				e->drop = false;
		} else {
			engine_keep_reading(e);
		}
		return;
	}
	e->drop = false;
	if (!e->dev || e->gone || now_ms() < e->retry_at_ms ||
	    !engine_reserve(e))
		return;
	if (!engine_take(e))
		engine_unhold(e);
}

static bool quitting(void)
{
	bool q;

	pthread_mutex_lock(&uw.lock);
	q = uw.quit;
	pthread_mutex_unlock(&uw.lock);
	return q;
}

static void *watch_thread(void *arg)
{
	struct timeval round = { 0, UW_ROUND_MS * 1000 };
	bool all_let_go, told = false;
	int rounds = 0, r;

	while (!quitting()) {
		r = libusb_handle_events_timeout_completed(uw.ctx, &round, NULL);
		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED) {
			/* should not happen; do not spin on it */
			if (!told)
				log_msg(LOG_WARNING, "usb: handling libusb events: %s",
					libusb_strerror(r));
			told = true;
			nanosleep(&(struct timespec){ 0, UW_ROUND_MS * 1000000L }, NULL);
		}
		for (size_t i = 0; i < uw.n; i++)
			engine_update(&uw.eng[i]);
	}
	/* stopping: cancel the reads, wait (bounded) for them, close */
	do {
		all_let_go = true;
		for (size_t i = 0; i < uw.n; i++)
			all_let_go &= engine_let_go(&uw.eng[i]);
		if (!all_let_go)
			libusb_handle_events_timeout_completed(uw.ctx, &round, NULL);
	} while (!all_let_go && ++rounds < 10);
	return NULL;
}

/* --- the band sources' arbiter (any thread) -------------------------------- */

static struct engine *engine_by_id(uint16_t vid, uint16_t pid)
{
	for (size_t i = 0; i < uw.n; i++)
		if (uw.eng[i].vid == vid && uw.eng[i].pid == pid)
			return &uw.eng[i];
	return NULL;
}

static void arbiter_acquire(uint16_t vid, uint16_t pid, void *ud)
{
	struct timespec deadline;
	struct engine *e;

	pthread_mutex_lock(&uw.lock);
	e = engine_by_id(vid, pid);
	if (e && !uw.quit) {
		e->jobs++;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += UW_LET_GO_WAIT_S;
		if (e->held)
			libusb_interrupt_event_handler(uw.ctx);
		while (e->held && !uw.quit) {
			if (pthread_cond_timedwait(&uw.cond, &uw.lock, &deadline) ==
			    ETIMEDOUT) {
				log_msg(LOG_WARNING, "usb: %s: the event reader did not let go within %d s",
					e->name, UW_LET_GO_WAIT_S);
				break;
			}
		}
	}
	pthread_mutex_unlock(&uw.lock);
}

static void arbiter_release(uint16_t vid, uint16_t pid, void *ud)
{
	struct engine *e;

	pthread_mutex_lock(&uw.lock);
	e = engine_by_id(vid, pid);
	if (e && e->jobs) {
		e->jobs--;
		if (!e->jobs && !uw.quit)
			libusb_interrupt_event_handler(uw.ctx);
	}
	pthread_mutex_unlock(&uw.lock);
}

int usb_watch_present(const char *spec)
{
	uint16_t vid, pid;
	struct engine *e;
	int present = -1;

	if (strncmp(spec, "libusb:", 7) ||
	    usb_iface_parse_spec(spec + 7, &vid, &pid) < 0)
		return -1;
	pthread_mutex_lock(&uw.lock);
	e = uw.quit ? NULL : engine_by_id(vid, pid);
	if (e)
		present = e->present;
	pthread_mutex_unlock(&uw.lock);
	return present;
}

void usb_watch_listen(usb_watch_plug_fn fn, void *ud)
{
	pthread_mutex_lock(&ul.listen_lock);
	ul.fn = fn;
	ul.ud = ud;
	pthread_mutex_unlock(&ul.listen_lock);
}

/* --- start and stop ----------------------------------------------------------- */

static void free_engines(void)
{
	struct engine *eng;
	size_t n;

	pthread_mutex_lock(&uw.lock);
	eng = uw.eng;
	n = uw.n;
	uw.eng = NULL;
	uw.n = 0;
	pthread_mutex_unlock(&uw.lock);
	for (size_t i = 0; i < n; i++) {
		if (eng[i].have_cb)
			libusb_hotplug_deregister_callback(uw.ctx, eng[i].cb);
		if (eng[i].h) {
			libusb_release_interface(eng[i].h, eng[i].ui.number);
			libusb_close(eng[i].h);
		}
		if (eng[i].dev)
			libusb_unref_device(eng[i].dev);
		if (eng[i].next_dev)
			libusb_unref_device(eng[i].next_dev);
		/* a read that never finished cancelling may not be freed */
		if (!eng[i].xfer_busy)
			libusb_free_transfer(eng[i].xfer);
	}
	free(eng);
}

static int on_exit_stop(sd_event_source *s, void *userdata)
{
	pthread_mutex_lock(&uw.lock);
	uw.quit = true;
	pthread_cond_broadcast(&uw.cond);
	pthread_mutex_unlock(&uw.lock);
	if (uw.thread_started) {
		libusb_interrupt_event_handler(uw.ctx);
		pthread_join(uw.thread, NULL);
		uw.thread_started = false;
	}
	free_engines();
	if (uw.ctx)
		libusb_exit(uw.ctx);
	uw.ctx = NULL;
	return 0;
}

/* The engines to watch: one per VID:PID among the libusb devices. */
static int collect_engines(const struct config *c)
{
	uw.eng = calloc(c->n_devices ? c->n_devices : 1, sizeof(*uw.eng));
	if (!uw.eng)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct config_device *cd = &c->devices[i];
		struct engine *e = &uw.eng[uw.n];

		if (cd->driver != CONFIG_DRIVER_LIBUSB ||
		    usb_iface_parse_spec(cd->path + strlen("libusb:"), &e->vid,
					 &e->pid) < 0 ||
		    engine_by_id(e->vid, e->pid))
			continue;	/* config.c checked; a second name is an alias */
		snprintf(e->device, sizeof(e->device), "%s", cd->name);
		snprintf(e->name, sizeof(e->name), "USB engine %04x:%04x",
			 e->vid, e->pid);
		e->xfer = libusb_alloc_transfer(0);
		if (!e->xfer)
			return -ENOMEM;
		uw.n++;
	}
	return 0;
}

static int register_hotplug(void)
{
	for (size_t i = 0; i < uw.n; i++) {
		struct engine *e = &uw.eng[i];
		int r = libusb_hotplug_register_callback(
			uw.ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
			LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, LIBUSB_HOTPLUG_ENUMERATE,
			e->vid, e->pid, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, e,
			&e->cb);

		if (r < 0) {
			log_msg(LOG_WARNING, "usb: %s: cannot watch for it: %s",
				e->name, libusb_strerror(r));
			return -EIO;
		}
		e->have_cb = true;
		set_present(e, e->dev != NULL, true);
		if (!e->dev)
			log_msg(LOG_NOTICE, "usb: %s (device %s) is not plugged in; waiting for it",
				e->name, e->device);
	}
	return 0;
}

/* A job's wait for the watcher is timed on the monotonic clock. */
static int init_cond(void)
{
	pthread_condattr_t a;
	int r = pthread_condattr_init(&a);

	if (!r)
		r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!r) {
		pthread_cond_destroy(&uw.cond);
		r = pthread_cond_init(&uw.cond, &a);
	}
	pthread_condattr_destroy(&a);
	return -r;
}

static int start_fail(int r)
{
	free_engines();
	if (uw.ctx)
		libusb_exit(uw.ctx);
	uw.ctx = NULL;
	return r;
}

int usb_watch_start(struct daemon *d)
{
	static const struct band_source_libusb_arbiter arbiter = {
		.acquire = arbiter_acquire,
		.release = arbiter_release,
	};
	sd_event_source *exit_source = NULL;
	int r;

	uw.d = d;
	if (init_cond() < 0) {
		log_msg(LOG_WARNING, "usb: cannot set up the watcher's condition variable");
		return -ENOMEM;
	}
	if (collect_engines(d->config) < 0) {
		log_msg(LOG_WARNING, "usb: out of memory");
		return start_fail(-ENOMEM);
	}
	if (!uw.n)
		return start_fail(0);
	r = libusb_init(&uw.ctx);
	if (r < 0) {
		uw.ctx = NULL;
		log_msg(LOG_WARNING, "usb: cannot start libusb: %s", libusb_strerror(r));
		return start_fail(-EIO);
	}
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		log_msg(LOG_WARNING, "usb: this libusb has no hotplug support");
		return start_fail(-ENOTSUP);
	}
	r = register_hotplug();
	if (r < 0)
		return start_fail(r);
	r = sd_event_add_exit(d->event, &exit_source, on_exit_stop, NULL);
	if (r >= 0)
		r = sd_event_source_set_floating(exit_source, true);
	sd_event_source_unref(exit_source);
	if (r >= 0)
		r = -pthread_create(&uw.thread, NULL, watch_thread, NULL);
	if (r < 0) {
		log_errno(LOG_WARNING, -r, "usb: cannot start the watcher");
		return start_fail(r);
	}
	uw.thread_started = true;
	band_source_libusb_set_arbiter(&arbiter);
	log_msg(LOG_INFO, "usb: watching %zu libusb engine(s) (hotplug, scan button)",
		uw.n);
	return 0;
}
