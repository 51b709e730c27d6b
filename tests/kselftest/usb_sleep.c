// SPDX-License-Identifier: GPL-2.0
/*
 * usb_sleep DEV: the USB engine across a system suspend (suspend to idle,
 * "freeze", at the pm_test level "devices"), as Documentation/usb-protocol.rst
 * ("Reset and suspend") says it behaves. Run by tests/vm/guest-usb-sleep.sh
 * on the xhci bed, statically linked, from a tmpfs: the guest's root is
 * the host's over virtio-9p, which does not come back from a suspend, so
 * nothing after the first suspend may touch it.
 *
 *  1. idle: the engine idle across a suspend; then a job on the same open
 *     file is byte-exact and DONE.
 *  2. mid-job: a reader in the middle of a slow 3-page job (the emulator
 *     at --line-rate 100) across a suspend; the job ends with its
 *     PROTOCOL error band at a band boundary after the bands it delivered
 *     (each byte-exact), the node and the open file stay, and the next job
 *     on that file is byte-exact and DONE.
 *
 * Each suspend must really happen: /sys/power/suspend_stats/success grows
 * by one (a refused or failed suspend fails the test). Prints "ok N ..." /
 * "not ok N ..." and "N passed, N failed"; exit status 0 only if all
 * passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mfpscan_util.h"

#define PM_TEST		"/sys/power/pm_test"
#define SUSPEND_OK	"/sys/power/suspend_stats/success"
#define BUF_BYTES	(1 << 20)

static int passed, failed;

static void result(bool ok, const char *name, const char *why)
{
	if (ok) {
		printf("ok %d usb-sleep: %s\n", passed + failed + 1, name);
		passed++;
	} else {
		printf("not ok %d usb-sleep: %s\n# %s\n", passed + failed + 1,
		       name, why);
		failed++;
	}
	fflush(stdout);
}

static long suspend_count(void)
{
	char buf[32];

	if (file_read(SUSPEND_OK, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * One suspend to idle at the pm_test level "devices": every device is
 * suspended (the drivers' suspend callbacks, with PMSG_SUSPEND), the
 * kernel waits 5 s, and resumes them. The platform stage is left out:
 * QEMU's RTC alarm does not wake a TCG guest from s2idle (seen: the guest
 * stayed asleep for minutes). 0 once the system suspended and resumed,
 * else a reason in @why.
 */
static int suspend_once(char *why, size_t len)
{
	long before = suspend_count(), after;
	int err;

	err = file_write(PM_TEST, "devices");
	if (err) {
		snprintf(why, len, "%s: %s", PM_TEST, strerror(-err));
		return -1;
	}
	printf("# suspend to idle (pm_test devices)\n");
	err = file_write("/sys/power/state", "freeze");
	after = suspend_count();
	if (err || before < 0 || after != before + 1) {
		snprintf(why, len, "suspend: %s, suspend_stats/success %ld -> %ld",
			 err ? strerror(-err) : "no error", before, after);
		return -1;
	}
	return 0;
}

/* START a job; its expected stream in @e. 0 or -1 with @why. */
static int job_start(int fd, uint32_t source, uint32_t pages, uint32_t res,
		     struct mfpscan_params *p, struct stream_exp *e,
		     char *why, size_t len)
{
	struct mfpscan_status st;
	int r;

	*p = params_make(source, MFPSCAN_MODE_GRAY8, res, 215900, 279400,
			 pages, 16);
	r = params_set(fd, p);
	if (!r)
		r = mfp_ioctl(fd, MFPSCAN_IOC_START, NULL);
	if (!r)
		r = mfp_status(fd, &st);
	if (r) {
		snprintf(why, len, "S_PARAMS/START: %s", strerror(-r));
		return -1;
	}
	if (stream_init(e, p, st.job, source == MFPSCAN_SOURCE_FLATBED ? 1 : pages)) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	return 0;
}

/* A whole flatbed job, byte-exact, DONE. */
static bool clean_job(int fd, char *why, size_t len)
{
	struct mfpscan_params p;
	struct mfpscan_status st;
	struct stream_exp e;
	bool ok = false;

	if (job_start(fd, MFPSCAN_SOURCE_FLATBED, 1, 75, &p, &e, why, len))
		return false;
	if (read_job(fd, &e, BUF_BYTES))
		snprintf(why, len, "job %u: %s", e.job, e.why);
	else if (mfp_status(fd, &st) || st.state != MFPSCAN_STATE_DONE)
		snprintf(why, len, "job %u: %s at its end, expected DONE", e.job,
			 state_name(st.state));
	else
		ok = true;
	stream_fini(&e);
	return ok;
}

static void test_idle(int fd)
{
	char why[400] = "";
	bool ok = !suspend_once(why, sizeof(why)) &&
		  clean_job(fd, why, sizeof(why));

	result(ok, "idle engine across a suspend, then a job byte-exact and DONE",
	       why);
}

static void test_mid_job(int fd, const char *dev)
{
	struct mfpscan_params p;
	struct stream_exp e;
	char why[400] = "";
	bool ok = false;

	if (job_start(fd, MFPSCAN_SOURCE_ADF, 3, 150, &p, &e, why, sizeof(why)))
		goto out;
	if (read_some(fd, &e, BUF_BYTES, 2)) {
		snprintf(why, sizeof(why), "before the suspend: %s", e.why);
		goto out_fini;
	}
	if (e.ended) {
		snprintf(why, sizeof(why), "the job ended before the suspend");
		goto out_fini;
	}
	printf("# job %u: %llu bands read, suspending\n", e.job,
	       (unsigned long long)e.bands);
	fflush(stdout);
	if (suspend_once(why, sizeof(why)))
		goto out_fini;
	stream_expect_error(&e, MFPSCAN_ERR_PROTOCOL, 0, 0);
	e.err_any_line = true;
	e.lenient_error_flags = true;
	if (read_job(fd, &e, BUF_BYTES)) {
		snprintf(why, sizeof(why), "after the suspend: %s", e.why);
		goto out_fini;
	}
	printf("# job %u: %llu bands byte-exact, PROTOCOL error band at page %u line %u\n",
	       e.job, (unsigned long long)e.bands, e.err_seen_page,
	       e.err_seen_line);
	if (access(dev, F_OK)) {
		snprintf(why, sizeof(why), "%s gone after the suspend", dev);
		goto out_fini;
	}
	ok = clean_job(fd, why, sizeof(why));
out_fini:
	stream_fini(&e);
out:
	result(ok, "a job across a suspend: its PROTOCOL error band after byte-exact bands, same node and file, next job byte-exact",
	       why);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: usb_sleep /dev/mfpscanN\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("Bail out! %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	test_idle(fd);
	test_mid_job(fd, argv[1]);
	close(fd);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
