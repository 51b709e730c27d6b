// SPDX-License-Identifier: GPL-2.0
/*
 * band_source_pattern: a userspace scanner engine that produces the same
 * record stream as the kernel's simulated engine - same capabilities, same
 * validation, same page content (MFPSCAN_PATTERN), same headers, flags and
 * CRCs - with fault injection from the spec string. It lets the daemon run
 * without the module and gives host tests and benchmarks a real producer
 * (like SANE's "test" backend). Options are documented in band_source.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "band_source.h"
#include "page_image.h"
#include "pattern.h"
#include "scan_params.h"

#define PATTERN_ADF_DEFAULT	10
#define PATTERN_ADF_CAPACITY	50
#define PATTERN_RING_BYTES	(4U << 20)
#define PATTERN_OPT_MAX		1024
#define PATTERN_IMAGES_MAX	8

struct pattern_fault {
	bool set;
	uint32_t page;
	uint32_t line;
	uint32_t code;			/* MFPSCAN_ERR_* */
};

struct pattern_engine {
	/* configuration from the spec */
	uint32_t adf_loaded;
	bool cover_open;
	struct pattern_fault fault;
	bool corrupt;
	uint32_t corrupt_page;
	uint32_t corrupt_band;
	bool stall;			/* stall=P:L: never deliver that band */
	uint32_t stall_page;
	uint32_t stall_line;
	int wake_fd;			/* the caller's (band_source_set_wake_fd) */
	/* page content: images cycled by page, or the formula when none */
	const char *image_path[PATTERN_IMAGES_MAX];	/* into the parsed options */
	struct page_image *image[PATTERN_IMAGES_MAX];
	uint32_t n_images;
	uint32_t image_dpi;		/* 0: the image's own */
	/* the running job */
	struct mfpscan_params p;
	bool running;
	uint32_t job;
	uint32_t pages_total;
	uint32_t page;
	uint32_t band;
	uint32_t line;
	uint32_t pending_error;		/* next record is this error band */
	uint8_t *buf;
	size_t buf_size;
};

void band_source_pattern_caps(struct mfpscan_caps *caps)
{
	static const uint32_t dpi[] = { 75, 150, 200, 300, 600 };

	memset(caps, 0, sizeof(*caps));
	memcpy(caps->model, "mfpscan-pattern", sizeof("mfpscan-pattern"));
	memcpy(caps->serial, "PATTERN-0", sizeof("PATTERN-0"));
	caps->sources = (1U << MFPSCAN_SOURCE_FLATBED) |
			(1U << MFPSCAN_SOURCE_ADF) |
			(1U << MFPSCAN_SOURCE_ADF_DUPLEX);
	caps->color_modes = (1U << MFPSCAN_MODE_MONO1) |
			    (1U << MFPSCAN_MODE_GRAY8) |
			    (1U << MFPSCAN_MODE_RGB24);
	caps->n_resolutions = sizeof(dpi) / sizeof(dpi[0]);
	memcpy(caps->resolutions, dpi, sizeof(dpi));
	caps->max_width_um = 215900;
	caps->max_height_um = 355600;
	caps->min_band_lines = 1;
	caps->max_band_lines = 256;
	caps->adf_capacity = PATTERN_ADF_CAPACITY;
	caps->ring_bytes = PATTERN_RING_BYTES;
	caps->flags = MFPSCAN_CAP_CAN_STALL;
}

static int pattern_parse_u32(const char *s, char **end, uint32_t *out)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "P:L" -> two numbers, nothing else. */
static int pattern_parse_pair(const char *s, uint32_t *a, uint32_t *b)
{
	char *end;

	if (pattern_parse_u32(s, &end, a) || *end != ':')
		return -EINVAL;
	if (pattern_parse_u32(end + 1, &end, b) || *end)
		return -EINVAL;
	return 0;
}

static int pattern_set_fault(struct pattern_engine *pe, const char *val,
			     uint32_t code)
{
	if (pattern_parse_pair(val, &pe->fault.page, &pe->fault.line))
		return -EINVAL;
	pe->fault.set = true;
	pe->fault.code = code;
	return 0;
}

/* One "key" or "key=value" option. */
static int pattern_option(struct pattern_engine *pe, char *opt)
{
	char *val = strchr(opt, '=');
	char *end;

	if (val)
		*val++ = '\0';
	if (!strcmp(opt, "cover") && !val) {
		pe->cover_open = true;
		return 0;
	}
	if (!val)
		return -EINVAL;
	if (!strcmp(opt, "adf"))
		return pattern_parse_u32(val, &end, &pe->adf_loaded) || *end ?
		       -EINVAL : 0;
	if (!strcmp(opt, "jam"))
		return pattern_set_fault(pe, val, MFPSCAN_ERR_JAM);
	if (!strcmp(opt, "sensor"))
		return pattern_set_fault(pe, val, MFPSCAN_ERR_SENSOR);
	if (!strcmp(opt, "remove"))
		return pattern_set_fault(pe, val, MFPSCAN_ERR_REMOVED);
	if (!strcmp(opt, "image")) {
		if (pe->n_images == PATTERN_IMAGES_MAX || !*val)
			return -EINVAL;
		pe->image_path[pe->n_images++] = val;
		return 0;
	}
	if (!strcmp(opt, "dpi"))
		return pattern_parse_u32(val, &end, &pe->image_dpi) || *end ||
		       !pe->image_dpi ? -EINVAL : 0;
	if (!strcmp(opt, "corrupt")) {
		pe->corrupt = true;
		return pattern_parse_pair(val, &pe->corrupt_page,
					  &pe->corrupt_band);
	}
	if (!strcmp(opt, "stall")) {
		pe->stall = true;
		return pattern_parse_pair(val, &pe->stall_page, &pe->stall_line);
	}
	return -EINVAL;
}

/* The images named by image= options, each loaded once for every job. */
static int pattern_load_images(struct pattern_engine *pe, struct err *e)
{
	for (uint32_t i = 0; i < pe->n_images; i++) {
		int r = page_image_load(pe->image_path[i], pe->image_dpi,
					&pe->image[i], e);

		if (r < 0) {
			err_prefix(e, "pattern engine");
			return r;
		}
	}
	return 0;
}

/* @buf keeps the options: image paths point into it until loaded. */
static int pattern_parse(struct pattern_engine *pe, const char *options,
			 char *buf, struct err *e)
{
	char *opt = buf;
	size_t n = strlen(options);

	if (n >= PATTERN_OPT_MAX)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "pattern engine: options too long");
	memcpy(buf, options, n + 1);
	while (*opt) {
		char *comma = strchr(opt, ',');
		char shown[PATTERN_OPT_MAX];

		if (comma)
			*comma = '\0';
		memcpy(shown, opt, strlen(opt) + 1);
		if (pattern_option(pe, opt))
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "pattern engine: bad option \"%s\" (use adf=N, jam=P:L, sensor=P:L, remove=P:L, cover, corrupt=P:B, stall=P:L, image=FILE, dpi=N)",
				       shown);
		if (!comma)
			break;
		opt = comma + 1;
	}
	return 0;
}

static int pattern_caps(void *priv, struct mfpscan_caps *caps, struct err *e)
{
	band_source_pattern_caps(caps);
	return 0;
}

static int pattern_start(void *priv, struct mfpscan_params *p, struct err *e)
{
	struct pattern_engine *pe = priv;
	size_t need = (size_t)p->band_lines * p->bytes_per_line;

	if (need > pe->buf_size) {
		uint8_t *nb = realloc(pe->buf, need);

		if (!nb)
			return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
				       "pattern engine: no memory for a %zu-byte band",
				       need);
		pe->buf = nb;
		pe->buf_size = need;
	}
	pe->p = *p;
	pe->job++;
	pe->running = true;
	pe->page = pe->band = pe->line = 0;
	pe->pages_total = scan_params_page_count(p, pe->adf_loaded);
	pe->pending_error = MFPSCAN_ERR_NONE;
	if (pe->cover_open)
		pe->pending_error = MFPSCAN_ERR_COVER_OPEN;
	else if (pe->pages_total == 0)
		pe->pending_error = MFPSCAN_ERR_NO_PAPER;
	return 0;
}

static void pattern_header(struct pattern_engine *pe, struct mfpscan_band *h,
			   uint32_t lines, uint32_t flags)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(h, 0, sizeof(*h));
	h->magic = MFPSCAN_BAND_MAGIC;
	h->header_bytes = sizeof(*h);
	h->job = pe->job;
	h->page = pe->page;
	h->band = pe->band;
	h->first_line = pe->line;
	h->lines = lines;
	h->bytes_per_line = lines ? pe->p.bytes_per_line : 0;
	h->payload_bytes = lines * h->bytes_per_line;
	h->flags = flags;
	/* Records in the ring are padded to MFPSCAN_RECORD_ALIGN. */
	h->record_bytes = (h->header_bytes + h->payload_bytes +
			   MFPSCAN_RECORD_ALIGN - 1) &
			  ~(uint32_t)(MFPSCAN_RECORD_ALIGN - 1);
	h->timestamp_ns = (uint64_t)ts.tv_sec * 1000000000u +
			  (uint64_t)ts.tv_nsec;
}

static int pattern_error_band(struct pattern_engine *pe,
			      struct band_record *rec)
{
	/* As the sim engine: no payload, checksum 0, ending page and job. */
	pattern_header(pe, &rec->hdr, 0, MFPSCAN_BAND_ERROR |
		       MFPSCAN_BAND_PAGE_END | MFPSCAN_BAND_JOB_END);
	rec->hdr.error = pe->pending_error;
	rec->hdr.checksum = 0;
	rec->payload = pe->buf;
	rec->payload_avail = 0;
	pe->running = false;
	return 0;
}

/*
 * Lines of the next band; 0 when a fault hits inside it. Like the sim
 * engine, a band the fault interrupts is never delivered: the error band
 * takes its place at the band's first line.
 */
static uint32_t pattern_band_lines(struct pattern_engine *pe)
{
	uint32_t lines = pe->p.lines_per_page - pe->line;
	const struct pattern_fault *f = &pe->fault;

	if (lines > pe->p.band_lines)
		lines = pe->p.band_lines;
	if (f->set && f->page == pe->page && f->line >= pe->line &&
	    f->line < pe->line + lines) {
		pe->pending_error = f->code;
		return 0;
	}
	return lines;
}

/* One line of the current page: the loaded image's, or the formula's. */
static void pattern_line(const struct pattern_engine *pe, uint8_t *dst,
			 uint32_t line)
{
	if (pe->n_images)
		page_image_fill_line(pe->image[pe->page % pe->n_images], &pe->p,
				     line, dst);
	else
		pattern_fill_line(dst, pe->page, line, pe->p.bytes_per_line);
}

static uint32_t pattern_flags(const struct pattern_engine *pe, uint32_t lines)
{
	uint32_t flags = 0;

	if (pe->line == 0)
		flags |= MFPSCAN_BAND_PAGE_START;
	if (pe->line + lines == pe->p.lines_per_page) {
		flags |= MFPSCAN_BAND_PAGE_END;
		if (pe->page + 1 == pe->pages_total)
			flags |= MFPSCAN_BAND_JOB_END;
	}
	return flags;
}

/*
 * A stalled engine (stall=P:L): the band holding line L of page P never
 * comes. Only the caller's wake descriptor ends the wait, as it ends a
 * kernel device's poll().
 */
static int pattern_stall(const struct pattern_engine *pe, uint32_t lines,
			 struct err *e)
{
	struct pollfd pfd = { .fd = pe->wake_fd, .events = POLLIN };

	if (!pe->stall || pe->page != pe->stall_page ||
	    pe->line + lines <= pe->stall_line)
		return 0;
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	return err_set(e, ERR_DEVICE, EINTR, EINTR,
		       "pattern engine: interrupted while the engine stalls");
}

static void pattern_set_wake_fd(void *priv, int fd)
{
	((struct pattern_engine *)priv)->wake_fd = fd;
}

static int pattern_next_record(void *priv, struct band_record *rec,
			       struct err *e)
{
	struct pattern_engine *pe = priv;
	uint32_t bpl = pe->p.bytes_per_line;
	uint32_t lines;

	if (!pe->running)
		return err_set(e, ERR_INVALID, EINVAL, EINVAL,
			       "pattern engine: no scan running");
	if (pe->pending_error)
		return pattern_error_band(pe, rec);
	lines = pattern_band_lines(pe);
	if (lines == 0)
		return pattern_error_band(pe, rec);
	if (pattern_stall(pe, lines, e) < 0)
		return -EINTR;
	for (uint32_t i = 0; i < lines; i++)
		pattern_line(pe, pe->buf + (size_t)i * bpl, pe->line + i);
	pattern_header(pe, &rec->hdr, lines, pattern_flags(pe, lines));
	rec->hdr.checksum = (uint32_t)crc32(0L, pe->buf, rec->hdr.payload_bytes);
	if (pe->corrupt && pe->corrupt_page == pe->page &&
	    pe->corrupt_band == pe->band)
		rec->hdr.checksum ^= 1;
	rec->payload = pe->buf;
	rec->payload_avail = rec->hdr.payload_bytes;
	pe->line += lines;
	pe->band++;
	if (rec->hdr.flags & MFPSCAN_BAND_PAGE_END) {
		pe->page++;
		pe->band = 0;
		pe->line = 0;
	}
	if (rec->hdr.flags & MFPSCAN_BAND_JOB_END)
		pe->running = false;
	return 0;
}

static int pattern_abort(void *priv, struct err *e)
{
	struct pattern_engine *pe = priv;

	pe->running = false;
	return 0;
}

static void pattern_close(void *priv)
{
	struct pattern_engine *pe = priv;

	for (uint32_t i = 0; i < pe->n_images; i++)
		page_image_free(pe->image[i]);
	free(pe->buf);
	free(pe);
}

static const struct band_source_ops pattern_ops = {
	.name = "pattern",
	.caps = pattern_caps,
	.start = pattern_start,
	.next_record = pattern_next_record,
	.abort = pattern_abort,
	.poll_fd = NULL,
	.set_wake_fd = pattern_set_wake_fd,
	.close = pattern_close,
};

int band_source_pattern_open(const char *options, struct band_source **out,
			     struct err *e)
{
	struct pattern_engine *pe = calloc(1, sizeof(*pe));
	char buf[PATTERN_OPT_MAX];
	int r;

	if (!pe)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "pattern engine: out of memory");
	pe->adf_loaded = PATTERN_ADF_DEFAULT;
	pe->wake_fd = -1;
	r = pattern_parse(pe, options, buf, e);
	if (!r)
		r = pattern_load_images(pe, e);
	if (!r)
		r = band_source_new(&pattern_ops, pe, out, e);
	if (r)
		pattern_close(pe);
	return r;
}
