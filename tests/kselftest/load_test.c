// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan module lifetime: the core (mfpscan.ko) and the sim engine
 * (mfpscan_sim.ko, next to it) load and unload as a pair, the engine first.
 * rmmod of the core is refused while a file is open (even after its engine
 * was removed) and works once it is closed; the engine's module goes once
 * its instances are gone, open files or not (like an unplugged USB engine);
 * 100 load/unload cycles with live instances (insmod, mkdir, live=1, a
 * quick byte-exact scan, live=0 or rmdir of the live instance, rmmod), some
 * with a job still running when the file is closed, some with two
 * instances. Needs MFPSCAN_KO=path/to/mfpscan.ko; leaves both loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(load) {
	const char *ko;
	struct sim sim[2];
	int fd[2];
};

static bool mod_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* The core module is loaded. */
static bool loaded(void)
{
	return mod_loaded("mfpscan");
}

static int insmod_one(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

/* The core @ko, then mfpscan_sim.ko from the same directory. */
static int insmod(const char *ko)
{
	char dir[PATH_MAX], sim[PATH_MAX + 32];
	int r = 0;

	snprintf(dir, sizeof(dir), "%s", ko);
	snprintf(sim, sizeof(sim), "%s/mfpscan_sim.ko", dirname(dir));
	if (!loaded())
		r = insmod_one(ko);
	if (!r && !mod_loaded("mfpscan_sim"))
		r = insmod_one(sim);
	return r;
}

static int rmmod_one(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* The engine, then the core; the first error. */
static int rmmod(void)
{
	int r = 0;

	if (mod_loaded("mfpscan_sim"))
		r = rmmod_one("mfpscan_sim");
	return r ? r : rmmod_one("mfpscan");
}

/* rmmod, allowing module references dropped just after close() to settle */
static int rmmod_settled(void)
{
	int i, r = rmmod();

	for (i = 0; i < 100 && (r == -EAGAIN || r == -EBUSY); i++) {
		msleep(10);
		r = rmmod();
	}
	return r;
}

FIXTURE_SETUP(load)
{
	struct stat st;
	int err;

	self->fd[0] = self->fd[1] = -1;
	self->ko = getenv(ENV_KO);
	if (!self->ko || stat(self->ko, &st)) {
		if (sim_strict())
			ASSERT_TRUE(false) {
				TH_LOG("%s not set or missing", ENV_KO);
			}
		SKIP(return, "%s not set or missing", ENV_KO);
	}
	if (!loaded()) {
		err = insmod(self->ko);
		ASSERT_EQ(0, err) {
			TH_LOG("insmod %s: %s", self->ko, strerror(-err));
		}
	}
	REQUIRE_SIM();
}

FIXTURE_TEARDOWN(load)
{
	CLOSE_FD(self->fd[0]);
	CLOSE_FD(self->fd[1]);
	sim_destroy(&self->sim[0]);
	sim_destroy(&self->sim[1]);
	if (self->ko && !loaded())
		insmod(self->ko);
}

TEST_F(load, rmmod_refused_while_file_open)
{
	int err;

	BODY_START();
	SIM_UP(&self->sim[0], "load", NULL, &self->fd[0]);
	err = rmmod();
	EXPECT_TRUE(err == -EAGAIN || err == -EBUSY) {
		TH_LOG("rmmod with a live instance and an open file: %s",
		       err ? strerror(-err) : "succeeded");
	}
	ASSERT_TRUE(loaded());
	/* the engine goes away, the file stays open: still refused */
	sim_destroy(&self->sim[0]);
	err = rmmod_one("mfpscan_sim");
	EXPECT_EQ(0, err) {
		TH_LOG("rmmod mfpscan_sim without instances, a file open: %s",
		       strerror(-err));
	}
	err = rmmod();
	EXPECT_TRUE(err == -EAGAIN || err == -EBUSY) {
		TH_LOG("rmmod with an open file of a removed engine: %s",
		       err ? strerror(-err) : "succeeded");
	}
	ASSERT_TRUE(loaded());
	EXPECT_EQ(-ENODEV, mfp_ioctl(self->fd[0], MFPSCAN_IOC_START, NULL));
	CLOSE_FD(self->fd[0]);
	err = rmmod_settled();
	ASSERT_EQ(0, err) {
		TH_LOG("rmmod after close: %s", strerror(-err));
	}
	ASSERT_FALSE(loaded());
	ASSERT_EQ(0, insmod(self->ko));
}

TEST_F(load, mapping_pins_module)
{
	long pg = sysconf(_SC_PAGESIZE);
	const volatile struct mfpscan_mmap_status *st;
	void *m;
	int err;

	BODY_START();
	SIM_UP(&self->sim[0], "loadmap", NULL, &self->fd[0]);
	m = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, self->fd[0],
		 MFPSCAN_MMAP_OFFSET_STATUS);
	ASSERT_NE(MAP_FAILED, m);
	st = m;
	CLOSE_FD(self->fd[0]);
	sim_destroy(&self->sim[0]);
	/* only the mapping is left: the module must stay */
	err = rmmod();
	EXPECT_TRUE(err == -EAGAIN || err == -EBUSY) {
		TH_LOG("rmmod with a live mapping: %s", err ? strerror(-err) : "succeeded");
	}
	ASSERT_TRUE(loaded());
	EXPECT_EQ(MFPSCAN_STATE_GONE, st->state);
	munmap(m, (size_t)pg);
	err = rmmod_settled();
	ASSERT_EQ(0, err) {
		TH_LOG("rmmod after munmap: %s", strerror(-err));
	}
	ASSERT_EQ(0, insmod(self->ko));
}

TEST_F(load, rmmod_with_idle_instance_refused_or_clean)
{
	char path[256];
	int err;

	BODY_START();
	snprintf(path, sizeof(path), "%s/ksft-idle-%d", SIM_CONFIGFS, (int)getpid());
	ASSERT_EQ(0, mkdir(path, 0755));
	err = rmmod();
	if (err) {
		EXPECT_TRUE(err == -EAGAIN || err == -EBUSY) {
			TH_LOG("rmmod with an idle instance: %s", strerror(-err));
		}
		ASSERT_EQ(0, rmdir(path));
		err = rmmod_settled();
		ASSERT_EQ(0, err);
	} else {
		/* unloaded: the subsystem and its instance must be gone */
		EXPECT_NE(0, access(path, F_OK));
		EXPECT_NE(0, access(SIM_CONFIGFS, F_OK));
	}
	ASSERT_FALSE(loaded());
	ASSERT_EQ(0, insmod(self->ko));
}

static void quick_scan(struct __test_metadata *_metadata, int fd, int cycle)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      (__u32)cycle % 3, 75, 20000,
					      10000, 1, 8);
	struct stream_exp e;

	ASSERT_EQ(0, params_set(fd, &p));
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
	ASSERT_STREAM_OK(read_job(fd, &e, 1 << 16), &e);
	stream_fini(&e);
}

TEST_F_TIMEOUT(load, hundred_load_unload_cycles, 600)
{
	struct sim_cfg stall = SIM_CFG(.ring_kib = 64);
	struct mfpscan_params big = params_make(MFPSCAN_SOURCE_ADF,
						MFPSCAN_MODE_GRAY8, 75, 210000,
						297000, 5, 16);
	int i, err;

	BODY_START();
	for (i = 0; i < 100; i++) {
		if (loaded()) {
			err = rmmod_settled();
			ASSERT_EQ(0, err) {
				TH_LOG("cycle %d: rmmod: %s", i, strerror(-err));
			}
		}
		err = insmod(self->ko);
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %d: insmod: %s", i, strerror(-err));
		}
		SIM_UP(&self->sim[0], "cyc", i % 4 == 2 ? &stall : NULL, &self->fd[0]);
		switch (i % 4) {
		case 0:		/* plain: scan, close, live=0, rmdir */
			quick_scan(_metadata, self->fd[0], i);
			CLOSE_FD(self->fd[0]);
			sim_destroy(&self->sim[0]);
			break;
		case 1:		/* rmdir of a live instance */
			quick_scan(_metadata, self->fd[0], i);
			CLOSE_FD(self->fd[0]);
			ASSERT_EQ(0, rmdir(self->sim[0].cfgdir));
			self->sim[0].created = false;
			break;
		case 2:		/* job stalled on a full ring when the file closes */
			ASSERT_EQ(0, params_set(self->fd[0], &big));
			ASSERT_IOCTL_OK(self->fd[0], MFPSCAN_IOC_START, NULL);
			CLOSE_FD(self->fd[0]);
			sim_destroy(&self->sim[0]);
			break;
		case 3:		/* two instances, removed while a file is open */
			SIM_UP(&self->sim[1], "cyc2", NULL, &self->fd[1]);
			quick_scan(_metadata, self->fd[1], i);
			quick_scan(_metadata, self->fd[0], i + 1);
			sim_destroy(&self->sim[0]);
			sim_destroy(&self->sim[1]);
			CLOSE_FD(self->fd[0]);
			CLOSE_FD(self->fd[1]);
			break;
		}
		err = rmmod_settled();
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %d: rmmod: %s", i, strerror(-err));
		}
		ASSERT_FALSE(loaded());
	}
	ASSERT_EQ(0, insmod(self->ko));
}

TEST_HARNESS_MAIN
