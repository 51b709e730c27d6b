// SPDX-License-Identifier: GPL-2.0
/*
 * spool_limits: the [spool] limits, their defaults and their parsing
 * (config.c; admission against them is spool_reserve.c). Needs nothing
 * else of the spool, so parsing the configuration does not link it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/statvfs.h>

#include "log.h"
#include "spool_private.h"

void spool_limits_default(struct spool_limits *l)
{
	l->max_bytes_per_user = 1024ULL * 1024 * 1024;
	l->max_entries_per_user = 100;
	l->min_free_bytes = 64ULL * 1024 * 1024;
}

int spool_limits_set(struct spool_limits *l, const char *key,
		     const char *value, struct err *e)
{
	bool entries, bytes, free_bytes;
	unsigned long long v;
	char *end;

	if (strncmp(key, "spool_", 6) == 0)
		key += 6;
	entries = strcmp(key, "max_entries_per_user") == 0;
	bytes = strcmp(key, "max_bytes_per_user") == 0;
	free_bytes = strcmp(key, "min_free_bytes") == 0;
	if (!entries && !bytes && !free_bytes)
		return -ENOENT;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' ||
	    (entries && v > UINT32_MAX))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "spool: %s = \"%.64s\" is not a valid number",
			       key, value);
	if (entries)
		l->max_entries_per_user = (uint32_t)v;
	else if (bytes)
		l->max_bytes_per_user = v;
	else
		l->min_free_bytes = v;
	return 0;
}
