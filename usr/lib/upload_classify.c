// SPDX-License-Identifier: GPL-2.0
/*
 * upload_classify: map libcurl codes, HTTP statuses and server reply bodies
 * to error classes and readable text (see upload_classify.h). No I/O here:
 * everything is a function of its arguments, so the unit tests cover each
 * mapping and each malformed body.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <stdio.h>

#include <curl/curl.h>

/* libxml2 is used when its include path is there (pkg-config libxml-2.0). */
#if defined(__has_include)
#if __has_include(<libxml/parser.h>)
#define UPLOAD_HAVE_LIBXML2 1
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif
#endif

#include "upload_classify.h"

/* libcurl's SSH layer reports SFTP status texts; these mean "no room". */
static const char *const sftp_full_words[] = {
	"No space on filesystem", "Quota exceeded", "quota exceeded",
	"Disk full", "disk full", "No space left",
};

static bool sftp_msg_says_full(const char *msg)
{
	if (!msg)
		return false;
	for (size_t i = 0; i < sizeof(sftp_full_words) / sizeof(*sftp_full_words); i++)
		if (strstr(msg, sftp_full_words[i]))
			return true;
	return false;
}

enum err_class upload_classify_curl(int curl_code, const char *curl_msg)
{
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
		return ERR_NETWORK;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return ERR_TLS;
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return ERR_AUTH;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		return ERR_NOT_FOUND;
	case CURLE_REMOTE_DISK_FULL:
	case CURLE_FILESIZE_EXCEEDED:
		return ERR_STORAGE_FULL;
	case CURLE_SSH:
		return sftp_msg_says_full(curl_msg) ? ERR_STORAGE_FULL : ERR_SERVER;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return ERR_INVALID;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_READ_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
		return ERR_LOCAL;
	default:
		return ERR_SERVER;
	}
}

enum err_class upload_classify_http(long status)
{
	switch (status) {
	case 401:
	case 403:
	case 407:
		return ERR_AUTH;
	case 404:
	case 409:
	case 410:
		return ERR_NOT_FOUND;
	case 413:
	case 507:
		return ERR_STORAGE_FULL;
	case 400:
	case 405:
	case 411:
	case 414:
	case 415:
		return ERR_INVALID;
	case 408:
	case 502:
	case 503:
	case 504:
		/* Proxies and overloaded servers: the network path, retry soon. */
		return ERR_NETWORK;
	default:
		return ERR_SERVER;
	}
}

static const struct {
	const char *code;
	enum err_class cls;
} s3_codes[] = {
	{ "QuotaExceeded", ERR_STORAGE_FULL },
	{ "EntityTooLarge", ERR_STORAGE_FULL },
	{ "AccessDenied", ERR_AUTH },
	{ "SignatureDoesNotMatch", ERR_AUTH },
	{ "InvalidAccessKeyId", ERR_AUTH },
	{ "ExpiredToken", ERR_AUTH },
	{ "InvalidToken", ERR_AUTH },
	{ "AccountProblem", ERR_AUTH },
	{ "RequestTimeTooSkewed", ERR_AUTH },
	{ "NoSuchBucket", ERR_NOT_FOUND },
	{ "NoSuchKey", ERR_NOT_FOUND },
	{ "PermanentRedirect", ERR_INVALID },
	{ "AuthorizationHeaderMalformed", ERR_INVALID },
	{ "InvalidBucketName", ERR_INVALID },
	{ "InvalidArgument", ERR_INVALID },
	{ "InvalidRequest", ERR_INVALID },
	{ "BadDigest", ERR_NETWORK },
	{ "XAmzContentSHA256Mismatch", ERR_NETWORK },
	{ "IncompleteBody", ERR_NETWORK },
	{ "RequestTimeout", ERR_NETWORK },
	{ "SlowDown", ERR_NETWORK },
	{ "ServiceUnavailable", ERR_NETWORK },
	{ "InternalError", ERR_SERVER },
};

enum err_class upload_classify_s3_code(const char *code)
{
	for (size_t i = 0; code && i < sizeof(s3_codes) / sizeof(*s3_codes); i++)
		if (strcmp(code, s3_codes[i].code) == 0)
			return s3_codes[i].cls;
	return ERR_SERVER;
}

/* A cursor over a reply body that never reads past its end. */
struct xml_cur {
	const char *p;
	const char *end;
};

static bool xml_skip_past(struct xml_cur *c, const char *marker)
{
	size_t mlen = strlen(marker);

	for (; c->p + mlen <= c->end; c->p++) {
		if (memcmp(c->p, marker, mlen) == 0) {
			c->p += mlen;
			return true;
		}
	}
	return false;
}

static bool xml_starts(const struct xml_cur *c, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}

/* Reply bodies must start (after a BOM and white space) with markup. */
static bool xml_plausible(const char *body, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	return i < len && body[i] == '<';
}

#ifdef UPLOAD_HAVE_LIBXML2
/* libxml2: a real parser; no network, no entity expansion, no noise. */
static int xml_parse(const char *body, size_t len, xmlDocPtr *doc)
{
	if (!body || len > INT_MAX || !xml_plausible(body, len))
		return -EBADMSG;
	*doc = xmlReadMemory(body, (int)len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR |
			     XML_PARSE_NOWARNING);
	return *doc ? 0 : -EBADMSG;
}

/* First element named @local (any namespace), depth first. */
static xmlNodePtr xml_first(xmlNodePtr n, const char *local)
{
	for (; n; n = n->next) {
		xmlNodePtr found;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, local) == 0)
			return n;
		found = xml_first(n->children, local);
		if (found)
			return found;
	}
	return NULL;
}

int upload_classify_xml_text(const char *body, size_t len,
			     const char *local_name, char *out,
			     size_t out_len)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr n;
	xmlChar *text;
	int r = out_len ? xml_parse(body, len, &doc) : -EBADMSG;

	if (r)
		return r;
	n = xml_first(xmlDocGetRootElement(doc), local_name);
	if (!n) {
		r = -ENOENT;
	} else {
		text = xmlNodeGetContent(n);
		snprintf(out, out_len, "%s", text ? (const char *)text : "");
		xmlFree(text);
	}
	xmlFreeDoc(doc);
	return r;
}

/* Does @body hold an element named @local? 0, -ENOENT or -EBADMSG. */
static int xml_has(const char *body, size_t len, const char *local)
{
	xmlDocPtr doc = NULL;
	int r = xml_parse(body, len, &doc);

	if (r)
		return r;
	r = xml_first(xmlDocGetRootElement(doc), local) ? 0 : -ENOENT;
	xmlFreeDoc(doc);
	return r;
}

void upload_classify_init(void)
{
	xmlInitParser();
}
#else
/*
 * Without libxml2 (not yet in usr/Makefile's packages): a minimal reader
 * that finds elements by local name, skips comments, PIs, doctypes and
 * CDATA, decodes entities and refuses anything malformed on its path.
 */
static bool xml_name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == ':' || ch == '-' ||
	       ch == '_' || ch == '.' || (unsigned char)ch >= 0x80;
}

/*
 * At '<': skip a comment, PI, doctype or CDATA section. Returns 1 when one
 * was skipped, 0 when this is an element tag, -EBADMSG when unterminated.
 */
static int xml_skip_markup(struct xml_cur *c)
{
	const char *close;

	if (xml_starts(c, "<!--"))
		close = "-->";
	else if (xml_starts(c, "<![CDATA["))
		close = "]]>";
	else if (xml_starts(c, "<?"))
		close = "?>";
	else if (xml_starts(c, "<!"))
		close = ">";
	else
		return 0;
	return xml_skip_past(c, close) ? 1 : -EBADMSG;
}

/* Local part of the tag name at c->p (just past '<' or '</'). */
static int xml_tag_local(struct xml_cur *c, const char **name, size_t *len)
{
	const char *start = c->p;
	const char *local = c->p;

	while (c->p < c->end && xml_name_char(*c->p)) {
		if (*c->p == ':')
			local = c->p + 1;
		c->p++;
	}
	if (c->p == start || local == c->p)
		return -EBADMSG;
	*name = local;
	*len = (size_t)(c->p - local);
	return 0;
}

/* Move past the rest of a start tag; tells whether it was empty ("/>"). */
static int xml_finish_tag(struct xml_cur *c, bool *empty)
{
	char quote = 0;

	for (; c->p < c->end; c->p++) {
		if (quote) {
			if (*c->p == quote)
				quote = 0;
		} else if (*c->p == '"' || *c->p == '\'') {
			quote = *c->p;
		} else if (*c->p == '>') {
			*empty = c->p[-1] == '/';
			c->p++;
			return 0;
		}
	}
	return -EBADMSG;
}

static size_t xml_put_utf8(char *out, size_t room, unsigned long cp)
{
	char buf[4];
	size_t n;

	if (cp < 0x80) {
		buf[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		buf[0] = (char)(0xf0 | (cp >> 18));
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (n > room)
		return 0;
	memcpy(out, buf, n);
	return n;
}

static const struct {
	const char *name;
	char ch;
} xml_entities[] = {
	{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
	{ "quot;", '"' }, { "apos;", '\'' },
};

/* Decode the entity at s (just past '&'); returns bytes consumed or 0. */
static size_t xml_entity(const char *s, const char *end, char *out,
			 size_t room, size_t *written)
{
	const char *semi = memchr(s, ';', (size_t)(end - s));
	unsigned long cp;
	char *num_end;

	*written = 0;
	if (!semi || semi - s > 10)
		return 0;
	for (size_t i = 0; i < sizeof(xml_entities) / sizeof(*xml_entities); i++) {
		size_t n = strlen(xml_entities[i].name);

		if ((size_t)(end - s) >= n && memcmp(s, xml_entities[i].name, n) == 0) {
			if (room)
				*out = xml_entities[i].ch;
			*written = room ? 1 : 0;
			return n;
		}
	}
	if (*s != '#')
		return 0;
	errno = 0;
	if (s[1] == 'x')
		cp = strtoul(s + 2, &num_end, 16);
	else
		cp = strtoul(s + 1, &num_end, 10);
	if (errno || num_end != semi || cp == 0 || cp > 0x10ffff)
		return 0;
	*written = xml_put_utf8(out, room, cp);
	return (size_t)(semi - s) + 1;
}

/* Decode text [s, end) into out (NUL-terminated, truncated to fit). */
static int xml_decode(const char *s, const char *end, char *out, size_t out_len)
{
	size_t o = 0;

	while (s < end && o + 1 < out_len) {
		size_t used, written;

		if (*s != '&') {
			out[o++] = *s++;
			continue;
		}
		used = xml_entity(s + 1, end, out + o, out_len - 1 - o, &written);
		if (!used)
			return -EBADMSG;
		s += used + 1;
		o += written;
	}
	out[o] = '\0';
	return 0;
}

/* Is the element just opened followed by its text and matching end tag? */
static int xml_take_text(struct xml_cur *c, const char *local, size_t llen,
			 char *out, size_t out_len)
{
	const char *text = c->p;
	const char *lt = memchr(c->p, '<', (size_t)(c->end - c->p));
	const char *name;
	size_t nlen;

	if (!lt || lt + 1 >= c->end || lt[1] != '/')
		return -EBADMSG;
	c->p = lt + 2;
	if (xml_tag_local(c, &name, &nlen) || nlen != llen ||
	    memcmp(name, local, llen) != 0)
		return -EBADMSG;
	return xml_decode(text, lt, out, out_len);
}

/*
 * Find the first start tag named @local (any prefix) from c->p on and leave
 * the cursor just past it. Returns 0, -ENOENT or -EBADMSG.
 */
static int xml_find(struct xml_cur *c, const char *local, bool *empty)
{
	size_t want = strlen(local);

	while ((c->p = memchr(c->p, '<', (size_t)(c->end - c->p)))) {
		const char *name;
		size_t nlen;
		bool closing = false;
		int r = xml_skip_markup(c);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		c->p++;
		if (c->p < c->end && *c->p == '/') {
			closing = true;
			c->p++;
		}
		if (xml_tag_local(c, &name, &nlen) || xml_finish_tag(c, empty))
			return -EBADMSG;
		if (!closing && nlen == want && memcmp(name, local, want) == 0)
			return 0;
	}
	return -ENOENT;
}

int upload_classify_xml_text(const char *body, size_t len,
			     const char *local_name, char *out,
			     size_t out_len)
{
	struct xml_cur c = { body, body + len };
	bool empty;
	int r;

	if (!body || out_len == 0 || !xml_plausible(body, len))
		return -EBADMSG;
	r = xml_find(&c, local_name, &empty);
	if (r < 0)
		return r;
	if (empty) {
		out[0] = '\0';
		return 0;
	}
	return xml_take_text(&c, local_name, strlen(local_name), out, out_len);
}

/* Does @body hold an element named @local? 0, -ENOENT or -EBADMSG. */
static int xml_has(const char *body, size_t len, const char *local)
{
	struct xml_cur c = { body, body + len };
	bool empty;

	if (!body || !xml_plausible(body, len))
		return -EBADMSG;
	return xml_find(&c, local, &empty);
}


void upload_classify_init(void)
{
}
#endif

/* A quota property value: decimal digits only, within 64 bits. */
static int quota_number(const char *s, uint64_t *v)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -EBADMSG;
	errno = 0;
	*v = strtoull(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return errno || *end ? -EBADMSG : 0;
}

/*
 * Nextcloud and ownCloud (Sabre) answer quota-available-bytes with -1
 * (not computed yet), -2 (unknown) or -3 (unlimited): the space is then
 * not known, which is not an error. Any other negative value is.
 */
static bool quota_sentinel(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	if (s[0] != '-' || s[1] < '1' || s[1] > '3')
		return false;
	s += 2;
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

static int quota_prop(const char *body, size_t len, const char *name,
		      bool *present, uint64_t *v)
{
	char text[64];
	int r = upload_classify_xml_text(body, len, name, text, sizeof(text));

	*present = false;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* Apache lists unknown properties empty in a 404 propstat. */
	if (text[0] == '\0' || quota_sentinel(text))
		return 0;
	r = quota_number(text, v);
	if (r == 0)
		*present = true;
	return r;
}

int upload_classify_quota(const char *body, size_t len, bool *known,
			  uint64_t *free_bytes, uint64_t *used_bytes)
{
	bool have_free, have_used;
	uint64_t fb = 0, ub = 0;
	int r = xml_has(body, len, "multistatus");

	if (r < 0)
		return -EBADMSG;
	r = quota_prop(body, len, "quota-available-bytes", &have_free, &fb);
	if (r == 0)
		r = quota_prop(body, len, "quota-used-bytes", &have_used, &ub);
	if (r < 0)
		return r;
	*known = have_free;
	*free_bytes = fb;
	*used_bytes = have_used ? ub : 0;
	return 0;
}

/* The number after "@key: " on a line of @text; -ENOENT or -EBADMSG. */
static int statvfs_field(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, klen) == 0 && l[klen] == ':' && l[klen + 1] == ' ') {
			char num[32];
			size_t n = strcspn(l + klen + 2, "\r\n");

			if (n == 0 || n >= sizeof(num))
				return -EBADMSG;
			memcpy(num, l + klen + 2, n);
			num[n] = '\0';
			return quota_number(num, v);
		}
	}
	return -ENOENT;
}

int upload_classify_statvfs(const char *text, bool *known,
			    uint64_t *free_bytes, uint64_t *used_bytes)
{
	static const char *const keys[] = { "f_frsize", "f_bavail", "f_blocks", "f_bfree" };
	uint64_t v[4];

	for (int i = 0; i < 4; i++) {
		int r = statvfs_field(text, keys[i], &v[i]);

		if (r == -ENOENT) {
			*known = false;
			return 0;
		}
		if (r)
			return r;
	}
	if (v[3] > v[2] || (v[0] && (v[1] > UINT64_MAX / v[0] ||
				      v[2] - v[3] > UINT64_MAX / v[0])))
		return -EBADMSG;
	*known = true;
	*free_bytes = v[1] * v[0];
	*used_bytes = (v[2] - v[3]) * v[0];
	return 0;
}

/* Append the visible text of [s, end) to out, collapsing white space. */
static size_t text_append(const char *s, const char *end, char *out,
			  size_t o, size_t out_len)
{
	for (; s < end && o + 1 < out_len; s++) {
		char ch = isspace((unsigned char)*s) || iscntrl((unsigned char)*s) ?
			  ' ' : *s;

		if (ch == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = ch;
	}
	return o;
}

/*
 * At "<!DOCTYPE": move past it, its internal subset included (entity
 * declarations, a server's "billion laughs" or external entities, are
 * markup, not text the user should read). False when unterminated.
 */
static bool skip_doctype(struct xml_cur *c)
{
	const char *gt = memchr(c->p, '>', (size_t)(c->end - c->p));
	const char *sub = memchr(c->p, '[', (size_t)(c->end - c->p));

	if (sub && (!gt || sub < gt))
		return xml_skip_past(c, "]") && xml_skip_past(c, ">");
	return xml_skip_past(c, ">");
}

/* HTML: the text outside tags, without <head>, <script> and <style>. */
static void html_text(const char *body, size_t len, char *out, size_t out_len)
{
	struct xml_cur c = { body, body + len };
	size_t o = 0;

	while (c.p < c.end && o + 1 < out_len) {
		const char *lt = memchr(c.p, '<', (size_t)(c.end - c.p));

		if (!lt)
			lt = c.end;
		o = text_append(c.p, lt, out, o, out_len);
		c.p = lt;
		if (c.p >= c.end)
			break;
		if (xml_starts(&c, "<head"))
			xml_skip_past(&c, "</head>");
		else if (xml_starts(&c, "<HEAD"))
			xml_skip_past(&c, "</HEAD>");
		else if (xml_starts(&c, "<script"))
			xml_skip_past(&c, "</script>");
		else if (xml_starts(&c, "<style"))
			xml_skip_past(&c, "</style>");
		else if (!(xml_starts(&c, "<!DOCTYPE") || xml_starts(&c, "<!doctype") ?
			   skip_doctype(&c) : xml_skip_past(&c, ">")))
			break;
		if (o > 0 && out[o - 1] != ' ' && o + 1 < out_len)
			out[o++] = ' ';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

void upload_classify_body_text(const char *body, size_t len, char *out,
			       size_t out_len)
{
	char raw[ERR_MSG_MAX];

	if (out_len == 0)
		return;
	out[0] = '\0';
	if (!body || len == 0)
		return;
	if (upload_classify_xml_text(body, len, "message", raw, sizeof(raw)) == 0 ||
	    upload_classify_xml_text(body, len, "Message", raw, sizeof(raw)) == 0) {
		size_t o = text_append(raw, raw + strlen(raw), out, 0, out_len);

		while (o > 0 && out[o - 1] == ' ')
			o--;
		out[o] = '\0';
		if (o > 0)
			return;
	}
	html_text(body, len, out, out_len);
}
