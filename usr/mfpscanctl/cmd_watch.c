// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_watch: one line per event from org.mfpscan.Daemon1 (see cmd_watch.h).
 *
 * The match takes every signal the daemon sends to this connection; the
 * daemon decides who gets what (a user only receives signals about their
 * own objects), so what watch prints is exactly what this user is told.
 * Lines are flushed one by one so that a pipe or log sees them at once.
 *
 * After adding the match, watch calls Manager.Subscribe: root receives no
 * signal without it (other users get their own anyway), and the reply
 * proves the daemon is there. "watching" is printed to stderr after that
 * call: from then on no event is missed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_watch.h"
#include "ctl.h"
#include "ctl_bus.h"
#include "interrupt.h"
#include "props.h"

static const char watch_usage[] =
	"Usage: mfpscanctl watch\n"
	"\n"
	"Print events about your jobs and spooled documents until Ctrl-C:\n"
	"  upload-failed ENTRY CLASS MESSAGE\n"
	"  upload-recovered ENTRY URL\n"
	"  needs-attention ENTRY\n"
	"  partial-kept ENTRY PAGES MESSAGE\n"
	"  discarded ENTRY BY_UID (by the administrator)\n"
	"  job ID STATE [PAGES=N] [ERROR=...]\n"
	"  spool ID STATE [RETRIES=N] [ERROR=...]\n"
	"  added PATH | removed PATH\n";

static void print_manager_signal(sd_bus_message *m, const char *member)
{
	const char *entry = "", *a = "", *b = "";
	uint32_t n = 0;

	if (strcmp(member, "UploadFailed") == 0 &&
	    sd_bus_message_read(m, "oss", &entry, &a, &b) >= 0)
		printf("upload-failed %s %s %s\n", ctl_bus_short_id(entry), a, b);
	else if (strcmp(member, "UploadRecovered") == 0 &&
		 sd_bus_message_read(m, "os", &entry, &a) >= 0)
		printf("upload-recovered %s %s\n", ctl_bus_short_id(entry), a);
	else if (strcmp(member, "NeedsAttention") == 0 &&
		 sd_bus_message_read(m, "o", &entry) >= 0)
		printf("needs-attention %s\n", ctl_bus_short_id(entry));
	else if (strcmp(member, "PartialDocumentKept") == 0 &&
		 sd_bus_message_read(m, "ous", &entry, &n, &b) >= 0)
		printf("partial-kept %s %u %s\n", ctl_bus_short_id(entry), n, b);
	else if (strcmp(member, "EntryDiscarded") == 0 &&
		 sd_bus_message_read(m, "ou", &entry, &n) >= 0)
		printf("discarded %s %u\n", ctl_bus_short_id(entry), n);
	else
		printf("signal %s\n", member);
}

/* "job 3 uploading PAGES=2" from a PropertiesChanged. */
static void print_changed(sd_bus_message *m, const char *path)
{
	struct props p = { 0 };
	const char *iface, *kind;

	if (sd_bus_message_read(m, "s", &iface) < 0 || props_read(m, &p) < 0)
		goto out;
	if (strcmp(iface, CTL_IFACE_JOB) == 0)
		kind = "job";
	else if (strcmp(iface, CTL_IFACE_SPOOL) == 0)
		kind = "spool";
	else if (strcmp(iface, CTL_IFACE_ACCOUNT) == 0)
		kind = "account";
	else
		goto out;
	printf("%s %s %s", kind, ctl_bus_short_id(path),
	       props_text(&p, "State", "changed"));
	if (props_has(&p, "Pages"))
		printf(" PAGES=%s", props_text(&p, "Pages", ""));
	if (props_has(&p, "RetriesLeft"))
		printf(" RETRIES=%s", props_text(&p, "RetriesLeft", ""));
	if (props_has(&p, "RemoteUrl") && *props_text(&p, "RemoteUrl", ""))
		printf(" URL=%s", props_text(&p, "RemoteUrl", ""));
	if (props_has(&p, "Error") && *props_text(&p, "Error", ""))
		printf(" ERROR=%s", props_text(&p, "Error", ""));
	if (props_has(&p, "LastError") && *props_text(&p, "LastError", ""))
		printf(" ERROR=%s", props_text(&p, "LastError", ""));
	putchar('\n');
out:
	props_clear(&p);
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const char *iface = sd_bus_message_get_interface(m);
	const char *member = sd_bus_message_get_member(m);
	const char *path = sd_bus_message_get_path(m);
	const char *obj;

	(void)userdata;
	(void)ret_error;
	if (!iface || !member || !path)
		return 0;
	if (strcmp(iface, CTL_IFACE_MANAGER) == 0)
		print_manager_signal(m, member);
	else if (strcmp(member, "PropertiesChanged") == 0)
		print_changed(m, path);
	else if (strcmp(member, "InterfacesAdded") == 0 &&
		 sd_bus_message_read(m, "o", &obj) >= 0)
		printf("added %s\n", obj);
	else if (strcmp(member, "InterfacesRemoved") == 0 &&
		 sd_bus_message_read(m, "o", &obj) >= 0)
		printf("removed %s\n", obj);
	fflush(stdout);
	return 0;
}

int cmd_watch(sd_bus *bus, int argc, char **argv)
{
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(watch_usage, stdout);
		return CTL_EXIT_OK;
	}
	if (argc != 1) {
		fputs(watch_usage, stderr);
		return CTL_EXIT_USAGE;
	}
	r = sd_bus_add_match(bus, NULL, "type='signal',sender='" CTL_DEST "'",
			     on_signal, NULL);
	if (r < 0)
		return ctl_bus_report("subscribing to the daemon's signals", NULL, r);
	/* also introduces this connection, so that its uid is known */
	if (ctl_bus_subscribe(bus))
		return CTL_EXIT_FAIL;
	interrupt_install();
	fputs("mfpscanctl: watching (Ctrl-C to stop)\n", stderr);
	while (!interrupt_count()) {
		r = sd_bus_process(bus, NULL);
		if (r > 0)
			continue;
		if (r == 0)
			r = sd_bus_wait(bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			return ctl_bus_report("watching", NULL, r);
	}
	return CTL_EXIT_OK;
}
