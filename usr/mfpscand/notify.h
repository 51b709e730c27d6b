/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notify: telling a document's owner what happened to it (the patent's
 * S609). Two channels: Manager signals sent only to the owner's bus
 * connections (UploadFailed, UploadRecovered, NeedsAttention), and mail to
 * the account's NotifyEmail through the [mail] SMTP server, sent by one
 * worker thread so that the bus never waits for SMTP. Three mails per
 * document at most: spooled, cleared, needs attention; never one per
 * retry. A mail that cannot be sent is logged, never fatal, and never
 * holds up the document.
 *
 * The entry points are declared in jobs.h (notify_new, notify_free,
 * notify_upload_failed, notify_upload_recovered, notify_needs_attention).
 */
#ifndef MFPSCAND_NOTIFY_H
#define MFPSCAND_NOTIFY_H

#include "jobs.h"

/* Mails waiting for the worker beyond this are dropped (and logged). */
#define NOTIFY_QUEUE_MAX	256

#endif
