// SPDX-License-Identifier: GPL-2.0
/*
 * log: formatting and routing of log lines (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static bool log_to_syslog;
static int log_max_priority = LOG_INFO;
static const char *log_ident = "mfpscan";

void log_open(const char *ident, bool to_syslog, int max_priority)
{
	log_ident = ident;
	log_to_syslog = to_syslog;
	log_max_priority = max_priority;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_line(int priority, const char *text)
{
	if (priority > log_max_priority)
		return;
	if (log_to_syslog)
		syslog(priority, "%s", text);
	else
		fprintf(stderr, "%s: %s\n", log_ident, text);
}

void log_msg(int priority, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(priority, buf);
}

void log_errno(int priority, int errnum, const char *fmt, ...)
{
	char buf[1024];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = strlen(buf);
	snprintf(buf + len, sizeof(buf) - len, ": %s", strerror(errnum));
	log_line(priority, buf);
}
