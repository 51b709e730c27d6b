/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upload: the uploader stage (encoder -> uploader -> storage). One call
 * checks a destination (log in, make the folder, report free space where
 * the server tells it), one puts a finished document there, one asks
 * whether a document is already there. Five destination types share the
 * API: WebDAV (Nextcloud/ownCloud style), S3 (SigV4), SFTP (host key
 * pinned), SMB (libsmbclient) and a local directory. Every failure fills
 * a struct err whose class (storage-full, auth, not-found, network, server, tls, local,
 * invalid) tells the spool what to do and whose message keeps the
 * server's own words. Secrets never appear in a message or a log line.
 *
 * Idempotence: upload_put() of the same remote name twice never leaves two
 * copies and never overwrites another document: if a file of that name,
 * size and bytes (compared as they are read back) is already there it
 * returns UPLOAD_ALREADY_THERE; a file of that name with other bytes or
 * another size is an ERR_SERVER/-EEXIST failure, except a WebDAV
 * file that is exactly the beginning of ours (a cut-short PUT), which is
 * replaced. Documentation/destinations.rst gives the guarantee per type.
 *
 * Thread safety: the calls are reentrant; upload_init() must run once
 * before threads are started (it initialises libcurl).
 */
#ifndef MFPSCAN_UPLOAD_H
#define MFPSCAN_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum dest_type { DEST_LOCAL, DEST_WEBDAV, DEST_S3, DEST_SFTP, DEST_SMB };

/* One account's destination; all strings are owned by the caller. */
struct dest {
	enum dest_type type;
	/*
	 * webdav: https://host/remote.php/dav/files/USER
	 * s3:     http://127.0.0.1:PORT/BUCKET (path style) or
	 *         https://BUCKET.s3.REGION.amazonaws.com (virtual host style)
	 * sftp:   sftp://host:port, sftp://host:port/~ (home) or
	 *         sftp://host:port/abs/dir
	 * smb:    smb://server[:port]/share[/dir]
	 * local:  unused (NULL)
	 * Never with credentials in it: they go in username/password.
	 */
	const char *url;
	const char *folder;	/* sub-folder under url, or the local directory */
	const char *username;	/* webdav/sftp/smb login */
	const char *password;	/* secret: webdav/sftp/smb password, s3 secret key */
	const char *access_key;	/* s3 access key id */
	const char *region;	/* s3 region; NULL = us-east-1 */
	const char *ca_file;	/* pinned CA bundle; NULL = system CAs */
	const char *host_key_sha256; /* sftp: base64 SHA256 fingerprint, required */
	const char *domain;	/* smb: domain or workgroup; NULL = the client's default */
	long timeout_s;		/* connect and stall timeout; <= 0 = 30 s */
	/*
	 * webdav/s3: the account's explicit consent to log in over plain
	 * http:// (upload_check_plain_http()); false refuses it.
	 */
	bool allow_insecure_http;
	/*
	 * local: the owner given to a new document (it is written 0600 and
	 * handed to owner_uid:owner_gid before it takes its name), so that
	 * the account's owner can read their own scans. owner_uid 0 (the
	 * zero value, also root's) means unset: the document stays with the
	 * writing process. owner_gid (gid_t)-1 keeps the writer's group.
	 * Unused by the other types.
	 */
	uid_t owner_uid;
	gid_t owner_gid;
	/*
	 * The daemon's [upload] settings for upload_put_resumable() callers
	 * that take them from the destination (0: never resumable).
	 */
	uint64_t resume_threshold;
	uint64_t resume_chunk;
};

/* Free space as the destination reports it (known == false: it does not). */
struct upload_space {
	bool known;
	uint64_t free_bytes;
	uint64_t used_bytes;
};

/* upload_put() result when the same document was already there. */
#define UPLOAD_ALREADY_THERE 1

/*
 * Called while a document goes out; @sent of @total bytes. A nonzero
 * return aborts the upload with -ECANCELED (class ERR_LOCAL).
 */
typedef int (*upload_progress_fn)(void *ud, uint64_t sent, uint64_t total);

/*
 * The plain-http rule, the one place it is decided (account validation
 * and every transfer call it): a webdav or s3 destination whose @url is
 * http:// and that logs in (@has_credentials: a username or a secret)
 * would send its password or keys, and the documents, unencrypted. It is
 * refused unless @allowed (the account's allow-insecure-http = yes).
 * Returns 0, or -EACCES with @e of class @cls whose message names the
 * setting. https://, other types and anonymous accounts always pass.
 */
int upload_check_plain_http(enum dest_type type, const char *url,
			    bool has_credentials, bool allowed,
			    enum err_class cls, struct err *e);

/* Does @url use plain http (scheme compared without case)? */
bool upload_url_is_plain_http(const char *url);

/* Initialise libcurl once per process; returns 0 or -ENOMEM. */
int upload_init(void);

/* "local", "webdav", "s3", "sftp", "smb" -> type; -EINVAL for anything else. */
int dest_type_from_name(const char *name);

/* The inverse of dest_type_from_name(); NULL for an unknown value. */
const char *dest_type_name(enum dest_type type);

/*
 * Log in to @d, make sure its folder exists (creating missing levels) and
 * fill @space where the server reports it: RFC 4331 quota for WebDAV,
 * statvfs for local and SFTP, the share's free space for SMB, unknown
 * for S3. Returns 0 or a negative errno with @e filled; @space is
 * untouched on failure.
 */
int upload_check(const struct dest *d, struct upload_space *space,
		 struct err *e);

/*
 * Upload @size bytes of @fd (read with pread() from offset 0, so @fd must
 * be a regular file; its file offset is not used) as @remote_name in @d's
 * folder, creating missing folder levels. @content_type may be NULL;
 * @cb may be NULL. On success copies the document's URL, without
 * credentials, into @remote_url (if not NULL) and returns 0, or
 * UPLOAD_ALREADY_THERE when a document of that name and size was already
 * there (nothing was sent). Returns a negative errno with @e filled on
 * failure; -EEXIST (ERR_SERVER) when a different file has that name.
 */
int upload_put(const struct dest *d, const char *remote_name, int fd,
	       uint64_t size, const char *content_type,
	       upload_progress_fn cb, void *ud,
	       char *remote_url, size_t url_len, struct err *e);

/*
 * Resumable uploads of big documents (Documentation/destinations.rst,
 * "Resumable uploads"): S3 multipart upload, SFTP append to a part file
 * named after the document's SHA-256, WebDAV Nextcloud chunking v2.
 * The backend keeps what the server acknowledged in @state, a short text
 * only it reads, and calls @save whenever that changed, so that the caller
 * can keep it durably (the spool ticket); an upload_put_resumable() of the
 * same document and name with that state continues from there.
 */
#define UPLOAD_RESUME_STATE_MAX 256
#define UPLOAD_RESUME_CHUNK_DEFAULT (8 * 1024 * 1024)
#define UPLOAD_RESUME_CHUNK_MIN (5 * 1024 * 1024)	/* S3 and Nextcloud */

struct upload_resume {
	uint64_t threshold;	/* smaller documents: the plain upload */
	uint64_t chunk_size;	/* S3 part, WebDAV chunk; 0 = 8 MiB, min 5 MiB */
	char state[UPLOAD_RESUME_STATE_MAX];	/* "" at first */
	/* @state changed; @acked bytes are on the server. Nonzero cancels. */
	int (*save)(void *ud, const char *state, uint64_t acked);
	void *save_ud;
	uint64_t resumed_from;	/* out: bytes the server already held */
};

/*
 * upload_put() that continues an earlier attempt described by
 * @resume->state when @size >= @resume->threshold (else, or with @resume
 * NULL, exactly upload_put()). The same idempotence and conflict rules
 * hold; on success @resume->state is "" again. Local destinations and
 * SMB upload plainly.
 */
int upload_put_resumable(const struct dest *d, const char *remote_name,
			 int fd, uint64_t size, const char *content_type,
			 upload_progress_fn cb, void *ud,
			 struct upload_resume *resume,
			 char *remote_url, size_t url_len, struct err *e);

/*
 * Drop what an unfinished resumable upload left on the server (S3:
 * AbortMultipartUpload; WebDAV: DELETE of the chunk collection; SFTP:
 * removal of the part file), e.g. when its document is discarded.
 * @state "" is a no-op. Returns 0 or a negative errno with @e filled.
 */
int upload_resume_abort(const struct dest *d, const char *remote_name,
			const char *state, struct err *e);

/*
 * Is @remote_name with exactly @size bytes in @d's folder? Sets @exists
 * and returns 0; -EEXIST (ERR_SERVER) when a file of that name but another
 * size is there (WebDAV: a shorter one counts as not there, see above);
 * another negative errno with @e filled when the server cannot tell.
 * @exists is untouched on failure.
 */
int upload_exists(const struct dest *d, const char *remote_name,
		  uint64_t size, bool *exists, struct err *e);

#endif
