// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_spool: the spool commands (see cmd_spool.h). "export" asks the daemon
 * for a read-only descriptor of the document (SpoolEntry.Open) and copies
 * it, so the user can save a document the daemon keeps in a root-only
 * directory; the target is never overwritten. "discard" deletes for good
 * and therefore needs --yes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_spool.h"
#include "ctl.h"
#include "ctl_bus.h"
#include "progress.h"
#include "props.h"

static const char usage_text[] =
	"Usage: mfpscanctl spool list\n"
	"       mfpscanctl spool show ID\n"
	"       mfpscanctl spool retry ID\n"
	"       mfpscanctl spool export ID FILE   (FILE \"-\": standard output)\n"
	"       mfpscanctl spool discard ID --yes\n"
	"\n"
	"Documents whose upload failed. The daemon keeps them and retries on\n"
	"its own; retry tries now, export saves a copy, discard deletes the\n"
	"document for good. ID is the last part of the entry's path (or the\n"
	"whole path).\n";

static int usage(FILE *out, int code)
{
	fputs(usage_text, out);
	return code;
}

/* Unix seconds as local "YYYY-MM-DD HH:MM:SS", "-" for 0. */
static const char *when(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm) || !strftime(buf, len, "%F %T", &tm))
		snprintf(buf, len, "-");
	return buf;
}

static int entry_props(sd_bus *bus, const char *path, struct props *p)
{
	sd_bus_message *reply = NULL;
	int r;

	r = ctl_bus_get_all(bus, path, CTL_IFACE_SPOOL, &reply);
	if (r)
		return r;
	r = props_read(reply, p);
	sd_bus_message_unref(reply);
	return r < 0 ? ctl_bus_report(path, NULL, r) : 0;
}

static void print_entry_line(sd_bus *bus, const char *path)
{
	struct props p = { 0 };
	char size[32], next[32];

	if (entry_props(bus, path, &p) == 0)
		printf("%-8s %-15s %7" PRIu64 " %19s %10s %5" PRIu64 "  %s\n",
		       ctl_bus_short_id(path), props_text(&p, "State", "?"),
		       props_num(&p, "RetriesLeft"),
		       when(props_num(&p, "NextRetry"), next, sizeof(next)),
		       progress_bytes(props_num(&p, "Size"), size, sizeof(size)),
		       props_num(&p, "Pages"), props_text(&p, "LastError", ""));
	props_clear(&p);
}

static int do_list(sd_bus *bus)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			       "ListSpool", &error, &reply, "");
	if (r < 0) {
		r = ctl_bus_report("ListSpool", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	printf("%-8s %-15s %7s %19s %10s %5s  %s\n", "ID", "STATE", "RETRIES",
	       "NEXT RETRY", "SIZE", "PAGES", "LAST ERROR");
	r = sd_bus_message_enter_container(reply, 'a', "o");
	while (r >= 0 && (r = sd_bus_message_read_basic(reply, 'o', &path)) > 0)
		print_entry_line(bus, path);
	sd_bus_message_unref(reply);
	return r < 0 ? ctl_bus_report("ListSpool", NULL, r) : CTL_EXIT_OK;
}

static int do_show(sd_bus *bus, const char *path)
{
	struct props p = { 0 };
	char buf[32];
	size_t i;
	int r;

	r = entry_props(bus, path, &p);
	if (r)
		return r;
	printf("%-12s: %s\n", "Path", path);
	for (i = 0; i < p.n; i++) {
		if (strcmp(p.v[i].name, "Created") == 0 ||
		    strcmp(p.v[i].name, "NextRetry") == 0)
			printf("%-12s: %s\n", p.v[i].name, when(p.v[i].num, buf, sizeof(buf)));
		else
			printf("%-12s: %s\n", p.v[i].name, p.v[i].text);
	}
	props_clear(&p);
	return CTL_EXIT_OK;
}

/* Call a no-argument-or-bool method on the entry; @arg < 0: none. */
static int entry_call(sd_bus *bus, const char *path, const char *method,
		      int arg, sd_bus_message **reply)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	if (arg < 0)
		r = sd_bus_call_method(bus, CTL_DEST, path, CTL_IFACE_SPOOL, method,
				       &error, reply, "");
	else
		r = sd_bus_call_method(bus, CTL_DEST, path, CTL_IFACE_SPOOL, method,
				       &error, reply, "b", arg);
	if (r < 0) {
		r = ctl_bus_report(method, &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	return CTL_EXIT_OK;
}

/* Copy all of @in to @out. Returns the bytes copied or a negative errno. */
static int64_t copy_fd(int in, int out)
{
	char buf[65536];
	int64_t total = 0;
	ssize_t n, w, off;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return -errno;
		}
		total += n;
	}
	return total;
}

/* Open the target: never overwrite a file; "-" is standard output. */
static int open_target(const char *file)
{
	int fd;

	if (strcmp(file, "-") == 0)
		return STDOUT_FILENO;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		fprintf(stderr, "mfpscanctl: cannot create %s: %s\n", file,
			strerror(errno));
	return fd;
}

static int do_export(sd_bus *bus, const char *path, const char *file)
{
	sd_bus_message *reply = NULL;
	int r, in, out;
	int64_t n;

	r = entry_call(bus, path, "Open", -1, &reply);
	if (r)
		return r;
	r = sd_bus_message_read_basic(reply, 'h', &in);
	if (r <= 0) {
		sd_bus_message_unref(reply);
		return ctl_bus_report("Open", NULL, r < 0 ? r : -EBADMSG);
	}
	out = open_target(file);
	if (out < 0) {
		sd_bus_message_unref(reply);
		return CTL_EXIT_FAIL;
	}
	n = copy_fd(in, out);
	sd_bus_message_unref(reply);	/* closes the received descriptor */
	if (n >= 0 && out != STDOUT_FILENO && fsync(out) < 0)
		n = -errno;
	if (out != STDOUT_FILENO && close(out) < 0 && n >= 0)
		n = -errno;
	if (n < 0) {
		fprintf(stderr, "mfpscanctl: export to %s failed: %s\n", file,
			strerror((int)-n));
		if (out != STDOUT_FILENO)
			unlink(file);
		return CTL_EXIT_FAIL;
	}
	if (out != STDOUT_FILENO)
		fprintf(stderr, "%" PRId64 " bytes written to %s\n", n, file);
	return CTL_EXIT_OK;
}

/* Run @verb on entry @id; @file for export; @yes for discard. */
static int dispatch(sd_bus *bus, const char *verb, const char *id,
		    const char *file, bool yes)
{
	char path[512];
	int r;

	r = ctl_bus_object_path(CTL_PATH_SPOOL, id, path, sizeof(path));
	if (r)
		return r;
	if (strcmp(verb, "show") == 0 && !file)
		return do_show(bus, path);
	if (strcmp(verb, "retry") == 0 && !file) {
		r = entry_call(bus, path, "Retry", -1, NULL);
		if (!r)
			printf("Retry of %s started (see: mfpscanctl watch)\n", id);
		return r;
	}
	if (strcmp(verb, "export") == 0 && file)
		return do_export(bus, path, file);
	if (strcmp(verb, "discard") == 0 && !file) {
		if (!yes) {
			fputs("mfpscanctl: discard deletes the document for good; "
			      "add --yes to confirm\n", stderr);
			return CTL_EXIT_USAGE;
		}
		r = entry_call(bus, path, "Discard", 1, NULL);
		if (!r)
			printf("Discarded %s\n", id);
		return r;
	}
	return usage(stderr, CTL_EXIT_USAGE);
}

int cmd_spool(sd_bus *bus, int argc, char **argv)
{
	static const struct option options[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool yes = false;
	int c, npos;

	optind = 1;
	while ((c = getopt_long(argc, argv, "yh", options, NULL)) != -1) {
		if (c == 'y')
			yes = true;
		else if (c == 'h')
			return usage(stdout, CTL_EXIT_OK);
		else
			return usage(stderr, CTL_EXIT_USAGE);
	}
	npos = argc - optind;
	if (npos == 1 && strcmp(argv[optind], "list") == 0)
		return do_list(bus);
	if (npos < 2 || npos > 3)
		return usage(stderr, CTL_EXIT_USAGE);
	return dispatch(bus, argv[optind], argv[optind + 1],
			npos == 3 ? argv[optind + 2] : NULL, yes);
}
