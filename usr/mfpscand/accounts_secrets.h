/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounts_secrets: an account's secrets file, <id>.secret, sealed by
 * secrets.c with the machine key and the account id as AAD. Its JSON
 * holds the keys of enum account_secret. Reading, opening and sealing
 * touch the disk and the key: any thread, never while the caller holds
 * a lock the main thread needs.
 */
#ifndef MFPSCAND_ACCOUNTS_SECRETS_H
#define MFPSCAND_ACCOUNTS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "accounts.h"
#include "err.h"
#include "upload.h"

/*
 * The stored secrets of account @id of store @a as a JSON object (empty
 * when there are none); -EBADMSG with @e when the file cannot be opened
 * with the key. Free it with accounts_secrets_put(). Reads only what
 * never changes after accounts_load() (the directory and the key).
 */
int accounts_secrets_load(const struct accounts *a, const char *id,
			  json_object **out, struct err *e);

/* Wipe the strings of @o (json-c keeps copies) and free it; NULL is fine. */
void accounts_secrets_put(json_object *o);

/*
 * The sealed secrets account @id (of @type, settings @f) will have with
 * @sec merged in (*@blob malloc'd, free it with secrets_free_len()),
 * checked against the plain-http rule; *@any: a secret remains. The
 * writer thread's part of Create and SetSecrets.
 */
int accounts_secrets_prepare(const struct accounts *a, const char *id,
			     enum dest_type type, char *const *f,
			     const struct account_secrets *sec, uint8_t **blob,
			     size_t *len, bool *any, struct err *e);

/* Is there a secrets file? (Whether it holds a secret needs the key.) */
bool accounts_secrets_exist(const struct account *acc);

#endif
