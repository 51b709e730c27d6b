// SPDX-License-Identifier: GPL-2.0
/*
 * upload_s3: Amazon S3 and compatible stores (MinIO, s3rver, ...), path or
 * virtual-host style URLs. Requests are signed by libcurl
 * (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"); the payload hash header
 * x-amz-content-sha256 that curl 7.88 omits is computed here with OpenSSL
 * EVP over the document, so the store also verifies the bytes it got.
 * Idempotence: HEAD of the key first (same size and, by a GET, the same
 * bytes -> already there; anything else -> refused, never overwritten;
 * exists is HEAD only) and "If-None-Match: *" on the PUT
 * for stores that support conditional writes. S3 error codes in the reply
 * (QuotaExceeded, AccessDenied, NoSuchBucket, ...) decide the class.
 * Cleanup style: goto out with the transfer freed once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "upload_backend.h"
#include "upload_classify.h"
#include "upload_curl.h"
#include "upload_path.h"

#define HASH_CHUNK (64 * 1024)

static int s3_url(const struct dest *d, const char *name, char *out,
		  size_t len, struct err *e)
{
	if (upload_path_join(out, len, d->url, d->folder, ~0u, name))
		return err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
			       "s3: the object's URL is too long");
	return 0;
}

/* SHA-256 of an empty payload, for requests without a body. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A bodiless request: S3 wants the payload hash on every request. */
static int s3_begin(struct upload_xfer *x, const char *method,
		    const char *url, struct err *e)
{
	int r = upload_xfer_begin(x, method, url, e);

	if (!r)
		r = upload_xfer_header(x, "x-amz-content-sha256: " EMPTY_SHA256, e);
	return r;
}

/* Fill @e from an S3 error reply: its <Code> decides the class. */
static int s3_error(struct upload_xfer *x, const char *what, struct err *e)
{
	char code[64], msg[300];
	enum err_class cls;
	int r = upload_xfer_http_error(x, what, e);

	if (upload_classify_xml_text(x->body, x->body_len, "Code", code,
				     sizeof(code)) != 0 || !code[0])
		return r;
	if (upload_classify_xml_text(x->body, x->body_len, "Message", msg,
				     sizeof(msg)) != 0)
		msg[0] = '\0';
	cls = upload_classify_s3_code(code);
	return err_set(e, cls, (int)x->status,
		       cls == ERR_STORAGE_FULL ? ENOSPC :
		       cls == ERR_AUTH ? EACCES :
		       cls == ERR_NOT_FOUND ? ENOENT :
		       cls == ERR_INVALID ? EINVAL : EPROTO,
		       "s3: %s: %s: %s%s%s", what, x->status_line, code,
		       msg[0] ? ": " : "", msg);
}

/* HEAD of the key: missing, ours (same size) or a different object. */
static int s3_same(struct upload_xfer *x, const char *url, uint64_t size,
		   bool *same, struct err *e)
{
	int64_t len;
	int r = s3_begin(x, "HEAD", url, e);

	if (!r)
		r = upload_xfer_run(x, "HEAD", e);
	if (r)
		return r;
	if (x->status == 404) {
		*same = false;
		return 0;
	}
	if (x->status == 403)	/* HEAD replies carry no error document */
		return err_set(e, ERR_AUTH, 403, EACCES,
			       "s3: HEAD of the object: %s: access denied; check the access key, the secret key and the bucket's permissions",
			       x->status_line);
	if (x->status != 200)
		return s3_error(x, "HEAD of the object", e);
	len = upload_xfer_length(x);
	if (len >= 0 && (uint64_t)len != size)
		return err_set(e, ERR_SERVER, EEXIST, EEXIST,
			       "s3: a different object with this name exists at %s (%" PRId64 " bytes, ours has %" PRIu64 "); it was not replaced",
			       url, len, size);
	*same = true;
	return 0;
}

/*
 * An object of our size is there: are its bytes ours (a put after a
 * crash)? A GET compared as it arrives (memory stays bounded); another
 * document of the same size (a name used twice) must not count as ours.
 */
static int s3_same_bytes(struct upload_xfer *x, const char *url,
			 const struct upload_req *req, bool *same,
			 struct err *e)
{
	int r = s3_begin(x, "GET", url, e);

	if (r)
		return r;
	upload_xfer_compare(x, req->fd, req->size);
	r = upload_xfer_run(x, "GET of the object with our name", e);
	if (r)
		return r;
	if (x->status != 200)
		return s3_error(x, "GET of the object with our name", e);
	*same = !x->cmp_mismatch && x->cmp_off == req->size;
	if (!*same)
		return err_set(e, ERR_SERVER, EEXIST, EEXIST,
			       "s3: a different object with this name exists at %s (same size, other content); it was not replaced",
			       url);
	return 0;
}

static int s3_check(const struct dest *d, struct upload_space *space,
		    struct err *e)
{
	struct upload_xfer *x = upload_xfer_new(d, "s3", e);
	char url[UPLOAD_URL_MAX];
	size_t n;
	int r;

	if (!x)
		return -ENOMEM;
	/*
	 * List at most one key of the bucket: proves the keys and the bucket
	 * and, unlike HEAD, failures come with S3's error code and message.
	 * S3 has no folders to create and no quota to ask.
	 */
	r = upload_path_join(url, sizeof(url), d->url, NULL, 0, NULL);
	n = r ? 0 : strlen(url);
	if (!r && snprintf(url + n, sizeof(url) - n, "?max-keys=1") >=
		  (int)(sizeof(url) - n))
		r = -ENAMETOOLONG;
	if (r)
		r = err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
			    "s3: the bucket's URL is too long");
	if (!r)
		r = s3_begin(x, "GET", url, e);
	if (!r)
		r = upload_xfer_run(x, "listing the bucket", e);
	if (!r && x->status != 200)
		r = s3_error(x, "listing the bucket", e);
	if (!r)
		space->known = false;
	upload_xfer_free(x);
	return r;
}

/* Lower-case hex SHA-256 of the document's @size bytes, read with pread. */
static int s3_sha256(int fd, uint64_t size, char hex[65], struct err *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *buf = malloc(HASH_CHUNK);
	uint64_t off = 0;
	int r = 0;

	if (!ctx || !buf || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "s3: cannot start SHA-256");
		goto out;
	}
	while (off < size) {
		size_t want = size - off < HASH_CHUNK ? (size_t)(size - off) : HASH_CHUNK;
		ssize_t got = pread(fd, buf, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = err_set(e, ERR_LOCAL, EIO, got < 0 ? errno : EIO,
				    "s3: reading the document: %s",
				    got < 0 ? strerror(errno) : "shorter than its size");
			goto out;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)got);
		off += (uint64_t)got;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return r;
}

static int s3_put_object(struct upload_xfer *x, const char *url,
			 const struct upload_req *req, struct err *e)
{
	char line[160], hex[65];
	int r = s3_sha256(req->fd, req->size, hex, e);

	if (!r)
		r = upload_xfer_begin(x, "PUT", url, e);
	if (r)
		return r;
	snprintf(line, sizeof(line), "x-amz-content-sha256: %s", hex);
	r = upload_xfer_header(x, line, e);
	if (!r)
		r = upload_xfer_header(x, "If-None-Match: *", e);
	if (!r && req->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
		r = upload_xfer_header(x, line, e);
	}
	if (r)
		return r;
	upload_xfer_source(x, req->fd, req->size, req->cb, req->ud);
	return upload_xfer_run(x, "PUT", e);
}

static int s3_put(const struct dest *d, const struct upload_req *req,
		  struct err *e)
{
	struct upload_xfer *x = upload_xfer_new(d, "s3", e);
	char url[UPLOAD_URL_MAX];
	bool same = false;
	int r;

	if (!x)
		return -ENOMEM;
	r = s3_url(d, req->name, url, sizeof(url), e);
	if (!r)
		r = s3_same(x, url, req->size, &same, e);
	if (!r && same)
		r = s3_same_bytes(x, url, req, &same, e);
	if (r || same)
		goto done;
	r = s3_put_object(x, url, req, e);
	if (r)
		goto done;
	if (x->status == 412) {	/* a racing upload of ours got there first */
		r = s3_same(x, url, req->size, &same, e);
		if (!r && !same)
			r = err_set(e, ERR_SERVER, EPROTO, EPROTO,
				    "s3: PUT %s: the store refused the upload (412) but has no such object", url);
	} else if (x->status != 200)
		r = s3_error(x, "PUT", e);
done:
	r = upload_put_result(req, url, same, r);
	upload_xfer_free(x);
	return r;
}

static int s3_exists(const struct dest *d, const char *name, uint64_t size,
		     bool *exists, struct err *e)
{
	struct upload_xfer *x = upload_xfer_new(d, "s3", e);
	char url[UPLOAD_URL_MAX];
	bool same = false;
	int r;

	if (!x)
		return -ENOMEM;
	r = s3_url(d, name, url, sizeof(url), e);
	if (!r)
		r = s3_same(x, url, size, &same, e);
	if (!r)
		*exists = same;
	upload_xfer_free(x);
	return r;
}

const struct upload_backend upload_s3_backend = {
	.name = "s3",
	.schemes = "http,https",
	.check = s3_check,
	.put = s3_put,
	.exists = s3_exists,
};
