// SPDX-License-Identifier: GPL-2.0
/*
 * upload: the uploader's entry points (see upload.h). Checks what every
 * destination type needs (a valid URL without credentials, a safe folder
 * and name, the secrets the type requires, a pinned host key for SFTP)
 * and hands the call to the type's backend, so that backends never see a
 * request that could escape the account's folder.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "upload.h"
#include "upload_backend.h"
#include "upload_classify.h"
#include "upload_path.h"

static const struct upload_backend *const backends[] = {
	[DEST_LOCAL] = &upload_local_backend,
	[DEST_WEBDAV] = &upload_webdav_backend,
	[DEST_S3] = &upload_s3_backend,
	[DEST_SFTP] = &upload_sftp_backend,
	[DEST_SMB] = &upload_smb_backend,
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc;

static void upload_init_once(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	upload_classify_init();
}

int upload_init(void)
{
	pthread_once(&init_once, upload_init_once);
	return init_rc == CURLE_OK ? 0 : -ENOMEM;
}

int dest_type_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(backends) / sizeof(*backends); i++)
		if (strcmp(name, backends[i]->name) == 0)
			return (int)i;
	return -EINVAL;
}

const char *dest_type_name(enum dest_type type)
{
	if ((unsigned int)type >= sizeof(backends) / sizeof(*backends))
		return NULL;
	return backends[type]->name;
}

int upload_put_result(const struct upload_req *req, const char *url,
		      bool same, int r)
{
	if (r)
		return r;
	if (req->remote_url && req->url_len > 0)
		snprintf(req->remote_url, req->url_len, "%s", url);
	if (req->resume)
		req->resume->state[0] = '\0';	/* nothing left to resume */
	return same ? UPLOAD_ALREADY_THERE : 0;
}

bool upload_url_is_plain_http(const char *url)
{
	return url && strncasecmp(url, "http://", 7) == 0;
}

int upload_check_plain_http(enum dest_type type, const char *url,
			    bool has_credentials, bool allowed,
			    enum err_class cls, struct err *e)
{
	if ((type != DEST_WEBDAV && type != DEST_S3) || !has_credentials ||
	    allowed || !upload_url_is_plain_http(url))
		return 0;
	return err_set(e, cls, EACCES, EACCES,
		       "setting 'allow-insecure-http': the url is plain http:// and the account logs in, so its %s and the documents would travel unencrypted; use an https:// url, or set allow-insecure-http to yes on the account if this network is trusted",
		       type == DEST_S3 ? "keys" : "password");
}

/* The destination logs in: a username, a password or an access key. */
static bool dest_has_credentials(const struct dest *d)
{
	return (d->username && *d->username) || (d->password && *d->password) ||
	       (d->access_key && *d->access_key);
}

/* What each type needs before any request goes out. */
static int dest_check_settings(const struct dest *d, struct err *e)
{
	switch (d->type) {
	case DEST_LOCAL:
		if (!d->folder || d->folder[0] != '/')
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "local: the folder must be an absolute directory path");
		return 0;
	case DEST_S3:
		if (!d->access_key || !*d->access_key || !d->password)
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "s3: the access key and secret key are required");
		return 0;
	case DEST_SFTP:
		if (!d->host_key_sha256 || !*d->host_key_sha256)
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "sftp: the server's SHA256 host key fingerprint is required (ssh-keygen -lf KEY.pub)");
		if (!d->username || !*d->username)
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "sftp: a user name is required");
		return 0;
	case DEST_SMB:
		if (!d->username || !*d->username)
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "smb: a user name is required");
		return 0;
	case DEST_WEBDAV:
		return 0;
	}
	return err_set(e, ERR_INVALID, EINVAL, EINVAL,
		       "unknown destination type %d", (int)d->type);
}

/* The backend for @d in *@b, or a negative errno with @e filled. */
static int dest_backend(const struct dest *d, const struct upload_backend **b,
			struct err *e)
{
	int r;

	if (!d || (unsigned int)d->type >= sizeof(backends) / sizeof(*backends))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "unknown destination type");
	*b = backends[d->type];
	r = dest_check_settings(d, e);
	/*
	 * Enforced at every transfer, not only when an account is saved: an
	 * account file edited by hand or written by an older version was
	 * never validated as a new one. Every request URL is d->url plus a
	 * path (no redirect is followed). Class auth: the owner must act.
	 */
	if (!r)
		r = upload_check_plain_http(d->type, d->url, dest_has_credentials(d),
					    d->allow_insecure_http, ERR_AUTH, e);
	if (!r && (*b)->schemes)
		r = upload_path_check_url(d->url, (*b)->schemes, e);
	if (!r)
		r = upload_path_check_folder(d->folder, e);
	if (!r && upload_init() < 0)
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "cannot initialise libcurl");
	return r;
}

int upload_check(const struct dest *d, struct upload_space *space,
		 struct err *e)
{
	const struct upload_backend *b = NULL;
	struct upload_space s = { 0 };
	int r = dest_backend(d, &b, e);

	if (r)
		return r;
	r = b->check(d, &s, e);
	if (r == 0 && space)
		*space = s;
	return r;
}

#define DOC_ID_CHUNK (512 * 1024)

int upload_doc_id(const struct upload_req *req, char *out, size_t len,
		  struct err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf = malloc(DOC_ID_CHUNK);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t off = 0;
	int r = 0;

	if (len < 3 || !buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, req->name, strlen(req->name) + 1)) {
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "out of memory");
		goto out;
	}
	while (off < req->size) {
		size_t want = req->size - off < DOC_ID_CHUNK ?
			      (size_t)(req->size - off) : DOC_ID_CHUNK;
		ssize_t n = pread(req->fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = err_set(e, ERR_LOCAL, EIO, EIO,
				    "cannot read the document: %s",
				    n < 0 ? strerror(errno) : "shorter than its size");
			goto out;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	/* @len counts the NUL: (len - 1) / 2 bytes of the digest fit */
	for (size_t i = 0; i < (len - 1) / 2 && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return r;
}

bool upload_req_resumable(const struct upload_req *req)
{
	return req->resume && req->size >= req->resume->threshold;
}

uint64_t upload_req_chunk(const struct upload_req *req)
{
	uint64_t c = req->resume ? req->resume->chunk_size : 0;

	if (c == 0)
		c = UPLOAD_RESUME_CHUNK_DEFAULT;
	return c < UPLOAD_RESUME_CHUNK_MIN ? UPLOAD_RESUME_CHUNK_MIN : c;
}

int upload_resume_set(const struct upload_req *req, uint64_t acked,
		      struct err *e, const char *fmt, ...)
{
	struct upload_resume *rs = req->resume;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rs->state, sizeof(rs->state), fmt, ap);
	va_end(ap);
	if (rs->save && rs->save(rs->save_ud, rs->state, acked))
		return err_set(e, ERR_LOCAL, ECANCELED, ECANCELED,
			       "the progress of the upload could not be recorded");
	return 0;
}

int upload_put(const struct dest *d, const char *remote_name, int fd,
	       uint64_t size, const char *content_type,
	       upload_progress_fn cb, void *ud,
	       char *remote_url, size_t url_len, struct err *e)
{
	return upload_put_resumable(d, remote_name, fd, size, content_type, cb,
				    ud, NULL, remote_url, url_len, e);
}

int upload_resume_abort(const struct dest *d, const char *remote_name,
			const char *state, struct err *e)
{
	const struct upload_backend *b = NULL;
	int r = dest_backend(d, &b, e);

	if (!r)
		r = upload_path_check_name(remote_name, e);
	if (r || !state || !*state || !b->abort)
		return r;
	return b->abort(d, remote_name, state, e);
}

int upload_put_resumable(const struct dest *d, const char *remote_name,
			 int fd, uint64_t size, const char *content_type,
			 upload_progress_fn cb, void *ud,
			 struct upload_resume *resume,
			 char *remote_url, size_t url_len, struct err *e)
{
	const struct upload_backend *b = NULL;
	struct upload_req req = {
		.name = remote_name, .fd = fd, .size = size,
		.content_type = content_type, .cb = cb, .ud = ud,
		.remote_url = remote_url, .url_len = url_len, .resume = resume,
	};
	int r = dest_backend(d, &b, e);

	if (!r)
		r = upload_path_check_name(remote_name, e);
	if (r)
		return r;
	if (fd < 0)
		return err_set(e, ERR_INVALID, EBADF, EBADF,
			       "%s: no document to upload", b->name);
	/* It becomes a header line: no CR/LF smuggling, bounded length. */
	if (content_type && (strnlen(content_type, 101) > 100 ||
			     strpbrk(content_type, "\r\n")))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "%s: invalid content type", b->name);
	r = b->put(d, &req, e);
	if (r == -EEXIST && resume && resume->state[0] && b->abort) {
		/* the name is taken: what we left there will never be used */
		b->abort(d, remote_name, resume->state, NULL);
		upload_resume_set(&req, 0, NULL, "%s", "");
	}
	return r;
}

int upload_exists(const struct dest *d, const char *remote_name,
		  uint64_t size, bool *exists, struct err *e)
{
	const struct upload_backend *b = NULL;
	bool found = false;
	int r = dest_backend(d, &b, e);

	if (!r)
		r = upload_path_check_name(remote_name, e);
	if (r)
		return r;
	r = b->exists(d, remote_name, size, &found, e);
	if (r == 0 && exists)
		*exists = found;
	return r;
}
