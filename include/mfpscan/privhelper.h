/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The privilege helper protocol (Documentation/privsep.rst): the one
 * contract between mfpscand (user mfpscan, untrusted from the helper's
 * side) and mfpscan-privhelper (root). One request and one reply per
 * SOCK_SEQPACKET message, both fixed-size structs in host byte order (the
 * two ends are programs of one build on one machine); a reply may carry
 * one file descriptor (SCM_RIGHTS). Extended by adding operations and
 * bumping PH_VERSION; a peer refuses a version it does not know.
 */
#ifndef MFPSCAN_PRIVHELPER_H
#define MFPSCAN_PRIVHELPER_H

#include <stdint.h>

#define PH_MAGIC	0x4d465048u	/* "MFPH" */
#define PH_VERSION	1
#define PH_FOLDER_MAX	1024	/* bytes with the NUL; an account's folder fits */
#define PH_NAME_MAX	256	/* one path component with the NUL */
#define PH_MSG_MAX	256	/* a refusal's or failure's words */

/* Operations: each acts in @folder, as @uid, for a "local" destination. */
enum ph_op {
	PH_OP_PREPARE = 1,	/* mkdir -p the folder; free and used bytes */
	PH_OP_STAT,		/* does @name exist; regular; its size */
	PH_OP_OPEN_READ,	/* @name opened read-only: fd */
	PH_OP_CREATE_TEMP,	/* purge stale ".@name.XXXXXX", make a new one:
				 * its name in reply.temp, fd (write-only) */
	PH_OP_COMMIT,		/* link @temp to @name (never replaces: EEXIST),
				 * unlink @temp, fsync the folder */
	PH_OP_UNLINK_TEMP,	/* remove @temp (one of our temporary names) */
	PH_OP_CHECK_FOLDER,	/* the folder exists, is the user's, no links */
	PH_OP_COUNT
};

struct ph_request {
	uint32_t magic;
	uint16_t version;
	uint16_t op;		/* enum ph_op */
	uint32_t uid;		/* act as this user */
	uint32_t reserved;	/* 0 */
	char folder[PH_FOLDER_MAX];	/* absolute, no "." or ".." */
	char name[PH_NAME_MAX];		/* one component, or empty */
	char temp[PH_NAME_MAX];		/* COMMIT, UNLINK_TEMP: the temp name */
};

#define PH_REPLY_FD		0x1u	/* an fd travels with the reply */
#define PH_REPLY_EXISTS		0x2u	/* STAT: @name exists */
#define PH_REPLY_REGULAR	0x4u	/* STAT: ... and is a regular file */
#define PH_REPLY_REFUSED	0x8u	/* a trust rule refused the request */

struct ph_reply {
	uint32_t magic;
	uint16_t version;
	uint16_t op;		/* the request's */
	int32_t error;		/* 0, or a positive errno */
	uint32_t flags;		/* PH_REPLY_* */
	uint64_t size;		/* STAT */
	uint64_t free_bytes;	/* PREPARE */
	uint64_t used_bytes;	/* PREPARE */
	char temp[PH_NAME_MAX];	/* CREATE_TEMP */
	char msg[PH_MSG_MAX];	/* what failed or which rule refused */
};

#endif
