// SPDX-License-Identifier: GPL-2.0
/*
 * accounts: the account store of mfpscand (see accounts.h): validation of
 * every setting, the durable JSON files, the sealed secrets and the
 * per-account document counter. Cleanup style of this file: one "goto
 * out"/"goto fail" exit per function; buffers that held secrets are
 * cleansed before they are freed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "accounts.h"
#include "config.h"
#include "accounts_writer.h"
#include "durable.h"
#include "log.h"
#include "name_template.h"
#include "ph_client.h"
#include "scan_options.h"
#include "secrets.h"
#include "upload.h"

#define ACCOUNT_FILE_MAX	(64 * 1024)
#define ACCOUNT_SECRET_FILE_MAX	(SECRETS_PLAIN_MAX + SECRETS_OVERHEAD)
#define ACCOUNT_URL_MAX		2048
#define ACCOUNT_VALUE_MAX	1024
#define ACCOUNT_SECRET_MAX	4096
#define ACCOUNT_VERSION		1

struct account {
	struct account *next;
	struct accounts *store;
	char id[ACCOUNT_ID_LEN + 1];
	char path[sizeof(ACCOUNT_PREFIX) + ACCOUNT_ID_LEN + 2];
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

/* --- validation ---------------------------------------------------------- */

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

static int bad(struct err *e, enum account_field f, const char *why)
{
	/* through the bounds check: GCC's -fsanitize build sees any int */
	const char *key = account_field_key(f);

	return err_set(e, ERR_INVALID, 0, EINVAL, "setting '%s': %s",
		       key ? key : "?", why);
}

static int check_name(const char *v, struct err *e)
{
	if (!*v)
		return bad(e, ACCOUNT_NAME, "the account name must not be empty");
	if (strlen(v) > ACCOUNT_NAME_MAX)
		return bad(e, ACCOUNT_NAME, "the account name is longer than 128 bytes");
	if (has_control(v))
		return bad(e, ACCOUNT_NAME, "the account name must not contain control characters");
	return 0;
}

/* scheme://host[:port][/path] without user:password@ */
static int check_url(const char *v, enum dest_type type, struct err *e)
{
	const char *host, *end;

	if (type == DEST_LOCAL)
		return *v ? bad(e, ACCOUNT_URL, "a local account has no url; give its directory as 'folder'") : 0;
	if (strlen(v) > ACCOUNT_URL_MAX || has_control(v) || strchr(v, ' '))
		return bad(e, ACCOUNT_URL, "must be a URL of at most 2048 characters without spaces or control characters");
	if (type == DEST_SFTP && strncmp(v, "sftp://", 7) != 0)
		return bad(e, ACCOUNT_URL, "an sftp account needs a url like sftp://host:22/~");
	if (type == DEST_SMB && strncmp(v, "smb://", 6) != 0)
		return bad(e, ACCOUNT_URL, "an smb account needs a url like smb://server/share");
	if (type != DEST_SFTP && type != DEST_SMB && strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0)
		return bad(e, ACCOUNT_URL, "a webdav or s3 account needs a url starting with https:// (or http://)");
	host = strstr(v, "://") + 3;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return bad(e, ACCOUNT_URL, "the url has no host");
	if (memchr(host, '@', (size_t)(end - host)))
		return bad(e, ACCOUNT_URL, "the url must not contain credentials: give 'username' and set the password with SetSecrets");
	return 0;
}

static int check_text(const char *v, enum account_field f, size_t max,
		      struct err *e)
{
	if (strlen(v) > max || has_control(v))
		return bad(e, f, max == ACCOUNT_VALUE_MAX ?
			   "must be at most 1024 bytes without control characters" :
			   "must be at most 256 bytes without control characters");
	return 0;
}

/* Ordinary users may only name a local folder that is theirs. */
/*
 * The privilege helper checks the folder as its owner will be checked at
 * upload (privsep.rst): the daemon itself may not even see inside it.
 */
static int check_local_dir(const char *v, uid_t owner, struct err *e)
{
	char why[ERR_MSG_MAX - 64];

	if (ph_check_folder(v, owner, why, sizeof(why)) < 0)
		return bad(e, ACCOUNT_FOLDER, why);
	return 0;
}

static int check_folder(const char *v, enum dest_type type, uid_t owner,
			bool check_fs, struct err *e)
{
	const char *p = v;

	if (check_text(v, ACCOUNT_FOLDER, ACCOUNT_VALUE_MAX, e) < 0)
		return -EINVAL;
	if (strchr(v, '\\'))
		return bad(e, ACCOUNT_FOLDER, "use '/' between folder names, not '\\'");
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return bad(e, ACCOUNT_FOLDER, "must not have \".\" or \"..\" components");
		p += n;
		p += *p == '/';
	}
	if (type != DEST_LOCAL)
		return 0;
	if (v[0] != '/')
		return bad(e, ACCOUNT_FOLDER, "a local account needs an absolute directory, like /srv/scans/alice");
	return check_fs ? check_local_dir(v, owner, e) : 0;
}

static int check_email(const char *v, struct err *e)
{
	const char *at = strchr(v, '@');

	if (!*v)
		return 0;
	if (strlen(v) > 254 || !at || at == v || !at[1] || strchr(at + 1, '@') ||
	    !strchr(at + 1, '.') || has_control(v) || strpbrk(v, " <>,;\"()[]\\"))
		return bad(e, ACCOUNT_EMAIL, "must be one plain address like alice@example.org");
	return 0;
}

static int check_ca_file(const char *v, uid_t owner, bool check_fs,
			 struct err *e)
{
	struct stat st;

	if (!*v)
		return 0;
	if (v[0] != '/' || check_text(v, ACCOUNT_CA_FILE, ACCOUNT_VALUE_MAX, e) < 0)
		return bad(e, ACCOUNT_CA_FILE, "must be the absolute path of a PEM file");
	if (!check_fs)
		return 0;
	if (stat(v, &st) < 0 || !S_ISREG(st.st_mode))
		return bad(e, ACCOUNT_CA_FILE, "is not an existing regular file");
	/* the daemon reads it as root: do not let a user name a private file */
	if (owner != 0 && st.st_uid != owner && !(st.st_mode & S_IROTH))
		return bad(e, ACCOUNT_CA_FILE, "must be a file you own or a world-readable file");
	return 0;
}

static int check_host_key(const char *v, struct err *e)
{
	size_t n = strlen(v);

	if (!*v)
		return 0;
	if ((n != 43 && n != 44) || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return bad(e, ACCOUNT_HOST_KEY, "must be the base64 SHA256 fingerprint of the server's host key (ssh-keygen -lf KEY.pub shows it after \"SHA256:\")");
	return 0;
}

static int check_region(const char *v, struct err *e)
{
	size_t n = strlen(v);

	if (n > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return bad(e, ACCOUNT_REGION, "must be an S3 region like eu-central-1");
	return 0;
}

static int check_field(enum account_field f, const char *v,
		       enum dest_type type, uid_t owner, bool check_fs,
		       struct err *e)
{
	struct err te;

	switch (f) {
	case ACCOUNT_NAME: return check_name(v, e);
	case ACCOUNT_URL: return check_url(v, type, e);
	case ACCOUNT_USERNAME: return check_text(v, f, 256, e);
	case ACCOUNT_FOLDER: return check_folder(v, type, owner, check_fs, e);
	case ACCOUNT_TEMPLATE:
		if (*v && name_template_validate(v, &te) < 0)
			return bad(e, f, te.msg);
		return 0;
	case ACCOUNT_EMAIL: return check_email(v, e);
	case ACCOUNT_CA_FILE: return check_ca_file(v, owner, check_fs, e);
	case ACCOUNT_HOST_KEY: return check_host_key(v, e);
	case ACCOUNT_REGION: return check_region(v, e);
	case ACCOUNT_DOMAIN: return check_text(v, f, 256, e);
	case ACCOUNT_OCR:
		if (*v && !scan_options_ocr_valid(v))
			return bad(e, f, "must be off, on or Tesseract languages such as eng+deu");
		return 0;
	case ACCOUNT_INSECURE_HTTP:
		if (*v && strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return bad(e, f, "must be yes or no");
		return 0;
	default: return bad(e, f, "unknown setting");
	}
}

/* Check @f as a whole: each field, then what the type requires. */
static int check_all(char *const *f, enum dest_type type, uid_t owner,
		     bool check_fs, struct err *e)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		int r = check_field(i, f[i], type, owner, check_fs, e);

		if (r < 0)
			return r;
	}
	if (type != DEST_LOCAL && !*f[ACCOUNT_URL])
		return bad(e, ACCOUNT_URL, "is required for this account type");
	if (type == DEST_LOCAL && !*f[ACCOUNT_FOLDER])
		return bad(e, ACCOUNT_FOLDER, "is required for a local account");
	if (type == DEST_SFTP && !*f[ACCOUNT_USERNAME])
		return bad(e, ACCOUNT_USERNAME, "is required for an sftp account");
	if (type == DEST_SFTP && !*f[ACCOUNT_HOST_KEY])
		return bad(e, ACCOUNT_HOST_KEY, "is required for an sftp account (the server's key is pinned)");
	if (type == DEST_SMB && !*f[ACCOUNT_USERNAME])
		return bad(e, ACCOUNT_USERNAME, "is required for an smb account");
	return 0;
}

/*
 * Logging in over plain http:// needs the account's consent (upload.h has
 * the rule); @has_secrets: a password or keys are, or will be, stored.
 */
static int check_plain_http(char *const *f, enum dest_type type,
			    bool has_secrets, struct err *e)
{
	return upload_check_plain_http(type, f[ACCOUNT_URL],
				       *f[ACCOUNT_USERNAME] || has_secrets,
				       strcmp(f[ACCOUNT_INSECURE_HTTP], "yes") == 0,
				       ERR_INVALID, e);
}

/* --- files --------------------------------------------------------------- */

/* Read a whole small file; *@out is NUL-terminated. */
static int read_small(const char *path, size_t max, char **out, size_t *len,
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
		json_object_object_add(o, account_keys[i], json_object_new_string(f[i]));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	dup = text ? strdup(text) : NULL;
	json_object_put(o);
	return dup;
}

/* --- secrets ------------------------------------------------------------- */

/* json-c keeps copies of the strings: wipe them before the object goes. */
static void json_cleanse_put(json_object *o)
{
	if (!o)
		return;
	json_object_object_foreach(o, key, val) {
		if (json_object_is_type(val, json_type_string))
			OPENSSL_cleanse((char *)json_object_get_string(val),
					(size_t)json_object_get_string_len(val));
		(void)key;
	}
	json_object_put(o);
}

/* The stored secrets as a JSON object (empty when there are none). */
static int secrets_load(const struct account *acc, json_object **out,
			struct err *e)
{
	char path[PATH_MAX], *blob = NULL, *plain = NULL;
	size_t len = 0, plen;
	json_object *o;
	int r;

	snprintf(path, sizeof(path), "%s/%s.secret", acc->store->dir, acc->id);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*out = json_object_new_object();
		return *out ? 0 : err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	}
	r = read_small(path, ACCOUNT_SECRET_FILE_MAX, &blob, &len, e);
	if (r < 0)
		return r;
	r = secrets_open(acc->store->key, acc->id, (uint8_t *)blob, len, &plain,
			 &plen, e);
	free(blob);
	if (r < 0)
		return r;
	o = json_tokener_parse(plain);
	secrets_free(plain);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_cleanse_put(o);
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			       "accounts: the secrets of account %s are damaged; set them again",
			       acc->id);
	}
	*out = o;
	return 0;
}

/* Seal @o for @acc's secrets file (*@blob malloc'd). */
static int secrets_seal_obj(const struct account *acc, json_object *o,
			    uint8_t **blob, size_t *len, struct err *e)
{
	const char *text;
	size_t tlen;
	int r;

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!text)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	tlen = strlen(text);
	r = secrets_seal(acc->store->key, acc->id, text, tlen, blob, len, e);
	/* the serialised text is json-c's buffer: wipe it */
	OPENSSL_cleanse((char *)text, tlen);
	return r;
}

static int secrets_merge(json_object *o, const struct account_secrets *sec,
			 struct err *e)
{
	for (int i = 0; i < ACCOUNT_SECRET_COUNT; i++) {
		const char *v = sec->v[i];

		if (!v)
			continue;
		if (strlen(v) > ACCOUNT_SECRET_MAX)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "secret '%s' is longer than %d bytes",
				       account_secret_keys[i], ACCOUNT_SECRET_MAX);
		json_object *old;

		if (json_object_object_get_ex(o, account_secret_keys[i], &old) &&
		    json_object_is_type(old, json_type_string))
			OPENSSL_cleanse((char *)json_object_get_string(old),
					(size_t)json_object_get_string_len(old));
		json_object_object_del(o, account_secret_keys[i]);
		if (*v)
			json_object_object_add(o, account_secret_keys[i],
					       json_object_new_string(v));
	}
	return 0;
}

/*
 * The sealed secrets @acc will have with @sec merged in (*@blob malloc'd),
 * checked against the plain-http rule; *@any: a secret remains.
 */
static int secrets_prepare(const struct account *acc,
			   const struct account_secrets *sec, uint8_t **blob,
			   size_t *len, bool *any, struct err *e)
{
	json_object *o = NULL;
	int r;

	r = secrets_load(acc, &o, e);
	if (r == -EBADMSG) {
		/* undecryptable: setting new secrets is the documented fix */
		log_msg(LOG_WARNING, "accounts: %s: replacing unreadable secrets", acc->id);
		o = json_object_new_object();
		r = o ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	r = secrets_merge(o, sec, e);
	*any = r == 0 && json_object_object_length(o) > 0;
	if (r == 0)
		r = check_plain_http(acc->f, acc->type, *any, e);
	if (r == 0)
		r = secrets_seal_obj(acc, o, blob, len, e);
	json_cleanse_put(o);
	return r;
}

/* --- the store ----------------------------------------------------------- */

static struct account *account_alloc(struct accounts *a, const char *id,
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

static void fields_free(char **f)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		free(f[i]);
		f[i] = NULL;
	}
}

static void account_free(struct account *acc)
{
	if (!acc)
		return;
	fields_free(acc->f);
	free(acc->owner_name);
	free(acc);
}

static void accounts_link(struct accounts *a, struct account *acc)
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

static const char *json_str(json_object *o, const char *key)
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
static void owner_lookup(uid_t uid, char **name, gid_t *gid)
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
	const char *jid = json_str(o, "id"), *type = json_str(o, "type");
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
		const char *v = json_str(o, account_keys[i]);

		acc->f[i] = strdup(v ? v : "");
		if (!acc->f[i])
			r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "out of memory");
	}
	if (r == 0)
		r = check_all(acc->f, acc->type, acc->owner, false, e);
	if (r < 0) {
		account_free(acc);
		return r;
	}
	*out = acc;
	return 0;
}

/* Is there a secrets file? (Whether it holds a secret needs the key.) */
static bool secrets_file_exists(const struct account *acc)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.secret", acc->store->dir, acc->id);
	return access(path, F_OK) == 0;
}

/*
 * An account from an older version or edited by hand may log in over
 * http:// without the setting: it stays loaded (its kept documents stay
 * with it) and its uploads fail as "auth" naming the setting; say so now.
 */
static void account_warn_plain_http(const struct account *acc)
{
	struct err e;

	if (check_plain_http(acc->f, acc->type, acc->has_secrets, &e) < 0)
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
	if (read_small(path, ACCOUNT_FILE_MAX, &text, &len, &e) < 0) {
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
	acc->has_secrets = secrets_file_exists(acc);
	owner_lookup(acc->owner, &acc->owner_name, &acc->owner_gid);
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
static int fields_build(char **f, char *const *base,
			const struct account_settings *s, struct err *e)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		const char *v = s->v[i] ? s->v[i] : base ? base[i] : "";

		if (i == ACCOUNT_HOST_KEY && strncmp(v, "SHA256:", 7) == 0)
			v += 7;
		f[i] = strdup(v);
		if (!f[i]) {
			fields_free(f);
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
 * this (and the store's immutable dir), never the account itself.
 */
struct account_change {
	enum change_kind kind;
	struct account *acc;
	const char *dir;
	char id[ACCOUNT_ID_LEN + 1];
	uid_t owner;
	char *f[ACCOUNT_FIELD_COUNT];	/* create, update: the new fields */
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
	fields_free(c->f);
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
	c->dir = acc->store->dir;
	snprintf(c->id, sizeof(c->id), "%s", acc->id);
	c->owner = acc->owner;
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

/* Writer thread: secrets first (a crash leaves an orphan start removes). */
static int change_work(void *arg, struct err *e)
{
	struct account_change *c = arg;
	int r = 0;

	if (c->kind == CHANGE_DELETE)
		return change_remove_files(c, e);
	if (c->kind == CHANGE_CREATE)
		owner_lookup(c->owner, &c->owner_name, &c->owner_gid);
	if (c->secret)
		r = write_named(c->dir, c->id, ".secret", c->secret, c->secret_len, e);
	if (r == 0 && c->json)
		r = write_named(c->dir, c->id, ".json", c->json, strlen(c->json), e);
	if (r < 0 && c->kind == CHANGE_CREATE)
		unlink_named(c->dir, c->id, ".secret");
	return r;
}

static void accounts_unlink(struct accounts *a, struct account *acc)
{
	for (struct account **pp = &a->list; *pp; pp = &(*pp)->next) {
		if (*pp == acc) {
			*pp = acc->next;
			a->n--;
			return;
		}
	}
}

static int account_counter_write(struct account *acc, struct err *e);

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

static int create_prepare(struct account *acc, const char *name,
			  const struct account_settings *s,
			  const struct account_secrets *secrets,
			  struct account_change *c, struct err *e)
{
	struct account_settings all = *s;
	struct accounts *a = acc->store;
	int r;

	all.v[ACCOUNT_NAME] = name;
	r = fields_build(acc->f, NULL, &all, e);
	if (r == 0)
		r = check_all(acc->f, acc->type, acc->owner, true, e);
	if (r == 0)
		r = accounts_check_name_free(a, acc->owner, acc->f[ACCOUNT_NAME], NULL, e);
	if (r == 0)
		r = check_plain_http(acc->f, acc->type, false, e);
	if (r == 0 && secrets)
		r = secrets_prepare(acc, secrets, &c->secret, &c->secret_len,
				    &acc->has_secrets, e);
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
		r = fields_build(c->f, acc->f, s, e);
	if (r == 0)
		r = check_all(c->f, acc->type, acc->owner, true, e);
	if (r == 0)
		r = accounts_check_name_free(acc->store, acc->owner, c->f[ACCOUNT_NAME],
					     acc, e);
	if (r == 0)
		r = check_plain_http(c->f, acc->type, acc->has_secrets, e);
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
		r = secrets_prepare(acc, sec, &c->secret, &c->secret_len,
				    &c->secrets_after, e);
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
static int account_counter_write(struct account *acc, struct err *e)
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

/* --- destination and names ------------------------------------------------ */

static int dup_or_null(const char **dst, const char *v)
{
	*dst = NULL;
	if (!v || !*v)
		return 0;
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int dest_fill_secrets(const struct account *acc, struct dest *d,
			     struct err *e)
{
	const char *pw, *ak, *sk;
	json_object *o;
	int r;

	r = secrets_load(acc, &o, e);
	if (r < 0)
		return r;
	pw = json_str(o, "password");
	ak = json_str(o, "access-key");
	sk = json_str(o, "secret-key");
	r = dup_or_null(&d->password, acc->type == DEST_S3 ? sk : pw);
	if (r == 0)
		r = dup_or_null(&d->access_key, ak);
	json_cleanse_put(o);
	return r < 0 ? err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory") : 0;
}

/* The owner and primary group a local document is handed to. */
static void dest_set_owner(const struct account *acc, struct dest *d)
{
	d->owner_uid = acc->owner;
	d->owner_gid = acc->owner_gid;
}

int account_dest_get(const struct account *acc, struct dest *dest,
		     struct err *e)
{
	struct dest d = {
		.type = acc->type,
		.timeout_s = acc->store->d->config->upload_timeout_s,
	};
	int r = 0;

	if (acc->type == DEST_LOCAL) {
		/* the folder could have changed hands since it was checked */
		r = check_local_dir(acc->f[ACCOUNT_FOLDER], acc->owner, e);
		if (r < 0)
			return r;
		dest_set_owner(acc, &d);
	}
	r |= dup_or_null(&d.url, acc->f[ACCOUNT_URL]);
	r |= dup_or_null(&d.folder, acc->f[ACCOUNT_FOLDER]);
	r |= dup_or_null(&d.username, acc->f[ACCOUNT_USERNAME]);
	r |= dup_or_null(&d.region, acc->f[ACCOUNT_REGION]);
	r |= dup_or_null(&d.ca_file, acc->f[ACCOUNT_CA_FILE]);
	r |= dup_or_null(&d.host_key_sha256, acc->f[ACCOUNT_HOST_KEY]);
	r |= dup_or_null(&d.domain, acc->f[ACCOUNT_DOMAIN]);
	d.allow_insecure_http = strcmp(acc->f[ACCOUNT_INSECURE_HTTP], "yes") == 0;
	d.resume_threshold = acc->store->d->config->upload_resume_threshold;
	d.resume_chunk = acc->store->d->config->upload_resume_chunk;
	if (r < 0)
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	if (r == 0)
		r = dest_fill_secrets(acc, &d, e);
	if (r < 0) {
		account_dest_release(&d);
		return r;
	}
	*dest = d;
	return 0;
}

static void free_secret_str(const char *s)
{
	if (s)
		secrets_free_len((char *)s, strlen(s) + 1);
}

void account_dest_release(struct dest *d)
{
	free((char *)d->url);
	free((char *)d->folder);
	free((char *)d->username);
	free((char *)d->region);
	free((char *)d->ca_file);
	free((char *)d->host_key_sha256);
	free((char *)d->domain);
	free_secret_str(d->password);
	free_secret_str(d->access_key);
	memset(d, 0, sizeof(*d));
}

int account_make_name_counter(struct account *acc, const char *job_name,
			      const char *extension, int page,
			      uint32_t *counter, char *out, size_t len,
			      struct err *e)
{
	bool fresh = *counter == 0;
	struct name_fields f = {
		.when = time(NULL), .name = job_name, .page = page,
		.counter = fresh ? acc->counter + 1 : *counter,
	};
	char uidname[32], buf[NAME_TEMPLATE_MAX + 1];
	int r;

	if (acc->owner_name)
		f.user = acc->owner_name;
	else
		f.user = (snprintf(uidname, sizeof(uidname), "uid%u",
				   (unsigned int)acc->owner), uidname);
	r = name_template_expand(acc->f[ACCOUNT_TEMPLATE], &f, extension, buf,
				 sizeof(buf), e);
	if (r == 0 && strlen(buf) >= len)
		r = err_set(e, ERR_LOCAL, ENAMETOOLONG, ENAMETOOLONG,
			    "accounts: file name buffer too small");
	if (r == 0 && fresh && acc->deleting)
		r = err_set(e, ERR_NOT_FOUND, 0, ENOENT, "the account is being deleted");
	if (r < 0)
		return r;
	/*
	 * The counter is written by the writer thread; the caller waits for
	 * it (accounts_wait_written()) before the name is used, so a crash
	 * never reuses a counter value. A value whose write fails is skipped.
	 */
	if (fresh) {
		acc->counter++;
		r = account_counter_write(acc, e);
		if (r < 0)
			return r;
		acc->last_page_counter = acc->counter;
		*counter = acc->counter;
	}
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

int account_make_name(struct account *acc, const char *job_name,
		      const char *extension, int page, char *out, size_t len,
		      struct err *e)
{
	/*
	 * The pages of one document share its number: page 1 (or a whole
	 * document) takes a new one, later pages reuse the last one. Jobs
	 * that may interleave pages should use account_make_name_counter().
	 */
	uint32_t counter = page > 1 ? acc->last_page_counter : 0;

	return account_make_name_counter(acc, job_name, extension, page,
					 &counter, out, len, e);
}
