/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spool_private: what the spool's files share, internal to the spool (no
 * other module includes it; they use spool.h). The spool is split by
 * responsibility:
 *
 *   spool.c          open and close (the root, its flock, recovery's run)
 *   spool_path.c     layout: names, paths, directories, directory syncs
 *   spool_index.c    the in-memory index of entries; listings and usage
 *   spool_ticket.c   ticket files (read, durable write, install) and hashes
 *   spool_entry.c    reading and updating committed entries
 *   spool_commit.c   temp documents and commits (documents and pages)
 *   spool_remove.c   removal of entries and discard of temp documents
 *   spool_scan.c     scans in progress (<uid>/<id>.scan/)
 *   spool_recover.c  recovery at open, and what it found (cut scans, orphans)
 *   spool_limits.c   limits: defaults, parsing
 *   spool_reserve.c  admission (spool_reserve())
 *
 * Every path is opened relative to the root directory's fd, so the root
 * can be renamed under us without sending writes elsewhere, and names are
 * built only from a numeric uid and a validated hex id: nothing a user
 * sends ever becomes part of a path. The in-memory index holds a summary
 * per entry (enough for limits, listing and scheduling); the ticket on
 * disk stays the truth and is read on demand.
 *
 * Functions here expect the caller to hold s->lock when they touch the
 * index, the scans or the orphans (said on each); the file helpers do not
 * need it. Cleanup style in every spool file: early returns before
 * anything is acquired, then one "goto out"-style exit per function that
 * owns a resource.
 */
#ifndef MFPSCAN_SPOOL_PRIVATE_H
#define MFPSCAN_SPOOL_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"
#include "spool.h"
#include "ticket.h"

#define SPOOL_REL_MAX 96	/* "<uid>/orphans/<id>.json.<time>" fits */
#define SPOOL_UPDATE_EXT ".upd"	/* tmp/<id>.<n>.upd: an update's ticket */

struct spool_user {
	uid_t uid;
	struct spool_info *ent;		/* unsorted; sorted on listing */
	size_t n, cap;
	uint64_t bytes;
};

struct spool {
	/*
	 * Guards users[], scans[], orphans[] and update_seq, and makes each
	 * rename that adds, replaces or removes an entry's ticket one step
	 * with the index change that goes with it. Never held across an
	 * fsync, a hash or a read of a document (spool.rst, "Locking").
	 */
	pthread_mutex_t lock;
	char root[SPOOL_PATH_MAX];	/* absolute, for temp paths */
	int root_fd;			/* also holds the flock */
	struct spool_limits lim;
	struct spool_user *users;	/* sorted by uid */
	size_t n_users, cap_users;
	struct spool_scan_info *scans;	/* cut scans found by recovery */
	size_t n_scans, cap_scans;
	struct spool_orphan *orphans;	/* files recovery moved aside */
	size_t n_orphans, cap_orphans;
	unsigned long update_seq;	/* names update tickets in tmp/ */
};

/* ---- spool_path.c: names, paths, directories ---------------------------- */

/* A fresh random id (SPOOL_ID_MAX bytes at @id). */
int spool_id_new(char *id, struct err *e);
/* "<uid>/<sub><id><ext>" relative to the root; always fits SPOOL_REL_MAX. */
void spool_rel(char *rel, uid_t uid, const char *sub, const char *id,
	       const char *ext);
/* "<uid>/<id>.scan" or "<uid>/<id>.scan/<name>"; always fits. */
void spool_scan_rel(char *rel, size_t len, uid_t uid, const char *id,
		    const char *name);
/* "0017.page" (committed) or "0017.part" (being written). */
void spool_page_name(char *name, size_t len, uint32_t page, bool committed);
/* -EINVAL: @id is not an entry id; -ENOENT: @uid has no entry @id. */
int spool_bad_id(const char *id, struct err *e);
int spool_no_entry(uid_t uid, const char *id, struct err *e);
/* fsync directory @rel (relative to the root); a failure is logged. */
void spool_sync_dir(struct spool *s, const char *rel);
/* mkdir @rel 0700 if missing; force root ownership and 0700 on it. */
int spool_mkdir(struct spool *s, const char *rel, struct err *e);
/* <uid>/ and <uid>/tmp/, created as spool_mkdir() does. */
int spool_user_dirs(struct spool *s, uid_t uid, struct err *e);
/* Does @rel exist (not followed if a symlink)? Its stat in @st (or NULL). */
bool spool_exists(struct spool *s, const char *rel, struct stat *st);
/* "<uid>/tmp/<id>.<seq>.upd": the temp ticket of one spool_update(). */
void spool_update_rel(char *rel, uid_t uid, const char *id, unsigned long seq);
/* Is @name (in tmp/) such a temp ticket? */
bool spool_update_name_is(const char *name);
/* The id of @path if it is "<root>/<uid>/tmp/<id>.doc", else -EINVAL. */
int spool_tmp_id(struct spool *s, uid_t uid, const char *path, char *id,
		 struct err *e);

/* ---- spool_index.c: the in-memory index (caller holds s->lock) ------------ */

struct spool_user *spool_user_find(struct spool *s, uid_t uid);
/* Make room for one more entry of @uid, so that adding cannot fail. */
int spool_index_reserve(struct spool *s, uid_t uid);
void spool_info_from_ticket(struct spool_info *inf, uid_t uid,
			    const char *id, const struct ticket *t);
/* Add after spool_index_reserve() succeeded. */
void spool_index_add(struct spool *s, uid_t uid, const char *id,
		     const struct ticket *t);
struct spool_info *spool_index_find(struct spool *s, uid_t uid,
				    const char *id);
void spool_index_del(struct spool *s, uid_t uid, const char *id);
/* Look up (@uid, @id) after checking the id; NULL with @e set. */
struct spool_info *spool_lookup(struct spool *s, uid_t uid,
				const char *id, struct err *e);

/* ---- spool_ticket.c: ticket files (no lock needed) ------------------------ */

/* Read and parse the ticket at @rel (relative to the root). */
int spool_read_ticket(struct spool *s, const char *rel, struct ticket *t,
		      struct err *e);
/* Durably write @t to @rel (O_EXCL, 0600, fsync), replacing a stale one. */
int spool_write_ticket_at(struct spool *s, const char *rel,
			  const struct ticket *t, struct err *e);
/* Durably write @t to <uid>/tmp/<id>.json. */
int spool_write_ticket(struct spool *s, uid_t uid, const char *id,
		       const struct ticket *t, struct err *e);
/* Rename @from over <uid>/<id>.json, unsynced; @from removed on failure. */
int spool_place_ticket(struct spool *s, const char *from, uid_t uid,
		       const char *id, struct err *e);
/* fsync <uid>/ (a failure is logged: recovery handles the crash). */
void spool_sync_user_dir(struct spool *s, uid_t uid);
/* Rename <uid>/tmp/<id>.json over <uid>/<id>.json and sync: the commit. */
int spool_install_ticket(struct spool *s, uid_t uid, const char *id,
			 struct err *e);

/* ---- spool_scan.c: scans in progress ------------------------------------ */

/* 0 if @uid has a scan @id (its ticket exists); -EINVAL, -ENOENT. */
int spool_scan_check(struct spool *s, uid_t uid, const char *id,
		     struct err *e);
/* Committed pages of a scan: 0001.page, 0002.page, ... without a gap. */
uint32_t spool_scan_count(struct spool *s, uid_t uid, const char *id);
/* Delete <uid>/<id>.scan/, its ticket first (the commit point). */
int spool_scan_remove(struct spool *s, uid_t uid, const char *id,
		      struct err *e);

/* ---- spool_recover.c ------------------------------------------------------ */

/* Recover every user's entries at open (spool.h, spool_open()). */
int spool_recover(struct spool *s, struct spool_recovery *rep,
		  struct err *e);

#endif
