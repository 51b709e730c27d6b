// SPDX-License-Identifier: GPL-2.0
/*
 * band_source_kernel: bands from /dev/mfpscanN, through read() (one whole
 * record per call) or zero-copy from the mmap()ed ring with its status and
 * control pages. The ABI version is checked at open (major ==, minor >=
 * the one compiled in, as evdi's is_evdi_compatible() does), and every
 * errno the device can give is turned into a sentence for the user.
 *
 * Ring protocol (include/uapi/linux/mfpscan.h): load head with acquire
 * semantics, read records in [tail, head), skip PAD records, store the new
 * tail with release semantics. The tail of a record handed to the caller is
 * released only at the next call, so the payload stays valid until then.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "band_source.h"

#define KERNEL_PAGE_BYTES 4096

struct kernel_dev {
	int fd;
	int wake_fd;			/* the caller's (band_source_set_wake_fd) */
	bool use_mmap;
	char path[256];
	struct mfpscan_params p;
	/* read() mode */
	uint8_t *buf;
	size_t buf_size;
	size_t buf_len;			/* bytes the last read() returned */
	size_t buf_off;			/* next record within them */
	/* mmap() mode */
	uint8_t *ring;
	size_t ring_bytes;
	struct mfpscan_mmap_status *status;
	struct mfpscan_mmap_control *control;
	uint64_t tail;
	uint32_t unreleased;		/* record_bytes handed out, not freed */
};

/* Same major, same or newer minor: what this program was built against. */
static bool kernel_abi_compatible(const struct mfpscan_version *v)
{
	/* A variable, so that minor 0 does not trip -Wtype-limits. */
	static const uint32_t built_minor = MFPSCAN_ABI_MINOR;

	return v->major == MFPSCAN_ABI_MAJOR && v->minor >= built_minor;
}

/* An errno from the device, in words; @what says what we were doing. */
static int kernel_errno(const struct kernel_dev *d, int errnum,
			const char *what, struct err *e)
{
	switch (errnum) {
	case ENODEV:
		return err_set(e, ERR_DEVICE, errnum, errnum, "scanner removed");
	case EPIPE:
		return err_set(e, ERR_DEVICE, errnum, errnum,
			       "data lost (overrun): the scanner produced bands faster than they were read");
	case EBUSY:
		return err_set(e, ERR_DEVICE, errnum, errnum,
			       "%s: the scanner is busy with another job", d->path);
	case EACCES:
	case EPERM:
		return err_set(e, ERR_DEVICE, errnum, errnum,
			       "%s: permission denied (is the user in the scanner group?)",
			       d->path);
	default:
		return err_set(e, ERR_DEVICE, errnum, errnum, "%s: %s: %s",
			       d->path, what, strerror(errnum));
	}
}

static int kernel_check_version(struct kernel_dev *d, struct err *e)
{
	struct mfpscan_version v;

	memset(&v, 0, sizeof(v));
	if (ioctl(d->fd, MFPSCAN_IOC_VERSION, &v) < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			return err_set(e, ERR_DEVICE, errno, ENODEV,
				       "%s is not an mfpscan scanner device",
				       d->path);
		return kernel_errno(d, errno, "reading the ABI version", e);
	}
	if (!kernel_abi_compatible(&v))
		return err_set(e, ERR_DEVICE, EPROTO, EPROTO,
			       "%s speaks mfpscan ABI %u.%u, this program needs %u.%u or a newer minor: update the module or the program",
			       d->path, v.major, v.minor, MFPSCAN_ABI_MAJOR,
			       MFPSCAN_ABI_MINOR);
	return 0;
}

static int kernel_caps(void *priv, struct mfpscan_caps *caps, struct err *e)
{
	struct kernel_dev *d = priv;
	struct mfpscan_caps c;

	memset(&c, 0, sizeof(c));
	if (ioctl(d->fd, MFPSCAN_IOC_G_CAPS, &c) < 0)
		return kernel_errno(d, errno, "reading the capabilities", e);
	c.model[MFPSCAN_NAME_LEN - 1] = '\0';
	c.serial[MFPSCAN_NAME_LEN - 1] = '\0';
	*caps = c;
	return 0;
}

static int kernel_map(struct kernel_dev *d, struct err *e)
{
	struct mfpscan_caps c;
	void *ring, *st, *ctl;
	int r = kernel_caps(d, &c, e);

	if (r)
		return r;
	if (c.ring_bytes == 0 || (c.ring_bytes & (c.ring_bytes - 1)))
		return err_set(e, ERR_DEVICE, EINVAL, EINVAL,
			       "%s: ring size %u is not a power of two; use read() mode",
			       d->path, c.ring_bytes);
	ring = mmap(NULL, c.ring_bytes, PROT_READ, MAP_SHARED, d->fd,
		    MFPSCAN_MMAP_OFFSET_RING);
	if (ring == MAP_FAILED)
		return kernel_errno(d, errno, "mapping the ring", e);
	d->ring = ring;
	d->ring_bytes = c.ring_bytes;
	st = mmap(NULL, KERNEL_PAGE_BYTES, PROT_READ, MAP_SHARED, d->fd,
		  MFPSCAN_MMAP_OFFSET_STATUS);
	if (st == MAP_FAILED)
		return kernel_errno(d, errno, "mapping the status page", e);
	d->status = st;
	ctl = mmap(NULL, KERNEL_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		   d->fd, MFPSCAN_MMAP_OFFSET_CONTROL);
	if (ctl == MAP_FAILED)
		return kernel_errno(d, errno, "mapping the control page", e);
	d->control = ctl;
	return 0;
}

static int kernel_read_buffer(struct kernel_dev *d, struct err *e)
{
	/* The largest record of this job, plus room for ring padding. */
	size_t need = sizeof(struct mfpscan_band) +
		      (size_t)d->p.band_lines * d->p.bytes_per_line +
		      MFPSCAN_RECORD_ALIGN;
	uint8_t *nb;

	if (need <= d->buf_size)
		return 0;
	nb = realloc(d->buf, need);
	if (!nb)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "%s: no memory for a %zu-byte band", d->path,
			       need);
	d->buf = nb;
	d->buf_size = need;
	return 0;
}

static int kernel_start(void *priv, struct mfpscan_params *p, struct err *e)
{
	struct kernel_dev *d = priv;
	struct mfpscan_params kp = *p;
	int r;

	if (ioctl(d->fd, MFPSCAN_IOC_S_PARAMS, &kp) < 0) {
		if (errno == EINVAL)
			return err_set(e, ERR_INVALID, EINVAL, EINVAL,
				       "%s rejected the scan settings although they are within its capabilities",
				       d->path);
		return kernel_errno(d, errno, "setting the scan parameters", e);
	}
	d->p = kp;
	r = d->use_mmap ? (d->ring ? 0 : kernel_map(d, e))
			: kernel_read_buffer(d, e);
	if (r)
		return r;
	r = ioctl(d->fd, MFPSCAN_IOC_START, 0);
	/* The last job overran: that data is gone anyway; clear the state
	 * (like ALSA's xrun recovery) and start afresh. */
	if (r < 0 && errno == EPIPE && ioctl(d->fd, MFPSCAN_IOC_RECOVER, 0) == 0)
		r = ioctl(d->fd, MFPSCAN_IOC_START, 0);
	if (r < 0)
		return kernel_errno(d, errno, "starting the scan", e);
	d->buf_len = d->buf_off = 0;
	if (d->use_mmap) {
		d->tail = __atomic_load_n(&d->control->tail, __ATOMIC_ACQUIRE);
		d->unreleased = 0;
	}
	*p = kp;
	return 0;
}

/*
 * read() returns as many whole records as fit in the buffer, without ring
 * padding; hand them out one at a time and read again when all are used.
 */
/*
 * read() mode: wait until read() will not block (the driver's poll says
 * readable whenever read() returns: data, the end of the job, an error)
 * or the caller's wake descriptor fires.
 */
static int kernel_wait_read(struct kernel_dev *d, struct err *e)
{
	struct pollfd pfd[2] = {
		{ .fd = d->fd, .events = POLLIN },
		{ .fd = d->wake_fd, .events = POLLIN },
	};

	if (d->wake_fd < 0)
		return 0;	/* read() itself waits */
	while (poll(pfd, 2, -1) < 0) {
		if (errno != EINTR)
			return kernel_errno(d, errno, "waiting for a band", e);
	}
	if (pfd[1].revents & POLLIN)
		return err_set(e, ERR_DEVICE, EINTR, EINTR,
			       "%s: interrupted while waiting for a band", d->path);
	return 0;
}

static int kernel_next_read(struct kernel_dev *d, struct band_record *rec,
			    struct err *e)
{
	size_t left, payload;
	ssize_t n;
	int r;

	if (d->buf_off >= d->buf_len) {
		r = kernel_wait_read(d, e);
		if (r)
			return r;
		do {
			n = read(d->fd, d->buf, d->buf_size);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return kernel_errno(d, errno, "reading a band", e);
		d->buf_len = (size_t)n;
		d->buf_off = 0;
	}
	left = d->buf_len - d->buf_off;
	if (left < sizeof(rec->hdr))
		return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
			       "%s: %s before the end of the job",
			       d->path, left ? "short band record" : "end of stream");
	memcpy(&rec->hdr, d->buf + d->buf_off, sizeof(rec->hdr));
	rec->payload = d->buf + d->buf_off + sizeof(rec->hdr);
	rec->payload_avail = left - sizeof(rec->hdr);
	payload = rec->hdr.payload_bytes;
	if (payload > rec->payload_avail)
		payload = rec->payload_avail;	/* the checker rejects it */
	d->buf_off += sizeof(rec->hdr) + payload;
	return 0;
}

/* The job is over in the status page although the ring holds nothing. */
static int kernel_state_error(struct kernel_dev *d, uint32_t state,
			      struct err *e)
{
	char msg[200];

	switch (state) {
	case MFPSCAN_STATE_OVERRUN:
		return kernel_errno(d, EPIPE, "", e);
	case MFPSCAN_STATE_GONE:
		return kernel_errno(d, ENODEV, "", e);
	case MFPSCAN_STATE_ERROR:
		band_source_error_message(d->status->error, d->status->page,
					  msg, sizeof(msg));
		return err_set(e, ERR_DEVICE, (int)d->status->error, EIO,
			       "%s", msg);
	case MFPSCAN_STATE_ABORTED:
		return err_set(e, ERR_DEVICE, EINTR, EINTR, "scan aborted");
	default:
		return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
			       "%s: the job ended without a job-end band",
			       d->path);
	}
}

/* Sleep until the ring has a record; @state is what the status page said. */
static int kernel_wait(struct kernel_dev *d, uint32_t state, struct err *e)
{
	struct pollfd pfd[2] = {
		{ .fd = d->fd, .events = POLLIN },
		{ .fd = d->wake_fd, .events = POLLIN },	/* -1: ignored */
	};

	if (state != MFPSCAN_STATE_SCANNING && state != MFPSCAN_STATE_STALLED)
		return kernel_state_error(d, state, e);
	if (poll(pfd, 2, -1) < 0 && errno != EINTR)
		return kernel_errno(d, errno, "waiting for a band", e);
	if (pfd[0].revents & (POLLHUP | POLLNVAL))
		return kernel_errno(d, ENODEV, "", e);
	if (pfd[1].revents & POLLIN)
		return err_set(e, ERR_DEVICE, EINTR, EINTR,
			       "%s: interrupted while waiting for a band", d->path);
	return 0;
}

static void kernel_release(struct kernel_dev *d)
{
	if (!d->unreleased)
		return;
	d->tail += d->unreleased;
	d->unreleased = 0;
	/* Pairs with the kernel's acquire-load of tail before reusing space. */
	__atomic_store_n(&d->control->tail, d->tail, __ATOMIC_RELEASE);
}

static int kernel_ring_record(struct kernel_dev *d, uint64_t head,
			      struct band_record *rec, struct err *e)
{
	size_t off = (size_t)(d->tail & (d->ring_bytes - 1));
	const struct mfpscan_band *h = &rec->hdr;

	if (off % MFPSCAN_RECORD_ALIGN || d->ring_bytes - off < sizeof(*h))
		return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
			       "%s: ring position %zu is not a record boundary",
			       d->path, off);
	memcpy(&rec->hdr, d->ring + off, sizeof(rec->hdr));
	if (h->record_bytes < sizeof(*h) ||
	    h->record_bytes % MFPSCAN_RECORD_ALIGN ||
	    h->record_bytes > d->ring_bytes - off ||
	    h->record_bytes > head - d->tail)
		return err_set(e, ERR_DEVICE, EBADMSG, EBADMSG,
			       "%s: malformed record in the ring (record_bytes %u at offset %zu)",
			       d->path, h->record_bytes, off);
	rec->payload = d->ring + off + sizeof(*h);
	rec->payload_avail = h->record_bytes - sizeof(*h);
	d->unreleased = h->record_bytes;
	return 0;
}

static int kernel_next_mmap(struct kernel_dev *d, struct band_record *rec,
			    struct err *e)
{
	for (;;) {
		uint32_t state;
		uint64_t head;
		int r;

		kernel_release(d);
		/* State before head: a final state seen here means every
		 * record of the job is already below head. */
		state = __atomic_load_n(&d->status->state, __ATOMIC_ACQUIRE);
		head = __atomic_load_n(&d->status->head, __ATOMIC_ACQUIRE);
		if (state == MFPSCAN_STATE_OVERRUN || head - d->tail > d->ring_bytes)
			return kernel_errno(d, EPIPE, "", e);
		if (head == d->tail) {
			r = kernel_wait(d, state, e);
			if (r)
				return r;
			continue;
		}
		r = kernel_ring_record(d, head, rec, e);
		if (r || !(rec->hdr.flags & MFPSCAN_BAND_PAD))
			return r;
	}
}

static int kernel_next_record(void *priv, struct band_record *rec,
			      struct err *e)
{
	struct kernel_dev *d = priv;

	return d->use_mmap ? kernel_next_mmap(d, rec, e)
			   : kernel_next_read(d, rec, e);
}

static int kernel_abort(void *priv, struct err *e)
{
	struct kernel_dev *d = priv;

	if (d->use_mmap && d->control)
		kernel_release(d);
	if (ioctl(d->fd, MFPSCAN_IOC_ABORT, 0) < 0 && errno != ENODEV)
		return kernel_errno(d, errno, "aborting the scan", e);
	return 0;
}

static void kernel_release_last(void *priv)
{
	struct kernel_dev *d = priv;

	if (d->use_mmap && d->control)
		kernel_release(d);
}

static int kernel_poll_fd(void *priv)
{
	return ((struct kernel_dev *)priv)->fd;
}

static void kernel_set_wake_fd(void *priv, int fd)
{
	((struct kernel_dev *)priv)->wake_fd = fd;
}

static void kernel_close(void *priv)
{
	struct kernel_dev *d = priv;

	if (d->control)
		munmap(d->control, KERNEL_PAGE_BYTES);
	if (d->status)
		munmap(d->status, KERNEL_PAGE_BYTES);
	if (d->ring)
		munmap(d->ring, d->ring_bytes);
	if (d->fd >= 0)
		close(d->fd);
	free(d->buf);
	free(d);
}

static const struct band_source_ops kernel_ops = {
	.name = "kernel",
	.caps = kernel_caps,
	.start = kernel_start,
	.next_record = kernel_next_record,
	.abort = kernel_abort,
	.release = kernel_release_last,
	.poll_fd = kernel_poll_fd,
	.set_wake_fd = kernel_set_wake_fd,
	.close = kernel_close,
};

int band_source_kernel_open(const char *path, bool use_mmap,
			    struct band_source **out, struct err *e)
{
	struct kernel_dev *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "band source: out of memory");
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->use_mmap = use_mmap;
	d->wake_fd = -1;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		r = errno == ENOENT ?
		    err_set(e, ERR_DEVICE, ENOENT, ENODEV,
			    "no scanner at %s (is the mfpscan module loaded?)", path) :
		    kernel_errno(d, errno, "opening", e);
		kernel_close(d);
		return r;
	}
	r = kernel_check_version(d, e);
	if (!r)
		r = band_source_new(&kernel_ops, d, out, e);
	if (r)
		kernel_close(d);
	return r;
}
