// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_accounts: managing the caller's accounts over D-Bus. "add" maps the
 * command line onto Manager.CreateAccount's settings dictionary and reads
 * the secret from a file, stdin or a no-echo prompt (never argv); "update"
 * sends only the settings given (Account.Update) and, when asked, new
 * secrets (Account.SetSecrets); "check" runs Account.Check (log in, free
 * space). Messages holding a secret are marked sensitive so sd-bus wipes
 * them when freed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_accounts.h"
#include "ctl.h"
#include "ctl_bus.h"
#include "props.h"
#include "secret.h"

/* Settings keys of CreateAccount/Update, in option order. */
static const char *const setting_keys[] = {
	"url", "username", "folder", "name-template", "notify-email",
	"ca-file", "host-key", "region", "domain", "ocr", "allow-insecure-http",
};
#define N_SETTINGS (sizeof(setting_keys) / sizeof(setting_keys[0]))
#define OPT_SETTING 1000

enum { OPT_PW_FILE = 2000, OPT_PW_STDIN, OPT_ASK_PW, OPT_ACCESS_KEY };

struct acct_args {
	const char *type;
	const char *settings[N_SETTINGS];
	const char *password_file;
	const char *access_key;
	bool password_stdin;
	bool ask_password;
};

static const struct option acct_options[] = {
	{ "type", required_argument, NULL, 't' },
	{ "url", required_argument, NULL, OPT_SETTING + 0 },
	{ "username", required_argument, NULL, OPT_SETTING + 1 },
	{ "folder", required_argument, NULL, OPT_SETTING + 2 },
	{ "name-template", required_argument, NULL, OPT_SETTING + 3 },
	{ "notify-email", required_argument, NULL, OPT_SETTING + 4 },
	{ "ca-file", required_argument, NULL, OPT_SETTING + 5 },
	{ "host-key", required_argument, NULL, OPT_SETTING + 6 },
	{ "region", required_argument, NULL, OPT_SETTING + 7 },
	{ "domain", required_argument, NULL, OPT_SETTING + 8 },
	{ "ocr", required_argument, NULL, OPT_SETTING + 9 },
	{ "allow-insecure-http", required_argument, NULL, OPT_SETTING + 10 },
	{ "password-file", required_argument, NULL, OPT_PW_FILE },
	{ "password-stdin", no_argument, NULL, OPT_PW_STDIN },
	{ "ask-password", no_argument, NULL, OPT_ASK_PW },
	{ "access-key", required_argument, NULL, OPT_ACCESS_KEY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"Usage: mfpscanctl accounts list\n"
	"       mfpscanctl accounts show NAME\n"
	"       mfpscanctl accounts add NAME --type TYPE [SETTINGS] [SECRET]\n"
	"       mfpscanctl accounts update NAME [SETTINGS] [SECRET]\n"
	"       mfpscanctl accounts check NAME\n"
	"       mfpscanctl accounts remove NAME\n"
	"\n"
	"Your storage destinations. TYPE is local, webdav, s3, sftp or smb.\n"
	"SETTINGS:\n"
	"  --url URL               server URL (webdav https://.., s3, sftp://..,\n"
	"                          smb://server/share)\n"
	"  --username USER         login name\n"
	"  --folder DIR            folder on the server (local: the directory)\n"
	"  --name-template T       file names, e.g. \"scan-%Y%m%d-%H%M%S-%n\"\n"
	"  --notify-email ADDR     mail when an upload fails or recovers\n"
	"  --ca-file FILE          trust this CA (self-signed servers)\n"
	"  --host-key SHA256       sftp: pinned host key (SHA256:...)\n"
	"  --region R              s3: region\n"
	"  --domain D              smb: domain or workgroup\n"
	"  --ocr on|off|LANGS      default of its PDF scans: a searchable text layer\n"
	"  --allow-insecure-http yes|no\n"
	"                          webdav, s3: log in over a plain http:// url\n"
	"                          (password and documents unencrypted)\n"
	"SECRET (never on the command line):\n"
	"  --password-file FILE    first line of FILE is the password\n"
	"  --password-stdin        first line of standard input\n"
	"  --ask-password          prompt (add prompts by itself on a terminal)\n"
	"  --access-key ID         s3: access key id (the secret key is the\n"
	"                          password read as above)\n";

static int usage(FILE *out, int code)
{
	fputs(usage_text, out);
	return code;
}

/*
 * Parse options after "accounts"; positional args stay in argv from
 * optind. Returns 0, 1 when --help was shown, -1 on a usage error.
 */
static int parse_args(int argc, char **argv, struct acct_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", acct_options, NULL)) != -1) {
		if (c >= OPT_SETTING && c < OPT_SETTING + (int)N_SETTINGS)
			a->settings[c - OPT_SETTING] = optarg;
		else if (c == 't')
			a->type = optarg;
		else if (c == OPT_PW_FILE)
			a->password_file = optarg;
		else if (c == OPT_PW_STDIN)
			a->password_stdin = true;
		else if (c == OPT_ASK_PW)
			a->ask_password = true;
		else if (c == OPT_ACCESS_KEY)
			a->access_key = optarg;
		else if (c == 'h')
			return usage(stdout, 1);
		else
			return -1;
	}
	if (a->password_file && a->password_stdin) {
		fputs("mfpscanctl: use one of --password-file and --password-stdin\n",
		      stderr);
		return -1;
	}
	return 0;
}

static int append_settings(sd_bus_message *m, const struct acct_args *a)
{
	size_t i;
	int r;

	r = sd_bus_message_open_container(m, 'a', "{sv}");
	for (i = 0; r >= 0 && i < N_SETTINGS; i++)
		if (a->settings[i])
			r = sd_bus_message_append(m, "{sv}", setting_keys[i], "s",
						  a->settings[i]);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static bool has_settings(const struct acct_args *a)
{
	size_t i;

	for (i = 0; i < N_SETTINGS; i++)
		if (a->settings[i])
			return true;
	return false;
}

/*
 * Get the secret as the options say. @prompt_default: prompt on a terminal
 * even without --ask-password. Returns 1 with @buf filled, 0 when there is
 * no secret to send, or -CTL_EXIT_* after printing why.
 */
static int read_secret(const struct acct_args *a, const char *name,
		       bool prompt_default, char *buf, size_t len)
{
	char prompt[320];
	int r;

	if (a->password_file)
		r = secret_from_file(a->password_file, buf, len);
	else if (a->password_stdin)
		r = secret_from_stdin(buf, len);
	else if (a->ask_password || (prompt_default && secret_can_prompt())) {
		snprintf(prompt, sizeof(prompt), "%s for account \"%s\": ",
			 a->type && strcmp(a->type, "s3") == 0 ? "Secret key" :
			 "Password", name);
		r = secret_prompt(prompt, buf, len);
	} else
		return 0;
	if (r < 0) {
		fprintf(stderr, "mfpscanctl: cannot read the password%s%s: %s\n",
			a->password_file ? " from " : "",
			a->password_file ? a->password_file : "", strerror(-r));
		return -CTL_EXIT_FAIL;
	}
	return 1;
}

static int append_secrets(sd_bus_message *m, const struct acct_args *a,
			  const char *type, const char *secret)
{
	int r;

	r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0 && secret)
		r = sd_bus_message_append(m, "{sv}",
					  type && strcmp(type, "s3") == 0 ?
					  "secret-key" : "password", "s", secret);
	if (r >= 0 && a->access_key)
		r = sd_bus_message_append(m, "{sv}", "access-key", "s",
					  a->access_key);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

/* Send @m (a method call) and report errors as "@what". */
static int call(sd_bus *bus, sd_bus_message *m, const char *what,
		sd_bus_message **reply)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call(bus, m, CTL_SLOW_CALL_USEC, &error, reply);
	if (r < 0) {
		r = ctl_bus_report(what, &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	return CTL_EXIT_OK;
}

static int do_add(sd_bus *bus, const char *name, const struct acct_args *a)
{
	sd_bus_message *m = NULL, *reply = NULL;
	char secret[SECRET_MAX];
	const char *path;
	int r, have;

	if (!a->type) {
		fputs("mfpscanctl: accounts add needs --type (local, webdav, s3, sftp, smb)\n",
		      stderr);
		return CTL_EXIT_USAGE;
	}
	have = read_secret(a, name, strcmp(a->type, "local") != 0, secret,
			   sizeof(secret));
	if (have < 0)
		return -have;
	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, CTL_PATH,
					   CTL_IFACE_MANAGER, "CreateAccount");
	if (r >= 0)
		r = sd_bus_message_sensitive(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", name, a->type);
	if (r >= 0)
		r = append_settings(m, a);
	if (r >= 0)
		r = append_secrets(m, a, a->type, have ? secret : NULL);
	secret_wipe(secret, sizeof(secret));
	r = r < 0 ? ctl_bus_report("CreateAccount", NULL, r) :
		call(bus, m, "CreateAccount", &reply);
	sd_bus_message_unref(m);
	if (r == CTL_EXIT_OK && sd_bus_message_read(reply, "o", &path) > 0)
		printf("Account \"%s\" created: %s\n", name, path);
	sd_bus_message_unref(reply);
	return r;
}

/* Account.Update with the settings given, if any. */
static int update_settings(sd_bus *bus, const char *path,
			   const struct acct_args *a)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, path,
					   CTL_IFACE_ACCOUNT, "Update");
	if (r >= 0)
		r = append_settings(m, a);
	r = r < 0 ? ctl_bus_report("Update", NULL, r) :
		call(bus, m, "Update", NULL);
	sd_bus_message_unref(m);
	return r;
}

/* Account.SetSecrets with @secret (and the access key, if given). */
static int update_secrets(sd_bus *bus, const char *path, const char *type,
			  const struct acct_args *a, const char *secret)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, path,
					   CTL_IFACE_ACCOUNT, "SetSecrets");
	if (r >= 0)
		r = sd_bus_message_sensitive(m);
	if (r >= 0)
		r = append_secrets(m, a, type, secret);
	r = r < 0 ? ctl_bus_report("SetSecrets", NULL, r) :
		call(bus, m, "SetSecrets", NULL);
	sd_bus_message_unref(m);
	return r;
}

/* The account's Type property (for the secret's key name), or "". */
static void account_type(sd_bus *bus, const char *path, char *type, size_t len)
{
	char *value = NULL;

	type[0] = '\0';
	if (sd_bus_get_property_string(bus, CTL_DEST, path, CTL_IFACE_ACCOUNT,
				       "Type", NULL, &value) >= 0) {
		snprintf(type, len, "%s", value);
		free(value);
	}
}

static int do_update(sd_bus *bus, const char *name, const struct acct_args *a)
{
	char path[512], type[32], secret[SECRET_MAX];
	int r, have;

	r = ctl_bus_account_path(bus, name, path, sizeof(path));
	if (r)
		return r;
	account_type(bus, path, type, sizeof(type));
	have = read_secret(a, name, false, secret, sizeof(secret));
	if (have < 0)
		return -have;
	if (!have && !has_settings(a) && !a->access_key) {
		fputs("mfpscanctl: accounts update: nothing to change\n", stderr);
		return CTL_EXIT_USAGE;
	}
	r = has_settings(a) ? update_settings(bus, path, a) : CTL_EXIT_OK;
	if (r == CTL_EXIT_OK && (have || a->access_key))
		r = update_secrets(bus, path, type, a, have ? secret : NULL);
	secret_wipe(secret, sizeof(secret));
	if (r == CTL_EXIT_OK)
		printf("Account \"%s\" updated\n", name);
	return r;
}

static int do_list(sd_bus *bus)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p, *n, *t;
	int r;

	r = sd_bus_call_method(bus, CTL_DEST, CTL_PATH, CTL_IFACE_MANAGER,
			       "ListDestinations", &error, &reply, "");
	if (r < 0) {
		r = ctl_bus_report("ListDestinations", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(oss)");
	printf("%-20s %-7s %-40s %s\n", "NAME", "TYPE", "WHERE", "ID");
	while (r >= 0 && (r = sd_bus_message_read(reply, "(oss)", &p, &n, &t)) > 0) {
		sd_bus_message *props_reply = NULL;
		struct props pr = { 0 };
		char where[1024] = "";

		if (ctl_bus_get_all(bus, p, CTL_IFACE_ACCOUNT, &props_reply) == 0 &&
		    props_read(props_reply, &pr) == 0)
			snprintf(where, sizeof(where), "%s%s%s",
				 props_text(&pr, "Url", ""),
				 *props_text(&pr, "Url", "") ? " " : "",
				 props_text(&pr, "Folder", ""));
		printf("%-20s %-7s %-40s %s\n", n, t, where, ctl_bus_short_id(p));
		props_clear(&pr);
		sd_bus_message_unref(props_reply);
	}
	sd_bus_message_unref(reply);
	return r < 0 ? ctl_bus_report("ListDestinations", NULL, r) : CTL_EXIT_OK;
}

static int do_show(sd_bus *bus, const char *name)
{
	sd_bus_message *reply = NULL;
	struct props pr = { 0 };
	char path[512];
	size_t i;
	int r;

	r = ctl_bus_account_path(bus, name, path, sizeof(path));
	if (r)
		return r;
	r = ctl_bus_get_all(bus, path, CTL_IFACE_ACCOUNT, &reply);
	if (r)
		return r;
	r = props_read(reply, &pr);
	sd_bus_message_unref(reply);
	if (r < 0)
		return ctl_bus_report(path, NULL, r);
	printf("%-13s %s\n", "Path:", path);
	for (i = 0; i < pr.n; i++)
		printf("%-12s: %s\n", pr.v[i].name, pr.v[i].text);
	props_clear(&pr);
	return CTL_EXIT_OK;
}

/*
 * Print Check()'s answer. The daemon's message already says how much is
 * free when the server tells it (free_bytes is 0 when it does not), so
 * the message is shown as it is.
 */
static int print_check(const char *name, int ok, uint64_t free_bytes,
		       const char *msg)
{
	(void)free_bytes;
	if (!ok) {
		fprintf(stderr, "mfpscanctl: account \"%s\" check failed: %s\n",
			name, msg);
		return CTL_EXIT_FAIL;
	}
	printf("%s: ok: %s\n", name, msg);
	return CTL_EXIT_OK;
}

static int do_check(sd_bus *bus, const char *name)
{
	sd_bus_message *m = NULL, *reply = NULL;
	const char *msg;
	uint64_t free_bytes;
	char path[512];
	int r, ok;

	r = ctl_bus_account_path(bus, name, path, sizeof(path));
	if (r)
		return r;
	r = sd_bus_message_new_method_call(bus, &m, CTL_DEST, path,
					   CTL_IFACE_ACCOUNT, "Check");
	r = r < 0 ? ctl_bus_report("Check", NULL, r) : call(bus, m, "Check", &reply);
	sd_bus_message_unref(m);
	if (r)
		return r;
	r = sd_bus_message_read(reply, "bts", &ok, &free_bytes, &msg);
	r = r < 0 ? ctl_bus_report("Check", NULL, r) :
		print_check(name, ok, free_bytes, msg);
	sd_bus_message_unref(reply);
	return r;
}

static int do_remove(sd_bus *bus, const char *name)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char path[512];
	int r;

	r = ctl_bus_account_path(bus, name, path, sizeof(path));
	if (r)
		return r;
	r = sd_bus_call_method(bus, CTL_DEST, path, CTL_IFACE_ACCOUNT, "Delete",
			       &error, NULL, "");
	if (r < 0) {
		r = ctl_bus_report("Delete", &error, r);
		sd_bus_error_free(&error);
		return r;
	}
	printf("Account \"%s\" removed\n", name);
	return CTL_EXIT_OK;
}

/* Dispatch on the verb; @name is the positional NAME or NULL. */
static int dispatch(sd_bus *bus, const char *verb, const char *name,
		    const struct acct_args *a)
{
	if (strcmp(verb, "list") == 0)
		return do_list(bus);
	if (!name)
		return usage(stderr, CTL_EXIT_USAGE);
	if (strcmp(verb, "add") == 0)
		return do_add(bus, name, a);
	if (strcmp(verb, "update") == 0)
		return do_update(bus, name, a);
	if (strcmp(verb, "show") == 0)
		return do_show(bus, name);
	if (strcmp(verb, "check") == 0)
		return do_check(bus, name);
	if (strcmp(verb, "remove") == 0)
		return do_remove(bus, name);
	fprintf(stderr, "mfpscanctl: unknown accounts command \"%s\"\n", verb);
	return usage(stderr, CTL_EXIT_USAGE);
}

int cmd_accounts(sd_bus *bus, int argc, char **argv)
{
	struct acct_args a;
	int r, npos;

	r = parse_args(argc, argv, &a);
	if (r > 0)
		return CTL_EXIT_OK;
	if (r < 0)
		return usage(stderr, CTL_EXIT_USAGE);
	npos = argc - optind;
	if (npos < 1 || npos > 2)
		return usage(stderr, CTL_EXIT_USAGE);
	return dispatch(bus, argv[optind], npos == 2 ? argv[optind + 1] : NULL, &a);
}
