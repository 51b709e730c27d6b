// SPDX-License-Identifier: GPL-2.0
/*
 * agent: signals to notifications, actions to calls (see agent.h).
 * Wording comes from job_text, shared with the panel, so the two never
 * describe the same failure differently.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "entries.h"
#include "job_text.h"
#include "notice_view.h"

extern char **environ;

#define NOTICES_RETRY_MS 2000	/* notices not shown: try again after */

struct agent {
	const char *panel;
	struct daemon_link *link;
	struct desktop *desk;
	struct entries entries;
	struct notice_view notices;
	int notices_retry_ms;		/* > 0: some could not be shown yet */
};

struct agent *agent_new(const char *panel)
{
	struct agent *a = calloc(1, sizeof(*a));

	if (a)
		a->panel = panel;
	return a;
}

struct agent *agent_free(struct agent *a)
{
	free(a);
	return NULL;
}

void agent_attach(struct agent *a, struct daemon_link *link, struct desktop *desk)
{
	a->link = link;
	a->desk = desk;
}

/* The entry for path, its document name read from the daemon when new. */
static struct entry *entry_of(struct agent *a, const char *path)
{
	char name[ENTRY_NAME_MAX];
	struct entry *e = entries_find(&a->entries, path);

	if (e)
		return e;
	daemon_link_entry_name(a->link, path, name, sizeof(name));
	return entries_get(&a->entries, path, *name ? name : _("A scan"));
}

/* The actions of a failure: key, label pairs. "default" is what a click
 * on the notification itself does (servers show it as no button). */
static const char *const failure_actions[] = {
	"retry", N_("Retry Now"), "save", N_("Save a Copy…"),
	"open", N_("Open Panel"), "default", N_("Open Panel"), NULL };
#define ACTIONS_MAX (sizeof(failure_actions) / sizeof(failure_actions[0]))

static void on_failed(const char *path, const char *error_class,
		      const char *message, void *data)
{
	const char *labels[ACTIONS_MAX];
	struct agent *a = data;
	struct entry *e = entry_of(a, path);
	char summary[512], body[1024];
	struct desktop_note n = { .summary = summary, .body = body,
				  .actions = labels, .urgency = DESKTOP_NORMAL,
				  .resident = true };

	if (e->failure_shown)
		return;	/* once per document; the panel shows the rest */
	for (size_t i = 0; i < ACTIONS_MAX; i++)
		labels[i] = i % 2 && failure_actions[i] ? _(failure_actions[i]) :
							  failure_actions[i];
	snprintf(summary, sizeof(summary), _("“%s” was not uploaded"), e->name);
	snprintf(body, sizeof(body),
		 _("%s. Your scan is kept safe and will be sent again "
		   "automatically.\n%s"), job_text_error_class(error_class), message);
	e->notification = desktop_notify(a->desk, &n);
	e->failure_shown = e->notification != 0;
}

static void on_recovered(const char *path, const char *url, void *data)
{
	struct agent *a = data;
	struct entry *e = entry_of(a, path);
	char summary[512];
	struct desktop_note n = { .replaces = e->notification, .summary = summary,
				  .body = url, .urgency = DESKTOP_LOW };

	snprintf(summary, sizeof(summary), _("“%s” was uploaded"), e->name);
	desktop_notify(a->desk, &n);
	entries_forget(&a->entries, path);
}

static void on_attention(const char *path, void *data)
{
	const char *labels[ACTIONS_MAX];
	struct agent *a = data;
	struct entry *e = entry_of(a, path);
	char summary[512];
	struct desktop_note n = { .replaces = e->notification, .summary = summary,
		.body = _("Every automatic attempt failed. It is kept until you "
			  "retry it, save a copy or discard it."),
		.actions = labels, .urgency = DESKTOP_CRITICAL, .resident = true };

	for (size_t i = 0; i < ACTIONS_MAX; i++)
		labels[i] = i % 2 && failure_actions[i] ? _(failure_actions[i]) :
							  failure_actions[i];
	snprintf(summary, sizeof(summary), _("“%s” needs your attention"), e->name);
	e->notification = desktop_notify(a->desk, &n);
}

/* As loud as the live notification of the same news (on_failed & co). */
static enum desktop_urgency notice_urgency(const char *kind)
{
	if (strcmp(kind, "needs-attention") == 0)
		return DESKTOP_CRITICAL;
	if (strcmp(kind, "sent-after-retry") == 0)
		return DESKTOP_LOW;
	return DESKTOP_NORMAL;
}

/* The daemon is there: show what it kept for the person and was not
 * shown yet (notices raised at its start reached no session). A click
 * acknowledges one; a notice closed unseen comes again next session. */
static void on_daemon_up(void *data)
{
	const char *const actions[] = { "default", _("OK"), NULL };
	struct agent *a = data;
	struct daemon_notice *v = NULL;
	size_t n = 0;

	a->notices_retry_ms = 0;
	if (daemon_link_notices(a->link, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct desktop_note note = {
			.summary = notice_view_summary(v[i].kind),
			.body = v[i].text,
			.actions = actions,
			.urgency = notice_urgency(v[i].kind),
		};
		uint32_t id;

		if (notice_view_shown(&a->notices, v[i].id))
			continue;
		id = desktop_notify(a->desk, &note);
		if (id)
			notice_view_add(&a->notices, v[i].id, id);
		else	/* no notification server yet (the session starting) */
			a->notices_retry_ms = 1;
	}
	daemon_notices_free(v, n);
}

int agent_timeout_ms(struct agent *a)
{
	return a->notices_retry_ms ? NOTICES_RETRY_MS : -1;
}

void agent_tick(struct agent *a)
{
	if (a->notices_retry_ms)
		on_daemon_up(a);
}

struct daemon_link_events agent_events(struct agent *a)
{
	struct daemon_link_events ev = { on_failed, on_recovered, on_attention,
					 on_daemon_up, a };

	return ev;
}

/* Start the panel (it hands itself to a running instance). */
static void start_panel(struct agent *a, const char *option, const char *arg)
{
	char *argv[] = { (char *)a->panel, (char *)option, (char *)arg, NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, a->panel, NULL, NULL, argv, environ);

	if (rc)
		fprintf(stderr, "mfpscan-notify: cannot start %s: %s\n", a->panel,
			strerror(rc));
}

void agent_on_action(uint32_t id, const char *action, void *data)
{
	struct agent *a = data;
	struct entry *e = entries_by_notification(&a->entries, id);
	uint64_t notice = notice_view_take(&a->notices, id);
	int rc;

	if (notice) {
		rc = daemon_link_ack_notice(a->link, notice);
		if (rc)
			fprintf(stderr, "mfpscan-notify: acknowledging notice %llu: %s\n",
				(unsigned long long)notice, strerror(-rc));
		return;
	}
	if (!e)
		return;	/* another application's notification */
	if (strcmp(action, "retry") == 0) {
		rc = daemon_link_retry(a->link, e->path);
		if (rc)
			fprintf(stderr, "mfpscan-notify: retry %s: %s\n", e->path,
				strerror(-rc));
	} else if (strcmp(action, "save") == 0) {
		start_panel(a, "--save", e->path);
	} else {
		start_panel(a, "--page", "waiting");
	}
}
