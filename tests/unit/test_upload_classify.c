// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of upload_classify: curl codes, HTTP statuses and S3 codes to
 * error classes; XML text extraction whatever the namespace prefix; RFC
 * 4331 quota parsing from real server replies (Apache, npm webdav-server,
 * Nextcloud); garbage and truncated bodies rejected; statvfs lines; the
 * server's words taken from HTML and XML error pages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "upload_classify.h"

static void test_curl_codes(void **state)
{
	assert_int_equal(upload_classify_curl(CURLE_COULDNT_CONNECT, NULL), ERR_NETWORK);
	assert_int_equal(upload_classify_curl(CURLE_OPERATION_TIMEDOUT, NULL), ERR_NETWORK);
	assert_int_equal(upload_classify_curl(CURLE_COULDNT_RESOLVE_HOST, NULL), ERR_NETWORK);
	assert_int_equal(upload_classify_curl(CURLE_PEER_FAILED_VERIFICATION, NULL), ERR_TLS);
	assert_int_equal(upload_classify_curl(CURLE_SSL_CONNECT_ERROR, NULL), ERR_TLS);
	assert_int_equal(upload_classify_curl(CURLE_SSL_CACERT_BADFILE, NULL), ERR_TLS);
	assert_int_equal(upload_classify_curl(CURLE_LOGIN_DENIED, NULL), ERR_AUTH);
	assert_int_equal(upload_classify_curl(CURLE_REMOTE_FILE_NOT_FOUND, NULL), ERR_NOT_FOUND);
	assert_int_equal(upload_classify_curl(CURLE_REMOTE_DISK_FULL, NULL), ERR_STORAGE_FULL);
	assert_int_equal(upload_classify_curl(CURLE_ABORTED_BY_CALLBACK, NULL), ERR_LOCAL);
	assert_int_equal(upload_classify_curl(CURLE_URL_MALFORMAT, NULL), ERR_INVALID);
	assert_int_equal(upload_classify_curl(CURLE_WEIRD_SERVER_REPLY, NULL), ERR_SERVER);
}

static void test_curl_ssh_layer_needs_words(void **state)
{
	/* curl 79 is any SSH failure: only a "no space" text makes it full. */
	assert_int_equal(upload_classify_curl(CURLE_SSH, "Error in the SSH layer"), ERR_SERVER);
	assert_int_equal(upload_classify_curl(CURLE_SSH, NULL), ERR_SERVER);
	assert_int_equal(upload_classify_curl(CURLE_SSH, "Upload failed: No space on filesystem (14/-31)"),
			 ERR_STORAGE_FULL);
	assert_int_equal(upload_classify_curl(CURLE_SSH, "Upload failed: Quota exceeded (15/-31)"),
			 ERR_STORAGE_FULL);
}

static void test_http_statuses(void **state)
{
	assert_int_equal(upload_classify_http(507), ERR_STORAGE_FULL);
	assert_int_equal(upload_classify_http(413), ERR_STORAGE_FULL);
	assert_int_equal(upload_classify_http(401), ERR_AUTH);
	assert_int_equal(upload_classify_http(403), ERR_AUTH);
	assert_int_equal(upload_classify_http(404), ERR_NOT_FOUND);
	assert_int_equal(upload_classify_http(409), ERR_NOT_FOUND);
	assert_int_equal(upload_classify_http(500), ERR_SERVER);
	assert_int_equal(upload_classify_http(501), ERR_SERVER);
	assert_int_equal(upload_classify_http(503), ERR_NETWORK);
	assert_int_equal(upload_classify_http(400), ERR_INVALID);
	assert_int_equal(upload_classify_http(418), ERR_SERVER);
}

static void test_s3_codes(void **state)
{
	assert_int_equal(upload_classify_s3_code("QuotaExceeded"), ERR_STORAGE_FULL);
	assert_int_equal(upload_classify_s3_code("EntityTooLarge"), ERR_STORAGE_FULL);
	assert_int_equal(upload_classify_s3_code("AccessDenied"), ERR_AUTH);
	assert_int_equal(upload_classify_s3_code("SignatureDoesNotMatch"), ERR_AUTH);
	assert_int_equal(upload_classify_s3_code("InvalidAccessKeyId"), ERR_AUTH);
	assert_int_equal(upload_classify_s3_code("NoSuchBucket"), ERR_NOT_FOUND);
	assert_int_equal(upload_classify_s3_code("InternalError"), ERR_SERVER);
	assert_int_equal(upload_classify_s3_code("SomethingNew"), ERR_SERVER);
	assert_int_equal(upload_classify_s3_code(NULL), ERR_SERVER);
}

static const char s3_quota_body[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Error><Code>QuotaExceeded</Code>"
	"<Message>Bucket &quot;scans&quot; is over quota &amp; full</Message>"
	"<Resource>/scans/a.pdf</Resource></Error>";

static void test_xml_text_s3_error(void **state)
{
	char out[128];

	assert_int_equal(upload_classify_xml_text(s3_quota_body, strlen(s3_quota_body),
						  "Code", out, sizeof(out)), 0);
	assert_string_equal(out, "QuotaExceeded");
	assert_int_equal(upload_classify_xml_text(s3_quota_body, strlen(s3_quota_body),
						  "Message", out, sizeof(out)), 0);
	assert_string_equal(out, "Bucket \"scans\" is over quota & full");
	assert_int_equal(upload_classify_xml_text(s3_quota_body, strlen(s3_quota_body),
						  "RequestId", out, sizeof(out)), -ENOENT);
}

static void test_xml_text_truncates_safely(void **state)
{
	char out[6];

	assert_int_equal(upload_classify_xml_text(s3_quota_body, strlen(s3_quota_body),
						  "Code", out, sizeof(out)), 0);
	assert_string_equal(out, "Quota");
}

static void test_xml_text_skips_comments_and_cdata(void **state)
{
	static const char body[] =
		"<?xml version=\"1.0\"?><!-- <Code>Fake</Code> -->"
		"<Error><![CDATA[<Code>AlsoFake</Code>]]><Code>NoSuchBucket</Code></Error>";
	char out[64];

	assert_int_equal(upload_classify_xml_text(body, strlen(body), "Code", out,
						  sizeof(out)), 0);
	assert_string_equal(out, "NoSuchBucket");
}

static void test_xml_text_numeric_references(void **state)
{
	static const char body[] = "<m>caf&#233; &#x41;</m>";
	char out[32];

	assert_int_equal(upload_classify_xml_text(body, strlen(body), "m", out,
						  sizeof(out)), 0);
	assert_string_equal(out, "caf\xc3\xa9 A");
}

static void test_xml_text_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"this is not xml <Code>x</Code>",
		"<Error><Code>unterminated",
		"<Error><Code>x</Other></Error>",
		"<Error><Code>bad &entity; here</Code></Error>",
		"<!-- never closed <Code>x</Code>",
		"<Error><Code attr=\"unterminated></Code></Error>",
		"",
	};
	char out[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(upload_classify_xml_text(bad[i], strlen(bad[i]), "Code",
							  out, sizeof(out)), -EBADMSG);
}

static void test_xml_text_length_bounded(void **state)
{
	/* The body is not NUL-terminated where @len ends. */
	static const char body[] = "<a><Code>x</Code></a>";
	char out[8];

	assert_int_equal(upload_classify_xml_text(body, 9, "Code", out, sizeof(out)),
			 -EBADMSG);
}

/* npm webdav-server 2.6.3: a different prefix per property. */
static const char wdn_propfind[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><D:multistatus xmlns:D=\"DAV:\">"
	"<D:response><D:href>http://127.0.0.1:1/scans/</D:href><D:propstat>"
	"<D:status>HTTP/1.1 200 OK</D:status><D:prop>"
	"<D:resourcetype><D:collection/></D:resourcetype>"
	"<a:quota-available-bytes xmlns:a=\"DAV:\">399958</a:quota-available-bytes>"
	"<a:quota-used-bytes xmlns:a=\"DAV:\">600042</a:quota-used-bytes>"
	"</D:prop></D:propstat></D:response></D:multistatus>";

/* Nextcloud (Sabre): lower-case d: prefix, no XML declaration. */
static const char nextcloud_propfind[] =
	"<d:multistatus xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">\n"
	" <d:response><d:href>/remote.php/dav/files/u/</d:href><d:propstat><d:prop>\n"
	"  <d:quota-available-bytes>10737418240</d:quota-available-bytes>\n"
	"  <d:quota-used-bytes>1024</d:quota-used-bytes>\n"
	" </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\n"
	"</d:multistatus>";

/* Apache mod_dav_fs: the quota properties listed empty under 404. */
static const char apache_propfind[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<D:multistatus xmlns:D=\"DAV:\" xmlns:ns0=\"DAV:\">\n"
	"<D:response xmlns:lp1=\"DAV:\"><D:href>/dav/</D:href>\n"
	"<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype>\n"
	"</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>\n"
	"<D:propstat><D:prop><ns0:quota-available-bytes/><ns0:quota-used-bytes/>\n"
	"</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>\n"
	"</D:response></D:multistatus>\n";

static void test_quota_webdav_server(void **state)
{
	bool known = false;
	uint64_t fb = 0, ub = 0;

	assert_int_equal(upload_classify_quota(wdn_propfind, strlen(wdn_propfind),
					       &known, &fb, &ub), 0);
	assert_true(known);
	assert_int_equal(fb, 399958);
	assert_int_equal(ub, 600042);
}

static void test_quota_nextcloud(void **state)
{
	bool known = false;
	uint64_t fb = 0, ub = 0;

	assert_int_equal(upload_classify_quota(nextcloud_propfind,
					       strlen(nextcloud_propfind),
					       &known, &fb, &ub), 0);
	assert_true(known);
	assert_int_equal(fb, 10737418240ULL);
	assert_int_equal(ub, 1024);
}

static void test_quota_apache_unknown(void **state)
{
	bool known = true;
	uint64_t fb = 7, ub = 7;

	assert_int_equal(upload_classify_quota(apache_propfind, strlen(apache_propfind),
					       &known, &fb, &ub), 0);
	assert_false(known);
}

/* Nextcloud's quota-available-bytes without a quota or not computed yet. */
static void test_quota_nextcloud_sentinels(void **state)
{
	static const char *const values[] = { "-3", "-2", "-1", " -3 " };
	char body[512];

	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
		bool known = true;
		uint64_t fb = 7, ub = 7;

		snprintf(body, sizeof(body),
			 "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:propstat><d:prop>"
			 "<d:quota-used-bytes>5242880</d:quota-used-bytes>"
			 "<d:quota-available-bytes>%s</d:quota-available-bytes>"
			 "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
			 "</d:response></d:multistatus>", values[i]);
		assert_int_equal(upload_classify_quota(body, strlen(body), &known,
						       &fb, &ub), 0);
		assert_false(known);
		assert_int_equal(ub, 5242880);
	}
}

static void test_quota_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"<html><body>Welcome to nginx!</body></html>",
		"garbage",
		"<d:multistatus xmlns:d=\"DAV:\"><d:quota-available-bytes>lots</d:quota-available-bytes></d:multistatus>",
		"<d:multistatus xmlns:d=\"DAV:\"><d:quota-available-bytes>-5</d:quota-available-bytes></d:multistatus>",
		"<d:multistatus xmlns:d=\"DAV:\"><d:quota-available-bytes>-30</d:quota-available-bytes></d:multistatus>",
		"<d:multistatus xmlns:d=\"DAV:\"><d:quota-available-bytes>-3x</d:quota-available-bytes></d:multistatus>",
		"<d:multistatus xmlns:d=\"DAV:\"><d:quota-available-bytes>99999999999999999999999</d:quota-available-bytes></d:multistatus>",
		"<d:multistatus xmlns:d=\"DAV:\"><d:quota-available-bytes>12",
	};
	bool known = true;
	uint64_t fb = 7, ub = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(upload_classify_quota(bad[i], strlen(bad[i]), &known,
						       &fb, &ub), -EBADMSG);
	assert_true(known);	/* outputs untouched on failure */
	assert_int_equal(fb, 7);
}

static void test_statvfs_lines(void **state)
{
	static const char text[] =
		"statvfs:\nf_bsize: 4096\nf_frsize: 4096\nf_blocks: 128\n"
		"f_bfree: 28\nf_bavail: 20\nf_files: 5\n";
	bool known = false;
	uint64_t fb = 0, ub = 0;

	assert_int_equal(upload_classify_statvfs(text, &known, &fb, &ub), 0);
	assert_true(known);
	assert_int_equal(fb, 20 * 4096);
	assert_int_equal(ub, 100 * 4096);
	assert_int_equal(upload_classify_statvfs("", &known, &fb, &ub), 0);
	assert_false(known);
	assert_int_equal(upload_classify_statvfs("f_frsize: 4096\nf_bavail: x\n"
						 "f_blocks: 1\nf_bfree: 1\n",
						 &known, &fb, &ub), -EBADMSG);
	assert_int_equal(upload_classify_statvfs("f_frsize: 4096\nf_bavail: 1\n"
						 "f_blocks: 1\nf_bfree: 2\n",
						 &known, &fb, &ub), -EBADMSG);
}

static void test_body_text_apache_html(void **state)
{
	static const char body[] =
		"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
		"<title>507 Insufficient Storage</title>\n</head><body>\n"
		"<h1>Insufficient Storage</h1>\n<p>There is insufficient free space\n"
		"left in your storage allocation.</p>\n</body></html>\n";
	char out[200];

	upload_classify_body_text(body, strlen(body), out, sizeof(out));
	assert_string_equal(out, "Insufficient Storage There is insufficient free "
			    "space left in your storage allocation.");
}

static void test_body_text_sabre_xml(void **state)
{
	static const char body[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">\n"
		"  <s:exception>Sabre\\DAV\\Exception\\InsufficientStorage</s:exception>\n"
		"  <s:message>Insufficient space in /u/files, 10 required, 3 available</s:message>\n"
		"</d:error>";
	char out[200];

	upload_classify_body_text(body, strlen(body), out, sizeof(out));
	assert_string_equal(out, "Insufficient space in /u/files, 10 required, 3 available");
}

static void test_body_text_bounded(void **state)
{
	static const char body[] = "<p>a very long explanation</p>";
	char out[7];

	upload_classify_body_text(body, strlen(body), out, sizeof(out));
	assert_string_equal(out, "a very");
	upload_classify_body_text(NULL, 0, out, sizeof(out));
	assert_string_equal(out, "");
	upload_classify_body_text("\x01\x02\x03", 3, out, sizeof(out));
	assert_string_equal(out, "");
}

/* "Billion laughs": nine levels of ten references each (10^9 "lol"s). */
#define LAUGHS_DTD(root)						\
	"<?xml version=\"1.0\"?>\n<!DOCTYPE " root " [\n"			\
	"<!ENTITY lol \"lol\">\n"						\
	"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n" \
	"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n" \
	"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n" \
	"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n" \
	"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n" \
	"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n" \
	"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n" \
	"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n" \
	"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n" \
	"]>\n"

static void test_xml_billion_laughs(void **state)
{
	static const char quota[] = LAUGHS_DTD("d:multistatus")
		"<d:multistatus xmlns:d=\"DAV:\"><d:response><d:propstat><d:prop>"
		"<d:quota-available-bytes>&lol9;</d:quota-available-bytes>"
		"</d:prop></d:propstat></d:response></d:multistatus>";
	static const char error[] = LAUGHS_DTD("d:error")
		"<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\">"
		"<s:exception>Full</s:exception><s:message>&lol9;</s:message></d:error>";
	bool known = true;
	uint64_t fb, ub;
	char out[ERR_MSG_MAX];

	assert_int_equal(upload_classify_quota(quota, strlen(quota), &known, &fb, &ub),
			 -EBADMSG);
	upload_classify_body_text(error, strlen(error), out, sizeof(out));
	assert_null(strstr(out, "lollollol"));
	assert_null(strstr(out, "ENTITY"));
	assert_null(strstr(out, "]>"));
}

/* External entities are never read: not a local file, not a remote DTD. */
static void test_xml_external_entities(void **state)
{
	char path[] = "/tmp/test_upload_classify.XXXXXX";
	char body[1024], out[ERR_MSG_MAX];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "SECRET-42", 9), 9);
	close(fd);
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE Error [\n"
		 "<!ENTITY xxe SYSTEM \"file://%s\">\n"
		 "<!ENTITY %% remote SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n"
		 "]>\n<Error><Code>AccessDenied</Code><Message>&xxe;</Message></Error>",
		 path);
	upload_classify_body_text(body, strlen(body), out, sizeof(out));
	assert_null(strstr(out, "SECRET"));
	assert_null(strstr(out, "ENTITY"));
	assert_null(strstr(out, "]>"));
	if (upload_classify_xml_text(body, strlen(body), "Message", out, sizeof(out)) == 0)
		assert_null(strstr(out, "SECRET"));
	assert_int_equal(upload_classify_xml_text(body, strlen(body), "Code", out,
						  sizeof(out)), 0);
	assert_string_equal(out, "AccessDenied");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_curl_codes),
		cmocka_unit_test(test_curl_ssh_layer_needs_words),
		cmocka_unit_test(test_http_statuses),
		cmocka_unit_test(test_s3_codes),
		cmocka_unit_test(test_xml_text_s3_error),
		cmocka_unit_test(test_xml_text_truncates_safely),
		cmocka_unit_test(test_xml_text_skips_comments_and_cdata),
		cmocka_unit_test(test_xml_text_numeric_references),
		cmocka_unit_test(test_xml_text_rejects_garbage),
		cmocka_unit_test(test_xml_text_length_bounded),
		cmocka_unit_test(test_quota_webdav_server),
		cmocka_unit_test(test_quota_nextcloud),
		cmocka_unit_test(test_quota_apache_unknown),
		cmocka_unit_test(test_quota_nextcloud_sentinels),
		cmocka_unit_test(test_quota_rejects_garbage),
		cmocka_unit_test(test_statvfs_lines),
		cmocka_unit_test(test_body_text_apache_html),
		cmocka_unit_test(test_body_text_sabre_xml),
		cmocka_unit_test(test_body_text_bounded),
		cmocka_unit_test(test_xml_billion_laughs),
		cmocka_unit_test(test_xml_external_entities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
