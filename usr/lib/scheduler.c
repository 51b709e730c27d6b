// SPDX-License-Identifier: GPL-2.0
/*
 * scheduler: binary min-heap of retry times with a (uid, id) index (see
 * scheduler.h). Each scheduled entry is one node; the heap is an array of
 * slots holding the sort key (time, sequence) and the node, so sifting
 * compares without following pointers, and every node knows its slot, so
 * the index (a chained hash table keyed by uid and id) leads straight to
 * the slot to sift after a change. Ties are broken by a sequence number
 * taken when the time was set, which keeps equal times in scheduling order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"

struct scheduler_node {
	uid_t uid;
	size_t slot;			/* index in heap[] */
	struct scheduler_node *next;	/* hash chain */
	char id[SCHEDULER_ID_MAX];
};

struct scheduler_slot {
	time_t when;
	uint64_t seq;
	struct scheduler_node *node;
};

struct scheduler {
	struct scheduler_slot *heap;
	size_t n, cap;
	struct scheduler_node **buckets;
	size_t n_buckets;		/* power of two */
	uint64_t seq;
};

int scheduler_new(struct scheduler **out, struct err *e)
{
	struct scheduler *s = calloc(1, sizeof(*s));

	if (s) {
		s->n_buckets = 64;
		s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
	}
	if (!s || !s->buckets) {
		free(s);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "scheduler: out of memory");
	}
	*out = s;
	return 0;
}

struct scheduler *scheduler_free(struct scheduler *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		free(s->heap[i].node);
	free(s->heap);
	free(s->buckets);
	free(s);
	return NULL;
}

/* FNV-1a over the uid and the id. */
static size_t scheduler_hash(uid_t uid, const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (unsigned int i = 0; i < sizeof(uid); i++)
		h = (h ^ ((uid >> (8 * i)) & 0xff)) * 1099511628211ULL;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return (size_t)h;
}

static struct scheduler_node **scheduler_link(const struct scheduler *s,
					      uid_t uid, const char *id)
{
	struct scheduler_node **pp;

	pp = &s->buckets[scheduler_hash(uid, id) & (s->n_buckets - 1)];
	while (*pp && ((*pp)->uid != uid || strcmp((*pp)->id, id) != 0))
		pp = &(*pp)->next;
	return pp;
}

/* Double the table when chains would average above one node. */
static int scheduler_rehash(struct scheduler *s)
{
	size_t nb = s->n_buckets * 2;
	struct scheduler_node **b;

	if (s->n < s->n_buckets)
		return 0;
	b = calloc(nb, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		struct scheduler_node *x = s->heap[i].node;
		size_t h = scheduler_hash(x->uid, x->id) & (nb - 1);

		x->next = b[h];
		b[h] = x;
	}
	free(s->buckets);
	s->buckets = b;
	s->n_buckets = nb;
	return 0;
}

static bool scheduler_less(const struct scheduler_slot *a,
			   const struct scheduler_slot *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void scheduler_place(struct scheduler *s, size_t slot,
			    const struct scheduler_slot *x)
{
	s->heap[slot] = *x;
	x->node->slot = slot;
}

static void scheduler_sift_up(struct scheduler *s, size_t slot)
{
	struct scheduler_slot x = s->heap[slot];

	while (slot > 0 && scheduler_less(&x, &s->heap[(slot - 1) / 2])) {
		scheduler_place(s, slot, &s->heap[(slot - 1) / 2]);
		slot = (slot - 1) / 2;
	}
	scheduler_place(s, slot, &x);
}

static void scheduler_sift_down(struct scheduler *s, size_t slot)
{
	struct scheduler_slot x = s->heap[slot];
	size_t c;

	while ((c = 2 * slot + 1) < s->n) {
		if (c + 1 < s->n && scheduler_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!scheduler_less(&s->heap[c], &x))
			break;
		scheduler_place(s, slot, &s->heap[c]);
		slot = c;
	}
	scheduler_place(s, slot, &x);
}

static int scheduler_grow(struct scheduler *s)
{
	struct scheduler_slot *h;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof(*h))
		return -ENOMEM;
	h = realloc(s->heap, cap * sizeof(*h));
	if (!h)
		return -ENOMEM;
	s->heap = h;
	s->cap = cap;
	return 0;
}

static int scheduler_insert(struct scheduler *s, struct scheduler_node **link,
			    uid_t uid, const char *id, time_t when)
{
	struct scheduler_node *x;

	if (scheduler_grow(s) < 0 || !(x = calloc(1, sizeof(*x))))
		return -ENOMEM;
	x->uid = uid;
	memcpy(x->id, id, strlen(id) + 1);
	*link = x;
	s->heap[s->n] = (struct scheduler_slot){ when, s->seq++, x };
	x->slot = s->n++;
	scheduler_sift_up(s, x->slot);
	/* A failed rehash only lengthens chains; the node is in. */
	(void)scheduler_rehash(s);
	return 0;
}

int scheduler_set(struct scheduler *s, uid_t uid, const char *id,
		  time_t when, struct err *e)
{
	struct scheduler_node **link;
	struct scheduler_node *x;

	if (!id || !id[0] || strnlen(id, SCHEDULER_ID_MAX) >= SCHEDULER_ID_MAX)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "scheduler: entry id is empty or too long");
	link = scheduler_link(s, uid, id);
	x = *link;
	if (!x) {
		if (scheduler_insert(s, link, uid, id, when) < 0)
			return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
				       "scheduler: out of memory");
		return 0;
	}
	s->heap[x->slot].when = when;
	s->heap[x->slot].seq = s->seq++;
	scheduler_sift_up(s, x->slot);
	scheduler_sift_down(s, x->slot);
	return 0;
}

/* Take @x out of the heap (the index is the caller's business). */
static void scheduler_unheap(struct scheduler *s, struct scheduler_node *x)
{
	size_t slot = x->slot;
	struct scheduler_slot last = s->heap[--s->n];

	if (last.node == x)
		return;
	scheduler_place(s, slot, &last);
	scheduler_sift_up(s, slot);
	scheduler_sift_down(s, last.node->slot);
}

int scheduler_remove(struct scheduler *s, uid_t uid, const char *id)
{
	struct scheduler_node **link;
	struct scheduler_node *x;

	if (!id)
		return -ENOENT;
	link = scheduler_link(s, uid, id);
	x = *link;
	if (!x)
		return -ENOENT;
	*link = x->next;
	scheduler_unheap(s, x);
	free(x);
	return 0;
}

int scheduler_get(const struct scheduler *s, uid_t uid, const char *id,
		  time_t *when)
{
	struct scheduler_node *x = id ? *scheduler_link(s, uid, id) : NULL;

	if (!x)
		return -ENOENT;
	*when = s->heap[x->slot].when;
	return 0;
}

int scheduler_pop_due(struct scheduler *s, time_t now, uid_t *uid,
		      char *id, time_t *when)
{
	struct scheduler_node *x;
	struct scheduler_node **link;

	if (s->n == 0 || s->heap[0].when > now)
		return 0;
	x = s->heap[0].node;
	if (when)
		*when = s->heap[0].when;
	link = scheduler_link(s, x->uid, x->id);
	*link = x->next;
	scheduler_unheap(s, x);
	*uid = x->uid;
	memcpy(id, x->id, strlen(x->id) + 1);
	free(x);
	return 1;
}

bool scheduler_peek(const struct scheduler *s, time_t *when)
{
	if (s->n == 0)
		return false;
	*when = s->heap[0].when;
	return true;
}

size_t scheduler_count(const struct scheduler *s)
{
	return s->n;
}

int scheduler_check(const struct scheduler *s, struct err *e)
{
	size_t chained = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct scheduler_node *x = s->heap[i].node;

		if (x->slot != i)
			return err_set(e, ERR_LOCAL, EFAULT, EFAULT,
				       "scheduler: node in slot %zu thinks it is in %zu",
				       i, x->slot);
		if (i > 0 && scheduler_less(&s->heap[i], &s->heap[(i - 1) / 2]))
			return err_set(e, ERR_LOCAL, EFAULT, EFAULT,
				       "scheduler: slot %zu is earlier than its parent", i);
		if (*scheduler_link(s, x->uid, x->id) != x)
			return err_set(e, ERR_LOCAL, EFAULT, EFAULT,
				       "scheduler: slot %zu is not in the index", i);
	}
	for (size_t b = 0; b < s->n_buckets; b++)
		for (struct scheduler_node *x = s->buckets[b]; x; x = x->next)
			chained++;
	if (chained != s->n)
		return err_set(e, ERR_LOCAL, EFAULT, EFAULT,
			       "scheduler: index holds %zu nodes, heap %zu",
			       chained, s->n);
	return 0;
}
