// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of upload.c's front door: destination type names, and the
 * settings each type requires, refused before any connection is tried
 * (class ERR_INVALID, output parameters untouched, secrets not echoed);
 * a local document written in-process (no privilege helper: tools) is the
 * writer's, 0600. The owner's documents, written by the helper as the
 * owner, are tested in tests/integration/test_privsep.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "upload.h"

static void test_type_names(void **state)
{
	assert_int_equal(dest_type_from_name("local"), DEST_LOCAL);
	assert_int_equal(dest_type_from_name("webdav"), DEST_WEBDAV);
	assert_int_equal(dest_type_from_name("s3"), DEST_S3);
	assert_int_equal(dest_type_from_name("sftp"), DEST_SFTP);
	assert_int_equal(dest_type_from_name("smb"), DEST_SMB);
	assert_string_equal(dest_type_name(DEST_SMB), "smb");
	assert_int_equal(dest_type_from_name("ftp"), -EINVAL);
	assert_int_equal(dest_type_from_name("WebDAV"), -EINVAL);
	assert_int_equal(dest_type_from_name(NULL), -EINVAL);
	assert_string_equal(dest_type_name(DEST_S3), "s3");
	assert_null(dest_type_name((enum dest_type)42));
}

/* A refused check leaves @space as it was and fills @e as invalid. */
static void expect_refused(const struct dest *d, const char *words)
{
	struct upload_space space = { .known = true, .free_bytes = 7 };
	struct err e = { 0 };

	assert_int_equal(upload_check(d, &space, &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	assert_non_null(strstr(e.msg, words));
	assert_true(space.known);
	assert_int_equal(space.free_bytes, 7);
}

static void test_sftp_requires_host_key(void **state)
{
	struct dest d = { .type = DEST_SFTP, .url = "sftp://127.0.0.1:1/~",
			  .username = "u", .password = "pw" };

	expect_refused(&d, "host key");
	d.host_key_sha256 = "";
	expect_refused(&d, "host key");
}

static void test_s3_requires_keys(void **state)
{
	struct dest d = { .type = DEST_S3, .url = "http://127.0.0.1:1/b",
			  .password = "secret" };

	expect_refused(&d, "access key");
}

static void test_smb_requires_user_and_share(void **state)
{
	struct dest d = { .type = DEST_SMB, .url = "smb://127.0.0.1:1/share",
			  .password = "pw" };

	expect_refused(&d, "user name");
	d.username = "u";
	d.url = "smb://127.0.0.1:1";
	expect_refused(&d, "must name a share");
	d.url = "smb://127.0.0.1:1//";
	expect_refused(&d, "must name a share");
	d.url = "https://127.0.0.1:1/share";
	expect_refused(&d, "smb://");
}

static void test_local_requires_absolute_folder(void **state)
{
	struct dest d = { .type = DEST_LOCAL, .folder = "scans" };

	expect_refused(&d, "absolute");
	d.folder = NULL;
	expect_refused(&d, "absolute");
	d.folder = "/srv/../etc";
	expect_refused(&d, "..");
}

static void test_url_scheme_per_type(void **state)
{
	struct dest d = { .type = DEST_WEBDAV, .url = "sftp://h/x" };

	expect_refused(&d, "http");
	d.url = NULL;
	expect_refused(&d, "not a valid URL");
}

/* The plain-http rule: only credentials over http:// without consent. */
static void test_plain_http_needs_consent(void **state)
{
	struct err e = { 0 };

	assert_int_equal(upload_check_plain_http(DEST_WEBDAV, "http://h/dav", true,
						 false, ERR_INVALID, &e), -EACCES);
	assert_int_equal(e.cls, ERR_INVALID);
	assert_non_null(strstr(e.msg, "setting 'allow-insecure-http'"));
	assert_non_null(strstr(e.msg, "password"));
	assert_int_equal(upload_check_plain_http(DEST_S3, "HTTP://h/b", true,
						 false, ERR_AUTH, &e), -EACCES);
	assert_int_equal(e.cls, ERR_AUTH);
	assert_non_null(strstr(e.msg, "keys"));
	assert_int_equal(upload_check_plain_http(DEST_WEBDAV, "http://h/dav", true,
						 true, ERR_AUTH, &e), 0);
	assert_int_equal(upload_check_plain_http(DEST_WEBDAV, "http://h/dav", false,
						 false, ERR_AUTH, &e), 0);
	assert_int_equal(upload_check_plain_http(DEST_WEBDAV, "https://h/dav", true,
						 false, ERR_AUTH, &e), 0);
	assert_int_equal(upload_check_plain_http(DEST_SFTP, "http://h/", true,
						 false, ERR_AUTH, &e), 0);
}

/* Every transfer applies it: a webdav login over http without consent. */
static void test_transfer_refuses_plain_http_login(void **state)
{
	struct dest d = { .type = DEST_WEBDAV, .url = "http://127.0.0.1:1/dav",
			  .username = "u", .password = "pw" };
	struct upload_space space = { .known = true, .free_bytes = 7 };
	struct err e = { 0 };

	assert_int_equal(upload_check(&d, &space, &e), -EACCES);
	assert_int_equal(e.cls, ERR_AUTH);
	assert_non_null(strstr(e.msg, "allow-insecure-http"));
	assert_null(strstr(e.msg, "pw"));
	assert_int_equal(space.free_bytes, 7);
}

static void test_password_in_url_not_echoed(void **state)
{
	struct dest d = { .type = DEST_WEBDAV,
			  .url = "https://anna:s3cr3t-pw@nas.example/dav" };
	struct err e = { 0 };

	assert_int_equal(upload_check(&d, NULL, &e), -EINVAL);
	assert_null(strstr(e.msg, "s3cr3t-pw"));
}

static void test_put_refuses_bad_names_and_fds(void **state)
{
	struct dest d = { .type = DEST_LOCAL, .folder = "/nonexistent/mfpscan" };
	char url[64] = "untouched";
	struct err e = { 0 };

	assert_int_equal(upload_put(&d, "../x", 0, 1, NULL, NULL, NULL, url,
				    sizeof(url), &e), -EINVAL);
	assert_string_equal(url, "untouched");
	assert_int_equal(upload_put(&d, "ok.pdf", -1, 1, NULL, NULL, NULL, url,
				    sizeof(url), &e), -EBADF);
	assert_int_equal(upload_put(&d, "ok.pdf", 0, 1, "application/pdf\r\nX: y",
				    NULL, NULL, url, sizeof(url), &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	assert_string_equal(url, "untouched");
}

static void test_exists_output_untouched_on_failure(void **state)
{
	struct dest d = { .type = DEST_SFTP, .url = "sftp://h" };
	bool exists = true;
	struct err e = { 0 };

	assert_int_equal(upload_exists(&d, "a.pdf", 1, &exists, &e), -EINVAL);
	assert_true(exists);
}

/* Put "doc.pdf" into a fresh folder with @d's owner; fills @st. */
static void local_put_and_stat(struct dest *d, struct stat *st)
{
	char dir[] = "/tmp/mfpscan-test-upload.XXXXXX", file[64], path[96];
	char url[256];
	struct err e = { 0 };
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/src", dir);
	fd = open(file, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "%PDF-1.4\n", 9), 9);
	d->type = DEST_LOCAL;
	d->folder = dir;
	assert_int_equal(upload_put(d, "doc.pdf", fd, 9, NULL, NULL, NULL, url,
				    sizeof(url), &e), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/doc.pdf", dir);
	assert_int_equal(stat(path, st), 0);
	unlink(path);
	unlink(file);
	rmdir(dir);
}

/* In-process, the owner is not handed anything: no chown as root. */
static void test_local_owner_unset_keeps_writer(void **state)
{
	struct dest d = { .owner_uid = 4242, .owner_gid = 4343 };
	struct stat st;

	local_put_and_stat(&d, &st);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_sftp_requires_host_key),
		cmocka_unit_test(test_s3_requires_keys),
		cmocka_unit_test(test_smb_requires_user_and_share),
		cmocka_unit_test(test_local_requires_absolute_folder),
		cmocka_unit_test(test_url_scheme_per_type),
		cmocka_unit_test(test_plain_http_needs_consent),
		cmocka_unit_test(test_transfer_refuses_plain_http_login),
		cmocka_unit_test(test_password_in_url_not_echoed),
		cmocka_unit_test(test_put_refuses_bad_names_and_fds),
		cmocka_unit_test(test_exists_output_untouched_on_failure),
		cmocka_unit_test(test_local_owner_unset_keeps_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
