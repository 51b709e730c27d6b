// SPDX-License-Identifier: GPL-2.0
/*
 * daemon_client: GDBus access to mfpscand (see daemon_client.h).
 *
 * The daemon sends its signals to their owner as unicast messages; the
 * match rule below (sender = the daemon's name) lets GDBus route them to
 * our handler. The bus's NameOwnerChanged for the daemon's name reaches
 * the same subscribers (the daemon started or stopped). Remote errors are turned into their message only: the
 * D-Bus error name is read with dc_error_name_is, so that the pages can
 * react to PendingUploads without parsing text; dc_error_text gives the
 * sentence alone.
 */
#include <string.h>

#include <gio/gunixfdlist.h>

#include "daemon_client.h"

/* Method calls that do real work (Scan's pre-checks, Check, Retry) may
 * take as long as an upload attempt; listings must answer quickly. */
#define DC_SLOW_TIMEOUT_MS (10 * 60 * 1000)
#define DC_QUICK_TIMEOUT_MS (10 * 1000)
#define DC_ERROR_PREFIX DC_NAME ".Error."

struct subscriber {
	dc_signal_fn fn;
	void *data;
};

struct daemon_client {
	GDBusConnection *bus;
	guint signal_id;
	guint owner_id;		/* the daemon's name changing hands */
	GArray *subscribers;	/* struct subscriber, called in order */
};

static void on_signal(GDBusConnection *bus, const char *sender,
		      const char *path, const char *iface, const char *member,
		      GVariant *args, gpointer data)
{
	struct daemon_client *dc = data;

	for (guint i = 0; i < dc->subscribers->len; i++) {
		struct subscriber *s = &g_array_index(dc->subscribers,
						      struct subscriber, i);
		s->fn(path, iface, member, args, s->data);
	}
}

struct daemon_client *dc_connect(GError **error)
{
	struct daemon_client *dc;
	GDBusConnection *bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);

	if (!bus)
		return NULL;
	dc = g_new0(struct daemon_client, 1);
	dc->bus = bus;
	dc->subscribers = g_array_new(FALSE, FALSE, sizeof(struct subscriber));
	dc->signal_id = g_dbus_connection_signal_subscribe(bus, DC_NAME, NULL,
		NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, dc, NULL);
	/* A (re)started daemon raises notices while no session listens:
	 * the subscribers hear of it and read them. */
	dc->owner_id = g_dbus_connection_signal_subscribe(bus,
		"org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
		"/org/freedesktop/DBus", DC_NAME, G_DBUS_SIGNAL_FLAGS_NONE,
		on_signal, dc, NULL);
	return dc;
}

struct daemon_client *dc_free(struct daemon_client *dc)
{
	if (!dc)
		return NULL;
	g_dbus_connection_signal_unsubscribe(dc->bus, dc->signal_id);
	g_dbus_connection_signal_unsubscribe(dc->bus, dc->owner_id);
	g_array_unref(dc->subscribers);
	g_object_unref(dc->bus);
	g_free(dc);
	return NULL;
}

void dc_subscribe(struct daemon_client *dc, dc_signal_fn fn, void *data)
{
	struct subscriber s = { fn, data };

	g_array_append_val(dc->subscribers, s);
}

void dc_call(struct daemon_client *dc, const char *path, const char *iface,
	     const char *method, GVariant *params, GAsyncReadyCallback cb,
	     void *data)
{
	g_dbus_connection_call(dc->bus, DC_NAME, path, iface, method, params,
			       NULL, G_DBUS_CALL_FLAGS_NONE, DC_SLOW_TIMEOUT_MS,
			       NULL, cb, data);
}

GVariant *dc_call_finish(struct daemon_client *dc, GAsyncResult *res,
			 GError **error)
{
	return g_dbus_connection_call_finish(dc->bus, res, error);
}

void dc_call_fd(struct daemon_client *dc, const char *path, const char *iface,
		const char *method, GAsyncReadyCallback cb, void *data)
{
	g_dbus_connection_call_with_unix_fd_list(dc->bus, DC_NAME, path, iface,
		method, NULL, G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE,
		DC_QUICK_TIMEOUT_MS, NULL, NULL, cb, data);
}

int dc_call_fd_finish(struct daemon_client *dc, GAsyncResult *res,
		      GError **error)
{
	GUnixFDList *fds = NULL;
	GVariant *r;
	gint32 index;
	int fd;

	r = g_dbus_connection_call_with_unix_fd_list_finish(dc->bus, &fds, res,
							     error);
	if (!r)
		return -1;
	g_variant_get(r, "(h)", &index);
	g_variant_unref(r);
	fd = fds ? g_unix_fd_list_get(fds, index, error) : -1;
	if (!fds && error)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "the daemon sent no file");
	g_clear_object(&fds);
	return fd;
}

GVariant *dc_call_sync(struct daemon_client *dc, const char *path,
		       const char *iface, const char *method, GVariant *params,
		       GError **error)
{
	return g_dbus_connection_call_sync(dc->bus, DC_NAME, path, iface,
		method, params, NULL, G_DBUS_CALL_FLAGS_NONE,
		DC_QUICK_TIMEOUT_MS, NULL, error);
}

GVariant *dc_get_all(struct daemon_client *dc, const char *path,
		     const char *iface, GError **error)
{
	GVariant *r, *props;

	r = dc_call_sync(dc, path, "org.freedesktop.DBus.Properties", "GetAll",
			 g_variant_new("(s)", iface), error);
	if (!r)
		return NULL;
	g_variant_get(r, "(@a{sv})", &props);
	g_variant_unref(r);
	return props;
}

const char *dc_prop_str(GVariant *props, const char *key, const char *fallback)
{
	const char *s;

	if (props && g_variant_lookup(props, key, "&s", &s))
		return s;
	if (props && g_variant_lookup(props, key, "&o", &s))
		return s;
	return fallback;
}

guint64 dc_prop_u64(GVariant *props, const char *key)
{
	GVariant *v = props ? g_variant_lookup_value(props, key, NULL) : NULL;
	guint64 n = 0;

	if (!v)
		return 0;
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
		n = g_variant_get_uint64(v);
	else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
		n = g_variant_get_uint32(v);
	g_variant_unref(v);
	return n;
}

gboolean dc_error_name_is(const GError *error, const char *name)
{
	g_autofree char *remote = NULL;

	if (!error || !g_dbus_error_is_remote_error(error))
		return FALSE;
	remote = g_dbus_error_get_remote_error(error);
	return g_str_has_prefix(remote, DC_ERROR_PREFIX) &&
	       strcmp(remote + strlen(DC_ERROR_PREFIX), name) == 0;
}

const char *dc_error_text(const GError *error)
{
	const char *m = error->message;
	const char *end;

	/* GDBus writes "GDBus.Error:NAME: sentence"; people read the sentence */
	if (g_str_has_prefix(m, "GDBus.Error:")) {
		end = strstr(m, ": ");
		if (end)
			return end + 2;
	}
	return m;
}
