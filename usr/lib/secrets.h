/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secrets: encryption at rest of the account secrets (passwords, S3 keys).
 * A machine key of 32 random bytes (OpenSSL RAND_bytes) is created once in
 * STATE_DIR/machine.key, mode 0600, owned by the daemon's user; blobs are
 * sealed with AES-256-GCM (OpenSSL EVP), a fresh random 12-byte IV each
 * time and the account id as additional authenticated data, so a blob
 * copied to another account, a tampered blob or a wrong key is detected.
 *
 * Sealed blob layout (all in one file, version byte first):
 *   "MFPSEC" | version 1 | IV (12) | ciphertext (n) | GCM tag (16)
 *
 * Every buffer that held a key or plaintext is OPENSSL_cleanse()d before
 * it is freed; secrets_free() does that for plaintexts handed out.
 */
#ifndef MFPSCAN_SECRETS_H
#define MFPSCAN_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SECRETS_KEY_BYTES	32
#define SECRETS_IV_BYTES	12
#define SECRETS_TAG_BYTES	16
#define SECRETS_HEADER_BYTES	7	/* magic + version */
#define SECRETS_OVERHEAD	(SECRETS_HEADER_BYTES + SECRETS_IV_BYTES + \
				 SECRETS_TAG_BYTES)
#define SECRETS_PLAIN_MAX	(64 * 1024)

struct secrets_key;

/*
 * Load @dir/machine.key, or create it when it does not exist (written to
 * a temporary file, fsync'd, then linked into place so that two starts
 * never both win and a crash never leaves a short key). A key file that
 * is not 32 bytes, is readable by group/others or is owned by another
 * user is refused with a message saying what to do. Returns 0 with *@out
 * set, or a negative errno with @e set (ERR_LOCAL).
 */
int secrets_key_load(const char *dir, struct secrets_key **out,
		     struct err *e);

/* A key from 32 given bytes (tests). */
int secrets_key_from_bytes(const uint8_t bytes[SECRETS_KEY_BYTES],
			   struct secrets_key **out, struct err *e);

/* Cleanse and free @k (NULL is fine); returns NULL. */
struct secrets_key *secrets_key_free(struct secrets_key *k);

/*
 * Encrypt @len bytes of @plain bound to @aad (the account id). On success
 * *@out is a malloc'd blob of @len + SECRETS_OVERHEAD bytes (not secret:
 * plain free()) and *@out_len its size.
 */
int secrets_seal(const struct secrets_key *k, const char *aad,
		 const void *plain, size_t len, uint8_t **out,
		 size_t *out_len, struct err *e);

/*
 * Decrypt and authenticate @blob. On success *@plain is a NUL-terminated
 * copy of the plaintext (free with secrets_free()) and *@plain_len its
 * length. A wrong key, another @aad or any changed byte gives -EBADMSG
 * (ERR_LOCAL) and nothing is returned.
 */
int secrets_open(const struct secrets_key *k, const char *aad,
		 const uint8_t *blob, size_t len, char **plain,
		 size_t *plain_len, struct err *e);

/* Cleanse and free a plaintext from secrets_open() (NULL is fine). */
void secrets_free(char *plain);

/* Cleanse and free @len bytes at @p (NULL is fine). */
void secrets_free_len(void *p, size_t len);

#endif
