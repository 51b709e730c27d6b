/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ticket: the scan ticket of a spooled document (the patent's FIG. 8): how
 * it was read, by which engine, where it must go, who owns it, what the
 * document is (size, sha256, pages) and the retry state ("Remain Retry
 * Counter", "Retry Next Time", attempt log). Stored next to the document as
 * versioned JSON (json-c); the format is in Documentation/spool.rst.
 *
 * A ticket never holds a secret: the destination names the account, and the
 * daemon looks up the account's password when it retries.
 */
#ifndef MFPSCAN_TICKET_H
#define MFPSCAN_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Version 2 added model.mechanisms, processing.* and document.partial;
 * version 1 tickets still load (those fields keep ticket_init()'s values). */
#define TICKET_VERSION		3
#define TICKET_LOG_MAX		20	/* attempts kept, oldest dropped */
#define TICKET_JSON_MAX		(256 * 1024) /* larger files are refused */

/* Field sizes include the terminating NUL. */
#define TICKET_WORD_MAX		32	/* source, color-mode, format, type */
#define TICKET_OCR_MAX		64	/* = OCR_LANGUAGES_MAX: "eng+deu" */
#define TICKET_NAME_MAX		256	/* model, account name, file name */
#define TICKET_PATH_MAX		1024	/* device, account path, folder */
#define TICKET_SHA256_LEN	64	/* lowercase hex digits */
#define TICKET_RESUME_MAX	256	/* = UPLOAD_RESUME_STATE_MAX */

/* Entry states, as the SpoolEntry.State property spells them. */
enum ticket_state {
	TICKET_WAITING = 0,	/* spooled; next attempt at next_retry */
	TICKET_RETRYING,	/* an attempt is running now */
	TICKET_NEEDS_ATTENTION,	/* retries exhausted; kept for the owner */
	TICKET_STATE_COUNT
};

/* One failed attempt. */
struct ticket_attempt {
	int64_t time;		/* unix seconds */
	enum err_class cls;
	char msg[ERR_MSG_MAX];
};

struct ticket {
	/* Reading settings (the patent's 702/704). */
	char source[TICKET_WORD_MAX];
	char color_mode[TICKET_WORD_MAX];
	uint32_t resolution;		/* dpi */
	uint32_t width_mm;
	uint32_t height_mm;
	uint32_t pages_requested;	/* 0: all pages the feeder holds */
	char format[TICKET_WORD_MAX];	/* pdf, jpeg, png, tiff */

	/* Model information (703): the engine and its reading mechanisms. */
	char device[TICKET_PATH_MAX];
	char model[TICKET_NAME_MAX];
	char mechanisms[TICKET_WORD_MAX * 2];	/* "flatbed,adf,adf-duplex" */

	/* Image processing (704), with format above: how pages are coded. */
	char codec[TICKET_WORD_MAX];	/* jpeg, flate, deflate, ccitt-g4 */
	uint32_t quality;		/* JPEG quality 1..100; 0: lossless */
	uint32_t compression;		/* deflate level 1..9; 0: none used */
	char ocr[TICKET_OCR_MAX];	/* v3: OCR languages asked; "": none */

	/* Destination (705), without secrets. */
	char account[TICKET_PATH_MAX];	/* D-Bus object path of the account */
	char account_name[TICKET_NAME_MAX];
	char dest_type[TICKET_WORD_MAX];	/* webdav, s3, sftp, local */
	char remote_folder[TICKET_PATH_MAX];
	char remote_name[TICKET_NAME_MAX];	/* deterministic: idempotent */

	/* The document. */
	uint32_t owner_uid;
	int64_t created;		/* unix seconds */
	uint64_t size;			/* bytes */
	char sha256[TICKET_SHA256_LEN + 1];
	uint32_t pages;
	bool partial;			/* the scan was cut: pages read so far */

	/* Retry control (705: Remain Retry Counter, Retry Next Time). */
	enum ticket_state state;
	uint32_t retries_left;
	int64_t next_retry;		/* unix seconds; 0 when none planned */
	uint32_t attempts;		/* failed attempts so far */
	enum err_class last_class;
	char last_error[ERR_MSG_MAX];	/* the server's words */
	uint32_t n_log;
	struct ticket_attempt log[TICKET_LOG_MAX]; /* oldest first */

	/*
	 * Resumable upload (optional "upload" group, written only while an
	 * upload is unfinished): the uploader's progress text (upload.h,
	 * struct upload_resume) and the bytes the server acknowledged.
	 */
	char resume_state[TICKET_RESUME_MAX];
	uint64_t resume_acked;
};

/* Empty ticket: all zero, state waiting, no error. */
void ticket_init(struct ticket *t);

/*
 * Copy @src into @dst (@size bytes, NUL included) as valid UTF-8: bytes
 * that do not form a UTF-8 character become '?', and truncation never
 * cuts a character. Server messages go through this before they reach a
 * ticket, a D-Bus property (sd-bus refuses invalid UTF-8) or a mail.
 * Returns the length written.
 */
size_t ticket_copy_text(char *dst, size_t size, const char *src);

/*
 * Append a failed attempt to @t's log, dropping the oldest when
 * TICKET_LOG_MAX are kept. @msg is copied with ticket_copy_text().
 */
void ticket_log_append(struct ticket *t, int64_t when, enum err_class cls,
		       const char *msg);

/*
 * Check @t's values (strings terminated and in range, sha256 is 64 hex
 * digits or empty, state and classes known, log count in range). Returns 0
 * or -EINVAL with @e naming the field.
 */
int ticket_validate(const struct ticket *t, struct err *e);

/*
 * Serialize @t (validated first) as JSON. On success *@out is a malloc'd
 * NUL-terminated string of *@len bytes the caller frees; on failure *@out
 * and *@len are untouched and -EINVAL or -ENOMEM is returned.
 */
int ticket_to_json(const struct ticket *t, char **out, size_t *len,
		   struct err *e);

/*
 * Parse @len bytes of JSON into @out. Strict: the whole buffer must be one
 * JSON object of version TICKET_VERSION, every field present with the
 * right type and range, no unknown fields. Returns 0, or -EINVAL
 * (ERR_INVALID) with a message naming the offending field; @out is only
 * written on success.
 */
int ticket_from_json(const char *buf, size_t len, struct ticket *out,
		     struct err *e);

/*
 * The remote name of a document kept from a cut scan, from @t's
 * remote_name "STEM.EXT": "STEM-partial-N-pages.EXT" for the whole
 * document (@page 0, N = t->pages), "STEM-partial-KKK.EXT" for page @page
 * of a one-page format. Cut to fit @len (at least 16) keeping the
 * extension. Returns @out.
 */
char *ticket_partial_name(const struct ticket *t, uint32_t page, char *out,
			  size_t len);

/* "waiting", "retrying", "needs-attention"; NULL when out of range. */
const char *ticket_state_name(enum ticket_state s);

/* Inverse of ticket_state_name(); -1 when unknown. */
int ticket_state_from_name(const char *name);

#endif
