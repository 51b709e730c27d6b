// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_profile: the caller's panel profiles. "set" sends AssignProfile with
 * the same scan options as "mfpscanctl scan" (the daemon validates them
 * exactly like Scan's), "list" prints ListProfiles with account names,
 * "clear" sends ClearProfile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_profile.h"
#include "ctl.h"
#include "ctl_bus.h"

#define PROFILE_ARGS_MAX	9

struct profile_args {
	uint32_t number;
	const char *to;
	const char *key[PROFILE_ARGS_MAX];
	const char *str[PROFILE_ARGS_MAX];	/* NULL: a number in num[] */
	uint32_t num[PROFILE_ARGS_MAX];
	int n;
};

static const char usage_text[] =
	"Usage: mfpscanctl profile set N --to ACCOUNT [scan options]\n"
	"       mfpscanctl profile list\n"
	"       mfpscanctl profile clear N\n"
	"\n"
	"Panel profiles: the engine's scan button carries a profile number N\n"
	"(1..99); pressing it scans with the settings of profile N to its account,\n"
	"as the user who assigned it.\n"
	"  set N --to ACCOUNT    assign profile N to your account ACCOUNT\n"
	"  --device NAME         scanner (default: the engine whose button is pressed)\n"
	"  --source S            flatbed, adf or adf-duplex\n"
	"  --mode M              mono, gray or color\n"
	"  --resolution DPI      e.g. 300\n"
	"  --format F            pdf, jpeg, png or tiff\n"
	"  --width-mm N          scan area width (default: the whole glass)\n"
	"  --height-mm N         scan area height\n"
	"  --pages N             ADF: read N sheets (default: all)\n"
	"  --name NAME           job name, used by the account's file name template\n"
	"  list                  your profiles: number, account, settings\n"
	"  clear N               unassign your profile N\n"
	"Exit status: 0 ok, 1 refused by the daemon (its message is printed), 64 usage.\n";

static const struct option set_options[] = {
	{ "to", required_argument, NULL, 'T' },
	{ "device", required_argument, NULL, 'd' },
	{ "source", required_argument, NULL, 's' },
	{ "mode", required_argument, NULL, 'm' },
	{ "resolution", required_argument, NULL, 'r' },
	{ "format", required_argument, NULL, 'f' },
	{ "width-mm", required_argument, NULL, 'W' },
	{ "height-mm", required_argument, NULL, 'H' },
	{ "pages", required_argument, NULL, 'p' },
	{ "name", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Strict unsigned 32-bit parse: digits only, no sign, no overflow. */
static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

static int parse_number(const char *s, uint32_t *n)
{
	if (parse_u32(s, n) < 0) {
		fprintf(stderr, "mfpscanctl: the profile is a number (1..99), not \"%s\"\n", s);
		return -1;
	}
	return 0;
}

static const char *option_key(int c)
{
	switch (c) {
	case 'd': return "device";
	case 's': return "source";
	case 'm': return "color-mode";
	case 'f': return "format";
	case 'n': return "name";
	case 'r': return "resolution";
	case 'W': return "width-mm";
	case 'H': return "height-mm";
	case 'p': return "pages";
	default: return NULL;
	}
}

/* One option; 0 ok, 1 help shown, -1 usage error. */
static int take_option(struct profile_args *a, int c)
{
	const char *key = option_key(c);

	if (c == 'h') {
		fputs(usage_text, stdout);
		return 1;
	}
	if (c == 'T') {
		a->to = optarg;
		return 0;
	}
	if (!key || a->n >= PROFILE_ARGS_MAX)
		return -1;
	a->key[a->n] = key;
	if (strchr("dsmfn", c)) {
		a->str[a->n++] = optarg;
		return 0;
	}
	if (parse_u32(optarg, &a->num[a->n]) < 0) {
		fprintf(stderr, "mfpscanctl: --%s needs a whole number, not \"%s\"\n", key, optarg);
		return -1;
	}
	a->str[a->n++] = NULL;
	return 0;
}

/* argv: "N" [options]. 0 ok, 1 help shown, -1 usage error. */
static int parse_set(int argc, char **argv, struct profile_args *a)
{
	bool seen[128] = { false };
	int c, r;

	memset(a, 0, sizeof(*a));
	if (argc < 1 || argv[0][0] == '-') {
		fputs("mfpscanctl: profile set needs the profile number first: profile set N --to ACCOUNT\n",
		      stderr);
		return -1;
	}
	if (parse_number(argv[0], &a->number) < 0)
		return -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", set_options, NULL)) != -1) {
		if (c > 0 && c < 128 && c != 'h' && seen[c]) {
			fputs("mfpscanctl: an option was given twice\n", stderr);
			return -1;
		}
		if (c > 0 && c < 128)
			seen[c] = true;
		r = take_option(a, c);
		if (r)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "mfpscanctl: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!a->to) {
		fputs("mfpscanctl: profile set needs --to ACCOUNT\n", stderr);
		return -1;
	}
	return 0;
}

static int append_options(sd_bus_message *m, const struct profile_args *a)
{
	int r = sd_bus_message_open_container(m, 'a', "{sv}");

	for (int i = 0; r >= 0 && i < a->n; i++)
		r = a->str[i] ? sd_bus_message_append(m, "{sv}", a->key[i], "s", a->str[i]) :
				sd_bus_message_append(m, "{sv}", a->key[i], "u", a->num[i]);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static int profile_set(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	struct profile_args a;
	char account[512];
	int r;

	r = parse_set(argc, argv, &a);
	if (r)
		return r > 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	r = ctl_bus_account_path(bus, a.to, account, sizeof(account));
	if (r)
		return r;
	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, CTL_PATH,
					   CTL_IFACE_MANAGER, "AssignProfile");
	if (r >= 0)
		r = sd_bus_message_append(m, "uo", a.number, account);
	if (r >= 0)
		r = append_options(m, &a);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, &reply);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	if (r < 0) {
		r = ctl_bus_report("AssignProfile", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	printf("profile %u: %s\n", a.number, a.to);
	return CTL_EXIT_OK;
}

/* The name of the caller's account @path from ListDestinations' @dests, or NULL. */
static const char *account_name(sd_bus_message *dests, const char *path)
{
	const char *p, *name, *type;

	if (!dests || sd_bus_message_rewind(dests, true) < 0 ||
	    sd_bus_message_enter_container(dests, 'a', "(oss)") < 0)
		return NULL;
	while (sd_bus_message_read(dests, "(oss)", &p, &name, &type) > 0)
		if (strcmp(p, path) == 0)
			return name;
	return NULL;
}

static int profile_list(sd_bus *bus, int argc)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL, *dests = NULL;
	const char *path, *desc;
	uint32_t n;
	int r;

	if (argc > 1) {
		fputs("mfpscanctl: profile list takes no arguments\n", stderr);
		return CTL_EXIT_USAGE;
	}
	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			       "ListProfiles", &error, &reply, "");
	if (r < 0) {
		r = ctl_bus_report("ListProfiles", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	/* names are a nicety: without them the account's id is shown */
	sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			   "ListDestinations", NULL, &dests, "");
	r = sd_bus_message_enter_container(reply, 'a', "(uos)");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(uos)", &n, &path, &desc)) > 0) {
		const char *name = account_name(dests, path);

		printf("%-3u %-20s %s\n", n, name ? name : ctl_bus_short_id(path), desc);
	}
	sd_bus_message_unref(dests);
	sd_bus_message_unref(reply);
	return r < 0 ? ctl_bus_report("ListProfiles", NULL, r) : CTL_EXIT_OK;
}

static int profile_clear(sd_bus *bus, int argc, char **argv)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	uint32_t n;
	int r;

	if (argc != 2) {
		fputs("mfpscanctl: usage: profile clear N\n", stderr);
		return CTL_EXIT_USAGE;
	}
	if (parse_number(argv[1], &n) < 0)
		return CTL_EXIT_USAGE;
	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			       "ClearProfile", &error, NULL, "u", n);
	if (r < 0) {
		r = ctl_bus_report("ClearProfile", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	printf("profile %u cleared\n", n);
	return CTL_EXIT_OK;
}

int cmd_profile(sd_bus *bus, int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "set") == 0)
		return profile_set(bus, argc - 2, argv + 2);
	if (strcmp(argv[1], "list") == 0)
		return profile_list(bus, argc - 1);
	if (strcmp(argv[1], "clear") == 0)
		return profile_clear(bus, argc - 1, argv + 1);
	fprintf(stderr, "mfpscanctl: unknown profile command \"%s\" (set, list, clear)\n", argv[1]);
	return CTL_EXIT_USAGE;
}
