// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_bus: opening the system bus and the call patterns shared by every
 * mfpscanctl command (error reporting, name and id to object path,
 * GetAll). Errors are shown as the daemon sent them: its error name says
 * what kind of failure it is, its message says what to do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_bus.h"

sd_bus *ctl_bus_open(void)
{
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "mfpscanctl: cannot connect to the system bus: %s\n",
			strerror(-r));
		return NULL;
	}
	return bus;
}

int ctl_bus_report(const char *what, const sd_bus_error *error, int r)
{
	if (error && sd_bus_error_is_set(error))
		fprintf(stderr, "mfpscanctl: %s: %s: %s\n", what, error->name,
			error->message ? error->message : "");
	else
		fprintf(stderr, "mfpscanctl: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return CTL_EXIT_FAIL;
}

/* Copy @src into @dst (@len bytes) or fail when it does not fit. */
static int copy_path(char *dst, size_t len, const char *src)
{
	int n = snprintf(dst, len, "%s", src);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

/*
 * Walk ListDestinations' a(oss) for @name: returns how many accounts carry
 * it (the path of the first in @path), or a negative errno.
 */
static int find_account(sd_bus_message *reply, const char *name, char *path,
			size_t len)
{
	const char *p, *n, *t;
	int r, found = 0;

	r = sd_bus_message_enter_container(reply, 'a', "(oss)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(reply, "(oss)", &p, &n, &t)) > 0) {
		if (strcmp(n, name) != 0)
			continue;
		if (!found && copy_path(path, len, p) < 0)
			return -ENAMETOOLONG;
		found++;
	}
	return r < 0 ? r : found;
}

int ctl_bus_account_path(sd_bus *bus, const char *name, char *path,
			 size_t len)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r;

	if (name[0] == '/')
		return copy_path(path, len, name) < 0 ? CTL_EXIT_FAIL : 0;
	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			       "ListDestinations", &error, &reply, "");
	if (r < 0) {
		r = ctl_bus_report("ListDestinations", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	r = find_account(reply, name, path, len);
	sd_bus_message_unref(reply);
	if (r < 0)
		return ctl_bus_report("ListDestinations", NULL, r);
	if (r == 0) {
		fprintf(stderr, "mfpscanctl: no account named \"%s\" "
			"(see: mfpscanctl accounts list)\n", name);
		return CTL_EXIT_FAIL;
	}
	if (r > 1) {
		/* Acting on one of several would be a guess: ask for the path. */
		fprintf(stderr, "mfpscanctl: %d accounts are named \"%s\"; give "
			"its object path instead (see: mfpscanctl accounts list)\n",
			r, name);
		return CTL_EXIT_FAIL;
	}
	return 0;
}

int ctl_bus_object_path(const char *prefix, const char *id, char *path,
			size_t len)
{
	const char *c;

	if (id[0] == '/') {
		if (sd_bus_object_path_is_valid(id) && copy_path(path, len, id) == 0)
			return 0;
	} else if (id[0]) {
		for (c = id; *c; c++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", *c))
				break;
		if (!*c && snprintf(path, len, "%s%s", prefix, id) < (int)len)
			return 0;
	}
	fprintf(stderr, "mfpscanctl: \"%s\" is not an id or object path\n", id);
	return CTL_EXIT_USAGE;
}

const char *ctl_bus_short_id(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int ctl_bus_get_all(sd_bus *bus, const char *path, const char *iface,
		    sd_bus_message **reply)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, CTL_DEST, path,
			       "org.freedesktop.DBus.Properties", "GetAll",
			       &error, reply, "s", iface);
	if (r < 0) {
		r = ctl_bus_report(path, &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	return 0;
}

int ctl_bus_subscribe(sd_bus *bus)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			       "Subscribe", &error, NULL, "");
	r = r < 0 ? ctl_bus_report("subscribing to the daemon's signals", &error, r) : 0;
	sd_bus_error_free(&error);
	return r;
}
