/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secret: where mfpscanctl gets a password or secret key from. Never the
 * command line (it would show in ps, /proc and shell history): a file
 * (first line), standard input (first line) or a prompt on the terminal
 * with echo off. The buffer is wiped by the caller with secret_wipe().
 */
#ifndef MFPSCANCTL_SECRET_H
#define MFPSCANCTL_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_MAX 4096	/* the daemon's longest string argument */

/* Read the first line of @path into @buf. Returns 0 or a negative errno. */
int secret_from_file(const char *path, char *buf, size_t len);

/* Read the first line of standard input into @buf. 0 or negative errno. */
int secret_from_stdin(char *buf, size_t len);

/* True when a prompt is possible (a controlling terminal exists). */
bool secret_can_prompt(void);

/*
 * Print @prompt on the terminal and read a line with echo off.
 * Returns 0 or a negative errno (-ENOTTY without a terminal).
 */
int secret_prompt(const char *prompt, char *buf, size_t len);

/* Overwrite @buf so the secret does not linger in memory. */
void secret_wipe(char *buf, size_t len);

#endif
