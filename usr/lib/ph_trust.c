// SPDX-License-Identifier: GPL-2.0
/*
 * ph_trust: may the helper act as this uid, in this folder? The daemon
 * may be compromised; these rules keep the helper from becoming a
 * "write anything as anyone" service: never root or a system user (uid
 * below min_uid, and the overflow uid), only inside the roots the
 * administrator listed in the root-owned configuration file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ph_proto.h"
#include "ph_trust.h"

#define PH_OVERFLOW_UID	65534	/* nobody: owns nothing a scan may go to */

static int ph_refuse(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ph_refuse(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EPERM;
}

void ph_policy_clear(struct ph_policy *pol)
{
	for (size_t i = 0; i < pol->n_roots; i++)
		free(pol->roots[i]);
	pol->n_roots = 0;
}

int ph_policy_set_roots(struct ph_policy *pol, const char *list,
			char *why, size_t why_len)
{
	ph_policy_clear(pol);
	for (const char *s = list; *s; ) {
		size_t n = strcspn(s, ":");
		char *root = strndup(s, n);

		if (!root)
			return -ENOMEM;
		if (!ph_folder_valid(root) || strcmp(root, "/") == 0 ||
		    pol->n_roots == PH_ROOTS_MAX) {
			snprintf(why, why_len, "allowed root \"%s\" is not an absolute directory below / (or more than %d roots)",
				 root, PH_ROOTS_MAX);
			free(root);
			ph_policy_clear(pol);
			return -EINVAL;
		}
		pol->roots[pol->n_roots++] = root;
		s += n;
		s += *s == ':';
	}
	return 0;
}

uid_t ph_login_defs_uid_min(const char *text, uid_t fallback)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l += l != NULL) {
		const char *v = l + strspn(l, " \t");
		unsigned long u;
		char *end;

		if (strncmp(v, "UID_MIN", 7) || (v[7] != ' ' && v[7] != '\t'))
			continue;
		u = strtoul(v + 7, &end, 10);
		if (end != v + 7 && u > 0 && u < PH_OVERFLOW_UID)
			return (uid_t)u;
	}
	return fallback;
}

int ph_trust_uid(const struct ph_policy *pol, uid_t uid, char *why,
		 size_t why_len)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", (unsigned int)uid);
	if (uid == 0)
		return ph_refuse(why, why_len, "uid %s is root", num);
	if (uid < pol->min_uid)
		return ph_refuse(why, why_len, "uid %s is a system user (below min_uid)", num);
	if (uid == PH_OVERFLOW_UID || uid == (uid_t)-1)
		return ph_refuse(why, why_len, "uid %s is the overflow user", num);
	return 0;
}

int ph_trust_folder(const struct ph_policy *pol, const char *folder,
		    size_t *root, const char **rel, char *why, size_t why_len)
{
	for (size_t i = 0; i < pol->n_roots; i++) {
		size_t n = strlen(pol->roots[i]);

		if (strncmp(folder, pol->roots[i], n) || folder[n] != '/' ||
		    folder[n + 1] == '\0')
			continue;
		*root = i;
		*rel = folder + n + 1;
		return 0;
	}
	return ph_refuse(why, why_len,
			 "folder %s is not inside an allowed root ([local] allowed_roots)",
			 folder);
}
