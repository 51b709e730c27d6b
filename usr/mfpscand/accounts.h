/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounts: the storage destinations users register (the patent's
 * "storage destination candidates"). Each account is two root-only files
 * under STATE_DIR/accounts: <id>.json (settings, counter; written durably:
 * temp file, fsync, rename, fsync of the directory) and <id>.secret (the
 * secrets JSON sealed by secrets.c with the id as AAD). Secrets are never
 * kept in memory: they are decrypted only by account_dest_unseal(), on the
 * worker thread of one use, and wiped by account_dest_release() when that
 * use ends (a job drops its destination when it reaches its final state).
 *
 * Every value is validated, whoever calls (accounts_check.h): the type is
 * known, the URL scheme fits the type, names and templates are sane, an
 * email address has no CR/LF, a folder has no ".." component, a local
 * folder or CA file of an ordinary user belongs to that user.
 *
 * Main thread only, except accounts_wait_written() and
 * account_dest_unseal(). The main thread never waits on the files, the
 * key or the privilege helper: changes are validated (their text) and
 * serialised on it, then checked against the file system, sealed and
 * written (durable.c: fsyncs) by the one writer thread
 * (accounts_writer.h), in order; the caller's completion runs on the main
 * thread once they are on disk (a D-Bus reply is sent then). The owner's
 * name and group are looked up once, at load or by the writer at Create
 * (getpwuid_r may wait on NSS/LDAP). The files: accounts.c (store, load),
 * accounts_check.c, accounts_secrets.c, accounts_change.c, accounts_dest.c.
 */
#ifndef MFPSCAND_ACCOUNTS_H
#define MFPSCAND_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"
#include "err.h"

#define ACCOUNT_PREFIX		DAEMON_PATH "/account"
#define ACCOUNT_ID_LEN		16	/* hex digits */
#define ACCOUNT_PATH_MAX	(sizeof(ACCOUNT_PREFIX) + ACCOUNT_ID_LEN + 2)
#define ACCOUNT_NAME_MAX	128
#define ACCOUNTS_PER_USER_MAX	32
#define ACCOUNTS_MAX		100000

/* The settings of an account; keys on the bus in parentheses. */
enum account_field {
	ACCOUNT_NAME,		/* name (Update only; Create takes it apart) */
	ACCOUNT_URL,		/* url */
	ACCOUNT_USERNAME,	/* username */
	ACCOUNT_FOLDER,		/* folder */
	ACCOUNT_TEMPLATE,	/* name-template */
	ACCOUNT_EMAIL,		/* notify-email */
	ACCOUNT_CA_FILE,	/* ca-file */
	ACCOUNT_HOST_KEY,	/* host-key */
	ACCOUNT_REGION,		/* region */
	ACCOUNT_DOMAIN,		/* domain (smb: domain or workgroup) */
	ACCOUNT_OCR,		/* ocr: the scans' default (scan_options.h) */
	ACCOUNT_INSECURE_HTTP,	/* allow-insecure-http: "yes" lets a webdav or
				 * s3 account log in over plain http:// */
	ACCOUNT_FIELD_COUNT
};

/* Secrets keys on the bus: password, access-key, secret-key. */
enum account_secret {
	ACCOUNT_SECRET_PASSWORD,
	ACCOUNT_SECRET_ACCESS_KEY,
	ACCOUNT_SECRET_SECRET_KEY,
	ACCOUNT_SECRET_COUNT
};

/* Values given by a caller; NULL = not given ("" clears a setting). */
struct account_settings {
	const char *v[ACCOUNT_FIELD_COUNT];
};

struct account_secrets {
	const char *v[ACCOUNT_SECRET_COUNT];
};

/* The bus key of a field / a secret ("name-template"), and back (-1). */
const char *account_field_key(enum account_field f);
int account_field_from_key(const char *key);
const char *account_secret_key(enum account_secret s);
int account_secret_from_key(const char *key);

/* The property name of a field ("NameTemplate"), NULL if not a property. */
const char *account_field_property(enum account_field f);

/*
 * Load every account of @d->config->state_dir (creating the directories
 * and the machine key on first start). A damaged account file is logged
 * and skipped, never fatal. Returns 0 with *@out set or a negative errno
 * with @e set.
 */
int accounts_load(struct daemon *d, struct accounts **out, struct err *e);

/* Free the store (NULL is fine); returns NULL. */
struct accounts *accounts_free(struct accounts *a);

/* Iterate: @prev NULL gives the first account; NULL at the end. */
struct account *accounts_next(struct accounts *a, struct account *prev);

/* The account with id @id, or NULL. */
struct account *accounts_by_id(struct accounts *a, const char *id);

/*
 * The end of a queued change, on the main thread: @r 0 when it is on
 * disk (and adopted), else a negative errno with @e. @acc is valid during
 * the call only when the change deleted it or a Create failed (it is
 * freed right after). @changed: Update's bit (1 << field) per changed field.
 */
typedef void (*account_change_fn)(struct daemon *d, struct account *acc,
				  uint32_t changed, void *ud, int r,
				  const struct err *e);

/*
 * Each call validates now and returns 0 when the change is queued (@done
 * runs later, exactly once), or a negative errno with @e (ERR_INVALID
 * naming the key; ERR_LOCAL/-EBUSY while another change of the account
 * is being saved) and @done is never called.
 */

/* Create an account of @owner; @secrets may be NULL. Invisible until written. */
int accounts_create(struct accounts *a, uid_t owner, const char *name,
		    const char *type, const struct account_settings *s,
		    const struct account_secrets *secrets,
		    account_change_fn done, void *ud, struct err *e);

/* Apply @s to @acc: validated as a whole, written, then adopted. */
int account_update(struct account *acc, const struct account_settings *s,
		   account_change_fn done, void *ud, struct err *e);

/* Merge @sec into the stored secrets ("" removes a key). */
int account_set_secrets(struct account *acc, const struct account_secrets *sec,
			account_change_fn done, void *ud, struct err *e);

/* Remove @acc's files; @acc is freed after @done. */
int accounts_delete(struct account *acc, account_change_fn done, void *ud,
		    struct err *e);

/*
 * The writer thread, for another store's durable writes that must not
 * run on the main thread (profiles.c): they run in order with the
 * accounts' own. Their work function must return 0 (a failure would count
 * for accounts_wait_written()): it keeps its result itself.
 */
struct accounts_writer *accounts_writer_of(struct accounts *a);

/* The ticket of the last write queued (main thread). */
uint64_t accounts_write_ticket(struct accounts *a);

/*
 * Wait until the write @ticket is on disk; any thread but the main one.
 * 0, or -EIO with @e when it (or a later write) failed.
 */
int accounts_wait_written(struct accounts *a, uint64_t ticket, struct err *e);

/*
 * The second half of account_dest_get() (daemon.h), on the worker thread
 * that uses @dest: for a local account, the privilege helper checks again
 * that the folder is still its owner's; then the secrets of the account
 * at @account_path are decrypted into @dest (wiped by
 * account_dest_release()). Reads only what never changes after
 * accounts_load(), so any thread may call it; the main thread must not
 * (the helper's round trip, the file, the key). 0, or a negative errno
 * with @e (ERR_INVALID naming the folder, ERR_LOCAL for the secrets).
 */
int account_dest_unseal(const struct accounts *a, const char *account_path,
			struct dest *dest, struct err *e);

/* Write what is queued and stop the writer (shutdown); idempotent. */
void accounts_stop_writer(struct accounts *a);

const char *account_id(const struct account *acc);
const char *account_type_name(const struct account *acc);
/* A setting ("" when unset, never NULL). */
const char *account_get(const struct account *acc, enum account_field f);

#endif
