// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan job ownership: one job per engine (second START -EBUSY from any
 * file), other files may still G_STATUS and S_PARAMS but not read or ABORT
 * the owner's job (-EBUSY); ABORT by the owner appends an ABORTED error band
 * with JOB_END and leaves state ABORTED; ABORT without a running job is a
 * no-op; closing the owning file aborts its job.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(own) {
	struct sim sim, sim2;
	int a, b;
	struct mfpscan_params p;
};

FIXTURE_SETUP(own)
{
	/* 200 lines/s, 3 pages of 876 lines: the job runs for 13 s */
	struct sim_cfg cfg = SIM_CFG(.line_rate = 200);

	self->a = self->b = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "own", &cfg, &self->a);
	self->b = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->b);
	self->p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75, 50000,
			      297000, 3, 8);
	ASSERT_EQ(0, params_set(self->a, &self->p));
	ASSERT_EQ(0, params_set(self->b, &self->p));
}

FIXTURE_TEARDOWN(own)
{
	CLOSE_FD(self->a);
	CLOSE_FD(self->b);
	sim_destroy(&self->sim);
	sim_destroy(&self->sim2);
}

static bool running(__u32 state)
{
	return state == MFPSCAN_STATE_SCANNING || state == MFPSCAN_STATE_STALLED;
}

/* Read the owner's stream to its ABORTED error band and EOF. */
static void read_aborted(struct __test_metadata *_metadata, int fd,
			 const struct mfpscan_params *p, __u32 job)
{
	struct stream_exp e;

	ASSERT_EQ(0, stream_init(&e, p, job, p->pages));
	stream_expect_error(&e, MFPSCAN_ERR_ABORTED, 0, 0);
	e.err_any_line = true;
	e.lenient_error_flags = true;
	ASSERT_STREAM_OK(read_job(fd, &e, 1 << 16), &e);
	EXPECT_TRUE(e.err_seen_page < p->pages);
	stream_fini(&e);
}

TEST_F(own, second_start_ebusy_others_status_only)
{
	struct mfpscan_params q;
	struct mfpscan_status st;
	char buf[8192], state[32];

	BODY_START();
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_IOCTL_ERR(EBUSY, self->b, MFPSCAN_IOC_START, NULL);
	ASSERT_IOCTL_ERR(EBUSY, self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(self->b, &st));
	EXPECT_TRUE(running(st.state)) {
		TH_LOG("state %s", state_name(st.state));
	}
	EXPECT_EQ(1, st.job);
	ASSERT_EQ(0, sim_sys_read(&self->sim, "state", state, sizeof(state)));
	EXPECT_STREQ("scanning", state);
	EXPECT_EQ(-1, read(self->b, buf, sizeof(buf)));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_IOCTL_ERR(EBUSY, self->b, MFPSCAN_IOC_ABORT, NULL);
	/* parameters are per file: b may change its own during a's job */
	q = self->p;
	q.resolution = 150;
	EXPECT_EQ(0, params_set(self->b, &q));
	ASSERT_EQ(0, mfp_status(self->b, &st));
	EXPECT_TRUE(running(st.state));

	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
	read_aborted(_metadata, self->a, &self->p, 1);
	ASSERT_EQ(0, mfp_status(self->b, &st));
	EXPECT_EQ(MFPSCAN_STATE_ABORTED, st.state);
	EXPECT_EQ(MFPSCAN_ERR_ABORTED, st.error);
	EXPECT_EQ(1, st.errors);
	ASSERT_EQ(0, sim_sys_read(&self->sim, "state", state, sizeof(state)));
	EXPECT_STREQ("aborted", state);

	/* now b owns job 2; a may not read it */
	ASSERT_IOCTL_OK(self->b, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(2, st.job);
	EXPECT_EQ(-1, read(self->a, buf, sizeof(buf)));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_IOCTL_ERR(EBUSY, self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_IOCTL_ERR(EBUSY, self->a, MFPSCAN_IOC_ABORT, NULL);
	ASSERT_IOCTL_OK(self->b, MFPSCAN_IOC_ABORT, NULL);
	read_aborted(_metadata, self->b, &q, 2);
}

TEST_F(own, abort_without_job_is_noop)
{
	struct mfpscan_status st;
	struct mfpscan_params small = params_make(MFPSCAN_SOURCE_FLATBED,
						  MFPSCAN_MODE_MONO1, 75, 20000,
						  5000, 1, 8);
	struct stream_exp e;

	BODY_START();
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
	ASSERT_IOCTL_OK(self->b, MFPSCAN_IOC_ABORT, NULL);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(MFPSCAN_STATE_IDLE, st.state);
	EXPECT_EQ(0, st.errors);
	/* after a finished job too: DONE stays DONE, no error band */
	ASSERT_EQ(0, params_set(self->a, &small));
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &small, 1, 1));
	ASSERT_STREAM_OK(read_job(self->a, &e, 1 << 16), &e);
	stream_fini(&e);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
	EXPECT_EQ(MFPSCAN_ERR_NONE, st.error);
	EXPECT_EQ(0, st.errors);
	EXPECT_EQ(st.head, st.tail);
}

TEST_F(own, closing_owner_aborts)
{
	struct mfpscan_status st;
	int err;

	BODY_START();
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(self->b, &st));
	ASSERT_TRUE(running(st.state));
	close(self->a);
	self->a = -1;
	err = mfp_wait_state_not(self->b, st.state, 20000, &st);
	ASSERT_EQ(0, err);
	if (running(st.state))
		mfp_wait_state_not(self->b, st.state, 20000, &st);
	EXPECT_EQ(MFPSCAN_STATE_ABORTED, st.state) {
		TH_LOG("after the owner closed: state %s", state_name(st.state));
	}
	EXPECT_EQ(MFPSCAN_ERR_ABORTED, st.error);
	ASSERT_IOCTL_OK(self->b, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(self->b, &st));
	EXPECT_EQ(2, st.job);
	ASSERT_IOCTL_OK(self->b, MFPSCAN_IOC_ABORT, NULL);
}

TEST_F(own, closing_other_file_does_not_abort)
{
	struct mfpscan_status st;

	BODY_START();
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	close(self->b);
	self->b = -1;
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_TRUE(running(st.state)) {
		TH_LOG("closing a non-owner file changed the state to %s",
		       state_name(st.state));
	}
	EXPECT_EQ(0, st.errors);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
	read_aborted(_metadata, self->a, &self->p, 1);
}

/* ABORT while the engine is stalled on a full ring: the ABORTED band still
 * arrives after every band already produced. */
TEST_F(own, abort_while_stalled_appends_error_band)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 64);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 210000,
					      297000, 3, 16);
	struct mfpscan_status st;
		int fd, err;

	BODY_START();
	err = sim_create(&self->sim2, "ownstall", &cfg);
	ASSERT_EQ(0, err);
	fd = sim_open(&self->sim2, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, params_set(fd, &p));
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	err = mfp_wait_state(fd, MFPSCAN_STATE_STALLED, 20000, &st);
	ASSERT_EQ(0, err);
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_ABORT, NULL);
	read_aborted(_metadata, fd, &p, 1);
	ASSERT_EQ(0, mfp_status(fd, &st));
	EXPECT_EQ(MFPSCAN_STATE_ABORTED, st.state);
	EXPECT_EQ(MFPSCAN_ERR_ABORTED, st.error);
	close(fd);
}

struct blocked_read {
	int fd;
	const struct mfpscan_params *p;
	struct stream_exp e;
	int ret;
};

static void *read_thread(void *arg)
{
	struct blocked_read *b = arg;

	b->ret = read_job(b->fd, &b->e, 1 << 16);
	return NULL;
}

TEST_F(own, abort_wakes_blocked_reader)
{
	struct sim_cfg cfg = SIM_CFG(.line_rate = 1);
	struct blocked_read b = { 0 };
		pthread_t th;
	int fd, err;

	BODY_START();
	err = sim_create(&self->sim2, "ownslow", &cfg);
	ASSERT_EQ(0, err);
	fd = sim_open(&self->sim2, O_RDWR);
	ASSERT_LE(0, fd);
	/* 64 lines at 1 line/s: the reader sleeps until the abort */
	self->p.band_lines = 64;
	ASSERT_EQ(0, params_set(fd, &self->p));
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	b.fd = fd;
	ASSERT_EQ(0, stream_init(&b.e, &self->p, 1, self->p.pages));
	stream_expect_error(&b.e, MFPSCAN_ERR_ABORTED, 0, 0);
	b.e.err_any_line = true;
	b.e.lenient_error_flags = true;
	ASSERT_EQ(0, pthread_create(&th, NULL, read_thread, &b));
	msleep(200);
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_ABORT, NULL);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, b.ret) {
		TH_LOG("blocked reader after ABORT: %s", b.e.why);
	}
	EXPECT_EQ(0, b.e.bands);
	stream_fini(&b.e);
	close(fd);
}

struct racer {
	int fd;
	pthread_barrier_t *bar;
	int ret;
};

static void *race_start(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->bar);
	r->ret = mfp_ioctl(r->fd, MFPSCAN_IOC_START, NULL);
	return NULL;
}

TEST_F(own, concurrent_starts_exactly_one_wins)
{
	enum { N = 6, ROUNDS = 20 };
	struct racer r[N];
	pthread_t th[N];
	pthread_barrier_t bar;
	int i, round, wins, winner;

	BODY_START();
	for (i = 0; i < N; i++) {
		r[i].fd = sim_open(&self->sim, O_RDWR);
		ASSERT_LE(0, r[i].fd);
		ASSERT_EQ(0, params_set(r[i].fd, &self->p));
		r[i].bar = &bar;
	}
	for (round = 0; round < ROUNDS; round++) {
		ASSERT_EQ(0, pthread_barrier_init(&bar, NULL, N));
		for (i = 0; i < N; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, race_start, &r[i]));
		wins = 0;
		winner = -1;
		for (i = 0; i < N; i++) {
			ASSERT_EQ(0, pthread_join(th[i], NULL));
			if (!r[i].ret) {
				wins++;
				winner = i;
			} else {
				EXPECT_EQ(-EBUSY, r[i].ret);
			}
		}
		pthread_barrier_destroy(&bar);
		ASSERT_EQ(1, wins) {
			TH_LOG("round %d: %d STARTs succeeded at once", round, wins);
		}
		ASSERT_IOCTL_OK(r[winner].fd, MFPSCAN_IOC_ABORT, NULL);
	}
	for (i = 0; i < N; i++)
		close(r[i].fd);
}

TEST_HARNESS_MAIN
