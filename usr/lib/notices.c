// SPDX-License-Identifier: GPL-2.0
/*
 * notices: the per-user durable notices (see notices.h). Each operation
 * reads the user's one small file, changes it and replaces it durably:
 * notices are few (bounded) and rare (a cut scan, orphans, a discard).
 *
 *   {"version":1,"next-id":8,"notices":[{"id":7,"kind":"partial-kept",
 *    "time":1795953900,"text":"...","count":1}]}
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "notices.h"
#include "ticket.h"

#define NOTICES_FILE		"notices.json"
#define NOTICES_DIR		"notices"
#define NOTICES_FILE_MAX	(8 * 1024 * 1024)	/* escaped texts included */
#define NOTICES_REL_MAX		64

struct notices {
	char *root;			/* the spool directory, for messages */
	int root_fd;			/* -1 until the spool exists */
	unsigned int max;		/* per user */
	pthread_mutex_t lock;		/* guards the files */
};

/* One user's file in memory. */
struct nfile {
	struct notice *v;
	size_t n;
	uint64_t next_id;
};

static void nfile_clear(struct nfile *f)
{
	notices_free(f->v, f->n);
	memset(f, 0, sizeof(*f));
}

void notices_free(struct notice *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i].text);
	free(list);
}

/* The spool directory, opened the first time it is needed: the daemon
 * may create it after the notices are opened. */
static int root_open(struct notices *ns, struct err *e)
{
	if (ns->root_fd >= 0)
		return 0;
	ns->root_fd = open(ns->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ns->root_fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "notices: %s: %s",
			       ns->root, strerror(errno));
	return 0;
}

/* --- the file format ---------------------------------------------------- */

static int bad(struct notices *ns, uid_t uid, const char *what, struct err *e)
{
	return err_set(e, ERR_LOCAL, 0, EBADMSG, "notices: %s/%u/%s/%s: %s",
		       ns->root, (unsigned int)uid, NOTICES_DIR, NOTICES_FILE, what);
}

static bool get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int))
		return false;
	*v = (uint64_t)json_object_get_int64(x);
	return json_object_get_int64(x) >= 0;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, key, &x) ||
	    !json_object_is_type(x, json_type_string))
		return NULL;
	return json_object_get_string(x);
}

/* One notice of the array; false if malformed. */
static bool notice_from_json(struct json_object *o, struct notice *nt)
{
	const char *kind = get_str(o, "kind"), *text = get_str(o, "text");
	uint64_t t, count;

	if (!kind || !text || !get_u64(o, "id", &nt->id) ||
	    !get_u64(o, "time", &t) || !get_u64(o, "count", &count) ||
	    count == 0 || count > UINT32_MAX || strlen(kind) >= NOTICE_KIND_MAX)
		return false;
	snprintf(nt->kind, sizeof(nt->kind), "%s", kind);
	nt->time = (int64_t)t;
	nt->count = (uint32_t)count;
	nt->text = strdup(text);
	return nt->text != NULL;
}

static int nfile_parse(struct notices *ns, uid_t uid, const char *buf,
		       struct nfile *f, struct err *e)
{
	struct json_object *root = json_tokener_parse(buf), *arr;
	uint64_t ver = 0;
	size_t n;

	if (!root || !get_u64(root, "version", &ver) || ver != 1 ||
	    !get_u64(root, "next-id", &f->next_id) ||
	    !json_object_object_get_ex(root, "notices", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(root);
		return bad(ns, uid, "not a notices file of version 1", e);
	}
	n = json_object_array_length(arr);
	f->v = calloc(n ? n : 1, sizeof(*f->v));
	for (size_t i = 0; f->v && i < n; i++, f->n++)
		if (!notice_from_json(json_object_array_get_idx(arr, i), &f->v[i])) {
			json_object_put(root);
			nfile_clear(f);
			return bad(ns, uid, "a notice is malformed", e);
		}
	json_object_put(root);
	return f->v ? 0 : err_set(e, ERR_LOCAL, 0, ENOMEM, "notices: out of memory");
}

/* Read @uid's file into @f (empty when there is none). */
static int nfile_load(struct notices *ns, uid_t uid, struct nfile *f,
		      struct err *e)
{
	char rel[NOTICES_REL_MAX], *buf;
	struct stat st;
	ssize_t got;
	int fd, r;

	memset(f, 0, sizeof(*f));
	f->next_id = 1;
	r = root_open(ns, e);
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), "%u/%s/%s", (unsigned int)uid, NOTICES_DIR,
		 NOTICES_FILE);
	fd = openat(ns->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	r = fd < 0 || fstat(fd, &st) < 0 ? errno :
	    st.st_size > NOTICES_FILE_MAX ? EFBIG : 0;
	if (r) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_LOCAL, r, r, "notices: %s/%s: %s", ns->root,
			       rel, r == EFBIG ? "too large" : strerror(r));
	}
	buf = malloc((size_t)st.st_size + 1);
	got = buf ? pread(fd, buf, (size_t)st.st_size, 0) : -1;
	close(fd);
	if (got != st.st_size) {
		free(buf);
		return err_set(e, ERR_LOCAL, EIO, EIO, "notices: %s/%s: short read",
			       ns->root, rel);
	}
	buf[got] = '\0';
	r = nfile_parse(ns, uid, buf, f, e);
	free(buf);
	return r;
}

static struct json_object *nfile_json(const struct nfile *f)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "next-id", json_object_new_int64((int64_t)f->next_id));
	for (size_t i = 0; i < f->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64((int64_t)f->v[i].id));
		json_object_object_add(o, "kind", json_object_new_string(f->v[i].kind));
		json_object_object_add(o, "time", json_object_new_int64(f->v[i].time));
		json_object_object_add(o, "text", json_object_new_string(f->v[i].text));
		json_object_object_add(o, "count", json_object_new_int64(f->v[i].count));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "notices", arr);
	return root;
}

/* Replace @uid's file by @f, durably. */
static int nfile_save(struct notices *ns, uid_t uid, const struct nfile *f,
		      struct err *e)
{
	char dir[NOTICES_REL_MAX];
	struct json_object *root;
	const char *text;
	int r;

	snprintf(dir, sizeof(dir), "%u", (unsigned int)uid);
	if (mkdirat(ns->root_fd, dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_LOCAL, errno, errno, "notices: creating %s/%s: %s",
			       ns->root, dir, strerror(errno));
	snprintf(dir, sizeof(dir), "%u/%s", (unsigned int)uid, NOTICES_DIR);
	if (mkdirat(ns->root_fd, dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_LOCAL, errno, errno, "notices: creating %s/%s: %s",
			       ns->root, dir, strerror(errno));
	root = nfile_json(f);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	r = text ? durable_write_at(ns->root_fd, dir, NOTICES_FILE, text,
				    strlen(text), "notices", e) :
		   err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "notices: out of memory");
	json_object_put(root);
	return r;
}

/* --- operations ---------------------------------------------------------- */

/* With the file full: @text joins the newest notice. */
static int coalesce(struct notice *last, const char *kind, const char *text,
		    time_t now)
{
	size_t have = strlen(last->text), add = strlen(text);
	char *t;

	last->count++;
	last->time = (int64_t)now;
	if (strcmp(last->kind, kind) != 0)
		snprintf(last->kind, sizeof(last->kind), "several");
	if (have + 2 + add >= NOTICE_TEXT_MAX)
		return 0;		/* the count says there were more */
	t = realloc(last->text, have + 2 + add + 1);
	if (!t)
		return -ENOMEM;
	snprintf(t + have, 2 + add + 1, "\n\n%s", text);
	last->text = t;
	return 0;
}

static int append(struct nfile *f, const char *kind, const char *text,
		  time_t now)
{
	struct notice *v = realloc(f->v, (f->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	f->v = v;
	memset(&v[f->n], 0, sizeof(v[f->n]));
	v[f->n].id = f->next_id++;
	snprintf(v[f->n].kind, sizeof(v[f->n].kind), "%s", kind);
	v[f->n].time = (int64_t)now;
	v[f->n].count = 1;
	v[f->n].text = strdup(text);
	if (!v[f->n].text)
		return -ENOMEM;
	f->n++;
	return 0;
}

int notices_add(struct notices *ns, uid_t uid, const char *kind,
		const char *text, time_t now, struct err *e)
{
	char *cut = malloc(NOTICE_TEXT_MAX);
	struct nfile f;
	int r;

	if (!cut)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "notices: out of memory");
	ticket_copy_text(cut, NOTICE_TEXT_MAX, text);
	pthread_mutex_lock(&ns->lock);
	r = nfile_load(ns, uid, &f, e);
	if (r == 0) {
		r = f.n < ns->max ? append(&f, kind, cut, now) :
				    coalesce(&f.v[f.n - 1], kind, cut, now);
		if (r < 0)
			err_set(e, ERR_LOCAL, -r, -r, "notices: out of memory");
	}
	if (r == 0)
		r = nfile_save(ns, uid, &f, e);
	nfile_clear(&f);
	pthread_mutex_unlock(&ns->lock);
	free(cut);
	return r;
}

int notices_list(struct notices *ns, uid_t uid, struct notice **out,
		 size_t *n, struct err *e)
{
	struct nfile f;
	int r;

	pthread_mutex_lock(&ns->lock);
	r = nfile_load(ns, uid, &f, e);
	pthread_mutex_unlock(&ns->lock);
	*out = r == 0 && f.n ? f.v : NULL;
	*n = r == 0 ? f.n : 0;
	if (r < 0 || !f.n)
		nfile_clear(&f);
	return r;
}

static bool listed(uint64_t id, const uint64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int notices_ack(struct notices *ns, uid_t uid, const uint64_t *ids, size_t n,
		uint32_t *acked, struct err *e)
{
	struct nfile f;
	size_t keep = 0;
	int r;

	*acked = 0;
	pthread_mutex_lock(&ns->lock);
	r = nfile_load(ns, uid, &f, e);
	for (size_t i = 0; r == 0 && i < f.n; i++) {
		if (listed(f.v[i].id, ids, n)) {
			free(f.v[i].text);
			(*acked)++;
		} else {
			f.v[keep++] = f.v[i];
		}
	}
	if (r == 0)
		f.n = keep;
	if (r == 0 && *acked)
		r = nfile_save(ns, uid, &f, e);
	if (r < 0)
		*acked = 0;
	nfile_clear(&f);
	pthread_mutex_unlock(&ns->lock);
	return r;
}

/* --- open / close ------------------------------------------------------- */

int notices_open(const char *spool_dir, unsigned int max,
		 struct notices **out, struct err *e)
{
	struct notices *ns = calloc(1, sizeof(*ns));

	if (!ns || !(ns->root = strdup(spool_dir))) {
		free(ns);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "notices: out of memory");
	}
	ns->root_fd = -1;
	ns->max = max ? max : NOTICES_MAX_DEFAULT;
	pthread_mutex_init(&ns->lock, NULL);
	*out = ns;
	return 0;
}

struct notices *notices_close(struct notices *ns)
{
	if (!ns)
		return NULL;
	if (ns->root_fd >= 0)
		close(ns->root_fd);
	pthread_mutex_destroy(&ns->lock);
	free(ns->root);
	free(ns);
	return NULL;
}
