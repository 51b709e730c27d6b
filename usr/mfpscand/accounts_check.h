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
 * Check the ACCOUNT_FIELD_COUNT settings @f of an account of @type and
 * @owner as a whole: each field, then what the type requires. @check_fs:
 * also look at the file system (the local folder through the privilege
 * helper, the CA file); false checks the text alone (at load).
 */
int accounts_check_all(char *const *f, enum dest_type type, uid_t owner,
		       bool check_fs, struct err *e);

/*
 * Logging in over plain http:// needs the account's consent (upload.h has
 * the rule); @has_secrets: a password or keys are, or will be, stored.
 */
int accounts_check_plain_http(char *const *f, enum dest_type type,
			      bool has_secrets, struct err *e);

/*
 * The privilege helper checks the local folder @v as its @owner will be
 * checked at upload (privsep.rst): the daemon itself may not even see
 * inside it. A round trip to the helper: not for the main thread.
 */
int accounts_check_local_dir(const char *v, uid_t owner, struct err *e);

#endif
