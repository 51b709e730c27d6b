// SPDX-License-Identifier: GPL-2.0
/*
 * ticket: the scan ticket and its JSON form (see ticket.h and
 * Documentation/spool.rst). Scalar fields are described once, in
 * ticket_fields[], and both directions walk that table so that the writer
 * and the strict reader cannot drift apart; the attempt log is the only
 * field handled by hand.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ticket.h"

enum ticket_ftype { F_STR, F_U32, F_U64, F_I64, F_SHA, F_STATE, F_CLASS,
		   F_BOOL };

struct ticket_field {
	const char *group;	/* top-level object the key lives in */
	const char *key;
	enum ticket_ftype type;
	size_t off;
	size_t size;		/* buffer size for F_STR */
	int since;		/* first version that has it; older: default */
};

#define TFV(g, k, t, m, v) \
	{ g, k, t, offsetof(struct ticket, m), sizeof(((struct ticket *)0)->m), v }
#define TF(g, k, t, m)	TFV(g, k, t, m, 1)

static const struct ticket_field ticket_fields[] = {
	TF("reading", "source", F_STR, source),
	TF("reading", "color-mode", F_STR, color_mode),
	TF("reading", "resolution", F_U32, resolution),
	TF("reading", "width-mm", F_U32, width_mm),
	TF("reading", "height-mm", F_U32, height_mm),
	TF("reading", "pages", F_U32, pages_requested),
	TF("reading", "format", F_STR, format),
	TF("model", "device", F_STR, device),
	TF("model", "model", F_STR, model),
	TFV("model", "mechanisms", F_STR, mechanisms, 2),
	TFV("processing", "codec", F_STR, codec, 2),
	TFV("processing", "quality", F_U32, quality, 2),
	TFV("processing", "compression", F_U32, compression, 2),
	TFV("processing", "ocr", F_STR, ocr, 3),
	TF("destination", "account", F_STR, account),
	TF("destination", "account-name", F_STR, account_name),
	TF("destination", "type", F_STR, dest_type),
	TF("destination", "folder", F_STR, remote_folder),
	TF("destination", "file-name", F_STR, remote_name),
	TF("document", "owner", F_U32, owner_uid),
	TF("document", "created", F_I64, created),
	TF("document", "size", F_U64, size),
	TF("document", "sha256", F_SHA, sha256),
	TF("document", "pages", F_U32, pages),
	TFV("document", "partial", F_BOOL, partial, 2),
	TF("retry", "state", F_STATE, state),
	TF("retry", "remaining", F_U32, retries_left),
	TF("retry", "next", F_I64, next_retry),
	TF("retry", "attempts", F_U32, attempts),
	TF("retry", "last-error-class", F_CLASS, last_class),
	TF("retry", "last-error", F_STR, last_error),
};

#define N_FIELDS (sizeof(ticket_fields) / sizeof(ticket_fields[0]))

/*
 * The optional group "upload": present only while a resumable upload is
 * unfinished; when present, all of its fields are. Known since version 1
 * (it did not change the version), so both versions may carry it.
 */
#define UPLOAD_GROUP "upload"
static const struct ticket_field upload_fields[] = {
	TF(UPLOAD_GROUP, "resume", F_STR, resume_state),
	TF(UPLOAD_GROUP, "acked", F_U64, resume_acked),
};

#define N_UPLOAD_FIELDS (sizeof(upload_fields) / sizeof(upload_fields[0]))

static const struct {
	const char *name;
	int since;
} ticket_groups[] = {
	{ "reading", 1 }, { "model", 1 }, { "processing", 2 },
	{ "destination", 1 }, { "document", 1 }, { "retry", 1 },
};

#define N_GROUPS (sizeof(ticket_groups) / sizeof(ticket_groups[0]))

static const char *const ticket_state_names[TICKET_STATE_COUNT] = {
	[TICKET_WAITING] = "waiting",
	[TICKET_RETRYING] = "retrying",
	[TICKET_NEEDS_ATTENTION] = "needs-attention",
};

void ticket_init(struct ticket *t)
{
	memset(t, 0, sizeof(*t));
	t->state = TICKET_WAITING;
	t->last_class = ERR_NONE;
}

const char *ticket_state_name(enum ticket_state s)
{
	if ((unsigned int)s >= TICKET_STATE_COUNT)
		return NULL;
	return ticket_state_names[s];
}

int ticket_state_from_name(const char *name)
{
	for (int i = 0; i < TICKET_STATE_COUNT; i++)
		if (name && strcmp(name, ticket_state_names[i]) == 0)
			return i;
	return -1;
}

char *ticket_partial_name(const struct ticket *t, uint32_t page, char *out,
			  size_t len)
{
	const char *dot = strrchr(t->remote_name, '.');
	const char *ext = dot && dot != t->remote_name ? dot : "";
	int stem = (int)(ext[0] ? (size_t)(dot - t->remote_name) : strlen(t->remote_name));
	char tail[64];
	int room;

	if (page)
		snprintf(tail, sizeof(tail), "-partial-%03u%s", page, ext);
	else
		snprintf(tail, sizeof(tail), "-partial-%u-pages%s", t->pages, ext);
	room = (int)len - 1 - (int)strlen(tail);
	snprintf(out, len, "%.*s%s", stem < room ? stem : (room > 0 ? room : 0),
		 t->remote_name, tail);
	return out;
}

/* Length of the valid UTF-8 character at @p (1-4), or 0 if invalid. */
static size_t ticket_utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* Overlong forms, surrogates and values above U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

size_t ticket_copy_text(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t k = 0;

	if (size == 0)
		return 0;
	while (*p) {
		size_t n = ticket_utf8_len(p);

		if (k + (n ? n : 1) >= size)
			break;
		if (n == 0) {
			dst[k++] = '?';
			p++;
			continue;
		}
		memcpy(dst + k, p, n);
		k += n;
		p += n;
	}
	dst[k] = '\0';
	return k;
}

void ticket_log_append(struct ticket *t, int64_t when, enum err_class cls,
		       const char *msg)
{
	struct ticket_attempt *a;

	if (t->n_log >= TICKET_LOG_MAX) {
		/* Keep the newest: they explain the current state; the
		 * first failure was already told in the "spooled" mail. */
		memmove(&t->log[0], &t->log[1],
			(TICKET_LOG_MAX - 1) * sizeof(t->log[0]));
		t->n_log = TICKET_LOG_MAX - 1;
	}
	a = &t->log[t->n_log++];
	a->time = when;
	a->cls = cls;
	ticket_copy_text(a->msg, sizeof(a->msg), msg);
}

static bool ticket_is_hex64(const char *s)
{
	for (int i = 0; i < TICKET_SHA256_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[TICKET_SHA256_LEN] == '\0';
}

/* Value-level checks of one table field, shared by both directions. */
static int ticket_check_field(const struct ticket *t,
			      const struct ticket_field *f, struct err *e)
{
	const char *p = (const char *)t + f->off;

	switch (f->type) {
	case F_STR:
		if (!memchr(p, '\0', f->size))
			goto bad;
		return 0;
	case F_SHA:
		if (p[0] == '\0' || ticket_is_hex64(p))
			return 0;
		goto bad;
	case F_STATE:
		if (ticket_state_name(*(const enum ticket_state *)p))
			return 0;
		goto bad;
	case F_CLASS:
		if (err_class_name(*(const enum err_class *)p))
			return 0;
		goto bad;
	case F_U64:
		if (*(const uint64_t *)p < (uint64_t)INT64_MAX)
			return 0;
		goto bad;
	case F_I64:
		if (*(const int64_t *)p >= 0)
			return 0;
		goto bad;
	case F_BOOL:
		if (*(const uint8_t *)p <= 1)
			return 0;
		goto bad;
	default:
		return 0;
	}
bad:
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "ticket: field \"%s.%s\" has an invalid value",
		       f->group, f->key);
}

int ticket_validate(const struct ticket *t, struct err *e)
{
	int r;

	for (size_t i = 0; i < N_FIELDS; i++) {
		r = ticket_check_field(t, &ticket_fields[i], e);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < N_UPLOAD_FIELDS; i++) {
		r = ticket_check_field(t, &upload_fields[i], e);
		if (r < 0)
			return r;
	}
	if (t->n_log > TICKET_LOG_MAX)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "ticket: field \"retry.log\" has %u entries (at most %d)",
			       t->n_log, TICKET_LOG_MAX);
	for (uint32_t i = 0; i < t->n_log; i++)
		if (t->log[i].time < 0 || !err_class_name(t->log[i].cls) ||
		    !memchr(t->log[i].msg, '\0', sizeof(t->log[i].msg)))
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "ticket: field \"retry.log[%u]\" has an invalid value",
				       i);
	return 0;
}

/* ---- writing ------------------------------------------------------- */

static struct json_object *ticket_field_to_json(const struct ticket *t,
						const struct ticket_field *f)
{
	const char *p = (const char *)t + f->off;

	switch (f->type) {
	case F_STR:
	case F_SHA:
		return json_object_new_string(p);
	case F_U32:
		return json_object_new_int64(*(const uint32_t *)p);
	case F_U64:
		return json_object_new_int64((int64_t)*(const uint64_t *)p);
	case F_I64:
		return json_object_new_int64(*(const int64_t *)p);
	case F_STATE:
		return json_object_new_string(
			ticket_state_name(*(const enum ticket_state *)p));
	case F_CLASS:
		return json_object_new_string(
			err_class_name(*(const enum err_class *)p));
	case F_BOOL:
		return json_object_new_boolean(*(const bool *)p);
	}
	return NULL;
}

/* Add @v under @k; false (and @v freed) when either allocation failed. */
static bool ticket_add(struct json_object *o, const char *k,
		       struct json_object *v)
{
	if (!v || json_object_object_add(o, k, v) < 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

static struct json_object *ticket_log_to_json(const struct ticket *t)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *o;

	for (uint32_t i = 0; arr && i < t->n_log; i++) {
		const struct ticket_attempt *a = &t->log[i];

		o = json_object_new_object();
		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			goto fail;
		}
		if (!ticket_add(o, "time", json_object_new_int64(a->time)) ||
		    !ticket_add(o, "class", json_object_new_string(err_class_name(a->cls))) ||
		    !ticket_add(o, "message", json_object_new_string(a->msg)))
			goto fail;
	}
	return arr;
fail:
	json_object_put(arr);
	return NULL;
}

/* Build the JSON tree; NULL on allocation failure. */
static struct json_object *ticket_build(const struct ticket *t)
{
	struct json_object *root = json_object_new_object();
	struct json_object *grp;

	if (!root || !ticket_add(root, "version", json_object_new_int(TICKET_VERSION)))
		goto fail;
	for (size_t i = 0; i < N_GROUPS; i++)
		if (!ticket_add(root, ticket_groups[i].name, json_object_new_object()))
			goto fail;
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct ticket_field *f = &ticket_fields[i];

		if (!json_object_object_get_ex(root, f->group, &grp) ||
		    !ticket_add(grp, f->key, ticket_field_to_json(t, f)))
			goto fail;
	}
	if (!json_object_object_get_ex(root, "retry", &grp) ||
	    !ticket_add(grp, "log", ticket_log_to_json(t)))
		goto fail;
	if (t->resume_state[0] &&
	    !ticket_add(root, UPLOAD_GROUP, json_object_new_object()))
		goto fail;
	for (size_t i = 0; t->resume_state[0] && i < N_UPLOAD_FIELDS; i++)
		if (!json_object_object_get_ex(root, UPLOAD_GROUP, &grp) ||
		    !ticket_add(grp, upload_fields[i].key,
				ticket_field_to_json(t, &upload_fields[i])))
			goto fail;
	return root;
fail:
	json_object_put(root);
	return NULL;
}

int ticket_to_json(const struct ticket *t, char **out, size_t *len,
		   struct err *e)
{
	struct json_object *root;
	const char *s;
	size_t n;
	char *copy;
	int r;

	r = ticket_validate(t, e);
	if (r < 0)
		return r;
	root = ticket_build(t);
	if (!root)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "ticket: out of memory building JSON");
	s = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	copy = s ? strndup(s, n) : NULL;
	json_object_put(root);
	if (!copy)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "ticket: out of memory building JSON");
	*out = copy;
	*len = n;
	return 0;
}

/* ---- reading ------------------------------------------------------- */

#define TICKET_BAD(e, fmt, ...) \
	err_set(e, ERR_INVALID, EINVAL, EINVAL, "ticket: " fmt, __VA_ARGS__)

static int ticket_get_int(struct json_object *v, const char *g, const char *k,
			  int64_t lo, int64_t hi, int64_t *out, struct err *e)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int))
		return TICKET_BAD(e, "field \"%s.%s\" must be an integer", g, k);
	x = json_object_get_int64(v);
	/* json-c saturates out-of-range numbers; INT64_MAX is never valid. */
	if (x < lo || x > hi || x == INT64_MAX)
		return TICKET_BAD(e, "field \"%s.%s\" is out of range (%lld)",
				  g, k, (long long)x);
	*out = x;
	return 0;
}

static int ticket_get_str(struct json_object *v, const char *g, const char *k,
			  char *dst, size_t size, struct err *e)
{
	int n;

	if (!json_object_is_type(v, json_type_string))
		return TICKET_BAD(e, "field \"%s.%s\" must be a string", g, k);
	n = json_object_get_string_len(v);
	if (n < 0 || (size_t)n >= size)
		return TICKET_BAD(e, "field \"%s.%s\" is too long (%d bytes, at most %zu)",
				  g, k, n, size - 1);
	if (memchr(json_object_get_string(v), '\0', (size_t)n))
		return TICKET_BAD(e, "field \"%s.%s\" contains a NUL byte", g, k);
	memcpy(dst, json_object_get_string(v), (size_t)n + 1);
	return 0;
}

static int ticket_get_name(struct json_object *v, const char *g, const char *k,
			   int (*from_name)(const char *), int *out, struct err *e)
{
	int x;

	if (!json_object_is_type(v, json_type_string))
		return TICKET_BAD(e, "field \"%s.%s\" must be a string", g, k);
	x = from_name(json_object_get_string(v));
	if (x < 0)
		return TICKET_BAD(e, "field \"%s.%s\" has an unknown value \"%.64s\"",
				  g, k, json_object_get_string(v));
	*out = x;
	return 0;
}

static int ticket_field_from_json(struct ticket *t, const struct ticket_field *f,
				  struct json_object *v, struct err *e)
{
	char *p = (char *)t + f->off;
	int64_t x;
	int r, n;

	switch (f->type) {
	case F_STR:
	case F_SHA:
		r = ticket_get_str(v, f->group, f->key, p, f->size, e);
		break;
	case F_U32:
		r = ticket_get_int(v, f->group, f->key, 0, UINT32_MAX, &x, e);
		if (r == 0)
			*(uint32_t *)p = (uint32_t)x;
		break;
	case F_U64:
	case F_I64:
		r = ticket_get_int(v, f->group, f->key, 0, INT64_MAX, &x, e);
		if (r == 0 && f->type == F_U64)
			*(uint64_t *)p = (uint64_t)x;
		else if (r == 0)
			*(int64_t *)p = x;
		break;
	case F_BOOL:
		if (!json_object_is_type(v, json_type_boolean)) {
			r = TICKET_BAD(e, "field \"%s.%s\" must be true or false",
				       f->group, f->key);
			break;
		}
		*(bool *)p = json_object_get_boolean(v);
		r = 0;
		break;
	case F_STATE:
	case F_CLASS:
		r = ticket_get_name(v, f->group, f->key, f->type == F_STATE ?
				    ticket_state_from_name : err_class_from_name, &n, e);
		if (r == 0 && f->type == F_STATE)
			*(enum ticket_state *)p = (enum ticket_state)n;
		else if (r == 0)
			*(enum err_class *)p = (enum err_class)n;
		break;
	default:
		r = TICKET_BAD(e, "field \"%s.%s\" has no reader", f->group, f->key);
	}
	if (r == 0)
		r = ticket_check_field(t, f, e);
	return r;
}

/* Reject keys the table does not know: a typo is corruption, not data. */
static int ticket_check_keys(struct json_object *grp, const char *g, int ver,
			     struct err *e)
{
	json_object_object_foreach(grp, key, val) {
		bool known = strcmp(g, "retry") == 0 && strcmp(key, "log") == 0;

		(void)val;
		for (size_t i = 0; !known && i < N_FIELDS; i++)
			known = strcmp(ticket_fields[i].group, g) == 0 &&
				strcmp(ticket_fields[i].key, key) == 0 &&
				ticket_fields[i].since <= ver;
		for (size_t i = 0; !known && i < N_UPLOAD_FIELDS; i++)
			known = strcmp(upload_fields[i].group, g) == 0 &&
				strcmp(upload_fields[i].key, key) == 0 &&
				upload_fields[i].since <= ver;
		if (!known)
			return TICKET_BAD(e, "unknown field \"%s.%.64s\"", g, key);
	}
	return 0;
}

static int ticket_attempt_from_json(struct json_object *o, uint32_t i,
				    struct ticket_attempt *a, struct err *e)
{
	struct json_object *v;
	int64_t x;
	int n, r;

	if (!json_object_is_type(o, json_type_object) ||
	    json_object_object_length(o) != 3)
		return TICKET_BAD(e, "field \"retry.log[%u]\" must be an object with time, class and message", i);
	if (!json_object_object_get_ex(o, "time", &v))
		return TICKET_BAD(e, "field \"retry.log[%u].time\" is missing", i);
	r = ticket_get_int(v, "retry.log", "time", 0, INT64_MAX, &x, e);
	if (r < 0)
		return r;
	a->time = x;
	if (!json_object_object_get_ex(o, "class", &v))
		return TICKET_BAD(e, "field \"retry.log[%u].class\" is missing", i);
	r = ticket_get_name(v, "retry.log", "class", err_class_from_name, &n, e);
	if (r < 0)
		return r;
	a->cls = (enum err_class)n;
	if (!json_object_object_get_ex(o, "message", &v))
		return TICKET_BAD(e, "field \"retry.log[%u].message\" is missing", i);
	return ticket_get_str(v, "retry.log", "message", a->msg, sizeof(a->msg), e);
}

static int ticket_log_from_json(struct json_object *retry, struct ticket *t,
				struct err *e)
{
	struct json_object *arr;
	size_t n;
	int r;

	if (!json_object_object_get_ex(retry, "log", &arr))
		return TICKET_BAD(e, "field \"%s\" is missing", "retry.log");
	if (!json_object_is_type(arr, json_type_array))
		return TICKET_BAD(e, "field \"%s\" must be an array", "retry.log");
	n = json_object_array_length(arr);
	if (n > TICKET_LOG_MAX)
		return TICKET_BAD(e, "field \"retry.log\" has %zu entries (at most %d)",
				  n, TICKET_LOG_MAX);
	for (size_t i = 0; i < n; i++) {
		r = ticket_attempt_from_json(json_object_array_get_idx(arr, i),
					     (uint32_t)i, &t->log[i], e);
		if (r < 0)
			return r;
	}
	t->n_log = (uint32_t)n;
	return 0;
}

/* Check the root object; its format version in *@version. */
static int ticket_check_root(struct json_object *root, int *version,
			     struct err *e)
{
	struct json_object *v;
	int64_t ver;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return TICKET_BAD(e, "%s", "the file is not a JSON object");
	if (!json_object_object_get_ex(root, "version", &v))
		return TICKET_BAD(e, "field \"%s\" is missing", "version");
	if (!json_object_is_type(v, json_type_int))
		return TICKET_BAD(e, "field \"%s\" must be an integer", "version");
	ver = json_object_get_int64(v);
	if (ver < 1 || ver > TICKET_VERSION)
		return TICKET_BAD(e, "unsupported version %lld (this program reads versions 1 to %d)",
				  (long long)ver, TICKET_VERSION);
	*version = (int)ver;
	json_object_object_foreach(root, key, val) {
		bool known = strcmp(key, "version") == 0 ||
			     strcmp(key, UPLOAD_GROUP) == 0;

		for (size_t i = 0; !known && i < N_GROUPS; i++)
			known = strcmp(key, ticket_groups[i].name) == 0 &&
				ticket_groups[i].since <= ver;
		if (!known)
			return TICKET_BAD(e, "unknown field \"%.64s\"", key);
		if (strcmp(key, "version") == 0)
			continue;
		if (!json_object_is_type(val, json_type_object))
			return TICKET_BAD(e, "field \"%s\" must be an object", key);
		r = ticket_check_keys(val, key, (int)ver, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ticket_fill(struct json_object *root, struct ticket *t, struct err *e)
{
	struct json_object *grp, *v;
	int r, ver = 0;

	r = ticket_check_root(root, &ver, e);
	for (size_t i = 0; r == 0 && i < N_FIELDS; i++) {
		const struct ticket_field *f = &ticket_fields[i];

		/* An older ticket lacks it: ticket_init()'s value stays. */
		if (f->since > ver)
			continue;
		if (!json_object_object_get_ex(root, f->group, &grp))
			return TICKET_BAD(e, "field \"%s\" is missing", f->group);
		if (!json_object_object_get_ex(grp, f->key, &v))
			return TICKET_BAD(e, "field \"%s.%s\" is missing", f->group, f->key);
		r = ticket_field_from_json(t, f, v, e);
	}
	if (r == 0 && json_object_object_get_ex(root, "retry", &grp))
		r = ticket_log_from_json(grp, t, e);
	if (r || !json_object_object_get_ex(root, UPLOAD_GROUP, &grp))
		return r;
	for (size_t i = 0; r == 0 && i < N_UPLOAD_FIELDS; i++) {
		if (!json_object_object_get_ex(grp, upload_fields[i].key, &v))
			return TICKET_BAD(e, "field \"%s.%s\" is missing",
					  UPLOAD_GROUP, upload_fields[i].key);
		r = ticket_field_from_json(t, &upload_fields[i], v, e);
	}
	return r;
}

static struct json_object *ticket_parse(const char *buf, size_t len, struct err *e)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;

	if (!tok) {
		err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "ticket: out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		TICKET_BAD(e, "not valid JSON (truncated or corrupt file): %s at byte %zu",
			   jerr == json_tokener_continue ? "unexpected end of data" :
			   json_tokener_error_desc(jerr), end);
		return NULL;
	}
	while (end < len && buf[end] && strchr(" \t\r\n", buf[end]))
		end++;
	if (end != len) {
		json_object_put(root);
		TICKET_BAD(e, "unexpected data after the JSON object at byte %zu", end);
		return NULL;
	}
	return root;
}

int ticket_from_json(const char *buf, size_t len, struct ticket *out,
		     struct err *e)
{
	struct json_object *root;
	struct ticket *t;
	int r;

	if (len == 0)
		return TICKET_BAD(e, "%s", "the file is empty");
	if (len > TICKET_JSON_MAX || len > INT_MAX)
		return TICKET_BAD(e, "the file is too large (%zu bytes, at most %d)",
				  len, TICKET_JSON_MAX);
	root = ticket_parse(buf, len, e);
	if (!root)
		return -EINVAL;
	/* Parse into a scratch copy so that @out is untouched on failure. */
	t = calloc(1, sizeof(*t));
	if (!t) {
		json_object_put(root);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "ticket: out of memory");
	}
	ticket_init(t);
	r = ticket_fill(root, t, e);
	json_object_put(root);
	if (r == 0)
		*out = *t;
	free(t);
	return r;
}
