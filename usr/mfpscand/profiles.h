/* SPDX-License-Identifier: GPL-2.0 */
/*
 * profiles: the panel profiles of the appliance. The engine's scan button
 * carries a profile number (1..99, MFPSCAN_PROFILE in its uevent); a user
 * assigns a number to one of their accounts plus the reading settings, and
 * a press of the button with that number starts that scan as that user.
 *
 * The store is one small JSON file, state_dir/profiles.json, replaced
 * durably (temp file, fsync, rename, fsync of the directory) on every
 * change, by the accounts' writer thread: the main thread never waits on
 * the disk, and a change is seen (and its D-Bus call answered) once it is
 * written. One change is written at a time. The options are kept as the validated keys of struct
 * scan_options and validated again when the file is read, so a hand-edited
 * file cannot smuggle in what the bus would refuse.
 *
 * bus_profiles.c puts the Manager methods AssignProfile, ListProfiles,
 * ClearProfile and Trigger on the bus; udev_monitor.c calls
 * bus_profiles_trigger() when a button uevent arrives, usb_watch.c when a
 * libusb engine's button event does.
 */
#ifndef MFPSCAND_PROFILES_H
#define MFPSCAND_PROFILES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "accounts_writer.h"
#include "daemon.h"
#include "err.h"
#include "scan_options.h"

#define PROFILE_MIN		1
#define PROFILE_MAX		99
#define PROFILES_VERSION	1
#define PROFILE_ACCOUNT_MAX	256	/* an account object path, with NUL */

struct profile {
	uint32_t number;		/* PROFILE_MIN..PROFILE_MAX */
	uid_t owner;			/* the account's owner; the job runs as it */
	char account[PROFILE_ACCOUNT_MAX];	/* account object path */
	struct scan_options opts;	/* validated; opts.set says which keys */
};

struct profiles;

/*
 * Read @dir/profiles.json (a missing file is an empty store). An entry
 * that no longer validates is dropped with a warning, not fatal. Returns 0
 * with *@out set, or a negative errno with @e set.
 */
int profiles_load(const char *dir, struct accounts_writer *writer,
		  struct profiles **out, struct err *e);

/* Free the store (NULL is fine); returns NULL. */
struct profiles *profiles_free(struct profiles *p);

/* The profile @number, or NULL when it is not assigned. */
const struct profile *profiles_get(const struct profiles *p, uint32_t number);

/* The next assigned profile after @prev (NULL: the first), by number. */
const struct profile *profiles_next(const struct profiles *p,
				    const struct profile *prev);

/*
 * The end of a change, on the main thread: @r 0 when it is on disk and
 * the store shows it, else a negative errno with @e (the store in memory
 * is left as it was).
 */
typedef void (*profiles_done_fn)(struct daemon *d, void *ud, int r,
				 const struct err *e);

/*
 * Assign @pr (number, owner, account, options): 0 when the write is
 * queued (@done runs later, exactly once), or a negative errno with @e
 * (-EBUSY while another change is being written) and @done never runs.
 */
int profiles_set(struct profiles *p, const struct profile *pr,
		 profiles_done_fn done, void *ud, struct err *e);

/* Unassign @number the same way (-ENOENT, @e untouched: not assigned). */
int profiles_clear(struct profiles *p, uint32_t number, profiles_done_fn done,
		   void *ud, struct err *e);

/*
 * "color-mode=gray resolution=150 ..." of the keys set in @o, for
 * ListProfiles and the log; "defaults" when none is set.
 */
void profiles_describe(const struct scan_options *o, char *out, size_t len);

/*
 * Append @o as the a{sv} Manager.Scan takes (only the keys in o->set,
 * strings as s and numbers as u).
 */
int profiles_append_options(sd_bus_message *m, const struct scan_options *o);

/* --- bus_profiles.c ------------------------------------------------------ */

/*
 * Load the store from the config's state_dir, add the profile methods to
 * the Manager interface, set up the internal path that starts a profile's
 * scan through jobs_handle_scan(), and start the udev monitor (its failure
 * is logged, not fatal: Trigger still works). Call once after the jobs
 * part is registered.
 */
int bus_profiles_setup(struct daemon *d, struct err *e);

/*
 * Start the scan assigned to @profile on engine @device (a kernel name such
 * as "mfpscan0", a configured device name, or "" for the profile's or the
 * default device) as the profile's owner. With @call (a Manager.Trigger
 * call) the outcome is the reply to @call (the job's path or the error);
 * without, it is only logged. Returns what a method handler returns.
 */
int bus_profiles_trigger(struct daemon *d, const char *device,
			 uint32_t profile, sd_bus_message *call);

#endif
