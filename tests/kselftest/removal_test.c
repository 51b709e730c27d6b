// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan engine removal (debugfs remove, live=0, rmdir of a live instance):
 * a reader blocked in read() wakes with -ENODEV, a poller blocked in poll()
 * with POLLHUP, later calls get -ENODEV, the node and sysfs directory go
 * away, a producer stalled on a full ring is released, and an existing
 * mapping stays readable (same bytes) until munmap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

enum how { BY_DEBUGFS, BY_LIVE0, BY_RMDIR };

FIXTURE(rm) {
	struct sim sim;
	int fd;
	struct ring_map map;
};

FIXTURE_VARIANT(rm) {
	enum how how;
};

FIXTURE_VARIANT_ADD(rm, debugfs_remove) { .how = BY_DEBUGFS, };
FIXTURE_VARIANT_ADD(rm, live_0) { .how = BY_LIVE0, };
FIXTURE_VARIANT_ADD(rm, rmdir_live) { .how = BY_RMDIR, };

FIXTURE_SETUP(rm)
{
	self->fd = -1;
	REQUIRE_SIM();
}

FIXTURE_TEARDOWN(rm)
{
	ring_unmap(&self->map);
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

static int do_remove(FIXTURE_DATA(rm) *self, enum how how)
{
	switch (how) {
	case BY_DEBUGFS:
		return sim_dbg_write(&self->sim, "remove", "1\n");
	case BY_LIVE0:
		return sim_set_live(&self->sim, 0);
	case BY_RMDIR:
		if (rmdir(self->sim.cfgdir))
			return -errno;
		self->sim.created = false;
		return 0;
	}
	return -EINVAL;
}

/* After removal: every entry point says the device is gone. */
static void expect_gone(struct __test_metadata *_metadata,
			FIXTURE_DATA(rm) *self)
{
	struct mfpscan_status st;
	struct mfpscan_params p;
	struct mfpscan_caps caps;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	char buf[4096], path[256];

	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-ENODEV, mfp_status(self->fd, &st));
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd, MFPSCAN_IOC_START, NULL));
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd, MFPSCAN_IOC_G_PARAMS, &p));
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd, MFPSCAN_IOC_S_PARAMS, &p));
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd, MFPSCAN_IOC_G_CAPS, &caps));
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd, MFPSCAN_IOC_ABORT, NULL));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents & (POLLHUP | POLLERR));
	EXPECT_NE(0, access(self->sim.devpath, F_OK)) {
		TH_LOG("%s still exists", self->sim.devpath);
	}
	snprintf(path, sizeof(path), "%s/state", self->sim.sysdir);
	EXPECT_NE(0, access(path, F_OK)) {
		TH_LOG("%s still exists", path);
	}
	EXPECT_GT(0, sim_open(&self->sim, O_RDWR));
}

struct blocker {
	int fd;
	bool use_poll;
	volatile pid_t tid;
	ssize_t ret;
	int err;
	short revents;
};

static void *block_thread(void *arg)
{
	struct blocker *b = arg;
	char buf[64 * 1024];

	b->tid = (pid_t)syscall(SYS_gettid);
	if (b->use_poll) {
		struct pollfd p = { .fd = b->fd, .events = POLLIN };

		b->ret = poll(&p, 1, 60000);
		b->err = errno;
		b->revents = p.revents;
	} else {
		b->ret = read(b->fd, buf, sizeof(buf));
		b->err = errno;
	}
	return NULL;
}

/* Wait (bounded) until the thread sleeps in the kernel. */
static void wait_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int i;

	for (i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
		if (tid && !file_read(path, buf, sizeof(buf))) {
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		msleep(5);
	}
}

static void slow_job(struct __test_metadata *_metadata, FIXTURE_DATA(rm) *self)
{
	struct sim_cfg cfg = SIM_CFG(.line_rate = 1);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 75, 50000,
					      100000, 1, 64);

	SIM_UP(&self->sim, "rm", &cfg, &self->fd);
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
}

TEST_F(rm, blocked_read_wakes_enodev)
{
	struct blocker b = { 0 };
	pthread_t th;

	BODY_START();
	slow_job(_metadata, self);
	b.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, block_thread, &b));
	while (!b.tid)
		msleep(1);
	wait_sleeping(b.tid);
	ASSERT_EQ(0, do_remove(self, variant->how));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(-1, b.ret);
	EXPECT_EQ(ENODEV, b.err) {
		TH_LOG("blocked read returned %zd errno %s", b.ret, strerror(b.err));
	}
	expect_gone(_metadata, self);
}

TEST_F(rm, blocked_poll_wakes_pollhup)
{
	struct blocker b = { .use_poll = true };
	pthread_t th;

	BODY_START();
	slow_job(_metadata, self);
	b.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, block_thread, &b));
	while (!b.tid)
		msleep(1);
	wait_sleeping(b.tid);
	ASSERT_EQ(0, do_remove(self, variant->how));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(1, b.ret) {
		TH_LOG("poll returned %zd (%s)", b.ret, strerror(b.err));
	}
	EXPECT_TRUE(b.revents & POLLHUP) {
		TH_LOG("revents 0x%x", b.revents);
	}
	expect_gone(_metadata, self);
}

TEST_F(rm, mapping_survives_removal)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 64);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 100000,
					      100000, 2, 16);
	struct stream_exp e;
	uint8_t *copy;
	size_t i;
	int err;

	BODY_START();
	SIM_UP(&self->sim, "rmmap", &cfg, &self->fd);
	ASSERT_EQ(0, params_set(self->fd, &p));
	err = ring_map(&self->map, self->fd, 64 * 1024, true);
	ASSERT_EQ(0, err);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 2));
	ASSERT_STREAM_OK(mmap_job(&self->map, &e, false), &e);
	stream_fini(&e);
	copy = malloc(64 * 1024);
	ASSERT_NE(NULL, copy);
	memcpy(copy, self->map.ring, 64 * 1024);

	ASSERT_EQ(0, do_remove(self, variant->how));
	/* the mapping is still there and still holds the same bytes */
	for (i = 0; i < 64 * 1024; i += 4096)
		(void)*(volatile uint8_t *)(self->map.ring + i);
	EXPECT_EQ(0, memcmp(copy, self->map.ring, 64 * 1024));
	EXPECT_EQ(MFPSCAN_STATE_GONE, self->map.st->state) {
		TH_LOG("status page state %s", state_name(self->map.st->state));
	}
	self->map.ctl->tail = self->map.ctl->tail;	/* still writable */
	expect_gone(_metadata, self);
	free(copy);
	ring_unmap(&self->map);
	CLOSE_FD(self->fd);
}

/*
 * Two readers at once: a thread blocked in read() and a mapped consumer
 * (ring, status and control page of the same file) waiting in poll() in
 * another thread, plus a second file with its status page mapped. Both
 * blocked readers get the documented error (ENODEV, POLLHUP), and the
 * mappings stay valid, with the same bytes, until they are unmapped.
 */
TEST_F(rm, blocked_read_and_mapped_reader)
{
	struct blocker rd = { 0 }, pl = { .use_poll = true };
	const volatile struct mfpscan_mmap_status *st2;
	long pg = sysconf(_SC_PAGESIZE);
	pthread_t t_rd, t_pl;
	uint8_t *copy;
	size_t ring;
	void *m;
	int fd2;

	BODY_START();
	slow_job(_metadata, self);
	ring = 4096 * 1024;	/* the default ring */
	ASSERT_EQ(0, ring_map(&self->map, self->fd, ring, true));
	fd2 = sim_open(&self->sim, O_RDONLY);
	ASSERT_LE(0, fd2);
	m = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd2,
		 MFPSCAN_MMAP_OFFSET_STATUS);
	ASSERT_NE(MAP_FAILED, m);
	st2 = m;
	EXPECT_EQ(MFPSCAN_STATE_SCANNING, st2->state);
	copy = malloc(ring);
	ASSERT_NE(NULL, copy);
	memcpy(copy, self->map.ring, ring);

	rd.fd = self->fd;
	pl.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&t_rd, NULL, block_thread, &rd));
	ASSERT_EQ(0, pthread_create(&t_pl, NULL, block_thread, &pl));
	while (!rd.tid || !pl.tid)
		msleep(1);
	wait_sleeping(rd.tid);
	wait_sleeping(pl.tid);
	/* both are inside their system calls when the engine goes */
	EXPECT_TRUE(thread_in_syscall(rd.tid, SYS_read));
	EXPECT_TRUE(thread_in_syscall(pl.tid, SYS_poll) ||
		    thread_in_syscall(pl.tid, SYS_ppoll));
	ASSERT_EQ(0, do_remove(self, variant->how));
	ASSERT_EQ(0, pthread_join(t_rd, NULL));
	ASSERT_EQ(0, pthread_join(t_pl, NULL));
	EXPECT_EQ(-1, rd.ret);
	EXPECT_EQ(ENODEV, rd.err) {
		TH_LOG("blocked read returned %zd errno %s", rd.ret,
		       strerror(rd.err));
	}
	ASSERT_EQ(1, pl.ret);
	EXPECT_TRUE(pl.revents & POLLHUP) {
		TH_LOG("revents 0x%x", pl.revents);
	}

	/* the mappings: still there, same bytes, state GONE, control writable */
	EXPECT_EQ(0, memcmp(copy, self->map.ring, ring));
	EXPECT_EQ(MFPSCAN_STATE_GONE, self->map.st->state);
	EXPECT_EQ(MFPSCAN_STATE_GONE, st2->state);
	self->map.ctl->tail = self->map.ctl->tail;
	expect_gone(_metadata, self);
	EXPECT_EQ(-ENODEV, mfp_ioctl(fd2, MFPSCAN_IOC_G_STATUS, copy));
	free(copy);
	munmap(m, (size_t)pg);
	ring_unmap(&self->map);
	close(fd2);
	CLOSE_FD(self->fd);
}

TEST_F(rm, stalled_producer_released)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 64, .can_stall = 1);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 210000,
					      297000, 5, 16);
	struct mfpscan_status st;
	int err;

	BODY_START();
	SIM_UP(&self->sim, "rmstall", &cfg, &self->fd);
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	err = mfp_wait_state(self->fd, MFPSCAN_STATE_STALLED, 20000, &st);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, do_remove(self, variant->how));
	expect_gone(_metadata, self);
	CLOSE_FD(self->fd);
}

/* A reader that checks every record until read() fails or ends. */
struct racer {
	int fd;
	struct stream_exp e;
	volatile pid_t tid;
	volatile uint64_t bands;
	ssize_t ret;
	int err;
	bool bad;
};

static void *race_reader(void *arg)
{
	struct racer *r = arg;
	static __thread uint8_t buf[256 * 1024];
	ssize_t n, off;

	r->tid = (pid_t)syscall(SYS_gettid);
	for (;;) {
		n = read(r->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (off = 0; off < n;) {
			const struct mfpscan_band *h = (const void *)(buf + off);

			if (stream_feed(&r->e, h, (const uint8_t *)(h + 1), false)) {
				r->bad = true;
				return NULL;
			}
			off += sizeof(*h) + h->payload_bytes;
		}
		r->bands = r->e.bands;
	}
	r->ret = n;
	r->err = errno;
	return NULL;
}

/*
 * 20 rounds: a reader consumes a fast job, checking every record, and the
 * engine goes at a random moment. The reader must end with ENODEV after
 * byte-exact records, never EIO or a torn record; the race must really be
 * entered: in some rounds the reader is inside read() when removal starts.
 */
TEST_F(rm, reader_racing_removal)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 256, .adf_pages = 50);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 150, 210000,
					      297000, 50, 32);
	int round, inside = 0;

	BODY_START();
	for (round = 0; round < 20; round++) {
		struct racer r = { 0 };
		pthread_t th;

		SIM_UP(&self->sim, "rmrace", &cfg, &self->fd);
		ASSERT_EQ(0, params_set(self->fd, &p));
		ASSERT_EQ(0, stream_init(&r.e, &p, 1, 50));
		ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
		r.fd = self->fd;
		ASSERT_EQ(0, pthread_create(&th, NULL, race_reader, &r));
		while (!r.bands)
			msleep(1);
		msleep(rand() % 20);
		inside += thread_in_syscall(r.tid, SYS_read);
		ASSERT_EQ(0, do_remove(self, variant->how));
		ASSERT_EQ(0, pthread_join(th, NULL));
		EXPECT_FALSE(r.bad) TH_LOG("round %d: %s", round, r.e.why);
		EXPECT_EQ(-1, r.ret);
		EXPECT_EQ(ENODEV, r.err) {
			TH_LOG("round %d: read ended with %zd (%s) after %llu bands",
			       round, r.ret, strerror(r.err),
			       (unsigned long long)r.bands);
		}
		stream_fini(&r.e);
		CLOSE_FD(self->fd);
		sim_destroy(&self->sim);
	}
	EXPECT_LT(0, inside) TH_LOG("the reader was never inside read()");
	TH_LOG("reader inside read() at removal in %d of 20 rounds", inside);
}

/*
 * Stress: a reader thread, a poller thread and an mmap consumer running
 * while the engine is removed at a random moment, 30 times.
 */
struct stress {
	int fd;
	const struct ring_map *map;
	volatile int stop;
	int read_err, poll_rev;
	uint64_t mapped_records;	/* headers the mapper looked at */
	bool mapper_saw_gone;
};

static void *stress_reader(void *arg)
{
	struct stress *st = arg;
	static __thread char buf[256 * 1024];

	for (;;) {
		ssize_t n = read(st->fd, buf, sizeof(buf));

		if (n < 0) {
			st->read_err = errno;
			return NULL;
		}
		if (n == 0)
			msleep(1);
	}
}

/*
 * The mmap consumer: follows head through the status page and looks at the
 * record at the control page's tail (the reader moves it), faulting ring
 * pages in while the engine goes, until the status page says GONE.
 */
static void *stress_mapper(void *arg)
{
	struct stress *st = arg;
	const struct ring_map *m = st->map;
	uint64_t head, tail;

	while (__atomic_load_n(&m->st->state, __ATOMIC_ACQUIRE) !=
	       MFPSCAN_STATE_GONE) {
		head = __atomic_load_n(&m->st->head, __ATOMIC_ACQUIRE);
		tail = m->ctl->tail;
		if (tail < head &&
		    ((const struct mfpscan_band *)(m->ring +
			(tail & (m->ring_bytes - 1))))->magic == MFPSCAN_BAND_MAGIC)
			st->mapped_records++;
	}
	st->mapper_saw_gone = true;
	return NULL;
}

static void *stress_poller(void *arg)
{
	struct stress *st = arg;
	struct pollfd p = { .fd = st->fd, .events = 0 };

	/* events 0: only POLLERR/POLLHUP end the wait */
	while (poll(&p, 1, 60000) == 0)
		;
	st->poll_rev = p.revents;
	return NULL;
}

TEST_F_TIMEOUT(rm, removal_stress, 300)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 256);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_RGB24, 75, 210000,
					      297000, 10, 16);
	unsigned int seed = (unsigned int)now_ns();
	uint64_t mapped = 0;
	int round, err;

	BODY_START();
	for (round = 0; round < 30; round++) {
		struct stress st = { .map = &self->map };
		pthread_t r, q, mp;

		SIM_UP(&self->sim, "rmstress", &cfg, &self->fd);
		err = ring_map(&self->map, self->fd, 256 * 1024, true);
		ASSERT_EQ(0, err);
		ASSERT_EQ(0, params_set(self->fd, &p));
		ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
		st.fd = self->fd;
		ASSERT_EQ(0, pthread_create(&r, NULL, stress_reader, &st));
		ASSERT_EQ(0, pthread_create(&q, NULL, stress_poller, &st));
		ASSERT_EQ(0, pthread_create(&mp, NULL, stress_mapper, &st));
		msleep(rand_r(&seed) % 30);
		ASSERT_EQ(0, do_remove(self, variant->how));
		ASSERT_EQ(0, pthread_join(r, NULL));
		ASSERT_EQ(0, pthread_join(q, NULL));
		ASSERT_EQ(0, pthread_join(mp, NULL));
		EXPECT_TRUE(st.mapper_saw_gone);
		mapped += st.mapped_records;
		EXPECT_EQ(ENODEV, st.read_err) {
			TH_LOG("round %d: reader ended with %s", round, strerror(st.read_err));
		}
		EXPECT_TRUE(st.poll_rev & POLLHUP) {
			TH_LOG("round %d: poller revents 0x%x", round, st.poll_rev);
		}
		/* the mapping is still readable */
		(void)*(volatile uint8_t *)(self->map.ring + 128 * 1024);
		(void)self->map.st->head;
		ring_unmap(&self->map);
		CLOSE_FD(self->fd);
		sim_destroy(&self->sim);
	}
	/* the mmap consumer really consumed alongside the removals */
	EXPECT_LT(0, mapped);
	TH_LOG("the mmap consumer looked at %llu records in 30 rounds",
	       (unsigned long long)mapped);
}

/* live=0 then live=1 makes a new device: an old file stays dead. */
FIXTURE(relive) {
	struct sim sim;
	int fd_old, fd_new;
};

FIXTURE_SETUP(relive)
{
	self->fd_old = self->fd_new = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "relive", NULL, &self->fd_old);
}

FIXTURE_TEARDOWN(relive)
{
	CLOSE_FD(self->fd_old);
	CLOSE_FD(self->fd_new);
	sim_destroy(&self->sim);
}

TEST_F(relive, old_file_stays_gone)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 75, 20000,
					      20000, 1, 8);
	struct mfpscan_status st;
	struct stream_exp e;
	uint64_t v;
	char buf[64];

	BODY_START();
	ASSERT_EQ(0, params_set(self->fd_old, &p));
	ASSERT_IOCTL_OK(self->fd_old, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, sim_set_live(&self->sim, 0));
	ASSERT_EQ(0, sim_set_live(&self->sim, 1));
	self->fd_new = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->fd_new);
	EXPECT_EQ(-ENODEV, mfp_status(self->fd_old, &st));
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd_old, MFPSCAN_IOC_START, NULL));
	EXPECT_EQ(-1, read(self->fd_old, buf, sizeof(buf)));
	EXPECT_EQ(ENODEV, errno);
	/* the new device starts from scratch: idle, counters 0, job 1 */
	ASSERT_EQ(0, mfp_status(self->fd_new, &st));
	EXPECT_EQ(MFPSCAN_STATE_IDLE, st.state);
	EXPECT_EQ(0, st.job);
	EXPECT_EQ(0, st.pages);
	ASSERT_EQ(0, sim_sys_u64(&self->sim, "bands", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, params_set(self->fd_new, &p));
	ASSERT_IOCTL_OK(self->fd_new, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
	ASSERT_STREAM_OK(read_job(self->fd_new, &e, 1 << 16), &e);
	stream_fini(&e);
}

TEST_HARNESS_MAIN
