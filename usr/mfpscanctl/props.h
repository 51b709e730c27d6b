/* SPDX-License-Identifier: GPL-2.0 */
/*
 * props: the a{sv} of Properties.GetAll and PropertiesChanged as a small
 * table mfpscanctl can query by name. Every value is kept as text (see
 * value.h); numeric ones also as a number, so progress and listings need
 * no per-property parsing.
 */
#ifndef MFPSCANCTL_PROPS_H
#define MFPSCANCTL_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

struct prop {
	char *name;
	char *text;		/* the value printed, malloc'd */
	uint64_t num;		/* for y, q, u, t, n, i, x, b; else 0 */
};

struct props {
	struct prop *v;
	size_t n;
};

/*
 * Read the a{sv} at the current position of @m into @p (appending; a name
 * seen again replaces the old value). Returns 0 or a negative errno.
 */
int props_read(sd_bus_message *m, struct props *p);

/* The text of property @name, or @fallback when absent. */
const char *props_text(const struct props *p, const char *name,
		       const char *fallback);

/* The number of property @name, or 0 when absent or not numeric. */
uint64_t props_num(const struct props *p, const char *name);

/* True when @name is present. */
bool props_has(const struct props *p, const char *name);

/* Free every entry; @p is empty and reusable afterwards. */
void props_clear(struct props *p);

#endif
