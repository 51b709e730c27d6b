// SPDX-License-Identifier: GPL-2.0
/*
 * upload_curl: the libcurl transfer every network backend uses (see
 * upload_curl.h). Cleanup style: one exit path per function via goto where
 * resources pile up; most functions here own nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "upload_classify.h"
#include "upload_curl.h"

#define DEFAULT_TIMEOUT_S 30L

struct upload_xfer *upload_xfer_new(const struct dest *d, const char *module,
				    struct err *e)
{
	struct upload_xfer *x = calloc(1, sizeof(*x));

	if (!x) {
		err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "%s: out of memory", module);
		return NULL;
	}
	x->curl = curl_easy_init();
	if (!x->curl) {
		free(x);
		err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			"%s: cannot start libcurl", module);
		return NULL;
	}
	x->d = d;
	x->module = module;
	x->fd = -1;
	return x;
}

struct upload_xfer *upload_xfer_free(struct upload_xfer *x)
{
	if (!x)
		return NULL;
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->quote);
	curl_slist_free_all(x->prequote);
	curl_easy_cleanup(x->curl);
	free(x);
	return NULL;
}

/* Compare mode: does this piece of the reply equal the document's? */
static size_t xfer_compare(struct upload_xfer *x, const char *data, size_t len)
{
	char buf[4096];
	size_t done = 0;

	if (len > x->cmp_size - x->cmp_off) {
		x->cmp_mismatch = true;
		return 0;
	}
	while (done < len) {
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t got = pread(x->cmp_fd, buf, want,
				    (off_t)(x->cmp_base + x->cmp_off + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || memcmp(buf, data + done, (size_t)got) != 0) {
			x->cmp_mismatch = true;
			return 0;
		}
		done += (size_t)got;
	}
	x->cmp_off += len;
	return len;
}

/* Keep the reply body, up to UPLOAD_BODY_MAX; more aborts the transfer. */
static size_t xfer_write(char *data, size_t size, size_t n, void *ud)
{
	struct upload_xfer *x = ud;
	size_t len = size * n;
	long status = 0;

	/*
	 * Only a success reply's body is the file; error pages are kept.
	 * SFTP has no error pages: whatever arrives is the file.
	 */
	if (x->comparing && x->d->type == DEST_SFTP)
		return xfer_compare(x, data, len);
	if (x->comparing &&
	    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status >= 200 && status <= 299)
		return xfer_compare(x, data, len);
	if (len > UPLOAD_BODY_MAX - x->body_len) {
		x->body_overflow = true;
		return 0;
	}
	memcpy(x->body + x->body_len, data, len);
	x->body_len += len;
	x->body[x->body_len] = '\0';
	return len;
}

/* Remember the status line for messages; bound the header block. */
static size_t xfer_header(char *data, size_t size, size_t n, void *ud)
{
	struct upload_xfer *x = ud;
	size_t len = size * n;

	x->header_bytes += len;
	if (x->header_bytes > UPLOAD_HEADERS_MAX) {
		x->header_overflow = true;
		return 0;
	}
	if (x->d->type == DEST_SFTP) {
		/* SFTP "headers" are quote command output, e.g. statvfs. */
		if (len < sizeof(x->info) - x->info_len) {
			memcpy(x->info + x->info_len, data, len);
			x->info_len += len;
			x->info[x->info_len] = '\0';
		}
		return len;
	}
	if (len > 5 && memcmp(data, "HTTP/", 5) == 0) {
		size_t keep = len < sizeof(x->status_line) ? len :
			      sizeof(x->status_line) - 1;

		memcpy(x->status_line, data, keep);
		while (keep > 0 && (x->status_line[keep - 1] == '\n' ||
				    x->status_line[keep - 1] == '\r'))
			keep--;
		x->status_line[keep] = '\0';
		/* A new response (after 100 Continue): forget the old body. */
		x->body_len = 0;
		x->body[0] = '\0';
	}
	return len;
}

/* Stream the document from its fd; a short file is an error, not EOF. */
static size_t xfer_read(char *buf, size_t size, size_t n, void *ud)
{
	struct upload_xfer *x = ud;
	uint64_t left = x->size - x->offset;
	size_t want = size * n;
	ssize_t got;

	if (left == 0)
		return 0;
	if (want > left)
		want = (size_t)left;
	do {
		got = pread(x->fd, buf, want, (off_t)(x->base + x->offset));
	} while (got < 0 && errno == EINTR);
	if (got <= 0) {
		x->src_errno = got < 0 ? errno : ENODATA;
		return CURL_READFUNC_ABORT;
	}
	x->offset += (uint64_t)got;
	return (size_t)got;
}

/* libcurl rewinds (e.g. after a 401 or redirect); pread makes it cheap. */
static int xfer_seek(void *ud, curl_off_t offset, int origin)
{
	struct upload_xfer *x = ud;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->size)
		return CURL_SEEKFUNC_CANTSEEK;
	x->offset = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int xfer_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
			 curl_off_t ultotal, curl_off_t ulnow)
{
	struct upload_xfer *x = ud;

	if (x->cb && x->cb(x->ud, x->base + (uint64_t)ulnow, x->total)) {
		x->cancelled = true;
		return 1;
	}
	return 0;
}

static long xfer_timeout(const struct dest *d)
{
	return d->timeout_s > 0 ? d->timeout_s : DEFAULT_TIMEOUT_S;
}

/* Who we are and how we prove it, per destination type. */
static void xfer_auth(struct upload_xfer *x)
{
	const struct dest *d = x->d;
	CURL *c = x->curl;

	if (d->type == DEST_S3) {
		char sigv4[128];

		snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3",
			 d->region && *d->region ? d->region : "us-east-1");
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(c, CURLOPT_USERNAME, d->access_key ? d->access_key : "");
		curl_easy_setopt(c, CURLOPT_PASSWORD, d->password ? d->password : "");
		return;
	}
	if (d->username)
		curl_easy_setopt(c, CURLOPT_USERNAME, d->username);
	if (d->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, d->password);
	if (d->type == DEST_WEBDAV) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	} else {
		curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES,
				 (long)(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
		/* Accept the fingerprint as ssh-keygen -l prints it, too. */
		curl_easy_setopt(c, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256,
				 strncmp(d->host_key_sha256, "SHA256:", 7) == 0 ?
				 d->host_key_sha256 + 7 : d->host_key_sha256);
	}
}

static void xfer_common(struct upload_xfer *x, const char *url)
{
	CURL *c = x->curl;
	bool sftp = x->d->type == DEST_SFTP;
	long t = xfer_timeout(x->d);

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, sftp ? "sftp" : "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* Should a redirect ever be followed: never from https down to http. */
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
			 sftp ? "sftp" : upload_url_is_plain_http(url) ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, t);
	/* A stall, not a long upload, is what times out. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, t);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mfpscan/1");
	/*
	 * Verification stays on (libcurl's default). A pinned CA replaces the
	 * system store: both the bundle and the hashed directory (Debian's
	 * libcurl also trusts CAPATH=/etc/ssl/certs by default).
	 */
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (x->d->ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, x->d->ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, xfer_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	xfer_auth(x);
}

int upload_xfer_begin(struct upload_xfer *x, const char *method,
		      const char *url, struct err *e)
{
	curl_easy_reset(x->curl);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->quote);
	curl_slist_free_all(x->prequote);
	x->headers = NULL;
	x->quote = NULL;
	x->prequote = NULL;
	x->errbuf[0] = '\0';
	x->fd = -1;
	x->base = x->size = x->offset = x->total = 0;
	x->src_errno = 0;
	x->cb = NULL;
	x->cancelled = false;
	x->status = 0;
	x->rc = 0;
	x->info_len = 0;
	x->info[0] = '\0';
	x->status_line[0] = '\0';
	x->body_len = x->header_bytes = 0;
	x->body[0] = '\0';
	x->body_overflow = x->header_overflow = false;
	x->comparing = x->cmp_mismatch = false;
	x->cmp_fd = -1;
	x->cmp_base = x->cmp_size = x->cmp_off = 0;
	xfer_common(x, url);
	if (method && strcmp(method, "HEAD") == 0)
		curl_easy_setopt(x->curl, CURLOPT_NOBODY, 1L);
	else if (method && strcmp(method, "PUT") != 0 && strcmp(method, "GET") != 0)
		curl_easy_setopt(x->curl, CURLOPT_CUSTOMREQUEST, method);
	return 0;
}

int upload_xfer_header(struct upload_xfer *x, const char *line, struct err *e)
{
	struct curl_slist *l = curl_slist_append(x->headers, line);

	if (!l)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "%s: out of memory",
			       x->module);
	x->headers = l;
	return 0;
}

int upload_xfer_quote(struct upload_xfer *x, bool after, const char *cmd,
		      struct err *e)
{
	struct curl_slist **list = after ? &x->quote : &x->prequote;
	struct curl_slist *l = curl_slist_append(*list, cmd);

	if (!l)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "%s: out of memory",
			       x->module);
	*list = l;
	return 0;
}

void upload_xfer_source(struct upload_xfer *x, int fd, uint64_t size,
			upload_progress_fn cb, void *ud)
{
	upload_xfer_source_range(x, fd, 0, size, size, cb, ud);
}

void upload_xfer_source_range(struct upload_xfer *x, int fd, uint64_t start,
			      uint64_t len, uint64_t total,
			      upload_progress_fn cb, void *ud)
{
	CURL *c = x->curl;
	uint64_t size = len;

	x->fd = fd;
	x->base = start;
	x->size = len;
	x->total = total;
	x->offset = 0;
	x->cb = cb;
	x->ud = ud;
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, (long)UPLOAD_SEND_BUFFER);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, xfer_read);
	curl_easy_setopt(c, CURLOPT_READDATA, x);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, xfer_seek);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, x);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
}

static int class_errno(enum err_class cls, int curl_code)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
		return ENOSPC;
	case ERR_AUTH:
		return EACCES;
	case ERR_NOT_FOUND:
		return ENOENT;
	case ERR_NETWORK:
		if (curl_code == CURLE_OPERATION_TIMEDOUT)
			return ETIMEDOUT;
		return curl_code == CURLE_COULDNT_CONNECT ? ECONNREFUSED : ECOMM;
	case ERR_TLS:
		return EKEYREJECTED;
	case ERR_INVALID:
		return EINVAL;
	case ERR_LOCAL:
		return EIO;
	default:
		return EPROTO;
	}
}

/* Failures that are ours, not the server's: reading, cancel, limits. */
static int xfer_local_failure(struct upload_xfer *x, const char *what,
			      struct err *e)
{
	if (x->cancelled)
		return err_set(e, ERR_LOCAL, ECANCELED, ECANCELED,
			       "%s: %s: cancelled", x->module, what);
	if (x->src_errno == ENODATA)
		return err_set(e, ERR_LOCAL, EIO, EIO,
			       "%s: %s: the document is shorter than its %llu bytes",
			       x->module, what, (unsigned long long)x->size);
	if (x->src_errno)
		return err_set(e, ERR_LOCAL, x->src_errno, x->src_errno,
			       "%s: %s: reading the document: %s", x->module,
			       what, strerror(x->src_errno));
	if (x->header_overflow || x->body_overflow)
		return err_set(e, ERR_SERVER, EPROTO, EPROTO,
			       "%s: %s: the server's reply %s is larger than %d KiB",
			       x->module, what,
			       x->header_overflow ? "header" : "body",
			       (x->header_overflow ? UPLOAD_HEADERS_MAX :
				UPLOAD_BODY_MAX) / 1024);
	return 0;
}

int upload_xfer_run(struct upload_xfer *x, const char *what, struct err *e)
{
	CURLcode rc;
	enum err_class cls;
	int r;

	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	if (x->quote)
		curl_easy_setopt(x->curl, CURLOPT_POSTQUOTE, x->quote);
	if (x->prequote)
		curl_easy_setopt(x->curl, CURLOPT_QUOTE, x->prequote);
	rc = curl_easy_perform(x->curl);
	x->rc = rc;
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->cmp_mismatch))
		return 0;
	r = xfer_local_failure(x, what, e);
	if (r)
		return r;
	cls = upload_classify_curl(rc, x->errbuf);
	return err_set(e, cls, rc, class_errno(cls, rc), "%s: %s: %s", x->module,
		       what, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
}

int upload_xfer_http_error(struct upload_xfer *x, const char *what,
			   struct err *e)
{
	enum err_class cls = upload_classify_http(x->status);
	char text[300];
	char *loc = NULL;
	const char *status = x->status_line[0] ? x->status_line : "no status";

	if (x->status >= 300 && x->status < 400) {
		curl_easy_getinfo(x->curl, CURLINFO_REDIRECT_URL, &loc);
		if (!upload_url_is_plain_http(x->d->url) && upload_url_is_plain_http(loc))
			return err_set(e, ERR_INVALID, (int)x->status, EINVAL,
				       "%s: %s: refused: the server redirects from https:// down to the plain http:// address %.200s (%s), which would send the credentials and the document unencrypted",
				       x->module, what, loc, status);
		return err_set(e, ERR_INVALID, (int)x->status, EINVAL,
			       "%s: %s: the server redirects to %.200s (%s); put that address in the account's URL",
			       x->module, what, loc ? loc : "another address",
			       status);
	}
	upload_classify_body_text(x->body, x->body_len, text, sizeof(text));
	return err_set(e, cls, (int)x->status, class_errno(cls, 0),
		       "%s: %s: %s%s%s", x->module, what, status,
		       text[0] ? ": " : "", text);
}

void upload_xfer_compare(struct upload_xfer *x, int fd, uint64_t size)
{
	upload_xfer_compare_range(x, fd, 0, size);
}

void upload_xfer_compare_range(struct upload_xfer *x, int fd, uint64_t start,
			       uint64_t len)
{
	x->comparing = true;
	x->cmp_fd = fd;
	x->cmp_base = start;
	x->cmp_size = len;
	x->cmp_off = 0;
	x->cmp_mismatch = false;
}

int64_t upload_xfer_length(struct upload_xfer *x)
{
	curl_off_t len = -1;

	if (curl_easy_getinfo(x->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) != CURLE_OK)
		return -1;
	return len;
}
