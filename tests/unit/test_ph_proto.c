// SPDX-License-Identifier: GPL-2.0
/*
 * test_ph_proto: the privilege helper's messages. A request built by
 * ph_request_init decodes to itself; every malformed message (size,
 * magic, version, operation, reserved bits, unterminated strings, a
 * relative or dotted folder, a name that is a path, a temp name that is
 * not ours) is refused with a reason, leaving the output untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ph_proto.h"

static struct ph_request good(void)
{
	struct ph_request q;

	assert_int_equal(ph_request_init(&q, PH_OP_COMMIT, 1001, "/srv/scans/alice",
					 "doc-1.pdf", ".doc-1.pdf.0a1b2c"), 0);
	return q;
}

static int decode(const struct ph_request *q, size_t len, char *why)
{
	struct ph_request out;

	memset(&out, 0x5a, sizeof(out));
	int r = ph_request_decode(q, len, &out, why, 128);

	if (r == 0)
		assert_memory_equal(&out, q, sizeof(*q));
	else
		assert_int_equal(((unsigned char *)&out)[0], 0x5a);
	return r;
}

static void test_round_trip(void **state)
{
	struct ph_request q = good();
	char why[128];

	assert_int_equal(decode(&q, sizeof(q), why), 0);
	assert_int_equal(q.uid, 1001);
	assert_string_equal(q.folder, "/srv/scans/alice");
	assert_string_equal(ph_op_name(q.op), "commit");
}

static void test_size_magic_version_op(void **state)
{
	struct ph_request q = good();
	char why[128];

	assert_int_equal(decode(&q, sizeof(q) - 1, why), -EBADMSG);
	assert_string_equal(why, "message of the wrong size");
	q.magic ^= 1;
	assert_int_equal(decode(&q, sizeof(q), why), -EBADMSG);
	q = good();
	q.version = PH_VERSION + 1;
	assert_int_equal(decode(&q, sizeof(q), why), -EPROTONOSUPPORT);
	q = good();
	q.op = PH_OP_COUNT;
	assert_int_equal(decode(&q, sizeof(q), why), -EINVAL);
	q.op = 0;
	assert_int_equal(decode(&q, sizeof(q), why), -EINVAL);
	q = good();
	q.reserved = 1;
	assert_int_equal(decode(&q, sizeof(q), why), -EBADMSG);
}

static void test_unterminated_strings(void **state)
{
	struct ph_request q = good();
	char why[128];

	memset(q.folder, 'a', sizeof(q.folder));
	q.folder[0] = '/';
	assert_int_equal(decode(&q, sizeof(q), why), -EBADMSG);
	assert_string_equal(why, "unterminated string");
	q = good();
	memset(q.temp, 'x', sizeof(q.temp));
	assert_int_equal(decode(&q, sizeof(q), why), -EBADMSG);
}

static void test_folder_rules(void **state)
{
	assert_true(ph_folder_valid("/srv/scans/alice"));
	assert_true(ph_folder_valid("/"));
	assert_false(ph_folder_valid("srv/scans"));
	assert_false(ph_folder_valid("/srv/../etc"));
	assert_false(ph_folder_valid("/srv/./scans"));
	assert_false(ph_folder_valid("/srv//scans"));
	assert_false(ph_folder_valid("/srv/scans/"));
	assert_false(ph_folder_valid("/srv/.."));
	assert_true(ph_folder_valid("/srv/..x/.y"));
}

static void test_name_and_temp_rules(void **state)
{
	struct ph_request q;

	assert_true(ph_name_valid("doc.pdf"));
	assert_false(ph_name_valid(""));
	assert_false(ph_name_valid("a/b"));
	assert_false(ph_name_valid(".hidden"));
	assert_false(ph_name_valid(".."));
	assert_true(ph_temp_valid(".doc.pdf.00ff0a", "doc.pdf"));
	assert_false(ph_temp_valid(".doc.pdf.00ff0a", "other.pdf"));
	assert_false(ph_temp_valid(".doc.pdf.00FF0A", "doc.pdf"));
	assert_false(ph_temp_valid("doc.pdf", NULL));
	assert_false(ph_temp_valid("../x/.a.000000", NULL));
	assert_true(ph_temp_valid(".a.000000", NULL));
	/* each operation's own fields */
	assert_int_equal(ph_request_init(&q, PH_OP_STAT, 1001, "/srv/a", "x.pdf", NULL), 0);
	assert_int_equal(ph_request_init(&q, PH_OP_STAT, 1001, "/srv/a", NULL, NULL), -EINVAL);
	assert_int_equal(ph_request_init(&q, PH_OP_PREPARE, 1001, "/srv/a", "x", NULL), -EINVAL);
	assert_int_equal(ph_request_init(&q, PH_OP_UNLINK_TEMP, 1001, "/srv/a", NULL, "passwd"), -EINVAL);
	assert_int_equal(ph_request_init(&q, PH_OP_COMMIT, 1001, "/srv/a", "x.pdf", ".y.pdf.000000"), -EINVAL);
	assert_int_equal(ph_request_init(&q, PH_OP_OPEN_READ, 1001, "/srv/a", "../etc", NULL), -EINVAL);
}

static void test_too_long(void **state)
{
	char folder[PH_FOLDER_MAX + 8];
	struct ph_request q;

	memset(folder, 'a', sizeof(folder) - 1);
	folder[0] = '/';
	folder[sizeof(folder) - 1] = '\0';
	assert_int_equal(ph_request_init(&q, PH_OP_PREPARE, 1001, folder, NULL, NULL),
			 -ENAMETOOLONG);
}

static void test_reply_decode(void **state)
{
	struct ph_request q = good();
	struct ph_reply r, out;

	ph_reply_init(&r, &q);
	assert_int_equal(ph_reply_decode(&r, sizeof(r), &out), 0);
	assert_int_equal(out.op, PH_OP_COMMIT);
	assert_int_equal(ph_reply_decode(&r, sizeof(r) + 1, &out), -EBADMSG);
	r.error = -1;
	assert_int_equal(ph_reply_decode(&r, sizeof(r), &out), -EBADMSG);
	ph_reply_init(&r, &q);
	memset(r.msg, 'x', sizeof(r.msg));
	assert_int_equal(ph_reply_decode(&r, sizeof(r), &out), -EBADMSG);
	ph_reply_init(&r, &q);
	r.version = 9;
	assert_int_equal(ph_reply_decode(&r, sizeof(r), &out), -EPROTONOSUPPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_size_magic_version_op),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_folder_rules),
		cmocka_unit_test(test_name_and_temp_rules),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_reply_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
