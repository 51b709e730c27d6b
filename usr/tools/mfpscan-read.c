// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-read: run one scan job from a band source and stream it - the
 * reader and encoder stages without the daemon. Prints one line per band
 * (-v) and a summary, optionally checks every payload against the sim
 * formula, writes the raw pages (--raw) and/or an encoded document
 * (--format, --out). Exits 1 with the error message when the job fails
 * (the document being written is removed; finished one-page documents
 * stay), 2 on a usage error. Used by the VM end-to-end tests and the
 * benchmarks.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "band_source.h"
#include "encoder.h"
#include "pattern.h"
#include "scan_params.h"

struct read_opts {
	const char *device;
	const char *source;
	const char *mode;
	uint32_t dpi, width_mm, height_mm, pages, band_lines;
	int format;			/* -1: no document */
	struct encoder_options enc;
	const char *out;
	const char *raw;
	bool verbose, check, caps;
	uint32_t delay_ms;		/* a slow reader, to provoke overruns */
};

struct read_stats {
	uint64_t bands, bytes;
	uint32_t pages;
	struct timespec t0;
};

static void usage(FILE *f)
{
	fputs("usage: mfpscan-read [-d SPEC] [--source flatbed|adf|adf-duplex]\n"
	      "         [--mode mono|gray|color] [--resolution DPI] [--width-mm N]\n"
	      "         [--height-mm N] [--pages N] [--band-lines N] [--check] [-v]\n"
	      "         [--raw FILE] [--format pdf|jpeg|png|tiff --out FILE]\n"
	      "         [--pdf-codec jpeg|flate] [--quality 1-100] [--deflate-level 1-9]\n"
	      "         [--caps]\n"
	      "         [--delay-ms N (sleep after each band)]\n"
	      "SPEC: /dev/mfpscan0, /dev/mfpscan0#mmap or pattern:[adf=N,jam=P:L,...]\n"
	      "      (default pattern:). Single-page formats (jpeg, png) write page\n"
	      "      N>1 to FILE with -N before the extension.\n", f);
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || *s == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct read_opts *o)
{
	static const struct option lo[] = {
		{ "device", 1, NULL, 'd' }, { "source", 1, NULL, 's' },
		{ "mode", 1, NULL, 'm' }, { "resolution", 1, NULL, 'r' },
		{ "width-mm", 1, NULL, 'W' }, { "height-mm", 1, NULL, 'H' },
		{ "pages", 1, NULL, 'p' }, { "band-lines", 1, NULL, 'b' },
		{ "format", 1, NULL, 'f' }, { "out", 1, NULL, 'o' },
		{ "raw", 1, NULL, 'R' }, { "pdf-codec", 1, NULL, 'P' },
		{ "quality", 1, NULL, 'q' }, { "check", 0, NULL, 'c' },
		{ "verbose", 0, NULL, 'v' }, { "caps", 0, NULL, 'C' },
		{ "delay-ms", 1, NULL, 'D' }, { "deflate-level", 1, NULL, 'Z' },
		{ "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t q;
	int c;

	while ((c = getopt_long(argc, argv, "d:o:f:vh", lo, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'd': o->device = optarg; break;
		case 's': o->source = optarg; break;
		case 'm': o->mode = optarg; break;
		case 'r': bad = parse_u32(optarg, &o->dpi); break;
		case 'W': bad = parse_u32(optarg, &o->width_mm); break;
		case 'H': bad = parse_u32(optarg, &o->height_mm); break;
		case 'p': bad = parse_u32(optarg, &o->pages); break;
		case 'b': bad = parse_u32(optarg, &o->band_lines); break;
		case 'D': bad = parse_u32(optarg, &o->delay_ms); break;
		case 'Z':
			bad = parse_u32(optarg, &q) || q < 1 || q > 9;
			o->enc.deflate_level = (int)q;
			break;
		case 'f': bad = (o->format = doc_format_from_name(optarg)) < 0; break;
		case 'o': o->out = optarg; break;
		case 'R': o->raw = optarg; break;
		case 'P':
			if (!strcmp(optarg, "jpeg"))
				o->enc.pdf_codec = ENCODER_PDF_JPEG;
			else if (!strcmp(optarg, "flate"))
				o->enc.pdf_codec = ENCODER_PDF_FLATE;
			else
				bad = 1;
			break;
		case 'q':
			bad = parse_u32(optarg, &q) || q < 1 || q > 100;
			o->enc.jpeg_quality = (int)q;
			break;
		case 'c': o->check = true; break;
		case 'v': o->verbose = true; break;
		case 'C': o->caps = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
		if (bad) {
			fprintf(stderr, "mfpscan-read: bad value \"%s\"\n", optarg);
			return -1;
		}
	}
	if (optind != argc || (o->format >= 0) != (o->out != NULL)) {
		fputs("mfpscan-read: --format and --out go together\n", stderr);
		return -1;
	}
	return 0;
}

static void print_caps(const struct mfpscan_caps *c)
{
	printf("model %s serial %s sources 0x%x modes 0x%x max %u x %u um bands %u..%u adf %u ring %u flags 0x%x dpi",
	       (const char *)c->model, (const char *)c->serial, c->sources,
	       c->color_modes, c->max_width_um, c->max_height_um,
	       c->min_band_lines, c->max_band_lines, c->adf_capacity,
	       c->ring_bytes, c->flags);
	for (uint32_t i = 0; i < c->n_resolutions && i < MFPSCAN_MAX_RESOLUTIONS; i++)
		printf(" %u", c->resolutions[i]);
	putchar('\n');
}

/* FILE for page 1, FILE with "-N" before its extension for page N. */
static void page_path(const char *out, uint32_t page, char *buf, size_t len)
{
	const char *dot = strrchr(out, '.');
	const char *slash = strrchr(out, '/');

	if (page == 0) {
		snprintf(buf, len, "%s", out);
		return;
	}
	if (!dot || (slash && dot < slash))
		dot = out + strlen(out);
	snprintf(buf, len, "%.*s-%u%s", (int)(dot - out), out, page + 1, dot);
}

static int open_out(const char *path, struct err *e)
{
	int fd = strcmp(path, "-") ? open(path, O_RDWR | O_CREAT | O_TRUNC |
					  O_CLOEXEC, 0644) : dup(1);

	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "%s: %s", path,
			       strerror(errno));
	return fd;
}

struct read_doc {
	struct encoder *enc;
	int fd;
	int raw_fd;
	char path[4096];		/* the document being written */
};

static int doc_close(struct read_doc *d, struct err *e)
{
	int r = 0;

	if (d->enc)
		r = encoder_finish(d->enc, e);
	encoder_free(d->enc);
	d->enc = NULL;
	if (d->fd >= 0 && close(d->fd) && !r)
		r = err_set(e, ERR_LOCAL, errno, errno, "closing the document: %s",
			    strerror(errno));
	d->fd = -1;
	return r;
}

static int doc_page_begin(const struct read_opts *o, struct read_doc *d,
			  const struct mfpscan_params *p, uint32_t page,
			  struct err *e)
{
	struct encoder_page pg;
	int r;

	if (o->format < 0)
		return 0;
	if (!d->enc) {
		page_path(o->out, doc_format_is_multipage(o->format) ? 0 : page,
			  d->path, sizeof(d->path));
		d->fd = open_out(d->path, e);
		if (d->fd < 0)
			return d->fd;
		r = encoder_open(o->format, d->fd, &o->enc, &d->enc, e);
		if (r)
			return r;
	}
	encoder_page_from_params(p, &pg);
	return encoder_page_begin(d->enc, &pg, e);
}

static int check_band(const struct band_view *v, struct err *e)
{
	const struct mfpscan_band *h = v->hdr;

	for (uint32_t i = 0; i < h->lines; i++) {
		uint32_t b = pattern_first_mismatch(v->payload + (size_t)i * h->bytes_per_line,
						    h->page, h->first_line + i,
						    h->bytes_per_line);
		if (b != PATTERN_MATCH)
			return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
				       "page %u line %u byte %u differs from the pattern",
				       h->page, h->first_line + i, b);
	}
	return 0;
}

static int write_raw(int fd, const uint8_t *p, size_t n, struct err *e)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_set(e, ERR_LOCAL, errno, errno,
				       "writing raw pages: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int handle_band(const struct read_opts *o, struct read_doc *d,
		       const struct mfpscan_params *p, const struct band_view *v,
		       struct read_stats *st, struct err *e)
{
	const struct mfpscan_band *h = v->hdr;
	int r = 0;

	if (o->verbose)
		printf("job %u page %u band %u lines %u+%u bytes %u flags 0x%x crc %08x\n",
		       h->job, h->page, h->band, h->first_line, h->lines,
		       h->payload_bytes, h->flags, h->checksum);
	st->bands++;
	st->bytes += h->payload_bytes;
	if (!h->lines)
		return 0;
	if (o->check)
		r = check_band(v, e);
	if (!r && d->raw_fd >= 0)
		r = write_raw(d->raw_fd, v->payload, h->payload_bytes, e);
	if (!r && (h->flags & MFPSCAN_BAND_PAGE_START))
		r = doc_page_begin(o, d, p, h->page, e);
	if (!r && d->enc)
		r = encoder_page_lines(d->enc, v->payload, h->lines, e);
	if (!r && d->enc && (h->flags & MFPSCAN_BAND_PAGE_END)) {
		r = encoder_page_end(d->enc, e);
		if (!r && !doc_format_is_multipage(o->format))
			r = doc_close(d, e);
	}
	if (h->flags & MFPSCAN_BAND_PAGE_END)
		st->pages++;
	if (o->delay_ms) {
		struct timespec ts = { o->delay_ms / 1000,
				       (long)(o->delay_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	return r;
}

static int run_job(const struct read_opts *o, struct band_source *s,
		   struct read_stats *st, struct err *e)
{
	struct mfpscan_params p;
	struct mfpscan_caps caps;
	struct read_doc d = { .fd = -1, .raw_fd = -1 };
	struct band_view v;
	int r;

	r = band_source_caps(s, &caps, e);
	if (!r)
		r = scan_params_from_options(&caps, o->source, o->mode, o->dpi,
					     o->width_mm, o->height_mm, o->pages,
					     o->band_lines, &p, e);
	if (!r && o->raw && (d.raw_fd = open_out(o->raw, e)) < 0)
		r = d.raw_fd;
	if (!r)
		r = band_source_start(s, &p, e);
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
	while (!r && (r = band_source_next(s, &v, e)) == 1)
		r = handle_band(o, &d, &p, &v, st, e);
	if (!r && d.enc)
		r = doc_close(&d, e);
	encoder_free(d.enc);
	if (d.fd >= 0) {
		/* A half-written document is no document: do not leave it. */
		close(d.fd);
		if (strcmp(d.path, "-"))
			unlink(d.path);
	}
	if (d.raw_fd >= 0)
		close(d.raw_fd);
	return r;
}

int main(int argc, char **argv)
{
	struct read_opts o = {
		.device = "pattern:", .source = "flatbed", .mode = "color",
		.dpi = 300, .format = -1,
	};
	struct band_source *s = NULL;
	struct read_stats st = { 0 };
	struct timespec t1;
	struct err e = { 0 };
	double ms;
	int r;

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	r = band_source_open(o.device, &s, &e);
	if (!r && o.caps) {
		struct mfpscan_caps c;

		r = band_source_caps(s, &c, &e);
		if (!r)
			print_caps(&c);
	} else if (!r) {
		r = run_job(&o, s, &st, &e);
	}
	band_source_close(s);
	if (r < 0) {
		fprintf(stderr, "mfpscan-read: %s\n", e.msg);
		return 1;
	}
	if (o.caps)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - st.t0.tv_sec) * 1e3 + (t1.tv_nsec - st.t0.tv_nsec) / 1e6;
	fprintf(o.out && !strcmp(o.out, "-") ? stderr : stdout,
		"pages %u bands %llu bytes %llu ms %.1f ms/page %.1f\n", st.pages,
		(unsigned long long)st.bands, (unsigned long long)st.bytes, ms,
		st.pages ? ms / st.pages : 0.0);
	return 0;
}
