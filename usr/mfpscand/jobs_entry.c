// SPDX-License-Identifier: GPL-2.0
/*
 * jobs_entry: the spool-entry table, the main thread's mirror of the
 * spool: one SpoolEntry object per kept document, with a compact copy of
 * its ticket and its retry timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "jobs_int.h"
#include "log.h"
#include "spool.h"

/* --- spool entries ------------------------------------------------------ */

struct sentry *jobs_find_entry(struct jobs *j, const char *path)
{
	for (struct sentry *s = j->entries; s; s = s->next)
		if (strcmp(s->path, path) == 0)
			return s;
	return NULL;
}

struct sentry *jobs_find_entry_id(struct jobs *j, uid_t uid, const char *id)
{
	for (struct sentry *s = j->entries; s; s = s->next)
		if (s->sum.owner_uid == uid && strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/*
 * Object path of a spool entry: ids are per user, so the uid is in it.
 * Spool ids are 32 hex digits (spool_id_valid), safe in a path as they are.
 */
static int entry_path(uid_t uid, const char *id, char *out, size_t len)
{
	int n;

	if (!spool_id_valid(id))
		return -EINVAL;
	n = snprintf(out, len, "%s/u%u_%s", JOBS_SPOOL_PREFIX,
		     (unsigned int)uid, id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void entry_sum_clear(struct entry_sum *m)
{
	free(m->account);
	free(m->remote_name);
	free(m->last_error);
	memset(m, 0, sizeof(*m));
}

void entry_free(struct sentry *s)
{
	entry_sum_clear(&s->sum);
	free(s);
}

/* Copy what the bus shows of ticket @t into @m. */
static int entry_sum_set(struct entry_sum *m, const struct ticket *t)
{
	struct entry_sum n = {
		.owner_uid = t->owner_uid, .state = t->state,
		.retries_left = t->retries_left, .next_retry = t->next_retry,
		.created = t->created, .size = t->size, .pages = t->pages,
		.last_class = t->last_class,
	};

	snprintf(n.format, sizeof(n.format), "%s", t->format);
	n.account = strdup(t->account);
	n.remote_name = strdup(t->remote_name);
	n.last_error = strdup(t->last_error);
	if (!n.account || !n.remote_name || !n.last_error) {
		entry_sum_clear(&n);
		return -ENOMEM;
	}
	entry_sum_clear(m);
	*m = n;
	return 0;
}

struct sentry *jobs_entry_add(struct jobs *j, const char *id,
			      const struct ticket *t, bool announce)
{
	/* At start the spool lists each entry once: no need to look. */
	struct sentry *s = announce ? jobs_find_entry_id(j, t->owner_uid, id)
				    : NULL;

	if (s) {
		jobs_entry_changed(j, s, t);
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->jobs = j;
	snprintf(s->id, sizeof(s->id), "%s", id);
	if (entry_sum_set(&s->sum, t) < 0) {
		entry_free(s);
		return NULL;
	}
	if (entry_path(t->owner_uid, id, s->path, sizeof(s->path)) < 0) {
		entry_free(s);
		return NULL;
	}
	s->next = j->entries;
	j->entries = s;
	if (j->runner)
		retry_runner_schedule(j->runner, s);
	if (announce)
		bus_emit_object_added(j->d, t->owner_uid, s->path);
	return s;
}

void jobs_entry_gone(struct jobs *j, struct sentry *s)
{
	for (struct sentry **p = &j->entries; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	if (j->runner)
		retry_runner_unschedule(j->runner, s);
	bus_emit_object_removed(j->d, s->sum.owner_uid, s->path,
				DAEMON_IFACE_SPOOL);
	entry_free(s);
}

void jobs_entry_changed(struct jobs *j, struct sentry *s,
			const struct ticket *t)
{
	if (entry_sum_set(&s->sum, t) < 0)
		log_msg(LOG_ERR, "jobs: spool entry %s: out of memory", s->id);
	if (j->runner)
		retry_runner_schedule(j->runner, s);
	bus_emit_properties_changed(j->d, s->sum.owner_uid, s->path,
				    DAEMON_IFACE_SPOOL, NULL);
}

/* Mirror every entry spool_open() recovered; each gets a timer. */
int jobs_load_spool(struct jobs *j, struct err *e)
{
	struct spool_info *all = NULL;
	struct ticket t;
	struct err ge;
	size_t n = 0;
	int r;

	r = spool_list_all(j->d->spool, &all, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		err_clear(&ge);
		if (spool_get(j->d->spool, all[i].uid, all[i].id, &t, &ge) < 0) {
			log_msg(LOG_ERR, "jobs: spool entry %u/%s: %s",
				(unsigned int)all[i].uid, all[i].id, ge.msg);
			continue;
		}
		if (!jobs_entry_add(j, all[i].id, &t, false))
			log_msg(LOG_ERR, "jobs: spool entry %u/%s: out of memory",
				(unsigned int)all[i].uid, all[i].id);
	}
	free(all);
	log_msg(LOG_INFO, "jobs: %zu spooled documents recovered", n);
	return 0;
}
