// SPDX-License-Identifier: GPL-2.0
/*
 * udev_monitor: the libudev monitor of subsystem "mfpscan" in mfpscand's
 * event loop: engine hotplug is logged, the panel's button uevent starts
 * the profile's job (see udev_monitor.h).
 */
#include <errno.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "jobs.h"
#include "log.h"
#include "profiles.h"
#include "udev_monitor.h"

static struct {
	struct daemon *d;
	struct udev *udev;
	struct udev_monitor *mon;
	sd_event_source *io;
} um;

int udevmon_parse_profile(const char *s)
{
	int n = 0;

	if (!s || !*s || strlen(s) > 2)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (*s - '0');
	}
	return n >= PROFILE_MIN && n <= PROFILE_MAX ? n : -EINVAL;
}

static const char *attr(struct udev_device *dev, const char *name)
{
	const char *v = udev_device_get_sysattr_value(dev, name);

	return v ? v : "?";
}

static void log_engine(struct udev_device *dev, const char *what)
{
	log_msg(LOG_INFO, "udev: engine %s %s (model %s, serial %s, state %s)",
		udev_device_get_sysname(dev), what, attr(dev, "model"),
		attr(dev, "serial"), attr(dev, "state"));
}

static void on_button(struct udev_device *dev)
{
	const char *sysname = udev_device_get_sysname(dev);
	const char *value = udev_device_get_property_value(dev, "MFPSCAN_PROFILE");
	int n = udevmon_parse_profile(value);

	if (n < 0) {
		log_msg(LOG_WARNING, "udev: engine %s: button with a bad profile '%.16s' ignored",
			sysname, value ? value : "(none)");
		return;
	}
	log_msg(LOG_INFO, "udev: engine %s: scan button, panel profile %d", sysname, n);
	bus_profiles_trigger(um.d, sysname, (uint32_t)n, NULL);
}

static void on_device(struct udev_device *dev)
{
	const char *action = udev_device_get_action(dev);
	const char *event;

	if (!action)
		return;
	/* An engine came, went or changed: what it can do is probed again. */
	if (um.d && um.d->jobs)
		devcaps_refresh_all(um.d->jobs->devcaps);
	if (strcmp(action, "add") == 0) {
		log_engine(dev, "appeared");
	} else if (strcmp(action, "remove") == 0) {
		/* sysfs is gone: no attributes to read */
		log_msg(LOG_NOTICE, "udev: engine %s removed; a job reading it ends as failed with the pages it kept",
			udev_device_get_sysname(dev));
	} else if (strcmp(action, "change") == 0) {
		event = udev_device_get_property_value(dev, "MFPSCAN_EVENT");
		if (event && strcmp(event, "button") == 0)
			on_button(dev);
		else
			log_msg(LOG_DEBUG, "udev: engine %s changed (%s)",
				udev_device_get_sysname(dev), event ? event : "no event");
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct udev_device *dev;

	/* the socket is non-blocking: drain what is there */
	while ((dev = udev_monitor_receive_device(um.mon))) {
		on_device(dev);
		udev_device_unref(dev);
	}
	return 0;
}

static void log_present(void)
{
	struct udev_enumerate *en = udev_enumerate_new(um.udev);
	struct udev_list_entry *l;

	if (!en)
		return;
	if (udev_enumerate_add_match_subsystem(en, "mfpscan") >= 0 &&
	    udev_enumerate_scan_devices(en) >= 0) {
		udev_list_entry_foreach(l, udev_enumerate_get_list_entry(en)) {
			struct udev_device *dev = udev_device_new_from_syspath(
				um.udev, udev_list_entry_get_name(l));

			if (dev) {
				log_engine(dev, "present");
				udev_device_unref(dev);
			}
		}
	}
	udev_enumerate_unref(en);
}

static int on_exit_free(sd_event_source *s, void *userdata)
{
	um.io = sd_event_source_disable_unref(um.io);
	um.mon = udev_monitor_unref(um.mon);
	um.udev = udev_unref(um.udev);
	return 0;
}

int udevmon_start(struct daemon *d)
{
	sd_event_source *exit_source = NULL;
	int r;

	um.d = d;
	um.udev = udev_new();
	if (!um.udev) {
		log_errno(LOG_WARNING, errno, "udev: cannot start libudev");
		return -ENOMEM;
	}
	um.mon = udev_monitor_new_from_netlink(um.udev, "udev");
	if (!um.mon) {
		log_msg(LOG_WARNING, "udev: cannot open the udev monitor (no netlink socket)");
		on_exit_free(NULL, NULL);
		return -ENODEV;
	}
	r = udev_monitor_filter_add_match_subsystem_devtype(um.mon, "mfpscan", NULL);
	if (r >= 0)
		r = udev_monitor_enable_receiving(um.mon);
	if (r >= 0)
		r = sd_event_add_io(d->event, &um.io, udev_monitor_get_fd(um.mon),
				    EPOLLIN, on_io, NULL);
	if (r >= 0)
		r = sd_event_add_exit(d->event, &exit_source, on_exit_free, NULL);
	if (r >= 0)
		r = sd_event_source_set_floating(exit_source, true);
	sd_event_source_unref(exit_source);
	if (r < 0) {
		log_errno(LOG_WARNING, -r, "udev: cannot watch subsystem mfpscan");
		on_exit_free(NULL, NULL);
		return r;
	}
	log_msg(LOG_INFO, "udev: watching subsystem mfpscan (engine hotplug, scan button)");
	log_present();
	return 0;
}
