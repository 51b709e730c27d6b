/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mfpscan: the one ABI between the mfpscan kernel module and userspace.
 *
 * A scanner engine appears as /dev/mfpscanN. Userspace queries its
 * capabilities, sets reading parameters, starts a scan and consumes the
 * band stream either through read() (whole records) or through mmap() of
 * the ring plus a read-only status page and a read-write control page.
 *
 * Documented in Documentation/uapi.rst. Extend by adding ioctls, never by
 * changing a struct; userspace checks major == and minor >= at run time.
 */
#ifndef _UAPI_LINUX_MFPSCAN_H
#define _UAPI_LINUX_MFPSCAN_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MFPSCAN_ABI_MAJOR	2
#define MFPSCAN_ABI_MINOR	1

/* Sources: values of mfpscan_params.source, bit numbers of caps.sources */
#define MFPSCAN_SOURCE_FLATBED		0
#define MFPSCAN_SOURCE_ADF		1
#define MFPSCAN_SOURCE_ADF_DUPLEX	2
#define MFPSCAN_SOURCE_COUNT		3

/* Color modes: values of mfpscan_params.color_mode, bits of caps.color_modes */
#define MFPSCAN_MODE_MONO1		0	/* 1 bit/pixel, MSB first, 1 = black */
#define MFPSCAN_MODE_GRAY8		1	/* 8 bits/pixel, 255 = white */
#define MFPSCAN_MODE_RGB24		2	/* 3 bytes/pixel, R G B */
#define MFPSCAN_MODE_COUNT		3

#define MFPSCAN_MAX_RESOLUTIONS		8
#define MFPSCAN_NAME_LEN		32

/* mfpscan_caps.flags */
#define MFPSCAN_CAP_CAN_STALL		(1U << 0)	/* engine waits when ring is full */

struct mfpscan_version {
	__u32 major;
	__u32 minor;
	__u32 reserved[2];
};

struct mfpscan_caps {
	__u8  model[MFPSCAN_NAME_LEN];		/* NUL-terminated */
	__u8  serial[MFPSCAN_NAME_LEN];		/* NUL-terminated */
	__u32 sources;				/* bitmask of 1 << MFPSCAN_SOURCE_* */
	__u32 color_modes;			/* bitmask of 1 << MFPSCAN_MODE_* */
	__u32 n_resolutions;
	__u32 resolutions[MFPSCAN_MAX_RESOLUTIONS];	/* dpi, ascending */
	__u32 max_width_um;			/* maximum scan area, micrometres */
	__u32 max_height_um;
	__u32 min_band_lines;
	__u32 max_band_lines;
	__u32 adf_capacity;			/* sheets the ADF holds, 0 = none */
	__u32 ring_bytes;			/* size of the mmap()able ring */
	__u32 flags;				/* MFPSCAN_CAP_* */
	__u32 reserved[9];
};

/*
 * Reading parameters (the patent's "reading settings"). MFPSCAN_IOC_S_PARAMS
 * validates every field; anything out of range is -EINVAL and leaves the
 * previous parameters in force. On success the derived geometry fields are
 * filled in. Area coordinates are micrometres from the top-left corner.
 */
struct mfpscan_params {
	__u32 source;			/* MFPSCAN_SOURCE_* */
	__u32 color_mode;		/* MFPSCAN_MODE_* */
	__u32 resolution;		/* dpi, one of caps.resolutions */
	__u32 left_um;
	__u32 top_um;
	__u32 width_um;			/* > 0, left + width <= max_width_um */
	__u32 height_um;		/* > 0, top + height <= max_height_um */
	__u32 pages;			/* flatbed: 1; ADF: 1..adf_capacity, 0 = until empty */
	__u32 band_lines;		/* caps.min_band_lines..max_band_lines */
	__u32 flags;			/* must be 0 */
	/* out: derived geometry */
	__u32 pixels_per_line;		/* width_um * resolution / 25400 */
	__u32 bytes_per_line;		/* mono: (ppl + 7) / 8, gray: ppl, rgb: 3 * ppl */
	__u32 lines_per_page;		/* height_um * resolution / 25400 */
	__u32 reserved[7];
};

/* Engine states (mfpscan_status.state, mfpscan_mmap_status.state) */
#define MFPSCAN_STATE_IDLE		0	/* no job since open/last job end */
#define MFPSCAN_STATE_SCANNING		1
#define MFPSCAN_STATE_STALLED		2	/* ring full, engine waiting */
#define MFPSCAN_STATE_DONE		3	/* job ended normally */
#define MFPSCAN_STATE_ERROR		4	/* job ended by an engine error */
#define MFPSCAN_STATE_ABORTED		5	/* job ended by MFPSCAN_IOC_ABORT */
#define MFPSCAN_STATE_OVERRUN		6	/* data lost, MFPSCAN_IOC_RECOVER */
#define MFPSCAN_STATE_GONE		7	/* engine removed */

/* Engine errors (mfpscan_status.error, mfpscan_band.error) */
#define MFPSCAN_ERR_NONE		0
#define MFPSCAN_ERR_JAM			1	/* paper jam */
#define MFPSCAN_ERR_COVER_OPEN		2
#define MFPSCAN_ERR_NO_PAPER		3	/* ADF empty at start */
#define MFPSCAN_ERR_SENSOR		4	/* image sensor failure */
#define MFPSCAN_ERR_REMOVED		5	/* engine disappeared */
#define MFPSCAN_ERR_PROTOCOL		6	/* transport framing/checksum error */
#define MFPSCAN_ERR_ABORTED		7

struct mfpscan_status {
	__u32 state;			/* MFPSCAN_STATE_* */
	__u32 error;			/* MFPSCAN_ERR_* of the last job */
	__u32 job;			/* current or last job number, from 1 */
	__u32 page;			/* page being scanned, from 0 */
	__u32 line;			/* next line within that page */
	__u32 reserved0;
	__u64 pages;			/* counters since the device appeared */
	__u64 bands;
	__u64 bytes;			/* payload bytes produced */
	__u64 overruns;
	__u64 errors;			/* error bands produced */
	__u64 head;			/* producer position, ring bytes */
	__u64 tail;			/* consumer position, ring bytes */
	__u64 reserved[4];
};

/*
 * The band stream. Every record in the ring starts with this header and is
 * followed by payload_bytes of image data (lines * bytes_per_line). Records
 * in the ring are padded to MFPSCAN_RECORD_ALIGN bytes and never wrap: a
 * record that does not fit before the end of the ring is preceded by a
 * MFPSCAN_BAND_PAD record that fills the rest. read() returns whole records
 * without padding and never returns PAD records.
 */
#define MFPSCAN_BAND_MAGIC		0x4253464dU	/* "MFSB" little endian */
#define MFPSCAN_RECORD_ALIGN		64

/* mfpscan_band.flags */
#define MFPSCAN_BAND_PAGE_START		(1U << 0)
#define MFPSCAN_BAND_PAGE_END		(1U << 1)
#define MFPSCAN_BAND_JOB_END		(1U << 2)
#define MFPSCAN_BAND_ERROR		(1U << 3)	/* error holds MFPSCAN_ERR_* */
#define MFPSCAN_BAND_PAD		(1U << 4)	/* ring padding, no payload */

struct mfpscan_band {
	__u32 magic;			/* MFPSCAN_BAND_MAGIC */
	__u32 header_bytes;		/* sizeof(struct mfpscan_band) */
	__u32 record_bytes;		/* header + payload + ring padding */
	__u32 job;
	__u32 page;			/* from 0 */
	__u32 band;			/* index within the page, from 0 */
	__u32 first_line;		/* of this band within the page */
	__u32 lines;
	__u32 bytes_per_line;
	__u32 payload_bytes;		/* lines * bytes_per_line */
	__u32 flags;			/* MFPSCAN_BAND_* */
	__u32 error;			/* MFPSCAN_ERR_*, with MFPSCAN_BAND_ERROR */
	__u32 checksum;			/* CRC-32 (zlib's crc32()) of the payload */
	__u32 reserved0;
	__u64 timestamp_ns;		/* CLOCK_MONOTONIC when the band completed */
};

/*
 * mmap() layout: three regions at fixed offsets.
 *  - MFPSCAN_MMAP_OFFSET_RING: the ring, caps.ring_bytes, read-only.
 *  - MFPSCAN_MMAP_OFFSET_STATUS: one page, read-only, struct mfpscan_mmap_status.
 *  - MFPSCAN_MMAP_OFFSET_CONTROL: one page, read-write, struct mfpscan_mmap_control.
 *
 * Positions are free-running 64-bit byte counters; the ring offset of a
 * position is pos & (ring_bytes - 1). The consumer loads head with acquire
 * semantics, reads records in [tail, head), then stores the new tail with
 * release semantics. The kernel loads tail with acquire semantics before it
 * reuses ring space and stores head with release semantics after the record
 * is complete. Callers that cannot map use MFPSCAN_IOC_SYNC_PTR instead.
 */
#define MFPSCAN_MMAP_OFFSET_RING	0x00000000U
#define MFPSCAN_MMAP_OFFSET_STATUS	0x80000000U
#define MFPSCAN_MMAP_OFFSET_CONTROL	0x81000000U

struct mfpscan_mmap_status {
	__u64 head;			/* producer position */
	__u32 state;			/* MFPSCAN_STATE_* */
	__u32 error;			/* MFPSCAN_ERR_* */
	__u64 overruns;
	__u32 job;
	__u32 page;
	__u64 reserved[4];
};

struct mfpscan_mmap_control {
	__u64 tail;			/* consumer position */
	__u64 wakeup_bytes;		/* owner's poll() threshold w/o S_WAKEUP; 0 = any */
	__u64 reserved[6];
};

/* mfpscan_sync_ptr.flags */
#define MFPSCAN_SYNC_APPLY_TAIL		(1U << 0)	/* set tail from .tail first */

struct mfpscan_sync_ptr {
	__u32 flags;			/* in: MFPSCAN_SYNC_* */
	__u32 state;			/* out */
	__u64 tail;			/* in (with APPLY_TAIL) / out */
	__u64 head;			/* out */
	__u64 overruns;			/* out */
	__u64 reserved[4];
};

/*
 * 0xB8, numbers 0x00-0x0F: free in Documentation/userspace-api/ioctl/
 * ioctl-number.rst of 6.1 (ABI 1 used 0xB6, which linux/fpga-dfl.h owns);
 * the line this driver would add there:
 * 0xB8  00-0F  uapi/linux/mfpscan.h   mfpscan scanner engines
 */
#define MFPSCAN_IOC_MAGIC		0xB8

#define MFPSCAN_IOC_VERSION	_IOR(MFPSCAN_IOC_MAGIC, 0x00, struct mfpscan_version)
#define MFPSCAN_IOC_G_CAPS	_IOR(MFPSCAN_IOC_MAGIC, 0x01, struct mfpscan_caps)
#define MFPSCAN_IOC_S_PARAMS	_IOWR(MFPSCAN_IOC_MAGIC, 0x02, struct mfpscan_params)
#define MFPSCAN_IOC_G_PARAMS	_IOR(MFPSCAN_IOC_MAGIC, 0x03, struct mfpscan_params)
#define MFPSCAN_IOC_START	_IO(MFPSCAN_IOC_MAGIC, 0x04)
#define MFPSCAN_IOC_ABORT	_IO(MFPSCAN_IOC_MAGIC, 0x05)
#define MFPSCAN_IOC_G_STATUS	_IOR(MFPSCAN_IOC_MAGIC, 0x06, struct mfpscan_status)
#define MFPSCAN_IOC_RECOVER	_IO(MFPSCAN_IOC_MAGIC, 0x07)
#define MFPSCAN_IOC_SYNC_PTR	_IOWR(MFPSCAN_IOC_MAGIC, 0x08, struct mfpscan_sync_ptr)
/* This file's wake-up threshold in bytes for poll() and read(); 0 = any record (ABI 2.1). */
#define MFPSCAN_IOC_S_WAKEUP	_IOW(MFPSCAN_IOC_MAGIC, 0x09, __u64)

#endif /* _UAPI_LINUX_MFPSCAN_H */
