// SPDX-License-Identifier: GPL-2.0
/*
 * upload_path: validation of remote names and folders, and URL building
 * with one percent-encoded segment per name (see upload_path.h). URL
 * parsing is libcurl's (CURLU), so the uploader and libcurl agree on what
 * a URL means.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "upload_path.h"

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int upload_path_check_name(const char *name, struct err *e)
{
	size_t len = name ? strnlen(name, UPLOAD_NAME_MAX + 1) : 0;

	if (len == 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "the remote file name is empty");
	if (len > UPLOAD_NAME_MAX)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "the remote file name is longer than %d bytes",
			       UPLOAD_NAME_MAX);
	if (name[0] == '.' || strpbrk(name, "/\\") || has_control(name))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "the remote file name \"%.64s\" may not start with '.' or hold '/', '\\' or control characters",
			       name);
	return 0;
}

int upload_path_check_folder(const char *folder, struct err *e)
{
	const char *seg;

	if (!folder)
		return 0;
	if (strnlen(folder, UPLOAD_FOLDER_MAX + 1) > UPLOAD_FOLDER_MAX)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "the folder is longer than %d bytes",
			       UPLOAD_FOLDER_MAX);
	if (has_control(folder) || strchr(folder, '\\'))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "the folder may not hold '\\' or control characters");
	for (seg = folder; *seg; ) {
		size_t n = strcspn(seg, "/");

		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "the folder \"%.128s\" may not contain \".\" or \"..\"",
				       folder);
		seg += n;
		seg += strspn(seg, "/");
	}
	return 0;
}

unsigned int upload_path_levels(const char *folder)
{
	unsigned int n = 0;

	while (folder && *folder) {
		folder += strspn(folder, "/");
		if (!*folder)
			break;
		n++;
		folder += strcspn(folder, "/");
	}
	return n;
}

static bool unreserved(unsigned char ch)
{
	return isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

/* Append @n bytes of @s percent-encoded at out[*o]; false if no room. */
static bool put_escaped(char *out, size_t out_len, size_t *o,
			const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t need = unreserved(ch) ? 1 : 3;

		if (*o + need >= out_len)
			return false;
		if (need == 1) {
			out[(*o)++] = (char)ch;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[ch >> 4];
			out[(*o)++] = hex[ch & 15];
		}
	}
	return true;
}

static bool put_raw(char *out, size_t out_len, size_t *o, const char *s,
		    size_t n)
{
	if (n >= out_len - *o)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	return true;
}

int upload_path_join(char *out, size_t out_len, const char *base,
		     const char *folder, unsigned int levels,
		     const char *name)
{
	size_t blen = base ? strlen(base) : 0;
	size_t o = 0;
	bool ok;

	if (out_len == 0)
		return -ENAMETOOLONG;
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	ok = put_raw(out, out_len, &o, base ? base : "", blen);
	for (const char *seg = folder; ok && seg && *seg && levels > 0; ) {
		size_t n;

		seg += strspn(seg, "/");
		n = strcspn(seg, "/");
		if (n == 0)
			break;
		ok = put_raw(out, out_len, &o, "/", 1) &&
		     put_escaped(out, out_len, &o, seg, n);
		seg += n;
		levels--;
	}
	if (ok)
		ok = put_raw(out, out_len, &o, "/", 1);
	if (ok && name)
		ok = put_escaped(out, out_len, &o, name, strlen(name));
	if (!ok)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

static bool scheme_allowed(const char *scheme, const char *schemes)
{
	size_t n = strlen(scheme);

	for (const char *s = schemes; *s; ) {
		size_t len = strcspn(s, ",");

		if (len == n && strncasecmp(s, scheme, n) == 0)
			return true;
		s += len;
		s += strspn(s, ",");
	}
	return false;
}

/* Is URL part @what present? Missing parts are the normal case. */
static bool url_has(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	bool has = curl_url_get(u, what, &v, 0) == CURLUE_OK && v && *v;

	curl_free(v);
	return has;
}

int upload_path_check_url(const char *url, const char *schemes,
			  struct err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int r = 0;

	if (!u)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "out of memory");
	if (!url || !*url || has_control(url) ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "\"%.200s\" is not a valid URL", url ? url : "");
	else if (!scheme_allowed(scheme, schemes))
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "the URL must start with one of %s://", schemes);
	else if (url_has(u, CURLUPART_USER) || url_has(u, CURLUPART_PASSWORD))
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "the URL may not contain a user name or password: put them in the account's settings");
	else if (url_has(u, CURLUPART_QUERY) || url_has(u, CURLUPART_FRAGMENT))
		r = err_set(e, ERR_INVALID, EINVAL, EINVAL,
			    "the URL \"%.200s\" may not contain '?' or '#'", url);
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}
