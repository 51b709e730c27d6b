// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of band_source: the pattern engine's record stream (headers,
 * flags, CRCs, sequencing, jobs), validation and fault injection through
 * the public interface; the record checker against crafted records from a
 * scripted backend; and the kernel backend's refusal of a non-mfpscan
 * device. The real kernel paths run in the VM (tests/kselftest, e2e).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "band_source.h"
#include "pattern.h"
#include "scan_params.h"

static struct band_source *open_ok(const char *spec)
{
	struct band_source *s = NULL;
	struct err e = { 0 };

	if (band_source_open(spec, &s, &e))
		fail_msg("open %s: %s", spec, e.msg);
	return s;
}

static struct mfpscan_params params(uint32_t source, uint32_t mode,
				    uint32_t pages, uint32_t band_lines)
{
	struct mfpscan_params p = {
		.source = source, .color_mode = mode, .resolution = 75,
		.width_um = 50000, .height_um = 60000, .pages = pages,
		.band_lines = band_lines,
	};
	return p;
}

struct job_seen {
	uint32_t pages, bands, job;
	uint64_t last_ts;
};

/* Every band of a job must be what the sim engine would send. */
static void check_band(const struct mfpscan_params *p, struct job_seen *js,
		       const struct band_view *v, uint32_t total_pages)
{
	const struct mfpscan_band *h = v->hdr;
	uint32_t line = h->band * p->band_lines;
	uint32_t lines = p->lines_per_page - line < p->band_lines ?
			 p->lines_per_page - line : p->band_lines;
	uint32_t flags = 0;

	assert_int_equal(h->magic, MFPSCAN_BAND_MAGIC);
	assert_int_equal(h->header_bytes, sizeof(*h));
	assert_int_equal(h->job, js->job);
	assert_int_equal(h->page, js->pages);
	assert_int_equal(h->first_line, line);
	assert_int_equal(h->lines, lines);
	assert_int_equal(h->bytes_per_line, p->bytes_per_line);
	assert_int_equal(h->payload_bytes, lines * p->bytes_per_line);
	assert_int_equal(h->record_bytes % MFPSCAN_RECORD_ALIGN, 0);
	assert_true(h->record_bytes >= h->header_bytes + h->payload_bytes);
	assert_true(h->record_bytes < h->header_bytes + h->payload_bytes + 64);
	assert_int_equal(h->checksum, crc32(0L, v->payload, h->payload_bytes));
	assert_true(h->timestamp_ns >= js->last_ts);
	js->last_ts = h->timestamp_ns;
	if (line == 0)
		flags |= MFPSCAN_BAND_PAGE_START;
	if (line + lines == p->lines_per_page) {
		flags |= MFPSCAN_BAND_PAGE_END;
		if (js->pages + 1 == total_pages)
			flags |= MFPSCAN_BAND_JOB_END;
	}
	assert_int_equal(h->flags, flags);
	for (uint32_t i = 0; i < lines; i++)
		assert_true(pattern_check_line(v->payload + i * p->bytes_per_line,
					       h->page, line + i, p->bytes_per_line));
	js->bands++;
	if (flags & MFPSCAN_BAND_PAGE_END)
		js->pages++;
}

/* Run a whole job and check it band by band; returns pages seen. */
static uint32_t run_job(struct band_source *s, struct mfpscan_params *p,
			uint32_t expect_pages, uint32_t job)
{
	struct job_seen js = { .job = job };
	struct band_view v;
	struct err e = { 0 };
	int r;

	if (band_source_start(s, p, &e))
		fail_msg("start: %s", e.msg);
	while ((r = band_source_next(s, &v, &e)) == 1)
		check_band(p, &js, &v, expect_pages);
	if (r)
		fail_msg("next: %s", e.msg);
	assert_int_equal(band_source_next(s, &v, &e), 0);	/* stays ended */
	assert_int_equal(js.pages, expect_pages);
	return js.pages;
}

static void test_caps_are_the_sim_engines(void **state)
{
	struct band_source *s = open_ok("pattern:");
	struct mfpscan_caps c;
	struct err e = { 0 };

	assert_int_equal(band_source_caps(s, &c, &e), 0);
	assert_string_equal((char *)c.model, "mfpscan-pattern");
	assert_int_equal(c.sources, 7);
	assert_int_equal(c.color_modes, 7);
	assert_int_equal(c.n_resolutions, 5);
	assert_int_equal(c.resolutions[0], 75);
	assert_int_equal(c.resolutions[4], 600);
	assert_int_equal(c.max_width_um, 215900);
	assert_int_equal(c.max_height_um, 355600);
	assert_int_equal(c.min_band_lines, 1);
	assert_int_equal(c.max_band_lines, 256);
	assert_int_equal(c.adf_capacity, 50);
	assert_int_equal(band_source_poll_fd(s), -1);
	band_source_close(s);
}

static void test_adf_job_every_mode(void **state)
{
	for (uint32_t mode = 0; mode < MFPSCAN_MODE_COUNT; mode++) {
		struct band_source *s = open_ok("pattern:");
		struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF, mode, 3, 48);

		run_job(s, &p, 3, 1);
		assert_int_equal(p.lines_per_page, 177);
		band_source_close(s);
	}
}

static void test_flatbed_band_of_one_line(void **state)
{
	struct band_source *s = open_ok("pattern:adf=0");
	struct mfpscan_params p = params(MFPSCAN_SOURCE_FLATBED,
					 MFPSCAN_MODE_MONO1, 1, 1);

	p.left_um = 5000;
	run_job(s, &p, 1, 1);
	band_source_close(s);
}

static void test_adf_runs_until_empty(void **state)
{
	struct band_source *s = open_ok("pattern:adf=2");
	struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF_DUPLEX,
					 MFPSCAN_MODE_GRAY8, 0, 256);

	run_job(s, &p, 4, 1);
	p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 5, 64);
	run_job(s, &p, 2, 2);		/* 5 asked, 2 sheets loaded */
	band_source_close(s);
}

static void test_jobs_are_numbered_and_restart(void **state)
{
	struct band_source *s = open_ok("pattern:");
	struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_RGB24, 2, 100);
	struct band_view v;
	struct err e = { 0 };

	run_job(s, &p, 2, 1);
	/* an aborted job leaves nothing to read */
	assert_int_equal(band_source_start(s, &p, &e), 0);
	assert_int_equal(band_source_next(s, &v, &e), 1);
	assert_int_equal(v.hdr->job, 2);
	assert_int_equal(band_source_start(s, &p, &e), -EBUSY);
	assert_non_null(strstr(e.msg, "still running"));
	assert_int_equal(band_source_abort(s, &e), 0);
	assert_int_equal(band_source_next(s, &v, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no scan started"));
	run_job(s, &p, 2, 3);
	band_source_close(s);
}

static void test_invalid_params_start_nothing(void **state)
{
	struct band_source *s = open_ok("pattern:");
	struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 1, 16);
	struct band_view v;
	struct err e = { 0 };

	p.resolution = 123;
	assert_int_equal(band_source_start(s, &p, &e), -EINVAL);
	assert_int_equal(e.cls, ERR_INVALID);
	assert_non_null(strstr(e.msg, "resolution: 123 dpi"));
	assert_int_equal(p.pixels_per_line, 0);		/* untouched */
	p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 1, 300);
	assert_int_equal(band_source_start(s, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "band lines"));
	assert_int_equal(band_source_next(s, &v, &e), -EINVAL);
	band_source_close(s);
}

/* Run to the first error; returns it with @e and the bands before it. */
static int run_to_error(const char *spec, struct mfpscan_params p,
			struct err *e, uint32_t *bands)
{
	struct band_source *s = open_ok(spec);
	struct band_view v;
	int r, again;
	struct err e2 = { 0 };

	*bands = 0;
	if (band_source_start(s, &p, e))
		fail_msg("start: %s", e->msg);
	while ((r = band_source_next(s, &v, e)) == 1)
		(*bands)++;
	again = band_source_next(s, &v, &e2);		/* the same error again */
	assert_int_equal(again, r);
	assert_string_equal(e2.msg, e->msg);
	band_source_close(s);
	return r;
}

static void test_jam_mid_page(void **state)
{
	struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 3, 64);
	struct err e = { 0 };
	uint32_t bands;

	/* 177 lines: page 0 has 3 bands; the band holding line 100 of page 1
	 * (64..127) is replaced by the error band. */
	assert_int_equal(run_to_error("pattern:jam=1:100", p, &e, &bands), -EIO);
	assert_int_equal(bands, 3 + 1);
	assert_int_equal(e.cls, ERR_DEVICE);
	assert_int_equal(e.code, MFPSCAN_ERR_JAM);
	assert_string_equal(e.msg, "paper jam on page 2");
}

static atomic_int woken;

static void *wake_later(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);	/* next() is in the stall by then */
	atomic_store(&woken, 1);
	eventfd_write(*(int *)arg, 1);
	return NULL;
}

/*
 * stall=P:L: next() waits for good at that band; another thread's write
 * to the wake descriptor ends the wait with -EINTR, and the job is not
 * failed by it (abort, then a new job runs whole).
 */
static void test_stall_is_woken_by_the_wake_fd(void **state)
{
	struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 3, 64);
	struct band_source *s = open_ok("pattern:stall=1:100");
	int fd = eventfd(0, EFD_CLOEXEC);
	struct band_view v;
	struct err e = { 0 };
	uint32_t bands = 0;
	pthread_t t;
	int r;

	assert_true(fd >= 0);
	band_source_set_wake_fd(s, fd);
	assert_int_equal(band_source_start(s, &p, &e), 0);
	atomic_store(&woken, 0);
	assert_int_equal(pthread_create(&t, NULL, wake_later, &fd), 0);
	while ((r = band_source_next(s, &v, &e)) == 1)
		bands++;
	/* it returned only after the write: it really waited */
	assert_int_equal(atomic_load(&woken), 1);
	assert_int_equal(r, -EINTR);
	assert_int_equal(e.code, EINTR);
	/* page 0 (3 bands) and page 1's lines 0..63 came before the stall */
	assert_int_equal(bands, 4);
	pthread_join(t, NULL);
	/* still woken: a second call does not wait */
	assert_int_equal(band_source_next(s, &v, &e), -EINTR);
	assert_int_equal(band_source_abort(s, &e), 0);
	band_source_close(s);
	close(fd);
}

static void test_faults_in_words(void **state)
{
	struct mfpscan_params p = params(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_MONO1, 2, 32);
	struct err e = { 0 };
	uint32_t bands;

	assert_int_equal(run_to_error("pattern:cover", p, &e, &bands), -EIO);
	assert_int_equal(bands, 0);
	assert_non_null(strstr(e.msg, "cover open"));
	assert_int_equal(run_to_error("pattern:adf=0", p, &e, &bands), -EIO);
	assert_non_null(strstr(e.msg, "the ADF is empty"));
	assert_int_equal(run_to_error("pattern:sensor=0:0", p, &e, &bands), -EIO);
	assert_string_equal(e.msg, "image sensor failure on page 1");
	assert_int_equal(run_to_error("pattern:remove=1:64", p, &e, &bands), -ENODEV);
	assert_int_equal(bands, 6 + 2);
	assert_string_equal(e.msg, "scanner removed");
	assert_int_equal(run_to_error("pattern:corrupt=1:2", p, &e, &bands), -EBADMSG);
	assert_int_equal(bands, 6 + 2);
	assert_non_null(strstr(e.msg, "checksum mismatch on page 2 band 2"));
}

static void test_bad_specs(void **state)
{
	static const char *const bad[] = {
		"", "scanner0", "pattern:bogus", "pattern:jam=1", "pattern:jam=1:x",
		"pattern:adf=-1", "pattern:adf", "pattern:cover=1",
		"/dev/mfpscan0#fast",
	};
	struct band_source *s = (struct band_source *)&s;
	struct err e = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(band_source_open(bad[i], &s, &e), -EINVAL);
		assert_int_equal(e.cls, ERR_INVALID);
		assert_ptr_equal(s, (struct band_source *)&s);	/* untouched */
	}
	assert_int_equal(band_source_open(NULL, &s, &e), -EINVAL);
}

static void test_kernel_backend_refuses_other_devices(void **state)
{
	struct band_source *s = NULL;
	struct err e = { 0 };

	assert_int_equal(band_source_open("/nonexistent/mfpscan7", &s, &e), -ENODEV);
	assert_int_equal(e.cls, ERR_DEVICE);
	assert_non_null(strstr(e.msg, "no scanner at /nonexistent/mfpscan7"));
	assert_int_equal(band_source_open("/dev/null#mmap", &s, &e), -ENODEV);
	assert_non_null(strstr(e.msg, "/dev/null is not an mfpscan scanner device"));
	assert_null(s);
}

/* --- the checker against a scripted backend -------------------------- */

#define SCRIPT_MAX 4

struct script {
	struct mfpscan_band hdr[SCRIPT_MAX];
	uint8_t payload[SCRIPT_MAX][64];
	size_t avail[SCRIPT_MAX];
	int n, next;
};

static int script_caps(void *priv, struct mfpscan_caps *caps, struct err *e)
{
	band_source_pattern_caps(caps);
	return 0;
}

static int script_start(void *priv, struct mfpscan_params *p, struct err *e)
{
	return 0;
}

static int script_next(void *priv, struct band_record *rec, struct err *e)
{
	struct script *sc = priv;
	int i = sc->next++;

	if (i >= sc->n)
		return err_set(e, ERR_DEVICE, EIO, EIO, "script exhausted");
	rec->hdr = sc->hdr[i];
	rec->payload = sc->payload[i];
	rec->payload_avail = sc->avail[i];
	return 0;
}

static int script_abort(void *priv, struct err *e)
{
	return 0;
}

static void script_close(void *priv)
{
	free(priv);
}

static const struct band_source_ops script_ops = {
	.name = "script", .caps = script_caps, .start = script_start,
	.next_record = script_next, .abort = script_abort, .close = script_close,
};

/* A good first band of a 1-page job, 8 pixels x 2 lines of gray. */
static void script_band(struct script *sc, int i, uint32_t band, uint32_t flags)
{
	struct mfpscan_band *h = &sc->hdr[i];

	memset(h, 0, sizeof(*h));
	h->magic = MFPSCAN_BAND_MAGIC;
	h->header_bytes = sizeof(*h);
	h->job = 1;
	h->band = band;
	h->first_line = band * 2;
	h->lines = 2;
	h->bytes_per_line = 8;
	h->payload_bytes = 16;
	h->record_bytes = 128;
	h->flags = flags;
	pattern_fill_line(sc->payload[i], 0, band * 2, 8);
	pattern_fill_line(sc->payload[i] + 8, 0, band * 2 + 1, 8);
	h->checksum = crc32(0L, sc->payload[i], 16);
	sc->avail[i] = 64;
}

/* Feed @sc (already holding its records) and expect @word in the error. */
static void expect_malformed(struct script *sc, int good_bands, const char *word)
{
	struct mfpscan_params p = {
		.source = MFPSCAN_SOURCE_FLATBED, .color_mode = MFPSCAN_MODE_GRAY8,
		.resolution = 75, .width_um = 2800, .height_um = 1400,
		.pages = 1, .band_lines = 2,
	};
	struct band_source *s = NULL;
	struct band_view v;
	struct err e = { 0 };
	int r;

	assert_int_equal(band_source_new(&script_ops, sc, &s, &e), 0);
	assert_int_equal(band_source_start(s, &p, &e), 0);
	assert_int_equal(p.bytes_per_line, 8);
	assert_int_equal(p.lines_per_page, 4);
	for (int i = 0; i < good_bands; i++)
		assert_int_equal(band_source_next(s, &v, &e), 1);
	r = band_source_next(s, &v, &e);
	assert_int_equal(r, -EBADMSG);
	assert_int_equal(e.cls, ERR_DEVICE);
	if (!strstr(e.msg, word))
		fail_msg("\"%s\" does not mention \"%s\"", e.msg, word);
	band_source_close(s);
}

static struct script *script_two_bands(void)
{
	struct script *sc = calloc(1, sizeof(*sc));

	assert_non_null(sc);
	script_band(sc, 0, 0, MFPSCAN_BAND_PAGE_START);
	script_band(sc, 1, 1, MFPSCAN_BAND_PAGE_END | MFPSCAN_BAND_JOB_END);
	sc->n = 2;
	return sc;
}

static void test_checker_accepts_a_good_job(void **state)
{
	struct script *sc = script_two_bands();
	struct mfpscan_params p = {
		.source = MFPSCAN_SOURCE_FLATBED, .color_mode = MFPSCAN_MODE_GRAY8,
		.resolution = 75, .width_um = 2800, .height_um = 1400,
		.pages = 1, .band_lines = 2,
	};
	struct band_source *s = NULL;
	struct band_view v;
	struct err e = { 0 };

	assert_int_equal(band_source_new(&script_ops, sc, &s, &e), 0);
	assert_int_equal(band_source_start(s, &p, &e), 0);
	assert_int_equal(band_source_next(s, &v, &e), 1);
	assert_int_equal(band_source_next(s, &v, &e), 1);
	assert_int_equal(band_source_next(s, &v, &e), 0);
	band_source_close(s);
}

static void test_checker_rejects_malformed_records(void **state)
{
	struct script *sc;

#define MALFORMED(good, expr, word) do {				\
	sc = script_two_bands();					\
	expr;								\
	expect_malformed(sc, good, word);				\
} while (0)
	MALFORMED(0, sc->hdr[0].magic = 0x12345678, "magic");
	MALFORMED(0, sc->hdr[0].header_bytes = 32, "header_bytes");
	MALFORMED(0, sc->hdr[0].flags |= 0x100, "flags");
	MALFORMED(0, sc->hdr[0].flags |= MFPSCAN_BAND_PAD, "flags");
	MALFORMED(0, sc->hdr[0].payload_bytes = 15, "payload_bytes");
	MALFORMED(0, sc->hdr[0].lines = 0x80000001, "payload_bytes");
	MALFORMED(0, sc->avail[0] = 10, "beyond the record");
	MALFORMED(0, sc->hdr[0].record_bytes = 64, "record_bytes");
	MALFORMED(0, sc->hdr[0].page = 1, "page number");
	MALFORMED(0, sc->hdr[0].band = 1, "band number");
	MALFORMED(0, sc->hdr[0].first_line = 1, "first_line");
	MALFORMED(0, sc->hdr[0].flags = 0, "PAGE_START");
	MALFORMED(0, (sc->hdr[0].bytes_per_line = 4, sc->hdr[0].lines = 4), "bytes_per_line");
	MALFORMED(0, (sc->hdr[0].lines = 3, sc->hdr[0].payload_bytes = 24), "lines is 3, expected 2");
	MALFORMED(0, sc->hdr[0].flags |= MFPSCAN_BAND_JOB_END, "JOB_END");
	MALFORMED(0, sc->payload[0][3] ^= 0x40, "checksum mismatch");
	MALFORMED(1, sc->hdr[1].job = 2, "job number");
	MALFORMED(1, sc->hdr[1].flags = 0, "PAGE_END");
	MALFORMED(1, (sc->hdr[1].lines = 0, sc->hdr[1].payload_bytes = 0), "middle of a page");
#undef MALFORMED
}

/* Random damage to headers and sizes: a clean error or a good band, never
 * a read outside what the backend delivered (ASan build checks that). */
static void test_checker_survives_random_records(void **state)
{
	struct mfpscan_params p = {
		.source = MFPSCAN_SOURCE_FLATBED, .color_mode = MFPSCAN_MODE_GRAY8,
		.resolution = 75, .width_um = 2800, .height_um = 1400,
		.pages = 1, .band_lines = 2,
	};
	unsigned int seed = 1;

	for (int iter = 0; iter < 3000; iter++) {
		struct script *sc = script_two_bands();
		struct band_source *s = NULL;
		struct band_view v;
		struct err e = { 0 };
		int r;

		for (int k = 0; k < 1 + iter % 3; k++) {
			int i = rand_r(&seed) % 2;
			uint32_t *w = (uint32_t *)&sc->hdr[i];

			w[rand_r(&seed) % (sizeof(sc->hdr[i]) / 4)] ^= 1U << (rand_r(&seed) % 32);
			if (rand_r(&seed) % 8 == 0)
				sc->avail[i] = (size_t)(rand_r(&seed) % 65);
		}
		assert_int_equal(band_source_new(&script_ops, sc, &s, &e), 0);
		assert_int_equal(band_source_start(s, &p, &e), 0);
		while ((r = band_source_next(s, &v, &e)) == 1)
			assert_true(v.hdr->payload_bytes <= 64);
		if (r != 0 && r != -EBADMSG && r != -EIO && r != -ENODEV)
			fail_msg("iteration %d: unexpected %d (%s)", iter, r, e.msg);
		if (r)
			assert_true(e.msg[0] != '\0');
		band_source_close(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_are_the_sim_engines),
		cmocka_unit_test(test_adf_job_every_mode),
		cmocka_unit_test(test_flatbed_band_of_one_line),
		cmocka_unit_test(test_adf_runs_until_empty),
		cmocka_unit_test(test_jobs_are_numbered_and_restart),
		cmocka_unit_test(test_invalid_params_start_nothing),
		cmocka_unit_test(test_jam_mid_page),
		cmocka_unit_test(test_stall_is_woken_by_the_wake_fd),
		cmocka_unit_test(test_faults_in_words),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_kernel_backend_refuses_other_devices),
		cmocka_unit_test(test_checker_accepts_a_good_job),
		cmocka_unit_test(test_checker_rejects_malformed_records),
		cmocka_unit_test(test_checker_survives_random_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
