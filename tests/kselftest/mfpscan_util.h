/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mfpscan kselftests: sim instances through configfs,
 * debugfs fault files, sysfs attributes, parameter set-up, and the expected
 * band stream (headers, flags, CRC-32 and MFPSCAN_PATTERN payload) that the
 * read() and mmap() consumers check every record against.
 *
 * No kselftest harness macros here: functions return 0 / -errno (or -1 with
 * a reason in a caller-visible buffer) and the tests assert on that.
 */
#ifndef MFPSCAN_UTIL_H
#define MFPSCAN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/mfpscan.h>
#include <mfpscan/pattern.h>

#define SIM_CONFIGFS	"/sys/kernel/config/mfpscan-sim"
#define SIM_DEBUGFS	"/sys/kernel/debug/mfpscan"
#define SIM_CLASS	"/sys/class/mfpscan"

/* Environment: set by the guest script so that an absent device fails. */
#define ENV_STRICT	"MFPSCAN_KSFT_STRICT"
#define ENV_KO		"MFPSCAN_KO"

#define ALIGN64(x)	(((x) + 63ULL) & ~63ULL)
#define BAND_HDR	((uint32_t)sizeof(struct mfpscan_band))

/* Sim instance configuration; -1 (or NULL) keeps the module's default. */
struct sim_cfg {
	const char *model;
	const char *serial;
	int line_rate;
	int adf_pages;
	int can_stall;
	int ring_kib;
};

/* Designated initialisers override the -1 defaults (-Wno-override-init). */
#define SIM_CFG(...) ((struct sim_cfg){ .line_rate = -1, .adf_pages = -1, \
	.can_stall = -1, .ring_kib = -1, __VA_ARGS__ })

struct sim {
	char name[64];
	char cfgdir[160];
	char devname[32];
	char devpath[64];
	char dbgdir[160];
	char sysdir[160];
	bool created;
};

bool sim_available(void);
bool sim_strict(void);
int sim_create(struct sim *s, const char *tag, const struct sim_cfg *cfg);
int sim_set_live(struct sim *s, int on);
void sim_destroy(struct sim *s);
int sim_cfg_write(const struct sim *s, const char *attr, const char *val);
int sim_cfg_read(const struct sim *s, const char *attr, char *buf, size_t len);
int sim_dbg_write(const struct sim *s, const char *file, const char *val);
int sim_sys_read(const struct sim *s, const char *attr, char *buf, size_t len);
int sim_sys_u64(const struct sim *s, const char *attr, uint64_t *v);
int sim_open(const struct sim *s, int flags);
int sim_cleanup_all(void);

int file_write(const char *path, const char *val);
/* exactly @len bytes in one write(2): 0 or -errno */
int file_write_n(const char *path, const char *val, size_t len);
int file_read(const char *path, char *buf, size_t len);

/* ioctl wrappers: 0 or -errno */
int mfp_ioctl(int fd, unsigned long cmd, void *arg);
int mfp_status(int fd, struct mfpscan_status *st);
int mfp_wait_state_not(int fd, uint32_t state, int max_ms, struct mfpscan_status *st);
int mfp_wait_state(int fd, uint32_t state, int max_ms, struct mfpscan_status *st);

/* Parameters with derived fields computed the way the spec says. */
struct mfpscan_params params_make(uint32_t source, uint32_t mode, uint32_t res,
				  uint32_t width_um, uint32_t height_um,
				  uint32_t pages, uint32_t band_lines);
void params_derive(struct mfpscan_params *p);
int params_set(int fd, struct mfpscan_params *p);
const char *state_name(uint32_t state);

/* Payload checker: one table of expected lines for a given bytes_per_line. */
struct pattern {
	uint32_t bpl;
	uint8_t *tab;		/* 512 lines: [(l >> 6) & 1][(l >> 2) + p * 40] */
};
int pattern_init(struct pattern *pt, uint32_t bpl);
void pattern_free(struct pattern *pt);
bool pattern_check(const struct pattern *pt, uint32_t page, uint32_t first_line,
		   uint32_t lines, const uint8_t *payload, char *why, size_t len);
void pattern_fill(uint32_t page, uint32_t line, uint32_t bpl, uint8_t *out);

/* Expected stream of one job. */
struct stream_exp {
	uint32_t job, pages, lpp, bpl, band_lines;
	uint32_t err_code, err_page, err_line;	/* expected error band, 0 = none */
	bool err_any_line;			/* error band at any line boundary */
	bool lenient_error_flags;		/* only ERROR|JOB_END required */
	/* progress */
	uint32_t page, band, line;
	uint64_t last_ts;
	uint64_t bands, payload, records_bytes;
	uint32_t err_seen_page, err_seen_line;
	bool ended;
	struct pattern pat;
	char why[320];
};
int stream_init(struct stream_exp *e, const struct mfpscan_params *p,
		uint32_t job, uint32_t pages);
void stream_expect_error(struct stream_exp *e, uint32_t code, uint32_t page,
			 uint32_t line);
void stream_fini(struct stream_exp *e);
int stream_feed(struct stream_exp *e, const struct mfpscan_band *h,
		const uint8_t *payload, bool from_ring);

/* read() consumer: whole job until EOF (twice). 0 or -1 with e->why. */
int read_job(int fd, struct stream_exp *e, size_t bufsize);
/* Read and check records until n bands were seen or the job ended. */
int read_some(int fd, struct stream_exp *e, size_t bufsize, uint64_t nbands);

/* mmap() consumer. */
struct ring_map {
	int fd;
	uint8_t *ring;
	size_t ring_bytes;
	const volatile struct mfpscan_mmap_status *st;
	volatile struct mfpscan_mmap_control *ctl;
	uint64_t pads;
	uint64_t max_fill;
};
int ring_map(struct ring_map *m, int fd, size_t ring_bytes, bool control);
void ring_unmap(struct ring_map *m);
/* use_sync: head/tail through MFPSCAN_IOC_SYNC_PTR instead of the pages */
int mmap_job(struct ring_map *m, struct stream_exp *e, bool use_sync);
/* The same with no system call at all: spins on the status page head. */
int mmap_job_spin(struct ring_map *m, struct stream_exp *e);

/*
 * While @other's job is SCANNING and its engine busy with a pending call:
 * @other's G_STATUS says SCANNING, and a third file of @dev opens, gets
 * and sets the parameters, gets EBUSY on START and closes. 0, or -1 with
 * the step that failed in *@what and its errno in *@err (0: wrong answer).
 */
int others_answer(const char *dev, int other, const char **what, int *err);

/* Thread @tid of this process is inside system call @nr (e.g. SYS_read). */
bool thread_in_syscall(int tid, long nr);

uint64_t now_ns(void);
void msleep(unsigned int ms);

#endif /* MFPSCAN_UTIL_H */
