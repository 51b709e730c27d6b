// SPDX-License-Identifier: GPL-2.0
/*
 * test_ticket: the scan ticket's JSON form. A full ticket survives a round
 * trip bit for bit; every kind of damage a crash, a disk or a hand edit can
 * do (truncation at every byte, wrong types, missing or unknown fields,
 * oversize, another version) is refused with a message naming the field,
 * and the output ticket is left untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ticket.h"

static void fill_ticket(struct ticket *t)
{
	ticket_init(t);
	snprintf(t->source, sizeof(t->source), "adf-duplex");
	snprintf(t->color_mode, sizeof(t->color_mode), "color");
	t->resolution = 300;
	t->width_mm = 210;
	t->height_mm = 297;
	t->pages_requested = 7;
	snprintf(t->format, sizeof(t->format), "pdf");
	snprintf(t->device, sizeof(t->device), "/dev/mfpscan0");
	snprintf(t->model, sizeof(t->model), "Sim \"Engine\" \xc3\xa9 v2");
	snprintf(t->mechanisms, sizeof(t->mechanisms), "flatbed,adf,adf-duplex");
	snprintf(t->codec, sizeof(t->codec), "jpeg");
	t->quality = 85;
	t->compression = 6;
	snprintf(t->ocr, sizeof(t->ocr), "eng+deu");
	snprintf(t->account, sizeof(t->account), "/org/mfpscan/Daemon1/account/3");
	snprintf(t->account_name, sizeof(t->account_name), "Nextcloud at work");
	snprintf(t->dest_type, sizeof(t->dest_type), "webdav");
	snprintf(t->remote_folder, sizeof(t->remote_folder), "Scans/2026/11");
	snprintf(t->remote_name, sizeof(t->remote_name), "scan-20261126-0001.pdf");
	t->owner_uid = 1001;
	t->created = 1795000000;
	t->size = 5000000000ULL;	/* above 32 bits */
	memset(t->sha256, 'a', TICKET_SHA256_LEN);
	t->sha256[3] = '7';
	t->pages = 3;
	t->partial = true;
	t->state = TICKET_NEEDS_ATTENTION;
	t->retries_left = 0;
	t->next_retry = 1795003600;
	t->attempts = 25;
	t->last_class = ERR_STORAGE_FULL;
	snprintf(t->last_error, sizeof(t->last_error),
		 "507 Insufficient Storage\nquota \\ exceeded\t/\"x\"");
	for (int i = 0; i < 3; i++)
		ticket_log_append(t, 1795000000 + 60 * i,
				  i == 1 ? ERR_NETWORK : ERR_STORAGE_FULL,
				  i == 1 ? "connection refused" : "507 Insufficient Storage");
}

static char *to_json(const struct ticket *t, size_t *len)
{
	struct err e;
	char *s = NULL;

	assert_int_equal(ticket_to_json(t, &s, len, &e), 0);
	assert_non_null(s);
	return s;
}

static void test_round_trip_every_field(void **state)
{
	struct ticket *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	size_t len, len2;
	char *j1, *j2;
	struct err e;

	fill_ticket(a);
	j1 = to_json(a, &len);
	assert_int_equal(strlen(j1), len);
	memset(b, 0x5a, sizeof(*b));
	assert_int_equal(ticket_from_json(j1, len, b, &e), 0);
	/* Both were zeroed before filling, so even unused bytes compare. */
	assert_memory_equal(a, b, sizeof(*a));
	j2 = to_json(b, &len2);
	assert_int_equal(len, len2);
	assert_string_equal(j1, j2);
	/* No field is left with its default: each one was really written. */
	assert_non_null(strstr(j1, "\"remaining\""));
	assert_non_null(strstr(j1, "5000000000"));
	free(j1);
	free(j2);
	free(a);
	free(b);
}

static void test_round_trip_empty_ticket(void **state)
{
	struct ticket a, b;
	size_t len;
	struct err e;
	char *j;

	ticket_init(&a);
	j = to_json(&a, &len);
	assert_int_equal(ticket_from_json(j, len, &b, &e), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	free(j);
}

/* The optional "upload" group: written only while an upload is unfinished. */
static void test_upload_group_optional(void **state)
{
	struct ticket *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	size_t len;
	struct err e;
	char *j, *cut;

	fill_ticket(a);
	j = to_json(a, &len);
	assert_null(strstr(j, "\"upload\""));
	free(j);
	snprintf(a->resume_state, sizeof(a->resume_state), "s3 0a1b 8388608 3");
	a->resume_acked = 25165824;
	j = to_json(a, &len);
	assert_non_null(strstr(j, "\"upload\""));
	assert_int_equal(ticket_from_json(j, len, b, &e), 0);
	assert_memory_equal(a, b, sizeof(*a));
	/* present but incomplete is corruption */
	cut = strstr(j, "\"acked\"");
	assert_non_null(cut);
	memcpy(cut, "\"acker\"", 7);
	assert_int_equal(ticket_from_json(j, len, b, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "upload."));
	free(j);
	free(a);
	free(b);
}

/* Parse @json expecting failure whose message contains @needle, and check
 * that the output was not touched. */
static void expect_reject(const char *json, size_t len, const char *needle)
{
	struct ticket out, before;
	struct err e;

	memset(&out, 0x77, sizeof(out));
	before = out;
	err_clear(&e);
	assert_int_equal(ticket_from_json(json, len, &out, &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	if (!strstr(e.msg, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", e.msg, needle);
	assert_memory_equal(&out, &before, sizeof(out));
}

static void test_truncated_at_every_byte(void **state)
{
	struct ticket t;
	size_t len;
	char *j;

	fill_ticket(&t);
	j = to_json(&t, &len);
	for (size_t cut = 0; cut < len; cut++) {
		char *p = malloc(cut + 1);

		memcpy(p, j, cut);
		p[cut] = '\0';
		expect_reject(p, cut, cut == 0 ? "empty" : "ticket");
		free(p);
	}
	free(j);
}

static void test_truncated_says_so(void **state)
{
	struct ticket t;
	size_t len;
	char *j;

	fill_ticket(&t);
	j = to_json(&t, &len);
	expect_reject(j, len / 2, "truncated");
	free(j);
}

/* Re-serialize the good ticket after @edit changed its JSON tree. */
static char *edited(void (*edit)(struct json_object *root, const void *arg),
		    const void *arg)
{
	struct ticket t;
	struct json_object *root;
	size_t len;
	char *j, *out;

	fill_ticket(&t);
	j = to_json(&t, &len);
	root = json_tokener_parse(j);
	assert_non_null(root);
	edit(root, arg);
	out = strdup(json_object_to_json_string(root));
	json_object_put(root);
	free(j);
	return out;
}

struct set_arg {
	const char *group;	/* NULL: top level */
	const char *key;
	struct json_object *(*make)(void);
};

static void edit_set(struct json_object *root, const void *varg)
{
	const struct set_arg *a = varg;
	struct json_object *grp = root;

	if (a->group)
		assert_true(json_object_object_get_ex(root, a->group, &grp));
	if (a->make)
		json_object_object_add(grp, a->key, a->make());
	else
		json_object_object_del(grp, a->key);
}

static struct json_object *mk_str300(void) { return json_object_new_string("300"); }
static struct json_object *mk_int(void) { return json_object_new_int(5); }
static struct json_object *mk_neg(void) { return json_object_new_int(-1); }
static struct json_object *mk_double(void) { return json_object_new_double(300.5); }
static struct json_object *mk_big(void) { return json_object_new_int64(1LL << 40); }
static struct json_object *mk_bad_sha(void) { return json_object_new_string("zz"); }
static struct json_object *mk_bad_state(void) { return json_object_new_string("done"); }
static struct json_object *mk_v4(void) { return json_object_new_int(4); }
static struct json_object *mk_true(void) { return json_object_new_boolean(1); }
static struct json_object *mk_null(void) { return json_object_new_null(); }
static struct json_object *mk_array(void) { return json_object_new_array(); }

static struct json_object *mk_long_name(void)
{
	char buf[TICKET_NAME_MAX + 10];

	memset(buf, 'n', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	return json_object_new_string(buf);
}

static struct json_object *mk_nul_string(void)
{
	return json_object_new_string_len("a\0b", 3);
}

static struct json_object *mk_long_log(void)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i <= TICKET_LOG_MAX; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_object_new_int(i));
		json_object_object_add(o, "class", json_object_new_string("network"));
		json_object_object_add(o, "message", json_object_new_string("x"));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *mk_bad_log_entry(void)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "time", json_object_new_int(1));
	json_object_object_add(o, "class", json_object_new_string("gremlins"));
	json_object_object_add(o, "message", json_object_new_string("x"));
	json_object_array_add(arr, o);
	return arr;
}

static const struct {
	struct set_arg edit;
	const char *needle;
} bad_cases[] = {
	{ { "reading", "resolution", mk_str300 }, "\"reading.resolution\" must be an integer" },
	{ { "reading", "resolution", mk_double }, "\"reading.resolution\" must be an integer" },
	{ { "reading", "resolution", mk_big }, "\"reading.resolution\" is out of range" },
	{ { "reading", "source", mk_int }, "\"reading.source\" must be a string" },
	{ { "reading", "format", NULL }, "\"reading.format\" is missing" },
	{ { "model", "model", mk_null }, "\"model.model\" must be a string" },
	{ { "destination", "file-name", mk_long_name }, "\"destination.file-name\" is too long" },
	{ { "destination", "password", mk_str300 }, "unknown field \"destination.password\"" },
	{ { "destination", "folder", mk_nul_string }, "\"destination.folder\" contains a NUL" },
	{ { "document", "size", mk_neg }, "\"document.size\" is out of range" },
	{ { "document", "sha256", mk_bad_sha }, "\"document.sha256\" has an invalid value" },
	{ { "document", "owner", mk_neg }, "\"document.owner\" is out of range" },
	{ { "retry", "state", mk_bad_state }, "\"retry.state\" has an unknown value \"done\"" },
	{ { "retry", "last-error-class", mk_str300 }, "\"retry.last-error-class\" has an unknown value" },
	{ { "retry", "log", mk_long_log }, "\"retry.log\" has 21 entries" },
	{ { "retry", "log", mk_bad_log_entry }, "\"retry.log.class\" has an unknown value \"gremlins\"" },
	{ { "retry", "log", mk_int }, "\"retry.log\" must be an array" },
	{ { "retry", "remaining", NULL }, "\"retry.remaining\" is missing" },
	{ { NULL, "version", mk_v4 }, "unsupported version 4" },
	{ { "document", "partial", mk_int }, "\"document.partial\" must be true or false" },
	{ { "document", "partial", NULL }, "\"document.partial\" is missing" },
	{ { "processing", "codec", NULL }, "\"processing.codec\" is missing" },
	{ { "processing", "quality", mk_neg }, "\"processing.quality\" is out of range" },
	{ { "model", "mechanisms", mk_int }, "\"model.mechanisms\" must be a string" },
	{ { NULL, "version", NULL }, "\"version\" is missing" },
	{ { NULL, "model", mk_array }, "\"model\" must be an object" },
	{ { NULL, "extra", mk_int }, "unknown field \"extra\"" },
	{ { NULL, "document", NULL }, "\"document\" is missing" },
};

/* Version 1 (before processing, mechanisms, partial) as it was written. */
static void edit_to_v1(struct json_object *root, const void *arg)
{
	struct json_object *grp;

	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_del(root, "processing");
	assert_true(json_object_object_get_ex(root, "model", &grp));
	json_object_object_del(grp, "mechanisms");
	assert_true(json_object_object_get_ex(root, "document", &grp));
	json_object_object_del(grp, "partial");
	(void)arg;
}

static void test_version1_still_loads(void **state)
{
	struct ticket want, got;
	struct err e;
	char *j = edited(edit_to_v1, NULL);

	fill_ticket(&want);
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(ticket_from_json(j, strlen(j), &got, &e), 0);
	/* The version-2 fields keep ticket_init()'s values ... */
	assert_string_equal(got.mechanisms, "");
	assert_string_equal(got.codec, "");
	assert_int_equal(got.quality, 0);
	assert_int_equal(got.compression, 0);
	assert_false(got.partial);
	/* ... and every version-1 field is read. */
	memset(want.mechanisms, 0, sizeof(want.mechanisms));
	memset(want.codec, 0, sizeof(want.codec));
	memset(want.ocr, 0, sizeof(want.ocr));
	want.quality = want.compression = 0;
	want.partial = false;
	assert_memory_equal(&want, &got, sizeof(got));
	free(j);
}

/* Version 2 (before processing.ocr) as it was written. */
static void edit_to_v2(struct json_object *root, const void *arg)
{
	struct json_object *grp;

	json_object_object_add(root, "version", json_object_new_int(2));
	assert_true(json_object_object_get_ex(root, "processing", &grp));
	if (!arg)
		json_object_object_del(grp, "ocr");
}

static void test_version2_still_loads(void **state)
{
	struct ticket want, got;
	struct err e;
	char *j = edited(edit_to_v2, NULL);

	fill_ticket(&want);
	memset(&got, 0x5a, sizeof(got));
	err_clear(&e);
	if (ticket_from_json(j, strlen(j), &got, &e) < 0)
		fail_msg("a version-2 ticket refused: %s", e.msg);
	assert_string_equal(got.ocr, "");	/* no OCR asked */
	memset(want.ocr, 0, sizeof(want.ocr));
	assert_memory_equal(&want, &got, sizeof(got));
	free(j);
	/* processing.ocr is a version-3 field: refused in a version 2 */
	j = edited(edit_to_v2, "keep");
	expect_reject(j, strlen(j), "unknown field \"processing.ocr\"");
	free(j);
}

/* A version-1 ticket with an unfinished resumable upload, as main wrote. */
static void edit_v1_with_upload(struct json_object *root, const void *arg)
{
	struct json_object *up = json_object_new_object();

	edit_to_v1(root, NULL);
	json_object_object_add(up, "resume", json_object_new_string("s3 0a1b 8388608 3"));
	json_object_object_add(up, "acked", json_object_new_int64(25165824));
	json_object_object_add(root, "upload", up);
	(void)arg;
}

static void test_version1_with_upload_loads(void **state)
{
	struct ticket got;
	struct err e;
	char *j = edited(edit_v1_with_upload, NULL);

	err_clear(&e);
	if (ticket_from_json(j, strlen(j), &got, &e) < 0)
		fail_msg("a version-1 ticket with \"upload\" refused: %s", e.msg);
	assert_string_equal(got.resume_state, "s3 0a1b 8388608 3");
	assert_int_equal(got.resume_acked, 25165824);
	assert_false(got.partial);
	free(j);
}

static const struct set_arg v2_field_in_v1 = { "document", "partial", mk_true };

static void edit_v1_with_v2_field(struct json_object *root, const void *arg)
{
	edit_to_v1(root, NULL);
	edit_set(root, arg);
}

static void test_version1_refuses_version2_fields(void **state)
{
	char *j = edited(edit_v1_with_v2_field, &v2_field_in_v1);

	expect_reject(j, strlen(j), "unknown field \"document.partial\"");
	free(j);
}

static void test_wrong_fields_named(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *j = edited(edit_set, &bad_cases[i].edit);

		expect_reject(j, strlen(j), bad_cases[i].needle);
		free(j);
	}
}

static void test_not_an_object_or_garbage(void **state)
{
	struct ticket t;
	size_t len;
	char *j, *p;

	expect_reject("[]", 2, "not a JSON object");
	expect_reject("{\"a\" 1}", 8, "not valid JSON");
	expect_reject("\x00\x01\x02", 3, "not valid JSON");
	fill_ticket(&t);
	j = to_json(&t, &len);
	p = malloc(len + 8);
	memcpy(p, j, len);
	memcpy(p + len, "\n{}", 3);
	expect_reject(p, len + 3, "not valid JSON");
	/* Trailing white space (an editor's newline) is fine. */
	memcpy(p + len, "\n", 1);
	assert_int_equal(ticket_from_json(p, len + 1, &t, NULL), 0);
	free(p);
	free(j);
}

static void test_oversized_refused(void **state)
{
	size_t len = TICKET_JSON_MAX + 1;
	char *p = malloc(len);

	memset(p, ' ', len);
	p[0] = '{';
	p[len - 1] = '}';
	expect_reject(p, len, "too large");
	free(p);
}

static void test_validate_refuses_bad_values(void **state)
{
	struct ticket t;
	struct err e;
	char *out = (char *)0x1;
	size_t len = 42;

	fill_ticket(&t);
	t.state = (enum ticket_state)7;
	assert_int_equal(ticket_to_json(&t, &out, &len, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "retry.state"));
	assert_ptr_equal(out, (char *)0x1);
	assert_int_equal(len, 42);
	fill_ticket(&t);
	memset(t.format, 'x', sizeof(t.format));	/* unterminated */
	assert_int_equal(ticket_validate(&t, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "reading.format"));
	fill_ticket(&t);
	t.sha256[5] = 'G';
	assert_int_equal(ticket_validate(&t, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "document.sha256"));
}

static void test_log_keeps_newest(void **state)
{
	struct ticket t;
	char msg[32];

	ticket_init(&t);
	for (int i = 0; i < TICKET_LOG_MAX + 5; i++) {
		snprintf(msg, sizeof(msg), "attempt %d", i);
		ticket_log_append(&t, i, ERR_NETWORK, msg);
	}
	assert_int_equal(t.n_log, TICKET_LOG_MAX);
	assert_string_equal(t.log[0].msg, "attempt 5");
	assert_int_equal(t.log[0].time, 5);
	assert_string_equal(t.log[TICKET_LOG_MAX - 1].msg, "attempt 24");
}

static void test_copy_text_makes_valid_utf8(void **state)
{
	char buf[16];
	struct ticket t;

	assert_int_equal(ticket_copy_text(buf, sizeof(buf), "caf\xc3\xa9 \xe2\x82\xac"), 9);
	assert_string_equal(buf, "caf\xc3\xa9 \xe2\x82\xac");
	ticket_copy_text(buf, sizeof(buf), "a\xff\xfe" "b\xe9" "c");	/* Latin-1 */
	assert_string_equal(buf, "a??b?c");
	ticket_copy_text(buf, sizeof(buf), "\xc0\x80|\xed\xa0\x80|\xf4\x90\x80\x80");
	assert_string_equal(buf, "??|???|????");	/* overlong, surrogate, > U+10FFFF */
	ticket_copy_text(buf, sizeof(buf), "\xe2\x82");	/* cut sequence */
	assert_string_equal(buf, "??");
	/* Truncation stops before a character that does not fit whole. */
	assert_int_equal(ticket_copy_text(buf, 5, "a\xc3\xa9\xe2\x82\xac"), 3);
	assert_string_equal(buf, "a\xc3\xa9");
	assert_int_equal(ticket_copy_text(buf, sizeof(buf), NULL), 0);
	ticket_init(&t);
	ticket_log_append(&t, 1, ERR_SERVER, "500 \xff");
	assert_string_equal(t.log[0].msg, "500 ?");
}

static void test_state_names(void **state)
{
	assert_string_equal(ticket_state_name(TICKET_WAITING), "waiting");
	assert_string_equal(ticket_state_name(TICKET_RETRYING), "retrying");
	assert_string_equal(ticket_state_name(TICKET_NEEDS_ATTENTION), "needs-attention");
	assert_null(ticket_state_name(TICKET_STATE_COUNT));
	assert_int_equal(ticket_state_from_name("needs-attention"), TICKET_NEEDS_ATTENTION);
	assert_int_equal(ticket_state_from_name("Waiting"), -1);
	assert_int_equal(ticket_state_from_name(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_field),
		cmocka_unit_test(test_round_trip_empty_ticket),
		cmocka_unit_test(test_upload_group_optional),
		cmocka_unit_test(test_version1_still_loads),
		cmocka_unit_test(test_version1_refuses_version2_fields),
		cmocka_unit_test(test_version1_with_upload_loads),
		cmocka_unit_test(test_version2_still_loads),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_truncated_says_so),
		cmocka_unit_test(test_wrong_fields_named),
		cmocka_unit_test(test_not_an_object_or_garbage),
		cmocka_unit_test(test_oversized_refused),
		cmocka_unit_test(test_validate_refuses_bad_values),
		cmocka_unit_test(test_log_keeps_newest),
		cmocka_unit_test(test_copy_text_makes_valid_utf8),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests_name("ticket", tests, NULL, NULL);
}
