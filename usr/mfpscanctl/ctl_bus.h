/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_bus: mfpscanctl's connection to the system bus and the few call
 * patterns every command repeats: open the bus (DBUS_SYSTEM_BUS_ADDRESS is
 * honoured by sd-bus), report a D-Bus error the way the user must see it
 * (the daemon's error name and message on stderr), turn an account name or
 * a short object id into an object path, and fetch all properties of an
 * object.
 */
#ifndef MFPSCANCTL_CTL_BUS_H
#define MFPSCANCTL_CTL_BUS_H

#include <stddef.h>
#include <systemd/sd-bus.h>

/* Connect to the system bus; prints the reason and returns NULL on failure. */
sd_bus *ctl_bus_open(void);

/*
 * Print "mfpscanctl: @what: <error name>: <message>" to stderr, or the
 * errno text when @error is not set. Returns CTL_EXIT_FAIL.
 */
int ctl_bus_report(const char *what, const sd_bus_error *error, int r);

/*
 * Resolve @name (an account name from ListDestinations, or an object path)
 * to the account's object path, written to @path (@len bytes). Returns 0,
 * or CTL_EXIT_FAIL after printing why.
 */
int ctl_bus_account_path(sd_bus *bus, const char *name, char *path,
			 size_t len);

/*
 * Build the object path of @id under @prefix ("/org/.../spool/"): @id may
 * be a full path already or a short id of [A-Za-z0-9_]. Returns 0, or
 * CTL_EXIT_USAGE after printing why.
 */
int ctl_bus_object_path(const char *prefix, const char *id, char *path,
			size_t len);

/* The last element of an object path (the short id shown to users). */
const char *ctl_bus_short_id(const char *path);

/*
 * Properties.GetAll(@iface) of @path; on success *@reply is positioned at
 * the a{sv}. Returns 0 or CTL_EXIT_FAIL after printing why.
 */
int ctl_bus_get_all(sd_bus *bus, const char *path, const char *iface,
		    sd_bus_message **reply);

/*
 * Manager.Subscribe(): ask the daemon for its signals. An ordinary user
 * gets signals about their own objects anyway; root gets none before it
 * subscribes. Call after adding the match. Returns 0 or CTL_EXIT_FAIL
 * after printing why.
 */
int ctl_bus_subscribe(sd_bus *bus);

#endif
