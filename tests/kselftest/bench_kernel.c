// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan kernel benchmark (not a test): bands/s and bytes/s of one sim
 * engine run unthrottled (line_rate 0, 64 MiB ring) consumed through read()
 * and through the mmap()ed ring, against a plain memcpy of the same bytes
 * in the same chunk sizes in the same guest. Prints the ratios.
 *
 *   bench_kernel [pages]        (gray8, 300 dpi, A4, 256-line ADF bands)
 *
 * "mmap" is the zero-copy consumer (reads every header in place, advances
 * the tail through the control page); "mmap+copy" also copies each payload
 * out, the work read() does in copy_to_user.
 *
 * "producer alone" isolates the ring: the same producer code makes the
 * same bands into a plain kernel buffer (debugfs mfpscan/bench_producer),
 * with no ring, no consumer and no system call per band. mmap / producer
 * alone and read() / producer alone (payload bytes per second) say what
 * the ring and its consumer cost on top of making the bands.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "mfpscan_util.h"

#define RING_KIB	65536
#define DST_BYTES	(8U << 20)
#define REPS		9
/* the mmap consumers' poll() threshold (control page wakeup_bytes) */
#define WAKEUP_BYTES	(8ULL << 20)

struct result {
	uint64_t bands, payload, bytes, ns;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_kernel: %s: %s\n", what, strerror(err));
	exit(1);
}

static double mbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes / 1e6 / ((double)ns / 1e9) : 0;
}

static double per_s(uint64_t n, uint64_t ns)
{
	return ns ? (double)n / ((double)ns / 1e9) : 0;
}

static void start(int fd)
{
	int err = mfp_ioctl(fd, MFPSCAN_IOC_START, NULL);

	if (err)
		die("START", -err);
}

static struct result run_read(int fd, uint8_t *buf, size_t len)
{
	struct result r = { 0 };
	struct mfpscan_band h;
	uint64_t t0 = now_ns();
	bool first = true;
	ssize_t n;

	start(fd);
	while ((n = read(fd, buf, len)) > 0) {
		size_t off = 0;

		while (off < (size_t)n) {
			memcpy(&h, buf + off, sizeof(h));
			if (h.magic != MFPSCAN_BAND_MAGIC)
				die("read: bad record magic", EPROTO);
			if (first && (h.checksum !=
			    (uint32_t)crc32(0, buf + off + BAND_HDR, h.payload_bytes) ||
			    buf[off + BAND_HDR + 100] != MFPSCAN_PATTERN(0, 0, 100)))
				die("read: first band checksum or pattern", EPROTO);
			first = false;
			r.bands++;
			r.payload += h.payload_bytes;
			off += BAND_HDR + h.payload_bytes;
		}
		r.bytes += (uint64_t)n;
	}
	if (n < 0)
		die("read", errno);
	r.ns = now_ns() - t0;
	return r;
}

static struct result run_mmap(int fd, struct ring_map *m, uint8_t *dst, bool copy,
			      uint64_t wakeup_bytes)
{
	uint64_t mask = m->ring_bytes - 1, tail, head, t0, dpos = 0;
	struct result r = { 0 };
	struct mfpscan_band h;
	struct mfpscan_status st;
	bool ended = false;
	int err;

	__atomic_store_n(&m->ctl->wakeup_bytes, wakeup_bytes, __ATOMIC_RELAXED);
	start(fd);
	t0 = now_ns();
	err = mfp_status(fd, &st);
	if (err)
		die("G_STATUS", -err);
	tail = st.tail;
	while (!ended) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		head = __atomic_load_n(&m->st->head, __ATOMIC_ACQUIRE);
		if (tail == head) {
			if (poll(&p, 1, 60000) != 1 || (p.revents & (POLLERR | POLLHUP)))
				die("mmap: poll", ETIMEDOUT);
			continue;
		}
		while (tail < head) {
			const uint8_t *rec = m->ring + (tail & mask);

			memcpy(&h, rec, sizeof(h));
			if (h.magic != MFPSCAN_BAND_MAGIC)
				die("mmap: bad record magic", EPROTO);
			tail += h.record_bytes;
			if (h.flags & MFPSCAN_BAND_PAD)
				continue;
			if (copy) {
				if (dpos + BAND_HDR + h.payload_bytes > DST_BYTES)
					dpos = 0;
				memcpy(dst + dpos, rec, BAND_HDR + h.payload_bytes);
				dpos += BAND_HDR + h.payload_bytes;
			}
			if (!r.bands && h.checksum !=
			    (uint32_t)crc32(0, rec + BAND_HDR, h.payload_bytes))
				die("mmap: first band checksum", EPROTO);
			r.bands++;
			r.payload += h.payload_bytes;
			r.bytes += BAND_HDR + h.payload_bytes;
			if (h.flags & MFPSCAN_BAND_JOB_END)
				ended = true;
		}
		__atomic_store_n(&m->ctl->tail, tail, __ATOMIC_RELEASE);
	}
	r.ns = now_ns() - t0;
	return r;
}

/* memcpy of the same bytes in record-sized chunks, ring-sized source */
static struct result run_memcpy(const struct result *like, uint8_t *src,
				size_t src_len, uint8_t *dst, size_t chunk)
{
	uint64_t done = 0, soff = 0, doff = 0, t0 = now_ns();
	struct result r = *like;

	while (done < like->bytes) {
		size_t n = like->bytes - done < chunk ? like->bytes - done : chunk;

		if (soff + n > src_len)
			soff = 0;
		if (doff + n > DST_BYTES)
			doff = 0;
		memcpy(dst + doff, src + soff, n);
		soff += n;
		doff += n;
		done += n;
	}
	r.ns = now_ns() - t0;
	return r;
}

/* The producer alone, through debugfs: bands, payload bytes and ns. */
static struct result run_producer(const struct mfpscan_params *p,
				  unsigned int pages)
{
	const char *path = "/sys/kernel/debug/mfpscan/bench_producer";
	unsigned long long bands, bytes, ns;
	struct result r = { 0 };
	char cmd[96], out[96];
	int err;

	snprintf(cmd, sizeof(cmd), "%u %u %u %u\n", p->bytes_per_line,
		 p->band_lines, p->lines_per_page, pages);
	err = file_write(path, cmd);
	if (err)
		die(path, -err);
	err = file_read(path, out, sizeof(out));
	if (err)
		die(path, -err);
	if (sscanf(out, "bands %llu bytes %llu ns %llu", &bands, &bytes, &ns) != 3)
		die("bench_producer answer", EPROTO);
	r.bands = bands;
	r.payload = r.bytes = bytes;
	r.ns = ns;
	return r;
}

static void line(const char *name, const struct result *r, const struct result *base,
		 const char *target)
{
	printf("%-10s %9.0f bands/s %9.1f MB/s", name, per_s(r->bands, r->ns),
	       mbps(r->bytes, r->ns));
	if (base)
		printf("   %.2fx memcpy%s", mbps(r->bytes, r->ns) / mbps(base->bytes, base->ns),
		       target);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = RING_KIB, .line_rate = 0,
				     .can_stall = 1, .adf_pages = 50);
	unsigned int pages = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 10;
	struct result rr, rm, rw, rc, mc, pa = { 0 };
	struct mfpscan_params p;
	struct ring_map m;
	uint8_t *src, *dst, *buf;
	size_t chunk;
	struct sim s;
	int fd, err, i;

	if (!sim_available())
		die(SIM_CONFIGFS, ENOENT);
	if (!pages || pages > 50)
		pages = 10;
	err = sim_create(&s, "bench", &cfg);
	if (err)
		die("sim_create", -err);
	fd = sim_open(&s, O_RDWR);
	if (fd < 0)
		die("open", -fd);
	p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 300, 210000,
			297000, pages, 256);
	err = params_set(fd, &p);
	if (err)
		die("S_PARAMS", -err);
	chunk = BAND_HDR + (size_t)p.band_lines * p.bytes_per_line;
	buf = malloc(DST_BYTES);
	dst = malloc(DST_BYTES);
	src = malloc((size_t)RING_KIB * 1024);
	if (!buf || !dst || !src)
		die("malloc", ENOMEM);
	memset(buf, 1, DST_BYTES);
	memset(dst, 2, DST_BYTES);
	memset(src, 3, (size_t)RING_KIB * 1024);
	err = ring_map(&m, fd, (size_t)RING_KIB * 1024, true);
	if (err)
		die("mmap", -err);

	/* warm-up job (faults the ring in), then the best of REPS of each */
	run_mmap(fd, &m, dst, false, WAKEUP_BYTES);
	for (i = 0; i < REPS; i++) {
		struct result t;

		t = run_read(fd, buf, DST_BYTES);
		if (!i || t.ns < rr.ns)
			rr = t;
		t = run_mmap(fd, &m, dst, false, WAKEUP_BYTES);
		if (!i || t.ns < rm.ns)
			rm = t;
		t = run_mmap(fd, &m, dst, false, 0);
		if (!i || t.ns < rw.ns)
			rw = t;
		t = run_mmap(fd, &m, dst, true, WAKEUP_BYTES);
		if (!i || t.ns < rc.ns)
			rc = t;
		t = run_memcpy(&rr, src, (size_t)RING_KIB * 1024, dst, chunk);
		if (!i || t.ns < mc.ns)
			mc = t;
		t = run_producer(&p, pages);
		if (!i || t.ns < pa.ns)
			pa = t;
	}
	if (pa.payload != rr.payload || pa.bands != rr.bands)
		die("the producer alone made a different stream", EPROTO);
	if (rr.payload != rm.payload || rr.bands != rm.bands ||
	    rw.payload != rm.payload || rw.bands != rm.bands)
		die("read and mmap saw different streams", EPROTO);

	printf("mfpscan kernel benchmark: sim engine line_rate 0, ring %u KiB, gray8 300 dpi A4, %u-line bands, %u pages = %llu bands, %.1f MB per job, best of %d, mmap wakeup_bytes %llu MiB\n",
	       RING_KIB, p.band_lines, pages, (unsigned long long)rr.bands,
	       (double)rr.bytes / 1e6, REPS,
	       (unsigned long long)(WAKEUP_BYTES >> 20));
	line("memcpy", &mc, NULL, "");
	line("read()", &rr, &mc, "  (target >= 0.5x)");
	line("mmap", &rm, &mc, "  (target >= 0.8x; zero-copy consumer)");
	line("mmap/band", &rw, &mc, "  (mmap woken at every band: wakeup_bytes 0)");
	line("mmap+copy", &rc, &mc, "  (payload copied out, for reference)");
	printf("ratio read/memcpy %.2f mmap/memcpy %.2f mmap+copy/memcpy %.2f\n",
	       mbps(rr.bytes, rr.ns) / mbps(mc.bytes, mc.ns),
	       mbps(rm.bytes, rm.ns) / mbps(mc.bytes, mc.ns),
	       mbps(rc.bytes, rc.ns) / mbps(mc.bytes, mc.ns));
	printf("%-10s %9.0f bands/s %9.1f MB/s of payload   (the same bands into a plain kernel buffer)\n",
	       "producer alone", per_s(pa.bands, pa.ns), mbps(pa.payload, pa.ns));
	printf("ratio mmap/producer-alone %.2f (goal >= 0.95) read/producer-alone %.2f (goal >= 0.8) mmap+copy/producer-alone %.2f mmap/band/producer-alone %.2f\n",
	       mbps(rm.payload, rm.ns) / mbps(pa.payload, pa.ns),
	       mbps(rr.payload, rr.ns) / mbps(pa.payload, pa.ns),
	       mbps(rc.payload, rc.ns) / mbps(pa.payload, pa.ns),
	       mbps(rw.payload, rw.ns) / mbps(pa.payload, pa.ns));
	ring_unmap(&m);
	close(fd);
	sim_destroy(&s);
	free(src);
	free(dst);
	free(buf);
	return 0;
}
