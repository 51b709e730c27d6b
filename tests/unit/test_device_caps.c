// SPDX-License-Identifier: GPL-2.0
/*
 * test_device_caps: devices are probed in a worker and answered from
 * memory (usr/mfpscand/device_caps.c). Real pattern engines; the one whose
 * open never returns on its own is a pattern engine with its image on a
 * FIFO: opening it blocks the probe until the test opens the other end.
 * Meanwhile devcaps_get() answers at once, "being probed". The only mock
 * is the USB watcher (no USB engine here).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "device_caps.h"
#include "log.h"
#include "usb_watch.h"

/*
 * The USB watcher: not running in this test. What it last saw of "its"
 * engine (-1: not watched), how often it was asked (a probe asks), and the
 * plug listener device_caps gave it.
 */
static int watch_present = -1;
static unsigned int watch_asked;
static usb_watch_plug_fn watch_fn;
static void *watch_ud;

int usb_watch_present(const char *spec)
{
	watch_asked++;
	return watch_present;
}

void usb_watch_listen(usb_watch_plug_fn fn, void *ud)
{
	watch_fn = fn;
	watch_ud = ud;
}

static char dir[256], fifo[300], slow_spec[320];
static struct config cfg;

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_device_caps.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/image.fifo", dir);
	if (mkfifo(fifo, 0600) < 0)
		return -1;
	snprintf(slow_spec, sizeof(slow_spec), "pattern:image=%s", fifo);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.devices[0].name, sizeof(cfg.devices[0].name), "fast");
	cfg.devices[0].path = "pattern:";
	snprintf(cfg.devices[1].name, sizeof(cfg.devices[1].name), "slow");
	cfg.devices[1].path = slow_spec;
	cfg.n_devices = 2;
	return 0;
}

static int teardown(void **state)
{
	unlink(fifo);
	return rmdir(dir);
}

/* Let the probe blocked in opening the FIFO go on (it then finds no image). */
static void unblock_slow_probe(void)
{
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
}

static void test_probed_in_the_background_and_answered_from_memory(void **state)
{
	struct devcaps *dc = NULL;
	struct devcaps_view v;
	struct err e;

	assert_int_equal(devcaps_start(&cfg, &dc, &e), 0);
	/* The slow probe cannot end before the FIFO is opened. */
	assert_int_equal(devcaps_wait_first(dc, 300), -ETIMEDOUT);

	devcaps_get(dc, 0, &v);
	assert_true(v.available);
	assert_false(v.probing);
	assert_true(v.caps.n_resolutions > 0);

	/* Asked while its probe is stuck: answered at once, as probing. */
	devcaps_get(dc, 1, &v);
	assert_true(v.probing);
	assert_false(v.available);
	assert_non_null(strstr(v.reason, "being probed"));

	unblock_slow_probe();
	assert_int_equal(devcaps_wait_first(dc, 60000), 0);
	devcaps_get(dc, 1, &v);
	assert_false(v.probing);
	assert_false(v.available);
	assert_null(strstr(v.reason, "being probed"));
	assert_true(v.reason[0] != '\0');
	dc = devcaps_stop(dc);
}

/* A refresh keeps what the last probe found until the new one ends. */
static void test_refresh_keeps_the_known_capabilities(void **state)
{
	struct devcaps *dc = NULL;
	struct devcaps_view v;
	struct err e;

	cfg.n_devices = 1;
	assert_int_equal(devcaps_start(&cfg, &dc, &e), 0);
	assert_int_equal(devcaps_wait_first(dc, 60000), 0);
	for (int i = 0; i < 50; i++) {
		devcaps_refresh(dc, 0);
		devcaps_get(dc, 0, &v);
		assert_true(v.available);
		assert_true(v.caps.n_resolutions > 0);
	}
	devcaps_get(dc, 7, &v);		/* no such device */
	assert_false(v.available);
	dc = devcaps_stop(dc);
	cfg.n_devices = 2;
}

/*
 * A libusb engine plugged out and in: the watcher's listener says so and
 * devcaps_get() knows at once, without a probe (the watcher is not even
 * asked). The engine is a pattern engine behind driver = libusb: only the
 * watcher's answer is mocked.
 */
static void test_usb_plug_is_known_at_once(void **state)
{
	struct devcaps *dc = NULL;
	struct devcaps_view v;
	unsigned int asked;
	struct err e;

	cfg.devices[0].driver = CONFIG_DRIVER_LIBUSB;
	cfg.n_devices = 1;
	watch_present = 1;
	assert_int_equal(devcaps_start(&cfg, &dc, &e), 0);
	assert_non_null(watch_fn);
	assert_int_equal(devcaps_wait_first(dc, 60000), 0);
	devcaps_get(dc, 0, &v);
	assert_true(v.available);

	watch_present = 0;
	asked = watch_asked;
	watch_fn(watch_ud, "fast", false);
	devcaps_get(dc, 0, &v);
	assert_false(v.available);
	assert_false(v.probing);
	assert_non_null(strstr(v.reason, "is not plugged in"));

	watch_present = 1;
	watch_fn(watch_ud, "fast", true);
	devcaps_get(dc, 0, &v);
	assert_true(v.available);
	assert_false(v.probing);
	assert_int_equal(watch_asked, asked);

	watch_fn(watch_ud, "slow", false);	/* not this engine's name */
	devcaps_get(dc, 0, &v);
	assert_true(v.available);

	dc = devcaps_stop(dc);
	assert_null(watch_fn);
	cfg.devices[0].driver = CONFIG_DRIVER_KERNEL;
	cfg.n_devices = 2;
	watch_present = -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probed_in_the_background_and_answered_from_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_keeps_the_known_capabilities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usb_plug_is_known_at_once, setup, teardown),
	};

	log_open("test_device_caps", false, getenv("VERBOSE") ? LOG_DEBUG : LOG_CRIT);
	return cmocka_run_group_tests_name("device_caps", tests, NULL, NULL);
}
