// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of upload_path: names and folders that could leave the
 * account's folder are refused with ERR_INVALID; URLs are joined with one
 * percent-encoded segment per name and never overflow; destination URLs
 * with credentials, queries or foreign schemes are refused without the
 * password appearing in the message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "upload_path.h"

static void test_names_accepted(void **state)
{
	struct err e = { 0 };

	assert_int_equal(upload_path_check_name("scan-2026-11-26 10.00.pdf", &e), 0);
	assert_int_equal(upload_path_check_name("r\xc3\xa9sum\xc3\xa9.pdf", &e), 0);
	assert_int_equal(upload_path_check_name("a..b", &e), 0);
}

static void test_names_refused(void **state)
{
	static const char *const bad[] = {
		"", "..", ".", ".hidden", "a/b", "../etc/passwd", "a\\b",
		"new\nline", "tab\t", "del\x7f",
	};
	struct err e = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err_clear(&e);
		assert_int_equal(upload_path_check_name(bad[i], &e), -EINVAL);
		assert_int_equal(e.cls, ERR_INVALID);
		assert_true(e.msg[0] != '\0');
	}
	assert_int_equal(upload_path_check_name(NULL, &e), -EINVAL);
}

static void test_name_too_long(void **state)
{
	char name[UPLOAD_NAME_MAX + 2];
	struct err e = { 0 };

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(upload_path_check_name(name, &e), -EINVAL);
	name[UPLOAD_NAME_MAX] = '\0';
	assert_int_equal(upload_path_check_name(name, &e), 0);
}

static void test_folders(void **state)
{
	struct err e = { 0 };

	assert_int_equal(upload_path_check_folder(NULL, &e), 0);
	assert_int_equal(upload_path_check_folder("", &e), 0);
	assert_int_equal(upload_path_check_folder("scans/2026//11/", &e), 0);
	assert_int_equal(upload_path_check_folder("/srv/scans", &e), 0);
	assert_int_equal(upload_path_check_folder("..", &e), -EINVAL);
	assert_int_equal(upload_path_check_folder("a/../b", &e), -EINVAL);
	assert_int_equal(upload_path_check_folder("a/./b", &e), -EINVAL);
	assert_int_equal(upload_path_check_folder("a/..", &e), -EINVAL);
	assert_int_equal(upload_path_check_folder("a\\b", &e), -EINVAL);
	assert_int_equal(upload_path_check_folder("a\rb", &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
}

static void test_levels(void **state)
{
	assert_int_equal(upload_path_levels(NULL), 0);
	assert_int_equal(upload_path_levels(""), 0);
	assert_int_equal(upload_path_levels("///"), 0);
	assert_int_equal(upload_path_levels("a"), 1);
	assert_int_equal(upload_path_levels("/a//b/c/"), 3);
}

static void test_join(void **state)
{
	char out[256];

	assert_int_equal(upload_path_join(out, sizeof(out), "https://h/dav/", "scans/2026",
					  ~0u, "a b.pdf"), 0);
	assert_string_equal(out, "https://h/dav/scans/2026/a%20b.pdf");
	assert_int_equal(upload_path_join(out, sizeof(out), "https://h/dav", "scans/2026",
					  1, NULL), 0);
	assert_string_equal(out, "https://h/dav/scans/");
	assert_int_equal(upload_path_join(out, sizeof(out), "http://h", NULL, ~0u,
					  "r\xc3\xa9?#%.pdf"), 0);
	assert_string_equal(out, "http://h/r%C3%A9%3F%23%25.pdf");
	assert_int_equal(upload_path_join(out, sizeof(out), "sftp://h:22/~", "/x//y/",
					  ~0u, "n~_-.pdf"), 0);
	assert_string_equal(out, "sftp://h:22/~/x/y/n~_-.pdf");
}

static void test_join_overflow(void **state)
{
	char out[16];

	memset(out, 'z', sizeof(out));
	assert_int_equal(upload_path_join(out, sizeof(out), "http://host", "f",
					  ~0u, "name"), -ENAMETOOLONG);
}

static void test_join_exact_fit(void **state)
{
	char out[18];

	/* 17 characters and the NUL fit; one byte less does not. */
	assert_int_equal(upload_path_join(out, sizeof(out), "http://h", "f", ~0u,
					  "ab.pdf"), 0);
	assert_string_equal(out, "http://h/f/ab.pdf");
	assert_int_equal(upload_path_join(out, 17, "http://h", "f", ~0u, "ab.pdf"),
			 -ENAMETOOLONG);
	assert_int_equal(upload_path_join(out, 0, "http://h", NULL, 0, NULL),
			 -ENAMETOOLONG);
}

static void test_urls(void **state)
{
	struct err e = { 0 };

	assert_int_equal(upload_path_check_url("https://cloud.example/remote.php/dav/files/u",
					       "http,https", &e), 0);
	assert_int_equal(upload_path_check_url("sftp://127.0.0.1:2222/~", "sftp", &e), 0);
	assert_int_equal(upload_path_check_url("ftp://h/x", "http,https", &e), -EINVAL);
	assert_int_equal(upload_path_check_url("https://h/x?a=b", "http,https", &e), -EINVAL);
	assert_int_equal(upload_path_check_url("https://h/x#f", "http,https", &e), -EINVAL);
	assert_int_equal(upload_path_check_url("not a url", "http,https", &e), -EINVAL);
	assert_int_equal(upload_path_check_url("", "http,https", &e), -EINVAL);
	assert_int_equal(upload_path_check_url(NULL, "http,https", &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
}

static void test_url_credentials_not_echoed(void **state)
{
	struct err e = { 0 };

	assert_int_equal(upload_path_check_url("https://bob:hunter2@h/dav",
					       "http,https", &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	assert_null(strstr(e.msg, "hunter2"));
	assert_int_equal(upload_path_check_url("https://bob@h/dav", "http,https", &e),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_accepted),
		cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_folders),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_overflow),
		cmocka_unit_test(test_join_exact_fit),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_url_credentials_not_echoed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
