/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounts_writer: the one thread that does the account store's waiting
 * work (durable writes with their fsyncs, unlinks, getpwuid_r, which NSS
 * may send to LDAP), so that the main loop never waits on a disk or a
 * name service. Items run in the order they were submitted, so two writes
 * of one file land in the order they were made; each item's completion
 * runs on the main thread through daemon_post(). Every item has a ticket
 * (its sequence number) a worker thread may wait for.
 */
#ifndef MFPSCAND_ACCOUNTS_WRITER_H
#define MFPSCAND_ACCOUNTS_WRITER_H

#include <stdint.h>

#include "daemon.h"
#include "err.h"

struct accounts_writer;

/* Runs on the writer thread; returns 0 or a negative errno with @e set. */
typedef int (*accounts_work_fn)(void *arg, struct err *e);

/* Runs on the main thread with the work's result; owns @arg from then on. */
typedef void (*accounts_done_fn)(struct daemon *d, void *arg, int r,
				 const struct err *e);

/* Start the thread. Returns 0 or a negative errno with @e set. */
int accounts_writer_start(struct daemon *d, struct accounts_writer **out,
			  struct err *e);

/*
 * Queue @work(@arg), then @done(@arg) on the main thread (@done NULL: no
 * completion; @arg stays the caller's). *@ticket (if not NULL) gets the
 * item's number. Main thread only. Returns 0, or -ENOMEM / -ECANCELED
 * (stopped) with @e set; neither function is called then.
 */
int accounts_writer_submit(struct accounts_writer *w, accounts_work_fn work,
			   accounts_done_fn done, void *arg, uint64_t *ticket,
			   struct err *e);

/* The ticket of the item submitted last (0: none yet). Main thread. */
uint64_t accounts_writer_last_ticket(struct accounts_writer *w);

/*
 * Block until the item @ticket has run (not on the main thread). Returns
 * 0, or -EIO with @e set when it, or an item after it, failed (a failing
 * disk fails both; a caller never takes a failure for a success).
 */
int accounts_writer_wait(struct accounts_writer *w, uint64_t ticket,
			 struct err *e);

/*
 * Run what is queued, stop and join the thread (completions are posted
 * and run by the main loop's drain). Idempotent; NULL is fine.
 */
void accounts_writer_stop(struct accounts_writer *w);

/* Stop (if needed) and free; returns NULL. */
struct accounts_writer *accounts_writer_free(struct accounts_writer *w);

#endif
