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
 *  2. meanwhile, with the START seen still pending afterwards, other files
 *     go on: G_STATUS says SCANNING; a third file opens, G_PARAMS and
 *     S_PARAMS answer, its START gets EBUSY, it closes;
 *  3. the owner's ABORT answers (the START still pending before it) and
 *     ends the pending START: START returns 0, the job is ABORTED, and
 *     the owner reads its one record, the ABORTED error band;
 *  4. a second START pends the same way; the driver is unbound from
 *     INTERFACE (the disconnect path of an unplug, the device still there
 *     and mute): the unbind returns, the START fails with ENODEV (not with
 *     the request's timeout), the other file's G_STATUS gives ENODEV and
 *     the node is gone.
 *
 * Steps 2 and 3 fail when START holds the core's locks across the device
 * I/O (the third file's open() and the ABORT then wait for the 5 s
 * timeout, and the START ends with ETIMEDOUT before they answer).
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

/* A thread STARTs on @s->fd; 0 once it is seen pending, else 1. */
static int start_thread(struct starter *s, pthread_t *t)
{
	if (pthread_create(t, NULL, start_job, s))
		return fail("pthread_create", errno);
	if (!start_pending(s))
		return fail("START pending in ioctl()", 0);
	printf("START pending (the device does not answer)\n");
	return 0;
}

/* Step 2: other files go on while the START waits for the device. */
static int others_go_on(const char *dev, int other, struct starter *s)
{
	const char *what;
	int err;

	if (others_answer(dev, other, &what, &err))
		return fail(what, err);
	if (!start_pending(s))
		return fail("START still pending after the other files' calls", 0);
	printf("other files meanwhile: G_STATUS SCANNING, open, G_PARAMS, S_PARAMS, START EBUSY, close\n");
	return 0;
}

/* Step 3: the owner's ABORT ends the pending START; 0 if as documented. */
static int abort_pending(struct starter *s, pthread_t t)
{
	struct mfpscan_status st;
	struct mfpscan_band h;
	ssize_t n;
	int r;

	r = mfp_ioctl(s->fd, MFPSCAN_IOC_ABORT, NULL);
	if (r)
		return fail("the owner's ABORT while START is pending", -r);
	pthread_join(t, NULL);
	if (s->ret)
		return fail("START ended by ABORT, expected 0", -s->ret);
	r = mfp_status(s->fd, &st);
	if (r || st.state != MFPSCAN_STATE_ABORTED ||
	    st.error != MFPSCAN_ERR_ABORTED)
		return fail("state ABORTED after the ABORT", -r);
	n = read(s->fd, &h, sizeof(h));
	if (n != (ssize_t)sizeof(h) || h.error != MFPSCAN_ERR_ABORTED ||
	    !(h.flags & MFPSCAN_BAND_JOB_END))
		return fail("the owner reads the ABORTED error band", n < 0 ? errno : 0);
	printf("the owner's ABORT answered: START returned 0, job ABORTED, its error band read\n");
	return 0;
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
	if (start_thread(&s, &t) || others_go_on(argv[1], other, &s) ||
	    abort_pending(&s, t))
		return 1;

	if (start_thread(&s, &t))
		return 1;
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
