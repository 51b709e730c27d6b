// SPDX-License-Identifier: GPL-2.0
/*
 * job_text: the daemon's states and error classes in words (see
 * job_text.h). Wording follows the GNOME HIG: sentences, say what
 * happened and what the person can do, no jargon (no "spool", no HTTP
 * codes in titles; the server's own words stay in the detail line).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "job_text.h"

struct word {
	const char *key;
	const char *text;
};

/* The text for key in table, or NULL when the key is not there. */
static const char *lookup(const struct word *table, const char *key)
{
	for (; table->key; table++)
		if (strcmp(table->key, key) == 0)
			return _(table->text);
	return NULL;
}

bool job_text_is_final(const char *state)
{
	static const char *const final[] = { "done", "spooled", "failed",
					     "cancelled" };

	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		if (strcmp(state, final[i]) == 0)
			return true;
	return false;
}

const char *job_text_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	unsigned int i = 0;

	if (bytes < 1000) {
		snprintf(buf, len, _("%" PRIu64 " bytes"), bytes);
		return buf;
	}
	v /= 1000;
	while (v >= 1000 && i < 3) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[i]);
	return buf;
}

const char *job_text_progress(const char *state, uint32_t pages,
			      uint64_t bytes_uploaded, char *buf, size_t len)
{
	char size[32];

	if (strcmp(state, "queued") == 0)
		snprintf(buf, len, "%s", _("Waiting for the scanner…"));
	else if (strcmp(state, "preparing") == 0)
		snprintf(buf, len, "%s", _("Getting ready…"));
	else if (strcmp(state, "scanning") == 0)
		snprintf(buf, len, _("Scanning page %" PRIu32 "…"), pages + 1);
	else if (strcmp(state, "uploading") == 0)
		snprintf(buf, len, _("Uploading %" PRIu32 " page(s)… %s sent"),
			 pages, job_text_bytes(bytes_uploaded, size, sizeof(size)));
	else
		/* A state newer than this panel: show the daemon's word. */
		snprintf(buf, len, "%s", state);
	return buf;
}

const char *job_text_file_name(const char *url)
{
	const char *slash = strrchr(url, '/');

	return slash && slash[1] ? slash + 1 : url;
}

const char *job_text_outcome(const char *state, const char *url,
			     const char *error, char *buf, size_t len)
{
	if (strcmp(state, "done") == 0)
		snprintf(buf, len, _("Done. Saved as “%s”."), job_text_file_name(url));
	else if (strcmp(state, "spooled") == 0)
		/* the daemon's Error already says why and that it is kept */
		snprintf(buf, len, _("Your scan is safe. %s"), error);
	else if (strcmp(state, "failed") == 0)
		snprintf(buf, len, _("The scan failed: %s"), error);
	else if (strcmp(state, "cancelled") == 0)
		snprintf(buf, len, "%s", _("Scan cancelled. Nothing was sent."));
	else
		snprintf(buf, len, "%s", state);
	return buf;
}

const char *job_text_error_class(const char *error_class)
{
	static const struct word classes[] = {
		{ "storage-full", N_("The storage is full") },
		{ "auth", N_("The login was refused") },
		{ "not-found", N_("The folder does not exist") },
		{ "network", N_("The server cannot be reached") },
		{ "server", N_("The server reported an error") },
		{ "tls", N_("The server is not trusted") },
		{ "local", N_("A problem on the scanner itself") },
		{ NULL, NULL },
	};
	const char *t = lookup(classes, error_class);

	return t ? t : error_class;
}

const char *job_text_entry_state(const char *state)
{
	static const struct word states[] = {
		{ "waiting", N_("Waiting to be sent again") },
		{ "retrying", N_("Sending now…") },
		{ "needs-attention", N_("Needs your attention") },
		{ NULL, NULL },
	};
	const char *t = lookup(states, state);

	return t ? t : state;
}

const char *job_text_sent_later(const char *account, const char *url,
				char *buf, size_t len)
{
	snprintf(buf, len, _("Sent to %s after a retry. Saved as “%s”."),
		 account, job_text_file_name(url));
	return buf;
}

const char *job_text_notice_title(const char *kind)
{
	static const struct word kinds[] = {
		{ "kept", N_("Kept — will retry") },
		{ "sent-after-retry", N_("Sent after retry") },
		{ "needs-attention", N_("Needs your attention") },
		{ "partial-kept", N_("Partial document kept") },
		{ "orphans-kept", N_("Files kept after an interruption") },
		{ "discarded", N_("A kept scan was deleted") },
		{ "several", N_("Several notices") },
		{ NULL, NULL },
	};
	const char *t = lookup(kinds, kind);

	/* A kind newer than this panel: its text says what happened. */
	return t ? t : _("Notice");
}
