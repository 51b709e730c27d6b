// SPDX-License-Identifier: GPL-2.0
/*
 * accounts: the account store of mfpscand (see accounts.h): loading the
 * account files at start (and purging what a crash left), the list of
 * accounts, their lookups and accessors. Validation is accounts_check.c,
 * the sealed secrets accounts_secrets.c, changes accounts_change.c, the
 * destination and document names accounts_dest.c. Cleanup style of these
 * files: one "goto out"/"goto fail" exit per function; buffers that held
 * secrets are cleansed before they are freed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "accounts.h"
#include "accounts_check.h"
#include "accounts_int.h"
#include "accounts_secrets.h"
#include "accounts_writer.h"
#include "config.h"
#include "log.h"
#include "secrets.h"

#define ACCOUNT_FILE_MAX	(64 * 1024)

static const char *const account_keys[ACCOUNT_FIELD_COUNT] = {
	[ACCOUNT_NAME] = "name", [ACCOUNT_URL] = "url",
	[ACCOUNT_USERNAME] = "username", [ACCOUNT_FOLDER] = "folder",
	[ACCOUNT_TEMPLATE] = "name-template", [ACCOUNT_EMAIL] = "notify-email",
	[ACCOUNT_CA_FILE] = "ca-file", [ACCOUNT_HOST_KEY] = "host-key",
	[ACCOUNT_REGION] = "region", [ACCOUNT_DOMAIN] = "domain",
	[ACCOUNT_OCR] = "ocr", [ACCOUNT_INSECURE_HTTP] = "allow-insecure-http",
};

static const char *const account_props[ACCOUNT_FIELD_COUNT] = {
	[ACCOUNT_NAME] = "Name", [ACCOUNT_URL] = "Url",
	[ACCOUNT_USERNAME] = "Username", [ACCOUNT_FOLDER] = "Folder",
	[ACCOUNT_TEMPLATE] = "NameTemplate", [ACCOUNT_EMAIL] = "NotifyEmail",
	[ACCOUNT_OCR] = "Ocr", [ACCOUNT_INSECURE_HTTP] = "AllowInsecureHttp",
};

static const char *const account_secret_keys[ACCOUNT_SECRET_COUNT] = {
	[ACCOUNT_SECRET_PASSWORD] = "password",
	[ACCOUNT_SECRET_ACCESS_KEY] = "access-key",
	[ACCOUNT_SECRET_SECRET_KEY] = "secret-key",
};

const char *account_field_key(enum account_field f)
{
	return (unsigned int)f < ACCOUNT_FIELD_COUNT ? account_keys[f] : NULL;
}

int account_field_from_key(const char *key)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++)
		if (strcmp(key, account_keys[i]) == 0)
			return i;
	return -1;
}

const char *account_field_property(enum account_field f)
{
	return (unsigned int)f < ACCOUNT_FIELD_COUNT ? account_props[f] : NULL;
}

const char *account_secret_key(enum account_secret s)
{
	return (unsigned int)s < ACCOUNT_SECRET_COUNT ? account_secret_keys[s] : NULL;
}

int account_secret_from_key(const char *key)
{
	for (int i = 0; i < ACCOUNT_SECRET_COUNT; i++)
		if (strcmp(key, account_secret_keys[i]) == 0)
			return i;
	return -1;
}

/* --- files --------------------------------------------------------------- */

/* Read a whole small file; *@out is NUL-terminated. */
int accounts_read_small(const char *path, size_t max, char **out, size_t *len,
			struct err *e)
{
	struct stat st;
	char *buf = NULL;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "accounts: cannot open %s: %s",
			       path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		r = err_set(e, ERR_LOCAL, EFBIG, EFBIG, "accounts: %s is not a regular file of at most %zu bytes",
			    path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		r = err_set(e, ERR_LOCAL, EIO, EIO, "accounts: cannot read %s", path);
		free(buf);
		goto out;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
out:
	close(fd);
	return r;
}

/* The account file's text for @f and @counter (malloc'd), or NULL. */
/* --- the store ----------------------------------------------------------- */

struct account *account_alloc(struct accounts *a, const char *id,
			      uid_t owner, enum dest_type type)
{
	struct account *acc = calloc(1, sizeof(*acc));

	if (!acc)
		return NULL;
	acc->store = a;
	acc->owner = owner;
	acc->owner_gid = (gid_t)-1;
	acc->type = type;
	snprintf(acc->id, sizeof(acc->id), "%s", id);
	snprintf(acc->path, sizeof(acc->path), ACCOUNT_PREFIX "/%s", id);
	return acc;
}

void account_fields_free(char **f)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		free(f[i]);
		f[i] = NULL;
	}
}

void account_free(struct account *acc)
{
	if (!acc)
		return;
	account_fields_free(acc->f);
	free(acc->owner_name);
	free(acc);
}

void accounts_link(struct accounts *a, struct account *acc)
{
	acc->next = a->list;
	a->list = acc;
	a->n++;
}

static bool valid_id(const char *id)
{
	return strlen(id) == ACCOUNT_ID_LEN &&
	       strspn(id, "0123456789abcdef") == ACCOUNT_ID_LEN;
}

const char *accounts_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * The name and primary group of @uid (*@name malloc'd, NULL and
 * (gid_t)-1 when it has no entry). May wait on NSS: at load, before the
 * bus is served, or on the writer thread.
 */
void account_owner_lookup(uid_t uid, char **name, gid_t *gid)
{
	char pwbuf[4096];
	struct passwd pw, *res = NULL;

	*name = NULL;
	*gid = (gid_t)-1;
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res) {
		*name = strdup(res->pw_name);
		*gid = res->pw_gid;
	}
}

/* Fill @acc's fields from a parsed account file; validated structurally. */
static int account_from_json(struct accounts *a, json_object *o,
			     const char *id, struct account **out,
			     struct err *e)
{
	const char *jid = accounts_json_str(o, "id"), *type = accounts_json_str(o, "type");
	json_object *owner, *counter;
	struct account *acc;
	int t, r = 0;

	if (!jid || strcmp(jid, id) != 0 || !type ||
	    (t = dest_type_from_name(type)) < 0 ||
	    !json_object_object_get_ex(o, "owner", &owner) ||
	    !json_object_object_get_ex(o, "counter", &counter))
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			       "id, type, owner or counter missing or wrong");
	if (json_object_get_int64(owner) < 0 ||
	    json_object_get_int64(owner) >= (int64_t)UINT32_MAX)
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG, "owner out of range");
	acc = account_alloc(a, id, (uid_t)json_object_get_int64(owner), t);
	if (!acc)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "out of memory");
	acc->counter = (uint32_t)json_object_get_int64(counter);
	for (int i = 0; i < ACCOUNT_FIELD_COUNT && r == 0; i++) {
		const char *v = accounts_json_str(o, account_keys[i]);

		acc->f[i] = strdup(v ? v : "");
		if (!acc->f[i])
			r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "out of memory");
	}
	if (r == 0)
		r = accounts_check_all(acc->f, acc->type, e);
	if (r < 0) {
		account_free(acc);
		return r;
	}
	*out = acc;
	return 0;
}

/*
 * An account from an older version or edited by hand may log in over
 * http:// without the setting: it stays loaded (its kept documents stay
 * with it) and its uploads fail as "auth" naming the setting; say so now.
 */
static void account_warn_plain_http(const struct account *acc)
{
	struct err e;

	if (accounts_check_plain_http(acc->f, acc->type, acc->has_secrets, &e) < 0)
		log_msg(LOG_WARNING, "accounts: account %s of uid %u: %s; until then its uploads fail and its documents are kept",
			acc->id, (unsigned int)acc->owner, e.msg);
}

static void accounts_load_one(struct accounts *a, const char *file)
{
	char path[PATH_MAX], id[ACCOUNT_ID_LEN + 1], *text = NULL;
	struct account *acc = NULL;
	json_object *o;
	struct err e;
	size_t len;

	snprintf(id, sizeof(id), "%.*s", (int)(strlen(file) - 5), file);
	snprintf(path, sizeof(path), "%s/%s", a->dir, file);
	if (!valid_id(id) || strlen(file) != ACCOUNT_ID_LEN + 5) {
		log_msg(LOG_WARNING, "accounts: ignoring %s: not an account file name", path);
		return;
	}
	if (accounts_read_small(path, ACCOUNT_FILE_MAX, &text, &len, &e) < 0) {
		log_msg(LOG_ERR, "%s; the account is not available", e.msg);
		return;
	}
	o = json_tokener_parse(text);
	free(text);
	if (!o || account_from_json(a, o, id, &acc, &e) < 0) {
		log_msg(LOG_ERR, "accounts: %s is damaged (%s); the account is not available until it is fixed or removed",
			path, o ? e.msg : "not JSON");
		json_object_put(o);
		return;
	}
	json_object_put(o);
	acc->has_secrets = accounts_secrets_exist(acc);
	account_owner_lookup(acc->owner, &acc->owner_name, &acc->owner_gid);
	account_warn_plain_http(acc);
	accounts_link(a, acc);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Remove half-written temp files and secrets whose account is gone. */
static void accounts_purge(struct accounts *a, const char *file)
{
	char path[PATH_MAX], json[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", a->dir, file);
	/* durable.c's temp files, and the "NAME.tmp" of older versions */
	if (strncmp(file, ".tmp-", 5) == 0 || has_suffix(file, ".tmp")) {
		log_msg(LOG_WARNING, "accounts: removing half-written %s (a crash during a change)", path);
		unlink(path);
	} else if (has_suffix(file, ".secret")) {
		snprintf(json, sizeof(json), "%s/%.*s.json", a->dir,
			 (int)(strlen(file) - 7), file);
		if (access(json, F_OK) < 0 && errno == ENOENT) {
			log_msg(LOG_WARNING, "accounts: removing %s: its account does not exist", path);
			unlink(path);
		}
	}
}

static int accounts_scan(struct accounts *a, struct err *e)
{
	DIR *dir = opendir(a->dir);
	struct dirent *de;

	if (!dir)
		return err_set(e, ERR_LOCAL, errno, errno, "accounts: cannot read %s: %s",
			       a->dir, strerror(errno));
	while ((de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] != '.' && has_suffix(de->d_name, ".json"))
			accounts_load_one(a, de->d_name);
		else
			accounts_purge(a, de->d_name);
	}
	closedir(dir);
	return 0;
}

static int mkdir_private(const char *path, struct err *e)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, ERR_LOCAL, errno, errno, "accounts: cannot create %s: %s",
			       path, strerror(errno));
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return err_set(e, ERR_LOCAL, EPERM, EPERM,
			       "accounts: %s must be a directory owned by uid %u",
			       path, (unsigned int)geteuid());
	if ((st.st_mode & 077) && chmod(path, 0700) < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "accounts: cannot chmod %s: %s",
			       path, strerror(errno));
	return 0;
}

int accounts_load(struct daemon *d, struct accounts **out, struct err *e)
{
	const char *state = d->config->state_dir;
	struct accounts *a = calloc(1, sizeof(*a));
	int r;

	if (!a || asprintf(&a->dir, "%s/accounts", state) < 0) {
		free(a);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	}
	a->d = d;
	r = mkdir_private(state, e);
	if (r == 0)
		r = mkdir_private(a->dir, e);
	if (r == 0)
		r = secrets_key_load(state, &a->key, e);
	if (r == 0)
		r = accounts_scan(a, e);
	if (r == 0)
		r = accounts_writer_start(d, &a->writer, e);
	if (r < 0) {
		accounts_free(a);
		return r;
	}
	log_msg(LOG_INFO, "accounts: %zu accounts loaded from %s", a->n, a->dir);
	*out = a;
	return 0;
}

struct accounts *accounts_free(struct accounts *a)
{
	if (!a)
		return NULL;
	a->writer = accounts_writer_free(a->writer);
	while (a->list) {
		struct account *next = a->list->next;

		account_free(a->list);
		a->list = next;
	}
	secrets_key_free(a->key);
	free(a->dir);
	free(a);
	return NULL;
}

/* An account whose Create is still being written does not exist yet. */
static struct account *visible_from(struct account *acc)
{
	while (acc && acc->creating)
		acc = acc->next;
	return acc;
}

struct account *accounts_next(struct accounts *a, struct account *prev)
{
	return visible_from(prev ? prev->next : a->list);
}

struct account *accounts_by_id(struct accounts *a, const char *id)
{
	for (struct account *acc = a->list; acc; acc = acc->next)
		if (!acc->creating && strcmp(acc->id, id) == 0)
			return acc;
	return NULL;
}

struct account *accounts_by_path(struct accounts *a, const char *path)
{
	size_t n = strlen(ACCOUNT_PREFIX);

	if (!a || !path || strncmp(path, ACCOUNT_PREFIX "/", n + 1) != 0)
		return NULL;
	return accounts_by_id(a, path + n + 1);
}

void accounts_unlink(struct accounts *a, struct account *acc)
{
	for (struct account **pp = &a->list; *pp; pp = &(*pp)->next) {
		if (*pp == acc) {
			*pp = acc->next;
			a->n--;
			return;
		}
	}
}

/* --- accessors (daemon.h and accounts.h) ----------------------------------- */

uid_t account_owner(const struct account *acc)
{
	return acc->owner;
}

const char *account_path(const struct account *acc)
{
	return acc->path;
}

const char *account_name(const struct account *acc)
{
	return acc->f[ACCOUNT_NAME];
}

const char *account_id(const struct account *acc)
{
	return acc->id;
}

const char *account_type_name(const struct account *acc)
{
	return dest_type_name(acc->type);
}

const char *account_get(const struct account *acc, enum account_field f)
{
	return (unsigned int)f < ACCOUNT_FIELD_COUNT ? acc->f[f] : "";
}

const char *account_notify_email(const struct account *acc)
{
	return *acc->f[ACCOUNT_EMAIL] ? acc->f[ACCOUNT_EMAIL] : NULL;
}
