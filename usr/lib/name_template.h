/* SPDX-License-Identifier: GPL-2.0 */
/*
 * name_template: the file name of a new document from an account's
 * template. Fields in braces are replaced: {date} (YYYY-MM-DD), {time}
 * (HHMMSS), {datetime} (YYYY-MM-DD_HHMMSS), {counter} (the account's
 * document counter, at least 4 digits zero-padded, never wrapped), {user} (the owner's login name),
 * {name} (the scan's "name" option), {page} (page number, 3 digits, for
 * formats with one file per page). Then "." and the extension.
 *
 * The result must stay inside the destination folder whatever the
 * template or the values say: a '/', '\', "..", a control character, a
 * leading '.', an empty or longer than NAME_TEMPLATE_MAX result is refused
 * with ERR_INVALID and a message saying what to change.
 */
#ifndef MFPSCAN_NAME_TEMPLATE_H
#define MFPSCAN_NAME_TEMPLATE_H

#include <stddef.h>
#include <time.h>

#include "err.h"

#define NAME_TEMPLATE_DEFAULT	"scan-{date}-{time}-{counter}"
#define NAME_TEMPLATE_MAX	200	/* bytes of a result, extension included */
#define NAME_TEMPLATE_TMPL_MAX	128	/* bytes of a template */

/* What the fields expand to. */
struct name_fields {
	time_t when;		/* local time of the scan */
	unsigned int counter;	/* at least 4 digits; 5+ above 9999 */
	const char *user;	/* login name; NULL = "user" */
	const char *name;	/* the scan's name option; NULL or "" = "scan" */
	int page;		/* >= 0: page number (from 1); < 0: whole document */
};

/*
 * Check @tmpl on its own (known fields, balanced braces, no character that
 * could leave the folder, length). Returns 0 or -EINVAL with @e set.
 */
int name_template_validate(const char *tmpl, struct err *e);

/*
 * Expand @tmpl (NULL or "" = NAME_TEMPLATE_DEFAULT) with @f and append
 * "." @ext (NULL or "" = none; lower-case letters and digits only). When
 * @f->page >= 0 and the template has no {page}, "-{page}" is added before
 * the extension so that the pages of one scan get distinct names. Writes
 * the NUL-terminated name to @out (@len bytes) and returns 0, or -EINVAL
 * (ERR_INVALID) / -ENAMETOOLONG with @e set and @out untouched.
 */
int name_template_expand(const char *tmpl, const struct name_fields *f,
			 const char *ext, char *out, size_t len,
			 struct err *e);

#endif
