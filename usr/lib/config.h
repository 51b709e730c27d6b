/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config: /etc/mfpscan/mfpscand.conf as a validated struct. The file is INI
 * (parsed with inih); sections [daemon], [device.NAME] (any number),
 * [spool], [retry] and [mail]; the keys and their defaults are those of
 * usr/mfpscand/mfpscand.conf.example. Every value is checked (numbers in
 * range, enumerations, absolute paths) and an unknown section or key, a key
 * given twice or a bad value is refused with a message naming file:line and
 * the key, so that a typo never silently falls back to a default.
 */
#ifndef MFPSCAN_CONFIG_H
#define MFPSCAN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ocr.h"
#include "retry.h"

#define CONFIG_DEFAULT_PATH	"/etc/mfpscan/mfpscand.conf"
#define CONFIG_DEVICE_NAME_MAX	32	/* bytes of a [device.NAME] name */
#define CONFIG_DEVICES_MAX	16

enum config_pending_policy { CONFIG_PENDING_BLOCK, CONFIG_PENDING_ALLOW };
/* A destination known to be full: scan and keep the document, or refuse. */
enum config_full_policy { CONFIG_FULL_KEEP, CONFIG_FULL_REFUSE };
enum config_driver { CONFIG_DRIVER_KERNEL, CONFIG_DRIVER_LIBUSB };
enum config_starttls {
	CONFIG_STARTTLS_NO, CONFIG_STARTTLS_OPTIONAL, CONFIG_STARTTLS_REQUIRED
};

/* One [device.NAME] section. */
struct config_device {
	char name[CONFIG_DEVICE_NAME_MAX + 1];
	char *path;		/* band source spec: /dev/mfpscan0[#mmap], pattern:... */
	enum config_driver driver;
	/*
	 * The mfpscan class device whose panel and lamps show this device's
	 * jobs (/sys/class/mfpscan/<panel>/); "": derived from a
	 * /dev/mfpscanN path, none for pattern: and libusb: devices.
	 */
	char panel[CONFIG_DEVICE_NAME_MAX + 1];
	unsigned int line;	/* where the section was first seen, for messages */
};

struct config {
	/* [daemon] */
	char *state_dir;	/* absolute; accounts, machine.key */
	char *spool_dir;	/* absolute */
	char *default_device;	/* names one of devices[] */
	enum config_pending_policy pending_policy;
	enum config_full_policy full_policy;
	char *sysfs_dir;	/* absolute; "/sys": where the panel files are */
	int log_level;		/* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
	unsigned int jpeg_quality; /* 1..100 */

	struct config_device devices[CONFIG_DEVICES_MAX];
	size_t n_devices;

	/* [spool]; defaults from spool_limits_default() */
	uint64_t spool_max_bytes_per_user;
	uint32_t spool_max_entries_per_user;
	uint64_t spool_min_free_bytes;	/* kept free on the spool's filesystem */

	/* [retry] */
	struct retry_policy retry;

	/* [mail]; NULL strings mean "not set" */
	char *mail_smtp_url;	/* NULL: send no mail */
	char *mail_from;
	char *mail_username;
	char *mail_password_file; /* absolute */
	enum config_starttls mail_starttls;
	char *mail_ca_file;	/* absolute */
	unsigned int mail_retry_initial_s; /* first wait after a failed send (60) */
	unsigned int mail_outbox_max;	/* mails per user before coalescing (64) */
	unsigned int mail_timeout_s;	/* one whole SMTP session (60) */

	/* [upload]: resumable uploads of big documents (upload.h) */
	uint64_t upload_resume_threshold;	/* 0: never resumable */
	uint64_t upload_resume_chunk;
	unsigned int upload_timeout_s;	/* connect and stall timeout (30) */

	/* [ocr] */
	char ocr_languages[OCR_LANGUAGES_MAX];	/* what ocr "on" means; "eng" */
	unsigned int ocr_timeout_s;	/* wait for OCR after the scan; 60 */

	/* Privilege separation (Documentation/privsep.rst) */
	char *user;		/* [daemon] user: who mfpscand runs as; "mfpscan" */
	char *privhelper;	/* [daemon] privhelper: the helper program; NULL: built-in */
	char *privhelper_socket; /* [daemon] privhelper_socket: when not root */
	char *local_allowed_roots; /* [local] allowed_roots: "dir:dir..." */
	uint32_t local_min_uid;	/* [local] min_uid; 0: UID_MIN of login.defs */
};

#define CONFIG_USER_DEFAULT		"mfpscan"
#define CONFIG_PRIVHELPER_SOCKET	"/run/mfpscan/privhelper.sock"
#define CONFIG_LOCAL_ROOTS_DEFAULT	"/home:/srv:/media"

/*
 * A config with every default (one device "default" at /dev/mfpscan).
 * Returns 0 or -ENOMEM; *@out is set on success only.
 */
int config_new_defaults(struct config **out, struct err *e);

/*
 * Parse @path over the defaults. With @must_exist false a missing file
 * gives the defaults; otherwise it is an error. Returns 0 with *@out set,
 * or a negative errno with @e naming "file:line: key" (ERR_INVALID for
 * bad content, ERR_LOCAL when the file cannot be read).
 */
int config_load(const char *path, bool must_exist, struct config **out,
		struct err *e);

/* Same, from a string (unit tests); @name is used in messages. */
int config_load_string(const char *text, const char *name,
		       struct config **out, struct err *e);

/* The device called @name, or the default device for NULL or "". */
const struct config_device *config_device(const struct config *c,
					  const char *name);

/* "block"/"allow", "kernel"/"libusb", "no"/"optional"/"required". */
const char *config_pending_policy_name(enum config_pending_policy p);
const char *config_full_policy_name(enum config_full_policy p);
const char *config_driver_name(enum config_driver d);
const char *config_starttls_name(enum config_starttls s);

/* Free @c (NULL is fine); returns NULL. */
struct config *config_free(struct config *c);

#endif
