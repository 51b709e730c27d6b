// SPDX-License-Identifier: GPL-2.0
/*
 * notify: owner-only Manager signals and the three mails (see notify.h).
 * A mail is composed when its event happens and queued durably in the
 * owner's outbox in the spool (outbox.h); one thread sends the outbox,
 * retrying a failed send with a growing delay until the SMTP server takes
 * it, across restarts. To: the account's NotifyEmail, else the owner's
 * default address (Manager.SetNotifyAddress). The notices a user could
 * miss (raised at start or while nobody listens) are also kept in their
 * spool until acknowledged (notices.h, bus_notices.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "bus_notices.h"
#include "config.h"
#include "log.h"
#include "notify.h"

#include "notify_addr.h"
#include "notify_mail.h"
#include "notices.h"
#include "outbox.h"
#include "panel.h"
#include "retry.h"

struct notify {
	struct jobs *j;
	bool mail_ok;			/* [mail] configured and valid */
	struct mail_config mail;
	char *password;			/* from password_file */
	struct outbox *outbox;
	struct notices *notices;	/* kept until seen: notices.h */
	struct retry_policy backoff;	/* between failed sends of one mail */
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;		/* guards kick and stop */
	pthread_cond_t cond;
	bool kick;			/* a mail was queued: look again */
	bool stop;
};

/* --- signals ------------------------------------------------------------- */

static void send_signal(struct jobs *j, uid_t owner, const char *member,
			const char *sig, ...)
{
	sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_signal(j->d->bus, &m, DAEMON_PATH,
				      DAEMON_IFACE_MANAGER, member);
	if (r >= 0) {
		va_start(ap, sig);
		r = sd_bus_message_appendv(m, sig, ap);
		va_end(ap);
	}
	if (r >= 0)
		r = bus_send_to_uid(j->d, owner, m);
	if (r < 0)
		log_errno(LOG_WARNING, -r, "notify: cannot send %s to uid %u",
			  member, (unsigned int)owner);
	sd_bus_message_unref(m);
}

/* --- mail ------------------------------------------------------------------ */

/* Send @m once; the outbox keeps it until the server has taken it. */
static void mail_send_one(struct notify *n, struct outbox_mail *m)
{
	struct err e = { 0 }, se = { 0 };
	time_t next;
	int r = notify_mail_send(&n->mail, m->to, m->subject, m->body, &e);

	if (r == 0) {
		log_msg(LOG_INFO, "notify: mail %u/%s sent (%u notice%s, after %u failed attempts)",
			(unsigned int)m->uid, m->name, m->notices,
			m->notices == 1 ? "" : "s", m->attempts);
		if (outbox_sent(n->outbox, m, &se) < 0)
			log_msg(LOG_ERR, "notify: %s", se.msg);
		return;
	}
	next = retry_next_time(&n->backoff, ERR_NETWORK, m->attempts + 1,
			       time(NULL));
	log_msg(LOG_WARNING, "notify: mail %u/%s not sent (attempt %u): %s; kept, next try in %lld s",
		(unsigned int)m->uid, m->name, m->attempts + 1, e.msg,
		(long long)(next - time(NULL)));
	if (outbox_failed(n->outbox, m, next, &se) < 0)
		log_msg(LOG_ERR, "notify: %s", se.msg);
}

/* Sleep until @next (0: until kicked), a kick, or stop. Lock held. */
static void mail_wait(struct notify *n, time_t next)
{
	struct timespec ts = { .tv_sec = next ? next : time(NULL) + 3600 };

	while (!n->kick && !n->stop &&
	       pthread_cond_timedwait(&n->cond, &n->lock, &ts) != ETIMEDOUT)
		;
	n->kick = false;
}

static void *mail_worker(void *arg)
{
	struct notify *n = arg;
	struct outbox_mail m;
	struct err e = { 0 };
	time_t next;
	int r;

	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		pthread_mutex_unlock(&n->lock);
		r = outbox_take(n->outbox, time(NULL), &m, &next, &e);
		if (r == 1)
			mail_send_one(n, &m);
		else if (r < 0)
			log_msg(LOG_ERR, "notify: %s", e.msg);
		pthread_mutex_lock(&n->lock);
		if (r != 1)
			mail_wait(n, r < 0 ? time(NULL) + 60 : next);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

/* The account's NotifyEmail, else the owner's default address. */
static void mail_to(struct jobs *j, const struct ticket *t, char *out,
		    size_t len)
{
	struct account *acc = accounts_by_path(j->d->accounts, t->account);
	const char *to = acc && account_owner(acc) == t->owner_uid ?
			 account_notify_email(acc) : NULL;

	if (to && to[0])
		snprintf(out, len, "%s", to);
	else
		notify_addr_get(j->d->config->state_dir, t->owner_uid, out, len);
}

/* Write the mail about @t now and queue it durably for its owner. */
static void mail_queue(struct jobs *j, enum notify_mail_kind kind,
		       const struct ticket *t, const char *path,
		       const char *id, const char *remote_url)
{
	struct notify *n = j->notify;
	struct notify_mail_msg msg;
	char to[NOTIFY_ADDR_MAX];
	struct err e = { 0 };
	int r;

	if (!n || !n->mail_ok)
		return;
	mail_to(j, t, to, sizeof(to));
	if (!to[0])
		return;
	r = notify_mail_compose(kind, t, id, remote_url, &msg, &e);
	if (r == 0) {
		r = outbox_add(n->outbox, t->owner_uid, to, msg.subject,
			       msg.body, time(NULL), &e);
		notify_mail_msg_free(&msg);
	}
	if (r < 0) {
		log_msg(LOG_ERR, "notify: mail about %s could not be queued, the owner is not told by mail: %s",
			path, e.msg);
		return;
	}
	pthread_mutex_lock(&n->lock);
	n->kick = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

/* --- notices kept until seen ----------------------------------------------- */

struct notices *notify_notices(const struct notify *n)
{
	return n ? n->notices : NULL;
}

/* Keep notice @kind for @owner; a failure is logged (the signal and the
 * mail still go). */
static void keep_notice(struct jobs *j, uid_t owner, const char *kind,
			const char *fmt, ...)
{
	struct notices *ns = notify_notices(j->notify);
	struct err e = { 0 };
	char *text = NULL;
	va_list ap;
	int r;

	if (!ns)
		return;
	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		log_msg(LOG_ERR, "notify: out of memory keeping a %s notice for uid %u",
			kind, (unsigned int)owner);
		return;
	}
	if (notices_add(ns, owner, kind, text, time(NULL), &e) < 0)
		log_msg(LOG_ERR, "notify: %s notice for uid %u not kept: %s",
			kind, (unsigned int)owner, e.msg);
	free(text);
}

/* --- the three events ---------------------------------------------------- */

/*
 * The three events of a kept document are notices too: the owner may
 * have pressed the scanner's button and gone, with no session to show a
 * signal in. Each notice is kept before its signal goes, so a session
 * that reads ListNotices on the signal finds it.
 */
void notify_upload_failed(struct jobs *j, const struct sentry *s,
			  const struct ticket *t)
{
	const char *cls = err_class_name(t->last_class);

	keep_notice(j, t->owner_uid, "kept",
		    "Kept: %s \u2014 will retry. \u201c%s\u201d for %s was not uploaded (%s); it is kept on the scanner and sent in the background.",
		    panel_kept_reason(t->last_class), t->remote_name,
		    t->account_name, t->last_error);
	send_signal(j, t->owner_uid, "UploadFailed", "oss", s->path,
		    cls ? cls : "", t->last_error);
	mail_queue(j, NOTIFY_MAIL_SPOOLED, t, s->path, s->id, NULL);
}

void notify_upload_recovered(struct jobs *j, uid_t owner, const char *path,
			     const char *id, const struct ticket *t,
			     const char *remote_url)
{
	keep_notice(j, owner, "sent-after-retry",
		    "Sent after retry: \u201c%s\u201d reached %s (%s).",
		    t->remote_name, t->account_name,
		    remote_url && remote_url[0] ? remote_url : t->remote_name);
	send_signal(j, owner, "UploadRecovered", "os", path,
		    remote_url ? remote_url : "");
	mail_queue(j, NOTIFY_MAIL_CLEARED, t, path, id, remote_url);
}

void notify_needs_attention(struct jobs *j, const struct sentry *s,
			    const struct ticket *t)
{
	keep_notice(j, t->owner_uid, "needs-attention",
		    "Needs your attention: \u201c%s\u201d for %s could not be uploaded after every automatic attempt (%s). It is kept until you retry it, save a copy or discard it.",
		    t->remote_name, t->account_name, t->last_error);
	send_signal(j, t->owner_uid, "NeedsAttention", "o", s->path);
	mail_queue(j, NOTIFY_MAIL_NEEDS_ATTENTION, t, s->path, s->id, NULL);
}

void notify_partial_kept(struct jobs *j, const struct sentry *s,
			 const struct ticket *t)
{
	send_signal(j, t->owner_uid, "PartialDocumentKept", "ous", s->path,
		    t->pages, t->last_error);
	keep_notice(j, t->owner_uid, "partial-kept",
		    "A partial document of %u page%s was kept as \"%s\" for %s: %s. It is uploaded like any kept document (%s).",
		    t->pages, t->pages == 1 ? "" : "s", t->remote_name,
		    t->account_name, t->last_error, s->path);
	mail_queue(j, NOTIFY_MAIL_PARTIAL_KEPT, t, s->path, s->id, NULL);
}

void notify_discarded(struct jobs *j, const struct sentry *s,
		      const struct ticket *t, uid_t by)
{
	send_signal(j, t->owner_uid, "EntryDiscarded", "ou", s->path,
		    (uint32_t)by);
	keep_notice(j, t->owner_uid, "discarded",
		    "Your kept document \"%s\" for %s was discarded by %s (uid %u).",
		    t->remote_name, t->account_name,
		    by == 0 ? "the administrator" : "another user", (unsigned int)by);
	mail_queue(j, NOTIFY_MAIL_DISCARDED, t, s->path, s->id, NULL);
}

/* The names of @n orphaned files, "a, b, c", at most ~4 KiB of them. */
static void keep_orphans_notice(struct jobs *j, uid_t owner,
				const char *const *names, size_t n)
{
	char list[4096];
	size_t used = 0, shown = 0;

	list[0] = '\0';
	for (; shown < n && used + strlen(names[shown]) + 3 < sizeof(list); shown++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 shown ? ", " : "", names[shown]);
	keep_notice(j, owner, "orphans-kept",
		    "%zu file%s left over from scans or uploads cut short %s kept in the spool's orphans folder, not deleted: %s%s. Ask the administrator to give them to you or to delete them.",
		    n, n == 1 ? "" : "s", n == 1 ? "was" : "were", list,
		    shown < n ? ", ..." : "");
}

void notify_orphans_kept(struct jobs *j, uid_t owner, const char *const *names,
			 size_t n)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_signal(j->d->bus, &m, DAEMON_PATH,
				      DAEMON_IFACE_MANAGER, "OrphansKept");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "s");
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = sd_bus_message_append(m, "s", names[i]);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = bus_send_to_uid(j->d, owner, m);
	if (r < 0)
		log_errno(LOG_WARNING, -r, "notify: cannot send OrphansKept to uid %u",
			  (unsigned int)owner);
	sd_bus_message_unref(m);
	keep_orphans_notice(j, owner, names, n);
}

/* --- life cycle ------------------------------------------------------------ */

/* The SMTP password from [mail] password_file (root-only), first line. */
static char *read_password(const char *path)
{
	char buf[1024];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		log_errno(LOG_WARNING, errno, "notify: cannot read the mail password file %s",
			  path);
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

/* Mail is optional: a bad [mail] section is logged and mail turned off. */
static void mail_setup(struct notify *n)
{
	const struct config *c = n->j->d->config;
	struct err e = { 0 };

	if (!c->mail_smtp_url || !c->mail_smtp_url[0])
		return;
	n->mail.smtp_url = c->mail_smtp_url;
	n->mail.from = c->mail_from;
	n->mail.username = c->mail_username;
	if (c->mail_password_file && c->mail_password_file[0]) {
		n->password = read_password(c->mail_password_file);
		if (!n->password)
			return;
		n->mail.password = n->password;
	}
	n->mail.starttls = c->mail_starttls == CONFIG_STARTTLS_REQUIRED ?
			   NOTIFY_MAIL_TLS_REQUIRED :
			   c->mail_starttls == CONFIG_STARTTLS_NO ?
			   NOTIFY_MAIL_TLS_NO : NOTIFY_MAIL_TLS_OPTIONAL;
	n->mail.ca_file = c->mail_ca_file;
	n->mail.timeout_s = c->mail_timeout_s;
	if (notify_mail_config_check(&n->mail, &e) < 0) {
		log_msg(LOG_WARNING, "notify: [mail] not usable, no mail will be sent: %s",
			e.msg);
		return;
	}
	if (outbox_open(c->spool_dir, c->mail_outbox_max, &n->outbox, &e) < 0) {
		log_msg(LOG_ERR, "notify: no mail will be sent: %s", e.msg);
		return;
	}
	n->backoff.initial_s = c->mail_retry_initial_s;
	n->backoff.max_interval_s = 3600;
	n->backoff.slow_factor = 1;
	n->mail_ok = true;
}

int notify_new(struct jobs *j, struct notify **out, struct err *e)
{
	struct notify *n = calloc(1, sizeof(*n));
	int r;

	if (!n)
		return err_set(e, ERR_LOCAL, 0, ENOMEM, "out of memory");
	n->j = j;
	r = notices_open(j->d->config->spool_dir, 0, &n->notices, e);
	if (r < 0) {
		free(n);
		return r;
	}
	mail_setup(n);
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	if (!n->mail_ok) {
		*out = n;
		return 0;
	}
	r = pthread_create(&n->thread, NULL, mail_worker, n);
	if (r) {
		notify_free(n);
		return err_set(e, ERR_LOCAL, 0, r, "cannot start the mail thread");
	}
	n->started = true;
	*out = n;
	return 0;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
	if (n->started)
		pthread_join(n->thread, NULL);
	/* What was not sent stays in the outbox for the next start. */
	n->outbox = outbox_close(n->outbox);
	n->notices = notices_close(n->notices);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	if (n->password) {
		explicit_bzero(n->password, strlen(n->password));
		free(n->password);
	}
	free(n);
}
