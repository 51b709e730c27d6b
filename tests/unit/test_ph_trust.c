// SPDX-License-Identifier: GPL-2.0
/*
 * test_ph_trust: the helper's trust rules. Root, system uids (below
 * min_uid) and the overflow uid are refused; a folder must lie strictly
 * inside an allowed root on a component boundary ("/srvx" is not inside
 * "/srv", "/srv" itself is not inside it); roots must be absolute and
 * clean; UID_MIN comes from login.defs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ph_trust.h"

static void test_uids(void **state)
{
	struct ph_policy pol = { .min_uid = 1000 };
	char why[128];

	assert_int_equal(ph_trust_uid(&pol, 0, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "uid 0 is root");
	assert_int_equal(ph_trust_uid(&pol, 999, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "system user"));
	assert_int_equal(ph_trust_uid(&pol, 65534, why, sizeof(why)), -EPERM);
	assert_int_equal(ph_trust_uid(&pol, (uid_t)-1, why, sizeof(why)), -EPERM);
	assert_int_equal(ph_trust_uid(&pol, 1000, why, sizeof(why)), 0);
	pol.min_uid = 100;
	assert_int_equal(ph_trust_uid(&pol, 999, why, sizeof(why)), 0);
	assert_int_equal(ph_trust_uid(&pol, 0, why, sizeof(why)), -EPERM);
}

static void test_roots_parse(void **state)
{
	struct ph_policy pol = { .n_roots = 0 };
	char why[256];

	assert_int_equal(ph_policy_set_roots(&pol, "/srv/scans:/home", why, sizeof(why)), 0);
	assert_int_equal(pol.n_roots, 2);
	assert_string_equal(pol.roots[1], "/home");
	assert_int_equal(ph_policy_set_roots(&pol, "/srv:relative", why, sizeof(why)), -EINVAL);
	assert_int_equal(pol.n_roots, 0);
	assert_int_equal(ph_policy_set_roots(&pol, "/", why, sizeof(why)), -EINVAL);
	assert_int_equal(ph_policy_set_roots(&pol, "/srv/../etc", why, sizeof(why)), -EINVAL);
	assert_int_equal(ph_policy_set_roots(&pol, "", why, sizeof(why)), 0);
	assert_int_equal(pol.n_roots, 0);
	ph_policy_clear(&pol);
}

static void test_folders(void **state)
{
	struct ph_policy pol = { .n_roots = 0 };
	const char *rel = NULL;
	size_t root = 99;
	char why[256];

	assert_int_equal(ph_policy_set_roots(&pol, "/srv/scans:/home", why, sizeof(why)), 0);
	assert_int_equal(ph_trust_folder(&pol, "/home/alice/scans", &root, &rel, why, sizeof(why)), 0);
	assert_int_equal(root, 1);
	assert_string_equal(rel, "alice/scans");
	assert_int_equal(ph_trust_folder(&pol, "/srv/scans/bob", &root, &rel, why, sizeof(why)), 0);
	assert_int_equal(root, 0);
	assert_string_equal(rel, "bob");
	assert_int_equal(ph_trust_folder(&pol, "/srv/scansx/bob", &root, &rel, why, sizeof(why)), -EPERM);
	assert_int_equal(ph_trust_folder(&pol, "/srv/scans", &root, &rel, why, sizeof(why)), -EPERM);
	assert_int_equal(ph_trust_folder(&pol, "/etc", &root, &rel, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "not inside an allowed root"));
	assert_int_equal(ph_trust_folder(&pol, "/homealice", &root, &rel, why, sizeof(why)), -EPERM);
	ph_policy_clear(&pol);
	assert_int_equal(ph_trust_folder(&pol, "/home/alice", &root, &rel, why, sizeof(why)), -EPERM);
}

static void test_login_defs(void **state)
{
	assert_int_equal(ph_login_defs_uid_min("#UID_MIN 5\nUID_MIN\t\t 1000\n", 7), 1000);
	assert_int_equal(ph_login_defs_uid_min("SYS_UID_MIN 100\nUID_MIN 500", 7), 500);
	assert_int_equal(ph_login_defs_uid_min("UID_MAX 60000\n", 7), 7);
	assert_int_equal(ph_login_defs_uid_min("UID_MIN zero\n", 7), 7);
	assert_int_equal(ph_login_defs_uid_min("UID_MIN 0\n", 7), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uids),
		cmocka_unit_test(test_roots_parse),
		cmocka_unit_test(test_folders),
		cmocka_unit_test(test_login_defs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
