/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounts_int: the account and store structures shared by the accounts_*
 * files, and the store's helpers they call. Nobody else includes it: the
 * rest of the daemon sees accounts through accounts.h and daemon.h.
 */
#ifndef MFPSCAND_ACCOUNTS_INT_H
#define MFPSCAND_ACCOUNTS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "accounts.h"
#include "upload.h"

struct account {
	struct account *next;
	struct accounts *store;
	char id[ACCOUNT_ID_LEN + 1];
	char path[ACCOUNT_PATH_MAX];
	uid_t owner;
	enum dest_type type;
	char *f[ACCOUNT_FIELD_COUNT];	/* never NULL: "" when unset */
	uint32_t counter;		/* documents named so far */
	uint32_t last_page_counter;	/* of the last page 1 (account_make_name) */
	bool has_secrets;		/* a secret is stored (or may be: loaded) */
	/*
	 * The owner's name and primary group, looked up once (at load, or by
	 * the writer thread at Create: NSS may ask LDAP, the main loop must
	 * not wait for it). NULL / (gid_t)-1 when the uid has no entry.
	 */
	char *owner_name;
	gid_t owner_gid;
	bool creating;			/* its Create is being written: invisible */
	bool changing;			/* an Update, SetSecrets or Delete is queued */
	bool deleting;			/* ... a Delete: no more writes of its file */
	char **f_next;			/* the queued Update's fields, or NULL */
};

struct accounts {
	struct daemon *d;
	char *dir;			/* STATE_DIR/accounts */
	struct secrets_key *key;
	struct account *list;
	size_t n;
	struct accounts_writer *writer;	/* every write of the files below */
};

/* A new account of @owner, not linked, without fields; NULL: no memory. */
struct account *account_alloc(struct accounts *a, const char *id,
			      uid_t owner, enum dest_type type);

/* Free @acc (NULL is fine); it must be unlinked. */
void account_free(struct account *acc);

/* Free each of @f (ACCOUNT_FIELD_COUNT strings) and set it to NULL. */
void account_fields_free(char **f);

/* Put @acc in / take it out of the store's list. */
void accounts_link(struct accounts *a, struct account *acc);
void accounts_unlink(struct accounts *a, struct account *acc);

/*
 * The name and primary group of @uid (*@name malloc'd, NULL and
 * (gid_t)-1 when it has no entry). May wait on NSS: at load, before the
 * bus is served, or on the writer thread.
 */
void account_owner_lookup(uid_t uid, char **name, gid_t *gid);

/* Read a whole small file of at most @max bytes; *@out is NUL-terminated. */
int accounts_read_small(const char *path, size_t max, char **out, size_t *len,
			struct err *e);

/* The string @key of @o, or NULL when it is missing or not a string. */
const char *accounts_json_str(json_object *o, const char *key);

#endif
