// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of secrets: seal/open round trip, every kind of tampering,
 * the wrong account id (AAD) or key, and the machine key file (created
 * once with mode 0600, reused, refused when damaged or too open).
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

#include "secrets.h"

static const char secret_json[] = "{\"password\":\"hunter2\"}";

static struct secrets_key *key_of(uint8_t fill)
{
	uint8_t bytes[SECRETS_KEY_BYTES];
	struct secrets_key *k;
	struct err e;

	memset(bytes, fill, sizeof(bytes));
	assert_int_equal(secrets_key_from_bytes(bytes, &k, &e), 0);
	return k;
}

static void test_round_trip(void **state)
{
	struct secrets_key *k = key_of(1);
	uint8_t *blob, *blob2;
	size_t len, len2, plen;
	char *plain;
	struct err e;

	assert_int_equal(secrets_seal(k, "a1b2", secret_json, strlen(secret_json),
				      &blob, &len, &e), 0);
	assert_int_equal(len, strlen(secret_json) + SECRETS_OVERHEAD);
	/* the plaintext does not appear in the blob */
	assert_null(memmem(blob, len, "hunter2", 7));
	assert_int_equal(secrets_open(k, "a1b2", blob, len, &plain, &plen, &e), 0);
	assert_int_equal(plen, strlen(secret_json));
	assert_string_equal(plain, secret_json);
	secrets_free(plain);
	/* a fresh IV each time: same input, different blob */
	assert_int_equal(secrets_seal(k, "a1b2", secret_json, strlen(secret_json),
				      &blob2, &len2, &e), 0);
	assert_int_equal(len, len2);
	assert_memory_not_equal(blob, blob2, len);
	free(blob);
	free(blob2);
	secrets_key_free(k);
}

static void test_tamper(void **state)
{
	struct secrets_key *k = key_of(2);
	char *plain = (char *)"untouched";
	size_t len, plen = 99;
	uint8_t *blob;
	struct err e;

	assert_int_equal(secrets_seal(k, "id", secret_json, strlen(secret_json),
				      &blob, &len, &e), 0);
	for (size_t i = 0; i < len; i++) {
		blob[i] ^= 0x01;
		assert_int_equal(secrets_open(k, "id", blob, len, &plain, &plen, &e),
				 -EBADMSG);
		assert_string_equal(plain, "untouched");
		assert_int_equal(plen, 99);
		blob[i] ^= 0x01;
	}
	/* truncated */
	assert_int_equal(secrets_open(k, "id", blob, len - 1, &plain, &plen, &e),
			 -EBADMSG);
	assert_int_equal(secrets_open(k, "id", blob, 5, &plain, &plen, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "truncated"));
	free(blob);
	secrets_key_free(k);
}

static void test_wrong_aad_and_key(void **state)
{
	struct secrets_key *k = key_of(3), *other = key_of(4);
	size_t len, plen;
	uint8_t *blob;
	char *plain;
	struct err e;

	assert_int_equal(secrets_seal(k, "alice1", secret_json, strlen(secret_json),
				      &blob, &len, &e), 0);
	assert_int_equal(secrets_open(k, "bob0001", blob, len, &plain, &plen, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "do not authenticate"));
	assert_int_equal(secrets_open(other, "alice1", blob, len, &plain, &plen, &e),
			 -EBADMSG);
	free(blob);
	secrets_key_free(k);
	secrets_key_free(other);
}

static void make_dir(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/test_secrets.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
}

static void test_key_file(void **state)
{
	struct secrets_key *k1, *k2;
	char dir[256], path[300];
	size_t len, plen;
	struct stat st;
	uint8_t *blob;
	char *plain;
	struct err e;

	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/machine.key", dir);
	if (secrets_key_load(dir, &k1, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SECRETS_KEY_BYTES);
	/* the second start reads the same key */
	assert_int_equal(secrets_key_load(dir, &k2, &e), 0);
	assert_int_equal(secrets_seal(k1, "x", "abc", 3, &blob, &len, &e), 0);
	assert_int_equal(secrets_open(k2, "x", blob, len, &plain, &plen, &e), 0);
	assert_string_equal(plain, "abc");
	secrets_free(plain);
	free(blob);
	secrets_key_free(k1);
	secrets_key_free(k2);

	/* too open: refused */
	assert_int_equal(chmod(path, 0644), 0);
	assert_true(secrets_key_load(dir, &k1, &e) < 0);
	assert_non_null(strstr(e.msg, "mode 0600"));
	/* damaged: refused with advice */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(secrets_key_load(dir, &k1, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "damaged"));
	unlink(path);
	rmdir(dir);
}

static void test_key_dir_missing(void **state)
{
	struct secrets_key *k = NULL;
	struct err e;

	assert_true(secrets_key_load("/nonexistent/dir", &k, &e) < 0);
	assert_null(k);
	assert_int_equal(e.cls, ERR_LOCAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_wrong_aad_and_key),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_key_dir_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
