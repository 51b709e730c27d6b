// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-bus-latency: how long the daemon takes to answer cheap calls on
 * the real bus (issue 11, "a main loop that never waits on disk or
 * network"). Calls Manager.GetCapabilities and Manager.ListSpool in turn,
 * one at a time, as the calling user, until a stop file appears or a time
 * is up, and prints for each method the number of calls, failures and the
 * p50/p99/max latency in ms, plus the wall-clock start and end of the
 * window (so a script can check that its load overlapped it).
 *
 *   mfpscan-bus-latency --address ADDR [--seconds S] [--stop FILE]
 *                       [--min-calls N] [--label TEXT]
 *
 * A call that does not come back within 120 s counts as a failure with a
 * latency of 120 s; a lost connection ends the run. Exit 0, or 1 when it could not connect or no call at
 * all was answered.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#define DEST	"org.mfpscan.Daemon1"
#define PATH	"/org/mfpscan/Daemon1"
#define IFACE	"org.mfpscan.Daemon1.Manager"
#define CALL_TIMEOUT_US	(120ULL * 1000 * 1000)

struct series {
	const char *method;
	double *ms;
	size_t n, cap;
	size_t failed;
	char last_error[256];
};

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add(struct series *s, double ms)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		double *p = realloc(s->ms, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->ms = p;
		s->cap = cap;
	}
	s->ms[s->n++] = ms;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted series. */
static double pct(const struct series *s, double p)
{
	size_t k;

	if (!s->n)
		return 0;
	k = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > s->n)
		k = s->n;
	return s->ms[k - 1];
}

static int call(sd_bus *bus, struct series *s)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	double t0, t1;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, DEST, PATH, IFACE, s->method);
	if (r < 0)
		return r;
	t0 = now_s(CLOCK_MONOTONIC);
	r = sd_bus_call(bus, m, CALL_TIMEOUT_US, &error, &reply);
	t1 = now_s(CLOCK_MONOTONIC);
	if (r < 0) {
		s->failed++;
		snprintf(s->last_error, sizeof(s->last_error), "%s: %s",
			 error.name ? error.name : "?",
			 error.message ? error.message : strerror(-r));
	}
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	if (add(s, (t1 - t0) * 1000.0) < 0)
		return -ENOMEM;
	/* The bus went away: nothing more to measure. */
	return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE ? -ENOTCONN : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mfpscan-bus-latency --address ADDR [--seconds S] "
		"[--stop FILE] [--min-calls N] [--label TEXT]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "stop", required_argument, NULL, 'f' },
		{ "min-calls", required_argument, NULL, 'm' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct series ser[2] = {
		{ .method = "GetCapabilities" }, { .method = "ListSpool" },
	};
	const char *address = NULL, *stop = NULL, *label = "";
	double seconds = 0, t_start, t_end, wall_start, wall_end;
	unsigned long min_calls = 0;
	sd_bus *bus = NULL;
	size_t i, total = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "a:s:f:m:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': address = optarg; break;
		case 's': seconds = strtod(optarg, NULL); break;
		case 'f': stop = optarg; break;
		case 'm': min_calls = strtoul(optarg, NULL, 10); break;
		case 'l': label = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!address || (seconds <= 0 && !stop)) {
		usage(stderr);
		return 2;
	}
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		fprintf(stderr, "mfpscan-bus-latency: cannot connect to %s: %s\n",
			address, strerror(-r));
		return 1;
	}
	wall_start = now_s(CLOCK_REALTIME);
	t_start = now_s(CLOCK_MONOTONIC);
	for (;;) {
		double el = now_s(CLOCK_MONOTONIC) - t_start;

		if (total >= 2 * min_calls) {
			if (seconds > 0 && el >= seconds)
				break;
			if (stop && access(stop, F_OK) == 0)
				break;
		}
		r = call(bus, &ser[total % 2]);
		total++;
		if (r == -ENOMEM) {
			fprintf(stderr, "mfpscan-bus-latency: out of memory\n");
			return 1;
		}
		if (r < 0) {
			fprintf(stderr, "mfpscan-bus-latency: the bus connection is gone\n");
			break;
		}
	}
	t_end = now_s(CLOCK_MONOTONIC);
	wall_end = now_s(CLOCK_REALTIME);
	printf("%swindow %.3f .. %.3f (%.1f s)\n", label, wall_start, wall_end,
	       t_end - t_start);
	for (i = 0; i < 2; i++) {
		struct series *s = &ser[i];

		qsort(s->ms, s->n, sizeof(*s->ms), cmp_double);
		printf("%s%-15s calls %6zu  failed %zu  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms\n",
		       label, s->method, s->n, s->failed, pct(s, 50), pct(s, 99),
		       s->n ? s->ms[s->n - 1] : 0.0);
		if (s->failed)
			printf("%s  last error: %s\n", label, s->last_error);
	}
	sd_bus_flush_close_unref(bus);
	r = ser[0].n - ser[0].failed + ser[1].n - ser[1].failed > 0 ? 0 : 1;
	free(ser[0].ms);
	free(ser[1].ms);
	return r;
}
