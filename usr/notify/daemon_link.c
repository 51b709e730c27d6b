// SPDX-License-Identifier: GPL-2.0
/*
 * daemon_link: libdbus connection to mfpscand (see daemon_link.h).
 *
 * The daemon sends its signals to their owner as unicast messages; the
 * match rules make the bus route them (and the name's owner changes) to
 * us, and one filter parses them. After connecting, and whenever the
 * daemon's name gets a new owner, the agent makes one cheap call
 * (ListJobs): that proves the daemon is there and makes sure it has seen
 * this connection before it has anything to tell. Then the agent reads
 * the notices the daemon kept (ListNotices): those raised at its start
 * reached no connection as signals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_link.h"

#define DAEMON_NAME "org.mfpscan.Daemon1"
#define DAEMON_PATH "/org/mfpscan/Daemon1"
#define MANAGER_IFACE DAEMON_NAME ".Manager"
#define ENTRY_IFACE DAEMON_NAME ".SpoolEntry"
#define CALL_TIMEOUT_MS 10000

struct daemon_link {
	DBusConnection *bus;
	struct daemon_link_events ev;
};

struct daemon_link *daemon_link_new(const struct daemon_link_events *ev)
{
	struct daemon_link *l = calloc(1, sizeof(*l));

	if (l)
		l->ev = *ev;
	return l;
}

static void drop_bus(struct daemon_link *l)
{
	if (!l->bus)
		return;
	dbus_connection_close(l->bus);
	dbus_connection_unref(l->bus);
	l->bus = NULL;
}

struct daemon_link *daemon_link_free(struct daemon_link *l)
{
	if (l) {
		drop_bus(l);
		free(l);
	}
	return NULL;
}

/* Make the daemon see us (its reply is not needed, only its arrival). */
static void introduce(struct daemon_link *l)
{
	DBusMessage *m = dbus_message_new_method_call(DAEMON_NAME, DAEMON_PATH,
						      MANAGER_IFACE, "ListJobs");

	if (!m)
		return;
	dbus_message_set_no_reply(m, TRUE);
	dbus_connection_send(l->bus, m, NULL);
	dbus_message_unref(m);
	dbus_connection_flush(l->bus);
}

static void on_daemon_signal(struct daemon_link *l, DBusMessage *m)
{
	const char *entry = NULL, *a = NULL, *b = NULL;
	DBusError err = DBUS_ERROR_INIT;

	if (dbus_message_is_signal(m, MANAGER_IFACE, "UploadFailed") &&
	    dbus_message_get_args(m, &err, DBUS_TYPE_OBJECT_PATH, &entry,
				  DBUS_TYPE_STRING, &a, DBUS_TYPE_STRING, &b,
				  DBUS_TYPE_INVALID))
		l->ev.upload_failed(entry, a, b, l->ev.data);
	else if (dbus_message_is_signal(m, MANAGER_IFACE, "UploadRecovered") &&
		 dbus_message_get_args(m, &err, DBUS_TYPE_OBJECT_PATH, &entry,
				       DBUS_TYPE_STRING, &a, DBUS_TYPE_INVALID))
		l->ev.upload_recovered(entry, a, l->ev.data);
	else if (dbus_message_is_signal(m, MANAGER_IFACE, "NeedsAttention") &&
		 dbus_message_get_args(m, &err, DBUS_TYPE_OBJECT_PATH, &entry,
				       DBUS_TYPE_INVALID))
		l->ev.needs_attention(entry, l->ev.data);
	if (dbus_error_is_set(&err)) {
		fprintf(stderr, "mfpscan-notify: a malformed %s signal: %s\n",
			dbus_message_get_member(m), err.message);
		dbus_error_free(&err);
	}
}

/* The daemon came back (or started): introduce ourselves again. */
static void on_owner_changed(struct daemon_link *l, DBusMessage *m)
{
	const char *name, *old_owner, *new_owner;

	if (dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name,
				  DBUS_TYPE_STRING, &old_owner,
				  DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID) &&
	    strcmp(name, DAEMON_NAME) == 0 && *new_owner) {
		fprintf(stderr, "mfpscan-notify: the scan service (re)started\n");
		introduce(l);
		if (l->ev.daemon_up)
			l->ev.daemon_up(l->ev.data);
	}
}

static DBusHandlerResult filter(DBusConnection *c, DBusMessage *m, void *data)
{
	struct daemon_link *l = data;

	if (dbus_message_is_signal(m, "org.freedesktop.DBus", "NameOwnerChanged"))
		on_owner_changed(l, m);
	else if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_SIGNAL &&
		 dbus_message_has_interface(m, MANAGER_IFACE))
		on_daemon_signal(l, m);
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

int daemon_link_reconnect(struct daemon_link *l, DBusError *err)
{
	drop_bus(l);
	l->bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, err);
	if (!l->bus)
		return -ECONNREFUSED;
	dbus_connection_set_exit_on_disconnect(l->bus, FALSE);
	dbus_bus_add_match(l->bus, "type='signal',sender='" DAEMON_NAME
			   "',interface='" MANAGER_IFACE "'", err);
	if (!dbus_error_is_set(err))
		dbus_bus_add_match(l->bus, "type='signal',sender='org.freedesktop.DBus',"
				   "member='NameOwnerChanged',arg0='" DAEMON_NAME "'",
				   err);
	if (dbus_error_is_set(err) ||
	    !dbus_connection_add_filter(l->bus, filter, l, NULL)) {
		drop_bus(l);
		return -EIO;
	}
	introduce(l);
	if (l->ev.daemon_up)
		l->ev.daemon_up(l->ev.data);
	return 0;
}

int daemon_link_fd(struct daemon_link *l)
{
	int fd = -1;

	if (!l->bus || !dbus_connection_get_unix_fd(l->bus, &fd))
		return -1;
	return fd;
}

bool daemon_link_process(struct daemon_link *l)
{
	if (!l->bus || !dbus_connection_read_write(l->bus, 0))
		return false;
	while (dbus_connection_dispatch(l->bus) == DBUS_DISPATCH_DATA_REMAINS)
		;
	return dbus_connection_get_is_connected(l->bus);
}

void daemon_link_entry_name(struct daemon_link *l, const char *entry,
			    char *buf, size_t len)
{
	const char *iface = ENTRY_IFACE, *prop = "Name", *name = "";
	DBusMessage *m, *r = NULL;
	DBusMessageIter it, v;

	snprintf(buf, len, "%s", "");
	m = dbus_message_new_method_call(DAEMON_NAME, entry,
					 "org.freedesktop.DBus.Properties", "Get");
	if (!m || !l->bus ||
	    !dbus_message_append_args(m, DBUS_TYPE_STRING, &iface,
				      DBUS_TYPE_STRING, &prop, DBUS_TYPE_INVALID))
		goto out;
	r = dbus_connection_send_with_reply_and_block(l->bus, m, CALL_TIMEOUT_MS, NULL);
	if (r && dbus_message_iter_init(r, &it) &&
	    dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_VARIANT) {
		dbus_message_iter_recurse(&it, &v);
		if (dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_STRING)
			dbus_message_iter_get_basic(&v, &name);
		snprintf(buf, len, "%s", name);
	}
out:
	if (r)
		dbus_message_unref(r);
	if (m)
		dbus_message_unref(m);
}

/* The attempt's outcome arrives as a signal; only a refusal is logged. */
static void on_retry_reply(DBusPendingCall *call, void *data)
{
	DBusMessage *r = dbus_pending_call_steal_reply(call);

	if (r && dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR)
		fprintf(stderr, "mfpscan-notify: retry refused: %s\n",
			dbus_message_get_error_name(r));
	if (r)
		dbus_message_unref(r);
	dbus_pending_call_unref(call);
}

int daemon_link_retry(struct daemon_link *l, const char *entry)
{
	DBusMessage *m;
	DBusPendingCall *call = NULL;
	int ret = 0;

	if (!l->bus)
		return -ENOTCONN;
	m = dbus_message_new_method_call(DAEMON_NAME, entry, ENTRY_IFACE, "Retry");
	if (!m)
		return -ENOMEM;
	if (!dbus_connection_send_with_reply(l->bus, m, &call, DBUS_TIMEOUT_INFINITE) ||
	    !call)
		ret = -ENOMEM;
	else
		dbus_pending_call_set_notify(call, on_retry_reply, NULL, NULL);
	dbus_message_unref(m);
	dbus_connection_flush(l->bus);
	return ret;
}

void daemon_notices_free(struct daemon_notice *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].kind);
		free(v[i].text);
	}
	free(v);
}

/* One (tsxsu) of the reply into @nt; false if malformed. */
static bool notice_read(DBusMessageIter *st, struct daemon_notice *nt)
{
	const char *kind = NULL, *text = NULL;
	dbus_uint64_t id = 0;
	dbus_int64_t when = 0;
	dbus_uint32_t count = 0;
	DBusMessageIter f;

	dbus_message_iter_recurse(st, &f);
	if (dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_UINT64)
		return false;
	dbus_message_iter_get_basic(&f, &id);
	if (!dbus_message_iter_next(&f) ||
	    dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_STRING)
		return false;
	dbus_message_iter_get_basic(&f, &kind);
	if (!dbus_message_iter_next(&f) ||
	    dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_INT64)
		return false;
	dbus_message_iter_get_basic(&f, &when);
	if (!dbus_message_iter_next(&f) ||
	    dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_STRING)
		return false;
	dbus_message_iter_get_basic(&f, &text);
	if (!dbus_message_iter_next(&f) ||
	    dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_UINT32)
		return false;
	dbus_message_iter_get_basic(&f, &count);
	nt->id = id;
	nt->count = count;
	nt->kind = strdup(kind);
	nt->text = strdup(text);
	return nt->kind && nt->text;
}

/* The notices of reply @r into *@out, *@n. */
static int notices_parse(DBusMessage *r, struct daemon_notice **out, size_t *n)
{
	DBusMessageIter it, arr;
	struct daemon_notice *v = NULL, *bigger;

	if (!dbus_message_iter_init(r, &it) ||
	    dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY)
		return -EIO;
	dbus_message_iter_recurse(&it, &arr);
	while (dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT) {
		bigger = realloc(v, (*n + 1) * sizeof(*v));
		if (!bigger)
			break;
		v = bigger;
		memset(&v[*n], 0, sizeof(v[*n]));
		if (!notice_read(&arr, &v[*n])) {
			daemon_notices_free(v, *n + 1);
			*n = 0;
			return -EIO;
		}
		(*n)++;
		dbus_message_iter_next(&arr);
	}
	*out = v;
	return 0;
}

int daemon_link_notices(struct daemon_link *l, struct daemon_notice **out,
			size_t *n)
{
	DBusError err = DBUS_ERROR_INIT;
	DBusMessage *m, *r;
	int ret;

	*out = NULL;
	*n = 0;
	if (!l->bus)
		return -ENOTCONN;
	m = dbus_message_new_method_call(DAEMON_NAME, DAEMON_PATH, MANAGER_IFACE,
					 "ListNotices");
	if (!m)
		return -ENOMEM;
	r = dbus_connection_send_with_reply_and_block(l->bus, m, CALL_TIMEOUT_MS, &err);
	dbus_message_unref(m);
	if (!r) {
		fprintf(stderr, "mfpscan-notify: ListNotices: %s\n",
			err.message ? err.message : "no reply");
		dbus_error_free(&err);
		return -EIO;
	}
	ret = notices_parse(r, out, n);
	dbus_message_unref(r);
	return ret;
}

/* An acknowledgement that failed is logged: the notice comes again. */
static void on_ack_reply(DBusPendingCall *call, void *data)
{
	DBusMessage *r = dbus_pending_call_steal_reply(call);

	if (r && dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR)
		fprintf(stderr, "mfpscan-notify: AckNotices refused: %s\n",
			dbus_message_get_error_name(r));
	if (r)
		dbus_message_unref(r);
	dbus_pending_call_unref(call);
}

int daemon_link_ack_notice(struct daemon_link *l, uint64_t id)
{
	const dbus_uint64_t ids[1] = { id };
	const dbus_uint64_t *p = ids;
	DBusPendingCall *call = NULL;
	DBusMessage *m;
	int ret = 0;

	if (!l->bus)
		return -ENOTCONN;
	m = dbus_message_new_method_call(DAEMON_NAME, DAEMON_PATH, MANAGER_IFACE,
					 "AckNotices");
	if (!m || !dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_UINT64,
					    &p, 1, DBUS_TYPE_INVALID))
		ret = -ENOMEM;
	else if (!dbus_connection_send_with_reply(l->bus, m, &call, CALL_TIMEOUT_MS) ||
		 !call)
		ret = -ENOMEM;
	else
		dbus_pending_call_set_notify(call, on_ack_reply, NULL, NULL);
	if (m)
		dbus_message_unref(m);
	dbus_connection_flush(l->bus);
	return ret;
}
