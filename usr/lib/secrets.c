// SPDX-License-Identifier: GPL-2.0
/*
 * secrets: the machine key and AES-256-GCM sealing of account secrets (see
 * secrets.h). Cleanup style of this file: one "goto out" exit per
 * function that releases what it took, cleansing key and plaintext
 * buffers on the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "secrets.h"

static const char secrets_magic[6] = { 'M', 'F', 'P', 'S', 'E', 'C' };
#define SECRETS_VERSION 1

struct secrets_key {
	uint8_t bytes[SECRETS_KEY_BYTES];
};

int secrets_key_from_bytes(const uint8_t bytes[SECRETS_KEY_BYTES],
			   struct secrets_key **out, struct err *e)
{
	struct secrets_key *k = malloc(sizeof(*k));

	if (!k)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "secrets: out of memory");
	memcpy(k->bytes, bytes, SECRETS_KEY_BYTES);
	*out = k;
	return 0;
}

struct secrets_key *secrets_key_free(struct secrets_key *k)
{
	secrets_free_len(k, sizeof(*k));
	return NULL;
}

void secrets_free_len(void *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

void secrets_free(char *plain)
{
	if (plain)
		secrets_free_len(plain, strlen(plain) + 1);
}

static int secrets_fsync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0 || fsync(fd) < 0)
		r = err_set(e, ERR_LOCAL, errno, errno,
			    "secrets: cannot sync directory %s: %s", dir,
			    strerror(errno));
	if (fd >= 0)
		close(fd);
	return r;
}

/* Read exactly one key from @path, checking owner, mode and size. */
static int secrets_key_read(const char *path, struct secrets_key **out,
			    struct err *e)
{
	uint8_t buf[SECRETS_KEY_BYTES + 1];
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno,
			       "secrets: cannot open machine key %s: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077)) {
		r = err_set(e, ERR_LOCAL, EPERM, EPERM,
			    "secrets: machine key %s must be a regular file owned by uid %u with mode 0600",
			    path, (unsigned int)geteuid());
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n != SECRETS_KEY_BYTES) {
		r = err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			    "secrets: machine key %s is damaged (%zd bytes, want %d); restore it from a backup, or remove it and set every account's secrets again",
			    path, n, SECRETS_KEY_BYTES);
		goto out;
	}
	r = secrets_key_from_bytes(buf, out, e);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return r;
}

/* Write a fresh key to @tmp (O_EXCL, 0600, fsync'd). */
static int secrets_key_write_tmp(const char *tmp, struct err *e)
{
	uint8_t buf[SECRETS_KEY_BYTES];
	int fd, r = 0;

	if (RAND_bytes(buf, sizeof(buf)) != 1)
		return err_set(e, ERR_LOCAL, EIO, EIO,
			       "secrets: the random generator failed");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		r = err_set(e, ERR_LOCAL, errno, errno,
			    "secrets: cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    fsync(fd) < 0) {
		r = err_set(e, ERR_LOCAL, EIO, errno ? errno : EIO,
			    "secrets: cannot write %s: %s", tmp,
			    strerror(errno ? errno : EIO));
		unlink(tmp);
	}
	close(fd);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

/* Create @dir/machine.key unless it exists; link() never overwrites. */
static int secrets_key_create(const char *dir, const char *path,
			      struct err *e)
{
	char tmp[4096];
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s/.machine.key.%d", dir,
		     (int)getpid()) >= (int)sizeof(tmp))
		return err_set(e, ERR_LOCAL, ENAMETOOLONG, ENAMETOOLONG,
			       "secrets: state directory path too long");
	unlink(tmp);	/* a leftover of a crashed start with our pid */
	r = secrets_key_write_tmp(tmp, e);
	if (r < 0)
		return r;
	if (link(tmp, path) < 0 && errno != EEXIST)
		r = err_set(e, ERR_LOCAL, errno, errno,
			    "secrets: cannot create machine key %s: %s", path,
			    strerror(errno));
	unlink(tmp);
	if (r == 0)
		r = secrets_fsync_dir(dir, e);
	return r;
}

int secrets_key_load(const char *dir, struct secrets_key **out,
		     struct err *e)
{
	char path[4096];
	int r;

	if (snprintf(path, sizeof(path), "%s/machine.key", dir) >=
	    (int)sizeof(path))
		return err_set(e, ERR_LOCAL, ENAMETOOLONG, ENAMETOOLONG,
			       "secrets: state directory path too long");
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		r = secrets_key_create(dir, path, e);
		if (r < 0)
			return r;
	}
	return secrets_key_read(path, out, e);
}

static EVP_CIPHER_CTX *secrets_ctx(const struct secrets_key *k,
				   const uint8_t *iv, bool encrypt,
				   const char *aad)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n;

	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
			      encrypt) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRETS_IV_BYTES,
				NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, k->bytes, iv, encrypt) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)aad,
			     (int)strlen(aad)) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int secrets_seal(const struct secrets_key *k, const char *aad,
		 const void *plain, size_t len, uint8_t **out,
		 size_t *out_len, struct err *e)
{
	size_t total = len + SECRETS_OVERHEAD;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *blob, *iv, *ct;
	int n, fin, r = 0;

	if (len > SECRETS_PLAIN_MAX)
		return err_set(e, ERR_INVALID, EMSGSIZE, EMSGSIZE,
			       "secrets: more than %d bytes of secrets",
			       SECRETS_PLAIN_MAX);
	blob = malloc(total);
	if (!blob)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "secrets: out of memory");
	memcpy(blob, secrets_magic, sizeof(secrets_magic));
	blob[6] = SECRETS_VERSION;
	iv = blob + SECRETS_HEADER_BYTES;
	ct = iv + SECRETS_IV_BYTES;
	if (RAND_bytes(iv, SECRETS_IV_BYTES) != 1 ||
	    !(ctx = secrets_ctx(k, iv, true, aad)) ||
	    EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRETS_TAG_BYTES,
				ct + len) != 1) {
		r = err_set(e, ERR_LOCAL, EIO, EIO,
			    "secrets: encryption failed (OpenSSL)");
		free(blob);
		goto out;
	}
	*out = blob;
	*out_len = total;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

static int secrets_check_header(const uint8_t *blob, size_t len,
				struct err *e)
{
	if (len < SECRETS_OVERHEAD ||
	    memcmp(blob, secrets_magic, sizeof(secrets_magic)) != 0)
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			       "secrets: not a sealed secrets file (truncated or wrong format)");
	if (blob[6] != SECRETS_VERSION)
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			       "secrets: sealed with format version %u, this daemon reads %d",
			       blob[6], SECRETS_VERSION);
	if (len - SECRETS_OVERHEAD > SECRETS_PLAIN_MAX)
		return err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			       "secrets: sealed blob too large");
	return 0;
}

int secrets_open(const struct secrets_key *k, const char *aad,
		 const uint8_t *blob, size_t len, char **plain,
		 size_t *plain_len, struct err *e)
{
	const uint8_t *iv = blob + SECRETS_HEADER_BYTES;
	const uint8_t *ct = iv + SECRETS_IV_BYTES;
	EVP_CIPHER_CTX *ctx = NULL;
	size_t ct_len;
	char *buf = NULL;
	int n, fin, r;

	r = secrets_check_header(blob, len, e);
	if (r < 0)
		return r;
	ct_len = len - SECRETS_OVERHEAD;
	buf = malloc(ct_len + 1);
	if (!buf)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "secrets: out of memory");
	if (!(ctx = secrets_ctx(k, iv, false, aad)) ||
	    EVP_DecryptUpdate(ctx, (uint8_t *)buf, &n, ct, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRETS_TAG_BYTES,
				(void *)(ct + ct_len)) != 1 ||
	    EVP_DecryptFinal_ex(ctx, (uint8_t *)buf + n, &fin) != 1) {
		r = err_set(e, ERR_LOCAL, EBADMSG, EBADMSG,
			    "secrets: the sealed secrets do not authenticate (changed on disk, copied from another account, or the machine key changed); set the account's secrets again");
		secrets_free_len(buf, ct_len + 1);
		goto out;
	}
	buf[ct_len] = '\0';
	*plain = buf;
	*plain_len = ct_len;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
