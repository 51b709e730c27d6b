// SPDX-License-Identifier: GPL-2.0
/*
 * test_notify_mail: the parts of mail notification that need no server
 * (sending is tested against a real aiosmtpd in
 * tests/integration/test_notify_mail.sh): address and configuration
 * checks, refusal of header injection before any connection, and the
 * three composed mails (subject per kind, why and what to do per class,
 * control characters kept out of the subject).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "notify_mail.h"

#define ID "0123456789abcdef0123456789abcdef"

static void sample(struct ticket *t, enum err_class cls)
{
	ticket_init(t);
	snprintf(t->account_name, sizeof(t->account_name), "Work cloud");
	snprintf(t->remote_name, sizeof(t->remote_name), "scan-1.pdf");
	snprintf(t->last_error, sizeof(t->last_error), "the server's words");
	t->last_class = cls;
	t->retries_left = 24;
	t->next_retry = 1795000240;
	t->pages = 1;
	t->size = 10;
	t->attempts = 1;
}

static void test_addresses(void **state)
{
	assert_true(notify_mail_addr_ok("alice@example.org"));
	assert_true(notify_mail_addr_ok("a.b+scan@sub.example.org"));
	assert_false(notify_mail_addr_ok(NULL));
	assert_false(notify_mail_addr_ok(""));
	assert_false(notify_mail_addr_ok("alice"));
	assert_false(notify_mail_addr_ok("@example.org"));
	assert_false(notify_mail_addr_ok("alice@"));
	assert_false(notify_mail_addr_ok("a@b@c"));
	assert_false(notify_mail_addr_ok("alice@example.org\r\nRCPT TO:<x@y>"));
	assert_false(notify_mail_addr_ok("alice@example.org\n"));
	assert_false(notify_mail_addr_ok("Alice <alice@example.org>"));
	assert_false(notify_mail_addr_ok("alice@example.org>"));
	assert_false(notify_mail_addr_ok("al ice@example.org"));
}

static void test_config_check(void **state)
{
	struct mail_config c = {
		.smtp_url = "smtp://127.0.0.1:2525", .from = "scanner@example.org",
		.starttls = NOTIFY_MAIL_TLS_OPTIONAL,
	};
	struct err e;

	assert_int_equal(notify_mail_config_check(&c, &e), 0);
	c.username = "u";
	c.password = "TOPSECRET";
	assert_int_equal(notify_mail_config_check(&c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "starttls = required"));
	assert_null(strstr(e.msg, "TOPSECRET"));
	c.starttls = NOTIFY_MAIL_TLS_REQUIRED;
	assert_int_equal(notify_mail_config_check(&c, &e), 0);
	c.starttls = NOTIFY_MAIL_TLS_NO;
	c.smtp_url = "smtps://mail.example.org";
	assert_int_equal(notify_mail_config_check(&c, &e), 0);
	c.smtp_url = "smtp://u:TOPSECRET@mail.example.org";
	assert_int_equal(notify_mail_config_check(&c, &e), -EINVAL);
	assert_null(strstr(e.msg, "TOPSECRET"));
	c.smtp_url = "http://mail.example.org";
	assert_int_equal(notify_mail_config_check(&c, &e), -EINVAL);
	c.smtp_url = "smtp://mail.example.org";
	c.from = "not an address";
	assert_int_equal(notify_mail_config_check(&c, &e), -EINVAL);
	assert_int_equal(notify_mail_tls_from_name("required"), NOTIFY_MAIL_TLS_REQUIRED);
	assert_int_equal(notify_mail_tls_from_name("no"), NOTIFY_MAIL_TLS_NO);
	assert_int_equal(notify_mail_tls_from_name("yes"), -1);
}

/* Refused before connecting: the URL points nowhere anyway. */
static void test_injection_refused_before_sending(void **state)
{
	struct mail_config c = {
		.smtp_url = "smtp://127.0.0.1:1", .from = "scanner@example.org",
	};
	struct err e;

	assert_int_equal(notify_mail_send(&c, "a@b.c", "Hi\r\nBcc: x@y.z", "body", &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	assert_int_equal(notify_mail_send(&c, "a@b.c\r\nBcc: x@y.z", "Hi", "body", &e), -EINVAL);
	assert_int_equal(notify_mail_send(&c, "a@b.c", "Hi\tthere", "body", &e), -EINVAL);
	assert_int_equal(notify_mail_send(&c, "a@b.c", "Hi", NULL, &e), -EINVAL);
}

static void test_compose_spooled_per_class(void **state)
{
	static const struct {
		enum err_class cls;
		const char *why, *fix;
	} cases[] = {
		{ ERR_STORAGE_FULL, "your storage is full", "Free some space" },
		{ ERR_AUTH, "refused the login", "password" },
		{ ERR_NOT_FOUND, "folder does not exist", "Create the folder" },
		{ ERR_NETWORK, "could not be reached", "If this lasts" },
		{ ERR_SERVER, "reported an error", "what it said" },
		{ ERR_TLS, "certificate or SSH host key is not trusted", "administrator" },
	};
	struct notify_mail_msg m;
	struct ticket t;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sample(&t, cases[i].cls);
		assert_int_equal(notify_mail_compose(NOTIFY_MAIL_SPOOLED, &t, ID, NULL, &m, NULL), 0);
		assert_non_null(strstr(m.subject, "Scan not uploaded yet: \"scan-1.pdf\""));
		assert_non_null(strstr(m.subject, cases[i].why));
		assert_non_null(strstr(m.body, cases[i].why));
		assert_non_null(strstr(m.body, cases[i].fix));
		assert_non_null(strstr(m.body, "The server said: the server's words"));
		assert_non_null(strstr(m.body, "mfpscanctl spool export " ID " FILE"));
		assert_non_null(strstr(m.body, "up to 24 more attempts"));
		notify_mail_msg_free(&m);
		assert_null(m.body);
	}
}

static void test_compose_cleared_and_attention(void **state)
{
	struct notify_mail_msg m;
	struct ticket t;

	sample(&t, ERR_STORAGE_FULL);
	t.attempts = 3;
	assert_int_equal(notify_mail_compose(NOTIFY_MAIL_CLEARED, &t, ID,
					     "https://x/y/scan-1.pdf", &m, NULL), 0);
	assert_string_equal(m.subject, "Scan uploaded: \"scan-1.pdf\" is now in \"Work cloud\"");
	assert_non_null(strstr(m.body, "after 3 failed attempts"));
	assert_non_null(strstr(m.body, "It is now at: https://x/y/scan-1.pdf"));
	notify_mail_msg_free(&m);

	t.retries_left = 0;
	t.state = TICKET_NEEDS_ATTENTION;
	assert_int_equal(notify_mail_compose(NOTIFY_MAIL_NEEDS_ATTENTION, &t, ID, NULL, &m, NULL), 0);
	assert_string_equal(m.subject,
			    "Scan needs your attention: \"scan-1.pdf\" could not be uploaded to \"Work cloud\"");
	assert_non_null(strstr(m.body, "will not be deleted"));
	assert_non_null(strstr(m.body, "mfpscanctl spool discard " ID " --yes"));
	assert_null(strstr(m.body, "Next attempt"));
	notify_mail_msg_free(&m);
}

/* Only 2-byte sequences occur in this test's input. */
static bool utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			continue;
		if ((*p & 0xe0) != 0xc0 || (p[1] & 0xc0) != 0x80)
			return false;
		p++;
	}
	return true;
}

static void test_subject_stays_one_clean_line(void **state)
{
	struct notify_mail_msg m;
	struct ticket t;
	size_t n;

	sample(&t, ERR_NETWORK);
	snprintf(t.remote_name, sizeof(t.remote_name), "evil\r\nBcc: x@y.z.pdf");
	assert_int_equal(notify_mail_compose(NOTIFY_MAIL_SPOOLED, &t, ID, NULL, &m, NULL), 0);
	assert_null(strpbrk(m.subject, "\r\n"));
	assert_non_null(strstr(m.subject, "evil??Bcc"));
	notify_mail_msg_free(&m);

	/* A long UTF-8 name is cut between characters, never inside one. */
	memset(t.account_name, 0, sizeof(t.account_name));
	for (size_t i = 0; i + 2 < sizeof(t.account_name); i += 2)
		memcpy(t.account_name + i, "\xc3\xa9", 2);
	memset(t.remote_name, 'x', 150);
	t.remote_name[150] = '\0';
	assert_int_equal(notify_mail_compose(NOTIFY_MAIL_NEEDS_ATTENTION, &t, ID, NULL, &m, NULL), 0);
	n = strlen(m.subject);
	assert_true(n < NOTIFY_MAIL_SUBJECT_MAX);
	assert_true(utf8_valid(m.subject));
	assert_non_null(strstr(m.subject, "\xc3\xa9\""));
	notify_mail_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_injection_refused_before_sending),
		cmocka_unit_test(test_compose_spooled_per_class),
		cmocka_unit_test(test_compose_cleared_and_attention),
		cmocka_unit_test(test_subject_stays_one_clean_line),
	};

	return cmocka_run_group_tests_name("notify_mail", tests, NULL, NULL);
}
