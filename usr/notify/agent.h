/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agent: what mfpscan-notify does with the daemon's signals and with the
 * person's clicks (the patent's S609, "notify the user through an
 * application"):
 *   UploadFailed     -> "“doc” is waiting" (once per document), with
 *                       Retry Now, Save a Copy…, Open Panel;
 *   UploadRecovered  -> "“doc” was uploaded", replacing the failure;
 *   NeedsAttention   -> "“doc” needs your attention" (critical);
 *   Retry Now        -> SpoolEntry.Retry; Save a Copy… and Open Panel ->
 *                       mfpscan-panel --save ENTRY / --page waiting;
 *   the daemon there -> its notices not yet acknowledged (ListNotices),
 *                       each once; a click on one -> AckNotices.
 */
#ifndef MFPSCAN_NOTIFY_AGENT_H
#define MFPSCAN_NOTIFY_AGENT_H

#include "daemon_link.h"
#include "desktop.h"

struct agent;

/* agent_new: panel is the panel program to start (a name in PATH or a path). */
struct agent *agent_new(const char *panel);

/* agent_free: returns NULL. */
struct agent *agent_free(struct agent *a);

/* agent_events: the callbacks to give daemon_link_new. */
struct daemon_link_events agent_events(struct agent *a);

/* agent_attach: the two connections the agent acts through. */
void agent_attach(struct agent *a, struct daemon_link *link, struct desktop *desk);

/*
 * agent_timeout_ms: how long the main loop may sleep (-1: until an event);
 * then it calls agent_tick, which shows again the daemon's notices that
 * could not be shown (no notification server yet when the session starts).
 */
int agent_timeout_ms(struct agent *a);
void agent_tick(struct agent *a);

/* agent_on_action: the desktop_action_fn to give desktop_open. */
void agent_on_action(uint32_t id, const char *action, void *data);

#endif
