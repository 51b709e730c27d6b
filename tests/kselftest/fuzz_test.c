// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan ioctl fuzzer: >= 100,000 ioctl calls on two open files of one sim
 * instance with random commands (the real ones, random nr/dir/size under
 * magic MFPSCAN_IOC_MAGIC, other magics), random payloads (garbage and mutated valid
 * parameters) and bad pointers (NULL, unmapped, read-only, PROT_NONE,
 * kernel and non-canonical addresses), interleaved with non-blocking reads,
 * garbage control-page tails and close/reopen. Every result must be one the
 * spec allows (unknown -> ENOTTY, never ENODEV); afterwards the device still
 * scans a byte-exact page. The guest script checks dmesg.
 * MFPSCAN_FUZZ_SEED=n reproduces a run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "ksft_mfpscan.h"

FIXTURE(fz) {
	struct sim sim;
	int fd[2];
	uint8_t *area;		/* rw page | ro page | none page | rw page */
	volatile struct mfpscan_mmap_control *ctl;
};

FIXTURE_VARIANT(fz) {
	int can_stall;
	long calls;
};

FIXTURE_VARIANT_ADD(fz, can_stall) { .can_stall = 1, .calls = 100000, };
FIXTURE_VARIANT_ADD(fz, overrunning) { .can_stall = 0, .calls = 30000, };

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint32_t rndn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/*
 * fd[0]'s control page: a START of fd[1] takes it back (its accesses fault
 * with SIGBUS until fd[0] owns a job again); the fuzzer skips such writes.
 */
static sigjmp_buf revoked_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(revoked_jmp, 1);
}

/* fd[0]'s control page tail, or 0 while it is revoked. */
static uint64_t ctl_tail(volatile struct mfpscan_mmap_control *ctl)
{
	if (sigsetjmp(revoked_jmp, 1))
		return 0;
	return ctl->tail;
}

/* A garbage tail or threshold into the page; false if it was revoked. */
static bool ctl_poke(volatile struct mfpscan_mmap_control *ctl)
{
	uint64_t v = rnd();
	bool tail = rndn(2), garbage = rndn(2);

	if (sigsetjmp(revoked_jmp, 1))
		return false;
	if (!tail)
		ctl->wakeup_bytes = v;
	else
		ctl->tail = garbage ? v : ctl->tail + 64;
	return true;
}

static struct mfpscan_params small_params(void)
{
	return params_make(MFPSCAN_SOURCE_ADF, MFPSCAN_MODE_GRAY8, 75, 20000,
			   20000, 2, 8);
}

FIXTURE_SETUP(fz)
{
	struct sim_cfg cfg = SIM_CFG(.can_stall = variant->can_stall,
				     .ring_kib = 1024, .adf_pages = 3);
	struct mfpscan_params p = small_params();
	long pg = sysconf(_SC_PAGESIZE);
	void *c;

	self->fd[0] = self->fd[1] = -1;
	REQUIRE_SIM();
	SIM_UP(&self->sim, "fuzz", &cfg, &self->fd[0]);
	self->fd[1] = sim_open(&self->sim, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, self->fd[1]);
	ASSERT_EQ(0, fcntl(self->fd[0], F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, params_set(self->fd[0], &p));
	ASSERT_EQ(0, params_set(self->fd[1], &p));
	self->area = mmap(NULL, 4 * (size_t)pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->area);
	ASSERT_EQ(0, mprotect(self->area + pg, (size_t)pg, PROT_READ));
	ASSERT_EQ(0, mprotect(self->area + 2 * pg, (size_t)pg, PROT_NONE));
	c = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd[0], MFPSCAN_MMAP_OFFSET_CONTROL);
	ASSERT_NE(MAP_FAILED, c);
	self->ctl = c;
}

FIXTURE_TEARDOWN(fz)
{
	long pg = sysconf(_SC_PAGESIZE);

	if (self->ctl)
		munmap((void *)self->ctl, (size_t)pg);
	if (self->area && self->area != MAP_FAILED)
		munmap(self->area, 4 * (size_t)pg);
	CLOSE_FD(self->fd[0]);
	CLOSE_FD(self->fd[1]);
	sim_destroy(&self->sim);
}

static const unsigned long known[] = {
	MFPSCAN_IOC_VERSION, MFPSCAN_IOC_G_CAPS, MFPSCAN_IOC_S_PARAMS,
	MFPSCAN_IOC_G_PARAMS, MFPSCAN_IOC_START, MFPSCAN_IOC_ABORT,
	MFPSCAN_IOC_G_STATUS, MFPSCAN_IOC_RECOVER, MFPSCAN_IOC_SYNC_PTR,
	MFPSCAN_IOC_S_WAKEUP,
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* Magics the VFS or block layer answer for any file: not ours to judge. */
static bool vfs_magic(unsigned int m)
{
	return m == 0x00 || m == 'T' || m == 'X' || m == 'f' || m == 0x94 ||
	       m == 0x12 || m == MFPSCAN_IOC_MAGIC;
}

static unsigned long random_cmd(void)
{
	unsigned int r = rndn(100), magic, nr, dir, size;

	if (r < 45)
		return known[rndn(NKNOWN)];
	nr = rndn(4) ? rndn(16) : rndn(256);
	dir = rndn(4);
	size = rndn(3) ? rndn(256) : rndn(1U << 14);
	if (r < 80) {
		magic = MFPSCAN_IOC_MAGIC;
	} else {
		do
			magic = rndn(256);
		while (vfs_magic(magic));
	}
	return ((unsigned long)dir << _IOC_DIRSHIFT) |
	       ((unsigned long)size << _IOC_SIZESHIFT) |
	       ((unsigned long)magic << _IOC_TYPESHIFT) | nr;
}

/* Fill a parameter block: garbage, or a valid one with a field mutated. */
static void random_params(struct mfpscan_params *p)
{
	static const uint32_t res[] = { 75, 150, 200, 300, 600 };
	uint32_t *f = (uint32_t *)p;
	unsigned int i;

	if (rndn(3) == 0) {
		for (i = 0; i < sizeof(*p) / 4; i++)
			f[i] = (uint32_t)rnd();
		return;
	}
	*p = small_params();
	p->resolution = res[rndn(5)];
	p->color_mode = rndn(3);
	p->source = rndn(3);
	p->pages = p->source ? rndn(4) : 1;
	p->band_lines = 1 + rndn(256);
	i = rndn(sizeof(*p) / 4);
	switch (rndn(4)) {
	case 0: f[i] = (uint32_t)rnd(); break;
	case 1: f[i] = ~0U - rndn(4); break;
	case 2: f[i] += 1; break;
	default: f[i] = 0; break;
	}
}

static void *random_arg(FIXTURE_DATA(fz) *self, unsigned long cmd, bool *good)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *buf = self->area;
	unsigned int i;

	*good = false;
	switch (rndn(12)) {
	case 0: return NULL;
	case 1: return (void *)1UL;
	case 2: return (void *)0xffff888000000000UL;	/* kernel direct map */
	case 3: return (void *)0x8000000000000000UL;	/* non-canonical */
	case 4: return self->area + pg;			/* read-only page */
	case 5: return self->area + 2 * pg;		/* PROT_NONE page */
	case 6: return self->area + 2 * pg - 8;		/* straddles into it */
	case 7: return (void *)(uintptr_t)rnd();
	default: break;
	}
	*good = true;
	if (cmd == MFPSCAN_IOC_S_PARAMS) {
		random_params((struct mfpscan_params *)buf);
	} else {
		for (i = 0; i < 256; i++)
			buf[i] = (uint8_t)rnd();
		if (cmd == MFPSCAN_IOC_SYNC_PTR && rndn(2)) {
			struct mfpscan_sync_ptr *sp = (void *)buf;

			sp->flags = rndn(2) ? MFPSCAN_SYNC_APPLY_TAIL : sp->flags;
			if (rndn(2))
				sp->tail = ctl_tail(self->ctl) + 64 * rndn(64);
		}
	}
	return buf;
}

/* Is errno e allowed for known command cmd? */
static bool allowed(unsigned long cmd, int e)
{
	switch (cmd) {
	case MFPSCAN_IOC_VERSION:
	case MFPSCAN_IOC_G_CAPS:
	case MFPSCAN_IOC_G_PARAMS:
	case MFPSCAN_IOC_G_STATUS:
	case MFPSCAN_IOC_S_WAKEUP:
		return e == EFAULT;
	case MFPSCAN_IOC_S_PARAMS:
		return e == EFAULT || e == EINVAL;
	case MFPSCAN_IOC_START:
		return e == EBUSY || e == EINVAL || e == EPIPE;
	case MFPSCAN_IOC_ABORT:
	case MFPSCAN_IOC_RECOVER:
		return e == EBUSY;
	case MFPSCAN_IOC_SYNC_PTR:
		return e == EFAULT || e == EINVAL || e == EBUSY;
	}
	return e == ENOTTY;
}

static bool is_known(unsigned long cmd)
{
	unsigned int i;

	for (i = 0; i < NKNOWN; i++)
		if (known[i] == cmd)
			return true;
	return false;
}

TEST_F_TIMEOUT(fz, random_ioctls_then_byte_exact_scan, 400)
{
	struct mfpscan_params p = small_params();
	struct mfpscan_status st;
	struct stream_exp e;
	long i, bad = 0, ok = 0, calls = 0, revoked = 0;
	const char *seed_env = getenv("MFPSCAN_FUZZ_SEED");
	uint64_t seed;
	char rbuf[65536];
	int fd, err;

	BODY_START();
	signal(SIGBUS, on_sigbus);
	seed = seed_env ? strtoull(seed_env, NULL, 0) : now_ns() | 1;
	rng_state = seed ? seed : 1;
	TH_LOG("seed %llu, %ld calls", (unsigned long long)seed, variant->calls);
	for (i = 0; calls < variant->calls; i++) {
		unsigned int which = rndn(10) < 7 ? 0 : 1;
		unsigned long cmd;
		bool good;
		void *arg;
		int r;

		fd = self->fd[which];
		if (rndn(200) == 0) {
			/* non-blocking read of whatever is there */
			if (read(fd, rbuf, 1 + rndn(sizeof(rbuf))) < 0 &&
			    errno != EAGAIN && errno != EBUSY && errno != EPIPE &&
			    errno != EINVAL && bad++ < 10)
				TH_LOG("read: unexpected %s", strerror(errno));
			continue;
		}
		if (rndn(500) == 0) {
			/*
			 * garbage tail / wake-up threshold in fd[0]'s control
			 * page; a job of fd[1] revokes it (SIGBUS, skipped)
			 */
			revoked += !ctl_poke(self->ctl);
			continue;
		}
		if (rndn(20000) == 0) {
			/* closing a file aborts its job: exercise that path */
			close(self->fd[1]);
			self->fd[1] = sim_open(&self->sim, O_RDWR | O_NONBLOCK);
			ASSERT_LE(0, self->fd[1]);
			continue;
		}
		cmd = random_cmd();
		arg = random_arg(self, cmd, &good);
		r = ioctl(fd, cmd, arg);
		calls++;
		if (r == 0) {
			ok++;
			if (!is_known(cmd) && bad++ < 10)
				TH_LOG("unknown cmd 0x%08lx succeeded", cmd);
			continue;
		}
		if (!allowed(is_known(cmd) ? cmd : 0, errno) && bad++ < 10)
			TH_LOG("cmd 0x%08lx arg %p: unexpected %s", cmd, arg,
			       strerror(errno));
	}
	TH_LOG("%ld ioctls (%ld iterations), %ld succeeded, %ld unexpected results, %ld control page writes revoked",
	       calls, i, ok, bad, revoked);
	EXPECT_EQ(0, bad);

	/*
	 * afterwards: a fresh file scans a byte-exact page. The control page
	 * mapping holds fd[0]'s file: unmap it first, or that file (the owner
	 * of an overrun job, say) outlives close() and RECOVER from the new
	 * file is refused as another file's job (EBUSY).
	 */
	munmap((void *)self->ctl, (size_t)sysconf(_SC_PAGESIZE));
	self->ctl = NULL;
	CLOSE_FD(self->fd[0]);
	CLOSE_FD(self->fd[1]);
	fd = sim_open(&self->sim, O_RDWR);
	ASSERT_LE(0, fd);
	self->fd[0] = fd;
	err = mfp_status(fd, &st);
	ASSERT_EQ(0, err);
	if (st.state == MFPSCAN_STATE_SCANNING || st.state == MFPSCAN_STATE_STALLED)
		mfp_wait_state_not(fd, st.state, 20000, &st);
	if (st.state == MFPSCAN_STATE_OVERRUN)
		ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_RECOVER, NULL);
	p.pages = 2;
	ASSERT_EQ(0, params_set(fd, &p));
	ASSERT_IOCTL_OK(fd, MFPSCAN_IOC_START, NULL);
	ASSERT_EQ(0, mfp_status(fd, &st));
	ASSERT_EQ(0, stream_init(&e, &p, st.job, 2));
	ASSERT_STREAM_OK(read_job(fd, &e, 1 << 16), &e);
	stream_fini(&e);
	ASSERT_EQ(0, mfp_status(fd, &st));
	EXPECT_EQ(MFPSCAN_STATE_DONE, st.state);
}

TEST_HARNESS_MAIN
