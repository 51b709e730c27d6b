// SPDX-License-Identifier: GPL-2.0
/*
 * config: parse and validate mfpscand.conf (see config.h). inih does the
 * INI syntax; it reads through our own line reader so that every message
 * can name the line, and a line too long for inih is an error instead of
 * being split in two. Each key has one setter that validates its value.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "spool.h"
#include "upload.h"

#define CONFIG_FILE_MAX		(1024 * 1024)
#define CONFIG_PATH_MAX		4096
#define CONFIG_SEEN_MAX		256

struct config_parse {
	struct config *c;
	struct err *e;
	const char *file;
	const char *text;	/* what the reader has not handed out yet */
	unsigned int line;	/* of the line inih is working on */
	bool failed;
	bool devices_from_file;
	char *seen[CONFIG_SEEN_MAX];	/* "section\nkey" given so far */
	size_t n_seen;
};

typedef int (*config_setter)(struct config_parse *p, const char *key,
			     const char *value);

struct config_key {
	const char *section;
	const char *key;
	config_setter set;
};

static int config_fail(struct config_parse *p, const char *section,
		       const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record the first error as "file:line: [section] key: why"; returns 0. */
static int config_fail(struct config_parse *p, const char *section,
		       const char *key, const char *fmt, ...)
{
	char why[ERR_MSG_MAX];
	va_list ap;

	if (p->failed)
		return 0;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!section)
		err_set(p->e, ERR_INVALID, 0, EINVAL, "%s:%u: %s", p->file,
			p->line, why);
	else
		err_set(p->e, ERR_INVALID, 0, EINVAL, "%s:%u: [%s]%s%s: %s",
			p->file, p->line, section, key ? " " : "",
			key ? key : "", why);
	return 0;
}

static int config_strdup(char **dst, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

static bool config_has_control(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

/* Decimal without sign; -EINVAL for anything else or out of [min, max]. */
static int config_parse_u64(const char *s, uint64_t min, uint64_t max,
			    uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int config_set_path(struct config_parse *p, const char *section,
			   const char *key, const char *value, char **dst,
			   bool may_be_empty)
{
	if (!*value && may_be_empty) {
		free(*dst);
		*dst = NULL;
		return 1;
	}
	if (value[0] != '/' || strlen(value) >= CONFIG_PATH_MAX ||
	    config_has_control(value))
		return config_fail(p, section, key,
				   "must be an absolute path, got \"%s\"",
				   value);
	if (config_strdup(dst, value))
		return config_fail(p, section, key, "%s", "out of memory");
	return 1;
}

static int config_set_state_dir(struct config_parse *p, const char *key,
				const char *v)
{
	return config_set_path(p, "daemon", key, v, &p->c->state_dir, false);
}

static int config_set_spool_dir(struct config_parse *p, const char *key,
				const char *v)
{
	return config_set_path(p, "daemon", key, v, &p->c->spool_dir, false);
}

static int config_set_sysfs_dir(struct config_parse *p, const char *key,
				const char *v)
{
	return config_set_path(p, "daemon", key, v, &p->c->sysfs_dir, false);
}

static bool config_valid_device_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONFIG_DEVICE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static int config_set_default_device(struct config_parse *p, const char *key,
				     const char *v)
{
	if (!config_valid_device_name(v))
		return config_fail(p, "daemon", key,
				   "\"%s\" is not a device name (letters, digits, '-', '_', at most 32)",
				   v);
	if (config_strdup(&p->c->default_device, v))
		return config_fail(p, "daemon", key, "%s", "out of memory");
	return 1;
}

static int config_set_pending(struct config_parse *p, const char *key,
			      const char *v)
{
	if (strcmp(v, "block") == 0)
		p->c->pending_policy = CONFIG_PENDING_BLOCK;
	else if (strcmp(v, "allow") == 0)
		p->c->pending_policy = CONFIG_PENDING_ALLOW;
	else
		return config_fail(p, "daemon", key,
				   "must be \"block\" or \"allow\", got \"%s\"",
				   v);
	return 1;
}

static const struct {
	const char *name;
	int prio;
} config_levels[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

static int config_set_log_level(struct config_parse *p, const char *key,
				const char *v)
{
	for (size_t i = 0; i < sizeof(config_levels) / sizeof(config_levels[0]); i++) {
		if (strcmp(v, config_levels[i].name) == 0) {
			p->c->log_level = config_levels[i].prio;
			return 1;
		}
	}
	return config_fail(p, "daemon", key,
			   "must be err, warning, info or debug, got \"%s\"", v);
}

static int config_set_jpeg_quality(struct config_parse *p, const char *key,
				   const char *v)
{
	uint64_t q;

	if (config_parse_u64(v, 1, 100, &q))
		return config_fail(p, "daemon", key,
				   "must be a number from 1 to 100, got \"%s\"",
				   v);
	p->c->jpeg_quality = (unsigned int)q;
	return 1;
}

static int config_set_mail_retry(struct config_parse *p, const char *key,
				 const char *v)
{
	uint64_t n;

	if (config_parse_u64(v, 1, 3600, &n))
		return config_fail(p, "mail", key,
				   "must be a number of seconds from 1 to 3600, got \"%s\"",
				   v);
	p->c->mail_retry_initial_s = (unsigned int)n;
	return 1;
}

static int config_set_outbox_max(struct config_parse *p, const char *key,
				 const char *v)
{
	uint64_t n;

	if (config_parse_u64(v, 2, 10000, &n))
		return config_fail(p, "mail", key,
				   "must be a number from 2 to 10000, got \"%s\"",
				   v);
	p->c->mail_outbox_max = (unsigned int)n;
	return 1;
}

static int config_set_spool_bytes(struct config_parse *p, const char *key,
				  const char *v)
{
	uint64_t n;

	/* at least 1 MiB: a smaller spool could not hold one page */
	if (config_parse_u64(v, 1024 * 1024, UINT64_MAX / 2, &n))
		return config_fail(p, "spool", key,
				   "must be a number of bytes, at least 1048576, got \"%s\"",
				   v);
	p->c->spool_max_bytes_per_user = n;
	return 1;
}

static int config_set_spool_min_free(struct config_parse *p, const char *key,
				     const char *v)
{
	uint64_t n;

	/* 0 is allowed: the spool may fill its filesystem to the last byte */
	if (config_parse_u64(v, 0, UINT64_MAX / 2, &n))
		return config_fail(p, "spool", key,
				   "must be a number of bytes, got \"%s\"", v);
	p->c->spool_min_free_bytes = n;
	return 1;
}

static int config_set_spool_entries(struct config_parse *p, const char *key,
				    const char *v)
{
	uint64_t n;

	if (config_parse_u64(v, 1, 1000000, &n))
		return config_fail(p, "spool", key,
				   "must be a number from 1 to 1000000, got \"%s\"",
				   v);
	p->c->spool_max_entries_per_user = (uint32_t)n;
	return 1;
}

static int config_set_resume_threshold(struct config_parse *p,
				       const char *key, const char *v)
{
	uint64_t n;

	if (config_parse_u64(v, 0, UINT64_MAX / 2, &n))
		return config_fail(p, "upload", key,
				   "must be a number of bytes (0: never resume), got \"%s\"",
				   v);
	p->c->upload_resume_threshold = n;
	return 1;
}

static int config_set_resume_chunk(struct config_parse *p, const char *key,
				   const char *v)
{
	uint64_t n;

	/* S3 and Nextcloud refuse parts under 5 MiB (but the last) */
	if (config_parse_u64(v, UPLOAD_RESUME_CHUNK_MIN, 5ULL << 30, &n))
		return config_fail(p, "upload", key,
				   "must be a number of bytes from 5242880 to 5368709120, got \"%s\"",
				   v);
	p->c->upload_resume_chunk = n;
	return 1;
}

static int config_set_smtp_url(struct config_parse *p, const char *key,
			       const char *v)
{
	if (!*v) {
		free(p->c->mail_smtp_url);
		p->c->mail_smtp_url = NULL;
		return 1;
	}
	if ((strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8)) ||
	    strlen(v) >= CONFIG_PATH_MAX || config_has_control(v) ||
	    strchr(v, '@'))
		return config_fail(p, "mail", key,
				   "must be smtp://host[:port] or smtps://host[:port] without credentials, got \"%s\"",
				   v);
	if (config_strdup(&p->c->mail_smtp_url, v))
		return config_fail(p, "mail", key, "%s", "out of memory");
	return 1;
}

static bool config_valid_address(const char *v)
{
	const char *at = strchr(v, '@');

	if (!at || at == v || !at[1] || strchr(at + 1, '@') ||
	    strlen(v) > 254)
		return false;
	for (; *v; v++)
		if (iscntrl((unsigned char)*v) || isspace((unsigned char)*v) ||
		    strchr("<>,;\"", *v))
			return false;
	return true;
}

static int config_set_from(struct config_parse *p, const char *key,
			   const char *v)
{
	if (!config_valid_address(v))
		return config_fail(p, "mail", key,
				   "must be an address like mfpscan@example.org, got \"%s\"",
				   v);
	if (config_strdup(&p->c->mail_from, v))
		return config_fail(p, "mail", key, "%s", "out of memory");
	return 1;
}

static int config_set_mail_user(struct config_parse *p, const char *key,
				const char *v)
{
	if (!*v) {
		free(p->c->mail_username);
		p->c->mail_username = NULL;
		return 1;
	}
	if (strlen(v) > 256 || config_has_control(v))
		return config_fail(p, "mail", key, "%s",
				   "must be at most 256 printable characters");
	if (config_strdup(&p->c->mail_username, v))
		return config_fail(p, "mail", key, "%s", "out of memory");
	return 1;
}

static int config_set_password_file(struct config_parse *p, const char *key,
				    const char *v)
{
	return config_set_path(p, "mail", key, v, &p->c->mail_password_file,
			       true);
}

static int config_set_mail_ca(struct config_parse *p, const char *key,
			      const char *v)
{
	return config_set_path(p, "mail", key, v, &p->c->mail_ca_file, true);
}

static int config_set_starttls(struct config_parse *p, const char *key,
			       const char *v)
{
	static const char *const names[] = { "no", "optional", "required" };

	for (int i = 0; i < 3; i++) {
		if (strcmp(v, names[i]) == 0) {
			p->c->mail_starttls = (enum config_starttls)i;
			return 1;
		}
	}
	return config_fail(p, "mail", key,
			   "must be no, optional or required, got \"%s\"", v);
}

static int config_set_ocr_languages(struct config_parse *p, const char *key,
				    const char *v)
{
	if (!ocr_languages_valid(v))
		return config_fail(p, "ocr", key,
				   "must be Tesseract languages like eng or eng+deu, got \"%s\"",
				   v);
	snprintf(p->c->ocr_languages, sizeof(p->c->ocr_languages), "%s", v);
	return 1;
}

/* A number of seconds 1..3600 into *out; what a bad value says. */
static int config_set_seconds(struct config_parse *p, const char *section,
			      const char *key, const char *v, unsigned int *out)
{
	uint64_t t;

	if (config_parse_u64(v, 1, 3600, &t))
		return config_fail(p, section, key,
				   "must be a number of seconds from 1 to 3600, got \"%s\"",
				   v);
	*out = (unsigned int)t;
	return 1;
}

static int config_set_upload_timeout(struct config_parse *p, const char *key,
				     const char *v)
{
	return config_set_seconds(p, "upload", key, v, &p->c->upload_timeout_s);
}

static int config_set_mail_timeout(struct config_parse *p, const char *key,
				   const char *v)
{
	return config_set_seconds(p, "mail", key, v, &p->c->mail_timeout_s);
}

static int config_set_ocr_timeout(struct config_parse *p, const char *key,
				  const char *v)
{
	return config_set_seconds(p, "ocr", key, v, &p->c->ocr_timeout_s);
}

static int config_set_full(struct config_parse *p, const char *key,
			   const char *v)
{
	if (strcmp(v, "keep") == 0)
		p->c->full_policy = CONFIG_FULL_KEEP;
	else if (strcmp(v, "refuse") == 0)
		p->c->full_policy = CONFIG_FULL_REFUSE;
	else
		return config_fail(p, "daemon", key,
				   "must be \"keep\" or \"refuse\", got \"%s\"",
				   v);
	return 1;
}

static int config_set_user(struct config_parse *p, const char *key,
			   const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 32 || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return config_fail(p, "daemon", key,
				   "must be a user name (lower-case letters, digits, '_', '-'), got \"%s\"",
				   v);
	if (config_strdup(&p->c->user, v))
		return config_fail(p, "daemon", key, "%s", "out of memory");
	return 1;
}

static int config_set_privhelper(struct config_parse *p, const char *key,
				 const char *v)
{
	return config_set_path(p, "daemon", key, v, &p->c->privhelper, true);
}

static int config_set_privhelper_socket(struct config_parse *p,
					const char *key, const char *v)
{
	return config_set_path(p, "daemon", key, v, &p->c->privhelper_socket, false);
}

/* "dir:dir...": each absolute; the helper applies them (privsep.rst). */
static int config_set_allowed_roots(struct config_parse *p, const char *key,
				    const char *v)
{
	for (const char *s = v; *s; ) {
		size_t n = strcspn(s, ":");

		if (s[0] != '/' || n >= CONFIG_PATH_MAX)
			return config_fail(p, "local", key, "%s",
					   "must be absolute directories separated by ':'");
		s += n;
		s += *s == ':';
	}
	if (config_has_control(v) || config_strdup(&p->c->local_allowed_roots, v))
		return config_fail(p, "local", key, "%s", "invalid or out of memory");
	return 1;
}

static int config_set_min_uid(struct config_parse *p, const char *key,
			      const char *v)
{
	uint64_t u;

	if (config_parse_u64(v, 1, 60000, &u))
		return config_fail(p, "local", key,
				   "must be a uid from 1 to 60000, got \"%s\"", v);
	p->c->local_min_uid = (uint32_t)u;
	return 1;
}

static const struct config_key config_keys[] = {
	{ "daemon", "user", config_set_user },
	{ "daemon", "privhelper", config_set_privhelper },
	{ "daemon", "privhelper_socket", config_set_privhelper_socket },
	{ "local", "allowed_roots", config_set_allowed_roots },
	{ "local", "min_uid", config_set_min_uid },
	{ "daemon", "state_dir", config_set_state_dir },
	{ "daemon", "spool_dir", config_set_spool_dir },
	{ "daemon", "default_device", config_set_default_device },
	{ "daemon", "pending_policy", config_set_pending },
	{ "daemon", "full_policy", config_set_full },
	{ "daemon", "sysfs_dir", config_set_sysfs_dir },
	{ "daemon", "log_level", config_set_log_level },
	{ "daemon", "jpeg_quality", config_set_jpeg_quality },
	{ "spool", "max_bytes_per_user", config_set_spool_bytes },
	{ "spool", "max_entries_per_user", config_set_spool_entries },
	{ "spool", "min_free_bytes", config_set_spool_min_free },
	{ "mail", "smtp_url", config_set_smtp_url },
	{ "mail", "retry_initial_s", config_set_mail_retry },
	{ "mail", "outbox_max", config_set_outbox_max },
	{ "mail", "timeout_s", config_set_mail_timeout },
	{ "mail", "from", config_set_from },
	{ "mail", "username", config_set_mail_user },
	{ "mail", "password_file", config_set_password_file },
	{ "mail", "starttls", config_set_starttls },
	{ "mail", "ca_file", config_set_mail_ca },
	{ "upload", "resume_threshold_bytes", config_set_resume_threshold },
	{ "upload", "resume_chunk_bytes", config_set_resume_chunk },
	{ "upload", "timeout_s", config_set_upload_timeout },
	{ "ocr", "languages", config_set_ocr_languages },
	{ "ocr", "timeout", config_set_ocr_timeout },
};

/* The device of section [device.NAME], created on first sight. */
static struct config_device *config_section_device(struct config_parse *p,
						   const char *name)
{
	struct config *c = p->c;

	if (!p->devices_from_file) {
		/* the file names its devices: the built-in one goes */
		for (size_t i = 0; i < c->n_devices; i++)
			free(c->devices[i].path);
		c->n_devices = 0;
		p->devices_from_file = true;
	}
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	if (c->n_devices == CONFIG_DEVICES_MAX)
		return NULL;
	struct config_device *d = &c->devices[c->n_devices++];

	memset(d, 0, sizeof(*d));
	memcpy(d->name, name, strlen(name) + 1);
	d->driver = CONFIG_DRIVER_KERNEL;
	d->line = p->line;
	return d;
}

static int config_device_key(struct config_parse *p, const char *section,
			     const char *key, const char *v)
{
	const char *name = section + strlen("device.");
	struct config_device *d;

	if (!config_valid_device_name(name))
		return config_fail(p, section, NULL, "\"%s\" is not a device name (letters, digits, '-', '_', at most 32)",
				   name);
	d = config_section_device(p, name);
	if (!d)
		return config_fail(p, section, NULL, "%s",
				   "too many [device.NAME] sections (at most 16)");
	if (strcmp(key, "path") == 0) {
		if (!*v || strlen(v) >= CONFIG_PATH_MAX || config_has_control(v) ||
		    (v[0] != '/' && strncmp(v, "pattern:", 8) &&
		     strncmp(v, "libusb:", 7)))
			return config_fail(p, section, key,
					   "must be a device path (/dev/mfpscan0, /dev/mfpscan0#mmap), pattern:[options] or libusb:[VVVV:PPPP], got \"%s\"",
					   v);
		if (config_strdup(&d->path, v))
			return config_fail(p, section, key, "%s", "out of memory");
		return 1;
	}
	if (strcmp(key, "driver") == 0) {
		if (strcmp(v, "kernel") == 0)
			d->driver = CONFIG_DRIVER_KERNEL;
		else if (strcmp(v, "libusb") == 0)
			d->driver = CONFIG_DRIVER_LIBUSB;
		else
			return config_fail(p, section, key,
					   "must be kernel or libusb, got \"%s\"", v);
		return 1;
	}
	if (strcmp(key, "panel") == 0) {
		if (!config_valid_device_name(v))
			return config_fail(p, section, key,
					   "must be an mfpscan device name such as mfpscan0, got \"%s\"",
					   v);
		memcpy(d->panel, v, strlen(v) + 1);
		return 1;
	}
	return config_fail(p, section, key, "%s",
			   "unknown key (a device has path, driver and panel)");
}

static int config_retry_key(struct config_parse *p, const char *key,
			    const char *v)
{
	struct err e;
	int r = retry_policy_set(&p->c->retry, key, v, &e);

	if (r == -ENOENT)
		return config_fail(p, "retry", key, "%s",
				   "unknown key (known: initial_s, max_interval_s, count, slow_factor)");
	if (r < 0)
		return config_fail(p, "retry", key, "%s", e.msg);
	return 1;
}

/* A key given twice is most likely a mistake: refuse it. */
static int config_note_seen(struct config_parse *p, const char *section,
			    const char *key)
{
	char *s;

	for (size_t i = 0; i < p->n_seen; i++) {
		const char *nl = strchr(p->seen[i], '\n');

		if ((size_t)(nl - p->seen[i]) == strlen(section) &&
		    strncmp(p->seen[i], section, strlen(section)) == 0 &&
		    strcmp(nl + 1, key) == 0)
			return config_fail(p, section, key, "%s",
					   "is set twice");
	}
	if (p->n_seen == CONFIG_SEEN_MAX)
		return config_fail(p, section, key, "%s",
				   "too many keys in the file");
	if (asprintf(&s, "%s\n%s", section, key) < 0)
		return config_fail(p, section, key, "%s", "out of memory");
	p->seen[p->n_seen++] = s;
	return 1;
}

static int config_handler(void *user, const char *section, const char *key,
			  const char *value)
{
	struct config_parse *p = user;
	bool known_section = false;

	if (p->failed)
		return 0;
	if (!config_note_seen(p, section, key))
		return 0;
	if (strncmp(section, "device.", 7) == 0)
		return config_device_key(p, section, key, value);
	if (strcmp(section, "retry") == 0)
		return config_retry_key(p, key, value);
	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
		if (strcmp(section, config_keys[i].section))
			continue;
		known_section = true;
		if (strcmp(key, config_keys[i].key) == 0)
			return config_keys[i].set(p, key, value);
	}
	if (!known_section)
		return config_fail(p, section, NULL, "%s",
				   "unknown section (known: daemon, device.NAME, spool, retry, mail, upload, ocr, local)");
	return config_fail(p, section, key, "%s", "unknown key");
}

/* fgets() over p->text, counting lines; a too long line is an error. */
static char *config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	const char *nl;
	size_t len;

	if (!*p->text || p->failed)
		return NULL;
	p->line++;
	nl = strchr(p->text, '\n');
	len = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);
	if (len > (size_t)num - 3) {
		config_fail(p, NULL, NULL, "line longer than %d characters",
			    num - 3);
		return NULL;
	}
	memcpy(str, p->text, len);
	str[len] = '\0';
	p->text += len;
	return str;
}

static int config_finish(struct config_parse *p)
{
	struct config *c = p->c;
	struct err re;

	for (size_t i = 0; i < c->n_devices; i++) {
		if (!c->devices[i].path) {
			char sec[64];

			p->line = c->devices[i].line;
			snprintf(sec, sizeof(sec), "device.%s", c->devices[i].name);
			return config_fail(p, sec, "path", "%s",
					   "is required in every [device.NAME] section");
		}
		/*
		 * driver and path must agree: driver = libusb drives a USB
		 * engine from userspace and path names it (libusb: or
		 * libusb:VVVV:PPPP); a libusb: path with the kernel driver is a
		 * mistake, not a silent switch.
		 */
		bool lu = strncmp(c->devices[i].path, "libusb:", 7) == 0;

		if (lu != (c->devices[i].driver == CONFIG_DRIVER_LIBUSB)) {
			char sec[64];

			p->line = c->devices[i].line;
			snprintf(sec, sizeof(sec), "device.%s", c->devices[i].name);
			return config_fail(p, sec, "driver", "%s",
					   lu ? "must be libusb when path is libusb:..."
					      : "libusb needs path = libusb: or libusb:VVVV:PPPP (the USB engine, not a /dev or pattern: path)");
		}
	}
	if (!config_device(c, NULL)) {
		p->line = 0;
		return config_fail(p, "daemon", "default_device",
				   "names no [device.%s] section", c->default_device);
	}
	if (retry_policy_validate(&c->retry, &re)) {
		p->line = 0;
		return config_fail(p, "retry", NULL, "%s", re.msg);
	}
	return 1;
}

static void config_parse_done(struct config_parse *p)
{
	for (size_t i = 0; i < p->n_seen; i++)
		free(p->seen[i]);
}

int config_load_string(const char *text, const char *name,
		       struct config **out, struct err *e)
{
	struct config_parse p = { .e = e, .file = name, .text = text };
	int r;

	r = config_new_defaults(&p.c, e);
	if (r < 0)
		return r;
	r = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (r != 0 && !p.failed) {
		p.line = r > 0 ? (unsigned int)r : p.line;
		config_fail(&p, NULL, NULL, "%s",
			    "syntax error (expected [section] or key = value)");
	}
	if (!p.failed)
		config_finish(&p);
	config_parse_done(&p);
	if (p.failed) {
		config_free(p.c);
		return -EINVAL;
	}
	*out = p.c;
	return 0;
}

static int config_read_file(const char *path, char **text, struct err *e)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "%s: cannot open: %s",
			       path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_FILE_MAX) {
		r = err_set(e, ERR_INVALID, 0, EINVAL,
			    "%s: not a regular file of at most 1 MiB", path);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size) {
		r = err_set(e, ERR_LOCAL, EIO, EIO, "%s: short read", path);
		goto fail;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n)) {
		r = err_set(e, ERR_INVALID, 0, EINVAL,
			    "%s: contains a NUL byte: not a text file", path);
		goto fail;
	}
	close(fd);
	*text = buf;
	return 0;
fail:
	free(buf);
	close(fd);
	return r;
}

int config_load(const char *path, bool must_exist, struct config **out,
		struct err *e)
{
	char *text = NULL;
	int r;

	if (!must_exist && access(path, F_OK) < 0 && errno == ENOENT)
		return config_new_defaults(out, e);
	r = config_read_file(path, &text, e);
	if (r < 0)
		return r;
	r = config_load_string(text, path, out, e);
	free(text);
	return r;
}

int config_new_defaults(struct config **out, struct err *e)
{
	struct config *c = calloc(1, sizeof(*c));
	struct spool_limits lim;

	if (!c)
		goto fail;
	c->state_dir = strdup("/var/lib/mfpscan");
	c->sysfs_dir = strdup("/sys");
	c->spool_dir = strdup("/var/spool/mfpscan");
	c->default_device = strdup("default");
	c->mail_from = strdup("mfpscan@localhost");
	c->user = strdup(CONFIG_USER_DEFAULT);
	c->privhelper_socket = strdup(CONFIG_PRIVHELPER_SOCKET);
	c->local_allowed_roots = strdup(CONFIG_LOCAL_ROOTS_DEFAULT);
	c->devices[0].path = strdup("/dev/mfpscan");
	if (!c->state_dir || !c->sysfs_dir || !c->spool_dir || !c->default_device ||
	    !c->mail_from || !c->devices[0].path || !c->user ||
	    !c->privhelper_socket || !c->local_allowed_roots)
		goto fail;
	memcpy(c->devices[0].name, "default", sizeof("default"));
	c->n_devices = 1;
	c->pending_policy = CONFIG_PENDING_BLOCK;
	c->full_policy = CONFIG_FULL_KEEP;
	c->log_level = LOG_INFO;
	c->jpeg_quality = 85;
	memcpy(c->ocr_languages, "eng", sizeof("eng"));
	c->ocr_timeout_s = 60;
	spool_limits_default(&lim);
	c->spool_max_bytes_per_user = lim.max_bytes_per_user;
	c->spool_max_entries_per_user = lim.max_entries_per_user;
	c->spool_min_free_bytes = lim.min_free_bytes;
	retry_policy_default(&c->retry);
	c->mail_starttls = CONFIG_STARTTLS_OPTIONAL;
	c->mail_retry_initial_s = 60;
	c->mail_outbox_max = 64;
	c->mail_timeout_s = 60;
	c->upload_timeout_s = 30;
	c->upload_resume_threshold = 32 * 1024 * 1024;
	c->upload_resume_chunk = UPLOAD_RESUME_CHUNK_DEFAULT;
	*out = c;
	return 0;
fail:
	config_free(c);
	return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "config: out of memory");
}

const struct config_device *config_device(const struct config *c,
					  const char *name)
{
	if (!name || !*name)
		name = c->default_device;
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	return NULL;
}

const char *config_pending_policy_name(enum config_pending_policy p)
{
	return p == CONFIG_PENDING_ALLOW ? "allow" : "block";
}

const char *config_full_policy_name(enum config_full_policy p)
{
	return p == CONFIG_FULL_REFUSE ? "refuse" : "keep";
}

const char *config_driver_name(enum config_driver d)
{
	return d == CONFIG_DRIVER_LIBUSB ? "libusb" : "kernel";
}

const char *config_starttls_name(enum config_starttls s)
{
	static const char *const names[] = { "no", "optional", "required" };

	return (unsigned int)s < 3 ? names[s] : NULL;
}

struct config *config_free(struct config *c)
{
	if (!c)
		return NULL;
	free(c->state_dir);
	free(c->sysfs_dir);
	free(c->spool_dir);
	free(c->default_device);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->mail_smtp_url);
	free(c->mail_from);
	free(c->mail_username);
	free(c->mail_password_file);
	free(c->mail_ca_file);
	free(c->user);
	free(c->privhelper);
	free(c->privhelper_socket);
	free(c->local_allowed_roots);
	free(c);
	return NULL;
}
