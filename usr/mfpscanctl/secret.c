// SPDX-License-Identifier: GPL-2.0
/*
 * secret: reading passwords from a file, stdin or the terminal with echo
 * off (see secret.h). A line longer than the buffer is refused rather than
 * silently cut, because a truncated password fails much later and far
 * from its cause.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "secret.h"

/* Read one line from @f into @buf without its newline. */
static int read_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)len, f))
		return ferror(f) ? -EIO : -ENODATA;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == len - 1 && !feof(f))
		return -E2BIG;
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

int secret_from_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return -errno;
	r = read_line(f, buf, len);
	fclose(f);
	return r;
}

int secret_from_stdin(char *buf, size_t len)
{
	return read_line(stdin, buf, len);
}

bool secret_can_prompt(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int secret_prompt(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	FILE *tty;
	int r;

	tty = fopen("/dev/tty", "r+e");
	if (!tty)
		return -ENOTTY;
	if (tcgetattr(fileno(tty), &old) < 0) {
		fclose(tty);
		return -ENOTTY;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo goes off before the prompt shows: what is typed after it is safe. */
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	fputs(prompt, tty);
	fflush(tty);
	r = read_line(tty, buf, len);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return r;
}

void secret_wipe(char *buf, size_t len)
{
	explicit_bzero(buf, len);
}
