/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notices_bar: the notices the daemon kept for the person until seen
 * (Manager.ListNotices): a scan kept that will be retried, one sent after
 * a retry, a partial document kept after a power cut, files kept after an
 * interruption, a kept scan deleted by the administrator. Above the pages,
 * so that they are seen from any page as the panel starts; read again on
 * every signal that may have added one and when the daemon (re)starts.
 * Dismiss acknowledges one (AckNotices), Dismiss All every one listed.
 * Hidden while there is none.
 */
#ifndef MFPSCAN_NOTICES_BAR_H
#define MFPSCAN_NOTICES_BAR_H

#include <gtk/gtk.h>

#include "daemon_client.h"

struct notices_bar;

/* notices_bar_new: build the bar and read the notices; it follows dc's signals. */
struct notices_bar *notices_bar_new(struct daemon_client *dc);

/* notices_bar_widget: the bar's top widget. */
GtkWidget *notices_bar_widget(struct notices_bar *b);

/* notices_bar_refresh: read the notices again. */
void notices_bar_refresh(struct notices_bar *b);

#endif
