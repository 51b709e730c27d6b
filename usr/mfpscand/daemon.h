/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon: the shared context of mfpscand and the contract between its parts.
 *
 * Ownership of the daemon's files:
 *   main.c, accounts.{c,h}, bus.{c,h} (caller identity, errors,
 *   owner-only signals, filtered ObjectManager), bus_manager.c,
 *   bus_account.c, and in usr/lib config.{c,h}, secrets.{c,h},
 *   name_template.{c,h} (unit-tested there)                 -> "core"
 *   jobs.{c,h} (the pipeline worker), bus_job.c, bus_spool.c,
 *   retry_runner.{c,h}, notify.{c,h}                          -> "jobs"
 * Each part only calls the other through the functions declared here.
 *
 * Threads: all D-Bus and sd-event work happens on the main thread. A job's
 * pipeline (read bands, encode, upload) and retry uploads run on worker
 * threads that never touch sd-bus; they post progress and results back to
 * the main thread through daemon_post() (an eventfd-backed queue).
 */
#ifndef MFPSCAND_DAEMON_H
#define MFPSCAND_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "err.h"

#define DAEMON_VERSION		"0.1.0"
#define DAEMON_BUS_NAME		"org.mfpscan.Daemon1"
#define DAEMON_PATH		"/org/mfpscan/Daemon1"
#define DAEMON_IFACE_MANAGER	"org.mfpscan.Daemon1.Manager"
#define DAEMON_IFACE_ACCOUNT	"org.mfpscan.Daemon1.Account"
#define DAEMON_IFACE_JOB	"org.mfpscan.Daemon1.Job"
#define DAEMON_IFACE_SPOOL	"org.mfpscan.Daemon1.SpoolEntry"
#define DAEMON_ERROR_PREFIX	"org.mfpscan.Daemon1.Error."

struct config;		/* config.h: the parsed /etc/mfpscan/mfpscand.conf */
struct accounts;	/* accounts.h: the account store */
struct account;		/* one account (settings; secrets decrypted on demand) */
struct jobs;		/* jobs.h: running and finished jobs, spool glue */
struct spool;		/* usr/lib/spool.h */
struct dest;		/* usr/lib/upload.h */

struct daemon {
	sd_event *event;
	sd_bus *bus;
	struct config *config;
	struct accounts *accounts;
	struct jobs *jobs;
	struct spool *spool;
	int post_fd;		/* eventfd: worker -> main thread queue */
	bool exiting;
};

/* --- provided by "core" ------------------------------------------------ */

/* The Unix uid of the sender of @m, from the bus (never from arguments). */
int bus_caller_uid(sd_bus_message *m, uid_t *uid);

/*
 * Reply to @m with the D-Bus error for @e: class -> name under
 * org.mfpscan.Daemon1.Error. (StorageFull, AuthFailed, NotFound, Network,
 * Server, Tls, Local, InvalidArgument, DeviceError) and e->msg as message.
 */
int bus_reply_err(sd_bus_message *m, const struct err *e);

/* The D-Bus error name bus_reply_err() gives @e (by its class). */
const char *bus_error_name(const struct err *e);

/*
 * Start the method return of @m with an array of @contents open in it
 * (*@reply NULL until created). Returns >= 0 or a negative errno; either
 * way finish with bus_reply_array_send().
 */
int bus_reply_array_open(sd_bus_message *m, const char *contents,
			 sd_bus_message **reply);

/*
 * When @r >= 0, close the innermost container of @reply and send it; then
 * drop @reply. Returns the first negative errno, else the send's result.
 */
int bus_reply_array_send(sd_bus_message *reply, int r);

/*
 * Send @signal (already built) only to the bus connections of @uid (and
 * root's), never broadcast: unicast copies with a destination set.
 */
int bus_send_to_uid(struct daemon *d, uid_t uid, sd_bus_message *signal);

/*
 * Emit PropertiesChanged for @path/@iface, to its owner only. @names is a
 * NULL-terminated list of property names (NULL: every property that is
 * not const). The tree must have been registered with bus_add_object_tree
 * (or be an account).
 */
int bus_emit_properties_changed(struct daemon *d, uid_t owner, const char *path,
				const char *iface, const char *const *names);

/*
 * Emit InterfacesAdded (every interface registered for @path's tree, with
 * its properties) / InterfacesRemoved (@iface) for @path, to its owner
 * only. Call _added after the object is findable, _removed before it is
 * freed (or after it is unlinked; only the path and @iface are used).
 */
int bus_emit_object_added(struct daemon *d, uid_t owner, const char *path);
int bus_emit_object_removed(struct daemon *d, uid_t owner, const char *path,
			    const char *iface);

/* Look up an account by object path; NULL when absent. */
struct account *accounts_by_path(struct accounts *a, const char *path);

/* Owner uid of an account. */
uid_t account_owner(const struct account *acc);

/* Object path of an account ("/org/mfpscan/Daemon1/account/<id>"). */
const char *account_path(const struct account *acc);

/* Human name of an account. */
const char *account_name(const struct account *acc);

/*
 * Fill @dest with the account's destination and, for a local account, the
 * owner's uid and primary group that a new document is handed to; the
 * strings live until account_dest_release(). Worker threads get a private
 * copy this way (the account may be deleted meanwhile). No I/O: the
 * secrets and the local folder's check are added by account_dest_unseal()
 * (accounts.h) on the worker thread, before @dest is used.
 */
int account_dest_get(const struct account *acc, struct dest *dest,
		     struct err *e);
void account_dest_release(struct dest *dest);

/* The notification address of an account, or NULL. */
const char *account_notify_email(const struct account *acc);

/*
 * Expand the account's name template for a new document: @page < 0 for a
 * whole multi-page document, else the page number (single-page formats).
 * Result is a safe file name (no '/', no "..", no control characters).
 */
int account_make_name(struct account *acc, const char *job_name,
		      const char *extension, int page, char *out, size_t len,
		      struct err *e);

/*
 * Same, with the document number in the caller's hands: *@counter == 0
 * takes the account's next {counter} value (persisted) and stores it in
 * *@counter; a nonzero *@counter is used as is. A job passes the same
 * variable for each of its pages so that they share one number even when
 * other jobs name documents of the same account meanwhile. (Plain
 * account_make_name() gives page 1 a new number and reuses it for pages
 * > 1.) Main thread only.
 */
int account_make_name_counter(struct account *acc, const char *job_name,
			      const char *extension, int page,
			      uint32_t *counter, char *out, size_t len,
			      struct err *e);

/*
 * Run @fn(@arg) on the main thread soon (callable from any thread). Returns
 * 0 or -ENOMEM (then @fn is not called and @arg stays the caller's). At
 * shutdown, after jobs_free(), callbacks still queued are run with
 * d->exiting set so that they can free @arg (they should not start new
 * work then; replying to a message is still fine).
 */
int daemon_post(struct daemon *d, void (*fn)(struct daemon *d, void *arg),
		void *arg);

/*
 * Reply to @m with error org.mfpscan.Daemon1.Error.@name (one of the
 * BUS_ERROR_* suffixes in bus.h: "PendingUploads", "DeviceBusy", ...) and a
 * printf-style message a person can act on.
 */
int bus_reply_errorf(sd_bus_message *m, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * May the sender of the message being processed see an object owned by
 * @owner? True for the owner and root (and for the daemon's own look-ups
 * while it builds a signal). Object find callbacks and node enumerators
 * call this so that other users' objects do not exist for a caller: not
 * for method calls, Get/GetAll, GetManagedObjects or Introspect.
 */
bool bus_caller_may_see(struct daemon *d, uid_t owner);

/*
 * The uid of the sender of the message being processed (see
 * bus_caller_may_see); -ENXIO when there is none, -EACCES when the bus
 * cannot tell.
 */
int bus_current_uid(struct daemon *d, uid_t *uid);

/*
 * Register an object tree: a fallback @vtable for @iface under @prefix
 * ("/org/mfpscan/Daemon1/job"), @find mapping a path to the object (it
 * must answer 0 for an object the caller may not see: bus_caller_may_see),
 * @enumerate listing only the caller's children (may be NULL when another
 * tree with the same prefix lists them). Use this instead of
 * sd_bus_add_fallback_vtable() so that bus_emit_object_added() and
 * bus_emit_properties_changed() can build their signals with the current
 * property values (vtable properties with a getter, or with get == NULL
 * and a basic type at the offset). The slots live until shutdown.
 */
int bus_add_object_tree(struct daemon *d, const char *prefix,
			const char *iface, const sd_bus_vtable *vtable,
			sd_bus_object_find_t find,
			sd_bus_node_enumerator_t enumerate, void *userdata);

/* --- provided by "jobs" ------------------------------------------------ */

int jobs_new(struct daemon *d, struct jobs **out, struct err *e);
void jobs_free(struct jobs *j);

/* Register the Job and SpoolEntry object trees on the bus. */
int jobs_register_bus(struct jobs *j);

/*
 * Manager.Scan: @options is the a{sv} already parsed into the message
 * (positioned at the array). Validates, creates the job ("preparing") and
 * replies to @m with its object path at once (or an error); then, on a
 * worker, tries the caller's kept entries first (pending_policy) and
 * pre-checks the destination; the job reads or ends refused.
 */
int jobs_handle_scan(struct jobs *j, sd_bus_message *m, uid_t caller,
		     struct account *acc);

/* Manager.ListJobs / ListSpool: reply with the caller's own paths. */
int jobs_handle_list_jobs(struct jobs *j, sd_bus_message *m, uid_t caller);
int jobs_handle_list_spool(struct jobs *j, sd_bus_message *m, uid_t caller);

/* An account is being deleted: jobs keep their private dest copy. */
void jobs_account_deleted(struct jobs *j, const struct account *acc);

#endif
