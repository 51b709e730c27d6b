/* SPDX-License-Identifier: GPL-2.0 */
/*
 * job_text: the words the panel and the notification agent show for the
 * daemon's states and error classes. Pure functions over strings, so the
 * wording is in one place, gettext-ready and unit-tested. A state or class
 * this version does not know (the API may grow) is shown as its own word,
 * never as an error.
 */
#ifndef MFPSCAN_JOB_TEXT_H
#define MFPSCAN_JOB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "mfpscan"
/*
 * job_text_sent_later: the outcome line once a kept scan was delivered by
 * a later attempt ("Sent to Nextcloud after a retry. Saved as “x.pdf”.").
 */
const char *job_text_sent_later(const char *account, const char *url,
				char *buf, size_t len);

/* job_text_notice_title: a short title for a ListNotices kind. */
const char *job_text_notice_title(const char *kind);

#endif
#include <libintl.h>
#define _(s) dgettext(GETTEXT_PACKAGE, s)
#define N_(s) (s)

/* job_text_is_final: true for the job states after which nothing changes. */
bool job_text_is_final(const char *state);

/*
 * job_text_progress: one line about a running job ("Scanning page 2…").
 * Writes into buf (always terminated) and returns it.
 */
const char *job_text_progress(const char *state, uint32_t pages,
			      uint64_t bytes_uploaded, char *buf, size_t len);

/*
 * job_text_outcome: what became of a finished job, in words a person can
 * act on. error is the job's Error property, url its RemoteUrl.
 */
const char *job_text_outcome(const char *state, const char *url,
			     const char *error, char *buf, size_t len);

/* job_text_error_class: a short title for an UploadFailed error class. */
const char *job_text_error_class(const char *error_class);

/* job_text_entry_state: a spool entry's State in words. */
const char *job_text_entry_state(const char *state);

/* job_text_bytes: "1.5 MB" style size (SI units, as GNOME shows them). */
const char *job_text_bytes(uint64_t bytes, char *buf, size_t len);

/* job_text_file_name: the last path element of a URL (for "sent as …"). */
const char *job_text_file_name(const char *url);

/*
 * job_text_sent_later: the outcome line once a kept scan was delivered by
 * a later attempt ("Sent to Nextcloud after a retry. Saved as “x.pdf”.").
 */
const char *job_text_sent_later(const char *account, const char *url,
				char *buf, size_t len);

/* job_text_notice_title: a short title for a ListNotices kind. */
const char *job_text_notice_title(const char *kind);

#endif
