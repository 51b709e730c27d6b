/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bus: mfpscand's side of the system bus that every object shares. Who is
 * calling (the uid the bus reports, cached per unique name), which
 * connections belong to which uid (so that signals about a user's objects
 * go as unicast copies to that user's connections only), the error names
 * of org.mfpscan.Daemon1.Error, the ObjectManager, and the per-caller
 * filtering of object trees. The functions the jobs part needs are
 * declared in daemon.h; this header adds the core's own.
 */
#ifndef MFPSCAND_BUS_H
#define MFPSCAND_BUS_H

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "accounts.h"
#include "daemon.h"

#define BUS_ERROR(x)		DAEMON_ERROR_PREFIX x
#define BUS_ERROR_STORAGE_FULL	BUS_ERROR("StorageFull")
#define BUS_ERROR_AUTH_FAILED	BUS_ERROR("AuthFailed")
#define BUS_ERROR_NOT_FOUND	BUS_ERROR("NotFound")
#define BUS_ERROR_NETWORK	BUS_ERROR("Network")
#define BUS_ERROR_SERVER	BUS_ERROR("Server")
#define BUS_ERROR_TLS		BUS_ERROR("Tls")
#define BUS_ERROR_LOCAL		BUS_ERROR("Local")
#define BUS_ERROR_INVALID	BUS_ERROR("InvalidArgument")
#define BUS_ERROR_DEVICE	BUS_ERROR("DeviceError")
#define BUS_ERROR_ACCESS_DENIED	BUS_ERROR("AccessDenied")
#define BUS_ERROR_NO_DEVICE	BUS_ERROR("NoDevice")
#define BUS_ERROR_DEVICE_BUSY	BUS_ERROR("DeviceBusy")
#define BUS_ERROR_PENDING	BUS_ERROR("PendingUploads")
#define BUS_ERROR_FAILED	BUS_ERROR("Failed")

/* Longest string argument any method accepts (a URL, a path, a secret). */
#define BUS_STRING_MAX		4096

/*
 * Set up the bus state of @d (d->bus must be open): the sender->uid cache,
 * NameOwnerChanged tracking, the ObjectManager at DAEMON_PATH. Returns 0
 * or a negative errno with @e set.
 */
int bus_init(struct daemon *d, struct err *e);

/* Drop every slot and the connection registry (before sd_bus_unref). */
void bus_done(struct daemon *d);

/* Keep @slot until bus_done() (takes the reference; -ENOSPC: dropped). */
int bus_keep_slot(sd_bus_slot *slot);

/* Register the Manager object (bus_manager.c). */
int bus_manager_register(struct daemon *d, struct err *e);

/* Register the Account object tree (bus_account.c). */
int bus_account_register(struct daemon *d, struct err *e);

/* Join the Account.Check worker threads still running (at shutdown). */
void bus_account_join_workers(struct daemon *d);

/*
 * The caller's uid for method handler @m. Returns 1 with *@uid set; on
 * failure it has already replied AccessDenied and returns what the
 * handler must return (<= 0):  if ((r = bus_method_uid(m, &uid)) <= 0)
 * return r;
 */
int bus_method_uid(sd_bus_message *m, uid_t *uid);

/*
 * Manager.Subscribe() (@on) / Unsubscribe() for the sender of @m: a root
 * connection gets the signals about every user's objects only while it is
 * subscribed; other users always get their own. Forgotten when the
 * connection leaves the bus. Returns 0 or a negative errno.
 */
int bus_subscribe(sd_bus_message *m, bool on);

/*
 * The children a node enumerator lists: a NULL-terminated strv grown by
 * bus_nodes_add() and handed to sd-bus by bus_nodes_finish(). Start it
 * zeroed: struct bus_nodes nl = { 0 };
 */
struct bus_nodes {
	char **v;
	size_t n;
	int r;		/* -ENOMEM once an allocation failed */
};

/*
 * Add a copy of @path to @nl when the caller may see an object owned by
 * @owner (bus_caller_may_see()); otherwise leave @nl as it is.
 */
void bus_nodes_add(struct daemon *d, struct bus_nodes *nl, uid_t owner,
		   const char *path);

/*
 * End an enumerator: on success hand the list (possibly empty, never
 * NULL) to *@nodes and return 0; after a failed allocation free it and
 * return -ENOMEM, @nodes untouched.
 */
int bus_nodes_finish(struct bus_nodes *nl, char ***nodes);

/*
 * Read a string of at most BUS_STRING_MAX bytes from a variant already
 * entered by the caller's loop: checks that the variant holds "s" and
 * fills @e (ERR_INVALID naming @key) otherwise.
 */
int bus_read_string_variant(sd_bus_message *m, const char *key,
			    const char **out, struct err *e);

/*
 * Read an a{sv} of account settings (url, username, folder,
 * name-template, notify-email, ca-file, host-key, region; "name" only with
 * @allow_name) into @s; the strings point into @m. An unknown key, a key
 * given twice, a non-string value or a string longer than BUS_STRING_MAX
 * is -EINVAL with @e naming the key.
 */
int bus_account_read_settings(sd_bus_message *m, bool allow_name,
			      struct account_settings *s, struct err *e);

/* Same for secrets (password, access-key, secret-key). */
int bus_account_read_secrets(sd_bus_message *m, struct account_secrets *s,
			     struct err *e);

/*
 * Manager.CreateAccount's work: create the account of @uid and answer @m
 * once it is on disk (the object path), or with the error. Returns what a
 * method handler returns (1: answered later).
 */
int bus_account_create(struct daemon *d, sd_bus_message *m, uid_t uid,
		       const char *name, const char *type,
		       const struct account_settings *s,
		       const struct account_secrets *sec);

#endif
