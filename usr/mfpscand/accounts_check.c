// SPDX-License-Identifier: GPL-2.0
/*
 * accounts_check: every account setting validated, whoever calls (see
 * accounts_check.h). The checks that look at the file system (a local
 * folder through the privilege helper, a CA file) are separate from the
 * ones on the text alone: they run on the writer thread.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts.h"
#include "accounts_check.h"
#include "name_template.h"
#include "ph_client.h"
#include "scan_options.h"
#include "upload.h"

#define ACCOUNT_URL_MAX		2048
#define ACCOUNT_VALUE_MAX	1024

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

static int bad(struct err *e, enum account_field f, const char *why)
{
	/* through the bounds check: GCC's -fsanitize build sees any int */
	const char *key = account_field_key(f);

	return err_set(e, ERR_INVALID, 0, EINVAL, "setting '%s': %s",
		       key ? key : "?", why);
}

static int check_name(const char *v, struct err *e)
{
	if (!*v)
		return bad(e, ACCOUNT_NAME, "the account name must not be empty");
	if (strlen(v) > ACCOUNT_NAME_MAX)
		return bad(e, ACCOUNT_NAME, "the account name is longer than 128 bytes");
	if (has_control(v))
		return bad(e, ACCOUNT_NAME, "the account name must not contain control characters");
	return 0;
}

/* scheme://host[:port][/path] without user:password@ */
static int check_url(const char *v, enum dest_type type, struct err *e)
{
	const char *host, *end;

	if (type == DEST_LOCAL)
		return *v ? bad(e, ACCOUNT_URL, "a local account has no url; give its directory as 'folder'") : 0;
	if (strlen(v) > ACCOUNT_URL_MAX || has_control(v) || strchr(v, ' '))
		return bad(e, ACCOUNT_URL, "must be a URL of at most 2048 characters without spaces or control characters");
	if (type == DEST_SFTP && strncmp(v, "sftp://", 7) != 0)
		return bad(e, ACCOUNT_URL, "an sftp account needs a url like sftp://host:22/~");
	if (type == DEST_SMB && strncmp(v, "smb://", 6) != 0)
		return bad(e, ACCOUNT_URL, "an smb account needs a url like smb://server/share");
	if (type != DEST_SFTP && type != DEST_SMB && strncmp(v, "http://", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0)
		return bad(e, ACCOUNT_URL, "a webdav or s3 account needs a url starting with https:// (or http://)");
	host = strstr(v, "://") + 3;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return bad(e, ACCOUNT_URL, "the url has no host");
	if (memchr(host, '@', (size_t)(end - host)))
		return bad(e, ACCOUNT_URL, "the url must not contain credentials: give 'username' and set the password with SetSecrets");
	return 0;
}

static int check_text(const char *v, enum account_field f, size_t max,
		      struct err *e)
{
	if (strlen(v) > max || has_control(v))
		return bad(e, f, max == ACCOUNT_VALUE_MAX ?
			   "must be at most 1024 bytes without control characters" :
			   "must be at most 256 bytes without control characters");
	return 0;
}

int accounts_check_local_dir(const char *v, uid_t owner, struct err *e)
{
	char why[ERR_MSG_MAX - 64];

	if (ph_check_folder(v, owner, why, sizeof(why)) < 0)
		return bad(e, ACCOUNT_FOLDER, why);
	return 0;
}

static int check_folder(const char *v, enum dest_type type, struct err *e)
{
	const char *p = v;

	if (check_text(v, ACCOUNT_FOLDER, ACCOUNT_VALUE_MAX, e) < 0)
		return -EINVAL;
	if (strchr(v, '\\'))
		return bad(e, ACCOUNT_FOLDER, "use '/' between folder names, not '\\'");
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return bad(e, ACCOUNT_FOLDER, "must not have \".\" or \"..\" components");
		p += n;
		p += *p == '/';
	}
	if (type != DEST_LOCAL)
		return 0;
	if (v[0] != '/')
		return bad(e, ACCOUNT_FOLDER, "a local account needs an absolute directory, like /srv/scans/alice");
	return 0;
}

static int check_email(const char *v, struct err *e)
{
	const char *at = strchr(v, '@');

	if (!*v)
		return 0;
	if (strlen(v) > 254 || !at || at == v || !at[1] || strchr(at + 1, '@') ||
	    !strchr(at + 1, '.') || has_control(v) || strpbrk(v, " <>,;\"()[]\\"))
		return bad(e, ACCOUNT_EMAIL, "must be one plain address like alice@example.org");
	return 0;
}

static int check_ca_file(const char *v, struct err *e)
{
	if (*v && (v[0] != '/' || check_text(v, ACCOUNT_CA_FILE, ACCOUNT_VALUE_MAX, e) < 0))
		return bad(e, ACCOUNT_CA_FILE, "must be the absolute path of a PEM file");
	return 0;
}

/* The CA file @v exists, and an ordinary @owner may name it. */
static int check_ca_file_fs(const char *v, uid_t owner, struct err *e)
{
	struct stat st;

	if (!*v)
		return 0;
	if (stat(v, &st) < 0 || !S_ISREG(st.st_mode))
		return bad(e, ACCOUNT_CA_FILE, "is not an existing regular file");
	/* the daemon reads it for the user: do not let a user name a private file */
	if (owner != 0 && st.st_uid != owner && !(st.st_mode & S_IROTH))
		return bad(e, ACCOUNT_CA_FILE, "must be a file you own or a world-readable file");
	return 0;
}

static int check_host_key(const char *v, struct err *e)
{
	size_t n = strlen(v);

	if (!*v)
		return 0;
	if ((n != 43 && n != 44) || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return bad(e, ACCOUNT_HOST_KEY, "must be the base64 SHA256 fingerprint of the server's host key (ssh-keygen -lf KEY.pub shows it after \"SHA256:\")");
	return 0;
}

static int check_region(const char *v, struct err *e)
{
	size_t n = strlen(v);

	if (n > 32 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return bad(e, ACCOUNT_REGION, "must be an S3 region like eu-central-1");
	return 0;
}

static int check_field(enum account_field f, const char *v,
		       enum dest_type type, struct err *e)
{
	struct err te;

	switch (f) {
	case ACCOUNT_NAME: return check_name(v, e);
	case ACCOUNT_URL: return check_url(v, type, e);
	case ACCOUNT_USERNAME: return check_text(v, f, 256, e);
	case ACCOUNT_FOLDER: return check_folder(v, type, e);
	case ACCOUNT_TEMPLATE:
		if (*v && name_template_validate(v, &te) < 0)
			return bad(e, f, te.msg);
		return 0;
	case ACCOUNT_EMAIL: return check_email(v, e);
	case ACCOUNT_CA_FILE: return check_ca_file(v, e);
	case ACCOUNT_HOST_KEY: return check_host_key(v, e);
	case ACCOUNT_REGION: return check_region(v, e);
	case ACCOUNT_DOMAIN: return check_text(v, f, 256, e);
	case ACCOUNT_OCR:
		if (*v && !scan_options_ocr_valid(v))
			return bad(e, f, "must be off, on or Tesseract languages such as eng+deu");
		return 0;
	case ACCOUNT_INSECURE_HTTP:
		if (*v && strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return bad(e, f, "must be yes or no");
		return 0;
	default: return bad(e, f, "unknown setting");
	}
}

int accounts_check_all(char *const *f, enum dest_type type, struct err *e)
{
	for (int i = 0; i < ACCOUNT_FIELD_COUNT; i++) {
		int r = check_field(i, f[i], type, e);

		if (r < 0)
			return r;
	}
	if (type != DEST_LOCAL && !*f[ACCOUNT_URL])
		return bad(e, ACCOUNT_URL, "is required for this account type");
	if (type == DEST_LOCAL && !*f[ACCOUNT_FOLDER])
		return bad(e, ACCOUNT_FOLDER, "is required for a local account");
	if (type == DEST_SFTP && !*f[ACCOUNT_USERNAME])
		return bad(e, ACCOUNT_USERNAME, "is required for an sftp account");
	if (type == DEST_SFTP && !*f[ACCOUNT_HOST_KEY])
		return bad(e, ACCOUNT_HOST_KEY, "is required for an sftp account (the server's key is pinned)");
	if (type == DEST_SMB && !*f[ACCOUNT_USERNAME])
		return bad(e, ACCOUNT_USERNAME, "is required for an smb account");
	return 0;
}

int accounts_check_files(char *const *f, enum dest_type type, uid_t owner,
			 struct err *e)
{
	int r = 0;

	if (type == DEST_LOCAL)
		r = accounts_check_local_dir(f[ACCOUNT_FOLDER], owner, e);
	if (r == 0)
		r = check_ca_file_fs(f[ACCOUNT_CA_FILE], owner, e);
	return r;
}

int accounts_check_plain_http(char *const *f, enum dest_type type,
			      bool has_secrets, struct err *e)
{
	return upload_check_plain_http(type, f[ACCOUNT_URL],
				       *f[ACCOUNT_USERNAME] || has_secrets,
				       strcmp(f[ACCOUNT_INSECURE_HTTP], "yes") == 0,
				       ERR_INVALID, e);
}
