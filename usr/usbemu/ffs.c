// SPDX-License-Identifier: GPL-2.0
/*
 * The FunctionFS transport: the engine as a gadget function in the same
 * kernel (configfs gadget, usb_f_fs), bound to a UDC such as dummy_udc.0.
 * EP0 events and control requests are read on the main thread; the bulk
 * and interrupt endpoints are files the core's threads write. Unplugging
 * is emptying the gadget's UDC file.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/usb/functionfs.h>

#include "emu.h"

#define FFS_CHUNK	(64 * 1024)	/* bytes per endpoint write */

struct ffs {
	int ep0, ep_bulk, ep_int;
	bool mute;		/* a request left unanswered: ep0 untouched */
};

static struct ffs g_ffs = { -1, -1, -1, false };

static void ffs_die(const char *what)
{
	fprintf(stderr, "mfpscan-usbemu: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* FunctionFS strings: header, then per language a code and the strings. */
static void ffs_write_strings(struct ffs *f)
{
	uint8_t buf[16 + 2 + sizeof(EMU_STR_INTERFACE_TEXT)];

	usb_put32(buf, FUNCTIONFS_STRINGS_MAGIC);
	usb_put32(buf + 4, sizeof(buf));
	usb_put32(buf + 8, 1);			/* str_count */
	usb_put32(buf + 12, 1);			/* lang_count */
	usb_put16(buf + 16, 0x0409);		/* en-us */
	memcpy(buf + 18, EMU_STR_INTERFACE_TEXT, sizeof(EMU_STR_INTERFACE_TEXT));
	if (write(f->ep0, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		ffs_die("writing the strings");
}

static void ffs_write_descriptors(struct ffs *f, bool events)
{
	struct usb_functionfs_descs_head_v2 head = {
		.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
		.flags = htole32(FUNCTIONFS_HAS_FS_DESC |
				 FUNCTIONFS_HAS_HS_DESC),
	};
	uint8_t buf[256], *p = buf + sizeof(head) + 8;
	uint32_t fs, hs;
	size_t len;

	p += emu_put_intf_descs(p, false, events, &fs);
	p += emu_put_intf_descs(p, true, events, &hs);
	len = (size_t)(p - buf);
	head.length = htole32((uint32_t)len);
	memcpy(buf, &head, sizeof(head));
	usb_put32(buf + sizeof(head), fs);
	usb_put32(buf + sizeof(head) + 4, hs);
	if (write(f->ep0, buf, len) != (ssize_t)len)
		ffs_die("writing the descriptors");
	ffs_write_strings(f);
}

static bool ffs_write(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		size_t n = len < FFS_CHUNK ? len : FFS_CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w != (ssize_t)n) {
			emu_vlog("bulk write: %s", w < 0 ? strerror(errno) : "short");
			return false;
		}
		buf += n;
		len -= n;
	}
	return true;
}

/* Each write is a request: one that is not a multiple of the packet size
 * ends in a short packet; after a multiple of 64 a ZLP ends the record
 * (not after a split-framing header, EMU_SEND_SHORT). */
static bool ffs_bulk_send(struct emu *em, const uint8_t *buf, size_t len,
			  int end)
{
	struct ffs *f = em->t->priv;

	if (!ffs_write(f->ep_bulk, buf, len))
		return false;
	if (end == EMU_SEND_END && len % 64 == 0 &&
	    write(f->ep_bulk, buf, 0) < 0) {
		emu_vlog("zlp: %s", strerror(errno));
		return false;
	}
	return true;
}

static bool ffs_event_send(struct emu *em, const uint8_t *ev, size_t len)
{
	struct ffs *f = em->t->priv;

	return write(f->ep_int, ev, len) == (ssize_t)len;
}

static bool ffs_write_udc(const char *file, const char *what)
{
	int fd = open(file, O_WRONLY);
	bool ok = fd >= 0 && write(fd, what, strlen(what)) >= 0;

	if (!ok)
		fprintf(stderr, "mfpscan-usbemu: writing %s: %s\n", file,
			strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

static void ffs_unplug(struct emu *em)
{
	emu_vlog("unplugging: emptying %s", em->o.udc_file ? em->o.udc_file : "?");
	if (em->o.udc_file)
		ffs_write_udc(em->o.udc_file, "\n");
}

/* Reading an IN setup or writing an OUT one halts EP0. */
static void ffs_stall(struct ffs *f, const struct usb_ctrlrequest *c)
{
	uint8_t b;

	if (c->bRequestType & USB_DIR_IN) {
		if (read(f->ep0, &b, 0) >= 0 || errno != EL2HLT)
			emu_vlog("stall: %s", strerror(errno));
	} else if (write(f->ep0, &b, 0) >= 0 || errno != EL2HLT) {
		emu_vlog("stall: %s", strerror(errno));
	}
}

static void ffs_setup(struct emu *em, struct ffs *f,
		      const struct usb_ctrlrequest *c)
{
	uint8_t buf[256];
	size_t want = le16toh(c->wLength);
	ssize_t n = 0;
	int r;

	if (emu_mute(em, c)) {
		/* any read or write of ep0 would answer it */
		f->mute = true;
		return;
	}
	if (!(c->bRequestType & USB_DIR_IN) && want) {
		/* the data stage; reading it acknowledges the request */
		n = read(f->ep0, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (n < 0)
			n = 0;
		if (emu_control(em, c, buf, (size_t)n) < 0)
			emu_vlog("OUT request %#x failed after its data stage",
				 c->bRequest);
		return;
	}
	r = emu_control(em, c, buf, sizeof(buf));
	if (r < 0) {
		ffs_stall(f, c);
		return;
	}
	if (c->bRequestType & USB_DIR_IN) {
		if (write(f->ep0, buf, (size_t)r < want ? (size_t)r : want) < 0)
			emu_vlog("ep0 reply: %s", strerror(errno));
	} else if (read(f->ep0, buf, 0) < 0) {
		emu_vlog("ep0 ack: %s", strerror(errno));
	}
}

static void ffs_event(struct emu *em, struct ffs *f,
		      const struct usb_functionfs_event *ev)
{
	switch (ev->type) {
	case FUNCTIONFS_ENABLE:
		emu_configured(em, true);
		break;
	case FUNCTIONFS_DISABLE:
	case FUNCTIONFS_UNBIND:
		emu_configured(em, false);
		break;
	case FUNCTIONFS_SETUP:
		ffs_setup(em, f, &ev->u.setup);
		break;
	case FUNCTIONFS_SUSPEND:
		/* the host's (auto)suspend of the port: tests look for it */
		fprintf(stderr, "mfpscan-usbemu: suspended by the host\n");
		break;
	case FUNCTIONFS_RESUME:
		fprintf(stderr, "mfpscan-usbemu: resumed by the host\n");
		break;
	default:
		break;
	}
}

static int ffs_ep0_loop(struct emu *em, struct ffs *f)
{
	struct usb_functionfs_event ev[4];

	for (;;) {
		ssize_t n = read(f->ep0, ev, sizeof(ev));

		if (n < 0) {
			if (errno == EINTR) {
				if (em->quit)
					return 0;
				if (em->press)
					emu_press_button(em);
				continue;
			}
			/*
			 * The host gave up on a control request before it was
			 * answered (timeout, reset, a newer SETUP): FunctionFS
			 * reports the cancel once and carries on.
			 */
			if (errno == EIDRM) {
				emu_vlog("ep0: host cancelled a control request");
				continue;
			}
			ffs_die("reading ep0 events");
		}
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]) && !f->mute; i++)
			ffs_event(em, f, &ev[i]);
		while (f->mute && !em->quit)
			pause();	/* hung, until SIGTERM */
		if (em->quit)
			return 0;
	}
}

static int ffs_open_ep(const char *dir, const char *name, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags);
	if (fd < 0)
		ffs_die(path);
	return fd;
}

/* Descriptors first: FunctionFS creates the endpoint files after them. */
static int ffs_attach(struct emu *em)
{
	struct ffs *f = em->t->priv;

	f->ep0 = ffs_open_ep(em->o.ffs, "ep0", O_RDWR);
	ffs_write_descriptors(f, em->o.events);
	f->ep_bulk = ffs_open_ep(em->o.ffs, "ep1", O_WRONLY);
	f->ep_int = em->o.events ? ffs_open_ep(em->o.ffs, "ep2", O_WRONLY) : -1;
	return 0;
}

static int ffs_run(struct emu *em)
{
	struct ffs *f = em->t->priv;
	int rc;

	if (em->o.udc_file && !ffs_write_udc(em->o.udc_file, em->o.udc))
		return 1;
	fprintf(stderr, "mfpscan-usbemu: ready (%04x:%04x)\n", USB_PROTO_VID,
		USB_PROTO_PID);
	rc = ffs_ep0_loop(em, f);
	if (em->o.udc_file)
		ffs_unplug(em);
	return rc;
}

struct emu_transport emu_ffs_transport = {
	.name = "functionfs",
	.bulk_send = ffs_bulk_send,
	.event_send = ffs_event_send,
	.unplug = ffs_unplug,
	.open = ffs_attach,
	.run = ffs_run,
	.priv = &g_ffs,
};
