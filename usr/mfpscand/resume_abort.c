// SPDX-License-Identifier: GPL-2.0
/*
 * resume_abort: drop a discarded document's unfinished upload on its
 * server (see the header). At most RESUME_ABORT_MAX run at once; a
 * finished one's thread is joined when the next starts or at shutdown.
 * Main thread only, except the worker itself.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "accounts.h"
#include "log.h"
#include "resume_abort.h"
#include "upload.h"

#define RESUME_ABORT_MAX 4
#define RESUME_ABORT_TIMEOUT_S 10	/* bounds the wait at shutdown */

struct abort_req {
	pthread_t thread;
	atomic_bool done;
	const struct accounts *accounts;	/* for the secrets */
	char account[TICKET_PATH_MAX];
	struct dest dest;		/* the worker adds the secrets */
	char name[TICKET_NAME_MAX];
	char state[TICKET_RESUME_MAX];
};

/* the running drops; slots owned by the main thread */
static struct abort_req *slots[RESUME_ABORT_MAX];

static void *abort_worker(void *arg)
{
	struct abort_req *req = arg;
	struct err e = { 0 };

	if (account_dest_unseal(req->accounts, req->account, &req->dest, &e) < 0)
		log_msg(LOG_WARNING, "jobs: the unfinished upload of discarded %s stays on the server: %s",
			req->name, e.msg);
	else if (upload_resume_abort(&req->dest, req->name, req->state, &e) < 0)
		log_msg(LOG_WARNING, "jobs: the unfinished upload of discarded %s was not dropped on the server: %s",
			req->name, e.msg);
	else
		log_msg(LOG_INFO, "jobs: the unfinished upload of discarded %s was dropped on the server",
			req->name);
	atomic_store(&req->done, true);
	return NULL;
}

static void abort_reap(size_t i, bool wait)
{
	if (!slots[i] || (!wait && !atomic_load(&slots[i]->done)))
		return;
	pthread_join(slots[i]->thread, NULL);
	account_dest_release(&slots[i]->dest);
	free(slots[i]);
	slots[i] = NULL;
}

/* A free slot (finished drops are reaped first), or -1. */
static int abort_slot(void)
{
	for (size_t i = 0; i < RESUME_ABORT_MAX; i++)
		abort_reap(i, false);
	for (size_t i = 0; i < RESUME_ABORT_MAX; i++)
		if (!slots[i])
			return (int)i;
	return -1;
}

void resume_abort_start(struct daemon *d, const struct ticket *t)
{
	struct account *acc = accounts_by_path(d->accounts, t->account);
	struct abort_req *req;
	struct err e = { 0 };
	int i;

	if (!t->resume_state[0] || !acc || account_owner(acc) != t->owner_uid)
		return;
	i = abort_slot();
	req = i >= 0 ? calloc(1, sizeof(*req)) : NULL;
	if (!req) {
		log_msg(LOG_WARNING, "jobs: the unfinished upload of discarded %s stays on the server (too many drops running)",
			t->remote_name);
		return;
	}
	snprintf(req->name, sizeof(req->name), "%s", t->remote_name);
	snprintf(req->state, sizeof(req->state), "%s", t->resume_state);
	snprintf(req->account, sizeof(req->account), "%s", t->account);
	req->accounts = d->accounts;
	if (account_dest_get(acc, &req->dest, &e) < 0) {
		log_msg(LOG_WARNING, "jobs: the unfinished upload of discarded %s stays on the server: %s",
			t->remote_name, e.msg);
		free(req);
		return;
	}
	req->dest.timeout_s = RESUME_ABORT_TIMEOUT_S;
	if (pthread_create(&req->thread, NULL, abort_worker, req) != 0) {
		account_dest_release(&req->dest);
		free(req);
		return;
	}
	slots[i] = req;
}

void resume_abort_join(void)
{
	for (size_t i = 0; i < RESUME_ABORT_MAX; i++)
		abort_reap(i, true);
}
