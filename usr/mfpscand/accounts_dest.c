// SPDX-License-Identifier: GPL-2.0
/*
 * accounts_dest: what the rest of the daemon takes from an account for
 * one upload (daemon.h): a private copy of its destination, secrets
 * included, and the names its documents get from its template and
 * counter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "accounts_change.h"
#include "accounts_check.h"
#include "accounts_int.h"
#include "accounts_secrets.h"
#include "config.h"
#include "name_template.h"
#include "secrets.h"
#include "upload.h"

static int dup_or_null(const char **dst, const char *v)
{
	*dst = NULL;
	if (!v || !*v)
		return 0;
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int dest_fill_secrets(const struct accounts *a, const char *id,
			     struct dest *d, struct err *e)
{
	const char *pw, *ak, *sk;
	json_object *o;
	int r;

	r = accounts_secrets_load(a, id, &o, e);
	if (r < 0)
		return r;
	pw = accounts_json_str(o, "password");
	ak = accounts_json_str(o, "access-key");
	sk = accounts_json_str(o, "secret-key");
	r = dup_or_null(&d->password, d->type == DEST_S3 ? sk : pw);
	if (r == 0)
		r = dup_or_null(&d->access_key, ak);
	accounts_secrets_put(o);
	return r < 0 ? err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory") : 0;
}

/* The owner and primary group a local document is handed to. */
static void dest_set_owner(const struct account *acc, struct dest *d)
{
	d->owner_uid = acc->owner;
	d->owner_gid = acc->owner_gid;
}

int account_dest_get(const struct account *acc, struct dest *dest,
		     struct err *e)
{
	struct dest d = {
		.type = acc->type,
		.timeout_s = acc->store->d->config->upload_timeout_s,
	};
	int r = 0;

	if (acc->type == DEST_LOCAL)
		dest_set_owner(acc, &d);
	r |= dup_or_null(&d.url, acc->f[ACCOUNT_URL]);
	r |= dup_or_null(&d.folder, acc->f[ACCOUNT_FOLDER]);
	r |= dup_or_null(&d.username, acc->f[ACCOUNT_USERNAME]);
	r |= dup_or_null(&d.region, acc->f[ACCOUNT_REGION]);
	r |= dup_or_null(&d.ca_file, acc->f[ACCOUNT_CA_FILE]);
	r |= dup_or_null(&d.host_key_sha256, acc->f[ACCOUNT_HOST_KEY]);
	r |= dup_or_null(&d.domain, acc->f[ACCOUNT_DOMAIN]);
	d.allow_insecure_http = strcmp(acc->f[ACCOUNT_INSECURE_HTTP], "yes") == 0;
	d.resume_threshold = acc->store->d->config->upload_resume_threshold;
	d.resume_chunk = acc->store->d->config->upload_resume_chunk;
	if (r < 0) {
		account_dest_release(&d);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "accounts: out of memory");
	}
	*dest = d;
	return 0;
}

int account_dest_unseal(const struct accounts *a, const char *account_path,
			struct dest *dest, struct err *e)
{
	const char *id = strrchr(account_path, '/');
	int r = 0;

	if (!id || strlen(id + 1) != ACCOUNT_ID_LEN)
		return err_set(e, ERR_LOCAL, EINVAL, EINVAL,
			       "accounts: '%.200s' names no account", account_path);
	/* the folder could have changed hands since it was checked */
	if (dest->type == DEST_LOCAL)
		r = accounts_check_local_dir(dest->folder ? dest->folder : "",
					     dest->owner_uid, e);
	if (r == 0)
		r = dest_fill_secrets(a, id + 1, dest, e);
	return r;
}

static void free_secret_str(const char *s)
{
	if (s)
		secrets_free_len((char *)s, strlen(s) + 1);
}

void account_dest_release(struct dest *d)
{
	free((char *)d->url);
	free((char *)d->folder);
	free((char *)d->username);
	free((char *)d->region);
	free((char *)d->ca_file);
	free((char *)d->host_key_sha256);
	free((char *)d->domain);
	free_secret_str(d->password);
	free_secret_str(d->access_key);
	memset(d, 0, sizeof(*d));
}

int account_make_name_counter(struct account *acc, const char *job_name,
			      const char *extension, int page,
			      uint32_t *counter, char *out, size_t len,
			      struct err *e)
{
	bool fresh = *counter == 0;
	struct name_fields f = {
		.when = time(NULL), .name = job_name, .page = page,
		.counter = fresh ? acc->counter + 1 : *counter,
	};
	char uidname[32], buf[NAME_TEMPLATE_MAX + 1];
	int r;

	if (acc->owner_name)
		f.user = acc->owner_name;
	else
		f.user = (snprintf(uidname, sizeof(uidname), "uid%u",
				   (unsigned int)acc->owner), uidname);
	r = name_template_expand(acc->f[ACCOUNT_TEMPLATE], &f, extension, buf,
				 sizeof(buf), e);
	if (r == 0 && strlen(buf) >= len)
		r = err_set(e, ERR_LOCAL, ENAMETOOLONG, ENAMETOOLONG,
			    "accounts: file name buffer too small");
	if (r == 0 && fresh && acc->deleting)
		r = err_set(e, ERR_NOT_FOUND, 0, ENOENT, "the account is being deleted");
	if (r < 0)
		return r;
	/*
	 * The counter is written by the writer thread; the caller waits for
	 * it (accounts_wait_written()) before the name is used, so a crash
	 * never reuses a counter value. A value whose write fails is skipped.
	 */
	if (fresh) {
		acc->counter++;
		r = account_counter_write(acc, e);
		if (r < 0)
			return r;
		acc->last_page_counter = acc->counter;
		*counter = acc->counter;
	}
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

int account_make_name(struct account *acc, const char *job_name,
		      const char *extension, int page, char *out, size_t len,
		      struct err *e)
{
	/*
	 * The pages of one document share its number: page 1 (or a whole
	 * document) takes a new one, later pages reuse the last one. Jobs
	 * that may interleave pages should use account_make_name_counter().
	 */
	uint32_t counter = page > 1 ? acc->last_page_counter : 0;

	return account_make_name_counter(acc, job_name, extension, page,
					 &counter, out, len, e);
}
