// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan fault injection (debugfs): jam "P L" and sensor_error "P L" end
 * the job with an error band at exactly that page and line after the bands
 * before it, one-shot; cover_open before and during a job; no_paper and an
 * empty ADF (adf_pages 0) give NO_PAPER while the flatbed still works. Each
 * surfaces as state ERROR with the error code in G_STATUS (kept until the
 * next START), the status page, sysfs, and the errors counter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

/* Three fixtures, one layout: a loaded ADF, a paced engine, an empty ADF. */
struct fault_ctx {
	struct sim sim;
	int fd;
	struct mfpscan_params p;
};

static void fctx_setup(struct __test_metadata *_metadata, struct fault_ctx *c,
			int adf_pages, int line_rate)
{
	struct sim_cfg cfg = SIM_CFG(.adf_pages = adf_pages, .line_rate = line_rate);

	c->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&c->sim, "fault", &cfg, &c->fd);
	/* 295 bytes x 876 lines per page, 32-line bands */
	c->p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75, 100000,
			   297000, 3, 32);
	ASSERT_EQ(0, params_set(c->fd, &c->p));
}

static void fctx_teardown(struct fault_ctx *c)
{
	sim_dbg_write(&c->sim, "cover_open", "0\n");
	sim_dbg_write(&c->sim, "no_paper", "0\n");
	CLOSE_FD(c->fd);
	sim_destroy(&c->sim);
}

#define FAULT_FIXTURE(name, adf_pages, line_rate)			\
	FIXTURE(name) { struct fault_ctx c; };				\
	FIXTURE_SETUP(name) { fctx_setup(_metadata, &self->c, adf_pages, line_rate); } \
	FIXTURE_TEARDOWN(name) { fctx_teardown(&self->c); }

FAULT_FIXTURE(fault, 5, 0)
FAULT_FIXTURE(paced, 5, 3000)
FAULT_FIXTURE(empty_adf, 0, 0)

#define DBG(file, val) do {						\
	int __e = sim_dbg_write(&c->sim, (file), (val));		\
	ASSERT_EQ(0, __e) {						\
		TH_LOG("debugfs %s/%s <- %s: %s", c->sim.dbgdir, (file), \
		       (val), strerror(-__e));				\
	}								\
} while (0)

/* The job just read ended with error err: check every status surface. */
static void expect_error_state(struct __test_metadata *_metadata,
			       struct sim *sim, int fd, __u32 err, __u32 job,
			       uint64_t errors)
{
	struct mfpscan_status st;
	char state[32];
	uint64_t v;

	ASSERT_EQ(0, mfp_status(fd, &st));
	EXPECT_EQ(MFPSCAN_STATE_ERROR, st.state) {
		TH_LOG("state %s", state_name(st.state));
	}
	EXPECT_EQ(err, st.error);
	EXPECT_EQ(job, st.job);
	EXPECT_EQ(errors, st.errors);
	ASSERT_EQ(0, sim_sys_read(sim, "state", state, sizeof(state)));
	EXPECT_STREQ("error", state);
	ASSERT_EQ(0, sim_sys_u64(sim, "errors", &v));
	EXPECT_EQ(errors, v);
}

/* a clean job: the fault was one-shot, and START clears status.error */
static void expect_clean_job(struct __test_metadata *_metadata, int fd,
			     const struct mfpscan_params *p, __u32 job,
			     __u32 pages)
{
	struct mfpscan_status st;
	struct stream_exp e;

	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(fd, &st));
	EXPECT_EQ(MFPSCAN_ERR_NONE, st.error);
	ASSERT_EQ(0, stream_init(&e, p, job, pages));
	ASSERT_STREAM_OK(read_job(fd, &e, 1 << 16), &e);
	ASSERT_EQ(0, mfp_status(fd, &st));
	EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
	EXPECT_EQ(MFPSCAN_ERR_NONE, st.error);
	stream_fini(&e);
}

static void run_line_fault(struct __test_metadata *_metadata,
			   struct fault_ctx *c, const char *file,
			   __u32 err, __u32 page, __u32 line)
{
	struct stream_exp e;
	char val[32];

	snprintf(val, sizeof(val), "%u %u\n", page, line);
	DBG(file, val);
	ASSERT_IOCTL_OK(c->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &c->p, 1, c->p.pages));
	stream_expect_error(&e, err, page, line);
	ASSERT_STREAM_OK(read_job(c->fd, &e, 1 << 16), &e);
	EXPECT_EQ(page, e.err_seen_page);
	EXPECT_EQ(line, e.err_seen_line);
	EXPECT_EQ(line / c->p.band_lines +
		  (uint64_t)page * ((c->p.lines_per_page + 31) / 32), e.bands);
	stream_fini(&e);
	expect_error_state(_metadata, &c->sim, c->fd, err, 1, 1);
	expect_clean_job(_metadata, c->fd, &c->p, 2, c->p.pages);
}

TEST_F(fault, jam_at_page_line)
{
	struct fault_ctx *c = &self->c;

	BODY_START();
	run_line_fault(_metadata, c, "jam", MFPSCAN_ERR_JAM, 1, 64);
}

TEST_F(fault, sensor_error_at_page_line)
{
	struct fault_ctx *c = &self->c;

	BODY_START();
	run_line_fault(_metadata, c, "sensor_error", MFPSCAN_ERR_SENSOR, 2, 800);
}

TEST_F(fault, jam_on_duplex_back_page)
{
	struct fault_ctx *c = &self->c;

	BODY_START();
	/* 5 sheets loaded, pages 0: 10 pages; page 3 is the back of sheet 2 */
	c->p.source = MFPSCAN_SOURCE_ADF_DUPLEX;
	c->p.pages = 0;
	ASSERT_EQ(0, params_set(c->fd, &c->p));
	c->p.pages = 10;
	run_line_fault(_metadata, c, "jam", MFPSCAN_ERR_JAM, 3, 256);
}

TEST_F(fault, sensor_error_flatbed_first_page)
{
	struct fault_ctx *c = &self->c;

	BODY_START();
	c->p.source = MFPSCAN_SOURCE_FLATBED;
	c->p.pages = 1;
	ASSERT_EQ(0, params_set(c->fd, &c->p));
	run_line_fault(_metadata, c, "sensor_error", MFPSCAN_ERR_SENSOR, 0, 96);
}

static void run_start_fault(struct __test_metadata *_metadata, int fd,
			    const struct mfpscan_params *p, __u32 err,
			    __u32 job)
{
	struct stream_exp e;

	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, p, job, p->pages ? p->pages : 1));
	stream_expect_error(&e, err, 0, 0);
	e.lenient_error_flags = true;
	ASSERT_STREAM_OK(read_job(fd, &e, 1 << 16), &e);
	EXPECT_EQ(0, e.bands);
	stream_fini(&e);
}

TEST_F(fault, cover_open_at_start)
{
	struct fault_ctx *c = &self->c;

	BODY_START();
	DBG("cover_open", "1\n");
	c->p.source = MFPSCAN_SOURCE_FLATBED;
	c->p.pages = 1;
	ASSERT_EQ(0, params_set(c->fd, &c->p));
	run_start_fault(_metadata, c->fd, &c->p, MFPSCAN_ERR_COVER_OPEN, 1);
	expect_error_state(_metadata, &c->sim, c->fd,
			   MFPSCAN_ERR_COVER_OPEN, 1, 1);
	DBG("cover_open", "0\n");
	expect_clean_job(_metadata, c->fd, &c->p, 2, 1);
}

TEST_F(paced, cover_open_during_job)
{
	struct mfpscan_status st;
	struct stream_exp e;
	struct fault_ctx *c = &self->c;

	BODY_START();
	ASSERT_IOCTL_OK(c->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &c->p, 1, c->p.pages));
	ASSERT_STREAM_OK(read_some(c->fd, &e, 1 << 16, 3), &e);
	ASSERT_FALSE(e.ended);
	DBG("cover_open", "1\n");
	ASSERT_EQ(0, mfp_status(c->fd, &st));
	if (st.state == MFPSCAN_STATE_DONE) {
		stream_fini(&e);
		SKIP(return, "the job ended before the cover was opened");
	}
	stream_expect_error(&e, MFPSCAN_ERR_COVER_OPEN, 0, 0);
	e.err_any_line = true;
	e.lenient_error_flags = true;
	ASSERT_STREAM_OK(read_job(c->fd, &e, 1 << 16), &e);
	EXPECT_TRUE(e.err_seen_page < c->p.pages);
	expect_error_state(_metadata, &c->sim, c->fd,
			   MFPSCAN_ERR_COVER_OPEN, 1, 1);
	stream_fini(&e);
	DBG("cover_open", "0\n");
	c->p.pages = 1;
	ASSERT_EQ(0, params_set(c->fd, &c->p));
	expect_clean_job(_metadata, c->fd, &c->p, 2, 1);
}

TEST_F(paced, jam_armed_during_job)
{
	struct stream_exp e;
	struct fault_ctx *c = &self->c;

	BODY_START();
	ASSERT_IOCTL_OK(c->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &c->p, 1, c->p.pages));
	ASSERT_STREAM_OK(read_some(c->fd, &e, 1 << 16, 2), &e);
	ASSERT_EQ(0, e.page);
	/* page 2 is at least 1700 lines (0.5 s at 3000 lines/s) away */
	DBG("jam", "2 160\n");
	{
		struct mfpscan_status st;

		ASSERT_EQ(0, mfp_status(c->fd, &st));
		if (st.state != MFPSCAN_STATE_SCANNING || st.page >= 2) {
			stream_fini(&e);
			SKIP(return, "engine already at page %u (%s) when the jam was armed",
			     st.page, state_name(st.state));
		}
	}
	stream_expect_error(&e, MFPSCAN_ERR_JAM, 2, 160);
	ASSERT_STREAM_OK(read_job(c->fd, &e, 1 << 16), &e);
	EXPECT_EQ(2, e.err_seen_page);
	EXPECT_EQ(160, e.err_seen_line);
	stream_fini(&e);
	expect_error_state(_metadata, &c->sim, c->fd, MFPSCAN_ERR_JAM, 1, 1);
}

static void run_no_paper(struct __test_metadata *_metadata, struct fault_ctx *c,
			 bool loaded)
{
	struct mfpscan_params fb = c->p;
	__u32 job = 1;

	if (loaded)
		DBG("no_paper", "1\n");
	run_start_fault(_metadata, c->fd, &c->p, MFPSCAN_ERR_NO_PAPER, job);
	expect_error_state(_metadata, &c->sim, c->fd,
			   MFPSCAN_ERR_NO_PAPER, job++, 1);
	c->p.source = MFPSCAN_SOURCE_ADF_DUPLEX;
	c->p.pages = 0;
	ASSERT_EQ(0, params_set(c->fd, &c->p));
	run_start_fault(_metadata, c->fd, &c->p, MFPSCAN_ERR_NO_PAPER, job);
	expect_error_state(_metadata, &c->sim, c->fd,
			   MFPSCAN_ERR_NO_PAPER, job++, 2);
	fb.source = MFPSCAN_SOURCE_FLATBED;
	fb.pages = 1;
	ASSERT_EQ(0, params_set(c->fd, &fb));
	expect_clean_job(_metadata, c->fd, &fb, job++, 1);
	if (loaded) {
		DBG("no_paper", "0\n");
		c->p.source = MFPSCAN_SOURCE_ADF;
		c->p.pages = 2;
		ASSERT_EQ(0, params_set(c->fd, &c->p));
		expect_clean_job(_metadata, c->fd, &c->p, job++, 2);
	}
}

TEST_F(fault, no_paper_adf_but_flatbed_works)
{
	BODY_START();
	run_no_paper(_metadata, &self->c, true);
}

TEST_F(empty_adf, no_paper_adf_but_flatbed_works)
{
	BODY_START();
	run_no_paper(_metadata, &self->c, false);
}

TEST_F(paced, jam_at_page_line)
{
	BODY_START();
	run_line_fault(_metadata, &self->c, "jam", MFPSCAN_ERR_JAM, 0, 320);
}

TEST_F(fault, errors_counter_and_status_page)
{
	struct ring_map m;
	struct stream_exp e;
	int err;

	struct fault_ctx *c = &self->c;

	BODY_START();
	err = ring_map(&m, c->fd, 4096 * 1024, false);
	ASSERT_EQ(0, err);
	DBG("jam", "0 32\n");
	ASSERT_IOCTL_OK(c->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &c->p, 1, 3));
	stream_expect_error(&e, MFPSCAN_ERR_JAM, 0, 32);
	ASSERT_STREAM_OK(read_job(c->fd, &e, 1 << 16), &e);
	stream_fini(&e);
	EXPECT_EQ(MFPSCAN_STATE_ERROR, m.st->state);
	EXPECT_EQ(MFPSCAN_ERR_JAM, m.st->error);
	DBG("sensor_error", "1 0\n");
	ASSERT_IOCTL_OK(c->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &c->p, 2, 3));
	stream_expect_error(&e, MFPSCAN_ERR_SENSOR, 1, 0);
	e.lenient_error_flags = true;	/* line 0: PAGE_START may be set */
	ASSERT_STREAM_OK(read_job(c->fd, &e, 1 << 16), &e);
	stream_fini(&e);
	expect_error_state(_metadata, &c->sim, c->fd, MFPSCAN_ERR_SENSOR, 2, 2);
	EXPECT_EQ(MFPSCAN_ERR_SENSOR, m.st->error);
	EXPECT_EQ(2, m.st->job);
	ring_unmap(&m);
}

TEST_HARNESS_MAIN
