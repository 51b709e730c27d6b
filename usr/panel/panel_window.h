/* SPDX-License-Identifier: GPL-2.0 */
/*
 * panel_window: the panel's one window: a header with the page switcher
 * (Scan, Waiting Scans with their number, Accounts) over the daemon's
 * notices (notices_bar.h) and the pages. It
 * owns the pages and wires them together; the pages know nothing of each
 * other.
 */
#ifndef MFPSCAN_PANEL_WINDOW_H
#define MFPSCAN_PANEL_WINDOW_H

#include <gtk/gtk.h>

#include "daemon_client.h"

struct panel_window;

/*
 * panel_window_new: the window for app. kiosk: full screen at the
 * monitor's size (the MFP's touch panel). dc may be NULL when the daemon
 * cannot be reached: the window then says why (error).
 */
struct panel_window *panel_window_new(GtkApplication *app,
				      struct daemon_client *dc, gboolean kiosk,
				      const GError *error);

/* panel_window_show_page: "scan", "waiting" or "accounts". */
void panel_window_show_page(struct panel_window *w, const char *page);

/* panel_window_save: Save a Copy… of the waiting scan at entry_path. */
void panel_window_save(struct panel_window *w, const char *entry_path);

/* panel_window_present: raise the window. */
void panel_window_present(struct panel_window *w);

#endif
