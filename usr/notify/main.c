// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-notify: the session agent that tells the person about their
 * scans on the desktop (see agent.h for what it says). It runs in the
 * user's session (XDG autostart or the systemd user unit
 * mfpscan-notify.service), connects to the system bus as the user and to
 * the session bus, and loops on both sockets. When the system bus goes
 * away it reconnects with a growing delay; when the session ends, so
 * does the agent.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "job_text.h"

#ifndef PANEL_VERSION
#define PANEL_VERSION "1.0"
#endif
#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif
#define RECONNECT_FIRST_MS 500
#define RECONNECT_MAX_MS 30000

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: mfpscan-notify [--panel PROGRAM]\n"
		"Show desktop notifications about your scans that could not be\n"
		"uploaded, and offer to retry them, save a copy or open the panel.\n"
		"  --panel PROGRAM   the scan panel to start (default: mfpscan-panel)\n"
		"  --version         print the version\n");
}

/* The next delay before reconnecting: doubled, at most RECONNECT_MAX_MS. */
static int next_delay(int delay)
{
	return delay >= RECONNECT_MAX_MS / 2 ? RECONNECT_MAX_MS : delay * 2;
}

/* Connect to the system bus, saying why not (once per outage). */
static bool link_up(struct daemon_link *link, bool *said)
{
	DBusError err = DBUS_ERROR_INIT;
	int rc = daemon_link_reconnect(link, &err);

	if (rc == 0) {
		if (*said)
			fprintf(stderr, "mfpscan-notify: system bus connected again\n");
		*said = false;
		return true;
	}
	if (!*said)
		fprintf(stderr, "mfpscan-notify: system bus: %s (will retry)\n",
			err.message ? err.message : strerror(-rc));
	*said = true;
	dbus_error_free(&err);
	return false;
}

/*
 * Dispatch what is queued on both connections, then sleep until one has
 * more. Queued messages must be dispatched before sleeping: a blocking
 * call (Notify, Get) reads the socket and may queue signals behind its
 * reply, which poll() would then never report.
 */
static int run(struct daemon_link *link, struct desktop *desk,
	       struct agent *agent)
{
	int delay = RECONNECT_FIRST_MS;
	bool up = false, said = false;

	while (!stop) {
		struct pollfd fds[2] = { { desktop_fd(desk), POLLIN, 0 },
					 { -1, POLLIN, 0 } };

		if (!up && (up = link_up(link, &said)))
			delay = RECONNECT_FIRST_MS;
		if (!desktop_process(desk)) {
			fprintf(stderr, "mfpscan-notify: the session ended\n");
			return 0;
		}
		if (up && !daemon_link_process(link)) {
			fprintf(stderr, "mfpscan-notify: lost the system bus\n");
			up = false;
			continue;
		}
		fds[1].fd = up ? daemon_link_fd(link) : -1;
		if (poll(fds, 2, up ? agent_timeout_ms(agent) : delay) < 0 &&
		    errno != EINTR)
			return 1;
		if (!up)
			delay = next_delay(delay);
		else
			agent_tick(agent);
	}
	return 0;
}

static const char *parse_args(int argc, char **argv, int *exit_code)
{
	static const struct option opts[] = {
		{ "panel", required_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *panel = "mfpscan-panel";
	int c;

	*exit_code = -1;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		if (c == 'p') {
			panel = optarg;
		} else if (c == 'V') {
			printf("mfpscan-notify %s\n", PANEL_VERSION);
			*exit_code = 0;
		} else {
			usage(c == 'h' ? stdout : stderr);
			*exit_code = c == 'h' ? 0 : 64;
		}
	}
	if (*exit_code < 0 && optind < argc) {
		usage(stderr);
		*exit_code = 64;
	}
	return panel;
}

int main(int argc, char **argv)
{
	struct sigaction term = { .sa_handler = on_term };
	struct sigaction children = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };
	DBusError err = DBUS_ERROR_INIT;
	struct daemon_link_events ev;
	struct daemon_link *link;
	struct desktop *desk;
	struct agent *agent;
	int code;
	const char *panel = parse_args(argc, argv, &code);

	if (code >= 0)
		return code;
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGINT, &term, NULL);
	sigaction(SIGCHLD, &children, NULL);	/* panels we start are not waited for */
	agent = agent_new(panel);
	if (!agent)
		return 1;
	desk = desktop_open(agent_on_action, agent, &err);
	if (!desk) {
		fprintf(stderr, "mfpscan-notify: session bus: %s\n", err.message);
		dbus_error_free(&err);
		agent_free(agent);
		return 1;
	}
	ev = agent_events(agent);
	link = daemon_link_new(&ev);
	agent_attach(agent, link, desk);
	code = link ? run(link, desk, agent) : 1;
	daemon_link_free(link);
	desktop_close(desk);
	agent_free(agent);
	return code;
}
