// SPDX-License-Identifier: GPL-2.0
/*
 * usb_panel_hang DEV INTERFACE: a panel write to a USB engine that stops
 * answering control requests holds up no other file, and an unplug ends
 * it (issue 12: SET_PANEL without the core's locks), against the
 * emulator run with --mute-control (it answers no vendor request from
 * the first SET_PARAMS on; tests/vm/guest-usb.sh, group "control"):
 *
 *  1. a thread STARTs a job on one file: its SET_PARAMS mutes the device;
 *     the thread is seen inside ioctl(), twice 0.1 s apart;
 *  2. a thread writes panel_message: the driver's SET_PANEL is never
 *     answered; the thread is seen inside write(), twice 0.1 s apart;
 *  3. meanwhile another file's G_STATUS says SCANNING; a third file
 *     opens, G_PARAMS and S_PARAMS answer, its START gets EBUSY (the
 *     first job runs), it closes; both the panel write and the START are
 *     seen still pending afterwards;
 *  4. the owner's ABORT answers and ends the pending START (START returns
 *     0, the job is ABORTED) but not the panel write, seen still pending
 *     after it: the panel belongs to no job;
 *  5. the driver is unbound from INTERFACE (the disconnect path of an
 *     unplug, the device still there and mute): the unbind returns, the
 *     panel write fails with ENODEV (not with its request's timeout), the
 *     node is gone.
 *
 * Step 3 fails when the panel write holds the core's I/O mutex across the
 * device I/O: the third file's open() waits until the SET_PANEL request
 * times out (5 s after the START's own request timed out), and by then
 * the START (ETIMEDOUT) and the panel write (ETIMEDOUT) have returned.
 * Step 4 fails when the ABORT's stop waits for the driver's control work
 * to send the panel's request after the cancelled START's (the ABORT
 * then returns with the request's timeout, and the write with it).
 * Exit status 0 only if all of the above held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mfpscan_util.h"

#define UNBIND	"/sys/bus/usb/drivers/mfpscan_usb/unbind"
#define MESSAGE	"Sent to alice@nextcloud"

/* A thread in one blocking call: START (ioctl) or the panel write. */
struct caller {
	int fd;				/* START: the file */
	char path[PATH_MAX];		/* panel: panel_message */
	long nr;			/* the system call it sleeps in */
	int tid;
	int ret;			/* the call's 0 or -errno */
	volatile int running;
	volatile int done;		/* the call returned */
};

static void *start_job(void *arg)
{
	struct caller *c = arg;

	c->tid = (int)syscall(SYS_gettid);
	__atomic_store_n(&c->running, 1, __ATOMIC_RELEASE);
	c->ret = mfp_ioctl(c->fd, MFPSCAN_IOC_START, NULL);
	__atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *write_panel(void *arg)
{
	struct caller *c = arg;

	c->tid = (int)syscall(SYS_gettid);
	__atomic_store_n(&c->running, 1, __ATOMIC_RELEASE);
	c->ret = file_write(c->path, MESSAGE "\n");
	__atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The thread sleeps in its call, seen twice 0.1 s apart; up to 60 s. */
static bool pending(struct caller *c)
{
	int i;

	for (i = 0; i < 600; i++) {
		if (__atomic_load_n(&c->running, __ATOMIC_ACQUIRE) &&
		    thread_in_syscall(c->tid, c->nr)) {
			msleep(100);
			if (thread_in_syscall(c->tid, c->nr))
				return true;
		}
		if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
			return false;	/* it returned */
		msleep(100);
	}
	return false;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "usb_panel_hang: %s: %s\n", what,
		err ? strerror(err) : "no");
	return 1;
}

/* Run @fn for @c in a thread; 0 once it is seen pending, else 1. */
static int spawn(struct caller *c, void *(*fn)(void *), pthread_t *t,
		 const char *what)
{
	if (pthread_create(t, NULL, fn, c))
		return fail("pthread_create", errno);
	if (!pending(c)) {
		fprintf(stderr, "usb_panel_hang: %s not pending (returned %s)\n",
			what, c->ret ? strerror(-c->ret) : "0");
		return 1;
	}
	printf("%s pending (the device does not answer)\n", what);
	return 0;
}

/* Step 3: other files go on while the panel write waits for the device. */
static int others_go_on(const char *dev, int other, struct caller *start,
			struct caller *panel)
{
	const char *what;
	int err;

	if (others_answer(dev, other, &what, &err))
		return fail(what, err);
	if (!pending(panel))
		return fail("panel write still pending after the other files' calls", 0);
	if (!pending(start))
		return fail("START still pending after the other files' calls", 0);
	printf("other files meanwhile: G_STATUS SCANNING, open, G_PARAMS, S_PARAMS, START EBUSY, close\n");
	return 0;
}

/* Step 4: the owner's ABORT ends the START, not the panel write. */
static int abort_start(struct caller *start, pthread_t ts,
		       struct caller *panel)
{
	struct mfpscan_status st;
	int r;

	r = mfp_ioctl(start->fd, MFPSCAN_IOC_ABORT, NULL);
	if (r)
		return fail("the owner's ABORT while START is pending", -r);
	pthread_join(ts, NULL);
	if (start->ret)
		return fail("START ended by ABORT, expected 0", -start->ret);
	r = mfp_status(start->fd, &st);
	if (r || st.state != MFPSCAN_STATE_ABORTED)
		return fail("state ABORTED after the ABORT", -r);
	if (!pending(panel))
		return fail("panel write still pending after the ABORT, it returned",
			    panel->ret ? -panel->ret : 0);
	printf("the owner's ABORT ended the START (0, ABORTED); the panel write still pending\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct caller start = { .nr = SYS_ioctl }, panel = { .nr = SYS_write };
	struct mfpscan_params p;
	pthread_t ts, tp;
	char node[PATH_MAX];
	int other, r;

	if (argc != 3) {
		fprintf(stderr, "usage: usb_panel_hang DEV INTERFACE\n");
		return 2;
	}
	snprintf(node, sizeof(node), "%s", argv[1]);
	snprintf(panel.path, sizeof(panel.path), "%s/%s/panel_message",
		 SIM_CLASS, basename(node));
	start.fd = open(argv[1], O_RDWR);
	other = open(argv[1], O_RDWR);
	if (start.fd < 0 || other < 0)
		return fail(argv[1], errno);
	p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75, 20000,
			20000, 1, 8);
	r = params_set(start.fd, &p);
	if (r)
		return fail("S_PARAMS", -r);
	if (spawn(&start, start_job, &ts, "START") ||
	    spawn(&panel, write_panel, &tp, "panel write") ||
	    others_go_on(argv[1], other, &start, &panel))
		return 1;

	if (abort_start(&start, ts, &panel))
		return 1;

	r = file_write(UNBIND, argv[2]);
	if (r)
		return fail("unbind", -r);
	printf("unbind of %s returned\n", argv[2]);
	pthread_join(tp, NULL);
	if (panel.ret != -ENODEV)
		return fail("the panel write, expected ENODEV",
			    panel.ret ? -panel.ret : 0);
	printf("the panel write failed with ENODEV\n");
	if (access(argv[1], F_OK) == 0 || errno != ENOENT)
		return fail("the node is still there", 0);
	printf("the node is gone\n");
	close(other);
	close(start.fd);
	return 0;
}
