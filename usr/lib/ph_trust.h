/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ph_trust: the privilege helper's trust rules as pure functions, so that
 * each rule is unit tested (Documentation/privsep.rst, "Trust boundary").
 * The helper applies them to every request before it forks the child that
 * acts as the user; the file-system rules (no symbolic links, the folder
 * owned by the user) are applied by ph_ops while it resolves the path.
 */
#ifndef MFPSCAN_PH_TRUST_H
#define MFPSCAN_PH_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PH_ROOTS_MAX	16

struct ph_policy {
	char *roots[PH_ROOTS_MAX];	/* absolute, valid per ph_folder_valid */
	size_t n_roots;
	uid_t min_uid;			/* lowest uid the helper acts as */
};

/*
 * Parse "dir:dir..." into @pol's roots (replacing any). 0, or -EINVAL
 * with @why when a root is not an absolute path without '.', '..', '//'
 * or there are more than PH_ROOTS_MAX, -ENOMEM.
 */
int ph_policy_set_roots(struct ph_policy *pol, const char *list,
			char *why, size_t why_len);

/* Free the roots. */
void ph_policy_clear(struct ph_policy *pol);

/*
 * UID_MIN of a login.defs text (@text), or @fallback when it has none.
 */
uid_t ph_login_defs_uid_min(const char *text, uid_t fallback);

/* May the helper act as @uid? 0, or -EPERM with @why. */
int ph_trust_uid(const struct ph_policy *pol, uid_t uid, char *why,
		 size_t why_len);

/*
 * Is @folder strictly inside one of the allowed roots (on a component
 * boundary)? 0 with *@root the root's index and *@rel the rest of @folder
 * (no leading '/', never empty), or -EPERM with @why.
 */
int ph_trust_folder(const struct ph_policy *pol, const char *folder,
		    size_t *root, const char **rel, char *why, size_t why_len);

#endif
