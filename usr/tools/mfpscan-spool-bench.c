// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-spool-bench: how long the daemon's start-up recovery takes with a
 * large spool, and what the retry scheduler costs per due entry as the
 * spool grows (it must stay flat: a heap, not a scan).
 *
 *   mfpscan-spool-bench [--entries N] [--users M] [--doc-bytes B]
 *                       [--commits K] [--keep] DIR
 *
 * Works in a fresh directory DIR/spool-bench.XXXXXX (removed at the end
 * unless --keep). Entries are laid down directly in the spool's on-disk
 * format (small documents, real tickets, no fsync, so that filling 10,000
 * entries is quick), then spool_open() recovers them at one tenth of N and
 * at N. K real durable commits (fsync and all) are timed on the side. The
 * scheduler is measured on heaps of 1,000 to 10 x N entries with 10 %
 * due. Prints one "key=value" line per figure, for `make bench`.
 *
 * --lock-probe MB: what the daemon's main thread would wait for while a
 * worker commits a document of MB MiB (fsync, SHA-256, ticket): a thread
 * commits it while this one calls spool_list() every millisecond and
 * records how long each call took (p50, p99, max in ms).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "scheduler.h"
#include "spool.h"
#include "ticket.h"

struct bench {
	unsigned long entries, users, doc_bytes, commits, probe_mb;
	bool keep;
	char dir[PATH_MAX];	/* the spool root we create */
	char *doc;		/* the content of every document */
	char sha[TICKET_SHA256_LEN + 1];
	unsigned long filled;
	uint64_t rng;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t bench_rand(struct bench *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static int write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, buf, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -EIO;
}

/* One entry in the on-disk format spool_commit() produces. */
static int fill_one(struct bench *b, unsigned long i)
{
	uid_t uid = (uid_t)(100000 + i % b->users);
	char id[SPOOL_ID_MAX], path[PATH_MAX + 64];
	struct ticket t;
	struct err e;
	size_t len;
	char *json;
	int r;

	snprintf(id, sizeof(id), "%016llx%016llx",
		 (unsigned long long)bench_rand(b), (unsigned long long)i);
	snprintf(path, sizeof(path), "%s/%u", b->dir, (unsigned int)uid);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%u/tmp", b->dir, (unsigned int)uid);
	(void)mkdir(path, 0700);
	ticket_init(&t);
	snprintf(t.format, sizeof(t.format), "pdf");
	snprintf(t.account, sizeof(t.account), "/org/mfpscan/Daemon1/account/%u", (unsigned int)uid);
	snprintf(t.remote_name, sizeof(t.remote_name), "scan-%lu.pdf", i);
	t.owner_uid = (uint32_t)uid;
	t.created = 1795000000 + (int64_t)i;
	t.size = b->doc_bytes;
	memcpy(t.sha256, b->sha, sizeof(t.sha256));
	t.retries_left = 24;
	t.attempts = 1;
	t.next_retry = 1795000000 + (int64_t)(bench_rand(b) % 3600);
	t.last_class = ERR_STORAGE_FULL;
	snprintf(t.last_error, sizeof(t.last_error), "507 Insufficient Storage");
	ticket_log_append(&t, t.created, t.last_class, t.last_error);
	if (ticket_to_json(&t, &json, &len, &e) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%u/%s.doc", b->dir, (unsigned int)uid, id);
	r = write_file(path, b->doc, b->doc_bytes);
	snprintf(path, sizeof(path), "%s/%u/%s.json", b->dir, (unsigned int)uid, id);
	if (r == 0)
		r = write_file(path, json, len);
	free(json);
	return r;
}

static int fill_to(struct bench *b, unsigned long n)
{
	double t0 = now_s();
	unsigned long from = b->filled;
	int r;

	for (; b->filled < n; b->filled++) {
		r = fill_one(b, b->filled);
		if (r < 0) {
			fprintf(stderr, "mfpscan-spool-bench: writing entry %lu: %s\n",
				b->filled, strerror(-r));
			return r;
		}
	}
	sync();		/* recovery then reads a settled file system */
	printf("fill_entries=%lu fill_s=%.3f\n", n - from, now_s() - t0);
	return 0;
}

/* spool_open() over everything filled so far: the daemon's start-up. */
static int measure_recovery(struct bench *b)
{
	struct spool_recovery rep;
	struct spool_limits l;
	struct spool *s;
	struct err e;
	double t0, dt;

	spool_limits_default(&l);
	l.min_free_bytes = 0;
	t0 = now_s();
	if (spool_open(b->dir, &l, &s, &rep, &e) < 0) {
		fprintf(stderr, "mfpscan-spool-bench: %s\n", e.msg);
		return -1;
	}
	dt = now_s() - t0;
	spool_close(s);
	printf("recovery_entries=%zu recovery_users=%zu recovery_s=%.3f recovery_us_per_entry=%.1f\n",
	       rep.entries, rep.users, dt, rep.entries ? dt * 1e6 / (double)rep.entries : 0.0);
	return rep.entries == b->filled ? 0 : -1;
}

/* Durable commits through the real API (fsyncs included). */
static int measure_commits(struct bench *b)
{
	char path[SPOOL_PATH_MAX], id[SPOOL_ID_MAX];
	struct spool_limits l;
	struct spool *s;
	struct ticket t;
	struct err e;
	double t0;
	int fd, r = 0;

	spool_limits_default(&l);
	l.min_free_bytes = 0;
	l.max_entries_per_user = UINT32_MAX;
	if (b->commits == 0 || spool_open(b->dir, &l, &s, NULL, &e) < 0)
		return b->commits == 0 ? 0 : -1;
	t0 = now_s();
	for (unsigned long i = 0; r == 0 && i < b->commits; i++) {
		r = spool_create_temp(s, 99999, &fd, path, sizeof(path), &e);
		if (r < 0)
			break;
		if (write(fd, b->doc, b->doc_bytes) != (ssize_t)b->doc_bytes)
			r = -EIO;
		ticket_init(&t);
		t.created = (int64_t)i;
		if (r == 0)
			r = spool_commit(s, 99999, path, &t, id, &e);
		close(fd);
	}
	if (r == 0)
		printf("commit_entries=%lu commit_ms_per_entry=%.3f\n", b->commits,
		       (now_s() - t0) * 1e3 / (double)b->commits);
	else
		fprintf(stderr, "mfpscan-spool-bench: commit: %s\n", e.msg);
	spool_close(s);
	return r;
}

struct probe_commit {
	struct spool *s;
	char path[SPOOL_PATH_MAX];
	atomic_bool done;
	int r;
};

static void *probe_committer(void *arg)
{
	struct probe_commit *pc = arg;
	char id[SPOOL_ID_MAX];
	struct ticket t;
	struct err e;

	ticket_init(&t);
	t.created = 1;
	pc->r = spool_commit(pc->s, 99998, pc->path, &t, id, &e);
	atomic_store(&pc->done, true);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A temp document of @mb MiB for user 99998 (not synced: the commit does). */
static int probe_fill(struct spool *s, unsigned long mb, char *path)
{
	char *buf = malloc(1 << 20);
	int fd = -1, r;

	if (!buf)
		return -ENOMEM;
	r = spool_create_temp(s, 99998, &fd, path, SPOOL_PATH_MAX, NULL);
	for (unsigned long i = 0; r == 0 && i < mb; i++) {
		memset(buf, (int)i, 1 << 20);
		if (write(fd, buf, 1 << 20) != 1 << 20)
			r = -EIO;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* spool_list() latencies while a big document commits (see the top). */
static int measure_lock_probe(struct bench *b)
{
	struct probe_commit pc = { 0 };
	struct spool_limits l;
	size_t n = 0, cap = 1 << 16;
	double *lat = malloc(cap * sizeof(*lat)), t0;
	pthread_t th;
	int r;

	spool_limits_default(&l);
	l.min_free_bytes = 0;
	l.max_bytes_per_user = UINT64_MAX;
	if (!lat || spool_open(b->dir, &l, &pc.s, NULL, NULL) < 0) {
		free(lat);
		return -1;
	}
	r = probe_fill(pc.s, b->probe_mb, pc.path);
	if (r == 0)
		r = -pthread_create(&th, NULL, probe_committer, &pc);
	while (r == 0 && !atomic_load(&pc.done)) {
		struct spool_info *v = NULL;
		size_t k = 0;

		t0 = now_s();
		(void)spool_list(pc.s, 1, &v, &k, NULL);
		free(v);
		if (n < cap)
			lat[n++] = (now_s() - t0) * 1e3;
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
	if (r == 0) {
		pthread_join(th, NULL);
		r = pc.r;
	}
	if (r == 0 && n > 0) {
		qsort(lat, n, sizeof(*lat), cmp_double);
		printf("lock_probe_mb=%lu lock_probe_calls=%zu lock_probe_p50_ms=%.3f lock_probe_p99_ms=%.3f lock_probe_max_ms=%.3f\n",
		       b->probe_mb, n, lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	}
	free(lat);
	spool_close(pc.s);
	return r;
}

/* Pop the due tenth of a heap of @n and put it back, until 200k pops. */
static int measure_scheduler(struct bench *b, unsigned long n)
{
	char id[SCHEDULER_ID_MAX];
	struct scheduler *s;
	double t_pop = 0, t_set = 0, t0;
	unsigned long pops = 0, sets = 0;
	time_t when;
	uid_t uid;

	if (scheduler_new(&s, NULL) < 0)
		return -1;
	for (unsigned long i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%032lx", i);
		if (scheduler_set(s, (uid_t)(i % 1000), id,
				  (time_t)(bench_rand(b) % 36000), NULL) < 0)
			return -1;
	}
	while (pops < 200000) {
		unsigned long k = 0;

		t0 = now_s();
		while (scheduler_pop_due(s, 3599, &uid, id, &when) == 1)
			k++;
		t_pop += now_s() - t0;
		pops += k;
		/* Failed retries go back, later: the heap keeps its size. */
		t0 = now_s();
		for (unsigned long i = 0; i < k; i++) {
			snprintf(id, sizeof(id), "%032lx", (unsigned long)(bench_rand(b) % n));
			(void)scheduler_set(s, (uid_t)(bench_rand(b) % 1000), id,
					    (time_t)(bench_rand(b) % 36000), NULL);
		}
		t_set += now_s() - t0;
		sets += k;
		if (k == 0)
			break;
	}
	printf("scheduler_heap=%zu scheduler_pop_ns_per_due_entry=%.0f scheduler_set_ns=%.0f\n",
	       scheduler_count(s), pops ? t_pop * 1e9 / (double)pops : 0.0,
	       sets ? t_set * 1e9 / (double)sets : 0.0);
	scheduler_free(s);
	return 0;
}

/* The sha256 every ticket carries (all documents are alike). */
static int doc_sha(struct bench *b)
{
	char p[PATH_MAX + 16];
	int fd, r;

	snprintf(p, sizeof(p), "%s/.doc", b->dir);
	r = write_file(p, b->doc, b->doc_bytes);
	fd = r == 0 ? open(p, O_RDONLY | O_CLOEXEC) : -1;
	r = fd < 0 ? -EIO : spool_sha256_fd(fd, b->sha, NULL, NULL);
	if (fd >= 0)
		close(fd);
	unlink(p);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-';
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entries", required_argument, NULL, 'n' },
		{ "users", required_argument, NULL, 'u' },
		{ "doc-bytes", required_argument, NULL, 'b' },
		{ "commits", required_argument, NULL, 'c' },
		{ "keep", no_argument, NULL, 'k' },
		{ "lock-probe", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long *v;
	int c;

	while ((c = getopt_long(argc, argv, "n:u:b:c:kp:", opts, NULL)) != -1) {
		v = c == 'n' ? &b->entries : c == 'u' ? &b->users :
		    c == 'b' ? &b->doc_bytes : c == 'c' ? &b->commits :
		    c == 'p' ? &b->probe_mb : NULL;
		if (c == 'k')
			b->keep = true;
		else if (!v || !parse_ulong(optarg, v))
			return -1;
	}
	if (optind != argc - 1 || b->entries == 0 || b->users == 0 ||
	    b->entries > 10000000 || b->doc_bytes > 64 << 20)
		return -1;
	snprintf(b->dir, sizeof(b->dir), "%s/spool-bench.XXXXXX", argv[optind]);
	return 0;
}

static int run(struct bench *b)
{
	unsigned long steps[2] = { b->entries / 10, b->entries };
	int r = 0;

	if (b->probe_mb)
		return measure_lock_probe(b);

	for (int i = 0; r == 0 && i < 2; i++) {
		if (steps[i] == 0 || (i == 1 && steps[1] == steps[0]))
			continue;
		r = fill_to(b, steps[i]);
		if (r == 0)
			r = measure_recovery(b);
	}
	if (r == 0)
		r = measure_commits(b);
	for (unsigned long n = 1000; r == 0 && n <= 10 * b->entries; n *= 10)
		r = measure_scheduler(b, n);
	return r;
}

int main(int argc, char **argv)
{
	struct bench b = { .entries = 10000, .users = 1000, .doc_bytes = 1024,
			   .commits = 100, .rng = 0x9e3779b97f4a7c15ULL };
	int r;

	if (parse_args(&b, argc, argv) < 0) {
		fprintf(stderr, "usage: %s [--entries N] [--users M] [--doc-bytes B] [--commits K] [--lock-probe MB] [--keep] DIR\n",
			argv[0]);
		return 2;
	}
	log_open("mfpscan-spool-bench", false, LOG_ERR);
	b.doc = malloc(b.doc_bytes + 1);
	if (!b.doc || !mkdtemp(b.dir)) {
		perror("mfpscan-spool-bench: setup");
		return 1;
	}
	memset(b.doc, 'D', b.doc_bytes);
	r = doc_sha(&b);
	printf("dir=%s entries=%lu users=%lu doc_bytes=%lu\n", b.dir, b.entries,
	       b.users, b.doc_bytes);
	if (r == 0)
		r = run(&b);
	if (!b.keep)
		nftw(b.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(b.doc);
	return r == 0 ? 0 : 1;
}
