// SPDX-License-Identifier: GPL-2.0
/*
 * err: error values with context (see err.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const char *const err_class_names[ERR_CLASS_COUNT] = {
	[ERR_NONE] = "none",
	[ERR_STORAGE_FULL] = "storage-full",
	[ERR_AUTH] = "auth",
	[ERR_NOT_FOUND] = "not-found",
	[ERR_NETWORK] = "network",
	[ERR_SERVER] = "server",
	[ERR_TLS] = "tls",
	[ERR_LOCAL] = "local",
	[ERR_INVALID] = "invalid",
	[ERR_DEVICE] = "device",
};

int err_set(struct err *e, enum err_class cls, int code, int errnum,
	    const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->cls = cls;
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
	char head[256];
	char old[ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation keeps the context and the start of the cause. */
	if (snprintf(e->msg, sizeof(e->msg), "%s: %.*s", head,
		     (int)(sizeof(old) - 1), old) < 0)
		e->msg[0] = '\0';
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

const char *err_class_name(enum err_class cls)
{
	if ((unsigned int)cls >= ERR_CLASS_COUNT)
		return NULL;
	return err_class_names[cls];
}

int err_class_from_name(const char *name)
{
	for (int i = 0; i < ERR_CLASS_COUNT; i++)
		if (name && strcmp(name, err_class_names[i]) == 0)
			return i;
	return -1;
}
