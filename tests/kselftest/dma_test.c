// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan ring memory and its payload counters (Documentation/ring.rst,
 * "DMA"): the core's debugfs counter of payload bytes the CPU wrote into the
 * ring moves by exactly the payload of each published band, the DMA counter
 * stays put for an engine whose ring is mapped on no device (the sim), and
 * the records read back are the pattern, byte for byte, through read() and
 * through the mapping of the ring's pages. With the sim's dma_ring
 * parameter the ring is mapped on a platform device and every band goes
 * through mfpscan_band_begin_dma()'s scatter list (the CPU playing the
 * device): the stream is still byte-exact with the core's CRC, and the
 * counters swap: all bytes DMA, none copied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

#define CORE_DEBUGFS	"/sys/kernel/debug/mfpscan-core"

FIXTURE(dma) {
	struct sim sim;
	int fd;
};

FIXTURE_SETUP(dma)
{
	struct sim_cfg cfg = SIM_CFG(.adf_pages = 3);

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "dma", &cfg, &self->fd);
}

FIXTURE_TEARDOWN(dma)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

/* Read the core's debugfs file @name of @s into @buf: 0 or -errno. */
static int core_dbg_read(const struct sim *s, const char *name, char *buf,
			 size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", CORE_DEBUGFS, s->devname,
		 name);
	return file_read(path, buf, len);
}

static int core_dbg_u64(const struct sim *s, const char *name, uint64_t *v)
{
	char buf[64], *end;
	int ret = core_dbg_read(s, name, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

/* Run one job of @p to its end through read(), checked against the pattern. */
static int run_job(int fd, struct mfpscan_params *p, uint32_t job,
		   uint32_t pages, struct stream_exp *e)
{
	int ret = params_set(fd, p);

	if (ret)
		return ret;
	ret = mfp_ioctl(fd, MFPSCAN_IOC_START, NULL);
	if (ret)
		return ret;
	ret = stream_init(e, p, job, pages);
	if (ret)
		return ret;
	return read_job(fd, e, 1 << 20);
}

TEST_F(dma, sim_ring_is_mapped_on_no_device)
{
	char buf[64];

	BODY_START();
	ASSERT_EQ(0, core_dbg_read(&self->sim, "dma_device", buf, sizeof(buf)));
	EXPECT_STREQ("none", buf);
}

/* A page of 29 lines in one band: the counter moves by that band's bytes. */
TEST_F(dma, cpu_copied_moves_by_one_band_payload)
{
	struct mfpscan_params p;
	uint64_t cpu0, cpu1, dma0, dma1;
	struct stream_exp e;

	BODY_START();
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "cpu_copied_bytes", &cpu0));
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma0));
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			40000, 10000, 1, 64);
	ASSERT_STREAM_OK(run_job(self->fd, &p, 1, 1, &e), &e);
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "cpu_copied_bytes", &cpu1));
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma1));
	TH_LOG("one band of %u lines x %u bytes: cpu_copied_bytes %" PRIu64
	       " -> %" PRIu64 ", dma_bytes %" PRIu64 " -> %" PRIu64,
	       p.lines_per_page, p.bytes_per_line, cpu0, cpu1, dma0, dma1);
	EXPECT_EQ(1, e.bands);
	EXPECT_EQ(29, p.lines_per_page);
	EXPECT_EQ((uint64_t)p.lines_per_page * p.bytes_per_line, cpu1 - cpu0);
	EXPECT_EQ(dma0, dma1);
	stream_fini(&e);
}

/* Three pages of many bands: the counter moves by the sum of the payloads. */
TEST_F(dma, cpu_copied_moves_by_job_payload)
{
	struct mfpscan_params p;
	uint64_t cpu0, cpu1, dma0, dma1;
	struct stream_exp e;

	BODY_START();
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "cpu_copied_bytes", &cpu0));
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma0));
	p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_RGB24, 75,
			210000, 297000, 3, 48);
	ASSERT_STREAM_OK(run_job(self->fd, &p, 1, 3, &e), &e);
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "cpu_copied_bytes", &cpu1));
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma1));
	TH_LOG("%" PRIu64 " bands, %" PRIu64 " payload bytes read: cpu_copied_bytes +%"
	       PRIu64 ", dma_bytes +%" PRIu64, e.bands, e.payload,
	       cpu1 - cpu0, dma1 - dma0);
	EXPECT_LT(1, e.bands);
	EXPECT_EQ((uint64_t)3 * p.lines_per_page * p.bytes_per_line, e.payload);
	EXPECT_EQ(e.payload, cpu1 - cpu0);
	EXPECT_EQ(dma0, dma1);
	stream_fini(&e);
}

/*
 * The mapping of the ring shows the same bytes the kernel wrote through its
 * vmap() of the pages: the record at tail after a job, header and pattern.
 */
TEST_F(dma, mapped_pages_show_what_the_kernel_wrote)
{
	struct mfpscan_caps caps;
	struct mfpscan_params p;
	struct mfpscan_status st;
	const struct mfpscan_band *h;
	struct pattern pt;
	uint8_t *ring;
	char why[200];

	BODY_START();
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_CAPS, &caps);
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			40000, 10000, 1, 64);
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state(self->fd, MFPSCAN_STATE_DONE, 20000, &st));
	ring = mmap(NULL, caps.ring_bytes, PROT_READ, MAP_SHARED, self->fd,
		    MFPSCAN_MMAP_OFFSET_RING);
	ASSERT_NE(MAP_FAILED, ring);
	h = (const void *)(ring + (st.tail & (caps.ring_bytes - 1)));
	EXPECT_EQ(MFPSCAN_BAND_MAGIC, h->magic);
	EXPECT_EQ(BAND_HDR, h->header_bytes);
	EXPECT_EQ(p.lines_per_page * p.bytes_per_line, h->payload_bytes);
	ASSERT_EQ(0, pattern_init(&pt, p.bytes_per_line));
	EXPECT_TRUE(pattern_check(&pt, 0, 0, h->lines,
				  (const uint8_t *)h + h->header_bytes, why,
				  sizeof(why))) {
		TH_LOG("%s", why);
	}
	pattern_free(&pt);
	munmap(ring, caps.ring_bytes);
}

#define SIM_DMA_PARAM	"/sys/module/mfpscan_sim/parameters/dma_ring"

FIXTURE(dmaring) {
	struct sim sim;
	int fd;
};

FIXTURE_SETUP(dmaring)
{
	struct sim_cfg cfg = SIM_CFG(.adf_pages = 3);
	int ret;

	self->fd = -1;
	REQUIRE_SIM();
	ASSERT_EQ(0, file_write(SIM_DMA_PARAM, "1"));
	ret = sim_create(&self->sim, "dmaring", &cfg);
	file_write(SIM_DMA_PARAM, "0");
	ASSERT_EQ(0, ret);
	self->fd = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dmaring)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

TEST_F(dmaring, ring_is_mapped_on_the_sim_dma_device)
{
	char buf[64];

	BODY_START();
	ASSERT_EQ(0, core_dbg_read(&self->sim, "dma_device", buf, sizeof(buf)));
	EXPECT_STREQ("mfpscan-sim-dma", buf);
}

/* Page pieces of every size and offset: bands of 48 RGB lines at 75 dpi. */
TEST_F(dmaring, job_through_scatter_lists_is_byte_exact_and_copies_nothing)
{
	struct mfpscan_params p;
	uint64_t cpu0, cpu1, dma0, dma1;
	struct stream_exp e;

	BODY_START();
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "cpu_copied_bytes", &cpu0));
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma0));
	p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_RGB24, 75,
			210000, 297000, 3, 48);
	ASSERT_STREAM_OK(run_job(self->fd, &p, 1, 3, &e), &e);
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "cpu_copied_bytes", &cpu1));
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma1));
	TH_LOG("%" PRIu64 " bands, %" PRIu64 " payload bytes read: dma_bytes +%"
	       PRIu64 ", cpu_copied_bytes +%" PRIu64, e.bands, e.payload,
	       dma1 - dma0, cpu1 - cpu0);
	EXPECT_EQ((uint64_t)3 * p.lines_per_page * p.bytes_per_line, e.payload);
	EXPECT_EQ(e.payload, dma1 - dma0);
	EXPECT_EQ(cpu0, cpu1);
	stream_fini(&e);
}

/* The ring wraps several times (PAD records) with a small ring. */
TEST_F(dmaring, wrapping_ring_stays_byte_exact)
{
	struct mfpscan_params p;
	struct stream_exp e;
	uint64_t dma0, dma1;

	BODY_START();
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma0));
	p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 150,
			210000, 297000, 3, 37);
	ASSERT_STREAM_OK(run_job(self->fd, &p, 1, 3, &e), &e);
	ASSERT_EQ(0, core_dbg_u64(&self->sim, "dma_bytes", &dma1));
	EXPECT_EQ(e.payload, dma1 - dma0);
	stream_fini(&e);
}

/*
 * The engine goes away (its ring's DMA mapping ends, the DMA device is
 * released) while userspace maps the ring: the pages stay, the mapping
 * keeps showing the last record, and the debugfs directory is gone.
 */
TEST_F(dmaring, mapping_outlives_removal_and_dma_unmap)
{
	struct mfpscan_caps caps;
	struct mfpscan_params p;
	struct mfpscan_status st;
	const struct mfpscan_band *h;
	struct pattern pt;
	char why[200], path[256];
	uint8_t *ring;

	BODY_START();
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_CAPS, &caps);
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			40000, 10000, 1, 64);
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state(self->fd, MFPSCAN_STATE_DONE, 20000, &st));
	ring = mmap(NULL, caps.ring_bytes, PROT_READ, MAP_SHARED, self->fd,
		    MFPSCAN_MMAP_OFFSET_RING);
	ASSERT_NE(MAP_FAILED, ring);
	snprintf(path, sizeof(path), "%s/%s", CORE_DEBUGFS, self->sim.devname);
	ASSERT_EQ(0, access(path, F_OK));
	ASSERT_EQ(0, sim_set_live(&self->sim, 0));
	EXPECT_NE(0, access(path, F_OK));

	h = (const void *)(ring + (st.tail & (caps.ring_bytes - 1)));
	EXPECT_EQ(MFPSCAN_BAND_MAGIC, h->magic);
	EXPECT_EQ(p.lines_per_page * p.bytes_per_line, h->payload_bytes);
	ASSERT_EQ(0, pattern_init(&pt, p.bytes_per_line));
	EXPECT_TRUE(pattern_check(&pt, 0, 0, h->lines,
				  (const uint8_t *)h + h->header_bytes, why,
				  sizeof(why))) {
		TH_LOG("%s", why);
	}
	pattern_free(&pt);
	CLOSE_FD(self->fd);		/* the mapping is the last user */
	EXPECT_EQ(MFPSCAN_BAND_MAGIC, h->magic);
	munmap(ring, caps.ring_bytes);
}

TEST_HARNESS_MAIN
