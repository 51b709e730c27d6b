// SPDX-License-Identifier: GPL-2.0
/*
 * spool_recover: recovery at spool_open(): every user directory walked,
 * interrupted commits and removals completed, whatever cannot be vouched
 * for moved to <uid>/orphans/ (never deleted unread); the cut scans and the
 * orphans it found are kept for the daemon (spool_scans_cut(),
 * spool_orphans()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <sys/stat.h>

#include "log.h"
#include "spool_private.h"

/* Grow @*v (of @*cap items of @size bytes) to hold @n + 1; false: ENOMEM. */
static bool spool_grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : 8;
	nv = reallocarray(*v, nc, size);
	if (!nv)
		return false;
	*v = nv;
	*cap = nc;
	return true;
}

/* Remember that recovery moved <uid>/@name aside, for its owner. */
static void spool_orphan_note(struct spool *s, uid_t uid, const char *name)
{
	struct spool_orphan *o;

	if (!spool_grow((void **)&s->orphans, &s->cap_orphans, s->n_orphans,
			sizeof(*o))) {
		log_msg(LOG_ERR, "spool: user %u: out of memory noting orphan %s",
			(unsigned int)uid, name);
		return;
	}
	o = &s->orphans[s->n_orphans++];
	o->uid = uid;
	snprintf(o->name, sizeof(o->name), "%s", name);
}

/* Move <uid>/@from_name to <uid>/orphans/@to_name for the administrator. */
static bool spool_quarantine_as(struct spool *s, uid_t uid,
				const char *from_name, const char *to_name,
				const char *why, struct spool_recovery *rep)
{
	char from[2 * SPOOL_REL_MAX], to[2 * SPOOL_REL_MAX + 32], dir[SPOOL_REL_MAX];
	int r;

	snprintf(dir, sizeof(dir), "%u/orphans", (unsigned int)uid);
	snprintf(from, sizeof(from), "%u/%s", (unsigned int)uid, from_name);
	snprintf(to, sizeof(to), "%s/%s", dir, to_name);
	(void)spool_mkdir(s, dir, NULL);
	r = renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE);
	if (r < 0 && errno == EEXIST) {
		snprintf(to, sizeof(to), "%s/%s.%lld", dir, to_name, (long long)time(NULL));
		r = renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE);
	}
	if (r < 0) {
		log_errno(LOG_ERR, errno, "spool: user %u: %s (%s) could not be moved to orphans/, left in place",
			  (unsigned int)uid, from_name, why);
		return false;
	}
	log_msg(LOG_ERR, "spool: user %u: %s: %s; kept as %s/%s for the administrator",
		(unsigned int)uid, from_name, why, s->root, to);
	spool_orphan_note(s, uid, to + strlen(dir) + 1);
	rep->orphaned++;
	return true;
}

/* Move <uid>/<name> to <uid>/orphans/<name>. */
static void spool_quarantine(struct spool *s, uid_t uid, const char *name,
			     const char *why, struct spool_recovery *rep)
{
	(void)spool_quarantine_as(s, uid, name, name, why, rep);
}

/* Rename <uid>/tmp/<id><ext> to <uid>/<id><ext>: finish a commit. */
static bool spool_roll_forward(struct spool *s, uid_t uid, const char *id,
			       const char *ext)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX];

	spool_rel(from, uid, "tmp/", id, ext);
	spool_rel(to, uid, "", id, ext);
	return renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE) == 0;
}

/* Why the entry's document is not what its ticket promises; NULL if ok. */
static const char *spool_doc_problem(struct spool *s, uid_t uid,
				     const char *id, const struct ticket *t,
				     char *why, size_t len,
				     struct spool_recovery *rep)
{
	char rel[SPOOL_REL_MAX];
	struct stat st;

	if (t->owner_uid != uid) {
		snprintf(why, len, "ticket names owner %u, not %u",
			 t->owner_uid, (unsigned int)uid);
		return why;
	}
	spool_rel(rel, uid, "", id, ".doc");
	if (!spool_exists(s, rel, &st) && spool_roll_forward(s, uid, id, ".doc")) {
		log_msg(LOG_WARNING, "spool: user %u: entry %s: document moved into place (interrupted commit)",
			(unsigned int)uid, id);
		rep->rolled_forward++;
	}
	if (!spool_exists(s, rel, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "its document %s.doc is missing", id);
		return why;
	}
	if ((uint64_t)st.st_size != t->size) {
		snprintf(why, len, "document is %lld bytes but the ticket says %" PRIu64,
			 (long long)st.st_size, t->size);
		return why;
	}
	return NULL;
}

/* Keep a ticket that recovery cannot use, and its document, aside. */
static void spool_quarantine_entry(struct spool *s, uid_t uid, const char *id,
				   const char *problem, struct spool_recovery *rep)
{
	char rel[SPOOL_REL_MAX], name[SPOOL_REL_MAX];

	snprintf(name, sizeof(name), "%s.json", id);
	spool_quarantine(s, uid, name, problem, rep);
	snprintf(name, sizeof(name), "%s.doc", id);
	spool_rel(rel, uid, "", id, ".doc");
	if (spool_exists(s, rel, NULL))
		spool_quarantine(s, uid, name, "its ticket is unusable", rep);
}

/* <uid>/<id>.json exists: load it into the index or quarantine it. */
static void spool_recover_entry(struct spool *s, uid_t uid, const char *id,
				struct spool_recovery *rep)
{
	char rel[SPOOL_REL_MAX], why[ERR_MSG_MAX];
	const char *problem;
	struct ticket t;
	struct err e;

	spool_rel(rel, uid, "", id, ".json");
	if (spool_read_ticket(s, rel, &t, &e) < 0) {
		/* The log line names the file already: keep the cause. */
		problem = strstr(e.msg, ": ticket: ");
		problem = problem ? problem + 2 : e.msg;
	} else {
		problem = spool_doc_problem(s, uid, id, &t, why, sizeof(why), rep);
	}
	if (problem) {
		spool_quarantine_entry(s, uid, id, problem, rep);
		return;
	}
	if (t.state == TICKET_RETRYING) {
		/* The attempt died with the process; uploads are idempotent,
		 * so the entry simply waits for its (past) retry time. */
		t.state = TICKET_WAITING;
		if (spool_write_ticket(s, uid, id, &t, &e) < 0 ||
		    spool_install_ticket(s, uid, id, &e) < 0)
			log_msg(LOG_ERR, "%s", e.msg);
	}
	if (spool_index_reserve(s, uid) < 0) {
		log_msg(LOG_ERR, "spool: user %u: entry %s: out of memory, not loaded",
			(unsigned int)uid, id);
		return;
	}
	spool_index_add(s, uid, id, &t);
	rep->entries++;
}

/* <uid>/<id>.doc without ticket: finish its commit or keep it aside. */
static void spool_recover_doc(struct spool *s, uid_t uid, const char *id,
			      struct spool_recovery *rep)
{
	char rel[SPOOL_REL_MAX], name[SPOOL_REL_MAX];
	struct ticket t;
	struct stat st;
	struct err e;

	spool_rel(rel, uid, "tmp/", id, ".json");
	if (spool_read_ticket(s, rel, &t, &e) == 0 &&
	    spool_roll_forward(s, uid, id, ".json")) {
		log_msg(LOG_WARNING, "spool: user %u: entry %s: ticket moved into place (interrupted commit)",
			(unsigned int)uid, id);
		rep->rolled_forward++;
		spool_recover_entry(s, uid, id, rep);
		return;
	}
	spool_rel(rel, uid, "", id, ".doc");
	snprintf(name, sizeof(name), "%s.doc", id);
	if (spool_exists(s, rel, &st))
		spool_quarantine(s, uid, name, "document without a ticket", rep);
}

/* <uid>/<id>.del: a removal was interrupted after its commit point. */
static void spool_finish_remove(struct spool *s, uid_t uid, const char *id,
				struct spool_recovery *rep)
{
	char rel[SPOOL_REL_MAX];

	spool_rel(rel, uid, "", id, ".doc");
	(void)unlinkat(s->root_fd, rel, 0);
	spool_rel(rel, uid, "", id, ".del");
	if (unlinkat(s->root_fd, rel, 0) == 0)
		rep->removals_finished++;
	log_msg(LOG_INFO, "spool: user %u: entry %s: finished its interrupted removal",
		(unsigned int)uid, id);
}

/* The page being written at the cut: kept in orphans/ as <id>-NNNN.part. */
static uint32_t spool_scan_keep_parts(struct spool *s, uid_t uid,
				      const char *id, uint32_t pages,
				      struct spool_recovery *rep)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], name[32];
	uint32_t cut = 0;

	/* Only the page after the last committed one can be open. */
	spool_page_name(name, sizeof(name), pages + 1, false);
	spool_scan_rel(from, sizeof(from), uid, id, name);
	if (spool_exists(s, from, NULL)) {
		snprintf(from, sizeof(from), "%s%s/%s", id, SPOOL_SCAN_EXT, name);
		snprintf(to, sizeof(to), "%s-%s", id, name);
		if (spool_quarantine_as(s, uid, from, to,
					"the page being read when the scan was cut",
					rep))
			cut = pages + 1;
	}
	return cut;
}

static void spool_scan_note(struct spool *s, uid_t uid, const char *id,
			    uint32_t pages, uint32_t cut_page)
{
	struct spool_scan_info *si;

	if (!spool_grow((void **)&s->scans, &s->cap_scans, s->n_scans,
			sizeof(*si))) {
		log_msg(LOG_ERR, "spool: user %u: scan %s: out of memory, not recovered",
			(unsigned int)uid, id);
		return;
	}
	si = &s->scans[s->n_scans++];
	si->uid = uid;
	memcpy(si->id, id, SPOOL_ID_MAX);
	si->pages = pages;
	si->cut_page = cut_page;
}

/* <uid>/<id>.scan/: a scan that a crash or a stop cut, or its leftovers. */
static void spool_recover_scan(struct spool *s, uid_t uid, const char *id,
			       struct spool_recovery *rep)
{
	char rel[SPOOL_REL_MAX], name[SPOOL_REL_MAX];
	uint32_t pages, cut;
	struct ticket t;
	struct err e;
	bool entry;

	spool_rel(rel, uid, "", id, ".json");
	entry = spool_exists(s, rel, NULL);
	spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
	if (entry || !spool_exists(s, rel, NULL)) {
		/* Its document is an entry already, or it was being removed. */
		if (spool_scan_remove(s, uid, id, &e) < 0)
			log_msg(LOG_ERR, "%s", e.msg);
		log_msg(LOG_INFO, "spool: user %u: scan %s: finished its interrupted removal",
			(unsigned int)uid, id);
		rep->scans_finished++;
		return;
	}
	snprintf(name, sizeof(name), "%s%s", id, SPOOL_SCAN_EXT);
	if (spool_read_ticket(s, rel, &t, &e) < 0) {
		spool_quarantine(s, uid, name, e.msg, rep);
		return;
	}
	if (t.owner_uid != uid) {
		spool_quarantine(s, uid, name, "its ticket names another owner", rep);
		return;
	}
	pages = spool_scan_count(s, uid, id);
	cut = spool_scan_keep_parts(s, uid, id, pages, rep);
	log_msg(LOG_WARNING, "spool: user %u: scan %s was cut after %u finished page%s%s",
		(unsigned int)uid, id, pages, pages == 1 ? "" : "s",
		t.partial ? "" : " (reading had ended)");
	spool_scan_note(s, uid, id, pages, cut);
	rep->scans_cut++;
}

/* Split "<id><ext>"; the extension pointer or NULL if not an entry file. */
static const char *spool_split(const char *name, char *id)
{
	const char *ext = name + SPOOL_ID_LEN;

	if (strnlen(name, SPOOL_ID_LEN + 1) <= SPOOL_ID_LEN)
		return NULL;
	memcpy(id, name, SPOOL_ID_LEN);
	id[SPOOL_ID_LEN] = '\0';
	if (!spool_id_valid(id))
		return NULL;
	if (strcmp(ext, ".json") && strcmp(ext, ".doc") && strcmp(ext, ".del") &&
	    strcmp(ext, SPOOL_SCAN_EXT))
		return NULL;
	return ext;
}

static void spool_recover_name(struct spool *s, uid_t uid, const char *name,
			       struct spool_recovery *rep)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	const char *ext = spool_split(name, id);

	if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "tmp") ||
	    !strcmp(name, "orphans"))
		return;
	if (!strcmp(name, "outbox"))	/* the owner's mails: outbox.h */
		return;
	if (!strcmp(name, "notices"))	/* kept until seen: notices.h */
		return;
	if (!ext) {
		log_msg(LOG_WARNING, "spool: user %u: unknown file %s left alone",
			(unsigned int)uid, name);
		rep->unknown++;
	} else if (!strcmp(ext, ".json")) {
		spool_recover_entry(s, uid, id, rep);
	} else if (!strcmp(ext, ".del")) {
		spool_finish_remove(s, uid, id, rep);
	} else if (!strcmp(ext, SPOOL_SCAN_EXT)) {
		spool_recover_scan(s, uid, id, rep);
	} else {
		/* alphasort puts .del and .doc before .json: a document whose
		 * ticket or tombstone exists is handled under that name. */
		spool_rel(rel, uid, "", id, ".json");
		if (spool_exists(s, rel, NULL))
			return;
		spool_rel(rel, uid, "", id, ".del");
		if (!spool_exists(s, rel, NULL))
			spool_recover_doc(s, uid, id, rep);
	}
}

/*
 * Whatever is left in <uid>/tmp/ was never committed (a document being
 * written or assembled, a ticket being written), but it may hold the only
 * copy of a scan: nothing there is deleted unread. It goes to orphans/,
 * where its owner is told about it (spool_orphans()).
 */
/*
 * tmp/<id>.<n>.upd: an update a crash cut before its rename. The entry
 * keeps its previous ticket, complete; this one holds no document, only
 * bookkeeping that was never promised to anyone: deleted, not orphaned.
 */
static void spool_drop_update(struct spool *s, uid_t uid, const char *rel,
			      const char *name)
{
	if (unlinkat(s->root_fd, rel, 0) < 0)
		log_errno(LOG_ERR, errno, "spool: user %u: removing tmp/%s", (unsigned int)uid, name);
	else
		log_msg(LOG_INFO, "spool: user %u: tmp/%s: a ticket update cut by a crash, dropped (the entry keeps its previous ticket)",
			(unsigned int)uid, name);
}

static void spool_keep_tmp(struct spool *s, uid_t uid,
			   struct spool_recovery *rep)
{
	char dir[SPOOL_REL_MAX], rel[SPOOL_REL_MAX + NAME_MAX + 2];
	char why[96];
	struct dirent **list;
	size_t kept = 0, dropped = 0;
	struct stat st;
	int n;

	snprintf(dir, sizeof(dir), "%u/tmp", (unsigned int)uid);
	n = scandirat(s->root_fd, dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		snprintf(rel, sizeof(rel), "%s/%s", dir, name);
		if (spool_update_name_is(name)) {
			spool_drop_update(s, uid, rel, name);
			dropped++;
		} else if (strcmp(name, ".") && strcmp(name, "..") &&
			   spool_exists(s, rel, &st) && S_ISREG(st.st_mode)) {
			snprintf(why, sizeof(why), "left in tmp/ by an interrupted write (%lld bytes)",
				 (long long)st.st_size);
			snprintf(rel, sizeof(rel), "tmp/%s", name);
			if (spool_quarantine_as(s, uid, rel, name, why, rep))
				kept++;
		}
		free(list[i]);
	}
	if (n > 0)
		free(list);
	/* Syncing only what changed keeps a clean start at a few syscalls
	 * per user instead of two fsyncs each. */
	if (kept + dropped > 0)
		spool_sync_dir(s, dir);
	rep->temp_orphaned += kept;
}

static void spool_recover_user(struct spool *s, uid_t uid,
			       struct spool_recovery *rep)
{
	size_t changes = rep->rolled_forward + rep->removals_finished + rep->orphaned;
	char dir[SPOOL_REL_MAX];
	struct dirent **list;
	struct err e;
	int n;

	if (spool_user_dirs(s, uid, &e) < 0) {
		log_msg(LOG_ERR, "%s; its entries are not loaded", e.msg);
		return;
	}
	snprintf(dir, sizeof(dir), "%u", (unsigned int)uid);
	n = scandirat(s->root_fd, dir, &list, NULL, alphasort);
	if (n < 0) {
		log_errno(LOG_ERR, errno, "spool: reading %s/%s; its entries are not loaded",
			  s->root, dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		spool_recover_name(s, uid, list[i]->d_name, rep);
		free(list[i]);
	}
	free(list);
	spool_keep_tmp(s, uid, rep);
	if (changes != rep->rolled_forward + rep->removals_finished + rep->orphaned)
		spool_sync_dir(s, dir);
	rep->users++;
}

/* A user directory is named by a canonical decimal uid. */
static bool spool_parse_uid(const char *name, uid_t *uid)
{
	unsigned long v;
	char *end;

	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1]))
		return false;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || *end || v >= UINT32_MAX)
		return false;
	*uid = (uid_t)v;
	return true;
}

int spool_recover(struct spool *s, struct spool_recovery *rep,
		  struct err *e)
{
	struct dirent **list;
	uid_t uid;
	int n;

	n = scandirat(s->root_fd, ".", &list, NULL, alphasort);
	if (n < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: reading %s: %s",
			       s->root, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		struct stat st;

		if (spool_parse_uid(name, &uid) && spool_exists(s, name, &st) &&
		    S_ISDIR(st.st_mode))
			spool_recover_user(s, uid, rep);
		else if (strcmp(name, ".") && strcmp(name, ".."))
			log_msg(LOG_WARNING, "spool: unknown file %s/%s left alone",
				s->root, name);
		free(list[i]);
	}
	free(list);
	return 0;
}

/* A copy of @count items of @size at @src, taken under the lock. */
static int spool_snapshot(const void *src, size_t count, size_t size,
			  void **out, size_t *n, struct err *e)
{
	void *v = NULL;
	int r = 0;

	if (count && !(v = calloc(count, size)))
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	if (r == 0) {
		if (v)
			memcpy(v, src, count * size);
		*out = v;
		*n = count;
	}
	return r;
}

int spool_scans_cut(struct spool *s, struct spool_scan_info **out, size_t *n,
		    struct err *e)
{
	void *v;
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_snapshot(s->scans, s->n_scans, sizeof(*s->scans), &v, n, e);
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*out = v;
	return r;
}

int spool_orphans(struct spool *s, struct spool_orphan **out, size_t *n,
		  struct err *e)
{
	void *v;
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_snapshot(s->orphans, s->n_orphans, sizeof(*s->orphans), &v,
			   n, e);
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*out = v;
	return r;
}
