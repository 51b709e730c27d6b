// SPDX-License-Identifier: GPL-2.0
/*
 * notify_mail_send: test driver for test_notify_mail.sh, compiled by it
 * against build/usr/libmfpscan.a. Composes one of the spool's mails for a
 * sample ticket (or takes a raw subject and body) and sends it with
 * notify_mail_send(). The password comes from a file, never from argv.
 *
 *   notify_mail_send spooled|cleared|needs-attention|raw TO
 *
 * Environment: MAIL_URL, MAIL_FROM, MAIL_USER, MAIL_PASSWORD_FILE,
 * MAIL_STARTTLS (no|optional|required), MAIL_CA, and for "raw"
 * MAIL_SUBJECT and MAIL_BODY. Prints "sent: SUBJECT" and exits 0, or
 * prints "error CLASS: MESSAGE" and exits 1 (2 for usage errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "notify_mail.h"

static void sample_ticket(struct ticket *t)
{
	ticket_init(t);
	snprintf(t->format, sizeof(t->format), "pdf");
	snprintf(t->account_name, sizeof(t->account_name), "Nextcloud at work");
	snprintf(t->dest_type, sizeof(t->dest_type), "webdav");
	snprintf(t->remote_folder, sizeof(t->remote_folder), "Scans");
	snprintf(t->remote_name, sizeof(t->remote_name), "scan-20261126-0007.pdf");
	t->owner_uid = 1001;
	t->created = 1795000000;
	t->size = 123456;
	t->pages = 3;
	t->attempts = 1;
	t->retries_left = 24;
	t->next_retry = 1795000240;
	t->last_class = ERR_STORAGE_FULL;
	snprintf(t->last_error, sizeof(t->last_error),
		 "507 Insufficient Storage: quota of 1 MiB exceeded (caf\xc3\xa9)");
}

static char *read_secret(const char *path)
{
	static char buf[256];
	FILE *f;
	size_t n;

	if (!path || !path[0])
		return NULL;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int compose(const char *kind, struct notify_mail_msg *msg, struct err *e)
{
	struct ticket t;

	sample_ticket(&t);
	if (strcmp(kind, "raw") == 0) {
		snprintf(msg->subject, sizeof(msg->subject), "%s",
			 getenv("MAIL_SUBJECT") ? getenv("MAIL_SUBJECT") : "");
		msg->body = strdup(getenv("MAIL_BODY") ? getenv("MAIL_BODY") : "");
		return msg->body ? 0 : -1;
	}
	if (strcmp(kind, "cleared") == 0) {
		t.attempts = 4;
		return notify_mail_compose(NOTIFY_MAIL_CLEARED, &t, "0123456789abcdef0123456789abcdef",
					   "https://cloud.example/Scans/scan-20261126-0007.pdf", msg, e);
	}
	if (strcmp(kind, "needs-attention") == 0) {
		t.attempts = 25;
		t.retries_left = 0;
		t.state = TICKET_NEEDS_ATTENTION;
		t.next_retry = 0;
		return notify_mail_compose(NOTIFY_MAIL_NEEDS_ATTENTION, &t,
					   "0123456789abcdef0123456789abcdef", NULL, msg, e);
	}
	return notify_mail_compose(NOTIFY_MAIL_SPOOLED, &t,
				   "0123456789abcdef0123456789abcdef", NULL, msg, e);
}

int main(int argc, char **argv)
{
	struct mail_config cfg = { 0 };
	struct notify_mail_msg msg = { 0 };
	struct err e = { 0 };
	int tls, r;

	if (argc != 3)
		return fprintf(stderr, "usage: %s KIND TO\n", argv[0]), 2;
	tls = notify_mail_tls_from_name(getenv("MAIL_STARTTLS") ? getenv("MAIL_STARTTLS") : "optional");
	if (tls < 0)
		return fprintf(stderr, "bad MAIL_STARTTLS\n"), 2;
	cfg.smtp_url = getenv("MAIL_URL");
	cfg.from = getenv("MAIL_FROM") ? getenv("MAIL_FROM") : "mfpscan@localhost";
	cfg.username = getenv("MAIL_USER");
	cfg.password = read_secret(getenv("MAIL_PASSWORD_FILE"));
	cfg.starttls = (enum notify_mail_tls)tls;
	cfg.ca_file = getenv("MAIL_CA");
	cfg.timeout_s = 20;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = compose(argv[1], &msg, &e);
	if (r == 0)
		r = notify_mail_send(&cfg, argv[2], msg.subject, msg.body, &e);
	if (r == 0)
		printf("sent: %s\n", msg.subject);
	else
		printf("error %s: %s\n", err_class_name(e.cls), e.msg);
	notify_mail_msg_free(&msg);
	curl_global_cleanup();
	return r == 0 ? 0 : 1;
}
