// SPDX-License-Identifier: GPL-2.0
/*
 * bus_account: the org.mfpscan.Daemon1.Account objects, one per account at
 * /org/mfpscan/Daemon1/account/<id>. A fallback vtable whose find callback
 * answers "no such object" for accounts the caller does not own (root sees
 * all), so that another user's account is indistinguishable from one that
 * does not exist. Check() logs in to the destination on a worker thread
 * and answers from the main thread through daemon_post(), so a slow
 * server never blocks the bus; Create, Update, SetSecrets and Delete are
 * answered once the writer thread has their change on disk (accounts.h).
 * No property or method returns a secret.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "bus.h"
#include "log.h"
#include "upload.h"

#define DICT_ENTRIES_MAX 32
#define CHECKS_PER_USER_MAX 4	/* Check() calls running at once per user */
#define CHECKS_MAX 32		/* ... and in all */

/* One running Check(): owned by the main thread except while the worker
 * runs upload_check() on dest/space/e. */
struct check_req {
	struct check_req *next;
	sd_bus_message *m;		/* the call, answered at the end */
	char account[ACCOUNT_PATH_MAX];	/* its path, for the secrets */
	struct dest dest;		/* private copy; the worker adds secrets */
	bool unsealed;			/* ... and did (else @e is why not) */
	struct upload_space space;
	struct err e;
	int r;
	pthread_t thread;
	bool joined;
	uid_t uid;			/* the caller, for the limits above */
	struct daemon *d;
};

static struct check_req *check_reqs;	/* running or awaiting their reply */
static struct daemon *bus_acct_d;	/* set by bus_account_register() */

/* --- dictionaries --------------------------------------------------------- */

/* Walk an a{sv} of strings, calling @set for each key. */
static int read_string_dict(sd_bus_message *m, const char *what,
			    int (*set)(void *ctx, const char *key,
				       const char *v, struct err *e),
			    void *ctx, struct err *e)
{
	const char *key, *v;
	int r, n = 0;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL, "the %s must be a dictionary a{sv}", what);
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if (++n > DICT_ENTRIES_MAX)
			return err_set(e, ERR_INVALID, 0, E2BIG, "too many %s", what);
		if (sd_bus_message_read(m, "s", &key) < 0 ||
		    sd_bus_message_enter_container(m, 'v', NULL) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL, "the %s could not be read", what);
		r = bus_read_string_variant(m, key, &v, e);
		if (r == 0)
			r = set(ctx, key, v, e);
		if (r < 0)
			return r;
		if (sd_bus_message_exit_container(m) < 0 ||
		    sd_bus_message_exit_container(m) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL, "the %s could not be read", what);
	}
	if (r < 0 || sd_bus_message_exit_container(m) < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL, "the %s could not be read", what);
	return 0;
}

struct settings_ctx {
	struct account_settings *s;
	bool allow_name;
};

static int settings_set(void *ctx, const char *key, const char *v,
			struct err *e)
{
	struct settings_ctx *c = ctx;
	int f = account_field_from_key(key);

	if (f < 0 || (f == ACCOUNT_NAME && !c->allow_name))
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "unknown setting '%.64s' (known: %surl, username, folder, name-template, notify-email, ca-file, host-key, region, domain, ocr, allow-insecure-http)",
			       key, c->allow_name ? "name, " : "");
	if (c->s->v[f])
		return err_set(e, ERR_INVALID, 0, EINVAL, "setting '%s' is given twice", key);
	c->s->v[f] = v;
	return 0;
}

int bus_account_read_settings(sd_bus_message *m, bool allow_name,
			      struct account_settings *s, struct err *e)
{
	struct settings_ctx c = { .s = s, .allow_name = allow_name };

	memset(s, 0, sizeof(*s));
	return read_string_dict(m, "settings", settings_set, &c, e);
}

static int secrets_set(void *ctx, const char *key, const char *v,
		       struct err *e)
{
	struct account_secrets *s = ctx;
	int k = account_secret_from_key(key);

	if (k < 0)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "unknown secret '%.64s' (known: password, access-key, secret-key)",
			       key);
	if (s->v[k])
		return err_set(e, ERR_INVALID, 0, EINVAL, "secret '%s' is given twice", key);
	s->v[k] = v;
	return 0;
}

int bus_account_read_secrets(sd_bus_message *m, struct account_secrets *s,
			     struct err *e)
{
	memset(s, 0, sizeof(*s));
	return read_string_dict(m, "secrets", secrets_set, s, e);
}

/* --- objects ---------------------------------------------------------------- */

static int account_find(sd_bus *bus, const char *path, const char *iface,
			void *userdata, void **found, sd_bus_error *error)
{
	struct daemon *d = userdata;
	struct account *acc = accounts_by_path(d->accounts, path);

	if (!acc || !bus_caller_may_see(d, account_owner(acc)))
		return 0;
	*found = acc;
	return 1;
}

static int account_enumerate(sd_bus *bus, const char *prefix, void *userdata,
			     char ***nodes, sd_bus_error *error)
{
	struct daemon *d = userdata;
	struct account *acc = NULL;
	size_t n = 0;
	uid_t uid;
	char **v;

	/* a caller the bus cannot name sees nothing */
	if (bus_current_uid(d, &uid) < 0) {
		*nodes = NULL;
		return 0;
	}
	v = calloc(1, sizeof(*v));
	while (v && (acc = accounts_next(d->accounts, acc))) {
		char **nv;

		if (uid != 0 && uid != account_owner(acc))
			continue;
		nv = reallocarray(v, n + 2, sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(account_path(acc));
		if (!v[n])
			break;
		v[++n] = NULL;
	}
	if (!v || acc) {
		for (size_t i = 0; v && i < n; i++)
			free(v[i]);
		free(v);
		return -ENOMEM;
	}
	*nodes = v;
	return 0;
}

static int account_property(sd_bus *bus, const char *path, const char *iface,
			    const char *property, sd_bus_message *reply,
			    void *userdata, sd_bus_error *error)
{
	struct account *acc = userdata;

	if (strcmp(property, "Owner") == 0)
		return sd_bus_message_append(reply, "u", (uint32_t)account_owner(acc));
	if (strcmp(property, "Type") == 0)
		return sd_bus_message_append(reply, "s", account_type_name(acc));
	if (strcmp(property, "AllowInsecureHttp") == 0)
		return sd_bus_message_append(reply, "b",
					     strcmp(account_get(acc, ACCOUNT_INSECURE_HTTP), "yes") == 0);
	for (int f = 0; f < ACCOUNT_FIELD_COUNT; f++) {
		const char *p = account_field_property(f);

		if (p && strcmp(p, property) == 0)
			return sd_bus_message_append(reply, "s", account_get(acc, f));
	}
	return -ENOENT;
}

/* Owner or root; anyone else gets the same answer as for a missing object. */
static int account_access(sd_bus_message *m, struct account *acc)
{
	uid_t uid;
	int r = bus_method_uid(m, &uid);

	if (r <= 0)
		return r;
	if (uid != 0 && uid != account_owner(acc)) {
		/* Replied: 0 tells the caller to stop. */
		r = sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_OBJECT,
					       "Unknown object '%s'.",
					       sd_bus_message_get_path(m));
		return r < 0 ? r : 0;
	}
	return 1;
}

static void account_emit_changed(struct daemon *d, struct account *acc,
				 uint32_t changed)
{
	const char *names[ACCOUNT_FIELD_COUNT + 1];
	size_t n = 0;

	for (int f = 0; f < ACCOUNT_FIELD_COUNT; f++)
		if ((changed & (1U << f)) && account_field_property(f))
			names[n++] = account_field_property(f);
	names[n] = NULL;
	if (n)
		bus_emit_properties_changed(d, account_owner(acc), account_path(acc),
					    DAEMON_IFACE_ACCOUNT, names);
}

/*
 * A call answered when its change is on disk (accounts.h): the writer
 * thread does the fsyncs, the reply goes out from its completion.
 */
struct change_call {
	sd_bus_message *m;
	uid_t owner;
};

static struct change_call *change_call_new(sd_bus_message *m, uid_t owner)
{
	struct change_call *c = calloc(1, sizeof(*c));

	if (c) {
		c->m = sd_bus_message_ref(m);
		c->owner = owner;
	}
	return c;
}

static void change_call_end(struct change_call *c, int r)
{
	if (r < 0)
		log_errno(LOG_DEBUG, -r, "accounts: reply");
	sd_bus_message_unref(c->m);
	free(c);
}

/* Queue a change with @start; 1: answered later, else the reply's result. */
static int change_call_start(sd_bus_message *m, uid_t owner,
			     int (*start)(void *arg, account_change_fn done,
					  void *ud, struct err *e),
			     void *arg, account_change_fn done)
{
	struct change_call *c = change_call_new(m, owner);
	struct err e;
	int r;

	if (!c)
		return sd_bus_reply_method_errorf(m, BUS_ERROR_LOCAL, "Out of memory.");
	err_clear(&e);
	r = start(arg, done, c, &e);
	if (r < 0) {
		change_call_end(c, 0);
		return bus_reply_err(m, &e);
	}
	return 1;
}

struct update_args {
	struct account *acc;
	struct account_settings s;
};

static int update_start(void *arg, account_change_fn done, void *ud,
			struct err *e)
{
	struct update_args *u = arg;

	return account_update(u->acc, &u->s, done, ud, e);
}

static void update_done(struct daemon *d, struct account *acc,
			uint32_t changed, void *ud, int r, const struct err *e)
{
	struct change_call *c = ud;

	if (r == 0)
		account_emit_changed(d, acc, changed);
	change_call_end(c, r < 0 ? bus_reply_err(c->m, e) :
			sd_bus_reply_method_return(c->m, NULL));
}

static int method_update(sd_bus_message *m, void *userdata,
			 sd_bus_error *error)
{
	struct update_args u = { .acc = userdata };
	struct err e;
	int r;

	if ((r = account_access(m, u.acc)) <= 0)
		return r;
	err_clear(&e);
	r = bus_account_read_settings(m, true, &u.s, &e);
	if (r < 0)
		return bus_reply_err(m, &e);
	return change_call_start(m, account_owner(u.acc), update_start, &u,
				 update_done);
}

struct secrets_args {
	struct account *acc;
	struct account_secrets s;
};

static int secrets_start(void *arg, account_change_fn done, void *ud,
			 struct err *e)
{
	struct secrets_args *a = arg;

	return account_set_secrets(a->acc, &a->s, done, ud, e);
}

static void secrets_done(struct daemon *d, struct account *acc,
			 uint32_t changed, void *ud, int r, const struct err *e)
{
	struct change_call *c = ud;

	if (r == 0)
		log_msg(LOG_INFO, "accounts: secrets of %s changed", account_id(acc));
	change_call_end(c, r < 0 ? bus_reply_err(c->m, e) :
			sd_bus_reply_method_return(c->m, NULL));
}

static int method_set_secrets(sd_bus_message *m, void *userdata,
			      sd_bus_error *error)
{
	struct secrets_args a = { .acc = userdata };
	struct err e;
	int r;

	if ((r = account_access(m, a.acc)) <= 0)
		return r;
	err_clear(&e);
	r = bus_account_read_secrets(m, &a.s, &e);
	if (r < 0)
		return bus_reply_err(m, &e);
	return change_call_start(m, account_owner(a.acc), secrets_start, &a,
				 secrets_done);
}

struct create_args {
	struct daemon *d;
	uid_t uid;
	const char *name, *type;
	const struct account_settings *s;
	const struct account_secrets *sec;
};

static int create_start(void *arg, account_change_fn done, void *ud,
			struct err *e)
{
	struct create_args *a = arg;

	return accounts_create(a->d->accounts, a->uid, a->name, a->type, a->s,
			       a->sec, done, ud, e);
}

static void create_done(struct daemon *d, struct account *acc,
			uint32_t changed, void *ud, int r, const struct err *e)
{
	struct change_call *c = ud;

	if (r == 0)
		bus_emit_object_added(d, c->owner, account_path(acc));
	change_call_end(c, r < 0 ? bus_reply_err(c->m, e) :
			sd_bus_reply_method_return(c->m, "o", account_path(acc)));
}

int bus_account_create(struct daemon *d, sd_bus_message *m, uid_t uid,
		       const char *name, const char *type,
		       const struct account_settings *s,
		       const struct account_secrets *sec)
{
	struct create_args a = { .d = d, .uid = uid, .name = name,
				 .type = type, .s = s, .sec = sec };

	return change_call_start(m, uid, create_start, &a, create_done);
}

/* --- Check() ----------------------------------------------------------------- */

static void check_unlink(struct check_req *req)
{
	for (struct check_req **pp = &check_reqs; *pp; pp = &(*pp)->next) {
		if (*pp == req) {
			*pp = req->next;
			return;
		}
	}
}

/* The account's consent to plain http is in use: Check() says so. */
static void check_warn_plain_http(const struct dest *dest, char *msg,
				  size_t len)
{
	size_t n = strlen(msg);

	if (dest->allow_insecure_http && upload_url_is_plain_http(dest->url))
		snprintf(msg + n, len - n, "%s",
			 " Warning: allow-insecure-http is on and the url is plain http://: the login and the documents travel unencrypted.");
}

/* Main thread: the answer to a Check() whose worker ended. */
static int check_reply(struct check_req *req)
{
	char msg[ERR_MSG_MAX + 160];

	/* the account cannot be used as it is: refused, as a bad setting is */
	if (!req->unsealed)
		return bus_reply_err(req->m, &req->e);
	if (req->r == 0 && req->space.known)
		snprintf(msg, sizeof(msg), "The destination works; %.1f GiB free.",
			 (double)req->space.free_bytes / (1024.0 * 1024 * 1024));
	else if (req->r == 0)
		snprintf(msg, sizeof(msg), "%s",
			 "The destination works; it does not report its free space.");
	else
		snprintf(msg, sizeof(msg), "%s (%s)", req->e.msg,
			 err_class_name(req->e.cls) ? err_class_name(req->e.cls) : "error");
	check_warn_plain_http(&req->dest, msg, sizeof(msg));
	return sd_bus_reply_method_return(req->m, "bts", req->r == 0,
					  (uint64_t)(req->space.known ? req->space.free_bytes : 0),
					  msg);
}

/* Main thread: answer the call and free everything of @arg. */
static void check_done(struct daemon *d, void *arg)
{
	struct check_req *req = arg;
	int r;

	if (!req->joined)
		pthread_join(req->thread, NULL);
	check_unlink(req);
	r = check_reply(req);
	if (r < 0)
		log_errno(LOG_DEBUG, -r, "accounts: Check reply");
	account_dest_release(&req->dest);
	sd_bus_message_unref(req->m);
	free(req);
}

/* Worker: the secrets and the network part, on @req's private copies. */
static void *check_thread(void *arg)
{
	struct check_req *req = arg;

	err_clear(&req->e);
	req->unsealed = account_dest_unseal(req->d->accounts, req->account,
					    &req->dest, &req->e) == 0;
	if (req->unsealed)
		req->r = upload_check(&req->dest, &req->space, &req->e);
	if (daemon_post(req->d, check_done, req) < 0)
		log_msg(LOG_ERR, "accounts: Check result lost: out of memory");
	return NULL;
}

/* A worker per Check() is cheap but not free: bound them per user and in all. */
static bool check_allowed(uid_t uid)
{
	size_t mine = 0, all = 0;

	for (struct check_req *req = check_reqs; req; req = req->next) {
		all++;
		mine += req->uid == uid;
	}
	return mine < CHECKS_PER_USER_MAX && all < CHECKS_MAX;
}

static int method_check(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct account *acc = userdata;
	struct check_req *req;
	uid_t uid;
	struct err e;
	int r;

	if ((r = account_access(m, acc)) <= 0)
		return r;
	if (bus_caller_uid(m, &uid) < 0 || !check_allowed(uid))
		return bus_reply_errorf(m, "Local",
					"Too many checks are running; wait for them to finish.");
	req = calloc(1, sizeof(*req));
	if (!req)
		return sd_bus_reply_method_errorf(m, BUS_ERROR_LOCAL, "Out of memory.");
	req->d = bus_acct_d;
	req->uid = uid;
	err_clear(&e);
	r = account_dest_get(acc, &req->dest, &e);
	if (r < 0) {
		free(req);
		return bus_reply_err(m, &e);
	}
	snprintf(req->account, sizeof(req->account), "%s", account_path(acc));
	req->m = sd_bus_message_ref(m);
	r = pthread_create(&req->thread, NULL, check_thread, req);
	if (r != 0) {
		account_dest_release(&req->dest);
		sd_bus_message_unref(req->m);
		free(req);
		return sd_bus_reply_method_errorf(m, BUS_ERROR_LOCAL,
						  "Cannot start the check: %s.", strerror(r));
	}
	req->next = check_reqs;
	check_reqs = req;
	return 1;	/* answered later by check_done() */
}

void bus_account_join_workers(struct daemon *d)
{
	/* queued account writes finish; their replies are posted */
	accounts_stop_writer(d->accounts);
	for (struct check_req *req = check_reqs; req; req = req->next) {
		if (!req->joined) {
			pthread_join(req->thread, NULL);
			req->joined = true;
		}
	}
}

/* --- Delete() ---------------------------------------------------------------- */

static int delete_start(void *arg, account_change_fn done, void *ud,
			struct err *e)
{
	return accounts_delete(arg, done, ud, e);
}

/* @acc is still valid here and freed right after. */
static void delete_done(struct daemon *d, struct account *acc,
			uint32_t changed, void *ud, int r, const struct err *e)
{
	struct change_call *c = ud;

	if (r == 0) {
		if (d->jobs)
			jobs_account_deleted(d->jobs, acc);
		bus_emit_object_removed(d, c->owner, account_path(acc),
					DAEMON_IFACE_ACCOUNT);
	}
	change_call_end(c, r < 0 ? bus_reply_err(c->m, e) :
			sd_bus_reply_method_return(c->m, NULL));
}

static int method_delete(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct account *acc = userdata;
	int r;

	if ((r = account_access(m, acc)) <= 0)
		return r;
	return change_call_start(m, account_owner(acc), delete_start, acc,
				 delete_done);
}

static const sd_bus_vtable account_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Type", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Url", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Username", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Folder", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("NameTemplate", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("NotifyEmail", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Ocr", "s", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("AllowInsecureHttp", "b", account_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Owner", "u", account_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_METHOD_WITH_ARGS("Update", SD_BUS_ARGS("a{sv}", settings),
				SD_BUS_NO_RESULT, method_update, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetSecrets", SD_BUS_ARGS("a{sv}", secrets),
				SD_BUS_NO_RESULT, method_set_secrets, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Check", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("b", ok, "t", free_bytes, "s", message),
				method_check, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Delete", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				method_delete, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

int bus_account_register(struct daemon *d, struct err *e)
{
	int r;

	bus_acct_d = d;
	r = bus_add_object_tree(d, ACCOUNT_PREFIX, DAEMON_IFACE_ACCOUNT,
				account_vtable, account_find, account_enumerate, d);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "bus: cannot register accounts: %s",
			       strerror(-r));
	return 0;
}
