// SPDX-License-Identifier: GPL-2.0
/*
 * confirm_call: ask, call, say (see confirm_call.h). The pending call is
 * reference counted: the question holds it until answered, the call until
 * its reply.
 */
#include "confirm_call.h"
#include "confirm_dialog.h"
#include "job_text.h"

struct pending {
	struct daemon_client *dc;
	char *path, *iface, *method;
	GVariant *args;		/* sunk, or NULL */
	char *done, *failed;
	confirm_call_said_fn said;
	void *data;
};

static void pending_clear(gpointer data)
{
	struct pending *p = data;

	g_free(p->path);
	g_free(p->iface);
	g_free(p->method);
	g_clear_pointer(&p->args, g_variant_unref);
	g_free(p->done);
	g_free(p->failed);
}

static void pending_release(void *data)
{
	g_rc_box_release_full(data, pending_clear);
}

static void on_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	struct pending *p = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = dc_call_finish(p->dc, res, &error);
	g_autofree char *t = reply ? g_strdup(p->done) :
		g_strdup_printf(_("%s: %s"), p->failed, dc_error_text(error));

	p->said(t, p->data);
	pending_release(p);
}

static void on_answer(gboolean confirmed, void *data)
{
	struct pending *p = data;

	if (confirmed)
		dc_call(p->dc, p->path, p->iface, p->method, p->args, on_reply,
			g_rc_box_acquire(p));
}

void confirm_call_run(GtkWindow *parent, const struct confirm_call *c)
{
	struct pending *p = g_rc_box_new0(struct pending);

	p->dc = c->dc;
	p->path = g_strdup(c->path);
	p->iface = g_strdup(c->iface);
	p->method = g_strdup(c->method);
	p->args = c->args ? g_variant_ref_sink(c->args) : NULL;
	p->done = g_strdup(c->done);
	p->failed = g_strdup(c->failed);
	p->said = c->said;
	p->data = c->data;
	confirm_dialog_run(parent, c->heading, c->body, c->action, on_answer, p,
			   pending_release);
}
