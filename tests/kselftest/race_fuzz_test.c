// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan concurrent fuzzer: four threads share four open files of one sim
 * instance and do, at random, >= 1,000,000 operations in total: ioctls
 * (status, caps, params, START, ABORT, RECOVER, SYNC_PTR reading and
 * moving the tail, garbage commands), non-blocking read(), poll(), mmap()
 * of ring and status page with a record read from the mapping, close (a
 * file replaced by a new one with dup2(), so the last reference may drop
 * inside another thread's system call) and engine removal (live 0/1, the
 * debugfs "remove") while the others run.
 *
 * Every record delivered by read() and every record read from a mapping
 * while it was stable (the tail had not passed it, checked through
 * SYNC_PTR after the copy) must be byte-exact: header fields, CRC-32 and
 * MFPSCAN_PATTERN. Every result must be one the spec allows. The run must
 * have entered the races it is about: removals happened, operations on a
 * removed device got ENODEV, records were delivered and checked both ways,
 * files were replaced. How often a race is entered depends on the
 * machine's speed (a fast host drains the ring before a mapping finds a
 * record), so the threads go on past the 1,000,000 operations, up to four
 * times as many, until every race was entered; the test fails if one never
 * was. The guest script fails the binary on any oops,
 * WARN or slub report (tests/vm/dmesg-bad.re). Per-operation outcome
 * counts are printed. MFPSCAN_RACE_SEED reproduces the choice sequence of
 * a thread (not the interleaving); MFPSCAN_RACE_OPS changes the total.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "ksft_mfpscan.h"

#define THREADS		4
#define SLOTS		4
#define RING_KIB	256
#define RD_BUF		(64 << 10)

enum op {
	OP_STATUS, OP_INFO, OP_PARAMS, OP_START, OP_ABORT, OP_RECOVER,
	OP_SYNC, OP_SYNC_TAIL, OP_GARBAGE, OP_READ, OP_POLL, OP_MMAP,
	OP_CLOSE, OP_REMOVE, OP_COUNT
};

static const char *const op_name[OP_COUNT] = {
	"status", "caps/version/params", "S_PARAMS", "START", "ABORT",
	"RECOVER", "SYNC_PTR", "SYNC_PTR tail", "garbage ioctl", "read",
	"poll", "mmap", "close/reopen", "removal",
};

/*
 * Weights per 10000 operations; removal is rarer still (see pick_op). The
 * mix is tuned for run time, not the count: under TCG with a loaded host a
 * START took 15 ms, an mmap()+munmap() 66 ms, a close/reopen 23 ms, a
 * status ioctl 75 us (per-operation times are printed).
 */
static const unsigned int op_weight[OP_COUNT] = {
	3000, 300, 50, 30, 20, 20, 2500, 300, 100, 2300, 1335, 30, 15, 0,
};

/* Outcome buckets */
enum outcome { OUT_OK, OUT_AGAIN, OUT_BUSY, OUT_NODEV, OUT_PIPE, OUT_INVAL, OUT_OTHER,
	       OUT_COUNT };
static const char *const outcome_name[OUT_COUNT] = {
	"ok", "EAGAIN", "EBUSY", "ENODEV", "EPIPE", "EINVAL", "other",
};

struct race {
	struct sim sim;
	pthread_mutex_t dev_lock;	/* guards sim.devpath vs. removal */
	atomic_int slot[SLOTS];		/* fd numbers; stable, see do_close */
	struct mfpscan_params p;
	uint32_t ring_bytes;
	long ops_per_thread;
	uint64_t seed;
	atomic_ullong counts[OP_COUNT][OUT_COUNT];
	atomic_ullong op_ns[OP_COUNT];
	atomic_ullong records_read, records_mapped, poll_in, poll_hup;
	atomic_ullong mmap_unstable, mmap_revoked;
	atomic_int failed;
	char why[512];
	pthread_mutex_t why_lock;	/* guards why */
};

static void fail(struct race *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct race *r, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->why_lock);
	if (!atomic_exchange(&r->failed, 1)) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&r->why_lock);
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned int rndn(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
}

static enum op pick_op(uint64_t *s)
{
	unsigned int v;
	int i;

	if (rndn(s, 25000) == 0)
		return OP_REMOVE;
	v = rndn(s, 10000);
	for (i = 0; i < OP_COUNT; i++) {
		if (v < op_weight[i])
			return i;
		v -= op_weight[i];
	}
	return OP_STATUS;
}

/* Count the result of @op (0 or -errno); unexpected ones fail the run. */
static void outcome(struct race *r, enum op op, int ret)
{
	enum outcome o;

	switch (-ret) {
	case 0: o = OUT_OK; break;
	case EAGAIN: o = OUT_AGAIN; break;
	case EBUSY: o = OUT_BUSY; break;
	case ENODEV: o = OUT_NODEV; break;
	case EPIPE: o = OUT_PIPE; break;
	case EINVAL: o = OUT_INVAL; break;
	default: o = OUT_OTHER; break;
	}
	atomic_fetch_add(&r->counts[op][o], 1);
	/* garbage commands may answer ENOTTY or EFAULT; nothing else may */
	if (o == OUT_OTHER && !(op == OP_GARBAGE &&
			      (ret == -ENOTTY || ret == -EFAULT)))
		fail(r, "%s: unexpected %s", op_name[op], strerror(-ret));
}

/* One record (header at @h, payload @pl): byte-exact or the run fails. */
static bool check_record(struct race *r, const struct mfpscan_band *h,
			 const uint8_t *pl, const char *how)
{
	const struct mfpscan_params *p = &r->p;
	uint8_t line[4096];
	uint32_t l;

	if (h->magic != MFPSCAN_BAND_MAGIC || h->header_bytes != BAND_HDR ||
	    h->record_bytes < BAND_HDR + h->payload_bytes ||
	    h->record_bytes % MFPSCAN_RECORD_ALIGN) {
		fail(r, "%s: bad header magic %#x header %u record %u payload %u",
		     how, h->magic, h->header_bytes, h->record_bytes,
		     h->payload_bytes);
		return false;
	}
	if (h->flags & MFPSCAN_BAND_ERROR)
		return h->payload_bytes == 0 ||
		       (fail(r, "%s: error band with payload", how), false);
	if (h->bytes_per_line != p->bytes_per_line ||
	    h->payload_bytes != h->lines * p->bytes_per_line ||
	    h->page >= 2 || h->first_line + h->lines > p->lines_per_page ||
	    h->lines > p->band_lines) {
		fail(r, "%s: bad band page %u first_line %u lines %u bpl %u payload %u",
		     how, h->page, h->first_line, h->lines, h->bytes_per_line,
		     h->payload_bytes);
		return false;
	}
	if (h->checksum != (uint32_t)crc32(0, pl, h->payload_bytes)) {
		fail(r, "%s: CRC mismatch page %u band %u", how, h->page, h->band);
		return false;
	}
	for (l = 0; l < h->lines; l++) {
		pattern_fill(h->page, h->first_line + l, p->bytes_per_line, line);
		if (memcmp(line, pl + (size_t)l * p->bytes_per_line,
			   p->bytes_per_line)) {
			fail(r, "%s: payload differs, page %u line %u", how,
			     h->page, h->first_line + l);
			return false;
		}
	}
	return true;
}

static int do_read(struct race *r, int fd, uint8_t *buf)
{
	struct mfpscan_band h;
	ssize_t n = read(fd, buf, RD_BUF);
	size_t off = 0;

	if (n < 0)
		return -errno;
	while (off < (size_t)n) {
		if ((size_t)n - off < BAND_HDR) {
			fail(r, "read: partial header");
			return 0;
		}
		memcpy(&h, buf + off, sizeof(h));
		if (h.payload_bytes > (size_t)n - off - BAND_HDR) {
			fail(r, "read: partial record");
			return 0;
		}
		if (!check_record(r, &h, buf + off + BAND_HDR, "read"))
			return 0;
		atomic_fetch_add(&r->records_read, 1);
		off += BAND_HDR + h.payload_bytes;
	}
	return 0;
}

/*
 * A mapping is revoked (SIGBUS on access) when another file starts a job:
 * only the owner's mappings of the ring stay (Documentation/uapi.rst).
 */
static __thread sigjmp_buf bus_jmp;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(bus_jmp, 1);
}

/* memcpy() from a mapping; false if it was revoked under us. */
static bool copy_guarded(void *dst, const void *src, size_t n)
{
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		return false;
	}
	bus_armed = 1;
	memcpy(dst, src, n);
	bus_armed = 0;
	return true;
}

static int sync_ptr(int fd, struct mfpscan_sync_ptr *sp, uint32_t flags,
		    uint64_t tail)
{
	memset(sp, 0, sizeof(*sp));
	sp->flags = flags;
	sp->tail = tail;
	return mfp_ioctl(fd, MFPSCAN_IOC_SYNC_PTR, sp);
}

/*
 * Map ring and status page, copy the record at the tail, and check it if
 * the tail had not moved past it by the time the copy was done (then the
 * producer cannot have reused its space).
 */
static int do_mmap(struct race *r, int fd, uint8_t *copy)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct mfpscan_sync_ptr a, b;
	struct mfpscan_band h;
	uint8_t *ring, *st;
	uint64_t off;
	int ret;

	ring = mmap(NULL, r->ring_bytes, PROT_READ, MAP_SHARED, fd,
		    MFPSCAN_MMAP_OFFSET_RING);
	if (ring == MAP_FAILED)
		return -errno;
	st = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd,
		  MFPSCAN_MMAP_OFFSET_STATUS);
	if (st == MAP_FAILED) {
		ret = -errno;
		goto out_unmap_ring;
	}
	if (!copy_guarded(&a, st, sizeof(uint64_t)))
		goto out_revoked;
	ret = sync_ptr(fd, &a, 0, 0);
	if (ret || a.head - a.tail < BAND_HDR)
		goto out_unmap;
	off = a.tail & (r->ring_bytes - 1);
	if (!copy_guarded(&h, ring + off, sizeof(h)))
		goto out_revoked;
	if (h.magic == MFPSCAN_BAND_MAGIC && h.payload_bytes <= RD_BUF &&
	    h.record_bytes <= r->ring_bytes - off &&
	    !copy_guarded(copy, ring + off + BAND_HDR, h.payload_bytes))
		goto out_revoked;
	ret = sync_ptr(fd, &b, 0, 0);
	if (ret || b.tail != a.tail) {
		atomic_fetch_add(&r->mmap_unstable, 1);
		goto out_unmap;
	}
	if (h.flags & MFPSCAN_BAND_PAD) {
		if (h.magic != MFPSCAN_BAND_MAGIC)
			fail(r, "mmap: bad PAD record");
	} else if (check_record(r, &h, copy, "mmap")) {
		atomic_fetch_add(&r->records_mapped, 1);
	}
	goto out_unmap;
out_revoked:
	atomic_fetch_add(&r->mmap_revoked, 1);
out_unmap:
	munmap(st, (size_t)pg);
out_unmap_ring:
	munmap(ring, r->ring_bytes);
	return ret;
}

/* A new file on the current device with the fuzzer's parameters. */
static int open_file(struct race *r)
{
	struct mfpscan_params p = r->p;
	int fd, ret;

	pthread_mutex_lock(&r->dev_lock);
	fd = open(r->sim.devpath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	pthread_mutex_unlock(&r->dev_lock);
	if (fd < 0)
		return -errno;
	ret = params_set(fd, &p);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Close a slot's file: dup2() a new file over its number, so that the
 * number stays an mfpscan file for the other threads while the old file's
 * last reference drops (maybe inside their system calls).
 */
static int do_close(struct race *r, int slot)
{
	int fd = open_file(r), ret = 0;

	if (fd < 0)
		return fd;
	if (dup2(fd, atomic_load(&r->slot[slot])) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The engine goes away under the other threads and comes back. */
static int do_remove(struct race *r, uint64_t *s)
{
	int ret;

	pthread_mutex_lock(&r->dev_lock);
	if (rndn(s, 2))
		ret = sim_dbg_write(&r->sim, "remove", "1\n");
	else
		ret = sim_set_live(&r->sim, 0);
	if (!ret)
		ret = sim_set_live(&r->sim, 1);
	pthread_mutex_unlock(&r->dev_lock);
	if (ret)
		fail(r, "removal: %s", strerror(-ret));
	return ret;
}

static int do_ioctl(struct race *r, enum op op, int fd, uint64_t *s)
{
	struct mfpscan_sync_ptr sp;
	union {
		struct mfpscan_status st;
		struct mfpscan_caps caps;
		struct mfpscan_params p;
		uint8_t raw[512];
	} u;
	static const unsigned long info[] = {
		MFPSCAN_IOC_VERSION, MFPSCAN_IOC_G_CAPS, MFPSCAN_IOC_G_PARAMS,
	};
	unsigned long cmd;
	int ret;

	switch (op) {
	case OP_STATUS:
		return mfp_ioctl(fd, MFPSCAN_IOC_G_STATUS, &u.st);
	case OP_INFO:
		return mfp_ioctl(fd, info[rndn(s, 3)], &u);
	case OP_PARAMS:
		u.p = r->p;
		if (rndn(s, 4) == 0)
			u.p.resolution = 250;	/* refused, params unchanged */
		return mfp_ioctl(fd, MFPSCAN_IOC_S_PARAMS, &u.p);
	case OP_START:
		return mfp_ioctl(fd, MFPSCAN_IOC_START, NULL);
	case OP_ABORT:
		return mfp_ioctl(fd, MFPSCAN_IOC_ABORT, NULL);
	case OP_RECOVER:
		return mfp_ioctl(fd, MFPSCAN_IOC_RECOVER, NULL);
	case OP_SYNC:
		return sync_ptr(fd, &sp, 0, 0);
	case OP_SYNC_TAIL:
		ret = sync_ptr(fd, &sp, 0, 0);
		if (ret)
			return ret;
		/* all consumed, or a tail that is not a record start */
		return sync_ptr(fd, &sp, MFPSCAN_SYNC_APPLY_TAIL,
				rndn(s, 4) ? sp.head : sp.tail + 1 + rndn(s, 63));
	default:
		memset(u.raw, 0, sizeof(u.raw));
		cmd = _IOC(rndn(s, 4), MFPSCAN_IOC_MAGIC, 9 + rndn(s, 20),
			   rndn(s, 512));
		return mfp_ioctl(fd, cmd, u.raw);
	}
}

static int do_poll(struct race *r, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, 0);

	if (n < 0)
		return -errno;
	if (pfd.revents & POLLHUP)
		atomic_fetch_add(&r->poll_hup, 1);
	else if (pfd.revents & POLLIN)
		atomic_fetch_add(&r->poll_in, 1);
	return 0;
}

struct worker {
	struct race *r;
	uint64_t seed;
	pthread_t th;
};

static uint64_t total(struct race *r, enum op op, enum outcome o)
{
	return atomic_load(&r->counts[op][o]);
}

/*
 * The minimum counts that show each race was entered; the test asserts
 * each of them after the run.
 */
#define MIN_REMOVALS	20
#define MIN_STARTS	100
#define MIN_READ	1000
#define MIN_MAPPED	10
#define MIN_CLOSES	100
#define MIN_NODEV	10
#define MIN_START_BUSY	10
#define EXTEND_FACTOR	4

static bool races_entered(struct race *r)
{
	return total(r, OP_REMOVE, OUT_OK) >= MIN_REMOVALS &&
	       total(r, OP_START, OUT_OK) >= MIN_STARTS &&
	       atomic_load(&r->records_read) >= MIN_READ &&
	       atomic_load(&r->records_mapped) >= MIN_MAPPED &&
	       total(r, OP_CLOSE, OUT_OK) >= MIN_CLOSES &&
	       total(r, OP_READ, OUT_NODEV) +
	       total(r, OP_STATUS, OUT_NODEV) >= MIN_NODEV &&
	       total(r, OP_START, OUT_BUSY) >= MIN_START_BUSY;
}

/* Past its share, a thread goes on until the races were entered. */
static bool worker_goes_on(struct race *r, long done)
{
	if (atomic_load(&r->failed))
		return false;
	if (done < r->ops_per_thread)
		return true;
	if (done >= EXTEND_FACTOR * r->ops_per_thread)
		return false;
	/* checking the counters costs; once per 1024 operations is enough */
	return (done & 1023) || !races_entered(r);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	uint8_t *buf = malloc(RD_BUF);
	uint64_t s = w->seed;
	long i;

	if (!buf) {
		fail(r, "out of memory");
		return NULL;
	}
	for (i = 0; worker_goes_on(r, i); i++) {
		enum op op = pick_op(&s);
		int slot = rndn(&s, SLOTS);
		int fd = atomic_load(&r->slot[slot]);
		uint64_t t0 = now_ns();
		int ret;

		switch (op) {
		case OP_READ: ret = do_read(r, fd, buf); break;
		case OP_POLL: ret = do_poll(r, fd); break;
		case OP_MMAP: ret = do_mmap(r, fd, buf); break;
		case OP_CLOSE: ret = do_close(r, slot); break;
		case OP_REMOVE: ret = do_remove(r, &s); break;
		default: ret = do_ioctl(r, op, fd, &s); break;
		}
		atomic_fetch_add(&r->op_ns[op], now_ns() - t0);
		outcome(r, op, ret);
	}
	free(buf);
	return NULL;
}

static void print_counts(struct race *r)
{
	uint64_t all = 0;
	char line[256];
	int op, o, n;

	for (op = 0; op < OP_COUNT; op++) {
		uint64_t calls = 0;

		for (o = 0; o < OUT_COUNT; o++)
			calls += total(r, op, o);
		n = snprintf(line, sizeof(line), "%-20s %6.1f us/op:", op_name[op],
			     calls ? atomic_load(&r->op_ns[op]) / 1e3 / calls : 0);
		for (o = 0; o < OUT_COUNT; o++) {
			all += total(r, op, o);
			if (total(r, op, o))
				n += snprintf(line + n, sizeof(line) - n, " %s %llu",
					      outcome_name[o],
					      (unsigned long long)total(r, op, o));
		}
		ksft_print_msg("%s\n", line);
	}
	ksft_print_msg("operations %llu, records checked: read %llu, mapped %llu (mapping copies discarded: unstable %llu, revoked by SIGBUS %llu); poll POLLIN %llu POLLHUP %llu\n",
		       (unsigned long long)all,
		       (unsigned long long)atomic_load(&r->records_read),
		       (unsigned long long)atomic_load(&r->records_mapped),
		       (unsigned long long)atomic_load(&r->mmap_unstable),
		       (unsigned long long)atomic_load(&r->mmap_revoked),
		       (unsigned long long)atomic_load(&r->poll_in),
		       (unsigned long long)atomic_load(&r->poll_hup));
	fflush(stdout);
}

FIXTURE(race) {
	struct race r;
};

FIXTURE_SETUP(race)
{
	struct sim_cfg cfg = SIM_CFG(.ring_kib = RING_KIB, .adf_pages = 2);
	const char *e;
	int i, fd;

	memset(&self->r, 0, sizeof(self->r));
	for (i = 0; i < SLOTS; i++)
		self->r.slot[i] = -1;
	REQUIRE_SIM();
	signal(SIGBUS, on_sigbus);
	pthread_mutex_init(&self->r.dev_lock, NULL);
	pthread_mutex_init(&self->r.why_lock, NULL);
	/* small jobs: two pages of 59 x 59 gray pixels, bands of 5 lines */
	self->r.p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75,
				20000, 20000, 2, 5);
	params_derive(&self->r.p);
	self->r.ring_bytes = RING_KIB * 1024;
	e = getenv("MFPSCAN_RACE_OPS");
	self->r.ops_per_thread = (e ? atol(e) : 1000000) / THREADS;
	e = getenv("MFPSCAN_RACE_SEED");
	self->r.seed = e ? strtoull(e, NULL, 0) : (uint64_t)now_ns() | 1;
	ASSERT_EQ(0, sim_create(&self->r.sim, "race", &cfg));
	for (i = 0; i < SLOTS; i++) {
		fd = open_file(&self->r);
		ASSERT_LE(0, fd);
		self->r.slot[i] = fd;
	}
}

FIXTURE_TEARDOWN(race)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (self->r.slot[i] >= 0)
			close(self->r.slot[i]);
	sim_destroy(&self->r.sim);
}

TEST_F_TIMEOUT(race, million_operations_byte_exact, 900)
{
	struct race *r = &self->r;
	struct worker w[THREADS];
	struct mfpscan_status st;
	struct stream_exp e;
	uint64_t all = 0, t0;
	int i, o, fd;

	BODY_START();
	ksft_print_msg("seed %#llx, %d threads x %ld operations\n",
		       (unsigned long long)r->seed, THREADS, r->ops_per_thread);
	fflush(stdout);
	t0 = now_ns();
	for (i = 0; i < THREADS; i++) {
		w[i].r = r;
		w[i].seed = r->seed * (2 * i + 1) | 1;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]))
			break;
	}
	ASSERT_EQ(THREADS, i);
	for (i = 0; i < THREADS; i++)
		pthread_join(w[i].th, NULL);
	print_counts(r);
	ksft_print_msg("%.1f s\n", (now_ns() - t0) / 1e9);
	fflush(stdout);
	ASSERT_EQ(0, atomic_load(&r->failed)) {
		TH_LOG("%s", r->why);
	}
	for (i = 0; i < OP_COUNT; i++)
		for (o = 0; o < OUT_COUNT; o++)
			all += total(r, i, o);
	EXPECT_LE((uint64_t)r->ops_per_thread * THREADS, all);
	EXPECT_GE((uint64_t)EXTEND_FACTOR * r->ops_per_thread * THREADS, all);
	/* the races were entered */
	EXPECT_LE(MIN_REMOVALS, total(r, OP_REMOVE, OUT_OK));
	EXPECT_LE(MIN_STARTS, total(r, OP_START, OUT_OK));
	EXPECT_LE(MIN_READ, atomic_load(&r->records_read));
	EXPECT_LE(MIN_MAPPED, atomic_load(&r->records_mapped));
	EXPECT_LE(MIN_CLOSES, total(r, OP_CLOSE, OUT_OK));
	/* operations on a removed device's files, and consumers racing */
	EXPECT_LE(MIN_NODEV, total(r, OP_READ, OUT_NODEV) +
		  total(r, OP_STATUS, OUT_NODEV));
	EXPECT_LE(MIN_START_BUSY, total(r, OP_START, OUT_BUSY));
	/* afterwards the device still scans byte-exact */
	fd = open_file(r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, 0));
	for (i = 0; i < SLOTS; i++) {
		close(r->slot[i]);
		r->slot[i] = -1;
	}
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(fd, &st));
	ASSERT_EQ(0, stream_init(&e, &r->p, st.job, 2));
	ASSERT_STREAM_OK(read_job(fd, &e, 1 << 20), &e);
	stream_fini(&e);
	close(fd);
}

TEST_HARNESS_MAIN
