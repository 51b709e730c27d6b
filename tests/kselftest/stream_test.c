// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan read() path: multi-page ADF and duplex jobs in every color mode
 * checked byte-exact against MFPSCAN_PATTERN, every header field and CRC-32,
 * then EOF; plus EOF until the next START, job numbering, the ADF sheet
 * count not consumed, -EINVAL for a too small buffer, -EAGAIN with
 * O_NONBLOCK, and a new START discarding unread records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(stream) {
	struct sim sim;
	int fd;
};

FIXTURE_VARIANT(stream) {
	__u32 source, mode, res, pages, band_lines;
	int adf_pages;		/* instance setting, -1 default (10) */
	__u32 expect_pages;
	size_t bufsize;		/* 0: exactly one maximal record */
	__u32 left_um, width_um, height_um;
};

#define A4W 210000
#define A4H 297000

FIXTURE_VARIANT_ADD(stream, mono_adf_all_sheets) {
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_MONO1, .res = 150,
	.pages = 0, .adf_pages = 3, .expect_pages = 3, .band_lines = 64,
	.bufsize = 1 << 20, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, gray_adf) {
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_GRAY8, .res = 150,
	.pages = 3, .adf_pages = -1, .expect_pages = 3, .band_lines = 64,
	.bufsize = 0, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, rgb_adf) {
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_RGB24, .res = 75,
	.pages = 3, .adf_pages = -1, .expect_pages = 3, .band_lines = 48,
	.bufsize = 1 << 20, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, gray_adf_300dpi) {
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_GRAY8, .res = 300,
	.pages = 2, .adf_pages = -1, .expect_pages = 2, .band_lines = 128,
	.bufsize = 1 << 20, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, rgb_adf_150dpi) {
	.source = MFPSCAN_SOURCE_ADF, .mode = MFPSCAN_MODE_RGB24, .res = 150,
	.pages = 2, .adf_pages = -1, .expect_pages = 2, .band_lines = 200,
	.bufsize = 0, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, mono_duplex_all_sheets) {
	.source = MFPSCAN_SOURCE_ADF_DUPLEX, .mode = MFPSCAN_MODE_MONO1,
	.res = 150, .pages = 0, .adf_pages = 2, .expect_pages = 4,
	.band_lines = 100, .bufsize = 0, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, gray_duplex) {
	.source = MFPSCAN_SOURCE_ADF_DUPLEX, .mode = MFPSCAN_MODE_GRAY8,
	.res = 75, .pages = 4, .adf_pages = -1, .expect_pages = 4,
	.band_lines = 256, .bufsize = 3 << 20, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, gray_duplex_odd_page_count) {
	.source = MFPSCAN_SOURCE_ADF_DUPLEX, .mode = MFPSCAN_MODE_GRAY8,
	.res = 75, .pages = 3, .adf_pages = 5, .expect_pages = 3,
	.band_lines = 50, .bufsize = 1 << 20, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, rgb_duplex_all_sheets) {
	.source = MFPSCAN_SOURCE_ADF_DUPLEX, .mode = MFPSCAN_MODE_RGB24,
	.res = 75, .pages = 0, .adf_pages = 2, .expect_pages = 4,
	.band_lines = 64, .bufsize = 0, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, gray_flatbed_600dpi) {
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_GRAY8,
	.res = 600, .pages = 1, .adf_pages = -1, .expect_pages = 1,
	.band_lines = 64, .bufsize = 1 << 20, .width_um = A4W, .height_um = A4H,
};

FIXTURE_VARIANT_ADD(stream, gray_flatbed_band1_offset) {
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_GRAY8,
	.res = 75, .pages = 1, .adf_pages = -1, .expect_pages = 1,
	.band_lines = 1, .bufsize = 4096, .left_um = 5000, .width_um = 150000,
	.height_um = 250000,
};

FIXTURE_VARIANT_ADD(stream, mono_flatbed_legal_odd_width) {
	.source = MFPSCAN_SOURCE_FLATBED, .mode = MFPSCAN_MODE_MONO1,
	.res = 200, .pages = 1, .adf_pages = -1, .expect_pages = 1,
	.band_lines = 37, .bufsize = 1 << 16, .width_um = 214000,
	.height_um = 355600,
};

FIXTURE_SETUP(stream)
{
	struct sim_cfg cfg = SIM_CFG(.adf_pages = variant->adf_pages);

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "stream", &cfg, &self->fd);
}

FIXTURE_TEARDOWN(stream)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

TEST_F_TIMEOUT(stream, byte_exact_job, 240)
{
	struct mfpscan_params p;
	struct mfpscan_status st;
	struct stream_exp e;
	size_t bufsize;
	uint64_t v;

	BODY_START();
	p = params_make(variant->source, variant->mode, variant->res,
			variant->width_um, variant->height_um, variant->pages,
			variant->band_lines);
	p.left_um = variant->left_um;
	ASSERT_EQ(0, params_set(self->fd, &p));
	bufsize = variant->bufsize ? variant->bufsize :
		BAND_HDR + (size_t)p.band_lines * p.bytes_per_line;
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, variant->expect_pages));
	ASSERT_STREAM_OK(read_job(self->fd, &e, bufsize), &e);
	EXPECT_EQ(variant->expect_pages, e.page);
	EXPECT_EQ((uint64_t)variant->expect_pages * p.lines_per_page *
		  p.bytes_per_line, e.payload);

	ASSERT_EQ(0, mfp_status(self->fd, &st));
	EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
	EXPECT_EQ(MFPSCAN_ERR_NONE, st.error);
	EXPECT_EQ(1, st.job);
	EXPECT_EQ(variant->expect_pages, st.pages);
	EXPECT_EQ(e.bands, st.bands);
	EXPECT_EQ(e.payload, st.bytes);
	EXPECT_EQ(0, st.errors);
	EXPECT_EQ(st.head, st.tail);
	ASSERT_EQ(0, sim_sys_u64(&self->sim, "bytes", &v));
	EXPECT_EQ(e.payload, v);
	stream_fini(&e);
}

/* ---- smaller behaviours on one instance ---- */

FIXTURE(rd) {
	struct sim sim, slow;
	int fd, fd2;
	struct mfpscan_params small;
};

FIXTURE_SETUP(rd)
{
	struct sim_cfg cfg = SIM_CFG(.adf_pages = 2);

	self->fd = self->fd2 = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "rd", &cfg, &self->fd);
	self->small = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75,
				  40000, 30000, 0, 16);
	ASSERT_EQ(0, params_set(self->fd, &self->small));
}

FIXTURE_TEARDOWN(rd)
{
	CLOSE_FD(self->fd);
	CLOSE_FD(self->fd2);
	sim_destroy(&self->sim);
	sim_destroy(&self->slow);
}

TEST_F(rd, read_before_any_job_is_eof)
{
	char buf[4096];

	BODY_START();
	EXPECT_EQ(0, read(self->fd, buf, sizeof(buf)));
}

TEST_F(rd, eof_until_next_start_and_sheets_not_consumed)
{
	struct mfpscan_status st;
	struct stream_exp e;
	char buf[4096];
	__u32 job;

	BODY_START();
	for (job = 1; job <= 3; job++) {
		ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
		ASSERT_EQ(0, stream_init(&e, &self->small, job, 2));
		ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
		stream_fini(&e);
		EXPECT_EQ(0, read(self->fd, buf, sizeof(buf)));
		ASSERT_EQ(0, mfp_status(self->fd, &st));
		EXPECT_EQ(job, st.job);
		EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
		EXPECT_EQ(2 * job, st.pages);
	}
}

TEST_F(rd, too_small_buffer_einval_nothing_lost)
{
	size_t rec = BAND_HDR + (size_t)self->small.band_lines *
		     self->small.bytes_per_line;
	struct stream_exp e;
	char *buf = malloc(rec);
	ssize_t n;

	BODY_START();
	ASSERT_NE(NULL, buf);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	n = read(self->fd, buf, BAND_HDR - 1);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINVAL, errno);
	n = read(self->fd, buf, rec - 1);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINVAL, errno);
	free(buf);
	/* the stream still starts at page 0 band 0: the record was not eaten */
	ASSERT_EQ(0, stream_init(&e, &self->small, 1, 2));
	ASSERT_STREAM_OK(read_job(self->fd, &e, rec), &e);
	stream_fini(&e);
}

TEST_F(rd, nonblock_eagain_when_no_record)
{
	struct sim_cfg cfg = SIM_CFG(.line_rate = 1);
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 75, 40000,
					      100000, 1, 64);
	char buf[8192];
	ssize_t n;
	int err;

	BODY_START();
	err = sim_create(&self->slow, "rdslow", &cfg);
	ASSERT_EQ(0, err);
	self->fd2 = sim_open(&self->slow, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd2);
	ASSERT_EQ(0, params_set(self->fd2, &p));
	ASSERT_IOCTL_OK(self->fd2, MFPSCAN_IOC_START, NULL);
	/* 64 lines at 1 line/s: no band for a minute */
	n = read(self->fd2, buf, sizeof(buf));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_IOCTL_OK(self->fd2, MFPSCAN_IOC_ABORT, NULL);
	/* non-blocking too: the ABORTED band, then EOF (0), not EAGAIN */
	{
		struct stream_exp e;

		ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
		stream_expect_error(&e, MFPSCAN_ERR_ABORTED, 0, 0);
		e.lenient_error_flags = true;
		ASSERT_STREAM_OK(read_job(self->fd2, &e, sizeof(buf)), &e);
		stream_fini(&e);
	}
}

TEST_F(rd, bad_buffer_efault)
{
	volatile uintptr_t null_addr = 0;	/* hides NULL from -Wnonnull */
	long pg = sysconf(_SC_PAGESIZE);
	struct mfpscan_status st;
	struct stream_exp e;
	char *ro;

	BODY_START();
	ro = mmap(NULL, (size_t)pg * 16, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state_not(self->fd, MFPSCAN_STATE_SCANNING, 20000, &st));
	EXPECT_EQ(-1, read(self->fd, (void *)(uintptr_t)null_addr, 65536));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->fd, ro, (size_t)pg * 16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->fd, (void *)0xffff888000000000UL, 65536));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, (size_t)pg * 16);
	/* the device still works: a new job reads byte-exact */
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->small, 2, 2));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
}

/* Two threads reading one file: whole records, each exactly once. */
struct sharer {
	int fd;
	const struct mfpscan_params *p;
	pthread_mutex_t *lock;
	uint8_t *seen;		/* [page][band] counts */
	uint32_t bands_per_page;
	char why[320];
	int ret;
};

static void *share_reader(void *arg)
{
	struct sharer *sh = arg;
	uint8_t *buf = malloc(1 << 16);
	struct stream_exp e;
	struct mfpscan_band h;
	ssize_t n;

	sh->ret = -1;
	if (!buf || stream_init(&e, sh->p, 1, 2))
		return NULL;
	while ((n = read(sh->fd, buf, 1 << 16)) > 0) {
		size_t off = 0;

		while (off < (size_t)n) {
			memcpy(&h, buf + off, sizeof(h));
			if (h.page >= 2 || h.band >= sh->bands_per_page) {
				snprintf(sh->why, sizeof(sh->why), "page %u band %u out of range",
					 h.page, h.band);
				goto out;
			}
			/* check this record on its own at the place it claims */
			e.page = h.page;
			e.band = h.band;
			e.line = h.band * sh->p->band_lines;
			e.ended = false;
			e.last_ts = 0;
			if (stream_feed(&e, &h, buf + off + BAND_HDR, false)) {
				snprintf(sh->why, sizeof(sh->why), "%s", e.why);
				goto out;
			}
			pthread_mutex_lock(sh->lock);
			sh->seen[h.page * sh->bands_per_page + h.band]++;
			pthread_mutex_unlock(sh->lock);
			off += BAND_HDR + h.payload_bytes;
		}
	}
	if (n < 0)
		snprintf(sh->why, sizeof(sh->why), "read: %s", strerror(errno));
	else
		sh->ret = 0;
out:
	stream_fini(&e);
	free(buf);
	return NULL;
}

TEST_F(rd, two_threads_share_one_file)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_ADF,
					      MFPSCAN_MODE_GRAY8, 75, 100000,
					      297000, 2, 4);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint32_t bpp, i;
	struct sharer sh[2];
	pthread_t th[2];
	uint8_t *seen;

	BODY_START();
	ASSERT_EQ(0, params_set(self->fd, &p));
	bpp = (p.lines_per_page + p.band_lines - 1) / p.band_lines;
	seen = calloc(2 * bpp, 1);
	ASSERT_NE(NULL, seen);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	for (i = 0; i < 2; i++) {
		sh[i] = (struct sharer){ .fd = self->fd, .p = &p, .lock = &lock,
					 .seen = seen, .bands_per_page = bpp };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, share_reader, &sh[i]));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
		EXPECT_EQ(0, sh[i].ret) {
			TH_LOG("reader %u: %s", i, sh[i].why);
		}
	}
	for (i = 0; i < 2 * bpp; i++)
		EXPECT_EQ(1, seen[i]) {
			TH_LOG("page %u band %u seen %u times", i / bpp, i % bpp, seen[i]);
		}
	free(seen);
}

TEST_F(rd, new_start_discards_unread_records)
{
	struct mfpscan_status st;
	struct stream_exp e;

	BODY_START();
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state_not(self->fd, MFPSCAN_STATE_SCANNING, 20000, &st));
	EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
	EXPECT_LT(st.tail, st.head);
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &self->small, 2, 2));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
}

TEST_HARNESS_MAIN
