/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the kselftest harness and mfpscan_util: the device-presence
 * rule (SKIP when the module is absent, FAIL when the guest script says it
 * must be there) and small assertion helpers. Include after
 * kselftest_harness.h.
 */
#ifndef KSFT_MFPSCAN_H
#define KSFT_MFPSCAN_H

#include "mfpscan_util.h"

/*
 * In a FIXTURE_SETUP: skip (or fail under MFPSCAN_KSFT_STRICT) when the sim
 * configfs subsystem is absent. The 6.1 harness still runs the body after a
 * SKIP in setup, so every body starts with BODY_START().
 */
#define REQUIRE_SIM() do {						\
	if (!sim_available()) {						\
		if (sim_strict())					\
			ASSERT_TRUE(sim_available()) {			\
				TH_LOG("%s missing: mfpscan.ko not loaded", \
				       SIM_CONFIGFS);			\
			}						\
		SKIP(return, "mfpscan.ko not loaded (%s absent)", SIM_CONFIGFS); \
	}								\
} while (0)

#define BODY_START() do { if (_metadata->skip) return; } while (0)

/* Create a sim instance and open it; asserts on failure. */
#define SIM_UP(s, tag, cfgp, fdp) do {					\
	int __e = sim_create((s), (tag), (cfgp));			\
	ASSERT_EQ(0, __e) {						\
		TH_LOG("sim_create(%s): %s", (s)->name, strerror(-__e)); \
	}								\
	*(fdp) = sim_open((s), O_RDWR);					\
	ASSERT_LE(0, *(fdp)) {						\
		TH_LOG("open %s: %s", (s)->devpath, strerror(-*(fdp)));	\
	}								\
} while (0)

/* ioctl expected to fail with errno err */
#define ASSERT_IOCTL_ERR(err, fd, cmd, arg) do {			\
	int __r = mfp_ioctl((fd), (cmd), (arg));			\
	ASSERT_EQ(-(err), __r) {					\
		TH_LOG("%s: expected %s, got %s", #cmd, strerror(err),	\
		       __r ? strerror(-__r) : "success");		\
	}								\
} while (0)

#define ASSERT_IOCTL_OK(fd, cmd, arg) do {				\
	int __r = mfp_ioctl((fd), (cmd), (arg));			\
	ASSERT_EQ(0, __r) {						\
		TH_LOG("%s: %s", #cmd, strerror(-__r));			\
	}								\
} while (0)

#define ASSERT_STREAM_OK(expr, e) do {					\
	int __r = (expr);						\
	ASSERT_EQ(0, __r) {						\
		TH_LOG("%s: %s", #expr, (e)->why);			\
	}								\
} while (0)

#define CLOSE_FD(fd) do { if ((fd) > 0) close(fd); (fd) = -1; } while (0)

#endif /* KSFT_MFPSCAN_H */
