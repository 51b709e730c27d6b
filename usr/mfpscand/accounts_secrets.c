// SPDX-License-Identifier: GPL-2.0
/*
 * accounts_secrets: an account's sealed secrets file (see
 * accounts_secrets.h): read and opened with the machine key, merged with
 * new values, sealed again; and the secrets copied into a destination for
 * one use. Every buffer that held a secret is cleansed before it is freed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "accounts.h"
#include "accounts_check.h"
#include "accounts_int.h"
#include "accounts_secrets.h"
#include "log.h"
#include "secrets.h"

#define ACCOUNT_SECRET_FILE_MAX	(SECRETS_PLAIN_MAX + SECRETS_OVERHEAD)
#define ACCOUNT_SECRET_MAX	4096

/* json-c keeps copies of the strings: wipe them before the object goes. */
void accounts_secrets_put(json_object *o)
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

int accounts_secrets_load(const struct accounts *a, const char *id,
			  json_object **out, struct err *e)
{
	char path[PATH_MAX], *blob = NULL, *plain = NULL;
	size_t len = 0, plen;
	json_object *o;
	int r;

	snprintf(path, sizeof(path), "%s/%s.secret", a->dir, id);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*out = json_object_new_object();
		return *out ? 0 : err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	}
	r = accounts_read_small(path, ACCOUNT_SECRET_FILE_MAX, &blob, &len, e);
	if (r < 0)
		return r;
	r = secrets_open(a->key, id, (uint8_t *)blob, len, &plain, &plen, e);
	free(blob);
	if (r < 0)
		return r;
	o = json_tokener_parse(plain);
	secrets_free(plain);
	if (!o || !json_object_is_type(o, json_type_object)) {
		accounts_secrets_put(o);
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			       "accounts: the secrets of account %s are damaged; set them again",
			       id);
	}
	*out = o;
	return 0;
}

/* Seal @o for the secrets file of account @id (*@blob malloc'd). */
static int secrets_seal_obj(const struct accounts *a, const char *id,
			    json_object *o, uint8_t **blob, size_t *len,
			    struct err *e)
{
	const char *text;
	size_t tlen;
	int r;

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!text)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	tlen = strlen(text);
	r = secrets_seal(a->key, id, text, tlen, blob, len, e);
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
				       account_secret_key(i), ACCOUNT_SECRET_MAX);
		json_object *old;

		if (json_object_object_get_ex(o, account_secret_key(i), &old) &&
		    json_object_is_type(old, json_type_string))
			OPENSSL_cleanse((char *)json_object_get_string(old),
					(size_t)json_object_get_string_len(old));
		json_object_object_del(o, account_secret_key(i));
		if (*v)
			json_object_object_add(o, account_secret_key(i),
					       json_object_new_string(v));
	}
	return 0;
}

int accounts_secrets_prepare(const struct accounts *a, const char *id,
			     enum dest_type type, char *const *f,
			     const struct account_secrets *sec, uint8_t **blob,
			     size_t *len, bool *any, struct err *e)
{
	json_object *o = NULL;
	int r;

	r = accounts_secrets_load(a, id, &o, e);
	if (r == -EBADMSG) {
		/* undecryptable: setting new secrets is the documented fix */
		log_msg(LOG_WARNING, "accounts: %s: replacing unreadable secrets", id);
		o = json_object_new_object();
		r = o ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	r = secrets_merge(o, sec, e);
	*any = r == 0 && json_object_object_length(o) > 0;
	if (r == 0)
		r = accounts_check_plain_http(f, type, *any, e);
	if (r == 0)
		r = secrets_seal_obj(a, id, o, blob, len, e);
	accounts_secrets_put(o);
	return r;
}

/* Is there a secrets file? (Whether it holds a secret needs the key.) */
bool accounts_secrets_exist(const struct account *acc)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.secret", acc->store->dir, acc->id);
	return access(path, F_OK) == 0;
}
