// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan mmap() path: the ring consumed through the status/control pages
 * and through MFPSCAN_IOC_SYNC_PTR, byte-exact, with PAD records at the ring
 * end, head/tail consistent between the status page, G_STATUS and SYNC_PTR;
 * a small ring forces the producer to wait for the consumer's tail. Mapping
 * rules: ring and status read-only (PROT_WRITE and mprotect refused), exact
 * sizes and offsets, any open file may map the status page (the ring and
 * the control page are the owner's: hardening_test.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(mm) {
	struct sim sim;
	int fd, fd2;
	struct ring_map map;
	size_t ring_bytes;
};

FIXTURE_VARIANT(mm) {
	bool use_sync;
	int ring_kib, can_stall;
	__u32 source, mode, res, pages, band_lines;
	bool expect_pad;
};

FIXTURE_VARIANT_ADD(mm, control_gray_adf_64k) {
	.use_sync = false, .ring_kib = 64, .can_stall = 1,
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_GRAY8, .res = 75,
	.pages = 3, .band_lines = 16, .expect_pad = true,
};

FIXTURE_VARIANT_ADD(mm, sync_ptr_rgb_duplex_256k) {
	.use_sync = true, .ring_kib = 256, .can_stall = 1,
	.source = MFPSCAN_SOURCE_ADF_DUPLEX, .mode = MFPSCAN_MODE_RGB24,
	.res = 75, .pages = 2, .band_lines = 24, .expect_pad = true,
};

FIXTURE_VARIANT_ADD(mm, control_mono_adf_4m) {
	.use_sync = false, .ring_kib = 4096, .can_stall = 1,
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_MONO1, .res = 150,
	.pages = 3, .band_lines = 128, .expect_pad = false,
};

FIXTURE_VARIANT_ADD(mm, sync_ptr_gray_flatbed_64k) {
	.use_sync = true, .ring_kib = 64, .can_stall = 1,
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_GRAY8,
	.res = 150, .pages = 1, .band_lines = 20, .expect_pad = true,
};

FIXTURE_SETUP(mm)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = variant->ring_kib,
				     .can_stall = variant->can_stall);

	self->fd = self->fd2 = -1;
	self->ring_bytes = (size_t)variant->ring_kib * 1024;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "mmap", &cfg, &self->fd);
}

FIXTURE_TEARDOWN(mm)
{
	ring_unmap(&self->map);
	CLOSE_FD(self->fd);
	CLOSE_FD(self->fd2);
	sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(mm, byte_exact_positions_consistent, 240)
{
	struct mfpscan_params p;
	struct mfpscan_status st;
	struct stream_exp e;
	int err;

	BODY_START();
	p = params_make(variant->source, variant->mode, variant->res, 210000,
			297000, variant->pages, variant->band_lines);
	ASSERT_EQ(0, params_set(self->fd, &p));
	err = ring_map(&self->map, self->fd, self->ring_bytes, !variant->use_sync);
	ASSERT_EQ(0, err) {
		TH_LOG("mmap: %s", strerror(-err));
	}
	EXPECT_EQ(MFPSCAN_STATE_IDLE, self->map.st->state);
	/* two jobs: the second starts from wherever the first left the ring */
	for (__u32 job = 1; job <= 2; job++) {
		ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
		ASSERT_EQ(0, stream_init(&e, &p, job, variant->pages));
		ASSERT_STREAM_OK(mmap_job(&self->map, &e, variant->use_sync), &e);
		EXPECT_EQ(variant->pages, e.page);
		if (variant->expect_pad)
			EXPECT_LT(0, self->map.pads);
		EXPECT_GE(self->ring_bytes, self->map.max_fill);
		ASSERT_EQ(0, mfp_status(self->fd, &st));
		EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
		EXPECT_EQ(job, st.job);
		EXPECT_EQ(MFPSCAN_STATE_DONE, self->map.st->state);
		EXPECT_EQ(MFPSCAN_ERR_NONE, self->map.st->error);
		EXPECT_EQ(job, self->map.st->job);
		EXPECT_EQ(0, self->map.st->overruns);
		EXPECT_EQ(0, st.overruns);
		EXPECT_EQ(e.payload * job, st.bytes);
		stream_fini(&e);
	}
}

TEST_F(mm, ring_and_status_read_only)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	BODY_START();
	p = mmap(NULL, self->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, MFPSCAN_MMAP_OFFSET_RING);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	if (p != MAP_FAILED)
		munmap(p, self->ring_bytes);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_STATUS);
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, (size_t)pg);
	/* a read-only mapping cannot be made writable afterwards */
	p = mmap(NULL, self->ring_bytes, PROT_READ, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_RING);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_NE(0, mprotect(p, self->ring_bytes, PROT_READ | PROT_WRITE));
	munmap(p, self->ring_bytes);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_STATUS);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_NE(0, mprotect(p, (size_t)pg, PROT_READ | PROT_WRITE));
	munmap(p, (size_t)pg);
	/* the control page is writable */
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_CONTROL);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, (size_t)pg);
}

TEST_F(mm, sizes_and_offsets_exact)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	BODY_START();
	p = mmap(NULL, self->ring_bytes * 2, PROT_READ, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_RING);
	EXPECT_EQ(MAP_FAILED, p) {
		TH_LOG("ring mapped with twice its size");
	}
	if (p != MAP_FAILED)
		munmap(p, self->ring_bytes * 2);
	p = mmap(NULL, self->ring_bytes / 2, PROT_READ, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_RING);
	EXPECT_EQ(MAP_FAILED, p) {
		TH_LOG("ring mapped with half its size");
	}
	if (p != MAP_FAILED)
		munmap(p, self->ring_bytes / 2);
	p = mmap(NULL, (size_t)pg * 2, PROT_READ, MAP_SHARED, self->fd,
		 MFPSCAN_MMAP_OFFSET_STATUS);
	EXPECT_EQ(MAP_FAILED, p) {
		TH_LOG("status mapped with two pages");
	}
	if (p != MAP_FAILED)
		munmap(p, (size_t)pg * 2);
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, self->fd, 0x40000000);
	EXPECT_EQ(MAP_FAILED, p) {
		TH_LOG("unknown offset 0x40000000 mapped");
	}
	if (p != MAP_FAILED)
		munmap(p, (size_t)pg);
}

TEST_F(mm, any_file_may_map_status_matches_g_status)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 75, 20000,
					      20000, 1, 8);
	long pg = sysconf(_SC_PAGESIZE);
	const struct mfpscan_mmap_status *ms;
	struct mfpscan_status st;
	struct stream_exp e;

	BODY_START();
	self->fd2 = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->fd2);
	ms = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, self->fd2,
		  MFPSCAN_MMAP_OFFSET_STATUS);
	ASSERT_NE(MAP_FAILED, ms) {
		TH_LOG("second file cannot map the status page: %s",
		       strerror(errno));
	}
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	ASSERT_EQ(0, mfp_status(self->fd2, &st));
	EXPECT_EQ(st.head, ms->head);
	EXPECT_EQ(st.head, st.tail);
	EXPECT_EQ(st.state, ms->state);
	EXPECT_EQ(st.job, ms->job);
	EXPECT_EQ(st.overruns, ms->overruns);
	munmap((void *)ms, (size_t)pg);
	stream_fini(&e);
}

/*
 * A consumer that never enters the kernel (only loads head and stores tail
 * in the pages) still drains a job larger than the ring: the producer reads
 * the control page's tail itself.
 */
TEST_F_TIMEOUT(mm, syscall_free_consumer, 120)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 210000,
					      297000, 2, 16);
	struct stream_exp e;
	int err;

	BODY_START();
	ASSERT_EQ(0, params_set(self->fd, &p));
	err = ring_map(&self->map, self->fd, self->ring_bytes, true);
	ASSERT_EQ(0, err);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 2));
	ASSERT_STREAM_OK(mmap_job_spin(&self->map, &e), &e);
	stream_fini(&e);
}

/* Bogus consumer positions are not taken: the stream stays intact. */
TEST_F(mm, bogus_tails_ignored)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 100000,
					      100000, 2, 16);
	struct pollfd pfd = { .events = POLLIN };
	struct mfpscan_sync_ptr sp;
	struct mfpscan_status st;
	struct stream_exp e;
	uint64_t bogus[4], h0, t0;
	unsigned int i;
	int err;

	BODY_START();
	ASSERT_EQ(0, params_set(self->fd, &p));
	err = ring_map(&self->map, self->fd, self->ring_bytes, true);
	ASSERT_EQ(0, err);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	pfd.fd = self->fd;
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	memset(&sp, 0, sizeof(sp));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_SYNC_PTR, &sp);
	h0 = sp.head;
	t0 = sp.tail;
	ASSERT_LT(t0, h0);
	bogus[0] = h0 + 64 * 1024;	/* beyond head */
	bogus[1] = t0 - 64;		/* backwards */
	bogus[2] = t0 + 1;		/* not 64-byte aligned */
	bogus[3] = t0 + 64;		/* inside the first record (4800 bytes) */
	for (i = 0; i < 4; i++) {
		memset(&sp, 0, sizeof(sp));
		sp.flags = MFPSCAN_SYNC_APPLY_TAIL;
		sp.tail = bogus[i];
		/* rejected, or ignored with the real tail reported back */
		if (!mfp_ioctl(self->fd, MFPSCAN_IOC_SYNC_PTR, &sp))
			EXPECT_EQ(t0, sp.tail) {
				TH_LOG("SYNC_PTR took tail %llu (tail %llu head %llu)",
				       (unsigned long long)bogus[i],
				       (unsigned long long)t0,
				       (unsigned long long)h0);
			}
		ASSERT_EQ(0, mfp_status(self->fd, &st));
		EXPECT_EQ(t0, st.tail);
		/* the same through the control page, noticed at poll() */
		self->map.ctl->tail = bogus[i];
		poll(&pfd, 1, 0);
		ASSERT_EQ(0, mfp_status(self->fd, &st));
		EXPECT_EQ(t0, st.tail) {
			TH_LOG("control page tail %llu was taken",
			       (unsigned long long)bogus[i]);
		}
	}
	self->map.ctl->tail = t0;
	ASSERT_EQ(0, stream_init(&e, &p, 1, 2));
	ASSERT_STREAM_OK(mmap_job(&self->map, &e, variant->use_sync), &e);
	stream_fini(&e);
}

/*
 * Tail validation remembers nothing stale: after a job of 4800-byte records
 * has lapped a 64 KiB ring, a job of 2176-byte records fills it again, and
 * every 64-byte aligned position in [tail, head) is offered as the new tail
 * through SYNC_PTR. Only the second job's record starts may be taken
 * (checked by walking its headers here); the first job's record starts of
 * an earlier lap (counted: they must be among the positions offered) are
 * refused like any other position, and a boundary several records ahead is
 * taken in one step.
 */
FIXTURE(lap) {
	struct sim sim;
	int fd;
	struct ring_map map;
};

FIXTURE_SETUP(lap)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 64, .adf_pages = 3);

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "lap", &cfg, &self->fd);
}

FIXTURE_TEARDOWN(lap)
{
	ring_unmap(&self->map);
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

static int sync_tail(int fd, uint32_t flags, uint64_t tail,
		     struct mfpscan_sync_ptr *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->flags = flags;
	sp->tail = tail;
	return mfp_ioctl(fd, MFPSCAN_IOC_SYNC_PTR, sp);
}

TEST_F_TIMEOUT(lap, old_lap_boundaries_refused, 120)
{
	const uint64_t size = 64 * 1024, mask = size - 1;
	struct mfpscan_params p1 = params_make(MFPSCAN_SOURCE_ADF,
					       MFPSCAN_MODE_GRAY8, 75, 100000,
					       100000, 2, 16);
	struct mfpscan_params p2 = params_make(MFPSCAN_SOURCE_ADF,
					       MFPSCAN_MODE_GRAY8, 75, 100000,
					       100000, 2, 7);
	static bool old_start[64 * 1024 / 64], new_start[64 * 1024 / 64];
	struct pollfd pfd = { .events = POLLIN };
	struct mfpscan_sync_ptr sp;
	struct mfpscan_band h;
	uint64_t pos, t, hd, old_hits = 0, ahead = 0;
	struct mfpscan_status st;
	int n;

	BODY_START();
	pfd.fd = self->fd;
	ASSERT_EQ(0, ring_map(&self->map, self->fd, size, true));
	/* job 1: consume everything, noting where its records started */
	ASSERT_EQ(0, params_set(self->fd, &p1));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	for (;;) {
		ASSERT_EQ(0, sync_tail(self->fd, 0, 0, &sp));
		for (pos = sp.tail; pos < sp.head; pos += h.record_bytes) {
			memcpy(&h, self->map.ring + (pos & mask), sizeof(h));
			ASSERT_EQ(MFPSCAN_BAND_MAGIC, h.magic);
			old_start[(pos & mask) / 64] = true;
		}
		ASSERT_EQ(0, sync_tail(self->fd, MFPSCAN_SYNC_APPLY_TAIL,
				       sp.head, &sp));
		ASSERT_EQ(0, mfp_status(self->fd, &st));
		if (st.state == MFPSCAN_STATE_DONE && st.head == st.tail)
			break;
		ASSERT_LE(0, poll(&pfd, 1, 30000));
	}
	ASSERT_LT(size, st.head);	/* it lapped */

	/* job 2: let it fill the ring (it stalls), then offer every position */
	ASSERT_EQ(0, params_set(self->fd, &p2));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state(self->fd, MFPSCAN_STATE_STALLED, 30000, &st));
	ASSERT_EQ(0, sync_tail(self->fd, 0, 0, &sp));
	t = sp.tail;
	hd = sp.head;
	ASSERT_LT(size / 2, hd - t);
	for (pos = t; pos < hd; pos += h.record_bytes) {
		memcpy(&h, self->map.ring + (pos & mask), sizeof(h));
		ASSERT_EQ(MFPSCAN_BAND_MAGIC, h.magic);
		new_start[(pos & mask) / 64] = true;
	}
	for (pos = t + 64; pos < hd; pos += 64) {
		if (new_start[(pos & mask) / 64])
			continue;
		old_hits += old_start[(pos & mask) / 64];
		n = sync_tail(self->fd, MFPSCAN_SYNC_APPLY_TAIL, pos, &sp);
		ASSERT_TRUE(n == 0 || n == -EINVAL);
		ASSERT_EQ(0, mfp_status(self->fd, &st));
		ASSERT_EQ(t, st.tail) {
			TH_LOG("tail %llu (%s) was taken; tail %llu head %llu",
			       (unsigned long long)pos,
			       old_start[(pos & mask) / 64] ?
			       "a record start of the earlier lap" :
			       "inside a record",
			       (unsigned long long)t, (unsigned long long)hd);
		}
	}
	EXPECT_LT(10, old_hits);
	/* the fifth record start from the tail is taken in one step */
	for (pos = t, n = 0; n < 5; n++, pos += h.record_bytes)
		memcpy(&h, self->map.ring + (pos & mask), sizeof(h));
	ahead = pos;
	ASSERT_EQ(0, sync_tail(self->fd, MFPSCAN_SYNC_APPLY_TAIL, ahead, &sp));
	EXPECT_EQ(ahead, sp.tail);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_ABORT, NULL);
}

/*
 * A second file's consumer storing tail = head in the control page while the
 * owner read()s: the tail the kernel takes over must never let the producer
 * overwrite records that read() is still copying out. Records may be skipped
 * (the other consumer took them), but each one read() returns is whole.
 */
struct tail_pusher {
	struct ring_map *map;
	atomic_bool stop;
};

static void *push_tail(void *arg)
{
	struct tail_pusher *tp = arg;
	struct pollfd pfd = { .fd = tp->map->fd, .events = POLLIN };

	while (!atomic_load(&tp->stop)) {
		__atomic_store_n(&tp->map->ctl->tail,
				 __atomic_load_n(&tp->map->st->head,
						 __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
		/* poll() takes the tail over and wakes the producer */
		poll(&pfd, 1, 0);
	}
	return NULL;
}

FIXTURE(torn) {
	struct sim sim;
	int fd, fd2;
	struct ring_map map;
};

FIXTURE_SETUP(torn)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = 64, .can_stall = 1,
				     .line_rate = 0, .adf_pages = 50);
	int err;

	self->fd = self->fd2 = -1;
	memset(&self->map, 0, sizeof(self->map));
	REQUIRE_SIM();
	SIM_UP(&self->sim, "torn", &cfg, &self->fd);
	self->fd2 = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->fd2);
	/* the owner's own mapping: only the owner may write the tail */
	err = ring_map(&self->map, self->fd, 64 * 1024, true);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(torn)
{
	ring_unmap(&self->map);
	CLOSE_FD(self->fd);
	CLOSE_FD(self->fd2);
	sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(torn, read_never_torn_by_control_tail, 120)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 210000,
					      297000, 40, 16);
	struct tail_pusher tp = { .map = &self->map };
	size_t bufsize = 64 * 1024;
	uint64_t records = 0;
	char why[128] = "";
	pthread_t thr;
	uint8_t *buf;
	ssize_t n;
	bool done = false;

	BODY_START();
	buf = mmap(NULL, bufsize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, pthread_create(&thr, NULL, push_tail, &tp));
	while (!done) {
		size_t off = 0;

		/* fresh pages: read() faults them in, widening the window */
		madvise(buf, bufsize, MADV_DONTNEED);
		n = read(self->fd, buf, bufsize);
		if (n <= 0) {
			EXPECT_EQ(0, n) {
				TH_LOG("read: %s", strerror(errno));
			}
			break;
		}
		while (off < (size_t)n) {
			struct mfpscan_band *h = (void *)(buf + off);
			uint32_t crc;

			if (off + BAND_HDR > (size_t)n ||
			    h->magic != MFPSCAN_BAND_MAGIC ||
			    h->header_bytes != BAND_HDR ||
			    h->payload_bytes != h->lines * h->bytes_per_line ||
			    off + BAND_HDR + h->payload_bytes > (size_t)n) {
				snprintf(why, sizeof(why),
					 "record %llu: torn header",
					 (unsigned long long)records);
				done = true;
				break;
			}
			crc = h->payload_bytes ?
			      crc32(0, buf + off + BAND_HDR, h->payload_bytes) : 0;
			if (crc != h->checksum) {
				snprintf(why, sizeof(why),
					 "record %llu (page %u band %u): payload overwritten",
					 (unsigned long long)records, h->page,
					 h->band);
				done = true;
				break;
			}
			if (h->flags & MFPSCAN_BAND_JOB_END)
				done = true;
			records++;
			off += BAND_HDR + h->payload_bytes;
		}
	}
	atomic_store(&tp.stop, true);
	pthread_join(thr, NULL);
	munmap(buf, bufsize);
	EXPECT_EQ(0, why[0]) {
		TH_LOG("%s", why);
	}
	TH_LOG("%llu whole records read", (unsigned long long)records);
}

TEST_HARNESS_MAIN
