/* SPDX-License-Identifier: GPL-2.0 */
/*
 * confirm_call: a call to the daemon that cannot be undone (discarding a
 * scan, deleting an account), asked first with confirm_dialog; once the
 * daemon answered, the page is given one sentence to show, whether it
 * worked or why not.
 */
#ifndef MFPSCAN_CONFIRM_CALL_H
#define MFPSCAN_CONFIRM_CALL_H

#include <gtk/gtk.h>

#include "daemon_client.h"

/* Called once with what to tell the person, after the daemon answered. */
typedef void (*confirm_call_said_fn)(const char *text, void *data);

struct confirm_call {
	const char *heading, *body, *action;	/* the question (confirm_dialog) */
	struct daemon_client *dc;
	const char *path, *iface, *method;
	GVariant *args;		/* NULL, or floating: consumed */
	const char *done;	/* the sentence when it worked */
	const char *failed;	/* ...when not, followed by ": " and the reason */
	confirm_call_said_fn said;
	void *data;		/* said's; must outlive the call (a page) */
};

/* confirm_call_run: ask over parent; call only if the person confirms.
 * The strings are copied: c may go at once. */
void confirm_call_run(GtkWindow *parent, const struct confirm_call *c);

#endif
