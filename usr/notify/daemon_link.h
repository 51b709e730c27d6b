/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon_link: the agent's connection to mfpscand on the system bus, as
 * the user (libdbus). It hands the daemon's three spool signals to its
 * owner through callbacks, survives the daemon's restart (it introduces
 * itself again when the name gets a new owner, so that the daemon knows
 * whom to send to) and the system bus's loss (daemon_link_reconnect).
 */
#ifndef MFPSCAN_NOTIFY_DAEMON_LINK_H
#define MFPSCAN_NOTIFY_DAEMON_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dbus/dbus.h>

struct daemon_link_events {
	void (*upload_failed)(const char *entry, const char *error_class,
			      const char *message, void *data);
	void (*upload_recovered)(const char *entry, const char *url, void *data);
	void (*needs_attention)(const char *entry, void *data);
	/* Connected, or the daemon (re)started: what it kept may be read. */
	void (*daemon_up)(void *data);
	void *data;
};

/* One notice the daemon kept for the user (Manager.ListNotices). */
struct daemon_notice {
	uint64_t id;
	char *kind;		/* malloc'd, as the strings below */
	char *text;
	uint32_t count;
};

struct daemon_link;

/* daemon_link_new: not connected yet (daemon_link_reconnect connects). */
struct daemon_link *daemon_link_new(const struct daemon_link_events *ev);

/* daemon_link_free: returns NULL. */
struct daemon_link *daemon_link_free(struct daemon_link *l);

/*
 * daemon_link_reconnect: (re)connect to the system bus and subscribe.
 * Returns 0, or a negative errno-style code with the reason in err.
 */
int daemon_link_reconnect(struct daemon_link *l, DBusError *err);

/* daemon_link_fd: the connection's socket to poll, or -1 when down. */
int daemon_link_fd(struct daemon_link *l);

/* daemon_link_process: read and dispatch what arrived; false when the
 * bus connection is gone (reconnect later). */
bool daemon_link_process(struct daemon_link *l);

/*
 * daemon_link_entry_name: the document name of a spool entry (its Name
 * property) into buf; "" when it cannot be read.
 */
void daemon_link_entry_name(struct daemon_link *l, const char *entry,
			    char *buf, size_t len);

/* daemon_link_retry: ask for an upload attempt now; the outcome comes
 * back as a signal. Returns 0 or -ENOTCONN / -ENOMEM. */
int daemon_link_retry(struct daemon_link *l, const char *entry);

/*
 * daemon_link_notices: the user's notices not yet acknowledged, oldest
 * first (*out, *n; free with daemon_notices_free). Returns 0, or -ENOTCONN
 * / -EIO (no daemon, an error reply) with *n 0.
 */
int daemon_link_notices(struct daemon_link *l, struct daemon_notice **out,
			size_t *n);

void daemon_notices_free(struct daemon_notice *v, size_t n);

/* daemon_link_ack_notice: the person has seen notice @id (AckNotices, not
 * waited for). Returns 0 or -ENOTCONN / -ENOMEM. */
int daemon_link_ack_notice(struct daemon_link *l, uint64_t id);

#endif
