/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log: one place every module reports through. Messages read
 * "<module>: <what failed>: <why>". To syslog/journal in the daemon, to
 * stderr in tools and tests (log_open() decides). Secrets never reach here.
 */
#ifndef MFPSCAN_LOG_H
#define MFPSCAN_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Send messages to syslog (daemon) or stderr (everything else). */
void log_open(const char *ident, bool to_syslog, int max_priority);

/* Log at @priority (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG). */
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Same, with ": strerror(errnum)" appended. */
void log_errno(int priority, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
