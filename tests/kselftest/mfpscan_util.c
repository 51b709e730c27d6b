// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the mfpscan kselftests: sim instances (configfs), fault
 * files (debugfs), sysfs counters, and the checker of the expected band
 * stream that both consumers (read() and mmap()) feed every record into.
 */
#define _GNU_SOURCE
#include "mfpscan_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int file_write(const char *path, const char *val)
{
	return file_write_n(path, val, strlen(val));
}

int file_write_n(const char *path, const char *val, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int file_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int path_fmt(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int path_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

bool sim_available(void)
{
	struct stat st;

	return stat(SIM_CONFIGFS, &st) == 0 && S_ISDIR(st.st_mode);
}

bool sim_strict(void)
{
	const char *v = getenv(ENV_STRICT);

	return v && *v && strcmp(v, "0");
}

int sim_cfg_write(const struct sim *s, const char *attr, const char *val)
{
	char path[256];

	if (path_fmt(path, sizeof(path), "%s/%s", s->cfgdir, attr))
		return -ENAMETOOLONG;
	return file_write(path, val);
}

int sim_cfg_read(const struct sim *s, const char *attr, char *buf, size_t len)
{
	char path[256];

	if (path_fmt(path, sizeof(path), "%s/%s", s->cfgdir, attr))
		return -ENAMETOOLONG;
	return file_read(path, buf, len);
}

int sim_dbg_write(const struct sim *s, const char *file, const char *val)
{
	char path[256];

	if (path_fmt(path, sizeof(path), "%s/%s", s->dbgdir, file))
		return -ENAMETOOLONG;
	return file_write(path, val);
}

int sim_sys_read(const struct sim *s, const char *attr, char *buf, size_t len)
{
	char path[256];

	if (path_fmt(path, sizeof(path), "%s/%s", s->sysdir, attr))
		return -ENAMETOOLONG;
	return file_read(path, buf, len);
}

int sim_sys_u64(const struct sim *s, const char *attr, uint64_t *v)
{
	char buf[64], *end;
	int err;

	err = sim_sys_read(s, attr, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

static int cfg_int(struct sim *s, const char *attr, int val)
{
	char buf[32];

	if (val < 0)
		return 0;
	snprintf(buf, sizeof(buf), "%d\n", val);
	return sim_cfg_write(s, attr, buf);
}

int sim_set_live(struct sim *s, int on)
{
	char path[256];
	int err, i;

	err = sim_cfg_write(s, "live", on ? "1\n" : "0\n");
	if (err || !on)
		return err;
	err = sim_cfg_read(s, "devname", s->devname, sizeof(s->devname));
	if (err)
		return err;
	if (strncmp(s->devname, "mfpscan", 7))
		return -EPROTO;
	path_fmt(s->devpath, sizeof(s->devpath), "/dev/%s", s->devname);
	path_fmt(s->dbgdir, sizeof(s->dbgdir), "%s/%s", SIM_DEBUGFS, s->devname);
	path_fmt(s->sysdir, sizeof(s->sysdir), "%s/%s", SIM_CLASS, s->devname);
	/* devtmpfs creates the node synchronously; allow a slow udev anyway */
	for (i = 0; i < 200 && access(s->devpath, F_OK); i++)
		msleep(5);
	if (access(s->devpath, F_OK))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/state", s->sysdir);
	if (access(path, F_OK))
		return -ENOENT;
	return 0;
}

int sim_create(struct sim *s, const char *tag, const struct sim_cfg *cfg)
{
	static unsigned int seq;
	int err;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "ksft-%s-%d-%u", tag, (int)getpid(), seq++);
	if (path_fmt(s->cfgdir, sizeof(s->cfgdir), "%s/%s", SIM_CONFIGFS, s->name))
		return -ENAMETOOLONG;
	if (mkdir(s->cfgdir, 0755))
		return -errno;
	s->created = true;
	if (cfg) {
		if (cfg->model && (err = sim_cfg_write(s, "model", cfg->model)))
			return err;
		if (cfg->serial && (err = sim_cfg_write(s, "serial", cfg->serial)))
			return err;
		err = cfg_int(s, "line_rate", cfg->line_rate);
		if (!err)
			err = cfg_int(s, "adf_pages", cfg->adf_pages);
		if (!err)
			err = cfg_int(s, "can_stall", cfg->can_stall);
		if (!err)
			err = cfg_int(s, "ring_kib", cfg->ring_kib);
		if (err)
			return err;
	}
	return sim_set_live(s, 1);
}

void sim_destroy(struct sim *s)
{
	int i;

	if (!s->created)
		return;
	sim_cfg_write(s, "live", "0\n");
	for (i = 0; i < 100; i++) {
		if (!rmdir(s->cfgdir) || errno == ENOENT)
			break;
		msleep(10);
	}
	s->created = false;
}

int sim_cleanup_all(void)
{
	char path[512];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir(SIM_CONFIGFS);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "ksft-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s/live", SIM_CONFIGFS, d->d_name);
		file_write(path, "0\n");
		snprintf(path, sizeof(path), "%s/%s", SIM_CONFIGFS, d->d_name);
		if (!rmdir(path))
			n++;
	}
	closedir(dir);
	return n;
}

int sim_open(const struct sim *s, int flags)
{
	int fd = open(s->devpath, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mfp_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int mfp_status(int fd, struct mfpscan_status *st)
{
	memset(st, 0xa5, sizeof(*st));
	return mfp_ioctl(fd, MFPSCAN_IOC_G_STATUS, st);
}

static int wait_state(int fd, uint32_t state, bool equal, int max_ms,
		      struct mfpscan_status *st)
{
	int waited = 0, err;

	for (;;) {
		err = mfp_status(fd, st);
		if (err)
			return err;
		if ((st->state == state) == equal)
			return 0;
		if (waited >= max_ms)
			return -ETIMEDOUT;
		msleep(5);
		waited += 5;
	}
}

int mfp_wait_state(int fd, uint32_t state, int max_ms, struct mfpscan_status *st)
{
	return wait_state(fd, state, true, max_ms, st);
}

int mfp_wait_state_not(int fd, uint32_t state, int max_ms, struct mfpscan_status *st)
{
	return wait_state(fd, state, false, max_ms, st);
}

const char *state_name(uint32_t state)
{
	static const char *const names[] = {
		"idle", "scanning", "stalled", "done", "error", "aborted",
		"overrun", "gone",
	};

	return state < 8 ? names[state] : "?";
}

void params_derive(struct mfpscan_params *p)
{
	uint64_t ppl = (uint64_t)p->width_um * p->resolution / 25400;

	p->pixels_per_line = (uint32_t)ppl;
	p->lines_per_page = (uint32_t)((uint64_t)p->height_um * p->resolution / 25400);
	switch (p->color_mode) {
	case MFPSCAN_MODE_MONO1:
		p->bytes_per_line = (uint32_t)((ppl + 7) / 8);
		break;
	case MFPSCAN_MODE_RGB24:
		p->bytes_per_line = (uint32_t)(ppl * 3);
		break;
	default:
		p->bytes_per_line = (uint32_t)ppl;
	}
}

struct mfpscan_params params_make(uint32_t source, uint32_t mode, uint32_t res,
				  uint32_t width_um, uint32_t height_um,
				  uint32_t pages, uint32_t band_lines)
{
	struct mfpscan_params p;

	memset(&p, 0, sizeof(p));
	p.source = source;
	p.color_mode = mode;
	p.resolution = res;
	p.width_um = width_um;
	p.height_um = height_um;
	p.pages = pages;
	p.band_lines = band_lines;
	return p;
}

int params_set(int fd, struct mfpscan_params *p)
{
	return mfp_ioctl(fd, MFPSCAN_IOC_S_PARAMS, p);
}

/* ---- payload pattern ---- */

static uint8_t *pattern_row(const struct pattern *pt, uint32_t page, uint32_t line)
{
	uint32_t par = (line >> 6) & 1;
	uint32_t c = ((line >> 2) + page * 40) & 255;

	return pt->tab + ((size_t)par * 256 + c) * pt->bpl;
}

void pattern_fill(uint32_t page, uint32_t line, uint32_t bpl, uint8_t *out)
{
	uint32_t b;

	for (b = 0; b < bpl; b++)
		out[b] = MFPSCAN_PATTERN(page, line, b);
}

int pattern_init(struct pattern *pt, uint32_t bpl)
{
	static const uint32_t lines[] = { 0, 3, 63, 64, 127, 200, 1000, 3507, 8399 };
	static const uint32_t pages[] = { 0, 1, 7, 99 };
	uint32_t par, c, b, i, j;
	uint8_t *ref;

	pt->bpl = bpl;
	pt->tab = malloc((size_t)512 * bpl);
	ref = malloc(bpl ? bpl : 1);
	if (!pt->tab || !ref) {
		free(ref);
		free(pt->tab);
		pt->tab = NULL;
		return -ENOMEM;
	}
	for (par = 0; par < 2; par++)
		for (c = 0; c < 256; c++) {
			uint8_t *row = pt->tab + ((size_t)par * 256 + c) * bpl;

			for (b = 0; b < bpl; b++)
				row[b] = (uint8_t)((b >> 2) + c +
					 (((par ^ (b >> 6)) & 1) * 96));
		}
	/* the table must agree with the uapi macro itself */
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		for (j = 0; j < sizeof(lines) / sizeof(lines[0]); j++) {
			pattern_fill(pages[i], lines[j], bpl, ref);
			if (memcmp(ref, pattern_row(pt, pages[i], lines[j]), bpl)) {
				free(ref);
				pattern_free(pt);
				return -EPROTO;
			}
		}
	free(ref);
	return 0;
}

void pattern_free(struct pattern *pt)
{
	free(pt->tab);
	pt->tab = NULL;
}

bool pattern_check(const struct pattern *pt, uint32_t page, uint32_t first_line,
		   uint32_t lines, const uint8_t *payload, char *why, size_t len)
{
	uint32_t i, b;

	for (i = 0; i < lines; i++) {
		const uint8_t *exp = pattern_row(pt, page, first_line + i);
		const uint8_t *got = payload + (size_t)i * pt->bpl;

		if (!memcmp(exp, got, pt->bpl))
			continue;
		for (b = 0; b < pt->bpl && exp[b] == got[b]; b++)
			;
		snprintf(why, len,
			 "payload mismatch page %u line %u byte %u: expected 0x%02x got 0x%02x",
			 page, first_line + i, b, exp[b], got[b]);
		return false;
	}
	return true;
}

/* ---- expected stream ---- */

int stream_init(struct stream_exp *e, const struct mfpscan_params *p,
		uint32_t job, uint32_t pages)
{
	memset(e, 0, sizeof(*e));
	e->job = job;
	e->pages = pages;
	e->lpp = p->lines_per_page;
	e->bpl = p->bytes_per_line;
	e->band_lines = p->band_lines;
	return pattern_init(&e->pat, e->bpl);
}

void stream_expect_error(struct stream_exp *e, uint32_t code, uint32_t page,
			 uint32_t line)
{
	e->err_code = code;
	e->err_page = page;
	e->err_line = line;
}

void stream_fini(struct stream_exp *e)
{
	pattern_free(&e->pat);
}

#define FAIL(...) do { snprintf(e->why, sizeof(e->why), __VA_ARGS__); return -1; } while (0)

static int feed_error(struct stream_exp *e, const struct mfpscan_band *h)
{
	uint32_t want = MFPSCAN_BAND_ERROR | MFPSCAN_BAND_PAGE_END | MFPSCAN_BAND_JOB_END;
	uint32_t need = MFPSCAN_BAND_ERROR | MFPSCAN_BAND_JOB_END;

	if (!e->err_code)
		FAIL("unexpected error band: error %u page %u first_line %u flags 0x%x (expected data page %u line %u)",
		     h->error, h->page, h->first_line, h->flags, e->page, e->line);
	if (h->error != e->err_code)
		FAIL("error band: error %u, expected %u", h->error, e->err_code);
	if (h->page != e->page || h->first_line != e->line)
		FAIL("error band at page %u line %u, expected page %u line %u",
		     h->page, h->first_line, e->page, e->line);
	if (!e->err_any_line && (h->page != e->err_page || h->first_line != e->err_line))
		FAIL("error band at page %u line %u, expected the fault at page %u line %u",
		     h->page, h->first_line, e->err_page, e->err_line);
	if (e->lenient_error_flags ? (h->flags & need) != need : h->flags != want)
		FAIL("error band flags 0x%x, expected 0x%x", h->flags,
		     e->lenient_error_flags ? need : want);
	if (h->lines || h->payload_bytes || h->checksum)
		FAIL("error band: lines %u payload_bytes %u checksum 0x%x, expected 0 0 0",
		     h->lines, h->payload_bytes, h->checksum);
	e->err_seen_page = h->page;
	e->err_seen_line = h->first_line;
	e->ended = true;
	return 0;
}

int stream_feed(struct stream_exp *e, const struct mfpscan_band *h,
		const uint8_t *payload, bool from_ring)
{
	uint32_t lines, flags, crc;

	if (e->ended)
		FAIL("record after JOB_END: job %u page %u band %u flags 0x%x",
		     h->job, h->page, h->band, h->flags);
	if (h->magic != MFPSCAN_BAND_MAGIC)
		FAIL("bad magic 0x%08x at band %llu", h->magic,
		     (unsigned long long)e->bands);
	if (h->header_bytes != BAND_HDR)
		FAIL("header_bytes %u, expected %u", h->header_bytes, BAND_HDR);
	if (h->flags & MFPSCAN_BAND_PAD)
		FAIL("PAD record %s", from_ring ? "fed as data" : "returned by read()");
	if (h->record_bytes != ALIGN64((uint64_t)BAND_HDR + h->payload_bytes))
		FAIL("record_bytes %u for payload %u, expected %llu", h->record_bytes,
		     h->payload_bytes,
		     (unsigned long long)ALIGN64((uint64_t)BAND_HDR + h->payload_bytes));
	if (h->job != e->job)
		FAIL("job %u, expected %u", h->job, e->job);
	if (h->timestamp_ns < e->last_ts || h->timestamp_ns > now_ns())
		FAIL("timestamp_ns %llu not monotonic (previous %llu, now %llu)",
		     (unsigned long long)h->timestamp_ns,
		     (unsigned long long)e->last_ts, (unsigned long long)now_ns());
	e->last_ts = h->timestamp_ns;
	e->records_bytes += h->record_bytes;
	if (h->flags & MFPSCAN_BAND_ERROR)
		return feed_error(e, h);
	if (h->error)
		FAIL("error field %u without the ERROR flag", h->error);
	if (e->err_code && !e->err_any_line && e->page == e->err_page &&
	    e->line >= e->err_line)
		FAIL("data band page %u line %u where the fault (error %u at page %u line %u) was expected",
		     h->page, h->first_line, e->err_code, e->err_page, e->err_line);
	if (h->page != e->page || h->band != e->band || h->first_line != e->line)
		FAIL("band page %u band %u first_line %u, expected page %u band %u first_line %u",
		     h->page, h->band, h->first_line, e->page, e->band, e->line);
	lines = e->lpp - e->line < e->band_lines ? e->lpp - e->line : e->band_lines;
	if (h->lines != lines || h->bytes_per_line != e->bpl ||
	    h->payload_bytes != lines * e->bpl)
		FAIL("page %u band %u: lines %u bytes_per_line %u payload_bytes %u, expected %u %u %u",
		     h->page, h->band, h->lines, h->bytes_per_line,
		     h->payload_bytes, lines, e->bpl, lines * e->bpl);
	flags = 0;
	if (e->line == 0)
		flags |= MFPSCAN_BAND_PAGE_START;
	if (e->line + lines == e->lpp) {
		flags |= MFPSCAN_BAND_PAGE_END;
		if (e->page + 1 == e->pages)
			flags |= MFPSCAN_BAND_JOB_END;
	}
	if (h->flags != flags)
		FAIL("page %u band %u: flags 0x%x, expected 0x%x", h->page, h->band,
		     h->flags, flags);
	crc = (uint32_t)crc32(0L, payload, h->payload_bytes);
	if (h->checksum != crc)
		FAIL("page %u band %u: checksum 0x%08x, crc32 of the payload is 0x%08x",
		     h->page, h->band, h->checksum, crc);
	if (!pattern_check(&e->pat, h->page, h->first_line, lines, payload,
			   e->why, sizeof(e->why)))
		return -1;
	e->bands++;
	e->payload += h->payload_bytes;
	e->line += lines;
	e->band++;
	if (e->line == e->lpp) {
		e->page++;
		e->line = 0;
		e->band = 0;
		if (e->page == e->pages)
			e->ended = true;
	}
	return 0;
}

static int parse_records(struct stream_exp *e, const uint8_t *buf, size_t n)
{
	struct mfpscan_band h;
	size_t off = 0;

	while (off < n) {
		if (n - off < BAND_HDR)
			FAIL("read() returned a partial header (%zu bytes left)", n - off);
		memcpy(&h, buf + off, sizeof(h));
		if (h.payload_bytes > n - off - BAND_HDR)
			FAIL("read() returned a partial record: payload %u, %zu bytes left",
			     h.payload_bytes, n - off - BAND_HDR);
		if (stream_feed(e, &h, buf + off + BAND_HDR, false))
			return -1;
		off += BAND_HDR + h.payload_bytes;
	}
	return 0;
}

static int read_until(int fd, struct stream_exp *e, size_t bufsize,
		      uint64_t nbands, bool to_eof)
{
	uint8_t *buf = malloc(bufsize);
	ssize_t n;
	int ret = -1;

	if (!buf)
		FAIL("out of memory");
	for (;;) {
		if (!to_eof && (e->bands >= nbands || e->ended)) {
			ret = 0;
			break;
		}
		n = read(fd, buf, bufsize);
		if (n < 0) {
			int err = errno;

			snprintf(e->why, sizeof(e->why),
				 "read: %s after %llu bands (page %u line %u)",
				 strerror(err), (unsigned long long)e->bands,
				 e->page, e->line);
			free(buf);
			errno = err;
			return -1;
		}
		if (n == 0) {
			if (!e->ended) {
				snprintf(e->why, sizeof(e->why),
					 "EOF before JOB_END after %llu bands (page %u line %u)",
					 (unsigned long long)e->bands, e->page, e->line);
				break;
			}
			/* EOF stays EOF */
			n = read(fd, buf, bufsize);
			if (n != 0) {
				snprintf(e->why, sizeof(e->why),
					 "second read after EOF returned %zd (%s)", n,
					 n < 0 ? strerror(errno) : "data");
				break;
			}
			ret = 0;
			break;
		}
		if (parse_records(e, buf, (size_t)n))
			break;
	}
	free(buf);
	return ret;
}

int read_job(int fd, struct stream_exp *e, size_t bufsize)
{
	return read_until(fd, e, bufsize, 0, true);
}

int read_some(int fd, struct stream_exp *e, size_t bufsize, uint64_t nbands)
{
	return read_until(fd, e, bufsize, nbands, false);
}

/* ---- mmap consumer ---- */

int ring_map(struct ring_map *m, int fd, size_t ring_bytes, bool control)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->ring_bytes = ring_bytes;
	p = mmap(NULL, ring_bytes, PROT_READ, MAP_SHARED, fd, MFPSCAN_MMAP_OFFSET_RING);
	if (p == MAP_FAILED)
		return -errno;
	m->ring = p;
	p = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, MFPSCAN_MMAP_OFFSET_STATUS);
	if (p == MAP_FAILED) {
		int err = -errno;

		ring_unmap(m);
		return err;
	}
	m->st = p;
	if (control) {
		p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 MFPSCAN_MMAP_OFFSET_CONTROL);
		if (p == MAP_FAILED) {
			int err = -errno;

			ring_unmap(m);
			return err;
		}
		m->ctl = p;
	}
	return 0;
}

void ring_unmap(struct ring_map *m)
{
	long pg = sysconf(_SC_PAGESIZE);

	if (m->ring)
		munmap(m->ring, m->ring_bytes);
	if (m->st)
		munmap((void *)m->st, (size_t)pg);
	if (m->ctl)
		munmap((void *)m->ctl, (size_t)pg);
	m->ring = NULL;
	m->st = NULL;
	m->ctl = NULL;
}

static int sync_ptr(int fd, uint32_t flags, uint64_t tail, struct mfpscan_sync_ptr *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->flags = flags;
	sp->tail = tail;
	return mfp_ioctl(fd, MFPSCAN_IOC_SYNC_PTR, sp);
}

static int consume(struct ring_map *m, struct stream_exp *e, uint64_t *tailp,
		   uint64_t head)
{
	uint64_t mask = m->ring_bytes - 1, tail = *tailp;
	struct mfpscan_band h;

	if (head < tail || head - tail > m->ring_bytes || head % MFPSCAN_RECORD_ALIGN)
		FAIL("inconsistent positions: head %llu tail %llu ring %zu",
		     (unsigned long long)head, (unsigned long long)tail, m->ring_bytes);
	if (head - tail > m->max_fill)
		m->max_fill = head - tail;
	while (tail < head && !e->ended) {
		size_t off = (size_t)(tail & mask);

		memcpy(&h, m->ring + off, sizeof(h));
		if (h.magic != MFPSCAN_BAND_MAGIC)
			FAIL("ring offset %zu (tail %llu): bad magic 0x%08x", off,
			     (unsigned long long)tail, h.magic);
		if (h.record_bytes < BAND_HDR || h.record_bytes % MFPSCAN_RECORD_ALIGN ||
		    off + h.record_bytes > m->ring_bytes || h.record_bytes > head - tail)
			FAIL("ring offset %zu: record_bytes %u wraps or passes head (head %llu tail %llu)",
			     off, h.record_bytes, (unsigned long long)head,
			     (unsigned long long)tail);
		if (h.flags & MFPSCAN_BAND_PAD) {
			if (off + h.record_bytes != m->ring_bytes)
				FAIL("PAD record at offset %zu of %u bytes does not end the ring",
				     off, h.record_bytes);
			m->pads++;
		} else if (stream_feed(e, &h, m->ring + off + BAND_HDR, true)) {
			return -1;
		}
		tail += h.record_bytes;
	}
	*tailp = tail;
	return 0;
}

int mmap_job(struct ring_map *m, struct stream_exp *e, bool use_sync)
{
	struct mfpscan_sync_ptr sp;
	struct mfpscan_status st;
	uint64_t tail, head;
	struct pollfd pfd;
	int err, r;

	if (sync_ptr(m->fd, 0, 0, &sp))
		FAIL("SYNC_PTR: %s", strerror(errno));
	tail = sp.tail;
	if (!use_sync && m->ctl->tail != tail)
		FAIL("control page tail %llu != SYNC_PTR tail %llu",
		     (unsigned long long)m->ctl->tail, (unsigned long long)tail);
	head = sp.head;
	for (;;) {
		if (!use_sync)
			head = __atomic_load_n(&m->st->head, __ATOMIC_ACQUIRE);
		if (consume(m, e, &tail, head))
			return -1;
		if (use_sync) {
			if (sync_ptr(m->fd, MFPSCAN_SYNC_APPLY_TAIL, tail, &sp))
				FAIL("SYNC_PTR(APPLY_TAIL %llu): %s",
				     (unsigned long long)tail, strerror(errno));
			if (sp.tail != tail)
				FAIL("SYNC_PTR applied tail %llu but returned %llu",
				     (unsigned long long)tail, (unsigned long long)sp.tail);
			head = sp.head;
		} else {
			__atomic_store_n(&m->ctl->tail, tail, __ATOMIC_RELEASE);
		}
		if (e->ended)
			break;
		if (tail < head)
			continue;
		pfd.fd = m->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, 60000);
		if (r < 0)
			FAIL("poll: %s", strerror(errno));
		if (r == 0) {
			mfp_status(m->fd, &st);
			FAIL("no data for 60 s: head %llu tail %llu state %s, %llu bands seen",
			     (unsigned long long)st.head, (unsigned long long)tail,
			     state_name(st.state), (unsigned long long)e->bands);
		}
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
			FAIL("poll revents 0x%x after %llu bands", pfd.revents,
			     (unsigned long long)e->bands);
		if (use_sync) {
			if (sync_ptr(m->fd, 0, 0, &sp))
				FAIL("SYNC_PTR: %s", strerror(errno));
			head = sp.head;
		}
	}
	/* the job is over: positions must agree everywhere */
	err = mfp_status(m->fd, &st);
	if (err)
		FAIL("G_STATUS: %s", strerror(-err));
	if (st.head != tail || st.tail != tail || m->st->head != tail)
		FAIL("after JOB_END: G_STATUS head %llu tail %llu, status page head %llu, consumer tail %llu",
		     (unsigned long long)st.head, (unsigned long long)st.tail,
		     (unsigned long long)m->st->head, (unsigned long long)tail);
	if (!use_sync && m->ctl->tail != tail)
		FAIL("control page tail %llu, consumer tail %llu",
		     (unsigned long long)m->ctl->tail, (unsigned long long)tail);
	return 0;
}

int mmap_job_spin(struct ring_map *m, struct stream_exp *e)
{
	struct mfpscan_status st;
	uint64_t tail, head;
	unsigned int idle = 0;
	int err;

	err = mfp_status(m->fd, &st);
	if (err)
		FAIL("G_STATUS: %s", strerror(-err));
	tail = st.tail;
	while (!e->ended) {
		head = __atomic_load_n(&m->st->head, __ATOMIC_ACQUIRE);
		if (head == tail) {
			if (++idle > 60000)
				FAIL("no data for 60000 sleeps of 1 ms: head %llu, %llu bands seen",
				     (unsigned long long)head, (unsigned long long)e->bands);
			msleep(1);
			continue;
		}
		idle = 0;
		if (consume(m, e, &tail, head))
			return -1;
		__atomic_store_n(&m->ctl->tail, tail, __ATOMIC_RELEASE);
	}
	return 0;
}

bool thread_in_syscall(int tid, long nr)
{
	char path[64], line[128];
	long cur = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		cur = strtol(line, NULL, 10);
	fclose(f);
	return cur == nr;
}

/* ---- other files while an engine call is pending ---- */

#define OTHERS_FAIL(w, e) do { *what = (w); *err = (e); return -1; } while (0)

int others_answer(const char *dev, int other, const char **what, int *err)
{
	struct mfpscan_params p;
	struct mfpscan_status st;
	int third, r;

	r = mfp_status(other, &st);
	if (r)
		OTHERS_FAIL("G_STATUS of another file", -r);
	if (st.state != MFPSCAN_STATE_SCANNING)
		OTHERS_FAIL("state SCANNING while the call is pending", 0);
	third = open(dev, O_RDWR);
	if (third < 0)
		OTHERS_FAIL("open() of a third file", errno);
	r = mfp_ioctl(third, MFPSCAN_IOC_G_PARAMS, &p);
	if (!r)
		r = params_set(third, &p);
	if (r) {
		close(third);
		OTHERS_FAIL("G_PARAMS/S_PARAMS of the third file", -r);
	}
	r = mfp_ioctl(third, MFPSCAN_IOC_START, NULL);
	if (r != -EBUSY) {
		close(third);
		OTHERS_FAIL("the third file's START, expected EBUSY", -r);
	}
	if (close(third))
		OTHERS_FAIL("close() of the third file", errno);
	return 0;
}
