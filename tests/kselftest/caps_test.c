// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan capabilities: VERSION, G_CAPS of the sim engine (defaults and a
 * configured instance), the class device's sysfs attributes and counters,
 * and the sim's configfs attributes (defaults, -EBUSY while live, ranges,
 * live=0/1 creating and removing the device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(caps) {
	struct sim sim;
	int fd;
};

FIXTURE_VARIANT(caps) {
	const char *model;	/* NULL: default */
	const char *serial;
	int can_stall;
	int ring_kib;
};

FIXTURE_VARIANT_ADD(caps, defaults) {
	.model = NULL, .serial = NULL, .can_stall = -1, .ring_kib = -1,
};

FIXTURE_VARIANT_ADD(caps, configured) {
	.model = "ACME-9000", .serial = "SN-0042", .can_stall = 0, .ring_kib = 64,
};

FIXTURE_VARIANT_ADD(caps, largest_ring) {
	.model = "M", .serial = "S", .can_stall = 1, .ring_kib = 65536,
};

FIXTURE_SETUP(caps)
{
	struct sim_cfg cfg = SIM_CFG(.model = variant->model,
				     .serial = variant->serial,
				     .can_stall = variant->can_stall,
				     .ring_kib = variant->ring_kib);

	self->fd = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "caps", &cfg, &self->fd);
}

FIXTURE_TEARDOWN(caps)
{
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

TEST_F(caps, version)
{
	struct mfpscan_version v;

	BODY_START();
	memset(&v, 0xff, sizeof(v));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_VERSION, &v);
	EXPECT_EQ(MFPSCAN_ABI_MAJOR, v.major);
	EXPECT_LE(MFPSCAN_ABI_MINOR, v.minor);
	EXPECT_EQ(0, v.reserved[0]);
	EXPECT_EQ(0, v.reserved[1]);
}

TEST_F(caps, g_caps)
{
	static const __u32 res[] = { 75, 150, 200, 300, 600 };
	int stall = variant->can_stall < 0 ? 1 : variant->can_stall;
	int kib = variant->ring_kib < 0 ? 4096 : variant->ring_kib;
	struct mfpscan_caps c;
	unsigned int i;

	BODY_START();
	memset(&c, 0xa5, sizeof(c));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_G_CAPS, &c);
	ASSERT_NE(NULL, memchr(c.model, 0, sizeof(c.model)));
	ASSERT_NE(NULL, memchr(c.serial, 0, sizeof(c.serial)));
	EXPECT_STREQ(variant->model ? variant->model : "MFP-SIM", (char *)c.model);
	EXPECT_STREQ(variant->serial ? variant->serial : self->sim.name,
		     (char *)c.serial);
	EXPECT_EQ((1U << MFPSCAN_SOURCE_FLATBED) | (1U << MFPSCAN_SOURCE_ADF) |
		  (1U << MFPSCAN_SOURCE_ADF_DUPLEX), c.sources);
	EXPECT_EQ((1U << MFPSCAN_MODE_MONO1) | (1U << MFPSCAN_MODE_GRAY8) |
		  (1U << MFPSCAN_MODE_RGB24), c.color_modes);
	ASSERT_EQ(5, c.n_resolutions);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(res[i], c.resolutions[i]);
	for (; i < MFPSCAN_MAX_RESOLUTIONS; i++)
		EXPECT_EQ(0, c.resolutions[i]);
	EXPECT_EQ(215900, c.max_width_um);
	EXPECT_EQ(355600, c.max_height_um);
	EXPECT_EQ(1, c.min_band_lines);
	EXPECT_EQ(256, c.max_band_lines);
	EXPECT_EQ(50, c.adf_capacity);
	EXPECT_EQ((__u32)kib * 1024, c.ring_bytes);
	EXPECT_EQ(stall ? MFPSCAN_CAP_CAN_STALL : 0, c.flags);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0, c.reserved[i]);
}

TEST_F(caps, bad_pointers_efault)
{
	BODY_START();
	ASSERT_IOCTL_ERR(EFAULT, self->fd, MFPSCAN_IOC_VERSION, NULL);
	ASSERT_IOCTL_ERR(EFAULT, self->fd, MFPSCAN_IOC_G_CAPS, (void *)1);
	ASSERT_IOCTL_ERR(EFAULT, self->fd, MFPSCAN_IOC_G_STATUS, NULL);
	ASSERT_IOCTL_ERR(EFAULT, self->fd, MFPSCAN_IOC_S_PARAMS, (void *)-4096L);
	ASSERT_IOCTL_ERR(EFAULT, self->fd, MFPSCAN_IOC_G_PARAMS, NULL);
	ASSERT_IOCTL_ERR(EFAULT, self->fd, MFPSCAN_IOC_SYNC_PTR, (void *)16);
}

TEST_F(caps, unknown_ioctl_enotty)
{
	__u32 buf[64];

	BODY_START();
	memset(buf, 0, sizeof(buf));
	ASSERT_IOCTL_ERR(ENOTTY, self->fd, _IO(MFPSCAN_IOC_MAGIC, 0x7f), NULL);
	ASSERT_IOCTL_ERR(ENOTTY, self->fd, _IO(MFPSCAN_IOC_MAGIC, 0x0a), NULL);
	/* a known number with the wrong size or direction is unknown too */
	ASSERT_IOCTL_ERR(ENOTTY, self->fd, _IOR(MFPSCAN_IOC_MAGIC, 0x01, __u32), buf);
	ASSERT_IOCTL_ERR(ENOTTY, self->fd, _IOW(MFPSCAN_IOC_MAGIC, 0x06,
						struct mfpscan_status), buf);
	ASSERT_IOCTL_ERR(ENOTTY, self->fd, _IO(0x42, 0x04), NULL);
}

static void expect_sysfs(struct __test_metadata *_metadata, const struct sim *s,
			 const char *attr, const char *want)
{
	char buf[128];
	int err = sim_sys_read(s, attr, buf, sizeof(buf));

	ASSERT_EQ(0, err) {
		TH_LOG("read %s/%s: %s", s->sysdir, attr, strerror(-err));
	}
	EXPECT_STREQ(want, buf) {
		TH_LOG("sysfs %s", attr);
	}
}

TEST_F(caps, sysfs_attributes_and_counters)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 75, 20000,
					      20000, 1, 16);
	static const char *const zero[] = { "pages", "bands", "bytes",
					    "overruns", "errors" };
	struct mfpscan_status st;
	struct stream_exp e;
	char want[64];
	uint64_t v;
	unsigned int i;

	BODY_START();
	expect_sysfs(_metadata, &self->sim, "model",
		     variant->model ? variant->model : "MFP-SIM");
	expect_sysfs(_metadata, &self->sim, "serial",
		     variant->serial ? variant->serial : self->sim.name);
	expect_sysfs(_metadata, &self->sim, "state", "idle");
	for (i = 0; i < 5; i++)
		expect_sysfs(_metadata, &self->sim, zero[i], "0");

	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 20), &e);

	ASSERT_EQ(0, mfp_status(self->fd, &st));
	EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
	EXPECT_EQ(MFPSCAN_ERR_NONE, st.error);
	EXPECT_EQ(1, st.job);
	EXPECT_EQ(1, st.pages);
	EXPECT_EQ(e.bands, st.bands);
	EXPECT_EQ(e.payload, st.bytes);
	EXPECT_EQ(0, st.overruns);
	EXPECT_EQ(0, st.errors);
	EXPECT_EQ(st.head, st.tail);
	expect_sysfs(_metadata, &self->sim, "state", "done");
	expect_sysfs(_metadata, &self->sim, "pages", "1");
	snprintf(want, sizeof(want), "%llu", (unsigned long long)e.bands);
	expect_sysfs(_metadata, &self->sim, "bands", want);
	ASSERT_EQ(0, sim_sys_u64(&self->sim, "bytes", &v));
	EXPECT_EQ(e.payload, v);
	EXPECT_EQ((uint64_t)p.lines_per_page * p.bytes_per_line, v);
	expect_sysfs(_metadata, &self->sim, "overruns", "0");
	expect_sysfs(_metadata, &self->sim, "errors", "0");
	stream_fini(&e);
}

TEST_F(caps, configfs_attributes_while_live)
{
	static const char *const attrs[] = { "model", "serial", "line_rate",
					     "adf_pages", "can_stall", "ring_kib" };
	char buf[64];
	unsigned int i;
	int err;

	BODY_START();
	ASSERT_EQ(0, sim_cfg_read(&self->sim, "live", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	ASSERT_EQ(0, sim_cfg_read(&self->sim, "devname", buf, sizeof(buf)));
	EXPECT_STREQ(self->sim.devname, buf);
	EXPECT_EQ(0, strncmp(buf, "mfpscan", 7));
	if (!variant->model) {
		ASSERT_EQ(0, sim_cfg_read(&self->sim, "model", buf, sizeof(buf)));
		EXPECT_STREQ("MFP-SIM", buf);
		ASSERT_EQ(0, sim_cfg_read(&self->sim, "serial", buf, sizeof(buf)));
		EXPECT_STREQ(self->sim.name, buf);
		ASSERT_EQ(0, sim_cfg_read(&self->sim, "line_rate", buf, sizeof(buf)));
		EXPECT_STREQ("0", buf);
		ASSERT_EQ(0, sim_cfg_read(&self->sim, "adf_pages", buf, sizeof(buf)));
		EXPECT_STREQ("10", buf);
		ASSERT_EQ(0, sim_cfg_read(&self->sim, "can_stall", buf, sizeof(buf)));
		EXPECT_STREQ("1", buf);
		ASSERT_EQ(0, sim_cfg_read(&self->sim, "ring_kib", buf, sizeof(buf)));
		EXPECT_STREQ("4096", buf);
	}
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		err = sim_cfg_write(&self->sim, attrs[i], "1\n");
		EXPECT_EQ(-EBUSY, err) {
			TH_LOG("writing %s while live: %s", attrs[i],
			       err ? strerror(-err) : "accepted");
		}
	}
}

TEST_F(caps, configfs_ranges_and_live_toggle)
{
	static const char *const bad_kib[] = { "0\n", "32\n", "63\n", "100\n",
					       "131072\n", "-64\n", "x\n" };
	struct mfpscan_caps c;
	char path[256], buf[64];
	unsigned int i;
	int err, fd2;

	BODY_START();
	CLOSE_FD(self->fd);
	ASSERT_EQ(0, sim_set_live(&self->sim, 0));
	ASSERT_NE(0, access(self->sim.devpath, F_OK)) {
		TH_LOG("%s still exists after live=0", self->sim.devpath);
	}
	snprintf(path, sizeof(path), "%s/state", self->sim.sysdir);
	ASSERT_NE(0, access(path, F_OK));
	for (i = 0; i < sizeof(bad_kib) / sizeof(bad_kib[0]); i++) {
		err = sim_cfg_write(&self->sim, "ring_kib", bad_kib[i]);
		EXPECT_EQ(-EINVAL, err) {
			TH_LOG("ring_kib %.*s: %s", (int)strlen(bad_kib[i]) - 1,
			       bad_kib[i], err ? strerror(-err) : "accepted");
		}
	}
	err = sim_cfg_write(&self->sim, "can_stall", "2\n");
	EXPECT_EQ(-EINVAL, err);
	/* more sheets than the ADF holds; 2^31 sheets wrapped duplex pages */
	err = sim_cfg_write(&self->sim, "adf_pages", "51\n");
	EXPECT_EQ(-EINVAL, err);
	err = sim_cfg_write(&self->sim, "adf_pages", "2147483648\n");
	EXPECT_EQ(-EINVAL, err);
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "ring_kib", "65536\n"));
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "ring_kib", "64\n"));
	ASSERT_EQ(0, sim_cfg_read(&self->sim, "ring_kib", buf, sizeof(buf)));
	EXPECT_STREQ("64", buf);
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "model", "Renamed\n"));
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "adf_pages", "3\n"));
	ASSERT_EQ(0, sim_set_live(&self->sim, 1));
	fd2 = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, fd2);
	self->fd = fd2;
	ASSERT_IOCTL_OK(fd2, MFPSCAN_IOC_G_CAPS, &c);
	EXPECT_EQ(64 * 1024, c.ring_bytes);
	EXPECT_STREQ("Renamed", (char *)c.model);
}

TEST_F(caps, two_instances_distinct_devices)
{
	struct sim other;
	int err;

	BODY_START();
	err = sim_create(&other, "caps2", NULL);
	ASSERT_EQ(0, err) {
		TH_LOG("second instance: %s", strerror(-err));
	}
	EXPECT_STRNE(self->sim.devname, other.devname);
	sim_destroy(&other);
	EXPECT_NE(0, access(other.devpath, F_OK));
	EXPECT_EQ(0, access(self->sim.devpath, F_OK));
}

TEST_F(caps, eight_instances_scan_independently)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_MONO1, 75, 30000,
					      20000, 1, 8);
	struct sim s[8];
	struct stream_exp e;
	int fd[8], i, j, err;

	BODY_START();
	for (i = 0; i < 8; i++) {
		err = sim_create(&s[i], "many", NULL);
		ASSERT_EQ(0, err) {
			TH_LOG("instance %d: %s", i, strerror(-err));
		}
		for (j = 0; j < i; j++)
			EXPECT_STRNE(s[j].devname, s[i].devname);
		fd[i] = sim_open(&s[i], O_RDWR);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, params_set(fd[i], &p));
	}
	/* all eight run at once; each stream is its own job 1 */
	for (i = 0; i < 8; i++)
		ASSERT_IOCTL_OK(fd[i], MFPSCAN_IOC_START, NULL);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
		ASSERT_STREAM_OK(read_job(fd[i], &e, 1 << 16), &e);
		stream_fini(&e);
		close(fd[i]);
	}
	for (i = 0; i < 8; i++)
		sim_destroy(&s[i]);
}

TEST_F(caps, debugfs_garbage_rejected)
{
	static const char *const files[] = { "jam", "sensor_error", "cover_open",
					     "no_paper", "button" };
	static const char *const junk[] = { "abc\n", "\n", "1 x\n", "x 1\n" };
	unsigned int i, j;
	int err;

	BODY_START();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
			err = sim_dbg_write(&self->sim, files[i], junk[j]);
			EXPECT_NE(0, err) {
				TH_LOG("%s accepted \"%.*s\"", files[i],
				       (int)strlen(junk[j]) - 1, junk[j]);
			}
		}
}

TEST_HARNESS_MAIN
