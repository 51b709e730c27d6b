// SPDX-License-Identifier: GPL-2.0
/*
 * accounts_writer: a FIFO of work items and the one thread that runs them
 * (see accounts_writer.h). Cleanup style: one exit per function; an item
 * is owned by the queue until its completion is posted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "accounts_writer.h"
#include "log.h"

struct writer_item {
	struct writer_item *next;
	accounts_work_fn work;
	accounts_done_fn done;
	void *arg;
	uint64_t ticket;
	int r;
	struct err e;
};

struct accounts_writer {
	struct daemon *d;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t wake;		/* an item queued, or stop */
	pthread_cond_t ran;		/* done_ticket advanced */
	struct writer_item *head, *tail;
	uint64_t next_ticket;		/* the last ticket handed out */
	uint64_t done_ticket;		/* every item up to it has run */
	uint64_t failed_ticket;		/* the last item that failed (0: none) */
	struct err failed;		/* ... and why */
	bool stopping;
};

/* Main thread: hand the result to the item's owner, free the item. */
static void item_complete(struct daemon *d, void *arg)
{
	struct writer_item *it = arg;

	it->done(d, it->arg, it->r, &it->e);
	free(it);
}

static void item_finish(struct accounts_writer *w, struct writer_item *it)
{
	pthread_mutex_lock(&w->lock);
	w->done_ticket = it->ticket;
	if (it->r < 0) {
		w->failed_ticket = it->ticket;
		w->failed = it->e;
	}
	pthread_cond_broadcast(&w->ran);
	pthread_mutex_unlock(&w->lock);
	if (!it->done) {
		free(it);
		return;
	}
	if (daemon_post(w->d, item_complete, it) < 0) {
		log_msg(LOG_ERR, "accounts: a completion was lost: out of memory");
		free(it);
	}
}

/* The next item, or NULL once stopping with nothing queued. */
static struct writer_item *writer_take(struct accounts_writer *w)
{
	struct writer_item *it;

	pthread_mutex_lock(&w->lock);
	while (!w->head && !w->stopping)
		pthread_cond_wait(&w->wake, &w->lock);
	it = w->head;
	if (it) {
		w->head = it->next;
		if (!w->head)
			w->tail = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return it;
}

static void *writer_thread(void *arg)
{
	struct accounts_writer *w = arg;
	struct writer_item *it;

	while ((it = writer_take(w))) {
		err_clear(&it->e);
		it->r = it->work(it->arg, &it->e);
		item_finish(w, it);
	}
	return NULL;
}

int accounts_writer_start(struct daemon *d, struct accounts_writer **out,
			  struct err *e)
{
	struct accounts_writer *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	w->d = d;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->ran, NULL);
	r = pthread_create(&w->thread, NULL, writer_thread, w);
	if (r != 0) {
		accounts_writer_free(w);
		return err_set(e, ERR_LOCAL, r, r, "accounts: cannot start the writer thread: %s",
			       strerror(r));
	}
	w->started = true;
	*out = w;
	return 0;
}

int accounts_writer_submit(struct accounts_writer *w, accounts_work_fn work,
			   accounts_done_fn done, void *arg, uint64_t *ticket,
			   struct err *e)
{
	struct writer_item *it = calloc(1, sizeof(*it));
	int r = 0;

	if (!it)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	it->work = work;
	it->done = done;
	it->arg = arg;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		r = err_set(e, ERR_LOCAL, ECANCELED, ECANCELED,
			    "accounts: the service is stopping; try again when it is back");
	} else {
		it->ticket = ++w->next_ticket;
		if (w->tail)
			w->tail->next = it;
		else
			w->head = it;
		w->tail = it;
		if (ticket)
			*ticket = it->ticket;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	if (r < 0)
		free(it);
	return r;
}

uint64_t accounts_writer_last_ticket(struct accounts_writer *w)
{
	uint64_t t;

	pthread_mutex_lock(&w->lock);
	t = w->next_ticket;
	pthread_mutex_unlock(&w->lock);
	return t;
}

int accounts_writer_wait(struct accounts_writer *w, uint64_t ticket,
			 struct err *e)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	while (w->done_ticket < ticket)
		pthread_cond_wait(&w->ran, &w->lock);
	if (w->failed_ticket >= ticket) {
		if (e)
			*e = w->failed;
		r = -EIO;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

void accounts_writer_stop(struct accounts_writer *w)
{
	if (!w || !w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = false;
}

struct accounts_writer *accounts_writer_free(struct accounts_writer *w)
{
	if (!w)
		return NULL;
	accounts_writer_stop(w);
	pthread_cond_destroy(&w->ran);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}
