// SPDX-License-Identifier: GPL-2.0
/*
 * bus_manager: the org.mfpscan.Daemon1.Manager object at
 * /org/mfpscan/Daemon1 - what the scanners can do (the patent's S101-S103
 * "settable conditions"), the caller's storage destinations, account
 * creation, and the entry points of scanning that the jobs part handles.
 * Every method identifies the caller from the bus and only ever shows or
 * touches that caller's accounts (root: any, for Scan).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "bus.h"
#include "bus_notices.h"
#include "config.h"
#include "device_caps.h"
#include "jobs.h"
#include "log.h"
#include "notify_addr.h"
#include "scan_options.h"
#include "upload.h"

static const char *const manager_formats[] = { "pdf", "jpeg", "png", "tiff", NULL };

/* --- GetCapabilities ---------------------------------------------------------- */

static int append_sv_strv(sd_bus_message *m, const char *key, uint32_t mask,
			  const char *(*name)(uint32_t), uint32_t count)
{
	int r;

	r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", key);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "as");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "s");
	for (uint32_t i = 0; r >= 0 && i < count; i++)
		if ((mask & (1U << i)) && name(i))
			r = sd_bus_message_append(m, "s", name(i));
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static int append_caps(sd_bus_message *m, const struct mfpscan_caps *c)
{
	char model[MFPSCAN_NAME_LEN + 1];
	int r;

	snprintf(model, sizeof(model), "%.*s", MFPSCAN_NAME_LEN, (const char *)c->model);
	r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}",
				  "model", "s", model,
				  "max-width-mm", "u", c->max_width_um / 1000,
				  "max-height-mm", "u", c->max_height_um / 1000,
				  "adf-capacity", "u", c->adf_capacity);
	if (r >= 0)
		r = append_sv_strv(m, "sources", c->sources,
				   scan_options_source_name, MFPSCAN_SOURCE_COUNT);
	if (r >= 0)
		r = append_sv_strv(m, "color-modes", c->color_modes,
				   scan_options_color_name, MFPSCAN_MODE_COUNT);
	return r;
}

/* The resolutions as an array of u (sd_bus_message_append has no form for it). */
static int append_resolutions(sd_bus_message *m, const struct mfpscan_caps *c)
{
	uint32_t n = c->n_resolutions > MFPSCAN_MAX_RESOLUTIONS ?
		     MFPSCAN_MAX_RESOLUTIONS : c->n_resolutions;
	int r;

	r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "resolutions");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "au");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'u', c->resolutions,
						n * sizeof(uint32_t));
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/*
 * One device, from what its last probe found (device_caps.c): the device
 * is never opened here, on the main loop. "probing" says a probe is queued
 * or running; a device whose first probe has not ended is not available
 * yet, with that as its reason.
 */
static int append_device(struct daemon *d, size_t i, sd_bus_message *m)
{
	const struct config_device *cd = &d->config->devices[i];
	struct devcaps_view v;
	int r;

	devcaps_get(d->jobs->devcaps, i, &v);
	r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}",
					  "name", "s", cd->name,
					  "default", "b", strcmp(cd->name, d->config->default_device) == 0,
					  "available", "b", v.available,
					  "busy", "b", v.busy || d->jobs->devices[i].busy,
					  "probing", "b", v.probing);
	if (r >= 0 && !v.available)
		r = sd_bus_message_append(m, "{sv}", "reason", "s", v.reason);
	if (r >= 0 && v.available) {
		r = append_caps(m, &v.caps);
		if (r >= 0)
			r = append_resolutions(m, &v.caps);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* "destination-types": every account type this build can upload to. */
static int append_destination_types(sd_bus_message *m)
{
	int r = sd_bus_message_open_container(m, 'e', "sv");

	if (r >= 0)
		r = sd_bus_message_append(m, "s", "destination-types");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "as");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "s");
	for (int t = 0; r >= 0 && dest_type_name((enum dest_type)t); t++)
		r = sd_bus_message_append(m, "s", dest_type_name((enum dest_type)t));
	/* the array, the variant, the entry */
	for (int k = 0; r >= 0 && k < 3; k++)
		r = sd_bus_message_close_container(m);
	return r;
}

static int method_get_capabilities(sd_bus_message *m, void *userdata,
				   sd_bus_error *error)
{
	struct daemon *d = userdata;
	sd_bus_message *reply = NULL;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	r = bus_reply_array_open(m, "{sv}", &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "{sv}{sv}{sv}",
					  "version", "s", DAEMON_VERSION,
					  "default-device", "s", d->config->default_device,
					  "formats", "as", 4, manager_formats[0],
					  manager_formats[1], manager_formats[2],
					  manager_formats[3]);
	if (r >= 0)
		r = append_destination_types(reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(reply, "s", "devices");
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'v', "aa{sv}");
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "a{sv}");
	for (size_t i = 0; r >= 0 && i < d->config->n_devices; i++)
		r = append_device(d, i, reply);
	/* the devices' array, variant and entry; then the outer a{sv} */
	for (int k = 0; r >= 0 && k < 3; k++)
		r = sd_bus_message_close_container(reply);
	return bus_reply_array_send(reply, r);
}

/* --- accounts -------------------------------------------------------------------- */

static int method_list_destinations(sd_bus_message *m, void *userdata,
				    sd_bus_error *error)
{
	struct daemon *d = userdata;
	sd_bus_message *reply = NULL;
	struct account *acc = NULL;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	r = bus_reply_array_open(m, "(oss)", &reply);
	while (r >= 0 && (acc = accounts_next(d->accounts, acc)))
		if (account_owner(acc) == uid)
			r = sd_bus_message_append(reply, "(oss)", account_path(acc),
						  account_name(acc),
						  account_type_name(acc));
	return bus_reply_array_send(reply, r);
}

static int method_create_account(sd_bus_message *m, void *userdata,
				 sd_bus_error *error)
{
	struct daemon *d = userdata;
	struct account_settings s;
	struct account_secrets sec;
	const char *name, *type;
	struct err e;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	err_clear(&e);
	r = sd_bus_message_read(m, "ss", &name, &type);
	if (r < 0)
		return bus_reply_errorf(m, "InvalidArgument", "Cannot read the name and type arguments.");
	if (strlen(name) > BUS_STRING_MAX || strlen(type) > 16)
		return bus_reply_errorf(m, "InvalidArgument",
					"The account name (at most 128 bytes) or type (local, webdav, s3, sftp, smb) is too long.");
	r = bus_account_read_settings(m, false, &s, &e);
	if (r == 0)
		r = bus_account_read_secrets(m, &sec, &e);
	if (r < 0)
		return bus_reply_err(m, &e);
	/* answered once the account is on disk */
	return bus_account_create(d, m, uid, name, type, &s, &sec);
}

/* --- scanning (handled by the jobs part) ----------------------------------------- */

static int method_scan(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct daemon *d = userdata;
	struct account *acc;
	const char *path;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return bus_reply_errorf(m, "InvalidArgument", "Cannot read the account argument.");
	acc = accounts_by_path(d->accounts, path);
	/* another user's account gets the same answer as a missing one */
	if (!acc || (uid != 0 && account_owner(acc) != uid))
		return bus_reply_errorf(m, "NotFound",
					"You have no account %.160s; list yours with ListDestinations.",
					path);
	if (!d->jobs)
		return bus_reply_errorf(m, "Local", "Scanning is not available: the job service did not start.");
	return jobs_handle_scan(d->jobs, m, uid, acc);
}

static int method_list_jobs(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct daemon *d = userdata;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	if (!d->jobs)
		return sd_bus_reply_method_return(m, "ao", 0);
	return jobs_handle_list_jobs(d->jobs, m, uid);
}

static int method_list_spool(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct daemon *d = userdata;
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	if (!d->jobs)
		return sd_bus_reply_method_return(m, "ao", 0);
	return jobs_handle_list_spool(d->jobs, m, uid);
}

static int method_set_notify_address(sd_bus_message *m, void *userdata,
				     sd_bus_error *error)
{
	struct daemon *d = userdata;
	const char *addr;
	struct err e = { 0 };
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	if (sd_bus_message_read(m, "s", &addr) < 0)
		return bus_reply_errorf(m, "InvalidArgument", "The address must be a string.");
	if (notify_addr_set(d->config->state_dir, uid, addr, &e) < 0)
		return bus_reply_err(m, &e);
	log_msg(LOG_INFO, "manager: uid %u %s their notification address",
		(unsigned int)uid, addr[0] ? "set" : "cleared");
	return sd_bus_reply_method_return(m, "");
}

static int method_get_notify_address(sd_bus_message *m, void *userdata,
				     sd_bus_error *error)
{
	struct daemon *d = userdata;
	char addr[NOTIFY_ADDR_MAX];
	uid_t uid;
	int r;

	if ((r = bus_method_uid(m, &uid)) <= 0)
		return r;
	notify_addr_get(d->config->state_dir, uid, addr, sizeof(addr));
	return sd_bus_reply_method_return(m, "s", addr);
}

static int method_subscribe(sd_bus_message *m, void *userdata,
			    sd_bus_error *error)
{
	bool on = strcmp(sd_bus_message_get_member(m), "Subscribe") == 0;
	int r = bus_subscribe(m, on);

	if (r == -EACCES)
		return sd_bus_reply_method_errorf(m, BUS_ERROR_ACCESS_DENIED,
						  "The bus could not tell who is calling; try again.");
	if (r < 0)
		return bus_reply_errorf(m, "Local", "Cannot remember the subscription: %s.",
					strerror(-r));
	return sd_bus_reply_method_return(m, "");
}

static int manager_property_version(sd_bus *bus, const char *path,
				    const char *iface, const char *property,
				    sd_bus_message *reply, void *userdata,
				    sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", DAEMON_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", manager_property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_METHOD_WITH_ARGS("GetCapabilities", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a{sv}", capabilities),
				method_get_capabilities, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListDestinations", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("a(oss)", destinations),
				method_list_destinations, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("CreateAccount",
				SD_BUS_ARGS("s", name, "s", type, "a{sv}", settings,
					    "a{sv}", secrets),
				SD_BUS_RESULT("o", account),
				method_create_account, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Scan", SD_BUS_ARGS("o", account, "a{sv}", options),
				SD_BUS_RESULT("o", job),
				method_scan, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListJobs", SD_BUS_NO_ARGS, SD_BUS_RESULT("ao", jobs),
				method_list_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("ListSpool", SD_BUS_NO_ARGS, SD_BUS_RESULT("ao", entries),
				method_list_spool, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("SetNotifyAddress", SD_BUS_ARGS("s", address),
				SD_BUS_NO_RESULT,
				method_set_notify_address, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetNotifyAddress", SD_BUS_NO_ARGS,
				SD_BUS_RESULT("s", address),
				method_get_notify_address, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Subscribe", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				method_subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Unsubscribe", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				method_subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
	BUS_NOTICES_METHODS,
	SD_BUS_SIGNAL_WITH_ARGS("UploadFailed",
				SD_BUS_ARGS("o", entry, "s", error_class, "s", message), 0),
	SD_BUS_SIGNAL_WITH_ARGS("UploadRecovered",
				SD_BUS_ARGS("o", entry, "s", remote_url), 0),
	SD_BUS_SIGNAL_WITH_ARGS("NeedsAttention", SD_BUS_ARGS("o", entry), 0),
	SD_BUS_SIGNAL_WITH_ARGS("PartialDocumentKept",
				SD_BUS_ARGS("o", entry, "u", pages, "s", message), 0),
	SD_BUS_SIGNAL_WITH_ARGS("OrphansKept", SD_BUS_ARGS("as", files), 0),
	SD_BUS_SIGNAL_WITH_ARGS("EntryDiscarded",
				SD_BUS_ARGS("o", entry, "u", by_uid), 0),
	SD_BUS_VTABLE_END
};

int bus_manager_register(struct daemon *d, struct err *e)
{
	sd_bus_slot *slot = NULL;
	int r;

	r = sd_bus_add_object_vtable(d->bus, &slot, DAEMON_PATH,
				     DAEMON_IFACE_MANAGER, manager_vtable, d);
	if (r >= 0)
		r = bus_keep_slot(slot);
	if (r < 0)
		return err_set(e, ERR_LOCAL, -r, -r, "bus: cannot register the manager: %s",
			       strerror(-r));
	return 0;
}
