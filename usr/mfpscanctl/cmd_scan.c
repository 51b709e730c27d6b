// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_scan: start a scan and follow the job (see cmd_scan.h).
 *
 * Following a job without missing its end: the PropertiesChanged match is
 * added before Scan is called, so no change can slip between the reply and
 * the subscription; then the job's properties are read once with GetAll.
 * Signals that were queued before the GetAll reply describe an older state
 * than the reply does: they are recognised by their serial (the daemon
 * numbers its messages in sending order) and skipped, so the state shown
 * never goes backwards. If the daemon leaves the bus the wait ends.
 *
 * Ctrl-C asks the daemon to cancel the job and keeps waiting for its end;
 * a second Ctrl-C stops waiting (the daemon finishes on its own).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd_scan.h"
#include "ctl.h"
#include "ctl_bus.h"
#include "interrupt.h"
#include "progress.h"
#include "props.h"
#include "scan_opts.h"

struct scan_wait {
	char job[512];
	struct props props;
	uint64_t min_cookie;	/* ignore signals older than the GetAll reply */
	bool final;
	bool daemon_gone;
	struct progress progress;
};

static const char usage_text[] =
	"Usage: mfpscanctl scan --to ACCOUNT [options]\n"
	"\n"
	"Scan a document and deliver it to ACCOUNT (see: mfpscanctl accounts list).\n"
	"  --to ACCOUNT          destination account (name or object path)\n"
	"  --device NAME         scanner (see: mfpscanctl caps), default: the default\n"
	"  --source S            flatbed, adf or adf-duplex\n"
	"  --mode M              mono, gray or color\n"
	"  --resolution DPI      e.g. 300\n"
	"  --format F            pdf, jpeg, png or tiff\n"
	"  --width-mm N          scan area width (default: the whole glass)\n"
	"  --height-mm N         scan area height\n"
	"  --pages N             ADF: read N sheets (default: all)\n"
	"  --name NAME           job name, used by the account's file name template\n"
	"  --ocr on|off|LANGS    PDF: add a searchable text layer (LANGS: eng, eng+deu)\n"
	"  --no-wait             print the job's path and return at once\n"
	"Progress is shown on a terminal; otherwise one line per event.\n"
	"Exit status: 0 delivered, 2 kept in the spool (will be retried),\n"
	"1 refused or failed (the daemon's message is printed), 64 usage.\n";

static const struct option scan_options[] = {
	SCAN_OPTS_LONG_OPTIONS,
	{ "no-wait", no_argument, NULL, SCAN_OPTS_NO_WAIT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool state_is_final(const char *s)
{
	return strcmp(s, "done") == 0 || strcmp(s, "spooled") == 0 ||
	       strcmp(s, "failed") == 0 || strcmp(s, "cancelled") == 0;
}

/* Apply the job's (changed) properties and redraw. */
static void job_changed(struct scan_wait *w)
{
	progress_update(&w->progress, &w->props);
	if (state_is_final(props_text(&w->props, "State", "")))
		w->final = true;
}

static int on_properties_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct scan_wait *w = userdata;
	const char *iface, *path = sd_bus_message_get_path(m);
	uint64_t cookie = 0;

	(void)ret_error;
	if (!w->job[0] || !path || strcmp(path, w->job) != 0)
		return 0;
	if (sd_bus_message_get_cookie(m, &cookie) >= 0 && cookie < w->min_cookie)
		return 0;
	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    strcmp(iface, CTL_IFACE_JOB) != 0)
		return 0;
	if (props_read(m, &w->props) == 0)
		job_changed(w);
	return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata,
			    sd_bus_error *ret_error)
{
	struct scan_wait *w = userdata;
	const char *name, *old_owner, *new_owner;

	(void)ret_error;
	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 &&
	    strcmp(name, CTL_DEST) == 0 && !*new_owner)
		w->daemon_gone = true;
	return 0;
}

/* Subscribe before calling Scan (see the top of this file). */
static int subscribe(sd_bus *bus, struct scan_wait *w)
{
	int r;

	r = sd_bus_add_match(bus, NULL,
			     "type='signal',sender='" CTL_DEST "',"
			     "interface='org.freedesktop.DBus.Properties',"
			     "member='PropertiesChanged',"
			     "path_namespace='" CTL_PATH "/job'",
			     on_properties_changed, w);
	if (r >= 0)
		r = sd_bus_add_match(bus, NULL,
				     "type='signal',sender='org.freedesktop.DBus',"
				     "member='NameOwnerChanged',arg0='" CTL_DEST "'",
				     on_owner_changed, w);
	if (r < 0)
		return ctl_bus_report("subscribing to job changes", NULL, r);
	return ctl_bus_subscribe(bus);
}

/* Manager.Scan; on success @w->job holds the job's path. */
static int start_scan(sd_bus *bus, const char *account,
		      const struct scan_opts *a, struct scan_wait *w)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	const char *job;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, CTL_PATH,
					   CTL_IFACE_MANAGER, "Scan");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", account);
	if (r >= 0)
		r = scan_opts_append(m, a);
	if (r >= 0)
		r = sd_bus_call(bus, m, CTL_SLOW_CALL_USEC, &error, &reply);
	sd_bus_message_unref(m);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &job);
	if (r >= 0)
		snprintf(w->job, sizeof(w->job), "%s", job);
	sd_bus_message_unref(reply);
	if (r < 0) {
		r = ctl_bus_report("scan refused", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	return 0;
}

/* GetAll of the job; its serial is where signals start to count. */
static int read_job(sd_bus *bus, struct scan_wait *w)
{
	sd_bus_message *reply = NULL;
	int r;

	r = ctl_bus_get_all(bus, w->job, CTL_IFACE_JOB, &reply);
	if (r)
		return r;
	if (sd_bus_message_get_cookie(reply, &w->min_cookie) < 0)
		w->min_cookie = 0;
	r = props_read(reply, &w->props);
	sd_bus_message_unref(reply);
	if (r < 0)
		return ctl_bus_report(w->job, NULL, r);
	job_changed(w);
	return 0;
}

static void cancel_job(sd_bus *bus, struct scan_wait *w)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;

	progress_end(&w->progress);
	fputs("mfpscanctl: cancelling the job (Ctrl-C again to stop waiting)\n",
	      stderr);
	if (sd_bus_call_method(bus, CTL_DEST, w->job, CTL_IFACE_JOB, "Cancel",
			       &error, NULL, "") < 0)
		ctl_bus_report("Cancel", &error, -EIO);
	sd_bus_error_free(&error);
}

/* Process bus traffic until the job ends. 0, or an exit code. */
static int wait_job(sd_bus *bus, struct scan_wait *w)
{
	int r, handled = 0;

	while (!w->final && !w->daemon_gone) {
		if (interrupt_count() > handled) {
			if (handled++ > 0) {
				progress_end(&w->progress);
				fprintf(stderr, "mfpscanctl: stopped waiting; the job "
					"continues: %s\n", w->job);
				return 130;
			}
			cancel_job(bus, w);
		}
		r = sd_bus_process(bus, NULL);
		if (r > 0)
			continue;
		if (r == 0)
			r = sd_bus_wait(bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			return ctl_bus_report("waiting for the job", NULL, r);
	}
	progress_end(&w->progress);
	if (w->daemon_gone && !w->final) {
		fprintf(stderr, "mfpscanctl: the daemon left the bus; job %s is lost "
			"from view\n", w->job);
		return CTL_EXIT_FAIL;
	}
	return 0;
}

/* Tell the user where the document went; the exit code by final state. */
static int report_end(const struct scan_wait *w)
{
	const char *state = props_text(&w->props, "State", "");
	const char *error = props_text(&w->props, "Error", "");
	const char *ocr = props_text(&w->props, "Ocr", "");
	uint32_t pages = (uint32_t)props_num(&w->props, "Pages");

	if (*ocr)			/* what came of the text layer */
		printf("OCR: %s\n", ocr);
	if (strcmp(state, "done") == 0) {
		printf("Scanned %" PRIu32 " page%s; the document is at: %s\n", pages,
		       pages == 1 ? "" : "s", props_text(&w->props, "RemoteUrl", "?"));
		return CTL_EXIT_OK;
	}
	if (strcmp(state, "spooled") == 0) {
		/* The daemon's Error already says what failed and why. */
		printf("%s\nThe document was kept in the spool and will be retried "
		       "(see: mfpscanctl spool list).\n",
		       *error ? error : "The document could not be uploaded.");
		return CTL_EXIT_SPOOLED;
	}
	/* Refused after the pre-processing: the daemon's error name too. */
	if (*props_text(&w->props, "ErrorName", "")) {
		fprintf(stderr, "mfpscanctl: scan refused: %s: %s\n",
			props_text(&w->props, "ErrorName", ""),
			*error ? error : "no reason given");
		return CTL_EXIT_FAIL;
	}
	fprintf(stderr, "mfpscanctl: scan %s: %s\n", state,
		*error ? error : "no reason given");
	return CTL_EXIT_FAIL;
}

int cmd_scan(sd_bus *bus, int argc, char **argv)
{
	struct scan_opts a;
	struct scan_wait w;
	char account[512];
	int r;

	r = scan_opts_parse(&a, argc, argv, scan_options, usage_text, "scan");
	if (r)
		return r > 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	memset(&w, 0, sizeof(w));
	progress_init(&w.progress, stdout, a.pages);
	r = ctl_bus_account_path(bus, a.to, account, sizeof(account));
	if (!r && !a.no_wait)
		r = subscribe(bus, &w);
	if (!r)
		r = start_scan(bus, account, &a, &w);
	if (!r && a.no_wait) {
		printf("%s\n", w.job);
		return CTL_EXIT_OK;
	}
	interrupt_install();
	if (!r)
		r = read_job(bus, &w);
	if (!r)
		r = wait_job(bus, &w);
	if (!r)
		r = report_end(&w);
	props_clear(&w.props);
	return r;
}
