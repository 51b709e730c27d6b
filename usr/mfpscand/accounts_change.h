/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounts_change: the writes of an account's files (the public calls are
 * in accounts.h). This header adds what the other accounts_* files need.
 */
#ifndef MFPSCAND_ACCOUNTS_CHANGE_H
#define MFPSCAND_ACCOUNTS_CHANGE_H

#include "accounts.h"
#include "err.h"

/*
 * Queue a write of @acc's file with its current counter, and the fields
 * a queued Update is writing (it lands after that one). Its ticket is the
 * writer's latest (accounts_write_ticket()). Main thread.
 */
int account_counter_write(struct account *acc, struct err *e);

#endif
