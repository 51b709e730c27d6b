/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon_client: the panel's one connection to mfpscand on the system bus
 * (GDBus). Every call to the daemon goes through here; the pages never see
 * a bus name. Errors come back as GError; dc_error_text gives the daemon's
 * own sentence (people read the sentence, not the D-Bus error name).
 */
#ifndef MFPSCAN_DAEMON_CLIENT_H
#define MFPSCAN_DAEMON_CLIENT_H

#include <gio/gio.h>

#define DC_NAME "org.mfpscan.Daemon1"
#define DC_PATH "/org/mfpscan/Daemon1"
#define DC_MANAGER DC_NAME ".Manager"
#define DC_ACCOUNT DC_NAME ".Account"
#define DC_JOB DC_NAME ".Job"
#define DC_ENTRY DC_NAME ".SpoolEntry"

struct daemon_client;

/*
 * A signal from the daemon: its object path, interface, member and
 * arguments. PropertiesChanged arrives with interface
 * "org.freedesktop.DBus.Properties"; the bus's NameOwnerChanged for the
 * daemon's name (it started or went away) with "org.freedesktop.DBus".
 */
typedef void (*dc_signal_fn)(const char *path, const char *iface,
			     const char *member, GVariant *args, void *data);

/* dc_connect: connect to the system bus (DBUS_SYSTEM_BUS_ADDRESS). */
struct daemon_client *dc_connect(GError **error);

/* dc_free: unsubscribe and drop the connection; returns NULL. */
struct daemon_client *dc_free(struct daemon_client *dc);

/*
 * dc_subscribe: call fn for every signal the daemon sends us (until
 * dc_free). Several subscribers may be added.
 */
void dc_subscribe(struct daemon_client *dc, dc_signal_fn fn, void *data);

/*
 * dc_call: call METHOD asynchronously; cb gets the reply or a GError
 * (dc_call_finish). params may be floating (it is consumed).
 */
void dc_call(struct daemon_client *dc, const char *path, const char *iface,
	     const char *method, GVariant *params, GAsyncReadyCallback cb,
	     void *data);

/* dc_call_finish: the reply tuple, or NULL with error set. */
GVariant *dc_call_finish(struct daemon_client *dc, GAsyncResult *res,
			 GError **error);

/* dc_call_fd: like dc_call, for a method that returns one fd (Open). */
void dc_call_fd(struct daemon_client *dc, const char *path, const char *iface,
		const char *method, GAsyncReadyCallback cb, void *data);

/* dc_call_fd_finish: the received descriptor (caller closes it), or -1. */
int dc_call_fd_finish(struct daemon_client *dc, GAsyncResult *res,
		      GError **error);

/*
 * dc_call_sync: a quick read-only call (listings, GetAll) with a short
 * timeout; NULL with error set when it fails.
 */
GVariant *dc_call_sync(struct daemon_client *dc, const char *path,
		       const char *iface, const char *method, GVariant *params,
		       GError **error);

/* dc_get_all: the object's properties of iface as a{sv}, or NULL. */
GVariant *dc_get_all(struct daemon_client *dc, const char *path,
		     const char *iface, GError **error);

/* dc_prop_str / dc_prop_u64: one value of an a{sv}; fallback when absent. */
const char *dc_prop_str(GVariant *props, const char *key, const char *fallback);
guint64 dc_prop_u64(GVariant *props, const char *key);

/* dc_error_name_is: true when error is the daemon's error NAME (short). */
gboolean dc_error_name_is(const GError *error, const char *name);

/* dc_error_text: the sentence of error, without GDBus's name prefix. */
const char *dc_error_text(const GError *error);

#endif
