// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of config: the sample file parses to the defaults, good files
 * set every key, and bad files (unknown keys and sections, values out of
 * range, relative paths, duplicates, syntax errors) are refused with a
 * message naming the line and the key; the admin guide documents every
 * key of the sample.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static void expect_error(const char *text, const char *needle)
{
	struct config *c = NULL;
	struct err e;
	int r;

	err_clear(&e);
	r = config_load_string(text, "test.conf", &c, &e);
	if (r != -EINVAL || !strstr(e.msg, needle))
		fail_msg("expected an error containing \"%s\", got %d \"%s\"",
			 needle, r, e.msg);
	assert_null(c);
	assert_int_equal(e.cls, ERR_INVALID);
}

static void test_defaults(void **state)
{
	struct config *c;
	struct err e;

	assert_int_equal(config_load_string("", "empty", &c, &e), 0);
	assert_string_equal(c->state_dir, "/var/lib/mfpscan");
	assert_string_equal(c->spool_dir, "/var/spool/mfpscan");
	assert_int_equal(c->n_devices, 1);
	assert_string_equal(config_device(c, NULL)->path, "/dev/mfpscan");
	assert_int_equal(c->pending_policy, CONFIG_PENDING_BLOCK);
	assert_int_equal(c->full_policy, CONFIG_FULL_KEEP);
	assert_string_equal(c->sysfs_dir, "/sys");
	assert_int_equal(c->mail_retry_initial_s, 60);
	assert_int_equal(c->mail_outbox_max, 64);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->jpeg_quality, 85);
	assert_string_equal(c->ocr_languages, "eng");
	assert_int_equal(c->ocr_timeout_s, 60);
	assert_int_equal(c->upload_timeout_s, 30);
	assert_int_equal(c->mail_timeout_s, 60);
	assert_int_equal(c->spool_min_free_bytes, 64ULL * 1024 * 1024);
	assert_int_equal(c->retry.count, 24);
	assert_null(c->mail_smtp_url);
	assert_int_equal(c->upload_resume_threshold, 32ULL * 1024 * 1024);
	assert_int_equal(c->upload_resume_chunk, 8ULL * 1024 * 1024);
	config_free(c);
}

static void test_upload_section(void **state)
{
	struct config *c;
	struct err e;

	assert_int_equal(config_load_string("[upload]\nresume_threshold_bytes = 0\n"
					    "resume_chunk_bytes = 5242880\n",
					    "upload", &c, &e), 0);
	assert_int_equal(c->upload_resume_threshold, 0);
	assert_int_equal(c->upload_resume_chunk, 5242880);
	config_free(c);
	expect_error("[upload]\nresume_chunk_bytes = 5242879\n",
		     "[upload] resume_chunk_bytes: must be a number of bytes from 5242880");
	expect_error("[upload]\nresume_chunk_bytes = 6000000000\n", "resume_chunk_bytes");
	expect_error("[upload]\nresume_threshold_bytes = big\n",
		     "[upload] resume_threshold_bytes: must be a number of bytes");
}

/* The shipped sample must parse and equal the defaults it documents. */
static void test_sample_file(void **state)
{
	const char *top = getenv("MFPSCAN_TOP");
	char path[4096];
	struct config *c;
	struct err e;

	snprintf(path, sizeof(path), "%s/usr/mfpscand/mfpscand.conf.example",
		 top ? top : "..");
	if (access(path, R_OK) != 0)
		skip();
	if (config_load(path, true, &c, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(c->default_device, "default");
	assert_int_equal(c->spool_max_bytes_per_user, 1073741824ULL);
	assert_int_equal(c->spool_min_free_bytes, 64ULL * 1024 * 1024);
	assert_int_equal(c->retry.initial_s, 60);
	assert_int_equal(c->mail_starttls, CONFIG_STARTTLS_OPTIONAL);
	config_free(c);
}

static void test_full_file(void **state)
{
	const char *text =
		"[daemon]\n"
		"state_dir = /tmp/st\n"
		"spool_dir = /tmp/sp ; inline comment\n"
		"default_device = b\n"
		"pending_policy = allow\n"
		"full_policy = refuse\n"
		"sysfs_dir = /tmp/fake-sys\n"
		"log_level = debug\n"
		"jpeg_quality = 95\n"
		"[device.a]\npath = /dev/mfpscan0#mmap\npanel = mfpscan3\n"
		"[device.b]\npath = pattern:adf=3\ndriver = kernel\n"
		"[device.u]\npath = libusb:1209:0001\ndriver = libusb\n"
		"[spool]\nmax_bytes_per_user = 2097152\nmax_entries_per_user = 7\n"
		"min_free_bytes = 0\n"
		"[retry]\ninitial_s = 5\nmax_interval_s = 50\ncount = 3\nslow_factor = 2\n"
		"[mail]\nsmtp_url = smtp://127.0.0.1:2525\nfrom = scan@example.org\n"
		"username = bot\npassword_file = /etc/mfpscan/smtp.pw\n"
		"starttls = required\nca_file = /etc/ssl/ca.pem\ntimeout_s = 7\n"
		"[upload]\ntimeout_s = 3\n"
		"[ocr]\nlanguages = eng+deu\ntimeout = 5\n";
	struct config *c;
	struct err e;

	if (config_load_string(text, "full", &c, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(c->spool_dir, "/tmp/sp");
	assert_int_equal(c->n_devices, 3);
	assert_int_equal(config_device(c, "u")->driver, CONFIG_DRIVER_LIBUSB);
	assert_string_equal(config_device(c, "u")->path, "libusb:1209:0001");
	assert_int_equal(config_device(c, "a")->driver, CONFIG_DRIVER_KERNEL);
	assert_string_equal(config_device(c, NULL)->path, "pattern:adf=3");
	assert_string_equal(config_device(c, "a")->path, "/dev/mfpscan0#mmap");
	assert_string_equal(config_device(c, "a")->panel, "mfpscan3");
	assert_null(config_device(c, "default"));
	assert_int_equal(c->pending_policy, CONFIG_PENDING_ALLOW);
	assert_int_equal(c->full_policy, CONFIG_FULL_REFUSE);
	assert_string_equal(c->sysfs_dir, "/tmp/fake-sys");
	assert_int_equal(c->log_level, LOG_DEBUG);
	assert_int_equal(c->spool_max_entries_per_user, 7);
	assert_int_equal(c->spool_min_free_bytes, 0);
	assert_int_equal(c->retry.max_interval_s, 50);
	assert_string_equal(c->mail_smtp_url, "smtp://127.0.0.1:2525");
	assert_int_equal(c->mail_starttls, CONFIG_STARTTLS_REQUIRED);
	assert_string_equal(c->ocr_languages, "eng+deu");
	assert_int_equal(c->ocr_timeout_s, 5);
	assert_int_equal(c->upload_timeout_s, 3);
	assert_int_equal(c->mail_timeout_s, 7);
	config_free(c);
}

static void test_unknown(void **state)
{
	expect_error("[daemon]\nstate_dri = /x\n", "test.conf:2: [daemon] state_dri: unknown key");
	expect_error("\n[deamon]\nstate_dir = /x\n", "test.conf:3: [deamon]: unknown section");
	expect_error("[retry]\nfoo = 1\n", "[retry] foo: unknown key");
	expect_error("[device.x]\npath = /dev/a\nspeed = 1\n", "[device.x] speed: unknown key");
}

static void test_bad_values(void **state)
{
	expect_error("[daemon]\nstate_dir = var/lib\n", "state_dir: must be an absolute path");
	expect_error("[daemon]\njpeg_quality = 101\n", ":2: [daemon] jpeg_quality");
	expect_error("[daemon]\njpeg_quality = -1\n", "jpeg_quality");
	expect_error("[daemon]\njpeg_quality = 12abc\n", "jpeg_quality");
	expect_error("[daemon]\npending_policy = maybe\n", "pending_policy: must be");
	expect_error("[daemon]\nfull_policy = drop\n", "full_policy: must be");
	expect_error("[mail]\nretry_initial_s = 0\n", "retry_initial_s: must be");
	expect_error("[mail]\noutbox_max = 1\n", "outbox_max: must be");
	expect_error("[device.a]\npath = pattern:\npanel = ../../etc\n", "panel: must be");
	expect_error("[daemon]\nsysfs_dir = relative/sys\n", "sysfs_dir");
	expect_error("[daemon]\nlog_level = loud\n", "log_level");
	expect_error("[ocr]\nlanguages = ../eng\n", "[ocr] languages: must be Tesseract languages");
	expect_error("[ocr]\ntimeout = 0\n", "[ocr] timeout: must be a number of seconds");
	expect_error("[upload]\ntimeout_s = 0\n", "[upload] timeout_s: must be a number of seconds");
	expect_error("[mail]\ntimeout_s = 3601\n", "[mail] timeout_s: must be a number of seconds");
	expect_error("[spool]\nmax_entries_per_user = 0\n", "max_entries_per_user");
	expect_error("[spool]\nmax_bytes_per_user = 99999999999999999999999\n", "max_bytes_per_user");
	expect_error("[spool]\nmin_free_bytes = lots\n", "[spool] min_free_bytes: must be");
	expect_error("[spool]\nmin_free_bytes = -1\n", "min_free_bytes");
	expect_error("[retry]\ncount = many\n", "[retry] count");
	expect_error("[retry]\ninitial_s = 100\nmax_interval_s = 10\n", "[retry]");
	expect_error("[mail]\nsmtp_url = http://x\n", "smtp_url");
	expect_error("[mail]\nsmtp_url = smtp://u:p@x\n", "without credentials");
	expect_error("[mail]\nfrom = nobody\n", "[mail] from");
	expect_error("[mail]\nstarttls = yes\n", "starttls");
	expect_error("[device.x]\npath = relative\n", "[device.x] path");
	expect_error("[device.x]\npath = /dev/a\ndriver = serial\n", "driver");
	expect_error("[device.x]\npath = /dev/mfpscan0\ndriver = libusb\n",
		     "[device.x] driver: libusb needs path = libusb:");
	expect_error("[device.x]\npath = pattern:\ndriver = libusb\n",
		     "[device.x] driver: libusb needs path");
	expect_error("[device.x]\npath = libusb:1209:0001\n",
		     "[device.x] driver: must be libusb");
	expect_error("[device.x]\npath = libusb:\ndriver = kernel\n",
		     "[device.x] driver: must be libusb");
	expect_error("[device.x]\npath = usb:1209:0001\ndriver = libusb\n",
		     "[device.x] path");
	expect_error("[device.b/c]\npath = /dev/a\n", "not a device name");
}

static void test_structure(void **state)
{
	expect_error("[daemon]\nlog_level = info\nlog_level = debug\n",
		     ":3: [daemon] log_level: is set twice");
	expect_error("[daemon]\ndefault_device = other\n", "names no [device.other]");
	expect_error("[device.x]\ndriver = kernel\n", "[device.x] path: is required");
	expect_error("[daemon\n", "test.conf:1: syntax error");
	expect_error("[daemon]\njust words\n", "test.conf:2: syntax error");
}

static void test_long_line(void **state)
{
	char text[1024] = "[daemon]\nstate_dir = /";

	memset(text + strlen(text), 'a', 600);
	strcat(text, "\n");
	expect_error(text, "test.conf:2: line longer than");
}

static void test_missing_file(void **state)
{
	struct config *c = NULL;
	struct err e;

	assert_int_equal(config_load("/nonexistent/mfpscand.conf", false, &c, &e), 0);
	assert_non_null(c);
	config_free(c);
	c = NULL;
	assert_true(config_load("/nonexistent/mfpscand.conf", true, &c, &e) < 0);
	assert_null(c);
	assert_non_null(strstr(e.msg, "/nonexistent/mfpscand.conf"));
}

/* Read all of @path (small text files) into a new string, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, got;

	if (!f)
		return NULL;
	buf = calloc(1, 256 * 1024);
	if (buf) {
		while ((got = fread(buf + len, 1, 256 * 1024 - 1 - len, f)) > 0)
			len += got;
	}
	fclose(f);
	return buf;
}

/* Every "key = value" of the sample is a ``key`` in the admin guide. */
/* Privilege separation: [daemon] user and the helper, [local] rules. */
static void test_privsep_keys(void **state)
{
	struct config *c = NULL;
	struct err e;

	assert_int_equal(config_load_string("", "t", &c, &e), 0);
	assert_string_equal(c->user, "mfpscan");
	assert_string_equal(c->privhelper_socket, "/run/mfpscan/privhelper.sock");
	assert_null(c->privhelper);
	assert_string_equal(c->local_allowed_roots, "/home:/srv:/media");
	assert_int_equal(c->local_min_uid, 0);
	config_free(c);
	assert_int_equal(config_load_string(
		"[daemon]\nuser = scan-svc\nprivhelper = /opt/ph\nprivhelper_socket = /run/x.sock\n"
		"[local]\nallowed_roots = /srv/scans:/home\nmin_uid = 500\n", "t", &c, &e), 0);
	assert_string_equal(c->user, "scan-svc");
	assert_string_equal(c->privhelper, "/opt/ph");
	assert_string_equal(c->local_allowed_roots, "/srv/scans:/home");
	assert_int_equal(c->local_min_uid, 500);
	config_free(c);
	expect_error("[daemon]\nuser = Root;rm\n", "must be a user name");
	expect_error("[daemon]\nprivhelper_socket = run/x\n", "absolute path");
	expect_error("[local]\nallowed_roots = /srv:scans\n", "absolute directories");
	expect_error("[local]\nmin_uid = 0\n", "uid from 1");
	expect_error("[local]\nmin_uid = 70000\n", "uid from 1");
	expect_error("[local]\nroots = /srv\n", "unknown key");
}

static void test_admin_guide_documents_every_key(void **state)
{
	const char *top = getenv("MFPSCAN_TOP");
	char sample[4096], guide[4096], key[80], quoted[96];
	char *text, *line, *save = NULL;
	char *doc;
	int keys = 0;

	snprintf(sample, sizeof(sample), "%s/usr/mfpscand/mfpscand.conf.example",
		 top ? top : "..");
	snprintf(guide, sizeof(guide), "%s/Documentation/admin-guide.rst",
		 top ? top : "..");
	text = slurp(sample);
	doc = slurp(guide);
	if (!text)
		skip();
	assert_non_null(doc);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '[' ||
		    sscanf(line, " %79[a-z_] =", key) != 1)
			continue;
		snprintf(quoted, sizeof(quoted), "``%s``", key);
		if (!strstr(doc, quoted))
			fail_msg("Documentation/admin-guide.rst does not document %s", key);
		keys++;
	}
	assert_true(keys >= 20);
	free(text);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_upload_section),
		cmocka_unit_test(test_privsep_keys),
		cmocka_unit_test(test_sample_file),
		cmocka_unit_test(test_admin_guide_documents_every_key),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
