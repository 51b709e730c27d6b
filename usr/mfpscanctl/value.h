/* SPDX-License-Identifier: GPL-2.0 */
/*
 * value: print any D-Bus value a person can read. GetCapabilities and the
 * properties of an object are dictionaries of variants whose contents
 * mfpscanctl does not need to understand to show them: strings plain,
 * numbers in decimal, arrays as "a, b", dictionaries as "k=v", structures
 * in parentheses.
 */
#ifndef MFPSCANCTL_VALUE_H
#define MFPSCANCTL_VALUE_H

#include <stdio.h>
#include <systemd/sd-bus.h>

/*
 * Read the next complete value of @m and print it to @out. Returns 1 when
 * a value was printed, 0 at the end of the enclosing container, or a
 * negative errno.
 */
int value_print(sd_bus_message *m, FILE *out);

/*
 * Same, into a malloc'd string in *@text (the caller frees it). Returns 1,
 * 0 at the end of the container (*@text untouched), or a negative errno.
 */
int value_to_string(sd_bus_message *m, char **text);

#endif
