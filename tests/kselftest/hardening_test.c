// SPDX-License-Identifier: GPL-2.0
/*
 * The defects of issue 12 that the sim engine can show, one test each:
 *
 * - unplug_not_held_by_faulting_reader (3): a reader whose buffer faults
 *   for long (a userfaultfd page nobody serves) plus a START must not keep
 *   the engine's removal waiting;
 * - blocking_read_ignores_wakeup_bytes (4): wakeup_bytes is a poll()
 *   threshold; a blocking read() returns the first record at once;
 * - others_cannot_consume_or_map (5): while a file owns the job, another
 *   file cannot map the ring or the control page, move the tail or RECOVER,
 *   and its earlier ring mapping faults with SIGBUS;
 * - owner_close_discards (5): what the owner leaves unread on close is
 *   nobody else's to read;
 * - documented_loop_sees_job_end (6): the consumer loop of
 *   Documentation/uapi.rst never stops before the job's last record;
 * - abort_with_exactly_full_ring: records that tile the ring exactly, the
 *   engine stalled, ABORT: the ABORTED band with JOB_END still comes;
 * - efault_on_second_record: read() returns the records copied before a
 *   fault and loses none (the faulting one is read next);
 * - wakeup_threshold_per_file (4): MFPSCAN_IOC_S_WAKEUP sets one file's
 *   threshold: its blocking read() is not woken before it is met, another
 *   file's threshold changes nothing for the owner, and a poller whose
 *   threshold the job never reaches is not woken band by band;
 * - stalled_engine_wakes_pollers_once (7): a producer stalled on a full
 *   ring wakes the device's pollers when it stalls, not every jiffy while
 *   it waits (a poller of an event that never comes counts its wake-ups).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(hard) {
	struct sim sim;
	int a, b;
	struct mfpscan_params p;
	size_t ring_bytes;
};

FIXTURE_SETUP(hard)
{
	/* 400 lines/s: the A4 page of 876 lines at 75 dpi takes 2 s */
	struct sim_cfg cfg = SIM_CFG(.line_rate = 400, .ring_kib = 256);

	self->a = self->b = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "hard", &cfg, &self->a);
	self->b = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->b);
	self->p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			      210000, 297000, 1, 8);
	ASSERT_EQ(0, params_set(self->a, &self->p));
	self->ring_bytes = 256 * 1024;
}

FIXTURE_TEARDOWN(hard)
{
	CLOSE_FD(self->a);
	CLOSE_FD(self->b);
	sim_destroy(&self->sim);
}

/* A one-band-per-8-lines job of a 10 mm page, run to DONE, nothing read. */
static void small_job_done(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hard) *self, uint32_t width_um,
			   struct mfpscan_status *st)
{
	self->p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			      width_um, 10000, 1, 8);
	ASSERT_EQ(0, params_set(self->a, &self->p));
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state(self->a, MFPSCAN_STATE_DONE, 10000, st));
}

static void *map(int fd, size_t len, int prot, unsigned int off)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, off);
}

/* Touch one byte of @p in a child: 0 read fine, else the killing signal. */
static int touch_in_child(const volatile uint8_t *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		(void)p[0];
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
}

TEST_F(hard, others_cannot_consume_or_map)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct mfpscan_sync_ptr sp = { .flags = MFPSCAN_SYNC_APPLY_TAIL };
	struct mfpscan_status st0;
	uint8_t *early, *st;
	char buf[4096];

	BODY_START();
	/* B maps the ring while nobody owns the device: allowed */
	early = map(self->b, self->ring_bytes, PROT_READ,
		    MFPSCAN_MMAP_OFFSET_RING);
	ASSERT_NE(MAP_FAILED, early);
	ASSERT_EQ(0, touch_in_child(early));

	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state_not(self->a, MFPSCAN_STATE_IDLE, 5000, &st0));

	/* A's job: B's mapping from before is taken back */
	EXPECT_EQ(SIGBUS, touch_in_child(early));
	/* no new mapping of the ring or the control page for B */
	EXPECT_EQ(MAP_FAILED, map(self->b, self->ring_bytes, PROT_READ,
				  MFPSCAN_MMAP_OFFSET_RING));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(MAP_FAILED, map(self->b, pg, PROT_READ | PROT_WRITE,
				  MFPSCAN_MMAP_OFFSET_CONTROL));
	EXPECT_EQ(EBUSY, errno);
	/* the status page stays readable for everyone */
	st = map(self->b, pg, PROT_READ, MFPSCAN_MMAP_OFFSET_STATUS);
	ASSERT_NE(MAP_FAILED, st);
	EXPECT_EQ(0, touch_in_child(st));
	/* no tail moves, no RECOVER, no read() */
	ASSERT_IOCTL_ERR(EBUSY, self->b, MFPSCAN_IOC_SYNC_PTR, &sp);
	ASSERT_IOCTL_ERR(EBUSY, self->b, MFPSCAN_IOC_RECOVER, NULL);
	EXPECT_EQ(-1, read(self->b, buf, sizeof(buf)));
	EXPECT_EQ(EBUSY, errno);
	/* the owner maps and consumes as before */
	early = map(self->a, self->ring_bytes, PROT_READ,
		    MFPSCAN_MMAP_OFFSET_RING);
	ASSERT_NE(MAP_FAILED, early);
	EXPECT_EQ(0, touch_in_child(early));
	munmap(early, self->ring_bytes);
	munmap(st, pg);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
}

TEST_F(hard, sync_ptr_reserved_must_be_zero)
{
	struct mfpscan_sync_ptr sp = { .reserved = { 0, 1 } };

	BODY_START();
	ASSERT_IOCTL_ERR(EINVAL, self->a, MFPSCAN_IOC_SYNC_PTR, &sp);
}

TEST_F(hard, owner_close_discards)
{
	struct mfpscan_status st;

	BODY_START();
	small_job_done(_metadata, self, 25400, &st);
	ASSERT_LT(st.tail, st.head);	/* A read nothing */
	CLOSE_FD(self->a);

	/* B may map the ring now, and finds nothing of A's in it */
	ASSERT_EQ(0, mfp_status(self->b, &st));
	EXPECT_EQ(st.head, st.tail);
}

TEST_F(hard, blocking_read_ignores_wakeup_bytes)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct mfpscan_mmap_control *ctl;
	struct mfpscan_status st;
	static char buf[1 << 16];

	BODY_START();
	ctl = map(self->a, pg, PROT_READ | PROT_WRITE,
		  MFPSCAN_MMAP_OFFSET_CONTROL);
	ASSERT_NE(MAP_FAILED, ctl);
	/* a threshold the job never reaches: poll() stays quiet... */
	ctl->wakeup_bytes = 1ULL << 40;
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	/* ...but read() returns the first band while the page is scanned */
	ASSERT_LT(0, read(self->a, buf, sizeof(buf)));
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(MFPSCAN_STATE_SCANNING, st.state) {
		TH_LOG("read() returned only in state %s", state_name(st.state));
	}
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
	munmap(ctl, pg);
}

/* The reader parks in a userfaultfd fault that the test serves late. */
struct uffd_reader {
	int fd;
	void *buf;
	size_t len;
	ssize_t ret;
	int err;
};

static void *reader_thread(void *arg)
{
	struct uffd_reader *r = arg;

	r->ret = read(r->fd, r->buf, r->len);
	r->err = errno;
	return NULL;
}

struct starter {
	int fd;
	pid_t tid;
	int ret;
	bool done;
};

static void *start_thread(void *arg)
{
	struct starter *s = arg;

	s->tid = gettid();
	s->ret = mfp_ioctl(s->fd, MFPSCAN_IOC_START, NULL);
	__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	return NULL;
}

struct remover {
	const struct sim *sim;
	int ret;
	bool done;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	r->ret = sim_dbg_write(r->sim, "remove", "1\n");
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* @tid sleeps inside ioctl(). */
static bool in_ioctl(pid_t tid)
{
	return thread_in_syscall(tid, SYS_ioctl);
}

TEST_F(hard, unplug_not_held_by_faulting_reader)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zp = { .mode = 0 };
	struct uffd_reader rd = { .fd = self->a, .len = 1 << 16 };
	struct starter stt = { .fd = self->a };
	struct remover rm = { .sim = &self->sim };
	struct mfpscan_status st;
	pthread_t rt, stth, rmt;
	struct uffd_msg msg;
	struct pollfd pfd;
	bool removed_first;
	int uffd, i;

	BODY_START();
	small_job_done(_metadata, self, 25400, &st);

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	rd.buf = mmap(NULL, rd.len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rd.buf);
	reg.range.start = (unsigned long)rd.buf;
	reg.range.len = rd.len;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	/* 1. the reader is inside read(), its copy faulted and waits */
	ASSERT_EQ(0, pthread_create(&rt, NULL, reader_thread, &rd));
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("the read() never faulted");
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* 2. a START waits for the reader, inside ioctl() */
	ASSERT_EQ(0, pthread_create(&stth, NULL, start_thread, &stt));
	for (i = 0; i < 1000 && !(stt.tid && in_ioctl(stt.tid)); i++)
		msleep(10);
	ASSERT_TRUE(stt.tid && in_ioctl(stt.tid));
	msleep(200);	/* let it reach its lock */
	ASSERT_FALSE(__atomic_load_n(&stt.done, __ATOMIC_ACQUIRE));

	/* 3. the engine goes while both wait: removal must not wait */
	ASSERT_EQ(0, pthread_create(&rmt, NULL, remove_thread, &rm));
	for (i = 0; i < 1000 && !__atomic_load_n(&rm.done, __ATOMIC_ACQUIRE); i++)
		msleep(10);
	removed_first = __atomic_load_n(&rm.done, __ATOMIC_ACQUIRE);

	/* 4. serve the fault: everyone finishes */
	zp.range.start = msg.arg.pagefault.address & ~4095ULL;
	zp.range.len = rd.len - (zp.range.start - (unsigned long)rd.buf);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zp));
	pthread_join(rmt, NULL);
	pthread_join(rt, NULL);
	pthread_join(stth, NULL);
	close(uffd);
	munmap(rd.buf, rd.len);

	EXPECT_TRUE(removed_first) {
		TH_LOG("removal waited for a reader stuck in a page fault");
	}
	EXPECT_EQ(0, rm.ret);
	EXPECT_EQ(-ENODEV, stt.ret);
}

/*
 * The loop of Documentation/uapi.rst ("A consumer"), as written there:
 * state, then head, both acquire; records up to head; the tail back;
 * stop at a final state once tail == head. Each payload is checksummed,
 * as a real consumer would, which gives the producer time to finish the
 * job between the loads. Returns the JOB_END records it saw (1 if it kept
 * its promise).
 */
static int documented_loop(int fd, const struct mfpscan_mmap_status *st,
			   struct mfpscan_mmap_control *ctl,
			   const uint8_t *ring, size_t ring_bytes)
{
	uint64_t tail = ctl->tail;
	int job_ends = 0;

	for (;;) {
		uint32_t state = __atomic_load_n(&st->state, __ATOMIC_ACQUIRE);
		uint64_t head = __atomic_load_n(&st->head, __ATOMIC_ACQUIRE);

		while (tail < head) {
			const struct mfpscan_band *b =
				(const void *)(ring + (tail & (ring_bytes - 1)));

			if (!(b->flags & MFPSCAN_BAND_PAD)) {
				crc32(0, (const uint8_t *)b + b->header_bytes,
				      b->payload_bytes);
				job_ends += !!(b->flags & MFPSCAN_BAND_JOB_END);
			}
			tail += b->record_bytes;
		}
		__atomic_store_n(&ctl->tail, tail, __ATOMIC_RELEASE);
		if (state != MFPSCAN_STATE_SCANNING &&
		    state != MFPSCAN_STATE_STALLED && tail == head)
			break;
		poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 1000);
	}
	return job_ends;
}

TEST_F(hard, documented_loop_sees_job_end)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct mfpscan_mmap_control *ctl;
	struct mfpscan_mmap_status *st;
	uint8_t *ring;
	int job, missed = 0;

	BODY_START();
	/* as fast as it goes: 38 one-line bands per job */
	ASSERT_EQ(0, sim_set_live(&self->sim, 0));
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "line_rate", "0"));
	CLOSE_FD(self->a);
	CLOSE_FD(self->b);
	ASSERT_EQ(0, sim_set_live(&self->sim, 1));
	self->a = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->a);
	self->p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			      25400, 13000, 1, 1);
	ASSERT_EQ(0, params_set(self->a, &self->p));
	ring = map(self->a, self->ring_bytes, PROT_READ,
		   MFPSCAN_MMAP_OFFSET_RING);
	st = map(self->a, pg, PROT_READ, MFPSCAN_MMAP_OFFSET_STATUS);
	ctl = map(self->a, pg, PROT_READ | PROT_WRITE,
		  MFPSCAN_MMAP_OFFSET_CONTROL);
	ASSERT_NE(MAP_FAILED, ring);
	ASSERT_NE(MAP_FAILED, st);
	ASSERT_NE(MAP_FAILED, ctl);

	for (job = 0; job < 300; job++) {
		ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
		if (documented_loop(self->a, st, ctl, ring, self->ring_bytes) != 1)
			missed++;
	}
	EXPECT_EQ(0, missed) {
		TH_LOG("%d of 300 jobs: the loop stopped before JOB_END", missed);
	}
	munmap(ring, self->ring_bytes);
	munmap(st, pg);
	munmap(ctl, pg);
}

/* Read records into @buf until EOF; the last header read into *@last. */
static int drain(int fd, struct mfpscan_band *last, int *records)
{
	static uint8_t buf[1 << 16];
	ssize_t n, off;

	*records = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;
		     off += sizeof(*last) + ((struct mfpscan_band *)(buf + off))->payload_bytes) {
			memcpy(last, buf + off, sizeof(*last));
			(*records)++;
		}
	}
	return n < 0 ? -errno : 0;
}

/*
 * The instance live again with a 64 KiB ring and no line rate, A reopened
 * (B closed) and a job of 63-byte lines started that stalls at once:
 * 63 bytes x 64 lines + 64 = 4096, 16 records tile the ring, nobody reads.
 */
static void stall_full_ring(struct __test_metadata *_metadata,
			    FIXTURE_DATA(hard) *self, struct mfpscan_status *st)
{
	ASSERT_EQ(0, sim_set_live(&self->sim, 0));
	CLOSE_FD(self->a);
	CLOSE_FD(self->b);
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "line_rate", "0"));
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "ring_kib", "64"));
	ASSERT_EQ(0, sim_set_live(&self->sim, 1));
	self->a = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->a);
	self->p = params_make(MFPSCAN_SOURCE_FLATBED, MFPSCAN_MODE_GRAY8, 75,
			      21400, 355000, 1, 64);
	ASSERT_EQ(0, params_set(self->a, &self->p));
	ASSERT_EQ(63, self->p.bytes_per_line);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_wait_state(self->a, MFPSCAN_STATE_STALLED, 10000, st));
}

TEST_F(hard, abort_with_exactly_full_ring)
{
	struct mfpscan_band last = { 0 };
	struct mfpscan_status st;
	int records;

	BODY_START();
	stall_full_ring(_metadata, self, &st);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);

	ASSERT_EQ(0, drain(self->a, &last, &records));
	EXPECT_TRUE(records > 1);
	EXPECT_EQ(MFPSCAN_BAND_ERROR | MFPSCAN_BAND_JOB_END | MFPSCAN_BAND_PAGE_END,
		  last.flags) {
		TH_LOG("%d records, the last with flags %#x error %u", records,
		       last.flags, last.error);
	}
	EXPECT_EQ(MFPSCAN_ERR_ABORTED, last.error);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(MFPSCAN_STATE_ABORTED, st.state);
}

TEST_F(hard, efault_on_second_record)
{
	long pg = sysconf(_SC_PAGESIZE);
	const struct mfpscan_band *h;
	size_t rec = sizeof(*h) + 63 * 8;
	struct mfpscan_status st;
	uint8_t *area, *buf;
	ssize_t n;

	BODY_START();
	small_job_done(_metadata, self, 21400, &st);	/* 63-byte lines */

	area = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, mprotect(area + 2 * pg, (size_t)pg, PROT_NONE));
	/* the first record fits, the second runs into the PROT_NONE page */
	buf = area + 2 * pg - rec - 100;
	n = read(self->a, buf, 4096);
	ASSERT_EQ((ssize_t)rec, n) TH_LOG("read: %zd (%s)", n, strerror(errno));
	h = (const void *)buf;
	EXPECT_EQ(0, h->band);
	/* a buffer that faults at once: EFAULT, nothing consumed */
	EXPECT_EQ(-1, read(self->a, area + 2 * pg, 4096));
	EXPECT_EQ(EFAULT, errno);
	/* the second record was not lost */
	n = read(self->a, area, rec);
	ASSERT_EQ((ssize_t)rec, n);
	h = (const void *)area;
	EXPECT_EQ(1, h->band);
	munmap(area, 3 * (size_t)pg);
}

/* Voluntary context switches of thread @tid of this process, -1 if unknown. */
static long voluntary_switches(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

struct poller {
	int fd;
	short events;
	pid_t tid;
	int ret;
};

/* Waits up to 3 s for @events: only wake-ups and their event end it early. */
static void *poll_thread(void *arg)
{
	struct poller *pl = arg;
	struct pollfd pfd = { .fd = pl->fd, .events = pl->events };

	__atomic_store_n(&pl->tid, gettid(), __ATOMIC_RELEASE);
	pl->ret = poll(&pfd, 1, 3000);
	return NULL;
}

/* Waits until thread @pl sleeps in poll(); false if it never does. */
static bool poller_asleep(struct poller *pl)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (__atomic_load_n(&pl->tid, __ATOMIC_ACQUIRE) &&
		    thread_in_syscall(pl->tid, SYS_poll))
			return true;
		msleep(2);
	}
	return false;
}

TEST_F(hard, wakeup_threshold_per_file)
{
	/* 8-line bands of 620 bytes a line: 64 + 4960 bytes a record */
	__u64 rec = 64 + 8 * 620, four = 4 * rec, huge = 1ULL << 40;
	struct poller pl = { .fd = -1, .events = POLLIN };
	struct mfpscan_status st;
	static char buf[1 << 16];
	long before, after;
	pthread_t th;
	ssize_t n;

	BODY_START();
	/* a ring that holds the whole job: it never stalls (a stall wakes all) */
	ASSERT_EQ(0, sim_set_live(&self->sim, 0));
	CLOSE_FD(self->a);
	CLOSE_FD(self->b);
	ASSERT_EQ(0, sim_cfg_write(&self->sim, "ring_kib", "4096"));
	ASSERT_EQ(0, sim_set_live(&self->sim, 1));
	self->a = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->a);
	self->b = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->b);
	/* five A4 pages of 110 bands at 400 lines/s: 11 s, 2.7 MB */
	self->p = params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75,
			      210000, 297000, 5, 8);
	ASSERT_EQ(0, params_set(self->a, &self->p));
	ASSERT_EQ(620, self->p.bytes_per_line);
	/* B's threshold is B's: the owner A still reads the first band */
	ASSERT_IOCTL_OK(self->b, MFPSCAN_IOC_S_WAKEUP, &huge);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_START, NULL);
	n = read(self->a, buf, sizeof(buf));
	ASSERT_LT(0, n);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(MFPSCAN_STATE_SCANNING, st.state);

	/* A's own threshold: four records at least, 50 bands a second */
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_S_WAKEUP, &four);
	n = read(self->a, buf, sizeof(buf));
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_TRUE(n >= (ssize_t)four || st.state != MFPSCAN_STATE_SCANNING) {
		TH_LOG("read() with a threshold of %llu bytes returned %zd in state %s",
		       (unsigned long long)four, n, state_name(st.state));
	}

	/* a poller whose threshold the job never reaches sleeps through it */
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_S_WAKEUP, &huge);
	pl.fd = self->a;
	ASSERT_EQ(0, pthread_create(&th, NULL, poll_thread, &pl));
	ASSERT_TRUE(poller_asleep(&pl));
	before = voluntary_switches(pl.tid);
	msleep(600);	/* about 30 bands */
	after = voluntary_switches(pl.tid);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_LE(0, before);
	ASSERT_LE(0, after);	/* still in poll() when counted */
	EXPECT_LT(after - before, 10) {
		TH_LOG("the poller was woken %ld times in 0.6 s of bands (%llu published)",
		       after - before, (unsigned long long)st.bands);
	}
}

TEST_F(hard, stalled_engine_wakes_pollers_once)
{
	/* POLLOUT, which the device never reports */
	struct poller pl = { .fd = -1, .events = POLLOUT };
	struct mfpscan_status st;
	long before, after;
	pthread_t th;

	BODY_START();
	stall_full_ring(_metadata, self, &st);
	self->b = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, self->b);

	pl.fd = self->b;
	ASSERT_EQ(0, pthread_create(&th, NULL, poll_thread, &pl));
	ASSERT_TRUE(poller_asleep(&pl));
	msleep(50);
	before = voluntary_switches(pl.tid);
	/* a second of a stalled producer: 100 to 1000 jiffies */
	msleep(1000);
	after = voluntary_switches(pl.tid);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_LE(0, before);
	/* the poll() itself times out later; a wake-up a jiffy would be >= 100 */
	EXPECT_GT(10, after - before) {
		TH_LOG("the poller was woken %ld times in a second of a stalled producer",
		       after - before);
	}
	EXPECT_EQ(0, pl.ret);
	ASSERT_EQ(0, mfp_status(self->a, &st));
	EXPECT_EQ(MFPSCAN_STATE_STALLED, st.state);
	ASSERT_IOCTL_OK(self->a, MFPSCAN_IOC_ABORT, NULL);
}

TEST_HARNESS_MAIN
