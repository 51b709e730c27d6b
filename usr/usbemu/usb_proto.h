/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb_proto: the mfpscan USB engine protocol (Documentation/usb-protocol.rst)
 * as userspace constants and wire structures: shared by the FunctionFS
 * emulator (usr/usbemu) and the libusb band source (usr/lib). The kernel
 * driver (kernel/mfpscan_usb.c) has its own copy of the constants; the
 * document is the reference for all three. Every field is little-endian
 * on the wire: use the usb_put/usb_get helpers, never the structs' memory
 * directly on a big-endian host.
 */
#ifndef MFPSCAN_USB_PROTO_H
#define MFPSCAN_USB_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>
#include <linux/mfpscan.h>

#define USB_PROTO_VID			0x1209
#define USB_PROTO_PID			0x0001
#define USB_PROTO_SUBCLASS		0x4d
#define USB_PROTO_PROTOCOL		0x01

#define USB_PROTO_MAGIC			0x5553464dU	/* "MFSU" */
#define USB_PROTO_MAJOR			1
#define USB_PROTO_MINOR			1	/* 1: SET_FRAMING */

/* Capability word */
#define USB_CAP_CAN_STALL		(1U << 0)
#define USB_CAP_EVENTS			(1U << 1)
#define USB_CAP_CRC			(1U << 2)
#define USB_CAP_PANEL			(1U << 3)	/* SET_PANEL */
#define USB_CAP_SPLIT			(1U << 4)	/* SET_FRAMING, minor 1 */

/* bRequest values; bmRequestType 0xc1 (IN) / 0x41 (OUT) */
#define MFPU_REQ_GET_INFO		0x01
#define MFPU_REQ_SET_PARAMS		0x02
#define MFPU_REQ_START			0x03
#define MFPU_REQ_ABORT			0x04
#define MFPU_REQ_GET_STATUS		0x05
#define MFPU_REQ_SET_PANEL		0x06	/* wValue lamps, data text */
#define MFPU_REQ_SET_FRAMING		0x07	/* wValue USB_FRAMING_* */
#define USB_FRAMING_STREAM		0	/* records back to back */
#define USB_FRAMING_SPLIT		1	/* header, payload: own transfers */
#define USB_PANEL_MAX			64
#define USB_LAMP_STATUS			(1U << 0)	/* green */
#define USB_LAMP_ATTENTION		(1U << 1)	/* amber */
#define USB_RT_IN			0xc1
#define USB_RT_OUT			0x41

/* usb_status.request_error */
#define USB_RQERR_NONE			0
#define USB_RQERR_INVALID		1
#define USB_RQERR_BUSY			2
#define USB_RQERR_NO_PARAMS		3
#define USB_RQERR_UNKNOWN		4

/* usb_event.type */
#define USB_EVENT_BUTTON		1
#define USB_EVENT_PAPER_LOADED		2
#define USB_EVENT_JAM			3
#define USB_EVENT_COVER_OPEN		4
#define USB_EVENT_COVER_CLOSED		5

#define USB_CAPS_BYTES			172	/* struct mfpscan_caps */
#define USB_INFO_BYTES			(16 + USB_CAPS_BYTES)
#define USB_PARAMS_BYTES		40	/* source .. flags */
#define USB_STATUS_BYTES		32
#define USB_EVENT_BYTES			8
#define USB_HEADER_BYTES		64	/* struct mfpscan_band */

_Static_assert(sizeof(struct mfpscan_caps) == USB_CAPS_BYTES,
	       "struct mfpscan_caps changed: bump the USB protocol");
_Static_assert(sizeof(struct mfpscan_band) == USB_HEADER_BYTES,
	       "struct mfpscan_band changed: bump the USB protocol");

struct usb_status {
	uint32_t state;
	uint32_t error;
	uint32_t job;
	uint32_t page;
	uint32_t line;
	uint32_t request_error;
	uint32_t bad_field;
	uint32_t reserved;
};

static inline void usb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t usb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void usb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline uint16_t usb_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * A run of n little-endian u32 fields <-> host u32s. The uapi structs are
 * built of u32s (and u64s, split into two u32s low first) after their byte
 * arrays, so these serve caps, params and band headers.
 */
static inline void usb_put32s(uint8_t *p, const void *host, size_t n)
{
	const uint8_t *h = host;
	uint32_t v;

	for (size_t i = 0; i < n; i++) {
		memcpy(&v, h + 4 * i, 4);
		usb_put32(p + 4 * i, v);
	}
}

static inline void usb_get32s(void *host, const uint8_t *p, size_t n)
{
	uint8_t *h = host;
	uint32_t v;

	for (size_t i = 0; i < n; i++) {
		v = usb_get32(p + 4 * i);
		memcpy(h + 4 * i, &v, 4);
	}
}

/* struct mfpscan_caps <-> 172 wire bytes */
static inline void usb_caps_to_wire(uint8_t *w, const struct mfpscan_caps *c)
{
	memcpy(w, c->model, 2 * MFPSCAN_NAME_LEN);
	usb_put32s(w + 2 * MFPSCAN_NAME_LEN, (const uint8_t *)c + offsetof(struct mfpscan_caps, sources),
		   (USB_CAPS_BYTES - 2 * MFPSCAN_NAME_LEN) / 4);
}

static inline void usb_caps_from_wire(struct mfpscan_caps *c, const uint8_t *w)
{
	memcpy(c->model, w, 2 * MFPSCAN_NAME_LEN);
	usb_get32s((uint8_t *)c + offsetof(struct mfpscan_caps, sources), w + 2 * MFPSCAN_NAME_LEN,
		   (USB_CAPS_BYTES - 2 * MFPSCAN_NAME_LEN) / 4);
	c->model[MFPSCAN_NAME_LEN - 1] = '\0';
	c->serial[MFPSCAN_NAME_LEN - 1] = '\0';
}

/* The 10 input fields of struct mfpscan_params */
static inline void usb_params_to_wire(uint8_t *w, const struct mfpscan_params *p)
{
	usb_put32s(w, p, USB_PARAMS_BYTES / 4);
}

static inline void usb_params_from_wire(struct mfpscan_params *p,
					const uint8_t *w)
{
	memset(p, 0, sizeof(*p));
	usb_get32s(p, w, USB_PARAMS_BYTES / 4);
}

/* struct mfpscan_band <-> 64 wire bytes (timestamp: low word first) */
static inline void usb_band_to_wire(uint8_t *w, const struct mfpscan_band *h)
{
	usb_put32s(w, h, 14);
	usb_put32(w + 56, (uint32_t)h->timestamp_ns);
	usb_put32(w + 60, (uint32_t)(h->timestamp_ns >> 32));
}

static inline void usb_band_from_wire(struct mfpscan_band *h, const uint8_t *w)
{
	usb_get32s(h, w, 14);
	h->timestamp_ns = (uint64_t)usb_get32(w + 56) |
			  (uint64_t)usb_get32(w + 60) << 32;
}

static inline void usb_status_from_wire(struct usb_status *s, const uint8_t *w)
{
	usb_get32s(s, w, USB_STATUS_BYTES / 4);
}

static inline void usb_status_to_wire(uint8_t *w, const struct usb_status *s)
{
	usb_put32s(w, s, USB_STATUS_BYTES / 4);
}

/* One event of the interrupt endpoint (USB_EVENT_BYTES on the wire). */
struct usb_event {
	uint8_t type;			/* USB_EVENT_* */
	uint8_t value;			/* button: the profile number */
	uint16_t seq;			/* per event, wraps */
};

static inline void usb_event_from_wire(struct usb_event *ev, const uint8_t *w)
{
	ev->type = w[0];
	ev->value = w[1];
	ev->seq = usb_get16(w + 2);
}

#endif
