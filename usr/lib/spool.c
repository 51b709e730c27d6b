// SPDX-License-Identifier: GPL-2.0
/*
 * spool: durable per-user document spool (see spool.h and
 * Documentation/spool.rst for the layout and the crash table).
 *
 * Every path is opened relative to the root directory's fd, so the root
 * can be renamed under us without sending writes elsewhere, and names are
 * built only from a numeric uid and a validated hex id: nothing a user
 * sends ever becomes part of a path. The in-memory index holds a summary
 * per entry (enough for limits, listing and scheduling); the ticket on
 * disk stays the truth and is read on demand.
 *
 * Cleanup style: early returns before anything is acquired, then one
 * "goto out"-style exit per function that owns a resource.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "durable.h"
#include "spool.h"

#define SPOOL_REL_MAX 96	/* "<uid>/orphans/<id>.json.<time>" fits */

struct spool_user {
	uid_t uid;
	struct spool_info *ent;		/* unsorted; sorted on listing */
	size_t n, cap;
	uint64_t bytes;
};

struct spool {
	pthread_mutex_t lock;		/* guards users[] and the files */
	char root[SPOOL_PATH_MAX];	/* absolute, for temp paths */
	int root_fd;			/* also holds the flock */
	struct spool_limits lim;
	struct spool_user *users;	/* sorted by uid */
	size_t n_users, cap_users;
	struct spool_scan_info *scans;	/* cut scans found by recovery */
	size_t n_scans, cap_scans;
	struct spool_orphan *orphans;	/* files recovery moved aside */
	size_t n_orphans, cap_orphans;
};

/* ---- limits ---------------------------------------------------------- */

void spool_limits_default(struct spool_limits *l)
{
	l->max_bytes_per_user = 1024ULL * 1024 * 1024;
	l->max_entries_per_user = 100;
	l->min_free_bytes = 64ULL * 1024 * 1024;
}

int spool_limits_set(struct spool_limits *l, const char *key,
		     const char *value, struct err *e)
{
	bool entries, bytes, free_bytes;
	unsigned long long v;
	char *end;

	if (strncmp(key, "spool_", 6) == 0)
		key += 6;
	entries = strcmp(key, "max_entries_per_user") == 0;
	bytes = strcmp(key, "max_bytes_per_user") == 0;
	free_bytes = strcmp(key, "min_free_bytes") == 0;
	if (!entries && !bytes && !free_bytes)
		return -ENOENT;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' ||
	    (entries && v > UINT32_MAX))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "spool: %s = \"%.64s\" is not a valid number",
			       key, value);
	if (entries)
		l->max_entries_per_user = (uint32_t)v;
	else if (bytes)
		l->max_bytes_per_user = v;
	else
		l->min_free_bytes = v;
	return 0;
}

/* ---- names and small helpers ------------------------------------------ */

bool spool_id_valid(const char *id)
{
	if (!id)
		return false;
	for (int i = 0; i < SPOOL_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[SPOOL_ID_LEN] == '\0';
}

static int spool_id_new(char *id, struct err *e)
{
	unsigned char raw[SPOOL_ID_LEN / 2];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return err_set(e, ERR_LOCAL, errno, errno ? errno : EIO,
			       "spool: no random bytes for an entry id");
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 15];
	}
	id[SPOOL_ID_LEN] = '\0';
	return 0;
}

/* "<uid>/<sub><id><ext>" relative to the root; always fits. */
static void spool_rel(char *rel, uid_t uid, const char *sub, const char *id,
		      const char *ext)
{
	snprintf(rel, SPOOL_REL_MAX, "%u/%s%s%s", (unsigned int)uid, sub, id, ext);
}

static void spool_fmt_size(char *buf, size_t len, uint64_t b)
{
	if (b >= 1024ULL * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%" PRIu64 " bytes", b);
}

static int spool_bad_id(const char *id, struct err *e)
{
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "spool: \"%.40s\" is not a spool entry id", id ? id : "");
}

static int spool_no_entry(uid_t uid, const char *id, struct err *e)
{
	return err_set(e, ERR_NOT_FOUND, ENOENT, ENOENT,
		       "spool: user %u has no spooled document %s",
		       (unsigned int)uid, id);
}

static void spool_sync_dir(struct spool *s, const char *rel)
{
	int fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* The rename is done; a failed directory sync can only lose it in a
	 * crash, which recovery handles. Say so instead of failing. */
	if (fd < 0 || fsync(fd) < 0)
		log_errno(LOG_ERR, errno, "spool: syncing %s/%s", s->root, rel);
	if (fd >= 0)
		close(fd);
}

/* ---- the in-memory index ------------------------------------------- */

static struct spool_user *spool_user_find(struct spool *s, uid_t uid)
{
	size_t lo = 0, hi = s->n_users;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->users[mid].uid == uid)
			return &s->users[mid];
		if (s->users[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Find or insert @uid's record; NULL when out of memory. */
static struct spool_user *spool_user_get(struct spool *s, uid_t uid)
{
	struct spool_user *u = spool_user_find(s, uid);
	size_t at = 0;

	if (u)
		return u;
	if (s->n_users == s->cap_users) {
		size_t cap = s->cap_users ? s->cap_users * 2 : 16;
		struct spool_user *nu = reallocarray(s->users, cap, sizeof(*nu));

		if (!nu)
			return NULL;
		s->users = nu;
		s->cap_users = cap;
	}
	while (at < s->n_users && s->users[at].uid < uid)
		at++;
	memmove(&s->users[at + 1], &s->users[at],
		(s->n_users - at) * sizeof(s->users[0]));
	memset(&s->users[at], 0, sizeof(s->users[0]));
	s->users[at].uid = uid;
	s->n_users++;
	return &s->users[at];
}

/* Make room for one more entry of @uid, so that adding cannot fail. */
static int spool_index_reserve(struct spool *s, uid_t uid)
{
	struct spool_user *u = spool_user_get(s, uid);
	struct spool_info *ne;
	size_t cap;

	if (!u)
		return -ENOMEM;
	if (u->n < u->cap)
		return 0;
	cap = u->cap ? u->cap * 2 : 8;
	ne = reallocarray(u->ent, cap, sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	u->ent = ne;
	u->cap = cap;
	return 0;
}

static void spool_info_from_ticket(struct spool_info *inf, uid_t uid,
				   const char *id, const struct ticket *t)
{
	memset(inf, 0, sizeof(*inf));
	inf->uid = uid;
	memcpy(inf->id, id, SPOOL_ID_MAX);
	inf->created = t->created;
	inf->size = t->size;
	inf->state = t->state;
	inf->retries_left = t->retries_left;
	inf->next_retry = t->next_retry;
}

/* Add after spool_index_reserve() succeeded. */
static void spool_index_add(struct spool *s, uid_t uid, const char *id,
			    const struct ticket *t)
{
	struct spool_user *u = spool_user_find(s, uid);

	spool_info_from_ticket(&u->ent[u->n++], uid, id, t);
	u->bytes += t->size;
}

static struct spool_info *spool_index_find(struct spool *s, uid_t uid,
					   const char *id)
{
	struct spool_user *u = spool_user_find(s, uid);

	for (size_t i = 0; u && i < u->n; i++)
		if (strcmp(u->ent[i].id, id) == 0)
			return &u->ent[i];
	return NULL;
}

static void spool_index_del(struct spool *s, uid_t uid, const char *id)
{
	struct spool_user *u = spool_user_find(s, uid);
	struct spool_info *inf = spool_index_find(s, uid, id);

	if (!u || !inf)
		return;
	u->bytes -= inf->size;
	*inf = u->ent[--u->n];
}

/* ---- files ------------------------------------------------------------ */

int spool_sha256_fd(int fd, char *hex, uint64_t *size, struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	uint64_t total = 0;
	ssize_t n = 0;
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (ok && (n = pread(fd, buf, sizeof(buf), (off_t)total)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n);
		total += n > 0 ? (uint64_t)n : 0;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return err_set(e, ERR_LOCAL, n < 0 ? errno : EIO,
			       n < 0 ? errno : EIO,
			       "spool: computing the document's sha256 failed");
	for (unsigned int i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * mdlen] = '\0';
	if (size)
		*size = total;
	return 0;
}

/* Read and parse the ticket at @rel (relative to the root). */
static int spool_read_ticket(struct spool *s, const char *rel,
			     struct ticket *t, struct err *e)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n = 0;
	int fd, r;

	fd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			       rel, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = err_set(e, ERR_LOCAL, EINVAL, EINVAL, "spool: %s is not a file", rel);
		goto out;
	}
	if (st.st_size > TICKET_JSON_MAX) {
		r = err_set(e, ERR_INVALID, EFBIG, EINVAL,
			    "spool: %s: ticket is too large (%lld bytes)", rel,
			    (long long)st.st_size);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf)
		n = pread(fd, buf, (size_t)st.st_size, 0);
	if (!buf || n != st.st_size) {
		r = err_set(e, ERR_LOCAL, EIO, EIO, "spool: reading %s failed", rel);
		goto out;
	}
	r = ticket_from_json(buf, (size_t)n, t, e);
	if (r < 0)
		err_prefix(e, "spool: %s", rel);
out:
	free(buf);
	close(fd);
	return r;
}

/* Durably write @t to @rel (O_EXCL, 0600, fsync); a stale file there is
 * a crashed write of ours (we are the only writer) and is replaced. */
static int spool_write_ticket_at(struct spool *s, const char *rel,
				 const struct ticket *t, struct err *e)
{
	size_t len;
	char *json;
	int fd, r;

	r = ticket_to_json(t, &json, &len, e);
	if (r < 0)
		return r;
	(void)unlinkat(s->root_fd, rel, 0);
	fd = openat(s->root_fd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
	r = fd < 0 ? -errno : durable_write_all(fd, json, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(json);
	if (r < 0) {
		if (fd >= 0)
			(void)unlinkat(s->root_fd, rel, 0);
		return err_set(e, ERR_LOCAL, -r, -r, "spool: writing ticket %s: %s",
			       rel, strerror(-r));
	}
	return 0;
}

/* Durably write @t to <uid>/tmp/<id>.json. */
static int spool_write_ticket(struct spool *s, uid_t uid, const char *id,
			      const struct ticket *t, struct err *e)
{
	char rel[SPOOL_REL_MAX];

	spool_rel(rel, uid, "tmp/", id, ".json");
	return spool_write_ticket_at(s, rel, t, e);
}

/* Rename <uid>/tmp/<id>.json over <uid>/<id>.json and sync: the commit. */
static int spool_install_ticket(struct spool *s, uid_t uid, const char *id,
				struct err *e)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], dir[SPOOL_REL_MAX];

	spool_rel(from, uid, "tmp/", id, ".json");
	spool_rel(to, uid, "", id, ".json");
	if (renameat(s->root_fd, from, s->root_fd, to) < 0) {
		int r = err_set(e, ERR_LOCAL, errno, errno, "spool: installing %s: %s",
				to, strerror(errno));

		(void)unlinkat(s->root_fd, from, 0);
		return r;
	}
	snprintf(dir, sizeof(dir), "%u", (unsigned int)uid);
	spool_sync_dir(s, dir);
	return 0;
}

/* mkdir @rel 0700 if missing; force root ownership and 0700 on it. */
static int spool_mkdir(struct spool *s, const char *rel, struct err *e)
{
	char parent[SPOOL_REL_MAX];
	const char *slash;
	int fd;

	if (mkdirat(s->root_fd, rel, 0700) == 0) {
		/* A new directory's own name must be durable before any
		 * entry committed inside it can be. */
		slash = strrchr(rel, '/');
		snprintf(parent, sizeof(parent), "%.*s",
			 slash ? (int)(slash - rel) : 1, slash ? rel : ".");
		spool_sync_dir(s, parent);
	} else if (errno != EEXIST) {
		return err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s/%s: %s",
			       s->root, rel, strerror(errno));
	}
	fd = openat(s->root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s/%s: %s",
			       s->root, rel, strerror(errno));
	/* Only root can give files to root; an unprivileged spool (tests,
	 * benchmark) keeps its owner but still gets the mode. */
	if ((geteuid() == 0 && fchown(fd, 0, 0) < 0) || fchmod(fd, 0700) < 0) {
		int r = err_set(e, ERR_LOCAL, errno, errno, "spool: securing %s/%s: %s",
				s->root, rel, strerror(errno));

		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

static int spool_user_dirs(struct spool *s, uid_t uid, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r;

	snprintf(rel, sizeof(rel), "%u", (unsigned int)uid);
	r = spool_mkdir(s, rel, e);
	if (r == 0) {
		snprintf(rel, sizeof(rel), "%u/tmp", (unsigned int)uid);
		r = spool_mkdir(s, rel, e);
	}
	return r;
}

/* ---- scans in progress: names ------------------------------------------ */

/* "<uid>/<id>.scan" or "<uid>/<id>.scan/<name>"; always fits. */
static void spool_scan_rel(char *rel, size_t len, uid_t uid, const char *id,
			   const char *name)
{
	snprintf(rel, len, "%u/%s%s%s%s", (unsigned int)uid, id, SPOOL_SCAN_EXT,
		 name ? "/" : "", name ? name : "");
}

/* "0017.page" (committed) or "0017.part" (being written). */
static void spool_page_name(char *name, size_t len, uint32_t page,
			    bool committed)
{
	snprintf(name, len, "%04u.%s", page, committed ? "page" : "part");
}

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

/* ---- recovery --------------------------------------------------------- */

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

static bool spool_exists(struct spool *s, const char *rel, struct stat *st)
{
	struct stat tmp;

	return fstatat(s->root_fd, rel, st ? st : &tmp, AT_SYMLINK_NOFOLLOW) == 0;
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

/*
 * Delete scan directory <uid>/<id>.scan/: its ticket first (the commit
 * point: a scan without a ticket is being removed), then the rest. Only
 * when its pages are in entries, or the owner cancelled the scan.
 */
static int spool_scan_remove(struct spool *s, uid_t uid, const char *id,
			     struct err *e)
{
	char rel[SPOOL_REL_MAX], dir[SPOOL_REL_MAX], file[SPOOL_REL_MAX + NAME_MAX + 2];
	struct dirent **list;
	int n;

	spool_scan_rel(dir, sizeof(dir), uid, id, NULL);
	spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
	if (unlinkat(s->root_fd, rel, 0) < 0 && errno != ENOENT)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
			       rel, strerror(errno));
	spool_sync_dir(s, dir);
	n = scandirat(s->root_fd, dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, list[i]->d_name);
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, ".."))
			(void)unlinkat(s->root_fd, file, 0);
		free(list[i]);
	}
	if (n > 0)
		free(list);
	if (unlinkat(s->root_fd, dir, AT_REMOVEDIR) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
			       dir, strerror(errno));
	snprintf(rel, sizeof(rel), "%u", (unsigned int)uid);
	spool_sync_dir(s, rel);
	return 0;
}

/* Committed pages of a scan: 0001.page, 0002.page, ... without a gap. */
static uint32_t spool_scan_count(struct spool *s, uid_t uid, const char *id)
{
	char rel[SPOOL_REL_MAX], name[32];
	uint32_t pages = 0;

	for (;;) {
		spool_page_name(name, sizeof(name), pages + 1, true);
		spool_scan_rel(rel, sizeof(rel), uid, id, name);
		if (!spool_exists(s, rel, NULL))
			return pages;
		pages++;
	}
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
static void spool_keep_tmp(struct spool *s, uid_t uid,
			   struct spool_recovery *rep)
{
	char dir[SPOOL_REL_MAX], rel[SPOOL_REL_MAX + NAME_MAX + 2];
	char why[96];
	struct dirent **list;
	size_t kept = 0;
	struct stat st;
	int n;

	snprintf(dir, sizeof(dir), "%u/tmp", (unsigned int)uid);
	n = scandirat(s->root_fd, dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		snprintf(rel, sizeof(rel), "%s/%s", dir, name);
		if (strcmp(name, ".") && strcmp(name, "..") &&
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
	if (kept > 0)
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

static int spool_recover(struct spool *s, struct spool_recovery *rep,
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

/* ---- open / close ----------------------------------------------------- */

static int spool_open_root(struct spool *s, const char *root, struct err *e)
{
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
			       root, strerror(errno));
	if (!realpath(root, s->root))
		return err_set(e, ERR_LOCAL, errno, errno, "spool: resolving %s: %s",
			       root, strerror(errno));
	s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			       s->root, strerror(errno));
	if (flock(s->root_fd, LOCK_EX | LOCK_NB) < 0)
		return err_set(e, ERR_LOCAL, errno, errno,
			       "spool: %s is in use by another process (is another mfpscand running?)",
			       s->root);
	return 0;
}

int spool_open(const char *root, const struct spool_limits *limits,
	       struct spool **out, struct spool_recovery *rep, struct err *e)
{
	struct spool_recovery scratch;
	struct spool *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	s->root_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->lim = *limits;
	memset(&scratch, 0, sizeof(scratch));
	r = spool_open_root(s, root, e);
	if (r == 0)
		r = spool_recover(s, &scratch, e);
	if (r < 0) {
		spool_close(s);
		return r;
	}
	log_msg(LOG_INFO, "spool: %s: %zu entries of %zu users recovered (%zu commits completed, %zu removals completed, %zu cut scans, %zu tmp/ files and %zu in all moved to orphans)",
		s->root, scratch.entries, scratch.users, scratch.rolled_forward,
		scratch.removals_finished, scratch.scans_cut,
		scratch.temp_orphaned, scratch.orphaned);
	if (rep)
		*rep = scratch;
	*out = s;
	return 0;
}

struct spool *spool_close(struct spool *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_users; i++)
		free(s->users[i].ent);
	free(s->users);
	free(s->scans);
	free(s->orphans);
	if (s->root_fd >= 0)
		close(s->root_fd);	/* drops the flock */
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

/* ---- admission -------------------------------------------------------- */

static int spool_check_user(struct spool *s, uid_t uid, uint64_t expected,
			    struct err *e)
{
	struct spool_user *u = spool_user_find(s, uid);
	size_t count = u ? u->n : 0;
	uint64_t bytes = u ? u->bytes : 0;
	char have[32], lim[32];

	if (count < s->lim.max_entries_per_user &&
	    expected <= s->lim.max_bytes_per_user &&
	    bytes <= s->lim.max_bytes_per_user - expected)
		return 0;
	spool_fmt_size(have, sizeof(have), bytes);
	spool_fmt_size(lim, sizeof(lim), s->lim.max_bytes_per_user);
	if (expected > s->lim.max_bytes_per_user) {
		char want[32];

		spool_fmt_size(want, sizeof(want), expected);
		return err_set(e, ERR_LOCAL, EDQUOT, EDQUOT,
			       "this scan may need up to %s, more than the scanner can keep for you if its upload fails (limit %s). Scan fewer pages or a lower resolution.",
			       want, lim);
	}
	return err_set(e, ERR_LOCAL, EDQUOT, EDQUOT,
		       "your spool is full: %zu document%s, %s waiting (limit %u documents, %s). Discard or export old documents with \"mfpscanctl spool\" and scan again.",
		       count, count == 1 ? "" : "s", have,
		       s->lim.max_entries_per_user, lim);
}

static int spool_check_disk(struct spool *s, uint64_t expected, struct err *e)
{
	struct statvfs sv;
	uint64_t avail, need;
	char have[32], want[32];

	if (fstatvfs(s->root_fd, &sv) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: checking free space of %s: %s",
			       s->root, strerror(errno));
	if (__builtin_mul_overflow((uint64_t)sv.f_bavail, (uint64_t)sv.f_frsize, &avail))
		avail = UINT64_MAX;
	if (__builtin_add_overflow(expected, s->lim.min_free_bytes, &need))
		need = UINT64_MAX;
	if (avail >= need)
		return 0;
	spool_fmt_size(have, sizeof(have), avail);
	spool_fmt_size(want, sizeof(want), need);
	return err_set(e, ERR_LOCAL, ENOSPC, ENOSPC,
		       "the scanner's spool disk is nearly full (%s free, %s needed to keep a document safe if its upload fails); ask the administrator to free space in %s",
		       have, want, s->root);
}

int spool_reserve(struct spool *s, uid_t uid, uint64_t expected_bytes,
		  struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_check_user(s, uid, expected_bytes, e);
	if (r == 0)
		r = spool_check_disk(s, expected_bytes, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* ---- temp files ------------------------------------------------------- */

static int spool_do_create_temp(struct spool *s, uid_t uid, int *fd,
				char *path, size_t path_len, struct err *e)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	int r, tfd = -1, n;

	r = spool_user_dirs(s, uid, e);
	for (int tries = 0; r == 0 && tfd < 0 && tries < 3; tries++) {
		r = spool_id_new(id, e);
		if (r < 0)
			break;
		spool_rel(rel, uid, "tmp/", id, ".doc");
		n = snprintf(path, path_len, "%s/%s", s->root, rel);
		if (n < 0 || (size_t)n >= path_len)
			return err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
				       "spool: temp path does not fit in %zu bytes", path_len);
		tfd = openat(s->root_fd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
		if (tfd < 0 && errno != EEXIST)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
				    path, strerror(errno));
	}
	if (r == 0 && tfd < 0)
		r = err_set(e, ERR_LOCAL, EEXIST, EEXIST, "spool: no free temp name");
	if (r == 0)
		*fd = tfd;
	return r;
}

int spool_create_temp(struct spool *s, uid_t uid, int *fd, char *path,
		      size_t path_len, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_do_create_temp(s, uid, fd, path, path_len, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* The id of @path if it is "<root>/<uid>/tmp/<id>.doc", else -EINVAL. */
static int spool_tmp_id(struct spool *s, uid_t uid, const char *path,
			char *id, struct err *e)
{
	char prefix[SPOOL_PATH_MAX + 32];
	size_t plen;
	int n;

	n = snprintf(prefix, sizeof(prefix), "%s/%u/tmp/", s->root, (unsigned int)uid);
	plen = n > 0 ? (size_t)n : 0;
	if (!path || plen == 0 || plen >= sizeof(prefix) ||
	    strncmp(path, prefix, plen) != 0 ||
	    strnlen(path + plen, SPOOL_ID_LEN + 5) != SPOOL_ID_LEN + 4 ||
	    strcmp(path + plen + SPOOL_ID_LEN, ".doc") != 0)
		goto bad;
	memcpy(id, path + plen, SPOOL_ID_LEN);
	id[SPOOL_ID_LEN] = '\0';
	if (spool_id_valid(id))
		return 0;
bad:
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "spool: %.200s is not a temp file of user %u",
		       path ? path : "(null)", (unsigned int)uid);
}

int spool_discard_temp(struct spool *s, uid_t uid, const char *path,
		       struct err *e)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_tmp_id(s, uid, path, id, e);
	if (r == 0) {
		spool_rel(rel, uid, "tmp/", id, ".doc");
		if (unlinkat(s->root_fd, rel, 0) < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
				    path, strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* ---- commit, update, remove ------------------------------------------ */

/* Sync the temp document and complete @nt from it (owner, size, sha). */
static int spool_seal_doc(struct spool *s, uid_t uid, const char *id,
			  struct ticket *nt, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	struct stat st;
	int fd, r = 0;

	spool_rel(rel, uid, "tmp/", id, ".doc");
	fd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			       rel, strerror(errno));
	if (fsync(fd) < 0 || fstat(fd, &st) < 0)
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: syncing %s: %s",
			    rel, strerror(errno));
	if (r == 0 && nt->sha256[0] == '\0')
		r = spool_sha256_fd(fd, nt->sha256, NULL, e);
	close(fd);
	if (r == 0) {
		nt->owner_uid = (uint32_t)uid;
		nt->size = (uint64_t)st.st_size;
	}
	return r;
}

/*
 * The short part of a commit, under the lock: the index slot, the
 * document's rename into place, the ticket's (the commit point).
 */
static int spool_do_commit(struct spool *s, uid_t uid, const char *id,
			   const struct ticket *nt, struct err *e)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX];
	bool moved = false;
	int r;

	spool_rel(from, uid, "tmp/", id, ".doc");
	spool_rel(to, uid, "", id, ".doc");
	if (spool_index_reserve(s, uid) < 0) {
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	} else if (renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE) < 0) {
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: moving %s into place: %s",
			    from, strerror(errno));
	} else {
		moved = true;
		r = spool_install_ticket(s, uid, id, e);
	}
	if (r < 0 && moved)
		(void)renameat(s->root_fd, to, s->root_fd, from);
	if (r < 0) {
		spool_rel(from, uid, "tmp/", id, ".json");
		(void)unlinkat(s->root_fd, from, 0);
		return r;
	}
	spool_index_add(s, uid, id, nt);
	return 0;
}

/*
 * The long part of a commit (fsync and SHA-256 of the whole document, the
 * ticket written and synced) touches only the caller's own temp files, so
 * it runs without the lock: the main thread's lookups, listings, updates
 * and removals never wait for a big document (spool.rst, "Locking").
 */
int spool_commit(struct spool *s, uid_t uid, const char *tmp_path,
		 struct ticket *t, char *id_out, struct err *e)
{
	char id[SPOOL_ID_MAX];
	struct ticket nt = *t;
	int r;

	r = spool_tmp_id(s, uid, tmp_path, id, e);
	if (r == 0)
		r = spool_seal_doc(s, uid, id, &nt, e);
	if (r == 0)
		r = spool_write_ticket(s, uid, id, &nt, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	r = spool_do_commit(s, uid, id, &nt, e);
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		return r;
	*t = nt;
	memcpy(id_out, id, SPOOL_ID_MAX);
	return 0;
}

/* Look up (@uid, @id) after checking the id; NULL with @e set. */
static struct spool_info *spool_lookup(struct spool *s, uid_t uid,
				       const char *id, struct err *e)
{
	struct spool_info *inf;

	if (!spool_id_valid(id)) {
		spool_bad_id(id, e);
		return NULL;
	}
	inf = spool_index_find(s, uid, id);
	if (!inf)
		spool_no_entry(uid, id, e);
	return inf;
}

static int spool_do_update(struct spool *s, uid_t uid, const char *id,
			   const struct ticket *t, struct err *e)
{
	struct spool_info *inf = spool_lookup(s, uid, id, e);
	int r;

	if (!inf)
		return spool_id_valid(id) ? -ENOENT : -EINVAL;
	if (t->owner_uid != uid || t->size != inf->size)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "spool: update of %s would change its owner or size", id);
	r = spool_write_ticket(s, uid, id, t, e);
	if (r == 0)
		r = spool_install_ticket(s, uid, id, e);
	if (r == 0)
		spool_info_from_ticket(inf, uid, id, t);
	return r;
}

int spool_update(struct spool *s, uid_t uid, const char *id,
		 const struct ticket *t, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_do_update(s, uid, id, t, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

static int spool_do_remove(struct spool *s, uid_t uid, const char *id,
			   struct err *e)
{
	char json[SPOOL_REL_MAX], del[SPOOL_REL_MAX], doc[SPOOL_REL_MAX];
	char dir[SPOOL_REL_MAX];

	if (!spool_lookup(s, uid, id, e))
		return spool_id_valid(id) ? -ENOENT : -EINVAL;
	spool_rel(json, uid, "", id, ".json");
	spool_rel(del, uid, "", id, ".del");
	spool_rel(doc, uid, "", id, ".doc");
	/* The tombstone rename is the commit point of a removal. */
	if (renameat(s->root_fd, json, s->root_fd, del) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: removing %s: %s",
			       json, strerror(errno));
	snprintf(dir, sizeof(dir), "%u", (unsigned int)uid);
	spool_sync_dir(s, dir);
	spool_index_del(s, uid, id);
	if (unlinkat(s->root_fd, doc, 0) < 0 || unlinkat(s->root_fd, del, 0) < 0)
		log_errno(LOG_ERR, errno, "spool: user %u: entry %s: removal left files, finished at next start",
			  (unsigned int)uid, id);
	return 0;
}

int spool_remove(struct spool *s, uid_t uid, const char *id, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_do_remove(s, uid, id, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}


/* ---- scans in progress ---------------------------------------------------- */

static int spool_scan_check(struct spool *s, uid_t uid, const char *id,
			    struct err *e)
{
	char rel[SPOOL_REL_MAX];

	if (!spool_id_valid(id))
		return spool_bad_id(id, e);
	spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
	if (!spool_exists(s, rel, NULL))
		return err_set(e, ERR_NOT_FOUND, ENOENT, ENOENT,
			       "spool: user %u has no scan %s", (unsigned int)uid, id);
	return 0;
}

/* Write the scan's ticket: ticket.tmp, fsync, rename, fsync the scan dir. */
static int spool_scan_write(struct spool *s, uid_t uid, const char *id,
			    const struct ticket *t, struct err *e)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], dir[SPOOL_REL_MAX];
	int r;

	spool_scan_rel(from, sizeof(from), uid, id, "ticket.tmp");
	spool_scan_rel(to, sizeof(to), uid, id, "ticket.json");
	r = spool_write_ticket_at(s, from, t, e);
	if (r < 0)
		return r;
	if (renameat(s->root_fd, from, s->root_fd, to) < 0) {
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: installing %s: %s",
			    to, strerror(errno));
		(void)unlinkat(s->root_fd, from, 0);
		return r;
	}
	spool_scan_rel(dir, sizeof(dir), uid, id, NULL);
	spool_sync_dir(s, dir);
	return 0;
}

static int spool_do_scan_begin(struct spool *s, uid_t uid, const struct ticket *t,
			       char *id_out, struct err *e)
{
	char id[SPOOL_ID_MAX], rel[SPOOL_REL_MAX];
	struct ticket nt = *t;
	int r;

	nt.owner_uid = (uint32_t)uid;
	r = spool_user_dirs(s, uid, e);
	if (r == 0)
		r = spool_id_new(id, e);
	if (r < 0)
		return r;
	spool_scan_rel(rel, sizeof(rel), uid, id, NULL);
	/* spool_mkdir() makes the directory's name durable in <uid>/. */
	r = spool_mkdir(s, rel, e);
	if (r == 0)
		r = spool_scan_write(s, uid, id, &nt, e);
	if (r < 0) {
		(void)unlinkat(s->root_fd, rel, AT_REMOVEDIR);
		return r;
	}
	memcpy(id_out, id, SPOOL_ID_MAX);
	return 0;
}

int spool_scan_begin(struct spool *s, uid_t uid, const struct ticket *t,
		     char *id_out, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_do_scan_begin(s, uid, t, id_out, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_scan_update(struct spool *s, uid_t uid, const char *id,
		      const struct ticket *t, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0 && t->owner_uid != uid)
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "spool: scan %s: the ticket names owner %u, not %u",
			    id, t->owner_uid, (unsigned int)uid);
	if (r == 0)
		r = spool_scan_write(s, uid, id, t, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_scan_page_create(struct spool *s, uid_t uid, const char *id,
			   uint32_t page, int *fd, struct err *e)
{
	char rel[SPOOL_REL_MAX], name[32];
	int r, pfd = -1;

	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_page_name(name, sizeof(name), page, false);
		spool_scan_rel(rel, sizeof(rel), uid, id, name);
		pfd = openat(s->root_fd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
		if (pfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
				    rel, strerror(errno));
	}
	if (r == 0) {
		/* A page cut while it is written is then always found at the
		 * next start, kept in orphans/ and reported, never silently
		 * gone with an unsynced directory. */
		spool_scan_rel(rel, sizeof(rel), uid, id, NULL);
		spool_sync_dir(s, rel);
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*fd = pfd;
	return r;
}

/* Rename page @page of the scan from .part to .page (or delete the .part). */
static int spool_scan_page_finish(struct spool *s, uid_t uid, const char *id,
				  uint32_t page, bool keep, struct err *e)
{
	char from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], dir[SPOOL_REL_MAX], name[32];
	int r;

	spool_page_name(name, sizeof(name), page, false);
	spool_scan_rel(from, sizeof(from), uid, id, name);
	spool_page_name(name, sizeof(name), page, true);
	spool_scan_rel(to, sizeof(to), uid, id, name);
	r = keep ? renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE) :
		   unlinkat(s->root_fd, from, 0);
	if (r < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: %s %s: %s",
			       keep ? "committing" : "removing", from, strerror(errno));
	spool_scan_rel(dir, sizeof(dir), uid, id, NULL);
	if (keep)
		spool_sync_dir(s, dir);
	return 0;
}

int spool_scan_page_commit(struct spool *s, uid_t uid, const char *id,
			   uint32_t page, int fd, struct err *e)
{
	int r;

	/* The bytes first, outside the lock: other users' commits go on. */
	if (fsync(fd) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "spool: syncing page %u of scan %s: %s",
			       page, id, strerror(errno));
	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0)
		r = spool_scan_page_finish(s, uid, id, page, true, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_scan_page_discard(struct spool *s, uid_t uid, const char *id,
			    uint32_t page, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0)
		r = spool_scan_page_finish(s, uid, id, page, false, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_scan_page_open(struct spool *s, uid_t uid, const char *id,
			 uint32_t page, int *fd, struct err *e)
{
	char rel[SPOOL_REL_MAX], name[32];
	int r, pfd = -1;

	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_page_name(name, sizeof(name), page, true);
		spool_scan_rel(rel, sizeof(rel), uid, id, name);
		pfd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (pfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
				    rel, strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*fd = pfd;
	return r;
}

int spool_scan_get(struct spool *s, uid_t uid, const char *id,
		   struct ticket *t, uint32_t *pages, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_scan_rel(rel, sizeof(rel), uid, id, "ticket.json");
		r = spool_read_ticket(s, rel, t, e);
	}
	if (r == 0 && pages)
		*pages = spool_scan_count(s, uid, id);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_scan_create_doc(struct spool *s, uid_t uid, const char *id, int *fd,
			  char *path, size_t path_len, struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r, dfd = -1, n;

	pthread_mutex_lock(&s->lock);
	r = spool_scan_check(s, uid, id, e);
	if (r == 0) {
		spool_rel(rel, uid, "tmp/", id, ".doc");
		n = snprintf(path, path_len, "%s/%s", s->root, rel);
		if (n < 0 || (size_t)n >= path_len)
			r = err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
				    "spool: temp path does not fit in %zu bytes", path_len);
	}
	if (r == 0) {
		/* A leftover of an earlier attempt is ours: replace it. */
		(void)unlinkat(s->root_fd, rel, 0);
		dfd = openat(s->root_fd, rel, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
			     O_NOFOLLOW, 0600);
		if (dfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: creating %s: %s",
				    path, strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*fd = dfd;
	return r;
}

/* Page @page of scan @scan_id becomes entry @id_out (one-page formats). */
static int spool_do_scan_commit_page(struct spool *s, uid_t uid,
				     const char *scan_id, uint32_t page,
				     struct ticket *t, char *id_out, struct err *e)
{
	char id[SPOOL_ID_MAX], from[SPOOL_REL_MAX], to[SPOOL_REL_MAX], name[32];
	struct ticket nt = *t;
	struct stat st;
	int r, fd;

	r = spool_scan_check(s, uid, scan_id, e);
	if (r == 0 && spool_index_reserve(s, uid) < 0)
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	if (r == 0)
		r = spool_id_new(id, e);
	if (r < 0)
		return r;
	spool_page_name(name, sizeof(name), page, true);
	spool_scan_rel(from, sizeof(from), uid, scan_id, name);
	fd = openat(s->root_fd, from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0)
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
			    from, strerror(errno));
	if (r == 0 && nt.sha256[0] == '\0')
		r = spool_sha256_fd(fd, nt.sha256, NULL, e);
	if (fd >= 0)
		close(fd);
	if (r == 0) {
		nt.owner_uid = (uint32_t)uid;
		nt.size = (uint64_t)st.st_size;
		r = spool_write_ticket(s, uid, id, &nt, e);
	}
	if (r < 0)
		return r;
	/* From here the protocol is spool_commit()'s, and so is recovery. */
	spool_rel(to, uid, "", id, ".doc");
	if (renameat2(s->root_fd, from, s->root_fd, to, RENAME_NOREPLACE) < 0) {
		r = err_set(e, ERR_LOCAL, errno, errno, "spool: moving %s into place: %s",
			    from, strerror(errno));
		spool_rel(from, uid, "tmp/", id, ".json");
		(void)unlinkat(s->root_fd, from, 0);
		return r;
	}
	r = spool_install_ticket(s, uid, id, e);
	if (r < 0) {
		(void)renameat(s->root_fd, to, s->root_fd, from);
		return r;
	}
	spool_scan_rel(from, sizeof(from), uid, scan_id, NULL);
	spool_sync_dir(s, from);
	spool_index_add(s, uid, id, &nt);
	*t = nt;
	memcpy(id_out, id, SPOOL_ID_MAX);
	return 0;
}

int spool_scan_commit_page(struct spool *s, uid_t uid, const char *scan_id,
			   uint32_t page, struct ticket *t, char *id_out,
			   struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_do_scan_commit_page(s, uid, scan_id, page, t, id_out, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_scan_end(struct spool *s, uid_t uid, const char *id, struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_id_valid(id) ? spool_scan_remove(s, uid, id, e) : spool_bad_id(id, e);
	for (size_t i = 0; r == 0 && i < s->n_scans; i++) {
		if (s->scans[i].uid == uid && !strcmp(s->scans[i].id, id)) {
			s->scans[i] = s->scans[--s->n_scans];
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
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

/* ---- reading ----------------------------------------------------------- */

int spool_get(struct spool *s, uid_t uid, const char *id, struct ticket *out,
	      struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r;

	pthread_mutex_lock(&s->lock);
	if (!spool_lookup(s, uid, id, e)) {
		r = spool_id_valid(id) ? -ENOENT : -EINVAL;
	} else {
		spool_rel(rel, uid, "", id, ".json");
		r = spool_read_ticket(s, rel, out, e);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_open_document(struct spool *s, uid_t uid, const char *id, int *fd,
			struct err *e)
{
	char rel[SPOOL_REL_MAX];
	int r = 0, dfd = -1;

	pthread_mutex_lock(&s->lock);
	if (!spool_lookup(s, uid, id, e)) {
		r = spool_id_valid(id) ? -ENOENT : -EINVAL;
	} else {
		spool_rel(rel, uid, "", id, ".doc");
		dfd = openat(s->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (dfd < 0)
			r = err_set(e, ERR_LOCAL, errno, errno, "spool: opening %s: %s",
				    rel, strerror(errno));
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0)
		*fd = dfd;
	return r;
}

int spool_verify(struct spool *s, uid_t uid, const char *id, struct err *e)
{
	char hex[TICKET_SHA256_LEN + 1];
	struct ticket t;
	uint64_t size;
	int fd, r;

	r = spool_get(s, uid, id, &t, e);
	if (r == 0)
		r = spool_open_document(s, uid, id, &fd, e);
	if (r < 0)
		return r;
	r = spool_sha256_fd(fd, hex, &size, e);
	close(fd);
	if (r == 0 && (size != t.size || strcmp(hex, t.sha256) != 0))
		r = err_set(e, ERR_LOCAL, EIO, EIO,
			    "spool: document %s is damaged: %" PRIu64 " bytes with sha256 %s, the ticket says %" PRIu64 " bytes with sha256 %s",
			    id, size, hex, t.size, t.sha256[0] ? t.sha256 : "(none)");
	return r;
}

static int spool_info_cmp(const void *a, const void *b)
{
	const struct spool_info *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Copy the entries of users [@from, @to) into a sorted malloc'd array. */
static int spool_collect(struct spool *s, size_t from, size_t to,
			 struct spool_info **out, size_t *n, struct err *e)
{
	struct spool_info *v = NULL;
	size_t total = 0, k = 0;

	for (size_t i = from; i < to; i++)
		total += s->users[i].n;
	if (total > 0 && !(v = calloc(total, sizeof(*v))))
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "spool: out of memory");
	for (size_t i = from; i < to; i++) {
		memcpy(&v[k], s->users[i].ent, s->users[i].n * sizeof(*v));
		k += s->users[i].n;
	}
	if (total > 1)
		qsort(v, total, sizeof(*v), spool_info_cmp);
	*out = v;
	*n = total;
	return 0;
}

int spool_list(struct spool *s, uid_t uid, struct spool_info **out, size_t *n,
	       struct err *e)
{
	struct spool_user *u;
	size_t at;
	int r;

	pthread_mutex_lock(&s->lock);
	u = spool_user_find(s, uid);
	at = u ? (size_t)(u - s->users) : 0;
	r = spool_collect(s, at, u ? at + 1 : at, out, n, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_list_all(struct spool *s, struct spool_info **out, size_t *n,
		   struct err *e)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = spool_collect(s, 0, s->n_users, out, n, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int spool_info_get(struct spool *s, uid_t uid, const char *id,
		   struct spool_info *out)
{
	struct spool_info *inf;

	pthread_mutex_lock(&s->lock);
	inf = spool_id_valid(id) ? spool_index_find(s, uid, id) : NULL;
	if (inf)
		*out = *inf;
	pthread_mutex_unlock(&s->lock);
	return inf ? 0 : -ENOENT;
}

void spool_usage(struct spool *s, uid_t uid, size_t *count, uint64_t *bytes)
{
	struct spool_user *u;

	pthread_mutex_lock(&s->lock);
	u = spool_user_find(s, uid);
	*count = u ? u->n : 0;
	*bytes = u ? u->bytes : 0;
	pthread_mutex_unlock(&s->lock);
}
