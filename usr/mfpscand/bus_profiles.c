// SPDX-License-Identifier: GPL-2.0
/*
 * bus_profiles: the panel-profile methods of the Manager (AssignProfile,
 * ListProfiles, ClearProfile, Trigger) and the way a button press becomes a
 * scan job.
 *
 * The methods are a second vtable of org.mfpscan.Daemon1.Manager at
 * /org/mfpscan/Daemon1 (sd-bus merges vtables of one interface that have
 * different userdata), so the core's bus_manager.c is untouched.
 *
 * A profile's scan must go through exactly the code path of Manager.Scan
 * (jobs_handle_scan(): validation, pending spool policy, destination
 * pre-check, the job object, the reply with its path or the error), but
 * jobs_handle_scan() reads the options from a method call and replies to
 * it. So a button press sends a real method call over a private
 * peer-to-peer sd-bus connection inside the daemon (a socketpair, both ends
 * on the daemon's event loop, not reachable from the system bus): the
 * server end hands it to jobs_handle_scan() with the profile's owner as
 * caller, and the client end gets the reply, which is logged and, for
 * Manager.Trigger, forwarded to the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "accounts_writer.h"
#include "bus.h"
#include "config.h"
#include "log.h"
#include "profiles.h"
#include "udev_monitor.h"
#include "usb_watch.h"

#define INTERNAL_PATH		DAEMON_PATH "/internal"
#define INTERNAL_IFACE		"org.mfpscan.Daemon1.Internal"
#define INTERNAL_TIMEOUT_USEC	(300ULL * 1000 * 1000)

static struct {
	struct daemon *d;
	struct profiles *store;
	sd_bus *srv;	/* the end jobs_handle_scan() answers on */
	sd_bus *cli;	/* the end a trigger calls from */
} bp;

/* One button press or Trigger call on its way through the internal call. */
struct trigger {
	sd_bus_message *call;	/* Manager.Trigger to answer, or NULL */
	uint32_t profile;
	uid_t owner;
	char device[SCAN_OPT_DEVICE_MAX];
};

/* --- options (the same keys and checks as Manager.Scan) ------------------------- */

static int read_value(sd_bus_message *m, const char *key, const char *sig,
		      struct scan_options *o, struct err *e)
{
	union { uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u;
		int64_t x; uint64_t t; } v;
	const char *s;
	int r;

	if (strlen(sig) != 1 || !strchr("synqiuxt", sig[0]))
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "scan option '%.64s' has D-Bus type '%.16s'; expected a string or an integer",
			       key, sig);
	if (sig[0] == 's') {
		r = bus_read_string_variant(m, key, &s, e);
		return r < 0 ? r : scan_options_set_string(o, key, s, e);
	}
	if (sd_bus_message_read_basic(m, sig[0], &v) < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL, "scan option '%.64s' could not be read", key);
	switch (sig[0]) {
	case 'y': return scan_options_set_uint(o, key, v.y, false, e);
	case 'n': return scan_options_set_uint(o, key, (uint64_t)(v.n < 0 ? -(int64_t)v.n : v.n), v.n < 0, e);
	case 'q': return scan_options_set_uint(o, key, v.q, false, e);
	case 'i': return scan_options_set_uint(o, key, (uint64_t)(v.i < 0 ? -(int64_t)v.i : v.i), v.i < 0, e);
	case 'u': return scan_options_set_uint(o, key, v.u, false, e);
	case 'x': return scan_options_set_uint(o, key, v.x < 0 ? (uint64_t)(-(v.x + 1)) + 1 : (uint64_t)v.x, v.x < 0, e);
	default: return scan_options_set_uint(o, key, v.t, false, e);
	}
}

static int read_options(sd_bus_message *m, struct scan_options *o, struct err *e)
{
	const char *key, *sig;
	char type;
	int r;

	scan_options_init(o);
	if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL, "the scan options must be a dictionary a{sv}");
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) != 0) {
		if (r < 0 || sd_bus_message_read(m, "s", &key) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL, "the scan options could not be read");
		if (sd_bus_message_peek_type(m, &type, &sig) < 0 ||
		    sd_bus_message_enter_container(m, 'v', sig) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "scan option '%.64s' could not be read", key);
		r = read_value(m, key, sig, o, e);
		if (r < 0)
			return r;
		if (sd_bus_message_exit_container(m) < 0 || sd_bus_message_exit_container(m) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "scan option '%.64s' could not be read", key);
	}
	sd_bus_message_exit_container(m);
	return scan_options_finish(o, e);
}

static bool profile_in_range(uint32_t n)
{
	return n >= PROFILE_MIN && n <= PROFILE_MAX;
}

/* --- AssignProfile, ListProfiles, ClearProfile ---------------------------------- */

/* An AssignProfile or ClearProfile answered once its change is on disk. */
struct profile_call {
	sd_bus_message *m;
	uid_t caller;
	struct profile pr;		/* what it assigns, or the number it clears */
};

static struct profile_call *profile_call_new(sd_bus_message *m, uid_t caller,
					     const struct profile *pr)
{
	struct profile_call *c = calloc(1, sizeof(*c));

	if (c) {
		c->m = sd_bus_message_ref(m);
		c->caller = caller;
		c->pr = *pr;
	}
	return c;
}

static void profile_call_free(struct profile_call *c)
{
	sd_bus_message_unref(c->m);
	free(c);
}

/* Reply to @c: "" when @r is 0, else the error @e. */
static void profile_call_end(struct profile_call *c, int r, const struct err *e)
{
	r = r < 0 ? bus_reply_err(c->m, e) : sd_bus_reply_method_return(c->m, "");
	if (r < 0)
		log_errno(LOG_DEBUG, -r, "profiles: reply");
	profile_call_free(c);
}

static void assign_done(struct daemon *d, void *ud, int r, const struct err *e)
{
	struct profile_call *c = ud;
	char desc[256];

	if (r == 0) {
		profiles_describe(&c->pr.opts, desc, sizeof(desc));
		log_msg(LOG_INFO, "profiles: panel profile %u assigned to account %s of uid %u (%s) by uid %u",
			c->pr.number, c->pr.account, (unsigned int)c->pr.owner, desc,
			(unsigned int)c->caller);
	}
	profile_call_end(c, r, e);
}

static int method_assign_profile(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const struct profile *cur;
	struct profile_call *c;
	struct profile pr;
	struct account *acc;
	const char *path;
	struct err e;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	err_clear(&e);
	if (sd_bus_message_read(m, "uo", &pr.number, &path) < 0)
		return bus_reply_errorf(m, "InvalidArgument", "Cannot read the profile and account arguments.");
	if (!profile_in_range(pr.number))
		return bus_reply_errorf(m, "InvalidArgument",
					"Panel profile %u does not exist; the panel offers profiles %d to %d.",
					pr.number, PROFILE_MIN, PROFILE_MAX);
	acc = accounts_by_path(bp.d->accounts, path);
	if (!acc || (uid != 0 && account_owner(acc) != uid))
		return bus_reply_errorf(m, "NotFound",
					"You have no account %.160s; list yours with ListDestinations.", path);
	if (strlen(path) >= sizeof(pr.account))
		return bus_reply_errorf(m, "InvalidArgument", "The account path is too long.");
	if (read_options(m, &pr.opts, &e) < 0)
		return bus_reply_err(m, &e);
	cur = profiles_get(bp.store, pr.number);
	if (cur && uid != 0 && cur->owner != uid)
		return bus_reply_errorf(m, "AccessDenied",
					"Panel profile %u belongs to another user; pick a free one (ListProfiles shows yours).",
					pr.number);
	pr.owner = account_owner(acc);
	snprintf(pr.account, sizeof(pr.account), "%s", path);
	c = profile_call_new(m, uid, &pr);
	if (!c)
		return bus_reply_errorf(m, "Local", "The scan service is out of memory.");
	if (profiles_set(bp.store, &pr, assign_done, c, &e) < 0) {
		profile_call_free(c);
		return bus_reply_err(m, &e);
	}
	return 1;	/* answered by assign_done() once it is on disk */
}

static int method_list_profiles(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const struct profile *pr = NULL;
	sd_bus_message *reply = NULL;
	char desc[256];
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	r = bus_reply_array_open(m, "(uos)", &reply);
	while (r >= 0 && (pr = profiles_next(bp.store, pr))) {
		if (uid != 0 && pr->owner != uid)
			continue;
		profiles_describe(&pr->opts, desc, sizeof(desc));
		r = sd_bus_message_append(reply, "(uos)", pr->number, pr->account, desc);
	}
	return bus_reply_array_send(reply, r);
}

static void clear_done(struct daemon *d, void *ud, int r, const struct err *e)
{
	struct profile_call *c = ud;

	if (r == 0)
		log_msg(LOG_INFO, "profiles: panel profile %u cleared by uid %u",
			c->pr.number, (unsigned int)c->caller);
	profile_call_end(c, r, e);
}

static int method_clear_profile(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const struct profile *pr;
	struct profile_call *c;
	uint32_t n;
	struct err e;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	err_clear(&e);
	if (sd_bus_message_read(m, "u", &n) < 0)
		return bus_reply_errorf(m, "InvalidArgument", "Cannot read the profile argument.");
	if (!profile_in_range(n))
		return bus_reply_errorf(m, "InvalidArgument",
					"Panel profile %u does not exist; the panel offers profiles %d to %d.",
					n, PROFILE_MIN, PROFILE_MAX);
	pr = profiles_get(bp.store, n);
	/* another user's profile is theirs to clear, but it is no secret that it is taken */
	if (!pr)
		return bus_reply_errorf(m, "NotFound", "Panel profile %u is not assigned.", n);
	if (uid != 0 && pr->owner != uid)
		return bus_reply_errorf(m, "AccessDenied",
					"Panel profile %u belongs to another user.", n);
	c = profile_call_new(m, uid, pr);
	if (!c)
		return bus_reply_errorf(m, "Local", "The scan service is out of memory.");
	if (profiles_clear(bp.store, n, clear_done, c, &e) < 0) {
		profile_call_free(c);
		return bus_reply_err(m, &e);
	}
	return 1;	/* answered by clear_done() once it is on disk */
}

/* --- Trigger and the button ---------------------------------------------------- */

/* Does band source spec @spec ("/dev/mfpscan0#mmap") name engine @dev ("mfpscan0")? */
static bool spec_is_engine(const char *spec, const char *dev)
{
	char devpath[128], path[256];
	struct stat a, b;
	size_t n = strcspn(spec, "#");

	if (n >= sizeof(path) || strchr(dev, '/'))
		return false;
	snprintf(path, sizeof(path), "%.*s", (int)n, spec);
	snprintf(devpath, sizeof(devpath), "/dev/%s", dev);
	if (strcmp(path, devpath) == 0)
		return true;
	return path[0] == '/' && stat(path, &a) == 0 && stat(devpath, &b) == 0 &&
	       S_ISCHR(a.st_mode) && S_ISCHR(b.st_mode) && a.st_rdev == b.st_rdev;
}

/* The configured device for @device: its own name, or the one reading that engine. */
static const char *find_device(const struct config *c, const char *device)
{
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].name, device) == 0)
			return c->devices[i].name;
	for (size_t i = 0; i < c->n_devices; i++)
		if (spec_is_engine(c->devices[i].path, device))
			return c->devices[i].name;
	return NULL;
}

static struct trigger *trigger_free(struct trigger *t)
{
	if (t) {
		sd_bus_message_unref(t->call);
		free(t);
	}
	return NULL;
}

/* The internal call's slot is gone (answered, or the daemon is stopping). */
static void trigger_destroy(void *userdata)
{
	trigger_free(userdata);
}

static int on_internal_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret)
{
	struct trigger *t = userdata;
	const sd_bus_error *err = sd_bus_message_get_error(reply);
	const char *job = NULL;

	if (err) {
		log_msg(LOG_WARNING, "profiles: panel profile %u on %s: no job: %s: %s",
			t->profile, t->device[0] ? t->device : "the default device",
			err->name, err->message ?: "");
		if (t->call)
			sd_bus_reply_method_error(t->call, err);
	} else if (sd_bus_message_read(reply, "o", &job) >= 0) {
		log_msg(LOG_INFO, "profiles: panel profile %u on %s: job %s for uid %u",
			t->profile, t->device[0] ? t->device : "the default device",
			job, (unsigned int)t->owner);
		if (t->call)
			sd_bus_reply_method_return(t->call, "o", job);
	} else if (t->call) {
		bus_reply_errorf(t->call, "Failed", "The job service gave no job path.");
	}
	return 0;	/* @t goes with the slot: trigger_destroy() */
}

/* Refuse @call (if any) with @name after logging @why. */
static int trigger_refuse(sd_bus_message *call, const char *name, const char *why)
{
	log_msg(LOG_WARNING, "profiles: %s", why);
	if (!call)
		return 0;
	return bus_reply_errorf(call, name, "%s", why);
}

static int send_internal(const struct profile *pr, const struct scan_options *o,
			 struct trigger *t)
{
	sd_bus_message *m = NULL;
	sd_bus_slot *slot = NULL;
	int r;

	r = sd_bus_message_new_method_call(bp.cli, &m, NULL, INTERNAL_PATH,
					   INTERNAL_IFACE, "StartProfileScan");
	if (r >= 0)
		r = sd_bus_message_append(m, "uo", (uint32_t)pr->owner, pr->account);
	if (r >= 0)
		r = profiles_append_options(m, o);
	if (r >= 0)
		r = sd_bus_call_async(bp.cli, &slot, m, on_internal_reply, t,
				      INTERNAL_TIMEOUT_USEC);
	sd_bus_message_unref(m);
	if (r < 0)
		return r;	/* @t stays the caller's */
	/* from here the slot owns @t, also when the daemon stops first */
	sd_bus_slot_set_destroy_callback(slot, trigger_destroy);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
	return 0;
}

int bus_profiles_trigger(struct daemon *d, const char *device, uint32_t profile,
			 sd_bus_message *call)
{
	const struct profile *pr;
	struct scan_options o;
	struct trigger *t;
	const char *name = NULL;
	char why[ERR_MSG_MAX];
	int r;

	if (!profile_in_range(profile)) {
		snprintf(why, sizeof(why), "panel profile %u does not exist (the panel offers %d to %d)",
			 profile, PROFILE_MIN, PROFILE_MAX);
		return trigger_refuse(call, "InvalidArgument", why);
	}
	pr = bp.store ? profiles_get(bp.store, profile) : NULL;
	if (!pr) {
		snprintf(why, sizeof(why), "panel profile %u is not assigned; assign it with AssignProfile (mfpscanctl profile set %u --to ACCOUNT)",
			 profile, profile);
		return trigger_refuse(call, "NotFound", why);
	}
	if (!accounts_by_path(d->accounts, pr->account)) {
		snprintf(why, sizeof(why), "panel profile %u: its account %.160s no longer exists; assign the profile again",
			 profile, pr->account);
		return trigger_refuse(call, "NotFound", why);
	}
	o = pr->opts;
	if (device[0]) {
		name = find_device(d->config, device);
		if (!name) {
			snprintf(why, sizeof(why), "panel profile %u: engine %.64s is not a configured device ([device.NAME] path)",
				 profile, device);
			return trigger_refuse(call, "NoDevice", why);
		}
		/* the engine whose button was pressed reads the page */
		snprintf(o.device, sizeof(o.device), "%s", name);
		o.set |= 1U << SCAN_OPT_DEVICE;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return trigger_refuse(call, "Local", "out of memory");
	t->call = sd_bus_message_ref(call);
	t->profile = profile;
	t->owner = pr->owner;
	snprintf(t->device, sizeof(t->device), "%s", name ? name : "");
	r = send_internal(pr, &o, t);
	if (r < 0) {
		trigger_free(t);
		snprintf(why, sizeof(why), "panel profile %u: cannot start the job: %s", profile, strerror(-r));
		return trigger_refuse(call, "Local", why);
	}
	return 1;
}

static int method_trigger(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *device;
	uint32_t profile;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	if (uid != 0)
		return bus_reply_errorf(m, "AccessDenied",
					"Only root (udev, the panel) may press the scan button; start your own scans with Scan.");
	if (sd_bus_message_read(m, "su", &device, &profile) < 0)
		return bus_reply_errorf(m, "InvalidArgument", "Cannot read the device and profile arguments.");
	if (strlen(device) >= SCAN_OPT_DEVICE_MAX)
		return bus_reply_errorf(m, "InvalidArgument",
					"The device name is too long (at most %d bytes).",
					SCAN_OPT_DEVICE_MAX - 1);
	return bus_profiles_trigger(bp.d, device, profile, m);
}

static const sd_bus_vtable profiles_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD_WITH_ARGS("AssignProfile",
				SD_BUS_ARGS("u", profile, "o", account, "a{sv}", options),
				SD_BUS_NO_RESULT, method_assign_profile,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListProfiles", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(uos)", profiles), method_list_profiles,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ClearProfile", SD_BUS_ARGS("u", profile),
				SD_BUS_NO_RESULT, method_clear_profile,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Trigger", SD_BUS_ARGS("s", device, "u", profile),
				SD_BUS_RESULT("o", job), method_trigger,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

/* --- the internal connection ------------------------------------------------------ */

/* StartProfileScan(u owner, o account, a{sv} options) -> o job, on bp.srv only. */
static int method_start_profile_scan(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct account *acc;
	const char *path;
	uint32_t owner;

	if (sd_bus_message_read(m, "uo", &owner, &path) < 0)
		return bus_reply_errorf(m, "InvalidArgument", "Cannot read the owner and account.");
	acc = accounts_by_path(bp.d->accounts, path);
	if (!acc || account_owner(acc) != (uid_t)owner)
		return bus_reply_errorf(m, "NotFound", "The profile's account %.160s no longer exists.", path);
	if (!bp.d->jobs)
		return bus_reply_errorf(m, "Local", "Scanning is not available: the job service did not start.");
	return jobs_handle_scan(bp.d->jobs, m, (uid_t)owner, acc);
}

static const sd_bus_vtable internal_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("StartProfileScan", "uoa{sv}", "o", method_start_profile_scan, 0),
	SD_BUS_VTABLE_END
};

static int on_exit_close(sd_event_source *s, void *userdata)
{
	bp.cli = sd_bus_flush_close_unref(bp.cli);
	bp.srv = sd_bus_flush_close_unref(bp.srv);
	bp.store = profiles_free(bp.store);
	return 0;
}

static int internal_open(struct daemon *d)
{
	sd_event_source *exit_source = NULL;
	sd_id128_t id;
	int fds[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
		return -errno;
	r = sd_bus_new(&bp.srv);
	if (r >= 0)
		r = sd_bus_new(&bp.cli);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	r = sd_bus_set_fd(bp.srv, fds[0], fds[0]);
	if (r < 0)
		close(fds[0]);
	if (sd_bus_set_fd(bp.cli, fds[1], fds[1]) < 0) {
		close(fds[1]);
		r = r < 0 ? r : -EBADF;
	}
	if (r >= 0)
		r = sd_id128_randomize(&id);
	if (r >= 0)
		r = sd_bus_set_server(bp.srv, 1, id);
	if (r >= 0)
		r = sd_bus_add_object_vtable(bp.srv, NULL, INTERNAL_PATH, INTERNAL_IFACE,
					     internal_vtable, NULL);
	if (r >= 0)
		r = sd_bus_start(bp.srv);
	if (r >= 0)
		r = sd_bus_start(bp.cli);
	if (r >= 0)
		r = sd_bus_attach_event(bp.srv, d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = sd_bus_attach_event(bp.cli, d->event, SD_EVENT_PRIORITY_NORMAL);
	/* after the core's exit source (IMPORTANT), which stops the jobs */
	if (r >= 0)
		r = sd_event_add_exit(d->event, &exit_source, on_exit_close, NULL);
	if (r >= 0)
		r = sd_event_source_set_floating(exit_source, true);
	sd_event_source_unref(exit_source);
	return r;
}

int bus_profiles_setup(struct daemon *d, struct err *e)
{
	sd_bus_slot *slot = NULL;
	int r;

	bp.d = d;
	r = profiles_load(d->config->state_dir, accounts_writer_of(d->accounts),
			  &bp.store, e);
	if (r < 0)
		return r;
	/* userdata differs from the core's Manager vtable: sd-bus merges them */
	r = sd_bus_add_object_vtable(d->bus, &slot, DAEMON_PATH, DAEMON_IFACE_MANAGER,
				     profiles_vtable, &bp);
	if (r >= 0)
		r = bus_keep_slot(slot);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "profiles: cannot register the profile methods: %s",
			       strerror(-r));
	r = internal_open(d);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "profiles: cannot open the internal connection: %s",
			       strerror(-r));
	if (udevmon_start(d) < 0)
		log_msg(LOG_WARNING, "profiles: no udev monitor: engine hotplug and the scan button are not seen (Manager.Trigger still works)");
	if (usb_watch_start(d) < 0)
		log_msg(LOG_WARNING, "profiles: no USB watcher: libusb engines' hotplug and scan button are not seen (their scans still work)");
	return 0;
}
