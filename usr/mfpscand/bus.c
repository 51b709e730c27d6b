// SPDX-License-Identifier: GPL-2.0
/*
 * bus: caller identity, owner-only signals and filtered object trees (see
 * bus.h and daemon.h).
 *
 * sd-bus answers Introspect, Properties and GetManagedObjects itself by
 * calling our find callbacks and node enumerators with the incoming
 * message as "current message"; they ask bus_caller_may_see(), so another
 * user's object simply does not exist for a caller. Signals are never
 * broadcast (sd_bus_emit_* would send them to every match): each one is
 * built once, sealed, and copied with a destination to every connection
 * of the owner, and to the root connections that called
 * Manager.Subscribe() (as systemd's Manager does: PID 1, logind and other
 * root services on the system bus get nothing they did not ask for).
 * Connections are learnt when they appear on the bus (NameOwnerChanged,
 * and ListNames at start: their uid is asked in the background) or when
 * they first call, and forgotten, with their subscription, when they go.
 * They are hashed by unique name (a caller's uid is one lookup per
 * message) and by uid (a signal visits only its owner's and root's).
 *
 * The state is one per process (the daemon has one bus): bus_caller_uid()
 * takes no daemon pointer in the contract.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "log.h"

#define BUS_CONNS_MAX	65536	/* remembered connections (then: not cached) */
#define BUS_CONN_BUCKETS 4096	/* hash buckets by name and by uid */
#define BUS_TREES_MAX	16
#define BUS_SLOTS_MAX	48
#define BUS_ASKING_MAX	1024	/* calls waiting for their caller's uid */

/*
 * A connection the daemon knows. It sits in two hash chains: by unique
 * name (the uid of a caller, once per message) and by uid (the
 * connections a signal about a user's object goes to).
 */
struct bus_conn {
	char *name;		/* unique name ":1.42" */
	uid_t uid;
	bool subscribed;	/* Manager.Subscribe() called (root: gets signals) */
	struct bus_conn *next_name;
	struct bus_conn *next_uid;
};

/*
 * A method call whose caller's uid the bus has just told us, put back on
 * the read queue (bus_on_caller_uid()) and not dispatched again yet; then,
 * while it is dispatched, bus_st.current. Holds a reference to the call,
 * so that its address names it until it is done.
 */
struct bus_resolved {
	sd_bus_message *m;
	uid_t uid;
	struct bus_resolved *next;
};

struct bus_tree {
	char *prefix;
	char *iface;
	const sd_bus_vtable *vtable;
	sd_bus_object_find_t find;
	void *userdata;
};

static struct bus_state {
	struct daemon *d;
	struct bus_conn *by_name[BUS_CONN_BUCKETS];
	struct bus_conn *by_uid[BUS_CONN_BUCKETS];
	size_t n_conns;
	struct bus_tree trees[BUS_TREES_MAX];
	size_t n_trees;
	sd_bus_slot *slots[BUS_SLOTS_MAX];
	size_t n_slots;
	int internal;		/* > 0 while the daemon looks objects up itself */
	size_t asking;		/* uid lookups in flight (bus_ask_caller_uid) */
	struct bus_resolved *resolved;	/* calls put back with their uid */
	struct bus_resolved *current;	/* the one being dispatched, or NULL */
} bus_st;

/* --- connections and callers --------------------------------------------- */

/* FNV-1a of a unique name; the bucket of its connection. */
static size_t name_bucket(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % BUS_CONN_BUCKETS;
}

static size_t uid_bucket(uid_t uid)
{
	return (size_t)uid % BUS_CONN_BUCKETS;
}

static struct bus_conn *bus_conn_find(const char *name)
{
	for (struct bus_conn *c = bus_st.by_name[name_bucket(name)]; c;
	     c = c->next_name)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static struct bus_conn *bus_conn_add(const char *name, uid_t uid)
{
	struct bus_conn *c;
	size_t b;

	if (bus_st.n_conns >= BUS_CONNS_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	if (!c->name) {
		free(c);
		return NULL;
	}
	c->uid = uid;
	b = name_bucket(name);
	c->next_name = bus_st.by_name[b];
	bus_st.by_name[b] = c;
	b = uid_bucket(uid);
	c->next_uid = bus_st.by_uid[b];
	bus_st.by_uid[b] = c;
	bus_st.n_conns++;
	return c;
}

static void bus_conn_free(struct bus_conn *c)
{
	free(c->name);
	free(c);
}

/* Unlink @c from its uid chain (the name chain is the caller's). */
static void bus_conn_unlink_uid(struct bus_conn *c)
{
	for (struct bus_conn **p = &bus_st.by_uid[uid_bucket(c->uid)]; *p;
	     p = &(*p)->next_uid) {
		if (*p == c) {
			*p = c->next_uid;
			return;
		}
	}
}

/* The peer left: its uid and its subscription go with it. */
static void bus_conn_forget(const char *name)
{
	for (struct bus_conn **p = &bus_st.by_name[name_bucket(name)]; *p;
	     p = &(*p)->next_name) {
		struct bus_conn *c = *p;

		if (strcmp(c->name, name) != 0)
			continue;
		*p = c->next_name;
		bus_conn_unlink_uid(c);
		bus_conn_free(c);
		bus_st.n_conns--;
		return;
	}
}

/*
 * The caller of @m: known from its connection (learnt when it appeared, or
 * by bus_on_incoming() before its first call was dispatched), never asked
 * of the bus here: this runs on the main loop, which must not wait.
 */
int bus_caller_uid(sd_bus_message *m, uid_t *uid)
{
	const char *sender = sd_bus_message_get_sender(m);
	struct bus_conn *c;

	if (!sender)
		return -ENXIO;
	c = bus_conn_find(sender);
	if (c) {
		*uid = c->uid;
		return 0;
	}
	if (bus_st.current && bus_st.current->m == m) {
		*uid = bus_st.current->uid;
		return 0;
	}
	log_msg(LOG_WARNING, "bus: the uid of %s is not known yet", sender);
	return -EACCES;
}

int bus_subscribe(sd_bus_message *m, bool on)
{
	const char *sender = sd_bus_message_get_sender(m);
	struct bus_conn *c;
	uid_t uid;
	int r;

	r = bus_caller_uid(m, &uid);
	if (r < 0)
		return r;
	c = bus_conn_find(sender);
	if (!c && on)
		c = bus_conn_add(sender, uid);
	if (!c)
		return on ? -ENOMEM : 0;
	c->subscribed = on;
	return 0;
}

int bus_method_uid(sd_bus_message *m, uid_t *uid)
{
	int r = bus_caller_uid(m, uid);

	if (r == 0)
		return 1;
	/* Replied: the handler must stop, whatever sending returned. */
	r = sd_bus_reply_method_errorf(m, BUS_ERROR_ACCESS_DENIED,
				       "The bus could not tell who is calling; try again.");
	return r < 0 ? r : 0;
}

int bus_current_uid(struct daemon *d, uid_t *uid)
{
	sd_bus_message *m = sd_bus_get_current_message(d->bus);

	if (!m)
		return -ENXIO;
	return bus_caller_uid(m, uid);
}

bool bus_caller_may_see(struct daemon *d, uid_t owner)
{
	uid_t uid;

	if (bus_st.internal > 0)
		return true;
	if (bus_current_uid(d, &uid) < 0)
		return false;
	return uid == 0 || uid == owner;
}

void bus_nodes_add(struct daemon *d, struct bus_nodes *nl, uid_t owner,
		   const char *path)
{
	char **nv;

	if (nl->r < 0 || !bus_caller_may_see(d, owner))
		return;
	nv = reallocarray(nl->v, nl->n + 2, sizeof(*nv));
	if (!nv) {
		nl->r = -ENOMEM;
		return;
	}
	nl->v = nv;
	nl->v[nl->n] = strdup(path);
	if (!nl->v[nl->n]) {
		nl->r = -ENOMEM;
		return;
	}
	nl->v[++nl->n] = NULL;
}

int bus_nodes_finish(struct bus_nodes *nl, char ***nodes)
{
	if (nl->r >= 0 && !nl->v)
		nl->v = calloc(1, sizeof(*nl->v));
	if (nl->r < 0 || !nl->v) {
		for (size_t i = 0; nl->v && i < nl->n; i++)
			free(nl->v[i]);
		free(nl->v);
		return -ENOMEM;
	}
	*nodes = nl->v;
	return 0;
}

static int bus_on_unix_user(sd_bus_message *m, void *userdata,
			    sd_bus_error *error)
{
	const char *name = userdata;
	uint32_t uid;

	/* an error: the connection is already gone */
	if (sd_bus_message_is_method_error(m, NULL) ||
	    sd_bus_message_read(m, "u", &uid) < 0)
		return 0;
	if (!bus_conn_find(name))
		bus_conn_add(name, uid);
	return 0;
}

/*
 * Learn the uid of connection @name in the background, so that a client
 * that only listens (never calls) still gets its owner's signals.
 */
static void bus_conn_discover(struct daemon *d, const char *name)
{
	const char *self = NULL;
	sd_bus_slot *slot = NULL;
	char *copy;

	if (name[0] != ':' || bus_conn_find(name) ||
	    (sd_bus_get_unique_name(d->bus, &self) >= 0 && strcmp(self, name) == 0))
		return;
	copy = strdup(name);
	if (!copy)
		return;
	if (sd_bus_call_method_async(d->bus, &slot, "org.freedesktop.DBus",
				     "/org/freedesktop/DBus", "org.freedesktop.DBus",
				     "GetConnectionUnixUser", bus_on_unix_user,
				     copy, "s", name) < 0) {
		free(copy);
		return;
	}
	/* the slot owns @copy and lives until the reply (or the bus) goes */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
}

static int bus_on_name_owner_changed(sd_bus_message *m, void *userdata,
				     sd_bus_error *error)
{
	const char *name, *old_owner, *new_owner;

	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
		return 0;
	if (name[0] != ':')
		return 0;
	if (!*new_owner)
		bus_conn_forget(name);
	else if (!*old_owner)
		bus_conn_discover(userdata, name);
	return 0;
}

/* The connections already on the bus when the daemon starts. */
static int bus_on_list_names(sd_bus_message *m, void *userdata,
			     sd_bus_error *error)
{
	const char *name;

	if (sd_bus_message_is_method_error(m, NULL) ||
	    sd_bus_message_enter_container(m, 'a', "s") < 0)
		return 0;
	while (sd_bus_message_read(m, "s", &name) > 0)
		bus_conn_discover(userdata, name);
	return 0;
}

/* --- callers not known yet: their uid asked without waiting --------------- */

static struct bus_resolved *bus_resolved_free(struct bus_resolved *r)
{
	if (r) {
		sd_bus_message_unref(r->m);
		free(r);
	}
	return NULL;
}

/* Take @m's entry off the list of calls put back, or NULL. */
static struct bus_resolved *bus_resolved_take(sd_bus_message *m)
{
	for (struct bus_resolved **p = &bus_st.resolved; *p; p = &(*p)->next) {
		struct bus_resolved *r = *p;

		if (r->m == m) {
			*p = r->next;
			return r;
		}
	}
	return NULL;
}

static void bus_asked_done(void *userdata)
{
	sd_bus_message_unref(userdata);
	if (bus_st.asking > 0)
		bus_st.asking--;
}

/* The caller could not be told: refuse the call, the daemon goes on. */
static int bus_refuse_unknown(sd_bus_message *call)
{
	(void)sd_bus_reply_method_errorf(call, BUS_ERROR_ACCESS_DENIED,
					 "The bus could not tell who is calling; try again.");
	return 1;
}

/* The bus's answer to GetConnectionUnixUser for the sender of @userdata. */
static int bus_on_caller_uid(sd_bus_message *reply, void *userdata,
			     sd_bus_error *error)
{
	sd_bus_message *call = userdata;
	struct bus_resolved *r;
	uint32_t uid;

	if (!bus_st.d)		/* the bus is closing (bus_done()) */
		return 0;
	if (sd_bus_message_is_method_error(reply, NULL) ||
	    sd_bus_message_read(reply, "u", &uid) < 0) {
		log_msg(LOG_WARNING, "bus: cannot tell the uid of %s",
			sd_bus_message_get_sender(call));
		return bus_refuse_unknown(call);
	}
	if (!bus_conn_find(sd_bus_message_get_sender(call)))
		bus_conn_add(sd_bus_message_get_sender(call), uid);
	r = calloc(1, sizeof(*r));
	if (!r)
		return bus_refuse_unknown(call);
	r->m = sd_bus_message_ref(call);
	r->uid = uid;
	r->next = bus_st.resolved;
	bus_st.resolved = r;
	/* Dispatched again as if it had just arrived, its caller known. */
	if (sd_bus_enqueue_for_read(sd_bus_message_get_bus(call), call) < 0) {
		bus_resolved_free(bus_resolved_take(call));
		return bus_refuse_unknown(call);
	}
	return 1;
}

/* Ask the bus for the uid of @call's sender; @call waits for the answer. */
static int bus_ask_caller_uid(struct daemon *d, sd_bus_message *call)
{
	sd_bus_slot *slot = NULL;
	int r;

	if (bus_st.asking >= BUS_ASKING_MAX)
		return bus_refuse_unknown(call);
	r = sd_bus_call_method_async(d->bus, &slot, "org.freedesktop.DBus",
				     "/org/freedesktop/DBus", "org.freedesktop.DBus",
				     "GetConnectionUnixUser", bus_on_caller_uid,
				     call, "s", sd_bus_message_get_sender(call));
	if (r < 0)
		return bus_refuse_unknown(call);
	/* the slot holds @call until the answer (or the bus) goes */
	sd_bus_message_ref(call);
	bus_st.asking++;
	sd_bus_slot_set_destroy_callback(slot, bus_asked_done);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
	return 1;
}

/*
 * Every incoming message, before its method is dispatched (an sd-bus
 * filter): a call from a connection whose uid is not known yet is held
 * back, the bus asked asynchronously, and the call dispatched again with
 * the answer; the loop serves others meanwhile. Returns 1 when held back.
 */
static int bus_on_incoming(sd_bus_message *m, void *userdata,
			   sd_bus_error *error)
{
	const char *sender = sd_bus_message_get_sender(m);

	bus_st.current = bus_resolved_free(bus_st.current);
	if (!sd_bus_message_is_method_call(m, NULL, NULL) || !sender)
		return 0;
	/* A call put back takes its entry, known sender or not (the answer
	 * also added it to the cache): nothing stays on the list. */
	bus_st.current = bus_resolved_take(m);
	if (bus_st.current || bus_conn_find(sender))
		return 0;
	log_msg(LOG_DEBUG, "bus: %s.%s from %s held back until the bus tells its uid",
		sd_bus_message_get_interface(m) ? sd_bus_message_get_interface(m) : "",
		sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "",
		sender);
	return bus_ask_caller_uid(userdata, m);
}

/* --- errors ----------------------------------------------------------------- */

const char *bus_error_name(const struct err *e)
{
	switch (e->cls) {
	case ERR_STORAGE_FULL: return BUS_ERROR_STORAGE_FULL;
	case ERR_AUTH: return BUS_ERROR_AUTH_FAILED;
	case ERR_NOT_FOUND: return BUS_ERROR_NOT_FOUND;
	case ERR_NETWORK: return BUS_ERROR_NETWORK;
	case ERR_SERVER: return BUS_ERROR_SERVER;
	case ERR_TLS: return BUS_ERROR_TLS;
	case ERR_LOCAL: return BUS_ERROR_LOCAL;
	case ERR_INVALID: return BUS_ERROR_INVALID;
	case ERR_DEVICE:
		if (e->code == EBUSY)
			return BUS_ERROR_DEVICE_BUSY;
		if (e->code == ENODEV || e->code == ENOENT)
			return BUS_ERROR_NO_DEVICE;
		return BUS_ERROR_DEVICE;
	default: return BUS_ERROR_FAILED;
	}
}

int bus_reply_err(sd_bus_message *m, const struct err *e)
{
	return sd_bus_reply_method_errorf(m, bus_error_name(e), "%s",
					  e->msg[0] ? e->msg : "The request failed.");
}

int bus_reply_errorf(sd_bus_message *m, const char *name, const char *fmt, ...)
{
	char full[128], msg[ERR_MSG_MAX];
	va_list ap;

	snprintf(full, sizeof(full), DAEMON_ERROR_PREFIX "%s", name);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sd_bus_reply_method_errorf(m, full, "%s", msg);
}

int bus_reply_array_open(sd_bus_message *m, const char *contents,
			 sd_bus_message **reply)
{
	int r;

	*reply = NULL;
	r = sd_bus_message_new_method_return(m, reply);
	if (r >= 0)
		r = sd_bus_message_open_container(*reply, 'a', contents);
	return r;
}

int bus_reply_array_send(sd_bus_message *reply, int r)
{
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

int bus_read_string_variant(sd_bus_message *m, const char *key,
			    const char **out, struct err *e)
{
	const char *s;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, NULL);
	if (r <= 0 || type != 's')
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "'%.64s' must be a string (D-Bus type s)", key);
	r = sd_bus_message_read_basic(m, 's', &s);
	if (r < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "'%.64s' could not be read", key);
	if (strlen(s) > BUS_STRING_MAX)
		return err_set(e, ERR_INVALID, 0, E2BIG,
			       "'%.64s' is longer than %d bytes", key, BUS_STRING_MAX);
	*out = s;
	return 0;
}

/* --- unicast signals ---------------------------------------------------------- */

static int bus_send_copy(struct daemon *d, sd_bus_message *sig,
			 const char *dest)
{
	sd_bus_message *c = NULL;
	int r;

	r = sd_bus_message_new_signal(d->bus, &c, sd_bus_message_get_path(sig),
				      sd_bus_message_get_interface(sig),
				      sd_bus_message_get_member(sig));
	if (r >= 0)
		r = sd_bus_message_rewind(sig, true);
	if (r >= 0)
		r = sd_bus_message_copy(c, sig, true);
	if (r >= 0)
		r = sd_bus_message_set_destination(c, dest);
	if (r >= 0)
		r = sd_bus_send(d->bus, c, NULL);
	sd_bus_message_unref(c);
	return r;
}

static void bus_send_one(struct daemon *d, sd_bus_message *signal,
			 const struct bus_conn *c)
{
	int r = bus_send_copy(d, signal, c->name);

	if (r < 0)
		log_errno(LOG_DEBUG, -r, "bus: signal %s to %s",
			  sd_bus_message_get_member(signal), c->name);
}

int bus_send_to_uid(struct daemon *d, uid_t uid, sd_bus_message *signal)
{
	int r;

	/* sealing makes the template readable for sd_bus_message_copy() */
	r = sd_bus_message_seal(signal, 1, 0);
	if (r < 0 && r != -EPERM)
		return r;
	/* the owner's connections (root's only when subscribed, below) */
	for (struct bus_conn *c = bus_st.by_uid[uid_bucket(uid)];
	     uid != 0 && c; c = c->next_uid)
		if (c->uid == uid)
			bus_send_one(d, signal, c);
	for (struct bus_conn *c = bus_st.by_uid[uid_bucket(0)]; c;
	     c = c->next_uid)
		if (c->uid == 0 && c->subscribed)
			bus_send_one(d, signal, c);
	return 0;
}

/* --- object trees and their properties ------------------------------------- */

static const sd_bus_vtable *vt_next(const sd_bus_vtable *base,
				    const sd_bus_vtable *v)
{
	return (const sd_bus_vtable *)((const uint8_t *)v +
				       base[0].x.start.element_size);
}

static bool vt_is_property(const sd_bus_vtable *v)
{
	return v->type == _SD_BUS_VTABLE_PROPERTY ||
	       v->type == _SD_BUS_VTABLE_WRITABLE_PROPERTY;
}

/* What sd-bus does for a property without a getter. */
static int bus_append_default(sd_bus_message *m, const char *sig, void *ud)
{
	const void *p = ud;

	if (strcmp(sig, "as") == 0)
		return sd_bus_message_append_strv(m, *(char ***)ud);
	if (sig[0] == 's' || sig[0] == 'g' || sig[0] == 'o')
		p = *(char **)ud ? *(char **)ud : (sig[0] == 'o' ? "/" : "");
	return sd_bus_message_append_basic(m, sig[0], p);
}

static int bus_append_property(struct daemon *d, const char *path,
			       const struct bus_tree *t,
			       const sd_bus_vtable *v, void *found,
			       sd_bus_message *m)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	void *ud = (uint8_t *)found + v->x.property.offset;
	const char *member = v->x.property.member;
	const char *sig = v->x.property.signature;
	int r;

	r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", member);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', sig);
	if (r >= 0 && v->x.property.get)
		r = v->x.property.get(d->bus, path, t->iface, member, m, ud, &error);
	else if (r >= 0)
		r = bus_append_default(m, sig, ud);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	sd_bus_error_free(&error);
	return r;
}

static bool bus_path_in_tree(const struct bus_tree *t, const char *path)
{
	size_t n = strlen(t->prefix);

	return strncmp(path, t->prefix, n) == 0 && path[n] == '/' && path[n + 1];
}

static const struct bus_tree *bus_tree_lookup(const char *path,
					      const char *iface)
{
	for (size_t i = 0; i < bus_st.n_trees; i++)
		if (strcmp(bus_st.trees[i].iface, iface) == 0 &&
		    bus_path_in_tree(&bus_st.trees[i], path))
			return &bus_st.trees[i];
	return NULL;
}

/* The object at @path in @t, looked up with the daemon's own rights. */
static void *bus_tree_find(struct daemon *d, const struct bus_tree *t,
			   const char *path)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	void *found = NULL;
	int r;

	if (!t->find)
		return t->userdata;
	bus_st.internal++;
	r = t->find(d->bus, path, t->iface, t->userdata, &found, &error);
	bus_st.internal--;
	sd_bus_error_free(&error);
	return r > 0 ? found : NULL;
}

static bool name_listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

static int bus_append_changed(struct daemon *d, const char *path,
			      const struct bus_tree *t, void *found,
			      const char *const *names, sd_bus_message *m)
{
	const char *inval[64];
	size_t n_inval = 0;
	int r;

	r = sd_bus_message_open_container(m, 'a', "{sv}");
	for (const sd_bus_vtable *v = vt_next(t->vtable, t->vtable);
	     r >= 0 && v->type != _SD_BUS_VTABLE_END; v = vt_next(t->vtable, v)) {
		if (!vt_is_property(v))
			continue;
		if (names ? !name_listed(names, v->x.property.member) :
			    !(v->flags & SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE))
			continue;
		if ((v->flags & SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION) &&
		    n_inval < 64)
			inval[n_inval++] = v->x.property.member;
		else
			r = bus_append_property(d, path, t, v, found, m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "s");
	for (size_t i = 0; r >= 0 && i < n_inval; i++)
		r = sd_bus_message_append(m, "s", inval[i]);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

int bus_emit_properties_changed(struct daemon *d, uid_t owner, const char *path,
				const char *iface, const char *const *names)
{
	const struct bus_tree *t = bus_tree_lookup(path, iface);
	sd_bus_message *m = NULL;
	void *found;
	int r;

	found = t ? bus_tree_find(d, t, path) : NULL;
	if (!found)
		return -ENOENT;
	r = sd_bus_message_new_signal(d->bus, &m, path,
				      "org.freedesktop.DBus.Properties",
				      "PropertiesChanged");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", iface);
	if (r >= 0)
		r = bus_append_changed(d, path, t, found, names, m);
	if (r >= 0)
		r = bus_send_to_uid(d, owner, m);
	if (r < 0)
		log_errno(LOG_WARNING, -r, "bus: PropertiesChanged of %s", path);
	sd_bus_message_unref(m);
	return r;
}

static int bus_append_iface(struct daemon *d, const char *path,
			    const struct bus_tree *t, void *found,
			    sd_bus_message *m)
{
	int r;

	r = sd_bus_message_open_container(m, 'e', "sa{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", t->iface);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	for (const sd_bus_vtable *v = vt_next(t->vtable, t->vtable);
	     r >= 0 && v->type != _SD_BUS_VTABLE_END; v = vt_next(t->vtable, v)) {
		if (vt_is_property(v) &&
		    !(v->flags & SD_BUS_VTABLE_PROPERTY_EXPLICIT))
			r = bus_append_property(d, path, t, v, found, m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

int bus_emit_object_added(struct daemon *d, uid_t owner, const char *path)
{
	sd_bus_message *m = NULL;
	int r, n = 0;

	r = sd_bus_message_new_signal(d->bus, &m, DAEMON_PATH,
				      "org.freedesktop.DBus.ObjectManager",
				      "InterfacesAdded");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", path);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
	for (size_t i = 0; r >= 0 && i < bus_st.n_trees; i++) {
		const struct bus_tree *t = &bus_st.trees[i];
		void *found;

		if (!bus_path_in_tree(t, path) || !(found = bus_tree_find(d, t, path)))
			continue;
		r = bus_append_iface(d, path, t, found, m);
		n++;
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0 && n == 0)
		r = -ENOENT;
	if (r >= 0)
		r = bus_send_to_uid(d, owner, m);
	if (r < 0)
		log_errno(LOG_WARNING, -r, "bus: InterfacesAdded of %s", path);
	sd_bus_message_unref(m);
	return r;
}

int bus_emit_object_removed(struct daemon *d, uid_t owner, const char *path,
			    const char *iface)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_signal(d->bus, &m, DAEMON_PATH,
				      "org.freedesktop.DBus.ObjectManager",
				      "InterfacesRemoved");
	if (r >= 0)
		r = sd_bus_message_append(m, "oas", path, 1, iface);
	if (r >= 0)
		r = bus_send_to_uid(d, owner, m);
	if (r < 0)
		log_errno(LOG_WARNING, -r, "bus: InterfacesRemoved of %s", path);
	sd_bus_message_unref(m);
	return r;
}

int bus_keep_slot(sd_bus_slot *slot)
{
	if (bus_st.n_slots == BUS_SLOTS_MAX) {
		sd_bus_slot_unref(slot);
		return -ENOSPC;
	}
	bus_st.slots[bus_st.n_slots++] = slot;
	return 0;
}

int bus_add_object_tree(struct daemon *d, const char *prefix,
			const char *iface, const sd_bus_vtable *vtable,
			sd_bus_object_find_t find,
			sd_bus_node_enumerator_t enumerate, void *userdata)
{
	struct bus_tree *t = &bus_st.trees[bus_st.n_trees];
	sd_bus_slot *slot = NULL;
	int r;

	if (bus_st.n_trees == BUS_TREES_MAX)
		return -ENOSPC;
	r = sd_bus_add_fallback_vtable(d->bus, &slot, prefix, iface, vtable,
				       find, userdata);
	if (r >= 0)
		r = bus_keep_slot(slot);
	if (r >= 0 && enumerate) {
		r = sd_bus_add_node_enumerator(d->bus, &slot, prefix, enumerate,
					       userdata);
		if (r >= 0)
			r = bus_keep_slot(slot);
	}
	if (r < 0)
		return r;
	t->prefix = strdup(prefix);
	t->iface = strdup(iface);
	if (!t->prefix || !t->iface) {
		free(t->prefix);
		free(t->iface);
		return -ENOMEM;
	}
	t->vtable = vtable;
	t->find = find;
	t->userdata = userdata;
	bus_st.n_trees++;
	return 0;
}

/* --- setup ------------------------------------------------------------------ */

int bus_init(struct daemon *d, struct err *e)
{
	sd_bus_slot *slot = NULL;
	int r;

	memset(&bus_st, 0, sizeof(bus_st));
	bus_st.d = d;
	r = sd_bus_add_object_manager(d->bus, &slot, DAEMON_PATH);
	if (r >= 0)
		r = bus_keep_slot(slot);
	if (r >= 0)
		r = sd_bus_match_signal(d->bus, &slot, "org.freedesktop.DBus",
					"/org/freedesktop/DBus",
					"org.freedesktop.DBus",
					"NameOwnerChanged",
					bus_on_name_owner_changed, d);
	if (r >= 0)
		r = bus_keep_slot(slot);
	if (r >= 0)
		r = sd_bus_add_filter(d->bus, &slot, bus_on_incoming, d);
	if (r >= 0)
		r = bus_keep_slot(slot);
	if (r >= 0)
		r = sd_bus_call_method_async(d->bus, NULL, "org.freedesktop.DBus",
					     "/org/freedesktop/DBus",
					     "org.freedesktop.DBus", "ListNames",
					     bus_on_list_names, d, "");
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "bus: cannot set up: %s",
			       strerror(-r));
	return 0;
}

void bus_done(struct daemon *d)
{
	for (size_t i = 0; i < bus_st.n_slots; i++)
		sd_bus_slot_unref(bus_st.slots[i]);
	for (size_t i = 0; i < bus_st.n_trees; i++) {
		free(bus_st.trees[i].prefix);
		free(bus_st.trees[i].iface);
	}
	for (size_t b = 0; b < BUS_CONN_BUCKETS; b++) {
		while (bus_st.by_name[b]) {
			struct bus_conn *c = bus_st.by_name[b];

			bus_st.by_name[b] = c->next_name;
			bus_conn_free(c);
		}
	}
	bus_resolved_free(bus_st.current);
	/* Each call put back is taken when dispatched again: any left is a
	 * leak while the daemon runs (test_bus_caller_uid looks for this). */
	for (size_t n = 0; bus_st.resolved; n++) {
		bus_resolved_free(bus_resolved_take(bus_st.resolved->m));
		if (!bus_st.resolved)
			log_msg(LOG_WARNING, "bus: %zu calls put back were never dispatched again",
				n + 1);
	}
	memset(&bus_st, 0, sizeof(bus_st));
}
