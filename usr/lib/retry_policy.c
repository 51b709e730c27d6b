// SPDX-License-Identifier: GPL-2.0
/*
 * retry_policy: the retry settings ([retry] in mfpscand.conf), their
 * defaults and checks (see retry.h). Apart from retry.c's arithmetic and
 * ticket bookkeeping so that parsing the configuration does not link the
 * ticket (json-c): the privileged helper parses it too (privsep.rst).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retry.h"

void retry_policy_default(struct retry_policy *p)
{
	p->initial_s = RETRY_INITIAL_S_DEFAULT;
	p->max_interval_s = RETRY_MAX_INTERVAL_S_DEFAULT;
	p->count = RETRY_COUNT_DEFAULT;
	p->slow_factor = RETRY_SLOW_FACTOR_DEFAULT;
}

static unsigned int *retry_knob(struct retry_policy *p, const char *key)
{
	if (strncmp(key, "retry_", 6) == 0)
		key += 6;
	if (strcmp(key, "initial_s") == 0)
		return &p->initial_s;
	if (strcmp(key, "max_interval_s") == 0)
		return &p->max_interval_s;
	if (strcmp(key, "count") == 0)
		return &p->count;
	if (strcmp(key, "slow_factor") == 0)
		return &p->slow_factor;
	return NULL;
}

int retry_policy_set(struct retry_policy *p, const char *key,
		     const char *value, struct err *e)
{
	unsigned int *knob = retry_knob(p, key);
	unsigned long long v;
	char *end;

	if (!knob)
		return -ENOENT;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value || *end || value[0] == '-' ||
	    v > RETRY_LIMIT_S)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "retry: %s = \"%.64s\" is not a whole number from 0 to %d",
			       key, value, RETRY_LIMIT_S);
	*knob = (unsigned int)v;
	return 0;
}

int retry_policy_validate(const struct retry_policy *p, struct err *e)
{
	if (p->initial_s < 1 || p->initial_s > p->max_interval_s ||
	    p->max_interval_s > RETRY_LIMIT_S)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "retry: need 1 <= initial_s (%u) <= max_interval_s (%u) <= %d",
			       p->initial_s, p->max_interval_s, RETRY_LIMIT_S);
	if (p->slow_factor < 1 || p->slow_factor > 100)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "retry: slow_factor (%u) must be from 1 to 100",
			       p->slow_factor);
	if (p->count > RETRY_COUNT_LIMIT)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "retry: count (%u) must be at most %d",
			       p->count, RETRY_COUNT_LIMIT);
	return 0;
}
