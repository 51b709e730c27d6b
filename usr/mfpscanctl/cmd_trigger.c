// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_trigger: press an engine's scan button from the command line or a
 * udev RUN+= rule: one Manager.Trigger call with a short timeout, then exit.
 * The scan runs in the daemon; this command never waits for it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_trigger.h"
#include "ctl.h"
#include "ctl_bus.h"

/* Long enough for the daemon to check the account, short enough for udev. */
#define TRIGGER_TIMEOUT_USEC	(20ULL * 1000 * 1000)

static const char usage_text[] =
	"Usage: mfpscanctl trigger [--device ENGINE] --profile N [--no-wait]\n"
	"\n"
	"Press the scan button of ENGINE with panel profile N, as udev does for the\n"
	"engine's button event (root only). The job assigned to profile N starts as\n"
	"the profile's owner; its path is printed.\n"
	"  --device ENGINE       kernel name (mfpscan0) or configured device name;\n"
	"                        default: the profile's device or the default one\n"
	"  --profile N           panel profile, 1..99\n"
	"  --no-wait             send the call and return at once (nothing printed)\n"
	"Exit status: 0 job started, 1 refused (e.g. profile not assigned), 64 usage.\n";

enum { OPT_NO_WAIT = 1000 };

static const struct option trigger_options[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "profile", required_argument, NULL, 'p' },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct trigger_args {
	const char *device;
	uint32_t profile;
	bool have_profile;
	bool no_wait;
};

static int parse_profile(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* 0 ok, 1 help shown, -1 usage error (message printed). */
static int parse_args(int argc, char **argv, struct trigger_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->device = "";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", trigger_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->device = optarg;
			break;
		case 'p':
			if (parse_profile(optarg, &a->profile) < 0) {
				fprintf(stderr, "mfpscanctl: --profile needs a number (1..99), not \"%s\"\n",
					optarg);
				return -1;
			}
			a->have_profile = true;
			break;
		case OPT_NO_WAIT:
			a->no_wait = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mfpscanctl: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!a->have_profile) {
		fputs("mfpscanctl: trigger needs --profile N\n", stderr);
		return -1;
	}
	return 0;
}

int cmd_trigger(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	struct trigger_args a;
	const char *job = NULL;
	int r;

	r = parse_args(argc, argv, &a);
	if (r)
		return r > 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, CTL_PATH,
					   CTL_IFACE_MANAGER, "Trigger");
	if (r >= 0)
		r = sd_bus_message_append(m, "su", a.device, a.profile);
	if (r >= 0 && a.no_wait)
		r = sd_bus_message_set_expect_reply(m, 0);
	if (r >= 0 && a.no_wait)
		r = sd_bus_send(bus, m, NULL);
	else if (r >= 0)
		r = sd_bus_call(bus, m, TRIGGER_TIMEOUT_USEC, &error, &reply);
	if (r >= 0 && reply)
		r = sd_bus_message_read(reply, "o", &job);
	if (r >= 0 && job)
		printf("%s\n", job);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	if (r < 0) {
		r = ctl_bus_report("Trigger", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	return CTL_EXIT_OK;
}
