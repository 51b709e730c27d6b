/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bus_notices: Manager.ListNotices and Manager.AckNotices, the notices
 * kept in each user's spool until seen (notices.h; dbus-api.rst). The
 * methods join the Manager's vtable through BUS_NOTICES_METHODS; only the
 * caller's own notices are listed and acknowledged.
 */
#ifndef MFPSCAND_BUS_NOTICES_H
#define MFPSCAND_BUS_NOTICES_H

#include <systemd/sd-bus.h>

struct notify;
struct notices;

/* The store of notify.c's notices (NULL before notify_new()). */
struct notices *notify_notices(const struct notify *n);

/* Manager method handlers; userdata: the struct daemon. */
int bus_notices_list(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_notices_ack(sd_bus_message *m, void *userdata, sd_bus_error *error);

#define BUS_NOTICES_METHODS \
	SD_BUS_METHOD_WITH_ARGS("ListNotices", SD_BUS_NO_ARGS, \
				SD_BUS_RESULT("a(tsxsu)", notices), \
				bus_notices_list, SD_BUS_VTABLE_UNPRIVILEGED), \
	SD_BUS_METHOD_WITH_ARGS("AckNotices", SD_BUS_ARGS("at", ids), \
				SD_BUS_RESULT("u", acknowledged), \
				bus_notices_ack, SD_BUS_VTABLE_UNPRIVILEGED)

#endif
