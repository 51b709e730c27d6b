// SPDX-License-Identifier: GPL-2.0
/*
 * spool_index: the in-memory index of committed entries, a sorted array of
 * users each with an unsorted array of entry summaries (struct spool_info);
 * listings, usage and summaries are answered from it under the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>

#include "log.h"
#include "spool_private.h"

struct spool_user *spool_user_find(struct spool *s, uid_t uid)
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
int spool_index_reserve(struct spool *s, uid_t uid)
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

void spool_info_from_ticket(struct spool_info *inf, uid_t uid,
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
void spool_index_add(struct spool *s, uid_t uid, const char *id,
		     const struct ticket *t)
{
	struct spool_user *u = spool_user_find(s, uid);

	spool_info_from_ticket(&u->ent[u->n++], uid, id, t);
	u->bytes += t->size;
}

struct spool_info *spool_index_find(struct spool *s, uid_t uid,
				    const char *id)
{
	struct spool_user *u = spool_user_find(s, uid);

	for (size_t i = 0; u && i < u->n; i++)
		if (strcmp(u->ent[i].id, id) == 0)
			return &u->ent[i];
	return NULL;
}

void spool_index_del(struct spool *s, uid_t uid, const char *id)
{
	struct spool_user *u = spool_user_find(s, uid);
	struct spool_info *inf = spool_index_find(s, uid, id);

	if (!u || !inf)
		return;
	u->bytes -= inf->size;
	*inf = u->ent[--u->n];
}

/* Look up (@uid, @id) after checking the id; NULL with @e set. */
struct spool_info *spool_lookup(struct spool *s, uid_t uid,
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
