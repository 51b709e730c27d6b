/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kept_watch: what becomes of the documents the last scan left kept. The
 * Scan page shows "Your scan is safe …" when a job ends kept; the
 * background retry (or Retry Now) may deliver it minutes later, with no
 * new job to change that line. From the scan's start, every UploadFailed
 * for an entry of its account is taken as the scan's (the daemon signals
 * the kept entry before the job's final State); when the last of them is
 * reported uploaded (UploadRecovered), the page is told. A scan that did
 * not end kept, and a new scan, end the following.
 */
#ifndef MFPSCAN_KEPT_WATCH_H
#define MFPSCAN_KEPT_WATCH_H

#include "daemon_client.h"

struct kept_watch;

/* Every kept document of the last scan was delivered; url: the last one's. */
typedef void (*kept_watch_sent_fn)(const char *url, void *data);

/* kept_watch_new: follow dc's signals; fn is called as said above. */
struct kept_watch *kept_watch_new(struct daemon_client *dc,
				  kept_watch_sent_fn fn, void *data);

/* kept_watch_begin: a scan to account (object path) starts. */
void kept_watch_begin(struct kept_watch *w, const char *account);

/* kept_watch_end: that scan ended, kept (its final State "spooled") or
 * not (then nothing more is followed). */
void kept_watch_end(struct kept_watch *w, gboolean kept);

#endif
