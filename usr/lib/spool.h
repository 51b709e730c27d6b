/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spool: the durable per-user store of documents whose upload failed (the
 * patent's "temporary folder", S608/S510/S807). One entry is a document
 * plus its scan ticket, identified by (uid, id):
 *
 *   <root>/<uid>/            root-owned, 0700
 *   <root>/<uid>/<id>.doc    the encoded document, 0600
 *   <root>/<uid>/<id>.json   its ticket; its presence commits the entry
 *   <root>/<uid>/tmp/        documents being written, tickets being written
 *   <root>/<uid>/orphans/    what recovery could not vouch for, kept
 *
 *   <root>/<uid>/<id>.scan/  a scan being read: ticket and finished pages
 *
 * Writes follow Maildir/queue_fs: O_EXCL temp file, fsync, rename, fsync of
 * the directory, so that a crash at any instant leaves either no entry or
 * a complete one. spool_open() recovers every entry and reports (log)
 * whatever a crash left half-done. The protocol, crash table and limits
 * are in Documentation/spool.rst.
 *
 * The daemon encodes each new document straight into a spool temp file
 * (spool_create_temp()); when the upload succeeds it drops the temp file,
 * when it fails spool_commit() turns it into an entry by renaming.
 *
 * Thread-safe. The spool's one lock is held only for short steps in
 * memory and renames, never across an fsync or a hash, so that the
 * daemon's main thread may call any of these (Documentation/spool.rst,
 * "Locking"). Ids are 32 lowercase hex digits (128 random bits) and are
 * checked on every call.
 */
#ifndef MFPSCAN_SPOOL_H
#define MFPSCAN_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "ticket.h"

#define SPOOL_DIR_DEFAULT	"/var/spool/mfpscan"
#define SPOOL_ID_LEN		32
#define SPOOL_ID_MAX		(SPOOL_ID_LEN + 1)
#define SPOOL_PATH_MAX		4096
#define SPOOL_SCAN_EXT		".scan"

/* Config section [spool] of mfpscand.conf uses the same key names. */
struct spool_limits {
	uint64_t max_bytes_per_user;	/* max_bytes_per_user (1 GiB) */
	uint32_t max_entries_per_user;	/* max_entries_per_user (100) */
	uint64_t min_free_bytes;	/* min_free_bytes (64 MiB) kept free
					 * on the spool's filesystem */
};

/* What spool_open() found and repaired (each item is also logged). */
struct spool_recovery {
	size_t users;		/* user directories */
	size_t entries;		/* complete entries recovered */
	size_t rolled_forward;	/* commits a crash interrupted, completed */
	size_t removals_finished; /* removals a crash interrupted, completed */
	size_t temp_orphaned;	/* tmp/ leftovers moved to orphans/ */
	size_t scans_cut;	/* scans cut by a crash (spool_scans_cut()) */
	size_t scans_finished;	/* scan directories whose removal is done */
	size_t orphaned;	/* files moved to <uid>/orphans/, all told */
	size_t unknown;		/* foreign files left alone */
};

/* In-memory summary of an entry (the ticket itself: spool_get()). */
struct spool_info {
	uid_t uid;
	char id[SPOOL_ID_MAX];
	int64_t created;
	uint64_t size;
	enum ticket_state state;
	uint32_t retries_left;
	int64_t next_retry;
};

/* A scan that a crash or a stop cut while it was read (spool_scans_cut()). */
struct spool_scan_info {
	uid_t uid;
	char id[SPOOL_ID_MAX];
	uint32_t pages;		/* finished pages kept: 0001.page .. */
	uint32_t cut_page;	/* page being written, kept in orphans/; 0: none */
};

/* A file recovery moved to <uid>/orphans/ (never deleted unread). */
struct spool_orphan {
	uid_t uid;
	char name[96];		/* its name in <uid>/orphans/ */
};

struct spool;

/* Fill @l with the defaults above. */
void spool_limits_default(struct spool_limits *l);

/*
 * Set one limit from a config key ("max_bytes_per_user",
 * "max_entries_per_user", "min_free_bytes"; a "spool_" prefix is accepted)
 * and its decimal value. 0, -ENOENT for an unknown key (untouched), or
 * -EINVAL with @e.
 */
int spool_limits_set(struct spool_limits *l, const char *key,
		     const char *value, struct err *e);

/* True if @id is a well-formed entry id (SPOOL_ID_LEN lowercase hex). */
bool spool_id_valid(const char *id);

/*
 * Open the spool at @root (created 0700 if missing; its parent must
 * exist), take an exclusive lock on it (one daemon per spool), and recover
 * every user's entries: complete interrupted commits and removals, move
 * tickets without a valid document and documents without a ticket to
 * <uid>/orphans/, delete half-written temp files; all of it logged. A
 * retrying state left by a crash becomes waiting again. @rep may be NULL.
 * Returns 0 and *@out, or a negative errno with @e.
 */
int spool_open(const char *root, const struct spool_limits *limits,
	       struct spool **out, struct spool_recovery *rep, struct err *e);

/* Release @s (entries stay on disk). NULL is fine. Returns NULL. */
struct spool *spool_close(struct spool *s);

/*
 * May @uid spool a new document of about @expected_bytes? Checks the
 * user's count and size limits and the filesystem's free space (statvfs)
 * up front, before anything is scanned. Returns 0, -EDQUOT (user limit)
 * or -ENOSPC (filesystem) with @e (class ERR_LOCAL) holding a message for
 * the user. A check, not a reservation: commits are never refused for
 * exceeding a limit, so two concurrent scans may overshoot it by one.
 */
int spool_reserve(struct spool *s, uid_t uid, uint64_t expected_bytes,
		  struct err *e);

/*
 * Create an empty temp file for a new document of @uid, O_RDWR, mode 0600,
 * under <root>/<uid>/tmp/. On success *@fd (the caller closes it) and
 * @path (@path_len bytes, SPOOL_PATH_MAX is enough) are set.
 */
int spool_create_temp(struct spool *s, uid_t uid, int *fd, char *path,
		      size_t path_len, struct err *e);

/* Delete a temp file from spool_create_temp() (upload succeeded, or job
 * cancelled). -EINVAL if @path is not @uid's temp file. */
int spool_discard_temp(struct spool *s, uid_t uid, const char *path,
		       struct err *e);

/*
 * Turn the temp document at @tmp_path (from spool_create_temp(), fully
 * written; the caller may keep its fd open) into an entry with ticket @t.
 * The document is fsync'ed; t->owner_uid and t->size are set from @uid and
 * the file, t->sha256 is computed when empty (else trusted). On success
 * @t holds what was stored and @id_out (SPOOL_ID_MAX) the entry's id; on
 * failure nothing is committed, @t is untouched and the temp file stays
 * with the caller. Limits are not re-checked here (see spool_reserve()).
 */
int spool_commit(struct spool *s, uid_t uid, const char *tmp_path,
		 struct ticket *t, char *id_out, struct err *e);

/*
 * Durably replace the ticket of entry (@uid, @id) with @t (write to tmp,
 * fsync, rename, fsync dir). @t must keep the entry's owner and size.
 * -ENOENT if @uid has no such entry.
 */
int spool_update(struct spool *s, uid_t uid, const char *id,
		 const struct ticket *t, struct err *e);

/*
 * Remove entry (@uid, @id): only after a confirmed upload or its owner's
 * explicit discard. Crash-safe: the ticket is first renamed to <id>.del,
 * which recovery completes. -ENOENT if @uid has no such entry.
 */
int spool_remove(struct spool *s, uid_t uid, const char *id, struct err *e);

/* Read the ticket of (@uid, @id) from disk into @out. */
int spool_get(struct spool *s, uid_t uid, const char *id, struct ticket *out,
	      struct err *e);

/* Open the document of (@uid, @id) O_RDONLY|O_CLOEXEC into *@fd. */
int spool_open_document(struct spool *s, uid_t uid, const char *id, int *fd,
			struct err *e);

/*
 * Recompute the document's sha256 and size and compare them with the
 * ticket: 0, or -EIO (ERR_LOCAL) naming what differs. Recovery only checks
 * the size; call this where reading the whole document is affordable.
 */
int spool_verify(struct spool *s, uid_t uid, const char *id, struct err *e);

/*
 * The entries of @uid, oldest first (by created, then id), as a malloc'd
 * array in *@out of *@n items (NULL and 0 when none). The caller frees it.
 */
int spool_list(struct spool *s, uid_t uid, struct spool_info **out, size_t *n,
	       struct err *e);

/* Every entry of every user (by uid, then oldest first); as spool_list(). */
int spool_list_all(struct spool *s, struct spool_info **out, size_t *n,
		   struct err *e);

/* Summary of (@uid, @id): 0, or -ENOENT. */
int spool_info_get(struct spool *s, uid_t uid, const char *id,
		   struct spool_info *out);

/* How many entries and bytes @uid has spooled. */
void spool_usage(struct spool *s, uid_t uid, size_t *count, uint64_t *bytes);

/*
 * Scans in progress (Documentation/spool.rst, "Page-level durability").
 * A scan is <uid>/<id>.scan/ holding its ticket (ticket.json, written
 * before the first band is read: the patent's S302) and each finished
 * page as NNNN.page, committed (fsync, rename, fsync of the directory)
 * before the next page is read; the page being written is NNNN.part.
 * When reading ends the pages become entries: each one its own
 * (spool_scan_commit_page(), JPEG and PNG) or one document assembled from
 * them in spool_scan_create_doc()'s temp file and committed with
 * spool_commit() under the scan's id (PDF, TIFF); spool_scan_end() then
 * removes the directory. After a crash spool_open() lists the cut scans
 * (spool_scans_cut()) for the daemon to turn into partial entries.
 */

/* Start a scan of @uid with ticket @t (owner set to @uid); its id in @id_out. */
int spool_scan_begin(struct spool *s, uid_t uid, const struct ticket *t,
		     char *id_out, struct err *e);

/* Durably replace the scan's ticket (e.g. reading ended: pages, partial). */
int spool_scan_update(struct spool *s, uid_t uid, const char *id,
		      const struct ticket *t, struct err *e);

/* Create page @page (from 1) of scan @id as NNNN.part, O_RDWR, 0600. */
int spool_scan_page_create(struct spool *s, uid_t uid, const char *id,
			   uint32_t page, int *fd, struct err *e);

/* fsync @fd (the page, fully written), rename it to NNNN.page, fsync the
 * scan's directory: the page survives any crash from now on. */
int spool_scan_page_commit(struct spool *s, uid_t uid, const char *id,
			   uint32_t page, int fd, struct err *e);

/* Delete the unfinished NNNN.part of page @page (its writer failed). */
int spool_scan_page_discard(struct spool *s, uid_t uid, const char *id,
			    uint32_t page, struct err *e);

/* Open committed page @page read-only. */
int spool_scan_page_open(struct spool *s, uid_t uid, const char *id,
			 uint32_t page, int *fd, struct err *e);

/* The scan's ticket, and how many pages are committed (may be NULL). */
int spool_scan_get(struct spool *s, uid_t uid, const char *id,
		   struct ticket *t, uint32_t *pages, struct err *e);

/*
 * Create <uid>/tmp/<id>.doc for the document assembled from scan @id's
 * pages: spool_commit() of that path makes entry @id, which recovery
 * recognizes as the end of the scan.
 */
int spool_scan_create_doc(struct spool *s, uid_t uid, const char *id, int *fd,
			  char *path, size_t path_len, struct err *e);

/* Committed page @page of scan @scan_id becomes an entry with ticket @t
 * (completed as by spool_commit()); its id in @id_out. */
int spool_scan_commit_page(struct spool *s, uid_t uid, const char *scan_id,
			   uint32_t page, struct ticket *t, char *id_out,
			   struct err *e);

/* Remove scan @id's directory: only once its pages are entries, or its
 * owner cancelled the scan. The ticket goes first (the commit point). */
int spool_scan_end(struct spool *s, uid_t uid, const char *id, struct err *e);

/* The scans spool_open() found cut and spool_scan_end() has not ended
 * yet, as a malloc'd array (NULL and 0 when none). */
int spool_scans_cut(struct spool *s, struct spool_scan_info **out, size_t *n,
		    struct err *e);

/* What spool_open() moved to orphans/, as a malloc'd array. */
int spool_orphans(struct spool *s, struct spool_orphan **out, size_t *n,
		  struct err *e);

/*
 * Hex sha256 of the file open at @fd, read from offset 0, with its size in
 * *@size (may be NULL). @hex gets TICKET_SHA256_LEN + 1 bytes.
 */
int spool_sha256_fd(int fd, char *hex, uint64_t *size, struct err *e);

#endif
