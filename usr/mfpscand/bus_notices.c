// SPDX-License-Identifier: GPL-2.0
/*
 * bus_notices: the Manager methods over the notices each user has not
 * acknowledged yet (notices.h). The caller is who the bus says it is; a
 * user sees and acknowledges only their own notices, root included (root
 * reads other users' notices in the spool, as files, if at all).
 */
#include <errno.h>
#include <stdlib.h>

#include "bus.h"
#include "bus_notices.h"
#include "jobs.h"
#include "log.h"
#include "notices.h"

#define ACK_IDS_MAX	1024	/* per call: more than any user's notices */

static struct notices *store(void *userdata)
{
	struct daemon *d = userdata;

	return d->jobs ? notify_notices(d->jobs->notify) : NULL;
}

/* The notices as a(tsxsu): id, kind, time, text, count. */
static int reply_list(sd_bus_message *m, const struct notice *v, size_t n)
{
	sd_bus_message *reply = NULL;
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(tsxsu)");
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = sd_bus_message_append(reply, "(tsxsu)", v[i].id, v[i].kind,
					  v[i].time, v[i].text, v[i].count);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

int bus_notices_list(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct notices *ns = store(userdata);
	struct notice *v = NULL;
	struct err e = { 0 };
	size_t n = 0;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	if (ns && notices_list(ns, uid, &v, &n, &e) < 0) {
		log_msg(LOG_ERR, "manager: ListNotices for uid %u: %s",
			(unsigned int)uid, e.msg);
		return bus_reply_err(m, &e);
	}
	r = reply_list(m, v, n);
	notices_free(v, n);
	return r;
}

int bus_notices_ack(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct notices *ns = store(userdata);
	struct err e = { 0 };
	const void *ids = NULL;
	uint32_t acked = 0;
	size_t len = 0;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	if (sd_bus_message_read_array(m, 't', &ids, &len) < 0)
		return bus_reply_errorf(m, "InvalidArgument",
					"The notice ids must be an array of uint64 (at).");
	if (len / sizeof(uint64_t) > ACK_IDS_MAX)
		return bus_reply_errorf(m, "InvalidArgument",
					"At most %d notice ids per call.", ACK_IDS_MAX);
	if (ns && notices_ack(ns, uid, ids, len / sizeof(uint64_t), &acked, &e) < 0) {
		log_msg(LOG_ERR, "manager: AckNotices for uid %u: %s",
			(unsigned int)uid, e.msg);
		return bus_reply_err(m, &e);
	}
	if (acked)
		log_msg(LOG_INFO, "manager: uid %u acknowledged %u notice%s",
			(unsigned int)uid, acked, acked == 1 ? "" : "s");
	return sd_bus_reply_method_return(m, "u", acked);
}
