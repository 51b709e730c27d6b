// SPDX-License-Identifier: GPL-2.0
/*
 * accounts_change: Create, Update, SetSecrets, Delete and the document
 * counter's writes (see accounts.h): validated and serialised on the
 * main thread, written by the writer thread (accounts_writer.h), adopted
 * on the main thread once on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "accounts.h"
#include "accounts_change.h"
#include "accounts_check.h"
#include "accounts_int.h"
#include "accounts_secrets.h"
#include "accounts_writer.h"
#include "durable.h"
#include "log.h"
#include "secrets.h"
#include "upload.h"

#define ACCOUNT_VERSION		1

/* The account file's text for @f and @counter (malloc'd), or NULL. */
static char *account_json_text(const struct account *acc, char *const *f,
			       uint32_t counter)
{
	json_object *o = json_object_new_object();
	const char *text;
	char *dup;

	if (!o)
		return NULL;
	json_object_object_add(o, "version", json_object_new_int(ACCOUNT_VERSION));
	json_object_object_add(o, "id", json_object_new_string(acc->id));
	json_object_object_add(o, "owner", json_object_new_int64(acc->owner));
	json_object_object_add(o, "type", json_object_new_string(dest_type_name(acc->type)));
	json_object_object_add(o, "counter", json_object_new_int64(counter));
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++)
		json_object_object_add(o, account_field_key(i), json_object_new_string(f[i]));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	dup = text ? strdup(text) : NULL;
	json_object_put(o);
	return dup;
}

static size_t accounts_count_owner(struct accounts *a, uid_t owner)
{
	size_t n = 0;

	for (struct account *acc = a->list; acc; acc = acc->next)
		n += acc->owner == owner;
	return n;
}

static int accounts_new_id(struct accounts *a, char id[ACCOUNT_ID_LEN + 1],
			   struct err *e)
{
	uint8_t raw[ACCOUNT_ID_LEN / 2];

	do {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return err_set(e, ERR_LOCAL, EIO, EIO,
				       "accounts: the random generator failed");
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(id + 2 * i, 3, "%02x", raw[i]);
	} while (accounts_by_id(a, id));
	return 0;
}

/* New fields: @base (or "") overridden by @s; strdup'd. */
static int account_fields_build(char **f, char *const *base,
				const struct account_settings *s,
				struct err *e)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		const char *v = s->v[i] ? s->v[i] : base ? base[i] : "";

		if (i == ACCOUNT_HOST_KEY && strncmp(v, "SHA256:", 7) == 0)
			v += 7;
		f[i] = strdup(v);
		if (!f[i]) {
			account_fields_free(f);
			return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
		}
	}
	return 0;
}

/* Clients name accounts by their name: one name per owner. */
static int accounts_check_name_free(struct accounts *a, uid_t owner,
				    const char *name,
				    const struct account *self, struct err *e)
{
	for (struct account *acc = a->list; acc; acc = acc->next)
		if (acc != self && acc->owner == owner &&
		    strcmp(acc->f[ACCOUNT_NAME], name) == 0)
			return err_set(e, ERR_INVALID, 0, EEXIST,
				       "you already have an account named \"%.128s\": choose another name",
				       name);
	return 0;
}

static int accounts_check_new(struct accounts *a, uid_t owner,
			      const char *type, struct err *e)
{
	if (dest_type_from_name(type) < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "unknown account type '%.32s' (known: local, webdav, s3, sftp, smb)",
			       type);
	if (a->n >= ACCOUNTS_MAX ||
	    accounts_count_owner(a, owner) >= ACCOUNTS_PER_USER_MAX)
		return err_set(e, ERR_INVALID, 0, EDQUOT,
			       "you already have %d accounts, the most allowed: delete one first",
			       ACCOUNTS_PER_USER_MAX);
	return 0;
}

/* --- changes, written by the writer thread -------------------------------- */

enum change_kind { CHANGE_CREATE, CHANGE_UPDATE, CHANGE_SECRETS, CHANGE_DELETE };

/*
 * One queued change of an account's files. The writer thread touches only
 * this (and the store's immutable dir and key), never the account itself.
 * What needs the disk, the key or the privilege helper is done there: the
 * checks of the folder and CA file, opening and sealing the secrets.
 */
struct account_change {
	enum change_kind kind;
	struct account *acc;
	const struct accounts *store;
	const char *dir;
	char id[ACCOUNT_ID_LEN + 1];
	uid_t owner;
	enum dest_type type;
	char *f[ACCOUNT_FIELD_COUNT];	/* the fields after the change */
	bool check_files;		/* create, update: accounts_check_files() */
	bool set_secrets;		/* create with secrets, SetSecrets: */
	char *sec[ACCOUNT_SECRET_COUNT];	/* ... merged in (NULL: not given) */
	char *json;			/* the settings file to write, or NULL */
	uint8_t *secret;		/* the sealed secrets to write, or NULL */
	size_t secret_len;
	bool secrets_after;		/* a secret remains after the change */
	char *owner_name;		/* create: looked up by the writer */
	gid_t owner_gid;
	account_change_fn done;
	void *ud;
};

static void change_free(struct account_change *c)
{
	account_fields_free(c->f);
	for (int i = 0; i < ACCOUNT_SECRET_COUNT; i++)
		if (c->sec[i])
			secrets_free_len(c->sec[i], strlen(c->sec[i]) + 1);
	free(c->json);
	if (c->secret)
		secrets_free_len((char *)c->secret, c->secret_len);
	free(c->owner_name);
	free(c);
}

static struct account_change *change_new(struct account *acc,
					 enum change_kind kind,
					 account_change_fn done, void *ud)
{
	struct account_change *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->kind = kind;
	c->acc = acc;
	c->store = acc->store;
	c->dir = acc->store->dir;
	snprintf(c->id, sizeof(c->id), "%s", acc->id);
	c->owner = acc->owner;
	c->type = acc->type;
	c->done = done;
	c->ud = ud;
	return c;
}

static int write_named(const char *dir, const char *id, const char *suffix,
		       const void *data, size_t len, struct err *e)
{
	char name[ACCOUNT_ID_LEN + 8];

	snprintf(name, sizeof(name), "%s%s", id, suffix);
	return durable_write_at(AT_FDCWD, dir, name, data, len, "accounts", e);
}

static void unlink_named(const char *dir, const char *id, const char *suffix)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s%s", dir, id, suffix);
	unlink(path);
}

static int change_remove_files(struct account_change *c, struct err *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.json", c->dir, c->id);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, ERR_LOCAL, errno, errno, "accounts: cannot remove %s: %s",
			       path, strerror(errno));
	/* the settings are gone first: an orphan secret is purged at start */
	unlink_named(c->dir, c->id, ".secret");
	durable_sync_dir(AT_FDCWD, c->dir);
	return 0;
}

/* Main thread: copy @sec into @c for the writer (NULL: none given). */
static int change_take_secrets(struct account_change *c,
			       const struct account_secrets *sec, struct err *e)
{
	if (!sec)
		return 0;
	c->set_secrets = true;
	for (int i = 0; i < ACCOUNT_SECRET_COUNT; i++) {
		if (!sec->v[i])
			continue;
		c->sec[i] = strdup(sec->v[i]);
		if (!c->sec[i])
			return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	}
	return 0;
}

/* Writer thread: check the files, seal the secrets; nothing written yet. */
static int change_prepare(struct account_change *c, struct err *e)
{
	struct account_secrets sec;
	int r = 0;

	if (c->check_files)
		r = accounts_check_files(c->f, c->type, c->owner, e);
	if (r < 0 || !c->set_secrets)
		return r;
	for (int i = 0; i < ACCOUNT_SECRET_COUNT; i++)
		sec.v[i] = c->sec[i];
	return accounts_secrets_prepare(c->store, c->id, c->type, c->f, &sec,
					&c->secret, &c->secret_len,
					&c->secrets_after, e);
}

/* Writer thread: secrets first (a crash leaves an orphan start removes). */
static int change_work(void *arg, struct err *e)
{
	struct account_change *c = arg;
	int r;

	if (c->kind == CHANGE_DELETE)
		return change_remove_files(c, e);
	if (c->kind == CHANGE_CREATE)
		account_owner_lookup(c->owner, &c->owner_name, &c->owner_gid);
	r = change_prepare(c, e);
	if (r == 0 && c->secret)
		r = write_named(c->dir, c->id, ".secret", c->secret, c->secret_len, e);
	if (r == 0 && c->json)
		r = write_named(c->dir, c->id, ".json", c->json, strlen(c->json), e);
	if (r < 0 && c->kind == CHANGE_CREATE)
		unlink_named(c->dir, c->id, ".secret");
	return r;
}

/* Main thread: adopt a written Update's fields; the mask of changes. */
static uint32_t change_adopt_fields(struct account *acc, char **f)
{
	uint32_t mask = 0;

	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		if (strcmp(f[i], acc->f[i]) != 0)
			mask |= 1U << i;
		free(acc->f[i]);
		acc->f[i] = f[i];
		f[i] = NULL;
	}
	return mask;
}

static void change_created(struct account *acc, struct account_change *c)
{
	acc->creating = false;
	acc->has_secrets = c->secrets_after;
	acc->owner_name = c->owner_name;
	acc->owner_gid = c->owner_gid;
	c->owner_name = NULL;
	log_msg(LOG_INFO, "accounts: uid %u created account %s (%s)",
		(unsigned int)acc->owner, acc->id, dest_type_name(acc->type));
}

/* Main thread: the change is on disk (r == 0) or not; tell the caller. */
static void change_done(struct daemon *d, void *arg, int r, const struct err *e)
{
	struct account_change *c = arg;
	struct account *acc = c->acc;
	uint32_t changed = 0;
	bool gone = (r == 0 && c->kind == CHANGE_DELETE) ||
		    (r < 0 && c->kind == CHANGE_CREATE);

	acc->changing = false;
	acc->deleting = false;
	acc->f_next = NULL;
	if (r == 0 && c->kind == CHANGE_CREATE)
		change_created(acc, c);
	else if (r == 0 && c->kind == CHANGE_UPDATE)
		changed = change_adopt_fields(acc, c->f);
	else if (r == 0 && c->kind == CHANGE_SECRETS)
		acc->has_secrets = c->secrets_after;
	else if (r < 0 && c->kind == CHANGE_UPDATE)
		/* a counter write queued meanwhile carried the failed fields */
		account_counter_write(acc, NULL);
	if (gone)
		accounts_unlink(acc->store, acc);
	c->done(d, acc, changed, c->ud, r, e);
	if (r == 0 && c->kind == CHANGE_DELETE)
		log_msg(LOG_INFO, "accounts: account %s deleted", acc->id);
	if (gone)
		account_free(acc);
	change_free(c);
}

static int change_submit(struct account_change *c, struct err *e)
{
	int r = accounts_writer_submit(c->acc->store->writer, change_work,
				       change_done, c, NULL, e);

	if (r < 0)
		return r;
	if (c->kind != CHANGE_CREATE)
		c->acc->changing = true;
	c->acc->deleting = c->kind == CHANGE_DELETE;
	if (c->kind == CHANGE_UPDATE)
		c->acc->f_next = c->f;
	return 0;
}

/* One change at a time per account: the next is built on what it wrote. */
static int account_check_idle(const struct account *acc, struct err *e)
{
	if (acc->changing)
		return err_set(e, ERR_LOCAL, EBUSY, EBUSY,
			       "a change to this account is still being saved; try again");
	return 0;
}

/* Main thread: the fields of a new account and what the writer needs. */
static int create_prepare(struct account *acc, const char *name,
			  const struct account_settings *s,
			  const struct account_secrets *secrets,
			  struct account_change *c, struct err *e)
{
	struct account_settings all = *s;
	struct accounts *a = acc->store;
	int r;

	all.v[ACCOUNT_NAME] = name;
	r = account_fields_build(acc->f, NULL, &all, e);
	if (r == 0)
		r = accounts_check_all(acc->f, acc->type, e);
	if (r == 0)
		r = accounts_check_name_free(a, acc->owner, acc->f[ACCOUNT_NAME], NULL, e);
	if (r == 0)
		r = accounts_check_plain_http(acc->f, acc->type, false, e);
	if (r == 0)
		r = account_fields_build(c->f, acc->f, &(struct account_settings){ 0 }, e);
	if (r == 0)
		r = change_take_secrets(c, secrets, e);
	c->check_files = true;
	if (r == 0 && !(c->json = account_json_text(acc, acc->f, 0)))
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	return r;
}

int accounts_create(struct accounts *a, uid_t owner, const char *name,
		    const char *type, const struct account_settings *s,
		    const struct account_secrets *secrets,
		    account_change_fn done, void *ud, struct err *e)
{
	char id[ACCOUNT_ID_LEN + 1];
	struct account_change *c = NULL;
	struct account *acc;
	int r;

	r = accounts_check_new(a, owner, type, e);
	if (r == 0)
		r = accounts_new_id(a, id, e);
	if (r < 0)
		return r;
	acc = account_alloc(a, id, owner, dest_type_from_name(type));
	if (acc)
		c = change_new(acc, CHANGE_CREATE, done, ud);
	r = c ? create_prepare(acc, name, s, secrets, c, e) :
		err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	/* linked, invisible, while it is written: its name is taken */
	if (r == 0) {
		acc->creating = true;
		accounts_link(a, acc);
		r = change_submit(c, e);
		if (r < 0)
			accounts_unlink(a, acc);
	}
	if (r < 0) {
		if (c)
			change_free(c);
		account_free(acc);
	}
	return r;
}

int account_update(struct account *acc, const struct account_settings *s,
		   account_change_fn done, void *ud, struct err *e)
{
	struct account_change *c = change_new(acc, CHANGE_UPDATE, done, ud);
	int r;

	if (!c)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	r = account_check_idle(acc, e);
	if (r == 0)
		r = account_fields_build(c->f, acc->f, s, e);
	if (r == 0)
		r = accounts_check_all(c->f, acc->type, e);
	c->check_files = true;
	if (r == 0)
		r = accounts_check_name_free(acc->store, acc->owner, c->f[ACCOUNT_NAME],
					     acc, e);
	if (r == 0)
		r = accounts_check_plain_http(c->f, acc->type, acc->has_secrets, e);
	if (r == 0 && !(c->json = account_json_text(acc, c->f, acc->counter)))
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	if (r == 0)
		r = change_submit(c, e);
	if (r < 0)
		change_free(c);
	return r;
}

int account_set_secrets(struct account *acc, const struct account_secrets *sec,
			account_change_fn done, void *ud, struct err *e)
{
	struct account_change *c = change_new(acc, CHANGE_SECRETS, done, ud);
	int r;

	if (!c)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	r = account_check_idle(acc, e);
	if (r == 0)
		r = account_fields_build(c->f, acc->f, &(struct account_settings){ 0 }, e);
	if (r == 0)
		r = change_take_secrets(c, sec, e);
	if (r == 0)
		r = change_submit(c, e);
	if (r < 0)
		change_free(c);
	return r;
}

int accounts_delete(struct account *acc, account_change_fn done, void *ud,
		    struct err *e)
{
	struct account_change *c = change_new(acc, CHANGE_DELETE, done, ud);
	int r;

	if (!c)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	r = account_check_idle(acc, e);
	if (r == 0)
		r = change_submit(c, e);
	if (r < 0)
		change_free(c);
	return r;
}

/* Main thread: a counter write ran; it names no account (it may be gone). */
static void counter_written(struct daemon *d, void *arg, int r,
			    const struct err *e)
{
	struct account_change *c = arg;

	if (r < 0)
		log_msg(LOG_ERR, "%s; the document counter of account %s was not saved",
			e->msg, c->id);
	change_free(c);
}

/*
 * Queue a write of @acc's file with its current counter, and the fields
 * a queued Update is writing (it lands after that one). Its ticket is the
 * writer's latest (accounts_write_ticket()).
 */
int account_counter_write(struct account *acc, struct err *e)
{
	char *text = account_json_text(acc, acc->f_next ? acc->f_next : acc->f,
				       acc->counter);
	struct account_change *c;
	int r;

	c = text ? change_new(acc, CHANGE_UPDATE, NULL, NULL) : NULL;
	if (!c) {
		free(text);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	}
	c->json = text;
	r = accounts_writer_submit(acc->store->writer, change_work,
				   counter_written, c, NULL, e);
	if (r < 0)
		change_free(c);
	return r;
}

struct accounts_writer *accounts_writer_of(struct accounts *a)
{
	return a->writer;
}

uint64_t accounts_write_ticket(struct accounts *a)
{
	return accounts_writer_last_ticket(a->writer);
}

int accounts_wait_written(struct accounts *a, uint64_t ticket, struct err *e)
{
	return accounts_writer_wait(a->writer, ticket, e);
}

void accounts_stop_writer(struct accounts *a)
{
	if (a)
		accounts_writer_stop(a->writer);
}

