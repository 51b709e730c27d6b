// SPDX-License-Identifier: GPL-2.0
/*
 * name_template: expand an account's file name template (see
 * name_template.h). Expansion writes into a private buffer and copies to
 * the caller only when the whole result passed the safety checks, so the
 * output stays untouched on failure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "name_template.h"

enum name_field {
	NAME_DATE, NAME_TIME, NAME_DATETIME, NAME_COUNTER, NAME_USER,
	NAME_NAME, NAME_PAGE, NAME_FIELD_COUNT
};

static const char *const name_field_names[NAME_FIELD_COUNT] = {
	[NAME_DATE] = "date", [NAME_TIME] = "time",
	[NAME_DATETIME] = "datetime", [NAME_COUNTER] = "counter",
	[NAME_USER] = "user", [NAME_NAME] = "name", [NAME_PAGE] = "page",
};

/* The field named by the @n bytes at @s, or -1. */
static int name_field_lookup(const char *s, size_t n)
{
	for (int i = 0; i < NAME_FIELD_COUNT; i++)
		if (strlen(name_field_names[i]) == n &&
		    strncmp(s, name_field_names[i], n) == 0)
			return i;
	return -1;
}

/* A character that must never be part of a file name we create. */
static bool name_bad_char(char c)
{
	return c == '/' || c == '\\' || iscntrl((unsigned char)c);
}

static int name_check_text(const char *what, const char *s, struct err *e)
{
	for (const char *p = s; *p; p++) {
		if (name_bad_char(*p))
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "%s must not contain '/', '\\' or control characters",
				       what);
	}
	if (strstr(s, ".."))
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "%s must not contain \"..\"", what);
	return 0;
}

int name_template_validate(const char *tmpl, struct err *e)
{
	const char *p = tmpl;
	int r;

	if (!*tmpl)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "the name template is empty");
	if (strlen(tmpl) > NAME_TEMPLATE_TMPL_MAX)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "the name template is longer than %d bytes",
			       NAME_TEMPLATE_TMPL_MAX);
	if (tmpl[0] == '.')
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "the name template must not start with '.' (hidden file)");
	r = name_check_text("the name template", tmpl, e);
	if (r < 0)
		return r;
	while ((p = strpbrk(p, "{}"))) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;

		if (!close)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "unbalanced brace in the name template");
		if (name_field_lookup(p + 1, (size_t)(close - p - 1)) < 0)
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "unknown field {%.*s} in the name template (known: {date} {time} {datetime} {counter} {user} {name} {page})",
				       (int)(close - p - 1 > 32 ? 32 : close - p - 1), p + 1);
		p = close + 1;
	}
	return 0;
}

/* Append the value of @field to @buf at *@pos; false when it overflows. */
static bool name_put_field(char *buf, size_t size, size_t *pos, int field,
			   const struct name_fields *f, const struct tm *tm)
{
	size_t room = size - *pos;
	char *at = buf + *pos;
	int n = 0;

	switch (field) {
	case NAME_DATE:
		n = (int)strftime(at, room, "%Y-%m-%d", tm);
		break;
	case NAME_TIME:
		n = (int)strftime(at, room, "%H%M%S", tm);
		break;
	case NAME_DATETIME:
		n = (int)strftime(at, room, "%Y-%m-%d_%H%M%S", tm);
		break;
	case NAME_COUNTER:
		n = snprintf(at, room, "%04u", f->counter);
		break;
	case NAME_USER:
		n = snprintf(at, room, "%s", f->user ? f->user : "user");
		break;
	case NAME_NAME:
		n = snprintf(at, room, "%s", f->name && *f->name ? f->name : "scan");
		break;
	case NAME_PAGE:
		n = f->page >= 0 ? snprintf(at, room, "%03d", f->page) : 0;
		break;
	}
	if (n < 0 || (size_t)n >= room || (n == 0 && field <= NAME_DATETIME))
		return false;
	*pos += (size_t)n;
	return true;
}

/* Expand @tmpl into @buf; the template was validated. */
static int name_expand_into(const char *tmpl, const struct name_fields *f,
			    const struct tm *tm, char *buf, size_t size,
			    bool *had_page)
{
	size_t pos = 0;

	for (const char *p = tmpl; *p; ) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			int field = name_field_lookup(p + 1, (size_t)(close - p - 1));

			*had_page |= field == NAME_PAGE;
			if (!name_put_field(buf, size, &pos, field, f, tm))
				return -ENAMETOOLONG;
			p = close + 1;
			continue;
		}
		if (pos + 1 >= size)
			return -ENAMETOOLONG;
		buf[pos++] = *p++;
	}
	buf[pos] = '\0';
	return 0;
}

static int name_check_ext(const char *ext, struct err *e)
{
	size_t n = strlen(ext);

	if (n > 8)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "file extension \"%.16s\" is too long", ext);
	for (; *ext; ext++)
		if (!islower((unsigned char)*ext) && !isdigit((unsigned char)*ext))
			return err_set(e, ERR_INVALID, 0, EINVAL,
				       "file extension may only have lower-case letters and digits");
	return 0;
}

static int name_check_values(const struct name_fields *f, struct err *e)
{
	int r = 0;

	if (f->user)
		r = name_check_text("the user name", f->user, e);
	if (r == 0 && f->name)
		r = name_check_text("the scan's name option", f->name, e);
	return r;
}

int name_template_expand(const char *tmpl, const struct name_fields *f,
			 const char *ext, char *out, size_t len,
			 struct err *e)
{
	char buf[NAME_TEMPLATE_MAX + 64];
	bool had_page = false;
	struct tm tm;
	size_t n;
	int r;

	if (!tmpl || !*tmpl)
		tmpl = NAME_TEMPLATE_DEFAULT;
	if (!ext)
		ext = "";
	r = name_template_validate(tmpl, e);
	if (r == 0)
		r = name_check_values(f, e);
	if (r == 0)
		r = name_check_ext(ext, e);
	if (r < 0)
		return r;
	if (!localtime_r(&f->when, &tm))
		return err_set(e, ERR_INVALID, 0, EINVAL, "the scan time is out of range");
	r = name_expand_into(tmpl, f, &tm, buf, sizeof(buf), &had_page);
	n = strlen(buf);
	if (r == 0 && f->page >= 0 && !had_page)
		r = snprintf(buf + n, sizeof(buf) - n, "-%03d", f->page) <
		    (int)(sizeof(buf) - n) ? 0 : -ENAMETOOLONG;
	n = strlen(buf);
	if (r == 0 && *ext)
		r = snprintf(buf + n, sizeof(buf) - n, ".%s", ext) <
		    (int)(sizeof(buf) - n) ? 0 : -ENAMETOOLONG;
	if (r < 0 || strlen(buf) > NAME_TEMPLATE_MAX)
		return err_set(e, ERR_INVALID, 0, ENAMETOOLONG,
			       "the file name would be longer than %d bytes: shorten the name template or the scan's name",
			       NAME_TEMPLATE_MAX);
	if (buf[0] == '.' || buf[0] == '\0' || strstr(buf, ".."))
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "the file name \"%.64s\" would be hidden or empty: change the name template or the scan's name",
			       buf);
	if (strlen(buf) >= len)
		return err_set(e, ERR_INVALID, 0, ENAMETOOLONG,
			       "the file name does not fit the caller's buffer");
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}
