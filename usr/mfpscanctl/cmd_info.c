// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_info: "caps" and "jobs" (see cmd_info.h). Both only read: they print
 * what the daemon returns without interpreting more of it than needed to
 * lay it out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd_info.h"
#include "ctl.h"
#include "ctl_bus.h"
#include "progress.h"
#include "props.h"
#include "value.h"

/* "--help" or "-h" as the only argument: print @text, true. */
static bool wants_help(int argc, char **argv, const char *text)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		fputs(text, stdout);
		return true;
	}
	return false;
}

static const char caps_usage[] =
	"Usage: mfpscanctl caps\n"
	"\n"
	"Show what the scanners can do: devices, sources, color modes,\n"
	"resolutions, formats and the largest area, one \"key: value\" a line.\n";

static const char jobs_usage[] =
	"Usage: mfpscanctl jobs\n"
	"\n"
	"List your scan jobs: id, state, pages, bytes scanned and uploaded,\n"
	"and where the document went (or why it did not).\n";

/* Call a Manager method without arguments. */
static int manager_call(sd_bus *bus, const char *method, sd_bus_message **reply)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER, method,
			       &error, reply, "");
	if (r < 0) {
		r = ctl_bus_report(method, &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	return 0;
}

/* Print the a{sv} as "key: value" lines. */
static int print_dict(sd_bus_message *m)
{
	const char *key;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read_basic(m, 's', &key);
		if (r < 0)
			break;
		printf("%s: ", key);
		r = value_print(m, stdout);
		putchar('\n');
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	return r;
}

int cmd_caps(sd_bus *bus, int argc, char **argv)
{
	sd_bus_message *reply = NULL;
	int r;

	if (wants_help(argc, argv, caps_usage))
		return CTL_EXIT_OK;
	if (argc != 1) {
		fputs(caps_usage, stderr);
		return CTL_EXIT_USAGE;
	}
	r = manager_call(bus, "GetCapabilities", &reply);
	if (r)
		return r;
	r = print_dict(reply);
	sd_bus_message_unref(reply);
	return r < 0 ? ctl_bus_report("GetCapabilities", NULL, r) : CTL_EXIT_OK;
}

/* One line of "jobs". */
static void print_job(sd_bus *bus, const char *path)
{
	sd_bus_message *reply = NULL;
	struct props p = { 0 };
	char scanned[32], uploaded[32];
	const char *state, *where;

	if (ctl_bus_get_all(bus, path, CTL_IFACE_JOB, &reply) != 0)
		return;
	if (props_read(reply, &p) == 0) {
		state = props_text(&p, "State", "?");
		where = props_text(&p, "RemoteUrl", "");
		if (!*where)
			where = props_text(&p, "Error", "");
		printf("%-8s %-10s %5" PRIu64 " %12s %12s  %s\n",
		       ctl_bus_short_id(path), state, props_num(&p, "Pages"),
		       progress_bytes(props_num(&p, "BytesScanned"), scanned,
				      sizeof(scanned)),
		       progress_bytes(props_num(&p, "BytesUploaded"), uploaded,
				      sizeof(uploaded)), where);
	}
	props_clear(&p);
	sd_bus_message_unref(reply);
}

int cmd_jobs(sd_bus *bus, int argc, char **argv)
{
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	if (wants_help(argc, argv, jobs_usage))
		return CTL_EXIT_OK;
	if (argc != 1) {
		fputs(jobs_usage, stderr);
		return CTL_EXIT_USAGE;
	}
	r = manager_call(bus, "ListJobs", &reply);
	if (r)
		return r;
	printf("%-8s %-10s %5s %12s %12s  %s\n", "ID", "STATE", "PAGES", "SCANNED",
	       "UPLOADED", "WHERE / ERROR");
	r = sd_bus_message_enter_container(reply, 'a', "o");
	while (r >= 0 && (r = sd_bus_message_read_basic(reply, 'o', &path)) > 0)
		print_job(bus, path);
	sd_bus_message_unref(reply);
	return r < 0 ? ctl_bus_report("ListJobs", NULL, r) : CTL_EXIT_OK;
}
