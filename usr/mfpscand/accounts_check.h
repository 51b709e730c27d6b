/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounts_check: the validation of every account setting, whoever calls:
 * the type is known, the URL scheme fits the type, names and templates
 * are sane, an email address has no CR/LF, a folder has no ".."
 * component, a local folder or CA file of an ordinary user belongs to
 * that user. Errors are ERR_INVALID naming the setting.
 */
#ifndef MFPSCAND_ACCOUNTS_CHECK_H
#define MFPSCAND_ACCOUNTS_CHECK_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "upload.h"

/*
 * Check the text of the ACCOUNT_FIELD_COUNT settings @f of an account of
 * @type as a whole: each field, then what the type requires. No I/O: the
 * main thread's part of a change (and the check at load).
 */
int accounts_check_all(char *const *f, enum dest_type type, struct err *e);

/*
 * What the text cannot tell, for an account of @owner: a local folder
 * the privilege helper accepts for @owner, a CA file that exists and that
 * @owner may name. A round trip to the helper and a stat(): any thread
 * but the main one (the writer thread, before a change is written).
 */
int accounts_check_files(char *const *f, enum dest_type type, uid_t owner,
			 struct err *e);

/*
 * Logging in over plain http:// needs the account's consent (upload.h has
 * the rule); @has_secrets: a password or keys are, or will be, stored.
 */
int accounts_check_plain_http(char *const *f, enum dest_type type,
			      bool has_secrets, struct err *e);

/*
 * Ordinary users may only name a local folder that is theirs: the
 * privilege helper checks the folder @v as its @owner will be checked at
 * upload (privsep.rst); the daemon itself may not even see inside it. A
 * round trip to the helper: not for the main thread.
 */
int accounts_check_local_dir(const char *v, uid_t owner, struct err *e);

#endif
