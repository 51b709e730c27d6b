// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan scan-button uevent: writing n to the sim's debugfs "button" file
 * sends a KOBJ_CHANGE uevent on the class device with MFPSCAN_EVENT=button
 * and MFPSCAN_PROFILE=n, received here on a NETLINK_KOBJECT_UEVENT socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(uev) {
	struct sim sim;
	int fd, nl;
};

FIXTURE_SETUP(uev)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval tv = { .tv_sec = 10 };
	int sz = 1 << 20;

	self->fd = self->nl = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "uevent", NULL, &self->fd);
	self->nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			  NETLINK_KOBJECT_UEVENT);
	ASSERT_LE(0, self->nl);
	ASSERT_EQ(0, setsockopt(self->nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	setsockopt(self->nl, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	ASSERT_EQ(0, bind(self->nl, (struct sockaddr *)&sa, sizeof(sa)));
}

FIXTURE_TEARDOWN(uev)
{
	CLOSE_FD(self->nl);
	CLOSE_FD(self->fd);
	sim_destroy(&self->sim);
}

/* Value of KEY in a NUL-separated uevent, or NULL. */
static const char *uev_get(const char *msg, size_t len, const char *key)
{
	size_t klen = strlen(key), off = 0;

	while (off < len) {
		const char *s = msg + off;
		size_t n = strnlen(s, len - off);

		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=')
			return s + klen + 1;
		off += n + 1;
	}
	return NULL;
}

/* Wait for a button uevent of our device; returns its profile or -errno. */
static int wait_button(int nl, const char *devname, char *action, size_t alen)
{
	char msg[8192], suffix[64];
	int tries;

	snprintf(suffix, sizeof(suffix), "/%s", devname);
	for (tries = 0; tries < 1000; tries++) {
		ssize_t n = recv(nl, msg, sizeof(msg) - 1, 0);
		const char *dp, *ev, *prof, *sub, *act;

		if (n < 0)
			return -errno;
		msg[n] = '\0';
		dp = uev_get(msg, (size_t)n, "DEVPATH");
		ev = uev_get(msg, (size_t)n, "MFPSCAN_EVENT");
		if (!dp || !ev || strlen(dp) < strlen(suffix) ||
		    strcmp(dp + strlen(dp) - strlen(suffix), suffix))
			continue;
		sub = uev_get(msg, (size_t)n, "SUBSYSTEM");
		act = uev_get(msg, (size_t)n, "ACTION");
		prof = uev_get(msg, (size_t)n, "MFPSCAN_PROFILE");
		if (!sub || strcmp(sub, "mfpscan") || strcmp(ev, "button") || !prof)
			return -EPROTO;
		snprintf(action, alen, "%s", act ? act : "");
		{
			char *end;
			long v = strtol(prof, &end, 10);

			return (end == prof || *end || v < 0) ? -EPROTO : (int)v;
		}
	}
	return -ETIMEDOUT;
}

TEST_F(uev, button_profiles)
{
	static const int profiles[] = { 3, 0, 7, 42 };
	char action[32], val[16];
	unsigned int i;
	int got;

	BODY_START();
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		snprintf(val, sizeof(val), "%d\n", profiles[i]);
		ASSERT_EQ(0, sim_dbg_write(&self->sim, "button", val));
		got = wait_button(self->nl, self->sim.devname, action, sizeof(action));
		ASSERT_EQ(profiles[i], got) {
			TH_LOG("button %d: %s", profiles[i],
			       got < 0 ? strerror(-got) : "wrong profile");
		}
		EXPECT_STREQ("change", action);
	}
}

TEST_F(uev, button_while_scanning)
{
	struct mfpscan_params p = params_make(MFPSCAN_SOURCE_FLATBED,
					      MFPSCAN_MODE_GRAY8, 75, 20000,
					      20000, 1, 8);
	struct stream_exp e;
	char action[32];

	BODY_START();
	ASSERT_EQ(0, params_set(self->fd, &p));
	ASSERT_IOCTL_OK(self->fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, sim_dbg_write(&self->sim, "button", "5\n"));
	ASSERT_EQ(5, wait_button(self->nl, self->sim.devname, action, sizeof(action)));
	ASSERT_EQ(0, stream_init(&e, &p, 1, 1));
	ASSERT_STREAM_OK(read_job(self->fd, &e, 1 << 16), &e);
	stream_fini(&e);
}

TEST_HARNESS_MAIN
