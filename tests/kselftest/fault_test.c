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

FIXTURE(fault) {
	struct sim sim;
	int fd;
	struct mfpscan_params p;
};

FIXTURE_VARIANT(fault) {
	int adf_pages, line_rate;
};

FIXTURE_VARIANT_ADD(fault, loaded) { .adf_pages = 5, .line_rate = 0, };
FIXTURE_VARIANT_ADD(fault, paced) { .adf_pages = 5, .line_rate = 3000, };
FIXTURE_VARIANT_ADD(fault, empty_adf) { .adf_pages = 0, .line_rate = 0, };

FIXTURE_SETUP(fault)
{
	struct sim_cfg cfg = SIM_CFG(.adf_pages = variant->adf_pages,
				     .line_rate = variant->line_rate);

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "fault", &cfg, &self->fd);
	/* 295 bytes x 876 lines per page, 32-line bands */
	self->p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75, 100000,
			      297000, 3, 32);
	ASSERT_EQ(0, params_set(self->fd, &self->p));
}

FIXTURE_TEARDOWN(fault)
{
	sim_dbg_write(&self->sim, "cover_open", "0\n");
	sim_dbg_write(&self->sim, "no_paper", "0\n");
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

#define DBG(file, val) do {						\
	int __e = sim_dbg_write(&self->sim, (file), (val));		\
	ASSERT_EQ(0, __e) {						\
		TH_LOG("debugfs %s/%s <- %s: %s", self->sim.dbgdir, (file), \
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
			   FIXTURE_DATA(fault) *self, const char *file,
			   __u32 err, __u32 page, __u32 line)
{
	struct stream_exp e;
	char val[32];

	snprintf(val, sizeof(val), "%u %u\n", page, line);
	DBG(file, val);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->p, 1, self->p.pages));
	stream_expect_error(&e, err, page, line);
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	EXPECT_EQ(page, e.err_seen_page);
	EXPECT_EQ(line, e.err_seen_line);
	EXPECT_EQ(line / self->p.band_lines +
		  (uint64_t)page * ((self->p.lines_per_page + 31) / 32), e.bands);
	stream_fini(&e);
	expect_error_state(_metadata, &self->sim, self->fd, err, 1, 1);
	expect_clean_job(_metadata, self->fd, &self->p, 2, self->p.pages);
}

TEST_F(fault, jam_at_page_line)
{
	BODY_START();
	if (variant->adf_pages == 0)
		SKIP(return, "jam needs paper");
	run_line_fault(_metadata, self, "jam", MFPSCAN_ERR_JAM, 1, 64);
}

TEST_F(fault, sensor_error_at_page_line)
{
	BODY_START();
	if (variant->adf_pages == 0)
		SKIP(return, "sensor error test scans the ADF");
	run_line_fault(_metadata, self, "sensor_error", MFPSCAN_ERR_SENSOR, 2, 800);
}

TEST_F(fault, sensor_error_flatbed_first_page)
{
	BODY_START();
	self->p.source = MFPSCAN_SOURCE_FLATBED;
	self->p.pages = 1;
	ASSERT_EQ(0, params_set(self->fd, &self->p));
	run_line_fault(_metadata, self, "sensor_error", MFPSCAN_ERR_SENSOR, 0, 96);
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
	BODY_START();
	DBG("cover_open", "1\n");
	self->p.source = MFPSCAN_SOURCE_FLATBED;
	self->p.pages = 1;
	ASSERT_EQ(0, params_set(self->fd, &self->p));
	run_start_fault(_metadata, self->fd, &self->p, MFPSCAN_ERR_COVER_OPEN, 1);
	expect_error_state(_metadata, &self->sim, self->fd,
			   MFPSCAN_ERR_COVER_OPEN, 1, 1);
	DBG("cover_open", "0\n");
	expect_clean_job(_metadata, self->fd, &self->p, 2, 1);
}

TEST_F(fault, cover_open_during_job)
{
	struct mfpscan_status st;
	struct stream_exp e;

	BODY_START();
	if (variant->line_rate == 0)
		SKIP(return, "needs a paced engine");
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->p, 1, self->p.pages));
	ASSERT_STREAM_OK(read_some(self->fd, &e, 1 << 16, 3), &e);
	ASSERT_FALSE(e.ended);
	DBG("cover_open", "1\n");
	stream_expect_error(&e, MFPSCAN_ERR_COVER_OPEN, 0, 0);
	e.err_any_line = true;
	e.lenient_error_flags = true;
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	EXPECT_TRUE(e.err_seen_page < self->p.pages);
	EXPECT_EQ(0, e.err_seen_line % self->p.band_lines);
	ASSERT_EQ(0, mfp_status(self->fd, &st));
	expect_error_state(_metadata, &self->sim, self->fd,
			   MFPSCAN_ERR_COVER_OPEN, 1, 1);
	stream_fini(&e);
	DBG("cover_open", "0\n");
	self->p.pages = 1;
	ASSERT_EQ(0, params_set(self->fd, &self->p));
	expect_clean_job(_metadata, self->fd, &self->p, 2, 1);
}

TEST_F(fault, jam_armed_during_job)
{
	struct stream_exp e;

	BODY_START();
	if (variant->line_rate == 0)
		SKIP(return, "needs a paced engine");
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->p, 1, self->p.pages));
	ASSERT_STREAM_OK(read_some(self->fd, &e, 1 << 16, 2), &e);
	ASSERT_EQ(0, e.page);
	/* page 2 is at least 1700 lines (0.5 s at 3000 lines/s) away */
	DBG("jam", "2 160\n");
	{
		struct mfpscan_status st;

		ASSERT_EQ(0, mfp_status(self->fd, &st));
		if (st.state != MFPSCAN_STATE_SCANNING || st.page >= 2) {
			stream_fini(&e);
			SKIP(return, "engine already at page %u (%s) when the jam was armed",
			     st.page, state_name(st.state));
		}
	}
	stream_expect_error(&e, MFPSCAN_ERR_JAM, 2, 160);
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	EXPECT_EQ(2, e.err_seen_page);
	EXPECT_EQ(160, e.err_seen_line);
	stream_fini(&e);
	expect_error_state(_metadata, &self->sim, self->fd, MFPSCAN_ERR_JAM, 1, 1);
}

TEST_F(fault, no_paper_adf_but_flatbed_works)
{
	struct mfpscan_params fb = self->p;
	__u32 job = 1;

	BODY_START();
	if (variant->adf_pages)
		DBG("no_paper", "1\n");
	run_start_fault(_metadata, self->fd, &self->p, MFPSCAN_ERR_NO_PAPER, job);
	expect_error_state(_metadata, &self->sim, self->fd,
			   MFPSCAN_ERR_NO_PAPER, job++, 1);
	self->p.source = MFPSCAN_SOURCE_ADF_DUPLEX;
	self->p.pages = 0;
	ASSERT_EQ(0, params_set(self->fd, &self->p));
	run_start_fault(_metadata, self->fd, &self->p, MFPSCAN_ERR_NO_PAPER, job);
	expect_error_state(_metadata, &self->sim, self->fd,
			   MFPSCAN_ERR_NO_PAPER, job++, 2);
	fb.source = MFPSCAN_SOURCE_FLATBED;
	fb.pages = 1;
	ASSERT_EQ(0, params_set(self->fd, &fb));
	expect_clean_job(_metadata, self->fd, &fb, job++, 1);
	if (variant->adf_pages) {
		DBG("no_paper", "0\n");
		self->p.source = MFPSCAN_SOURCE_ADF;
		self->p.pages = 2;
		ASSERT_EQ(0, params_set(self->fd, &self->p));
		expect_clean_job(_metadata, self->fd, &self->p, job++, 2);
	}
}

TEST_F(fault, errors_counter_and_status_page)
{
	struct ring_map m;
	struct stream_exp e;
	int err;

	BODY_START();
	if (variant->adf_pages == 0)
		SKIP(return, "scans the ADF");
	err = ring_map(&m, self->fd, 4096 * 1024, false);
	ASSERT_EQ(0, err);
	DBG("jam", "0 32\n");
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->p, 1, 3));
	stream_expect_error(&e, MFPSCAN_ERR_JAM, 0, 32);
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
	EXPECT_EQ(MFPSCAN_STATE_ERROR, m.st->state);
	EXPECT_EQ(MFPSCAN_ERR_JAM, m.st->error);
	DBG("sensor_error", "1 0\n");
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->p, 2, 3));
	stream_expect_error(&e, MFPSCAN_ERR_SENSOR, 1, 0);
	e.lenient_error_flags = true;	/* line 0: PAGE_START may be set */
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
	expect_error_state(_metadata, &self->sim, self->fd, MFPSCAN_ERR_SENSOR, 2, 2);
	EXPECT_EQ(MFPSCAN_ERR_SENSOR, m.st->error);
	EXPECT_EQ(2, m.st->job);
	ring_unmap(&m);
}

TEST_HARNESS_MAIN
