/* SPDX-License-Identifier: GPL-2.0 */
/*
 * err: an error as a value that travels up with its context. Every stage
 * (device, encoder, uploader, spool, mail) fills one struct err and returns
 * a negative errno; the caller adds context with err_prefix() and passes it
 * on, and the daemon turns it into a D-Bus error or a spool entry's
 * LastError without losing the server's own words.
 */
#ifndef MFPSCAN_ERR_H
#define MFPSCAN_ERR_H

#include <stddef.h>

/* Failure classes: what the spool and the user need to know (see spool.rst). */
enum err_class {
	ERR_NONE = 0,
	ERR_STORAGE_FULL,	/* quota or disk full at the destination */
	ERR_AUTH,		/* bad credentials, forbidden */
	ERR_NOT_FOUND,		/* destination folder or bucket missing */
	ERR_NETWORK,		/* connect/resolve/timeout/reset */
	ERR_SERVER,		/* 5xx or protocol error from the server */
	ERR_TLS,		/* certificate or host key not trusted */
	ERR_LOCAL,		/* on this appliance: disk, memory, encoder */
	ERR_INVALID,		/* bad request or configuration */
	ERR_DEVICE,		/* scanner engine error (jam, cover, gone) */
	ERR_CLASS_COUNT
};

#define ERR_MSG_MAX 512

struct err {
	enum err_class cls;
	int code;		/* errno, HTTP status or curl code, per module */
	char msg[ERR_MSG_MAX];	/* a sentence a person can act on */
};

/* Set @e (if not NULL) and return -@errnum (pass a positive errno). */
int err_set(struct err *e, enum err_class cls, int code, int errnum,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Prepend "context: " to @e's message; keeps class and code. */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void err_clear(struct err *e);

/* "storage-full", "auth", ... ; NULL for an out-of-range value. */
const char *err_class_name(enum err_class cls);

/* Inverse of err_class_name(); -1 if @name is unknown. */
int err_class_from_name(const char *name);

#endif
