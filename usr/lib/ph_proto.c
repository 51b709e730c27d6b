// SPDX-License-Identifier: GPL-2.0
/*
 * ph_proto: the privilege helper's messages. A request is checked field by
 * field before anything acts on it: exact size, magic, version, a known
 * operation, NUL-terminated strings, an absolute folder without "." or
 * ".." components, names that are one component. Whatever the daemon
 * sends, the helper sees either a well-formed request or a reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ph_proto.h"

_Static_assert(sizeof(struct ph_request) == 16 + PH_FOLDER_MAX + 2 * PH_NAME_MAX,
	       "struct ph_request has no padding");
_Static_assert(sizeof(struct ph_reply) == 40 + PH_NAME_MAX + PH_MSG_MAX,
	       "struct ph_reply has no padding");

static const char *const ph_op_names[PH_OP_COUNT] = {
	[PH_OP_PREPARE] = "prepare",
	[PH_OP_STAT] = "stat",
	[PH_OP_OPEN_READ] = "open-read",
	[PH_OP_CREATE_TEMP] = "create-temp",
	[PH_OP_COMMIT] = "commit",
	[PH_OP_UNLINK_TEMP] = "unlink-temp",
	[PH_OP_CHECK_FOLDER] = "check-folder",
};

const char *ph_op_name(unsigned int op)
{
	return op > 0 && op < PH_OP_COUNT ? ph_op_names[op] : "?";
}

bool ph_folder_valid(const char *folder)
{
	const char *p = folder;

	if (folder[0] != '/')
		return false;
	while (*p == '/') {
		size_t n;

		p++;
		n = strcspn(p, "/");
		if (n == 0)	/* "//" or a trailing '/' */
			return *p == '\0' && p - folder == 1;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
	}
	return true;
}

bool ph_name_valid(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && !strchr(name, '/') &&
	       strlen(name) < PH_NAME_MAX - 9;	/* room for ".NAME.xxxxxx" */
}

bool ph_temp_valid(const char *temp, const char *name)
{
	size_t len = strlen(temp), n;

	if (len < 9 || temp[0] != '.' || temp[len - 7] != '.' ||
	    strspn(temp + len - 6, "0123456789abcdef") != 6 || strchr(temp, '/'))
		return false;
	n = len - 8;	/* the NAME between the dots */
	if (!name)
		return temp[1] != '.';
	return strlen(name) == n && strncmp(temp + 1, name, n) == 0;
}

/* Is the field of @size bytes at @s NUL-terminated? */
static bool ph_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int ph_why(char *why, size_t why_len, int r, const char *what)
{
	if (why && why_len)
		snprintf(why, why_len, "%s", what);
	return r;
}

/* The operation's own rules on name and temp. */
static int ph_check_names(const struct ph_request *q, char *why, size_t why_len)
{
	bool need_name = q->op != PH_OP_PREPARE && q->op != PH_OP_UNLINK_TEMP &&
			 q->op != PH_OP_CHECK_FOLDER;
	bool need_temp = q->op == PH_OP_COMMIT || q->op == PH_OP_UNLINK_TEMP;

	if (need_name ? !ph_name_valid(q->name) : q->name[0] != '\0')
		return ph_why(why, why_len, -EINVAL,
			      "name is not one path component (no '/', no leading '.')");
	if (need_temp ? !ph_temp_valid(q->temp, need_name ? q->name : NULL) :
			q->temp[0] != '\0')
		return ph_why(why, why_len, -EINVAL,
			      "temp is not one of the helper's temporary names (.NAME.xxxxxx)");
	return 0;
}

int ph_request_decode(const void *buf, size_t len, struct ph_request *req,
		      char *why, size_t why_len)
{
	struct ph_request q;

	if (len != sizeof(q))
		return ph_why(why, why_len, -EBADMSG, "message of the wrong size");
	memcpy(&q, buf, sizeof(q));
	if (q.magic != PH_MAGIC)
		return ph_why(why, why_len, -EBADMSG, "bad magic");
	if (q.version != PH_VERSION)
		return ph_why(why, why_len, -EPROTONOSUPPORT, "unknown protocol version");
	if (q.op == 0 || q.op >= PH_OP_COUNT)
		return ph_why(why, why_len, -EINVAL, "unknown operation");
	if (q.reserved != 0)
		return ph_why(why, why_len, -EBADMSG, "reserved field not 0");
	if (!ph_terminated(q.folder, sizeof(q.folder)) ||
	    !ph_terminated(q.name, sizeof(q.name)) ||
	    !ph_terminated(q.temp, sizeof(q.temp)))
		return ph_why(why, why_len, -EBADMSG, "unterminated string");
	if (!ph_folder_valid(q.folder))
		return ph_why(why, why_len, -EINVAL,
			      "folder is not an absolute path without '.', '..' or '//'");
	if (ph_check_names(&q, why, why_len))
		return -EINVAL;
	*req = q;
	return 0;
}

int ph_request_init(struct ph_request *req, enum ph_op op, uid_t uid,
		    const char *folder, const char *name, const char *temp)
{
	struct ph_request q;

	memset(&q, 0, sizeof(q));
	q.magic = PH_MAGIC;
	q.version = PH_VERSION;
	q.op = (uint16_t)op;
	q.uid = (uint32_t)uid;
	if (strlen(folder) >= sizeof(q.folder) ||
	    (name && strlen(name) >= sizeof(q.name)) ||
	    (temp && strlen(temp) >= sizeof(q.temp)))
		return -ENAMETOOLONG;
	memcpy(q.folder, folder, strlen(folder));
	if (name)
		memcpy(q.name, name, strlen(name));
	if (temp)
		memcpy(q.temp, temp, strlen(temp));
	if (ph_request_decode(&q, sizeof(q), req, NULL, 0))
		return -EINVAL;
	return 0;
}

void ph_reply_init(struct ph_reply *rep, const struct ph_request *req)
{
	memset(rep, 0, sizeof(*rep));
	rep->magic = PH_MAGIC;
	rep->version = PH_VERSION;
	rep->op = req->op;
}

int ph_reply_decode(const void *buf, size_t len, struct ph_reply *rep)
{
	struct ph_reply r;

	if (len != sizeof(r))
		return -EBADMSG;
	memcpy(&r, buf, sizeof(r));
	if (r.magic != PH_MAGIC)
		return -EBADMSG;
	if (r.version != PH_VERSION)
		return -EPROTONOSUPPORT;
	if (r.error < 0 || !ph_terminated(r.temp, sizeof(r.temp)) ||
	    !ph_terminated(r.msg, sizeof(r.msg)))
		return -EBADMSG;
	*rep = r;
	return 0;
}
