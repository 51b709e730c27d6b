// SPDX-License-Identifier: GPL-2.0
/*
 * jobs_text: the words the jobs part shows a person (refusals, signals,
 * mail): what a failure class means, what the user can do about it, and
 * the MIME type of a document's format.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jobs.h"

const char *jobs_mime_type(const char *format)
{
	if (strcmp(format, "pdf") == 0)
		return "application/pdf";
	if (strcmp(format, "jpeg") == 0)
		return "image/jpeg";
	if (strcmp(format, "png") == 0)
		return "image/png";
	if (strcmp(format, "tiff") == 0)
		return "image/tiff";
	return "application/octet-stream";
}

/* What the user can do about a failure class (one short sentence). */
const char *jobs_advice(enum err_class cls)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
		return "Free some space and scan again.";
	case ERR_AUTH:
		return "Check the account's user name and password (mfpscanctl accounts update).";
	case ERR_NOT_FOUND:
		return "Check the account's address and folder.";
	case ERR_TLS:
		return "The server's certificate or SSH host key is not the trusted one; check the account's ca-file or host-key setting.";
	case ERR_NETWORK:
		return "Check the network and the server's address, then scan again.";
	case ERR_SERVER:
		return "Try again later.";
	default:
		return "Try again later.";
	}
}

const char *jobs_class_summary(enum err_class cls)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
		return "your storage is full";
	case ERR_AUTH:
		return "the storage refused the login";
	case ERR_NOT_FOUND:
		return "the destination was not found";
	case ERR_NETWORK:
		return "the storage could not be reached";
	case ERR_SERVER:
		return "the storage server reported an error";
	case ERR_TLS:
		return "the storage's certificate or host key is not trusted";
	case ERR_DEVICE:
		return "the scanner failed";
	default:
		return "a problem on the scanner";
	}
}

/* "<summary> (<the server's words, without a final period>)" */
void jobs_describe(const struct err *e, char *out, size_t len)
{
	int n = (int)strlen(e->msg);

	while (n > 0 && (e->msg[n - 1] == '.' || e->msg[n - 1] == ' '))
		n--;
	if (n == 0)
		snprintf(out, len, "%s", jobs_class_summary(e->cls));
	else
		snprintf(out, len, "%s (%.*s)", jobs_class_summary(e->cls), n,
			 e->msg);
}

void jobs_human_size(uint64_t n, char *buf, size_t len)
{
	if (n >= 10ULL << 20)
		snprintf(buf, len, "%" PRIu64 " MB", n >> 20);
	else if (n >= 10ULL << 10)
		snprintf(buf, len, "%" PRIu64 " kB", n >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
}
