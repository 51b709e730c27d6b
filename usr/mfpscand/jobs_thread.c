// SPDX-License-Identifier: GPL-2.0
/*
 * jobs_thread: the jobs part's worker threads (counted, so that shutdown
 * joins them) and their calls to the main thread, which owns every table
 * (see jobs.h, "Threads").
 */
#include <errno.h>
#include <stdlib.h>

#include "jobs.h"

/* --- worker threads and main-thread calls ------------------------------ */

int jobs_spawn(struct jobs *j, pthread_t *thread, void *(*fn)(void *),
	       void *arg)
{
	int r = pthread_create(thread, NULL, fn, arg);

	if (r)
		return -r;
	atomic_fetch_add(&j->workers, 1);
	return 0;
}

int jobs_upload_stop(void *ud, uint64_t sent, uint64_t total)
{
	struct jobs *j = ud;

	/* Stop at shutdown; a spooled entry stays and is retried later. */
	return atomic_load(&j->shutting_down) ? 1 : 0;
}

struct main_call {
	struct jobs *j;
	int (*fn)(struct jobs *j, void *arg);
	void *arg;
	int result;
	bool done;
	bool abandoned;		/* the worker gave up waiting */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void main_call_free(struct main_call *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void main_call_run(struct daemon *d, void *arg)
{
	struct main_call *c = arg;
	bool abandoned;
	int r = -ECANCELED;

	pthread_mutex_lock(&c->lock);
	abandoned = c->abandoned;
	pthread_mutex_unlock(&c->lock);
	if (!abandoned && !d->exiting)
		r = c->fn(c->j, c->arg);
	pthread_mutex_lock(&c->lock);
	c->result = r;
	c->done = true;
	abandoned = c->abandoned;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (abandoned)
		main_call_free(c);
}

int jobs_call_main(struct jobs *j, int (*fn)(struct jobs *j, void *arg),
		   void *arg)
{
	struct main_call *c = calloc(1, sizeof(*c));
	struct timespec ts;
	int r;

	if (!c)
		return -ENOMEM;
	c->j = j;
	c->fn = fn;
	c->arg = arg;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	r = daemon_post(j->d, main_call_run, c);
	if (r < 0) {
		main_call_free(c);
		return r;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		/* At shutdown the main thread joins us: do not wait for it. */
		if (atomic_load(&j->shutting_down)) {
			c->abandoned = true;
			pthread_mutex_unlock(&c->lock);
			return -ECANCELED;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	}
	r = c->result;
	pthread_mutex_unlock(&c->lock);
	main_call_free(c);
	return r;
}
