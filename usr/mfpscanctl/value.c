// SPDX-License-Identifier: GPL-2.0
/*
 * value: a generic, recursive printer of D-Bus values (see value.h). It
 * walks the message with sd_bus_message_peek_type() so it needs no
 * knowledge of the signature beforehand.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "value.h"

union basic {
	uint8_t y;
	int b;
	int16_t n;
	uint16_t q;
	int32_t i;
	uint32_t u;
	int64_t x;
	uint64_t t;
	double d;
	const char *s;
	int h;
};

static int print_basic(sd_bus_message *m, char type, FILE *out)
{
	union basic v;
	int r;

	r = sd_bus_message_read_basic(m, type, &v);
	if (r <= 0)
		return r;
	switch (type) {
	case 'y': fprintf(out, "%u", v.y); break;
	case 'b': fputs(v.b ? "yes" : "no", out); break;
	case 'n': fprintf(out, "%d", v.n); break;
	case 'q': fprintf(out, "%u", v.q); break;
	case 'i': fprintf(out, "%" PRId32, v.i); break;
	case 'u': fprintf(out, "%" PRIu32, v.u); break;
	case 'x': fprintf(out, "%" PRId64, v.x); break;
	case 't': fprintf(out, "%" PRIu64, v.t); break;
	case 'd': fprintf(out, "%g", v.d); break;
	case 'h': fprintf(out, "fd:%d", v.h); break;
	default: fputs(v.s, out); break;	/* s, o, g */
	}
	return 1;
}

/* Print the members of the container just entered, separated by @sep. */
static int print_members(sd_bus_message *m, FILE *out, const char *sep)
{
	bool first = true;
	int r;

	for (;;) {
		if (!first) {
			r = sd_bus_message_at_end(m, false);
			if (r < 0)
				return r;
			if (r > 0)
				break;
			fputs(sep, out);
		}
		r = value_print(m, out);
		if (r <= 0)
			return r;
		first = false;
	}
	return 1;
}

static int print_container(sd_bus_message *m, char type, const char *contents,
			   FILE *out)
{
	const char *sep = type == 'e' ? "=" : ", ";
	int r;

	r = sd_bus_message_enter_container(m, type, contents);
	if (r <= 0)
		return r;
	if (type == 'r')
		fputc('(', out);
	if (type == 'a' && contents[0] == '{')
		sep = " ";
	r = print_members(m, out, sep);
	if (r < 0)
		return r;
	if (type == 'r')
		fputc(')', out);
	r = sd_bus_message_exit_container(m);
	return r < 0 ? r : 1;
}

int value_print(sd_bus_message *m, FILE *out)
{
	const char *contents;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r <= 0)
		return r;
	if (type == 'a' || type == 'r' || type == 'e' || type == 'v')
		return print_container(m, type, contents, out);
	return print_basic(m, type, out);
}

int value_to_string(sd_bus_message *m, char **text)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out;
	int r;

	out = open_memstream(&buf, &size);
	if (!out)
		return -errno;
	r = value_print(m, out);
	if (fclose(out) != 0 && r > 0)
		r = -ENOMEM;
	if (r <= 0) {
		free(buf);
		return r;
	}
	*text = buf;
	return 1;
}
