// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of name_template: each field, the default template, page
 * numbering, and every way a template or a value could escape the folder.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "name_template.h"

static struct name_fields fields(void)
{
	struct name_fields f = {
		.counter = 7, .user = "alice", .name = "invoice", .page = -1,
	};
	struct tm tm = {
		.tm_year = 126, .tm_mon = 10, .tm_mday = 26,
		.tm_hour = 9, .tm_min = 5, .tm_sec = 3, .tm_isdst = -1,
	};

	f.when = mktime(&tm);
	return f;
}

static void expand_ok(const char *tmpl, const struct name_fields *f,
		      const char *ext, const char *want)
{
	char out[256];
	struct err e;

	err_clear(&e);
	if (name_template_expand(tmpl, f, ext, out, sizeof(out), &e) != 0)
		fail_msg("%s: %s", tmpl ? tmpl : "(null)", e.msg);
	assert_string_equal(out, want);
}

static void expand_bad(const char *tmpl, const struct name_fields *f,
		       const char *ext, const char *needle)
{
	char out[256] = "untouched";
	struct err e;

	err_clear(&e);
	assert_true(name_template_expand(tmpl, f, ext, out, sizeof(out), &e) < 0);
	assert_int_equal(e.cls, ERR_INVALID);
	if (!strstr(e.msg, needle))
		fail_msg("\"%s\" lacks \"%s\"", e.msg, needle);
	assert_string_equal(out, "untouched");
}

static void test_fields(void **state)
{
	struct name_fields f = fields();

	setenv("TZ", "UTC", 1);
	tzset();
	f = fields();
	expand_ok("{date}", &f, "pdf", "2026-11-26.pdf");
	expand_ok("{time}", &f, "pdf", "090503.pdf");
	expand_ok("{datetime}", &f, "", "2026-11-26_090503");
	expand_ok("{counter}", &f, "jpg", "0007.jpg");
	expand_ok("{user}-{name}", &f, "png", "alice-invoice.png");
	expand_ok("x{page}y", &f, "png", "xy.png");
}

static void test_default_template(void **state)
{
	struct name_fields f;

	setenv("TZ", "UTC", 1);
	tzset();
	f = fields();
	expand_ok(NULL, &f, "pdf", "scan-2026-11-26-090503-0007.pdf");
	expand_ok("", &f, "pdf", "scan-2026-11-26-090503-0007.pdf");
	/* Above 9999 the counter grows a digit: never wraps onto old names. */
	f.counter = 9999;
	expand_ok("{counter}", &f, "pdf", "9999.pdf");
	f.counter = 10000;
	expand_ok("{counter}", &f, "pdf", "10000.pdf");
	f.counter = 123456;
	expand_ok("{counter}", &f, "pdf", "123456.pdf");
	f.counter = 4294967295u;
	expand_ok("{counter}", &f, "pdf", "4294967295.pdf");
	f.name = NULL;
	f.user = NULL;
	expand_ok("{name}-{user}", &f, NULL, "scan-user");
}

static void test_pages(void **state)
{
	struct name_fields f = fields();

	f.page = 2;
	expand_ok("doc", &f, "png", "doc-002.png");
	expand_ok("doc_p{page}", &f, "png", "doc_p002.png");
}

static void test_bad_templates(void **state)
{
	struct name_fields f = fields();
	struct err e;
	char big[300];

	expand_bad("../{date}", &f, "pdf", "start with");
	expand_bad("a..{date}", &f, "pdf", "\"..\"");
	expand_bad("a/b", &f, "pdf", "'/'");
	expand_bad("a\\b", &f, "pdf", "'/'");
	expand_bad("a\nb", &f, "pdf", "control");
	expand_bad(".hidden", &f, "pdf", "start with '.'");
	expand_bad("{nope}", &f, "pdf", "unknown field {nope}");
	expand_bad("{date", &f, "pdf", "unbalanced");
	expand_bad("date}", &f, "pdf", "unbalanced");
	expand_bad("{page}", &f, "pdf", "hidden or empty");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expand_bad(big, &f, "pdf", "longer than");
	assert_int_equal(name_template_validate("{user}_{date}", &e), 0);
	assert_true(name_template_validate("", &e) < 0);
}

static void test_bad_values(void **state)
{
	struct name_fields f = fields();
	char longname[190];

	f.name = "../../etc/passwd";
	expand_bad("{name}", &f, "pdf", "scan's name option");
	f.name = "a/b";
	expand_bad("{name}", &f, "pdf", "scan's name option");
	f.name = ".profile";
	expand_bad("{name}", &f, "", "hidden");
	f.name = "ok";
	f.user = "ev\til";
	expand_bad("{user}", &f, "pdf", "user name");
	f.user = "alice";
	expand_bad("x", &f, "PDF", "extension");
	expand_bad("x", &f, "p.df", "extension");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	f.name = longname;
	expand_bad("{name}-{datetime}", &f, "pdf", "longer than 200");
}

static void test_small_buffer(void **state)
{
	struct name_fields f = fields();
	char out[8] = "same";
	struct err e;

	assert_true(name_template_expand("abcdefgh", &f, "pdf", out, sizeof(out), &e) < 0);
	assert_string_equal(out, "same");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_default_template),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_bad_templates),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
