/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upload_path: the names and URLs the uploader builds. A remote file name
 * or a folder that could leave the account's folder ("..", "/" in a name,
 * control characters) is refused here, before any request goes out, and
 * every URL is built with each path segment percent-encoded so that a name
 * is always one segment. Pure functions, unit tested.
 */
#ifndef MFPSCAN_UPLOAD_PATH_H
#define MFPSCAN_UPLOAD_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define UPLOAD_NAME_MAX 255
#define UPLOAD_FOLDER_MAX 1024
#define UPLOAD_URL_MAX 4096

/*
 * A remote file name: 1..255 bytes, no '/', '\\' or control characters,
 * not starting with '.' (the uploader's temporary names do). Returns 0 or
 * -EINVAL with @e filled (class ERR_INVALID).
 */
int upload_path_check_name(const char *name, struct err *e);

/*
 * A folder below the destination: segments separated by '/', none of them
 * "." or "..", no control characters, at most UPLOAD_FOLDER_MAX bytes.
 * NULL or "" is the destination's root. Returns 0 or -EINVAL with @e.
 */
int upload_path_check_folder(const char *folder, struct err *e);

/* Number of non-empty segments of @folder (NULL -> 0). */
unsigned int upload_path_levels(const char *folder);

/*
 * Build "@base/seg1/.../segN[/@name]" into @out from the first @levels
 * segments of @folder, each segment and @name percent-encoded (RFC 3986
 * unreserved characters kept), without doubling '/' after @base. With
 * @name NULL the result ends with '/'. Returns 0 or -ENAMETOOLONG.
 */
int upload_path_join(char *out, size_t out_len, const char *base,
		     const char *folder, unsigned int levels,
		     const char *name);

/*
 * A destination URL: scheme one of the comma-separated @schemes (e.g.
 * "http,https"), a host, no user name or password in it, no query or
 * fragment. Returns 0 or -EINVAL with @e filled (class ERR_INVALID).
 */
int upload_path_check_url(const char *url, const char *schemes,
			  struct err *e);

#endif
