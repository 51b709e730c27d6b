// SPDX-License-Identifier: GPL-2.0
/*
 * test_job_text: the words the panel and the notification agent show.
 * A state or error class the daemon adds later (the coming "preparing",
 * anything after it) must come out as the daemon's own word, never as an
 * error or an empty line; the final states are exactly the four the API
 * names; the outcome of a kept scan says it is safe, then the daemon's
 * own reason (which says it is kept and retried).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "job_text.h"

static void test_final_states_are_the_four_of_the_api(void **state)
{
	assert_true(job_text_is_final("done"));
	assert_true(job_text_is_final("spooled"));
	assert_true(job_text_is_final("failed"));
	assert_true(job_text_is_final("cancelled"));
	assert_false(job_text_is_final("queued"));
	assert_false(job_text_is_final("preparing"));
	assert_false(job_text_is_final("uploading"));
	assert_false(job_text_is_final(""));
}

static void test_unknown_state_is_shown_as_its_word(void **state)
{
	char buf[128];

	assert_string_equal(job_text_progress("calibrating", 0, 0, buf, sizeof(buf)),
			    "calibrating");
	assert_string_equal(job_text_outcome("archived", "", "", buf, sizeof(buf)),
			    "archived");
	assert_string_equal(job_text_entry_state("paused"), "paused");
	assert_string_equal(job_text_error_class("quota-soon"), "quota-soon");
}

static void test_progress_counts_pages_from_one(void **state)
{
	char buf[128];

	assert_string_equal(job_text_progress("scanning", 0, 0, buf, sizeof(buf)),
			    "Scanning page 1…");
	assert_string_equal(job_text_progress("scanning", 2, 0, buf, sizeof(buf)),
			    "Scanning page 3…");
	assert_string_equal(job_text_progress("preparing", 0, 0, buf, sizeof(buf)),
			    "Getting ready…");
	assert_string_equal(job_text_progress("uploading", 3, 1500, buf, sizeof(buf)),
			    "Uploading 3 page(s)… 1.5 kB sent");
}

static void test_outcomes_say_what_happened(void **state)
{
	char buf[512];

	assert_string_equal(job_text_outcome("done",
		"https://nas.example/dav/scan-0001.pdf", "", buf, sizeof(buf)),
		"Done. Saved as “scan-0001.pdf”.");
	job_text_outcome("spooled", "", "The storage is full. It is kept.", buf,
			 sizeof(buf));
	assert_string_equal(buf, "Your scan is safe. The storage is full. It is kept.");
	job_text_outcome("failed", "", "The cover is open.", buf, sizeof(buf));
	assert_string_equal(buf, "The scan failed: The cover is open.");
}

static void test_short_buffer_is_terminated(void **state)
{
	char buf[8];

	job_text_outcome("spooled", "", "a long reason", buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static void test_file_name_of_url(void **state)
{
	assert_string_equal(job_text_file_name("file:///srv/a/b.pdf"), "b.pdf");
	assert_string_equal(job_text_file_name("b.pdf"), "b.pdf");
	/* a URL ending in "/" keeps all of it rather than showing nothing */
	assert_string_equal(job_text_file_name("https://x/dir/"), "https://x/dir/");
}

static void test_bytes_in_si_units(void **state)
{
	char buf[32];

	assert_string_equal(job_text_bytes(999, buf, sizeof(buf)), "999 bytes");
	assert_string_equal(job_text_bytes(1000, buf, sizeof(buf)), "1.0 kB");
	assert_string_equal(job_text_bytes(2500000, buf, sizeof(buf)), "2.5 MB");
}

static void test_sent_later_names_account_and_file(void **state)
{
	char buf[256];

	assert_string_equal(job_text_sent_later("Nextcloud",
		"http://h/dav/full/scan-1.pdf", buf, sizeof(buf)),
		"Sent to Nextcloud after a retry. Saved as “scan-1.pdf”.");
}

static void test_notice_titles(void **state)
{
	assert_string_equal(job_text_notice_title("kept"), "Kept — will retry");
	assert_string_equal(job_text_notice_title("sent-after-retry"),
			    "Sent after retry");
	assert_string_equal(job_text_notice_title("partial-kept"),
			    "Partial document kept");
	/* a kind newer than the panel is not shown as an error */
	assert_string_equal(job_text_notice_title("from-the-future"), "Notice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_final_states_are_the_four_of_the_api),
		cmocka_unit_test(test_unknown_state_is_shown_as_its_word),
		cmocka_unit_test(test_progress_counts_pages_from_one),
		cmocka_unit_test(test_outcomes_say_what_happened),
		cmocka_unit_test(test_short_buffer_is_terminated),
		cmocka_unit_test(test_file_name_of_url),
		cmocka_unit_test(test_bytes_in_si_units),
		cmocka_unit_test(test_sent_later_names_account_and_file),
		cmocka_unit_test(test_notice_titles),
	};

	return cmocka_run_group_tests_name("job_text", tests, NULL, NULL);
}
