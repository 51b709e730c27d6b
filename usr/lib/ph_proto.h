/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ph_proto: building and checking the messages of the privilege helper
 * protocol (include/mfpscan/privhelper.h). Pure functions: both ends
 * call them, the helper on everything it receives before it acts.
 */
#ifndef MFPSCAN_PH_PROTO_H
#define MFPSCAN_PH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <mfpscan/privhelper.h>

/* "prepare", "stat", ...; "?" for an unknown value. */
const char *ph_op_name(unsigned int op);

/*
 * Fill @req for @op as @uid in @folder with @name and @temp (NULL: empty).
 * 0, or -EINVAL / -ENAMETOOLONG when the result would not decode (the
 * same rules as ph_request_decode()).
 */
int ph_request_init(struct ph_request *req, enum ph_op op, uid_t uid,
		    const char *folder, const char *name, const char *temp);

/*
 * Check the @len bytes at @buf as a request and copy them to @req. 0, or
 * -EBADMSG (size, magic, strings), -EPROTONOSUPPORT (version), -EINVAL
 * (op, folder or names against the rules) with @why (@why_len bytes) saying
 * what was wrong; @req is untouched on failure.
 */
int ph_request_decode(const void *buf, size_t len, struct ph_request *req,
		      char *why, size_t why_len);

/* The same for a reply; 0 or -EBADMSG / -EPROTONOSUPPORT. */
int ph_reply_decode(const void *buf, size_t len, struct ph_reply *rep);

/* An empty reply to @req (magic, version, op). */
void ph_reply_init(struct ph_reply *rep, const struct ph_request *req);

/* Is @folder absolute, without "." / ".." / empty components ("//")? */
bool ph_folder_valid(const char *folder);

/* Is @name one path component a document may have (no '/', no leading '.')? */
bool ph_name_valid(const char *name);

/* Is @temp "." NAME "." six hex digits, for @name (NULL: any valid NAME)? */
bool ph_temp_valid(const char *temp, const char *name);

#endif
