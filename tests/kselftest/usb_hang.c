// SPDX-License-Identifier: GPL-2.0
/*
 * usb_hang DEV INTERFACE: a USB engine that stops answering control
 * requests holds neither unplug nor other files hostage (issue 12, item
 * 7), against the emulator run with --mute-control (it answers no vendor
 * request from the first SET_PARAMS on; tests/vm/guest-usb.sh, group
 * "control"):
 *
 *  1. a thread STARTs a job on one file: the driver's SET_PARAMS is never
 *     answered; the thread is seen inside ioctl(), twice 0.1 s apart;
 *  2. another open file's G_STATUS answers meanwhile (the START still
 *     pending afterwards);
 *  3. the driver is unbound from INTERFACE (the disconnect path of an
 *     unplug, the device still there and mute): the unbind returns, the
 *     START fails with ENODEV (not with the request's timeout), the other
 *     file's G_STATUS gives ENODEV and the node is gone.
 *
 * A disconnect that waited for the mute request would show as a START
 * failing with ETIMEDOUT, or, for longer waits, as a hung task in the
 * kernel log (the guest script fails on it). Exit status 0 only if all
 * of the above held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mfpscan_util.h"

#define UNBIND	"/sys/bus/usb/drivers/mfpscan_usb/unbind"

struct starter {
	int fd;
	int tid;
	int ret;			/* START's 0 or -errno */
	volatile int running;
};

static void *start_job(void *arg)
{
	struct starter *s = arg;

	s->tid = (int)syscall(SYS_gettid);
	__atomic_store_n(&s->running, 1, __ATOMIC_RELEASE);
	s->ret = mfp_ioctl(s->fd, MFPSCAN_IOC_START, NULL);
	__atomic_store_n(&s->running, 0, __ATOMIC_RELEASE);
	return NULL;
}

/* The START thread sleeps in ioctl(), seen twice 0.1 s apart; up to 60 s. */
static bool start_pending(struct starter *s)
{
	int i;

	for (i = 0; i < 600; i++) {
		if (__atomic_load_n(&s->running, __ATOMIC_ACQUIRE) &&
		    thread_in_syscall(s->tid, SYS_ioctl)) {
			msleep(100);
			if (thread_in_syscall(s->tid, SYS_ioctl))
				return true;
		}
		msleep(100);
	}
	return false;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "usb_hang: %s: %s\n", what, err ? strerror(err) : "no");
	return 1;
}

int main(int argc, char **argv)
{
	struct mfpscan_params p;
	struct mfpscan_status st;
	struct starter s = { 0 };
	pthread_t t;
	int other, r;

	if (argc != 3) {
		fprintf(stderr, "usage: usb_hang DEV INTERFACE\n");
		return 2;
	}
	s.fd = open(argv[1], O_RDWR);
	other = open(argv[1], O_RDWR);
	if (s.fd < 0 || other < 0)
		return fail(argv[1], errno);
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75, 20000,
			20000, 1, 8);
	r = params_set(s.fd, &p);
	if (r)
		return fail("S_PARAMS", -r);
	if (pthread_create(&t, NULL, start_job, &s))
		return fail("pthread_create", errno);
	if (!start_pending(&s))
		return fail("START pending in ioctl()", 0);
	printf("START pending (the device does not answer)\n");

	r = mfp_status(other, &st);
	if (r)
		return fail("G_STATUS of another file while START is pending", -r);
	if (!start_pending(&s))
		return fail("START still pending after the other file's G_STATUS", 0);
	printf("another file's G_STATUS answered meanwhile: state %s\n",
	       state_name(st.state));

	r = file_write(UNBIND, argv[2]);
	if (r)
		return fail("unbind", -r);
	printf("unbind of %s returned\n", argv[2]);
	pthread_join(t, NULL);
	if (s.ret != -ENODEV) {
		fprintf(stderr, "usb_hang: START: %s, expected ENODEV\n",
			s.ret ? strerror(-s.ret) : "success");
		return 1;
	}
	printf("START failed with ENODEV\n");
	r = mfp_status(other, &st);
	if (r != -ENODEV)
		return fail("G_STATUS after the unbind, expected ENODEV", -r);
	if (access(argv[1], F_OK) == 0 || errno != ENOENT)
		return fail("the node is still there", 0);
	printf("the other file sees ENODEV, the node is gone\n");
	close(other);
	close(s.fd);
	return 0;
}
