// SPDX-License-Identifier: GPL-2.0
/*
 * notify_mail: composing and sending the spool's three mails (see
 * notify_mail.h). Headers are built here from checked parts only; the body
 * goes through curl_mime, which encodes it (quoted-printable), so a server
 * message inside the body cannot start a header or end the DATA phase.
 *
 * Cleanup style: every function that holds resources releases them at one
 * "out:" exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "notify_mail.h"

#define MAIL_HDR_MAX 1024

int notify_mail_tls_from_name(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "no") == 0)
		return NOTIFY_MAIL_TLS_NO;
	if (strcmp(name, "optional") == 0)
		return NOTIFY_MAIL_TLS_OPTIONAL;
	if (strcmp(name, "required") == 0)
		return NOTIFY_MAIL_TLS_REQUIRED;
	return -1;
}

bool notify_mail_addr_ok(const char *addr)
{
	const char *at;
	size_t len;

	if (!addr)
		return false;
	len = strnlen(addr, 255);
	at = strchr(addr, '@');
	if (len < 3 || len > 254 || !at || at == addr || !at[1] ||
	    strchr(at + 1, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("<>()[],;:\"\\", *p))
			return false;
	return true;
}

/* No byte below 0x20 or DEL: nothing that could end or fold a header. */
static bool notify_mail_text_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p < 0x20 || *p == 0x7f || n >= max)
			return false;
	return true;
}

int notify_mail_config_check(const struct mail_config *cfg, struct err *e)
{
	const char *url = cfg->smtp_url;
	bool smtps = url && strncmp(url, "smtps://", 8) == 0;
	const char *host = url ? strstr(url, "://") : NULL;
	bool auth = cfg->username && cfg->username[0];

	if (!url || (!smtps && strncmp(url, "smtp://", 7) != 0) ||
	    !notify_mail_text_ok(url, 1024))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "mail: smtp_url must start with smtp:// or smtps://");
	if (host && strcspn(host + 3, "/?#") > strcspn(host + 3, "@"))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "mail: smtp_url must not hold credentials; set username and password_file");
	if (!notify_mail_addr_ok(cfg->from))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "mail: from is not a plain mail address");
	if (auth && !smtps && cfg->starttls != NOTIFY_MAIL_TLS_REQUIRED)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "mail: with a username, set starttls = required or use smtps:// so that the password is never sent in clear");
	return 0;
}

/* ---- headers ---------------------------------------------------------- */

/* RFC 5322 date in UTC, independent of the locale. */
static void notify_mail_date(char *buf, size_t len, time_t now)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char mons[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday % 7], tm.tm_mday, mons[tm.tm_mon % 12],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Subject as ASCII, or as RFC 2047 encoded words of whole characters. */
static void notify_mail_subject_hdr(char *buf, size_t len, const char *subj)
{
	size_t n = strlen(subj), off = 0, used;
	bool ascii = true;

	for (size_t i = 0; i < n; i++)
		ascii = ascii && (unsigned char)subj[i] < 0x80;
	if (ascii) {
		snprintf(buf, len, "Subject: %s", subj);
		return;
	}
	used = (size_t)snprintf(buf, len, "Subject:");
	while (off < n && used < len) {
		unsigned char b64[64];
		size_t chunk = n - off < 42 ? n - off : 42;

		/* Never split a UTF-8 sequence between two encoded words. */
		while (off + chunk < n && ((unsigned char)subj[off + chunk] & 0xc0) == 0x80)
			chunk--;
		EVP_EncodeBlock(b64, (const unsigned char *)subj + off, (int)chunk);
		used += (size_t)snprintf(buf + used, len - used, " =?UTF-8?B?%s?=", b64);
		off += chunk;
	}
}

static void notify_mail_message_id(char *buf, size_t len)
{
	unsigned char raw[16] = { 0 };
	char host[128] = "mfpscan";
	char hex[33];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		raw[0] ^= (unsigned char)time(NULL);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	if (gethostname(host, sizeof(host)) < 0 || !notify_mail_text_ok(host, 127) ||
	    strpbrk(host, " <>@"))
		snprintf(host, sizeof(host), "mfpscan");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, "Message-ID: <%s@%s>", hex, host);
}

/* Append one header line; false on allocation failure. */
static bool notify_mail_hdr(struct curl_slist **h, const char *line)
{
	struct curl_slist *n = curl_slist_append(*h, line);

	if (!n)
		return false;
	*h = n;
	return true;
}

static struct curl_slist *notify_mail_headers(const char *from, const char *to,
					      const char *subject)
{
	char line[MAIL_HDR_MAX], date[64];
	struct curl_slist *h = NULL;
	bool ok;

	notify_mail_date(date, sizeof(date), time(NULL));
	snprintf(line, sizeof(line), "Date: %s", date);
	ok = notify_mail_hdr(&h, line);
	snprintf(line, sizeof(line), "From: <%s>", from);
	ok = ok && notify_mail_hdr(&h, line);
	snprintf(line, sizeof(line), "To: <%s>", to);
	ok = ok && notify_mail_hdr(&h, line);
	notify_mail_subject_hdr(line, sizeof(line), subject);
	ok = ok && notify_mail_hdr(&h, line);
	notify_mail_message_id(line, sizeof(line));
	ok = ok && notify_mail_hdr(&h, line);
	ok = ok && notify_mail_hdr(&h, "Auto-Submitted: auto-generated");
	if (!ok) {
		curl_slist_free_all(h);
		return NULL;
	}
	return h;
}

/* ---- sending ---------------------------------------------------------- */

static enum err_class notify_mail_classify(CURLcode rc, long reply)
{
	/* The server's reply says more than curl's code when there is one. */
	if (reply == 530 || reply == 534 || reply == 535 || reply == 538)
		return ERR_AUTH;
	if (reply >= 400)
		return ERR_SERVER;
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		return ERR_AUTH;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return ERR_NETWORK;
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return ERR_TLS;
	default:
		return ERR_SERVER;
	}
}

static bool notify_mail_setup(CURL *c, const struct mail_config *cfg,
			      struct curl_slist *rcpt, struct curl_slist *hdrs,
			      curl_mime *mime, char *errbuf)
{
	static const long ssl[] = {
		[NOTIFY_MAIL_TLS_NO] = CURLUSESSL_NONE,
		[NOTIFY_MAIL_TLS_OPTIONAL] = CURLUSESSL_TRY,
		[NOTIFY_MAIL_TLS_REQUIRED] = CURLUSESSL_ALL,
	};
	char from[300];
	bool ok = true;

	snprintf(from, sizeof(from), "<%s>", cfg->from);
	ok = ok && !curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	ok = ok && !curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	ok = ok && !curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	ok = ok && !curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	ok = ok && !curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	ok = ok && !curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	ok = ok && !curl_easy_setopt(c, CURLOPT_USE_SSL,
				     ssl[(unsigned int)cfg->starttls % 3]);
	ok = ok && !curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	ok = ok && !curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	ok = ok && !curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	ok = ok && !curl_easy_setopt(c, CURLOPT_TIMEOUT,
				     cfg->timeout_s > 0 ? cfg->timeout_s : 60L);
	if (ok && cfg->ca_file && cfg->ca_file[0])
		ok = !curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
	if (ok && cfg->username && cfg->username[0]) {
		ok = !curl_easy_setopt(c, CURLOPT_USERNAME, cfg->username);
		ok = ok && !curl_easy_setopt(c, CURLOPT_PASSWORD,
					     cfg->password ? cfg->password : "");
	}
	return ok;
}

/* @body with every bare "\n" made "\r\n": the quoted-printable encoder
 * only keeps CRLF as line breaks (a bare LF would become "=0A"). */
static char *notify_mail_crlf(const char *body)
{
	size_t n = strlen(body), lf = 0, k = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		lf += body[i] == '\n' && (i == 0 || body[i - 1] != '\r');
	if (lf > (SIZE_MAX - 1) / 2 - n || !(out = malloc(n + lf + 1)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = body[i];
	}
	out[k] = '\0';
	return out;
}

static curl_mime *notify_mail_body(CURL *c, const char *body)
{
	curl_mime *mime = curl_mime_init(c);
	curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
	char *text = notify_mail_crlf(body);
	bool ok;

	/* curl_mime_data() copies the text. */
	ok = part && text && !curl_mime_data(part, text, CURL_ZERO_TERMINATED) &&
	     !curl_mime_type(part, "text/plain; charset=utf-8") &&
	     !curl_mime_encoder(part, "quoted-printable");
	free(text);
	if (!ok) {
		curl_mime_free(mime);
		return NULL;
	}
	return mime;
}

static int notify_mail_check_args(const struct mail_config *cfg, const char *to,
				  const char *subject, const char *body,
				  struct err *e)
{
	int r = notify_mail_config_check(cfg, e);

	if (r < 0)
		return r;
	if (!notify_mail_addr_ok(to))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "mail: the recipient is not a plain mail address");
	if (!subject || !notify_mail_text_ok(subject, NOTIFY_MAIL_SUBJECT_MAX))
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "mail: the subject is empty of text, too long or holds control characters");
	if (!body)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL, "mail: no body");
	return 0;
}

int notify_mail_send(const struct mail_config *cfg, const char *to,
		     const char *subject, const char *body_text,
		     struct err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "", rcpt_addr[300];
	struct curl_slist *rcpt = NULL, *hdrs = NULL;
	curl_mime *mime = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long reply = 0;
	int r;

	r = notify_mail_check_args(cfg, to, subject, body_text, e);
	if (r < 0)
		return r;
	snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", to);
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, rcpt_addr);
	hdrs = notify_mail_headers(cfg->from, to, subject);
	mime = c ? notify_mail_body(c, body_text) : NULL;
	if (!c || !rcpt || !hdrs || !mime ||
	    !notify_mail_setup(c, cfg, rcpt, hdrs, mime, errbuf)) {
		r = err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "mail: cannot set up libcurl");
		goto out;
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	if (rc != CURLE_OK)
		r = err_set(e, notify_mail_classify(rc, reply), (int)reply, EIO,
			    "mail: sending to %s failed: %s (SMTP reply %ld)", to,
			    errbuf[0] ? errbuf : curl_easy_strerror(rc), reply);
out:
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return r;
}

/* ---- composing -------------------------------------------------------- */

/* Why it failed and what the owner can fix, per class. */
static void notify_mail_advice(enum err_class cls, const char **why,
			       const char **fix)
{
	switch (cls) {
	case ERR_STORAGE_FULL:
		*why = "your storage is full";
		*fix = "Free some space there.";
		break;
	case ERR_AUTH:
		*why = "the storage service refused the login";
		*fix = "Check the account's password (mfpscanctl accounts update NAME) and that the account may still write there.";
		break;
	case ERR_NOT_FOUND:
		*why = "the destination folder does not exist";
		*fix = "Create the folder on the storage service, or correct it in the account settings (mfpscanctl accounts update NAME).";
		break;
	case ERR_NETWORK:
		*why = "the storage service could not be reached";
		*fix = "If this lasts, check that the service is up and that its address is right.";
		break;
	case ERR_SERVER:
		*why = "the storage service reported an error";
		*fix = "If this lasts, tell the service's administrator what it said.";
		break;
	case ERR_TLS:
		*why = "the storage service's certificate or SSH host key is not trusted";
		*fix = "Ask your administrator: the certificate may have changed or expired.";
		break;
	default:
		*why = "the scanner could not complete the upload";
		*fix = "Ask your administrator if this lasts.";
		break;
	}
}

/* Drop a UTF-8 sequence that truncation cut in half at the end of @s. */
static void notify_mail_trim_utf8(char *s)
{
	size_t n = strlen(s), start = n, need;
	unsigned char lead;

	while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0 || (unsigned char)s[start - 1] < 0xc0)
		return;
	lead = (unsigned char)s[start - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (n - (start - 1) < need)
		s[start - 1] = '\0';
}

/* Copy @s into @buf for a subject: valid UTF-8 (ticket_copy_text()),
 * control characters become '?'. */
static const char *notify_mail_clean(char *buf, size_t len, const char *s)
{
	ticket_copy_text(buf, len, s);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return buf;
}

static void notify_mail_when(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "(not planned)");
}

static void notify_mail_subject(enum notify_mail_kind kind, const struct ticket *t,
				char *subj, size_t len)
{
	char name[96], acc[96];
	const char *why, *fix;

	notify_mail_clean(name, sizeof(name), t->remote_name[0] ? t->remote_name : "scan");
	notify_mail_clean(acc, sizeof(acc), t->account_name[0] ? t->account_name : "your storage");
	notify_mail_advice(t->last_class, &why, &fix);
	if (kind == NOTIFY_MAIL_SPOOLED)
		snprintf(subj, len, "Scan not uploaded yet: \"%s\" is waiting for \"%s\" (%s)",
			 name, acc, why);
	else if (kind == NOTIFY_MAIL_CLEARED)
		snprintf(subj, len, "Scan uploaded: \"%s\" is now in \"%s\"", name, acc);
	else if (kind == NOTIFY_MAIL_DISCARDED)
		snprintf(subj, len, "Scan deleted by the administrator: \"%s\" will not be uploaded to \"%s\"",
			 name, acc);
	else if (kind == NOTIFY_MAIL_PARTIAL_KEPT)
		snprintf(subj, len, "Scan cut short: a partial document of %" PRIu32 " page%s was kept as \"%s\"",
			 t->pages, t->pages == 1 ? "" : "s", name);
	else
		snprintf(subj, len, "Scan needs your attention: \"%s\" could not be uploaded to \"%s\"",
			 name, acc);
	notify_mail_trim_utf8(subj);
}

static void notify_mail_about(FILE *f, const struct ticket *t)
{
	char created[40];

	notify_mail_when(created, sizeof(created), t->created);
	fprintf(f, "Document:    %s (%" PRIu32 " page%s, %" PRIu64 " bytes, %s)\n",
		t->remote_name, t->pages, t->pages == 1 ? "" : "s", t->size,
		t->format);
	fprintf(f, "Scanned:     %s\n", created);
	fprintf(f, "Destination: %s (%s), folder \"%s\"\n", t->account_name,
		t->dest_type, t->remote_folder);
}

static void notify_mail_commands(FILE *f, const char *id)
{
	fprintf(f, "\nTo look at it:        mfpscanctl spool show %s\n", id);
	fprintf(f, "To try again now:     mfpscanctl spool retry %s\n", id);
	fprintf(f, "To save a copy:       mfpscanctl spool export %s FILE\n", id);
	fprintf(f, "To delete it for good: mfpscanctl spool discard %s --yes\n", id);
}

/* A scan was cut (power cut, crash, stop): what was kept and what next. */
static void notify_mail_partial(FILE *f, const struct ticket *t, const char *id)
{
	fprintf(f, "Hello,\n\nyour scan was cut short: %s\n\n", t->last_error);
	notify_mail_about(f, t);
	fprintf(f, "\nEvery page finished before the cut was kept. The document is uploaded\nby itself under the name above, which says that it is partial; scan\nthe remaining pages again.\n");
	notify_mail_commands(f, id);
}

static void notify_mail_write(FILE *f, enum notify_mail_kind kind,
			      const struct ticket *t, const char *id,
			      const char *url)
{
	const char *why, *fix;
	char next[40];

	notify_mail_advice(t->last_class, &why, &fix);
	notify_mail_when(next, sizeof(next), t->next_retry);
	if (kind == NOTIFY_MAIL_PARTIAL_KEPT) {
		notify_mail_partial(f, t, id);
		return;
	}
	if (kind == NOTIFY_MAIL_DISCARDED) {
		fprintf(f, "Hello,\n\nthe scanner's administrator deleted a scan of yours that was\nwaiting for its upload; it will not be uploaded and cannot be\nrecovered from the scanner.\n\n");
		notify_mail_about(f, t);
		fprintf(f, "Its last upload attempt failed: %s\n",
			t->last_error[0] ? t->last_error : "(none yet)");
		return;
	}
	if (kind == NOTIFY_MAIL_CLEARED) {
		fprintf(f, "Hello,\n\nyour scan has been uploaded after all, after %" PRIu32 " failed attempt%s.\n\n",
			t->attempts, t->attempts == 1 ? "" : "s");
		notify_mail_about(f, t);
		fprintf(f, "It is now at: %s\n\nThe scanner no longer keeps a copy.\n",
			url && url[0] ? url : t->remote_name);
		return;
	}
	fprintf(f, "Hello,\n\nyour scan could not be uploaded: %s.\n\n", why);
	notify_mail_about(f, t);
	fprintf(f, "The server said: %s\n\n", t->last_error[0] ? t->last_error : "(nothing)");
	if (kind == NOTIFY_MAIL_SPOOLED)
		fprintf(f, "The document is safe: the scanner keeps it and will upload it by itself.\nNext attempt: %s (then at growing intervals, up to %" PRIu32 " more attempts).\n\nWhat you can do: %s Nothing else is needed: the document goes up\nat the first attempt that succeeds.\n",
			next, t->retries_left, fix);
	else
		fprintf(f, "The scanner tried %" PRIu32 " times and has stopped trying by itself.\nThe document is still kept on the scanner and will not be deleted\nunless you ask for it.\n\nWhat you can do: %s Then try again now, or save a copy\nand discard it:\n",
			t->attempts, fix);
	notify_mail_commands(f, id);
	if (kind == NOTIFY_MAIL_SPOOLED)
		fprintf(f, "\nYou will get one more mail: when it is uploaded, or if it needs your attention.\n");
}

int notify_mail_compose(enum notify_mail_kind kind, const struct ticket *t,
			const char *entry_id, const char *remote_url,
			struct notify_mail_msg *out, struct err *e)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	if ((unsigned int)kind > NOTIFY_MAIL_DISCARDED || !entry_id)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL, "mail: unknown message kind");
	f = open_memstream(&body, &len);
	if (!f)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "mail: out of memory");
	notify_mail_write(f, kind, t, entry_id, remote_url);
	fprintf(f, "\n-- \nmfpscan, the scanner's upload service\n");
	if (ferror(f) | fclose(f)) {
		free(body);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "mail: out of memory");
	}
	notify_mail_subject(kind, t, out->subject, sizeof(out->subject));
	out->body = body;
	return 0;
}

void notify_mail_msg_free(struct notify_mail_msg *m)
{
	if (!m)
		return;
	free(m->body);
	m->body = NULL;
}
