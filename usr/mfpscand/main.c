// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscand: the scan service (the patent's "information processing
 * server"). main() reads the configuration, sets up logging, the sd-event
 * loop with its signals and the worker->main post queue, connects to the
 * system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured), registers every object
 * before it takes the name org.mfpscan.Daemon1, tells systemd it is
 * ready, runs, and on SIGTERM/SIGINT tears everything down in reverse
 * order so that nothing is leaked. It never forks (systemd Type=dbus).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "accounts.h"
#include "bus.h"
#include "config.h"
#include "log.h"
#include "privsep.h"
#include "profiles.h"
#include "resume_abort.h"
#include "upload.h"

struct options {
	const char *config;
	const char *user;	/* --user: overrides [daemon] user */
	bool config_given;
	bool log_stderr;
	bool check_config;	/* --check-config: parse, report, exit */
};

/* --- the post queue (daemon_post) ---------------------------------------------- */

struct post_item {
	struct post_item *next;
	void (*fn)(struct daemon *d, void *arg);
	void *arg;
};

static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;	/* guards post_head/tail */
static struct post_item *post_head, *post_tail;

int daemon_post(struct daemon *d, void (*fn)(struct daemon *d, void *arg),
		void *arg)
{
	struct post_item *it = malloc(sizeof(*it));
	uint64_t one = 1;

	if (!it)
		return -ENOMEM;
	it->next = NULL;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&post_lock);
	if (post_tail)
		post_tail->next = it;
	else
		post_head = it;
	post_tail = it;
	pthread_mutex_unlock(&post_lock);
	/* an eventfd counter cannot fill up in practice; the item is queued anyway */
	if (write(d->post_fd, &one, sizeof(one)) < 0)
		log_errno(LOG_DEBUG, errno, "main: post wake-up");
	return 0;
}

/* Run what is queued now; returns how many callbacks ran. */
static size_t post_run(struct daemon *d)
{
	struct post_item *it;
	size_t n = 0;

	pthread_mutex_lock(&post_lock);
	it = post_head;
	post_head = post_tail = NULL;
	pthread_mutex_unlock(&post_lock);
	while (it) {
		struct post_item *next = it->next;

		it->fn(d, it->arg);
		free(it);
		it = next;
		n++;
	}
	return n;
}

static int on_post(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_errno(LOG_WARNING, errno, "main: post queue");
	post_run(userdata);
	return 0;
}

/* --- options -------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mfpscand [OPTION]...\n"
		"The mfpscan scan service: scanner engines, per-user storage accounts,\n"
		"uploads and the failed-upload spool, on the D-Bus system bus as\n"
		DAEMON_BUS_NAME ".\n\n"
		"  -c, --config FILE  configuration file (default " CONFIG_DEFAULT_PATH ";\n"
		"                     a missing default file means all defaults)\n"
		"  -f, --foreground   accepted for compatibility: mfpscand never forks\n"
		"  -s, --log-stderr   log to stderr instead of syslog/journal\n"
		"  -t, --check-config parse and check the configuration, then exit\n"
		"  -u, --user USER    started as root, run as USER (default: [daemon] user,\n"
		"                     mfpscan); root keeps root (privsep.rst)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n\n"
		"The bus is the system bus, or DBUS_SYSTEM_BUS_ADDRESS when set.\n");
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-stderr", no_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	o->config = CONFIG_DEFAULT_PATH;
	while ((c = getopt_long(argc, argv, "c:fstu:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; o->config_given = true; break;
		case 'f': break;
		case 's': o->log_stderr = true; break;
		case 't': o->check_config = true; break;
		case 'u': o->user = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("mfpscand %s\n", DAEMON_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mfpscand: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* --- setup and teardown ---------------------------------------------------------- */

/* Stop the workers and answer what they leave; idempotent. */
static void daemon_stop_work(struct daemon *d)
{
	d->exiting = true;
	if (d->jobs)
		jobs_free(d->jobs);
	d->jobs = NULL;
	bus_account_join_workers(d);
	resume_abort_join();
	/* callbacks may post more (a reply that frees a job); drain them all */
	while (post_run(d))
		;
}

/*
 * Runs when the loop exits, before sd-bus's own exit source (which
 * flushes and closes the connection), so the last replies still go out.
 */
static int on_exit_event(sd_event_source *s, void *userdata)
{
	daemon_stop_work(userdata);
	return 0;
}

/* No live reload: accounts change over the bus, the file needs a restart. */
static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *userdata)
{
	log_msg(LOG_NOTICE, "main: SIGHUP ignored: restart mfpscand to read a changed configuration");
	return 0;
}

static int setup_event(struct daemon *d, struct err *e)
{
	sd_event_source *exit_source = NULL;
	sigset_t ss;
	int r;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	/* blocked before any thread starts, so workers inherit the mask */
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	d->post_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->post_fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "main: eventfd: %s", strerror(errno));
	r = sd_event_default(&d->event);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGINT, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d);
	if (r >= 0)
		r = sd_event_add_exit(d->event, &exit_source, on_exit_event, d);
	if (r >= 0)
		r = sd_event_source_set_priority(exit_source, SD_EVENT_PRIORITY_IMPORTANT);
	/* hand it to the loop (freed with it) */
	if (r >= 0)
		r = sd_event_source_set_floating(exit_source, true);
	sd_event_source_unref(exit_source);
	if (r >= 0)
		r = sd_event_add_io(d->event, NULL, d->post_fd, EPOLLIN, on_post, d);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "main: event loop: %s", strerror(-r));
	return 0;
}

static int setup_bus(struct daemon *d, struct err *e)
{
	int r;

	r = sd_bus_open_system(&d->bus);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r,
			       "cannot connect to the system bus (%s): %s",
			       getenv("DBUS_SYSTEM_BUS_ADDRESS") ?: "default address",
			       strerror(-r));
	r = sd_bus_attach_event(d->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = sd_bus_set_exit_on_disconnect(d->bus, true);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "main: bus: %s", strerror(-r));
	r = bus_init(d, e);
	if (r == 0)
		r = bus_manager_register(d, e);
	if (r == 0)
		r = bus_account_register(d, e);
	return r;
}

static int setup_jobs(struct daemon *d, struct err *e)
{
	int r;

	r = jobs_new(d, &d->jobs, e);
	if (r < 0) {
		err_prefix(e, "cannot start the job service");
		return r;
	}
	r = jobs_register_bus(d->jobs);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r,
			       "cannot register the job objects: %s", strerror(-r));
	return 0;
}

static int request_name(struct daemon *d, struct err *e)
{
	int r = sd_bus_request_name(d->bus, DAEMON_BUS_NAME, 0);

	if (r == -EEXIST || r == -EALREADY)
		return err_set(e, ERR_LOCAL, -r, -r,
			       "cannot own %s: another mfpscand is already running",
			       DAEMON_BUS_NAME);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r,
			       "cannot own %s: %s (the bus policy file org.mfpscan.Daemon1.conf must be installed and let mfpscand's user own the name)",
			       DAEMON_BUS_NAME, strerror(-r));
	return 0;
}

static int daemon_setup(struct daemon *d, struct err *e)
{
	int r;

	r = upload_init();
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "cannot initialise libcurl");
	r = setup_event(d, e);
	if (r == 0)
		r = accounts_load(d, &d->accounts, e);
	if (r == 0)
		r = setup_bus(d, e);
	if (r == 0)
		r = setup_jobs(d, e);
	if (r == 0)
		r = bus_profiles_setup(d, e);	/* panel profiles, udev monitor */
	if (r == 0)
		r = request_name(d, e);
	return r;
}

static void daemon_teardown(struct daemon *d)
{
	daemon_stop_work(d);
	if (d->bus) {
		bus_done(d);
		sd_bus_flush_close_unref(d->bus);
	}
	accounts_free(d->accounts);
	sd_event_unref(d->event);
	if (d->post_fd >= 0)
		close(d->post_fd);
	privsep_teardown();
	config_free(d->config);
}

/* --user USER replaces the configuration's [daemon] user. */
static int apply_user_option(struct config *c, const char *user, struct err *e)
{
	char *dup;

	if (!user)
		return 0;
	dup = strdup(user);
	if (!dup)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "out of memory");
	free(c->user);
	c->user = dup;
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .post_fd = -1 };
	struct options o = { 0 };
	struct err e;
	int r;

	r = parse_options(argc, argv, &o);
	if (r >= 0)
		return r;
	err_clear(&e);
	/* syslog unless asked or run by hand on a terminal outside systemd */
	log_open("mfpscand", !o.log_stderr &&
		 (!isatty(STDERR_FILENO) || getenv("INVOCATION_ID")), LOG_INFO);
	if (config_load(o.config, o.config_given, &d.config, &e) < 0) {
		log_msg(LOG_ERR, "main: configuration: %s", e.msg);
		fprintf(stderr, "mfpscand: configuration: %s\n", e.msg);
		return 1;
	}
	if (o.check_config) {
		/* For admins and packaging: validate before a restart. */
		printf("mfpscand: %s: configuration is valid\n", o.config);
		config_free(d.config);
		return 0;
	}
	log_open("mfpscand", !o.log_stderr &&
		 (!isatty(STDERR_FILENO) || getenv("INVOCATION_ID")),
		 d.config->log_level);
	r = apply_user_option(d.config, o.user, &e);
	if (r == 0)
		r = privsep_setup(d.config, o.config, o.log_stderr, &e);
	if (r == 0)
		r = daemon_setup(&d, &e);
	if (r == 0) {
		log_msg(LOG_INFO, "mfpscand %s ready on the bus as %s", DAEMON_VERSION,
			DAEMON_BUS_NAME);
		sd_notify(0, "READY=1");
		r = sd_event_loop(d.event);
		sd_notify(0, "STOPPING=1");
		if (r < 0)
			log_errno(LOG_ERR, -r, "main: event loop ended");
		else
			log_msg(LOG_INFO, "main: stopping");
	} else {
		log_msg(LOG_ERR, "main: %s", e.msg);
		if (o.log_stderr == false)
			fprintf(stderr, "mfpscand: %s\n", e.msg);
	}
	daemon_teardown(&d);
	return r == 0 ? 0 : 1;
}
