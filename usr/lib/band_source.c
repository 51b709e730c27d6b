// SPDX-License-Identifier: GPL-2.0
/*
 * band_source: spec parsing, backend dispatch and the record checker shared
 * by every backend (see band_source.h). The checker trusts nothing in a
 * header: a device, a USB engine or a bug can hand us any bytes, and a
 * malformed record must end the job with a clear error, never a crash or a
 * silently wrong page.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "band_source.h"
#include "scan_params.h"

#define BAND_FLAGS_KNOWN (MFPSCAN_BAND_PAGE_START | MFPSCAN_BAND_PAGE_END | \
			  MFPSCAN_BAND_JOB_END | MFPSCAN_BAND_ERROR | \
			  MFPSCAN_BAND_PAD)

enum band_state { BAND_IDLE, BAND_RUNNING, BAND_DONE, BAND_FAILED };

struct band_source {
	const struct band_source_ops *ops;
	void *priv;
	int wake_fd;			/* the caller's; -1: none */
	struct mfpscan_caps caps;
	bool have_caps;
	struct mfpscan_params params;
	enum band_state state;
	int fail_rc;			/* with BAND_FAILED: the error again */
	struct err fail;
	bool job_known;
	uint32_t job;
	uint32_t page;			/* expected next page, band, line */
	uint32_t band;
	uint32_t line;
	struct mfpscan_band hdr;	/* the header handed out last */
};

int band_source_new(const struct band_source_ops *ops, void *priv,
		    struct band_source **out, struct err *e)
{
	struct band_source *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "band source: out of memory");
	s->ops = ops;
	s->priv = priv;
	s->wake_fd = -1;
	*out = s;
	return 0;
}

int band_source_open(const char *spec, struct band_source **out,
		     struct err *e)
{
	char path[256];
	const char *hash;
	size_t n;

	if (!spec || !*spec)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "band source: empty device name");
	if (strncmp(spec, "pattern:", 8) == 0)
		return band_source_pattern_open(spec + 8, out, e);
	if (strncmp(spec, "libusb:", 7) == 0)
		return band_source_libusb_open(spec + 7, out, e);
	if (spec[0] != '/')
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "band source \"%s\": expected a device path such as /dev/mfpscan0 (optionally #mmap) or pattern:",
			       spec);
	hash = strchr(spec, '#');
	n = hash ? (size_t)(hash - spec) : strlen(spec);
	if (n >= sizeof(path))
		return err_set(e, ERR_INVALID, ENAMETOOLONG, ENAMETOOLONG,
			       "band source: device path too long");
	if (hash && strcmp(hash, "#mmap") != 0 && strcmp(hash, "#read") != 0)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "band source \"%s\": unknown mode \"%s\" (use #mmap or #read)",
			       spec, hash);
	memcpy(path, spec, n);
	path[n] = '\0';
	return band_source_kernel_open(path, hash && !strcmp(hash, "#mmap"),
				       out, e);
}

int band_source_caps(struct band_source *s, struct mfpscan_caps *caps,
		     struct err *e)
{
	if (!s->have_caps) {
		int r = s->ops->caps(s->priv, &s->caps, e);

		if (r)
			return r;
		s->have_caps = true;
	}
	*caps = s->caps;
	return 0;
}

int band_source_start(struct band_source *s, struct mfpscan_params *params,
		      struct err *e)
{
	struct mfpscan_caps caps;
	struct mfpscan_params p = *params;
	int r;

	if (s->state == BAND_RUNNING)
		return err_set(e, ERR_INVALID, EBUSY, EBUSY,
			       "band source: a scan is still running; read it to the end or abort it first");
	r = band_source_caps(s, &caps, e);
	if (r)
		return r;
	r = scan_params_validate(&caps, &p, e);
	if (r)
		return r;
	r = s->ops->start(s->priv, &p, e);
	if (r)
		return r;
	s->params = p;
	s->state = BAND_RUNNING;
	s->job_known = false;
	s->page = s->band = s->line = 0;
	*params = p;
	return 0;
}

const struct mfpscan_params *band_source_params(struct band_source *s)
{
	return &s->params;
}

void band_source_error_message(uint32_t error, uint32_t page, char *buf,
			       size_t len)
{
	switch (error) {
	case MFPSCAN_ERR_JAM:
		snprintf(buf, len, "paper jam on page %u", page + 1);
		break;
	case MFPSCAN_ERR_COVER_OPEN:
		snprintf(buf, len, "cover open: close the scanner cover and scan again");
		break;
	case MFPSCAN_ERR_NO_PAPER:
		snprintf(buf, len, "the ADF is empty: load the pages and scan again");
		break;
	case MFPSCAN_ERR_SENSOR:
		snprintf(buf, len, "image sensor failure on page %u", page + 1);
		break;
	case MFPSCAN_ERR_REMOVED:
		snprintf(buf, len, "scanner removed");
		break;
	case MFPSCAN_ERR_PROTOCOL:
		snprintf(buf, len, "transport error from the scanner on page %u (framing or checksum)",
			 page + 1);
		break;
	case MFPSCAN_ERR_ABORTED:
		snprintf(buf, len, "scan aborted");
		break;
	default:
		snprintf(buf, len, "scanner error %u on page %u", error, page + 1);
		break;
	}
}

/* Remember a job-ending error so that later calls repeat it. */
static int band_fail(struct band_source *s, int rc, struct err *e)
{
	s->state = BAND_FAILED;
	s->fail_rc = rc;
	if (e)
		s->fail = *e;
	else
		err_set(&s->fail, ERR_DEVICE, -rc, -rc, "scan failed");
	return rc;
}

static int band_bad(const struct mfpscan_band *h, struct err *e,
		    const char *what, uint64_t got, uint64_t want)
{
	return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
		       "malformed band from the scanner (page %u band %u): %s is %llu, expected %llu",
		       h->page, h->band, what, (unsigned long long)got,
		       (unsigned long long)want);
}

/* Header fields that do not depend on the position in the job. */
static int band_check_shape(const struct band_source *s,
			    const struct band_record *rec, struct err *e)
{
	const struct mfpscan_band *h = &rec->hdr;
	uint64_t payload = (uint64_t)h->lines * h->bytes_per_line;

	if (h->magic != MFPSCAN_BAND_MAGIC)
		return band_bad(h, e, "the magic", h->magic, MFPSCAN_BAND_MAGIC);
	if (h->header_bytes != sizeof(*h))
		return band_bad(h, e, "header_bytes", h->header_bytes, sizeof(*h));
	if (h->flags & ~(uint32_t)BAND_FLAGS_KNOWN || h->flags & MFPSCAN_BAND_PAD)
		return band_bad(h, e, "flags", h->flags,
				h->flags & (BAND_FLAGS_KNOWN & ~MFPSCAN_BAND_PAD));
	if (s->job_known && h->job != s->job)
		return band_bad(h, e, "the job number", h->job, s->job);
	if (h->flags & MFPSCAN_BAND_ERROR)
		return 0;
	if (h->payload_bytes != payload)
		return band_bad(h, e, "payload_bytes", h->payload_bytes, payload);
	if (h->payload_bytes > rec->payload_avail)
		return band_bad(h, e, "payload_bytes (beyond the record)",
				h->payload_bytes, rec->payload_avail);
	if (h->record_bytes < (uint64_t)h->header_bytes + h->payload_bytes)
		return band_bad(h, e, "record_bytes", h->record_bytes,
				(uint64_t)h->header_bytes + h->payload_bytes);
	return 0;
}

/* Position of a data band in the page/band/line sequence. */
static int band_check_sequence(const struct band_source *s,
			       const struct mfpscan_band *h, struct err *e)
{
	const struct mfpscan_params *p = &s->params;
	uint64_t end = (uint64_t)h->first_line + h->lines;
	bool start = h->flags & MFPSCAN_BAND_PAGE_START;
	bool page_end = h->flags & MFPSCAN_BAND_PAGE_END;

	if (h->page != s->page)
		return band_bad(h, e, "the page number", h->page, s->page);
	if (h->band != s->band)
		return band_bad(h, e, "the band number", h->band, s->band);
	if (h->first_line != s->line)
		return band_bad(h, e, "first_line", h->first_line, s->line);
	if (h->bytes_per_line != p->bytes_per_line)
		return band_bad(h, e, "bytes_per_line", h->bytes_per_line,
				p->bytes_per_line);
	if (h->lines > p->band_lines)
		return band_bad(h, e, "lines", h->lines, p->band_lines);
	if (end > p->lines_per_page)
		return band_bad(h, e, "first_line + lines", end,
				p->lines_per_page);
	if (start != (h->band == 0))
		return band_bad(h, e, "the PAGE_START flag", start, h->band == 0);
	if (page_end != (end == p->lines_per_page))
		return band_bad(h, e, "the PAGE_END flag", page_end,
				end == p->lines_per_page);
	if ((h->flags & MFPSCAN_BAND_JOB_END) && !page_end)
		return band_bad(h, e, "the JOB_END flag before the page end", 1, 0);
	return 0;
}

static int band_check_error_band(struct band_source *s,
				 const struct mfpscan_band *h, struct err *e)
{
	char msg[200];

	band_source_error_message(h->error, h->page, msg, sizeof(msg));
	err_set(e, ERR_DEVICE, (int)h->error, EIO, "%s", msg);
	return h->error == MFPSCAN_ERR_REMOVED ? -ENODEV : -EIO;
}

/* A zero-line band that only says "the job is over". */
static int band_check_terminator(const struct band_source *s,
				 const struct mfpscan_band *h, struct err *e)
{
	if (!(h->flags & MFPSCAN_BAND_JOB_END))
		return band_bad(h, e, "lines", 0, s->params.band_lines);
	if (s->line != 0)
		return band_bad(h, e, "JOB_END in the middle of a page at line",
				s->line, 0);
	if (h->flags & (MFPSCAN_BAND_PAGE_START | MFPSCAN_BAND_PAGE_END))
		return band_bad(h, e, "flags of the job-end band", h->flags,
				MFPSCAN_BAND_JOB_END);
	return 0;
}

static int band_check(struct band_source *s, const struct band_record *rec,
		      struct err *e)
{
	const struct mfpscan_band *h = &rec->hdr;
	int r = band_check_shape(s, rec, e);

	if (r)
		return r;
	if (h->flags & MFPSCAN_BAND_ERROR)
		return band_check_error_band(s, h, e);
	if (h->lines == 0)
		return band_check_terminator(s, h, e);
	r = band_check_sequence(s, h, e);
	if (r)
		return r;
	if (crc32(0L, rec->payload, h->payload_bytes) != h->checksum)
		return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
			       "corrupt band from the scanner: checksum mismatch on page %u band %u",
			       h->page + 1, h->band);
	return 0;
}

static void band_advance(struct band_source *s, const struct mfpscan_band *h)
{
	s->job_known = true;
	s->job = h->job;
	if (h->lines) {
		s->line += h->lines;
		s->band++;
		if (h->flags & MFPSCAN_BAND_PAGE_END) {
			s->page++;
			s->band = 0;
			s->line = 0;
		}
	}
	if (h->flags & MFPSCAN_BAND_JOB_END)
		s->state = BAND_DONE;
}

static bool band_woken(const struct band_source *s);

int band_source_next(struct band_source *s, struct band_view *out,
		     struct err *e)
{
	struct band_record rec;
	int r;

	if (s->state == BAND_DONE) {
		/* The JOB_END band's payload is no longer in use. */
		if (s->ops->release)
			s->ops->release(s->priv);
		return 0;
	}
	if (s->state == BAND_FAILED) {
		if (e)
			*e = s->fail;
		return s->fail_rc;
	}
	if (s->state != BAND_RUNNING)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "band source: no scan started");
	memset(&rec, 0, sizeof(rec));
	r = s->ops->next_record(s->priv, &rec, e);
	if (r == -EINTR && band_woken(s))
		return r;	/* the caller was woken; the job goes on */
	if (!r)
		r = band_check(s, &rec, e);
	if (r)
		return band_fail(s, r, e);
	band_advance(s, &rec.hdr);
	s->hdr = rec.hdr;
	out->hdr = &s->hdr;
	out->payload = rec.payload;
	return 1;
}

int band_source_abort(struct band_source *s, struct err *e)
{
	if (s->state != BAND_RUNNING)
		return 0;
	s->state = BAND_IDLE;
	return s->ops->abort(s->priv, e);
}

/* Is the caller's wake-up descriptor readable (a wake-up is pending)? */
static bool band_woken(const struct band_source *s)
{
	struct pollfd pfd = { .fd = s->wake_fd, .events = POLLIN };

	return s->wake_fd >= 0 && poll(&pfd, 1, 0) == 1 &&
	       (pfd.revents & POLLIN);
}

void band_source_set_wake_fd(struct band_source *s, int fd)
{
	s->wake_fd = fd;
	if (s->ops->set_wake_fd)
		s->ops->set_wake_fd(s->priv, fd);
}

int band_source_poll_fd(struct band_source *s)
{
	return s->ops->poll_fd ? s->ops->poll_fd(s->priv) : -1;
}

void band_source_close(struct band_source *s)
{
	if (!s)
		return;
	if (s->state == BAND_RUNNING)
		s->ops->abort(s->priv, NULL);
	s->ops->close(s->priv);
	free(s);
}
