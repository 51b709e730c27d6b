// SPDX-License-Identifier: GPL-2.0
/*
 * The usbredir transport: the engine as the "usb-host" peer of the
 * usbredir protocol (libusbredirparser) on the unix socket of a QEMU
 * "-chardev socket,... -device usb-redir,chardev=..." pair, so that it is
 * a high-speed device behind the guest's own host controller (qemu-xhci):
 * every transfer is the guest's DMA, through its IOMMU when it has one.
 *
 * One thread (main) owns the parser and the socket: it answers hello
 * with the interface and endpoint info and device_connect, answers the
 * standard requests from descs.c and the vendor ones through
 * emu_control(), and completes the guest's bulk IN packets from the
 * record the stream thread hands over. The core's threads meet it under
 * struct redir's lock and wake it through a pipe. SIGUSR2 pulls the cable
 * (device_disconnect) or plugs it back (device_connect, once the guest
 * acknowledged the disconnect); --disconnect-at pulls it mid-record.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <usbredirparser.h>

#include "bulk_cut.h"
#include "emu.h"

#define REDIR_MAX_REQS		64	/* bulk IN packets the guest queues */
#define REDIR_PARTIAL_WAIT_S	1	/* an unterminated stretch's wait */

struct redir_req {
	uint64_t id;
	uint32_t len;
};

struct redir {
	int fd;				/* the chardev's socket */
	int wake[2];			/* core threads -> I/O thread */
	struct usbredirparser *parser;	/* I/O thread only */

	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t cond;		/* tx, ev, link state changed */
	const uint8_t *tx;		/* the stream thread's stretch */
	size_t tx_len, tx_off;
	bool tx_zlp;			/* a ZLP still ends it */
	bool tx_end;			/* it ends a record */
	bool tx_fail;			/* the device went away under it */
	struct redir_req req[REDIR_MAX_REQS];
	unsigned int nreq;
	const uint8_t *ev;		/* the event thread's event */
	size_t ev_len;
	bool ev_fail;
	bool int_started;		/* guest polls the interrupt endpoint */
	bool connected;			/* device_connect sent */
	bool ack_pending;		/* device_disconnect not acknowledged */
	bool replug;			/* connect again once acknowledged */
	uint8_t config;			/* 0 or 1 */
	bool unplug_req;		/* --disconnect-at: pull the cable */
	bool closed;			/* QEMU went away */
	uint64_t muted_id;		/* --mute-control: the last control */
	struct usb_redir_control_packet_header muted; /* packet unanswered */
	bool has_muted;
};

static struct redir g_redir = {
	.fd = -1,
	.wake = { -1, -1 },
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static struct redir *redir_of(struct emu *em)
{
	return em->t->priv;
}

static void redir_wake(struct redir *r)
{
	if (write(r->wake[1], "w", 1) < 0 && errno != EAGAIN)
		emu_vlog("wake: %s", strerror(errno));
}

/* --- the core's side ------------------------------------------------------ */

static bool redir_usable(const struct redir *r)
{
	return r->connected && r->config == 1;
}

/*
 * Hand a stretch of the bulk stream to the I/O thread and wait until the
 * guest took it (as a FunctionFS write waits). Not configured yet: wait,
 * as FunctionFS does. A stretch that ends no record (--disconnect-at)
 * cannot end a guest packet: it waits a moment, then the cable goes.
 */
static bool redir_bulk_send(struct emu *em, const uint8_t *buf, size_t len,
			    int end)
{
	struct redir *r = redir_of(em);
	struct timespec until;
	bool ok;

	pthread_mutex_lock(&r->lock);
	while (!redir_usable(r) && !r->closed)
		pthread_cond_wait(&r->cond, &r->lock);
	r->tx = buf;
	r->tx_len = len;
	r->tx_off = 0;
	r->tx_end = end != EMU_SEND_MORE;
	r->tx_zlp = end == EMU_SEND_END && len % 64 == 0;
	r->tx_fail = r->closed;
	redir_wake(r);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REDIR_PARTIAL_WAIT_S;
	while (r->tx && !r->tx_fail) {
		if (end)
			pthread_cond_wait(&r->cond, &r->lock);
		else if (pthread_cond_timedwait(&r->cond, &r->lock, &until))
			break;
	}
	ok = !r->tx_fail;
	r->tx = NULL;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

static bool redir_event_send(struct emu *em, const uint8_t *ev, size_t len)
{
	struct redir *r = redir_of(em);
	bool ok;

	pthread_mutex_lock(&r->lock);
	r->ev = ev;
	r->ev_len = len;
	r->ev_fail = r->closed;
	redir_wake(r);
	while (r->ev && !r->ev_fail)
		pthread_cond_wait(&r->cond, &r->lock);
	ok = !r->ev_fail;
	r->ev = NULL;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

static void redir_unplug(struct emu *em)
{
	struct redir *r = redir_of(em);

	emu_vlog("unplugging: device_disconnect");
	pthread_mutex_lock(&r->lock);
	r->unplug_req = true;
	redir_wake(r);
	while (r->connected && !r->closed)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

/* --- link state (I/O thread) ---------------------------------------------- */

/* Whatever the core waits on fails: the device is gone or reset. r->lock. */
static void redir_fail_io(struct redir *r)
{
	if (r->tx)
		r->tx_fail = true;
	if (r->ev)
		r->ev_fail = true;
	r->nreq = 0;
	r->int_started = false;
	pthread_cond_broadcast(&r->cond);
}

static void redir_set_config(struct emu *em, struct redir *r, uint8_t config)
{
	bool was;

	pthread_mutex_lock(&r->lock);
	was = r->config == 1;
	r->config = config;
	if (config != 1)
		redir_fail_io(r);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (was != (config == 1))
		emu_configured(em, config == 1);
}

static void redir_connect(struct emu *em, struct redir *r)
{
	struct usb_redir_interface_info_header intf = { .interface_count = 1 };
	struct usb_redir_ep_info_header ep;
	struct usb_redir_device_connect_header dev = {
		.speed = usb_redir_speed_high,
		.vendor_id = USB_PROTO_VID,
		.product_id = USB_PROTO_PID,
		.device_version_bcd = 0x0100,
	};

	intf.interface_class[0] = USB_CLASS_VENDOR_SPEC;
	intf.interface_subclass[0] = USB_PROTO_SUBCLASS;
	intf.interface_protocol[0] = USB_PROTO_PROTOCOL;
	memset(&ep, 0, sizeof(ep));
	memset(ep.type, usb_redir_type_invalid, sizeof(ep.type));
	/* index: (address & 0x80) >> 3 | number */
	ep.type[0] = ep.type[16] = usb_redir_type_control;
	ep.max_packet_size[0] = ep.max_packet_size[16] = 64;
	ep.type[17] = usb_redir_type_bulk;
	ep.max_packet_size[17] = EMU_HS_BULK_MAXP;
	if (em->o.events) {
		ep.type[18] = usb_redir_type_interrupt;
		ep.max_packet_size[18] = USB_EVENT_BYTES;
		ep.interval[18] = 4;
	}
	usbredirparser_send_interface_info(r->parser, &intf);
	usbredirparser_send_ep_info(r->parser, &ep);
	usbredirparser_send_device_connect(r->parser, &dev);
	pthread_mutex_lock(&r->lock);
	r->connected = true;
	pthread_mutex_unlock(&r->lock);
	fprintf(stderr, "mfpscan-usbemu: plugged in (usbredir, %04x:%04x)\n",
		USB_PROTO_VID, USB_PROTO_PID);
}

static void redir_disconnect(struct emu *em, struct redir *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->connected) {
		r->unplug_req = false;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	r->connected = false;
	r->unplug_req = false;
	r->ack_pending = true;
	redir_fail_io(r);
	pthread_mutex_unlock(&r->lock);
	usbredirparser_send_device_disconnect(r->parser);
	redir_set_config(em, r, 0);
	fprintf(stderr, "mfpscan-usbemu: unplugged (usbredir device_disconnect)\n");
}

/* SIGUSR2: the cable, pulled or put back. */
static void redir_cable(struct emu *em, struct redir *r)
{
	bool connected;

	em->cable = 0;
	pthread_mutex_lock(&r->lock);
	connected = r->connected;
	pthread_mutex_unlock(&r->lock);
	if (connected)
		redir_disconnect(em, r);
	else if (r->ack_pending)
		r->replug = true;
	else
		redir_connect(em, r);
}

/* --- data (I/O thread) ---------------------------------------------------- */

static void redir_bulk_reply(struct redir *r, uint64_t id, uint8_t status,
			     const uint8_t *data, uint32_t len)
{
	struct usb_redir_bulk_packet_header h = {
		.endpoint = EMU_BULK_EP,
		.status = status,
		.length = (uint16_t)len,
		.length_high = (uint16_t)(len >> 16),
	};

	usbredirparser_send_bulk_packet(r->parser, id, &h, (uint8_t *)data,
					(int)len);
}

/*
 * Complete the guest's oldest bulk IN packet from the stretch, if it can
 * be (bulk_cut.c: full, or the record's end). r->lock held.
 */
static bool redir_serve_bulk(struct redir *r)
{
	struct bulk_cut cut;
	struct redir_req q;

	if (!r->nreq || !r->tx || r->tx_fail)
		return false;
	q = r->req[0];
	if (!bulk_cut(r->tx_len - r->tx_off, r->tx_end, r->tx_zlp, q.len,
		      EMU_HS_BULK_MAXP, &cut))
		return false;
	if (cut.zlp_used)
		r->tx_zlp = false;
	redir_bulk_reply(r, q.id, usb_redir_success, r->tx + r->tx_off,
			 (uint32_t)cut.bytes);
	r->tx_off += cut.bytes;
	memmove(r->req, r->req + 1, --r->nreq * sizeof(r->req[0]));
	if (r->tx_off == r->tx_len && !r->tx_zlp) {
		r->tx = NULL;
		pthread_cond_broadcast(&r->cond);
	}
	return true;
}

static void redir_serve_event(struct redir *r)
{
	struct usb_redir_interrupt_packet_header h = {
		.endpoint = EMU_INT_EP,
		.status = usb_redir_success,
	};

	if (!r->ev || r->ev_fail || !r->int_started || !redir_usable(r))
		return;
	h.length = (uint16_t)r->ev_len;
	usbredirparser_send_interrupt_packet(r->parser, 0, &h,
					     (uint8_t *)r->ev, (int)r->ev_len);
	r->ev = NULL;
	pthread_cond_broadcast(&r->cond);
}

static void redir_serve(struct emu *em, struct redir *r)
{
	bool unplug;

	pthread_mutex_lock(&r->lock);
	unplug = r->unplug_req;
	while (redir_serve_bulk(r))
		;
	redir_serve_event(r);
	pthread_mutex_unlock(&r->lock);
	if (unplug)
		redir_disconnect(em, r);
}

/* --- parser callbacks (I/O thread) ---------------------------------------- */

static void redir_log(void *priv, int level, const char *msg)
{
	if (level <= usbredirparser_warning)
		fprintf(stderr, "mfpscan-usbemu: usbredir: %s\n", msg);
	else
		emu_vlog("usbredir: %s", msg);
}

static int redir_read(void *priv, uint8_t *data, int count)
{
	struct redir *r = redir_of(priv);
	ssize_t n = read(r->fd, data, (size_t)count);

	if (n > 0)
		return (int)n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	pthread_mutex_lock(&r->lock);
	r->closed = true;
	redir_fail_io(r);
	pthread_mutex_unlock(&r->lock);
	return -1;
}

static int redir_write(void *priv, uint8_t *data, int count)
{
	struct redir *r = redir_of(priv);
	ssize_t n = write(r->fd, data, (size_t)count);

	if (n >= 0)
		return (int)n;
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static void redir_hello(void *priv, struct usb_redir_hello_header *h)
{
	struct emu *em = priv;

	emu_vlog("hello from \"%.64s\"", h->version);
	redir_connect(em, redir_of(em));
}

static void redir_reset(void *priv)
{
	struct emu *em = priv;

	emu_vlog("reset");
	redir_set_config(em, redir_of(em), 0);
}

static void redir_set_configuration(void *priv, uint64_t id,
				    struct usb_redir_set_configuration_header *h)
{
	struct emu *em = priv;
	struct redir *r = redir_of(em);
	struct usb_redir_configuration_status_header st = {
		.status = usb_redir_success,
		.configuration = h->configuration,
	};

	if (h->configuration > 1) {
		st.status = usb_redir_stall;
		st.configuration = r->config;
	} else {
		redir_set_config(em, r, h->configuration);
	}
	usbredirparser_send_configuration_status(r->parser, id, &st);
}

static void redir_get_configuration(void *priv, uint64_t id)
{
	struct redir *r = redir_of(priv);
	struct usb_redir_configuration_status_header st = {
		.status = usb_redir_success,
		.configuration = r->config,
	};

	usbredirparser_send_configuration_status(r->parser, id, &st);
}

static void redir_set_alt(void *priv, uint64_t id,
			  struct usb_redir_set_alt_setting_header *h)
{
	struct redir *r = redir_of(priv);
	struct usb_redir_alt_setting_status_header st = {
		.status = h->interface == 0 && h->alt == 0 ? usb_redir_success
							   : usb_redir_inval,
		.interface = h->interface,
		.alt = 0,
	};

	usbredirparser_send_alt_setting_status(r->parser, id, &st);
}

static void redir_get_alt(void *priv, uint64_t id,
			  struct usb_redir_get_alt_setting_header *h)
{
	struct redir *r = redir_of(priv);
	struct usb_redir_alt_setting_status_header st = {
		.status = h->interface == 0 ? usb_redir_success : usb_redir_inval,
		.interface = h->interface,
		.alt = 0,
	};

	usbredirparser_send_alt_setting_status(r->parser, id, &st);
}

static void redir_int_status(struct emu *em, uint64_t id, uint8_t ep,
			     bool start)
{
	struct redir *r = redir_of(em);
	struct usb_redir_interrupt_receiving_status_header st = {
		.status = usb_redir_success,
		.endpoint = ep,
	};

	pthread_mutex_lock(&r->lock);
	if (ep == EMU_INT_EP && em->o.events)
		r->int_started = start;
	else
		st.status = usb_redir_inval;
	pthread_mutex_unlock(&r->lock);
	usbredirparser_send_interrupt_receiving_status(r->parser, id, &st);
}

static void redir_start_int(void *priv, uint64_t id,
			    struct usb_redir_start_interrupt_receiving_header *h)
{
	redir_int_status(priv, id, h->endpoint, true);
}

static void redir_stop_int(void *priv, uint64_t id,
			   struct usb_redir_stop_interrupt_receiving_header *h)
{
	redir_int_status(priv, id, h->endpoint, false);
}

/* The guest gave up on a bulk packet: it comes back cancelled, empty. */
static void redir_cancel(void *priv, uint64_t id)
{
	struct redir *r = redir_of(priv);

	pthread_mutex_lock(&r->lock);
	if (r->has_muted && r->muted_id == id) {
		r->has_muted = false;
		r->muted.status = usb_redir_cancelled;
		r->muted.length = 0;
		usbredirparser_send_control_packet(r->parser, id, &r->muted,
						   NULL, 0);
	}
	for (unsigned int i = 0; i < r->nreq; i++) {
		if (r->req[i].id != id)
			continue;
		memmove(r->req + i, r->req + i + 1,
			(--r->nreq - i) * sizeof(r->req[0]));
		redir_bulk_reply(r, id, usb_redir_cancelled, NULL, 0);
		break;
	}
	pthread_mutex_unlock(&r->lock);
}

/* Standard requests QEMU forwards (it answers SET_ADDRESS and turns the
 * configuration and interface ones into their own messages). */
static int redir_standard(struct emu *em, const struct usb_redir_control_packet_header *h,
			  uint8_t *buf, size_t size)
{
	switch (h->request) {
	case USB_REQ_GET_DESCRIPTOR:
		switch (h->value >> 8) {
		case USB_DT_DEVICE:
			return (int)emu_device_desc(buf, size);
		case USB_DT_CONFIG:
			return (h->value & 0xff) ? -1 :
			       (int)emu_config_desc(buf, size, em->o.events);
		case USB_DT_STRING: {
			size_t n = emu_string_desc(buf, size, h->value & 0xff,
						   em->o.serial);

			return n ? (int)n : -1;
		}
		default:
			return -1;	/* a high-speed-only device: no qualifier */
		}
	case USB_REQ_GET_STATUS:
		memset(buf, 0, 2);
		return 2;
	case USB_REQ_CLEAR_FEATURE:
		return 0;		/* endpoint halt: nothing is halted */
	default:
		return -1;
	}
}

static void redir_control(void *priv, uint64_t id,
			  struct usb_redir_control_packet_header *h,
			  uint8_t *data, int data_len)
{
	struct emu *em = priv;
	struct redir *r = redir_of(em);
	struct usb_ctrlrequest c = {
		.bRequestType = h->requesttype,
		.bRequest = h->request,
		.wValue = htole16(h->value),
		.wIndex = htole16(h->index),
		.wLength = htole16(h->length),
	};
	bool in = h->requesttype & USB_DIR_IN;
	uint8_t buf[256];
	size_t n = 0;
	int res;

	if (!in && data_len > 0) {
		n = (size_t)data_len < sizeof(buf) ? (size_t)data_len : sizeof(buf);
		memcpy(buf, data, n);
	}
	if (data)
		usbredirparser_free_packet_data(r->parser, data);
	if (emu_mute(em, &c)) {
		/* unanswered; a cancel of it is answered (redir_cancel) */
		pthread_mutex_lock(&r->lock);
		r->muted_id = id;
		r->muted = *h;
		r->has_muted = true;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	if ((h->requesttype & USB_TYPE_MASK) == USB_TYPE_STANDARD)
		res = redir_standard(em, h, buf, in ? h->length < sizeof(buf) ?
						     h->length : sizeof(buf) : 0);
	else
		res = emu_control(em, &c, buf, in ? sizeof(buf) : n);
	h->status = res < 0 ? usb_redir_stall : usb_redir_success;
	if (res < 0)
		res = 0;
	if (in && (size_t)res > h->length)
		res = h->length;
	h->length = in ? (uint16_t)res : (uint16_t)n;
	usbredirparser_send_control_packet(r->parser, id, h, in ? buf : NULL,
					   in ? res : 0);
}

static void redir_bulk(void *priv, uint64_t id,
		       struct usb_redir_bulk_packet_header *h, uint8_t *data,
		       int data_len)
{
	struct redir *r = redir_of(priv);
	uint32_t len = h->length | (uint32_t)h->length_high << 16;

	if (data)
		usbredirparser_free_packet_data(r->parser, data);
	pthread_mutex_lock(&r->lock);
	if (h->endpoint != EMU_BULK_EP || r->nreq == REDIR_MAX_REQS ||
	    !redir_usable(r))
		redir_bulk_reply(r, id, usb_redir_stall, NULL, 0);
	else
		r->req[r->nreq++] = (struct redir_req){ .id = id, .len = len };
	pthread_mutex_unlock(&r->lock);
}

static void redir_interrupt_out(void *priv, uint64_t id,
				struct usb_redir_interrupt_packet_header *h,
				uint8_t *data, int data_len)
{
	if (data)
		usbredirparser_free_packet_data(redir_of(priv)->parser, data);
}

static void redir_disconnect_ack(void *priv)
{
	struct emu *em = priv;
	struct redir *r = redir_of(em);

	r->ack_pending = false;
	if (r->replug) {
		r->replug = false;
		redir_connect(em, r);
	}
}

static void redir_filter(void *priv, struct usbredirfilter_rule *rules,
			 int count)
{
	free(rules);
}

/* --- setup and the loop ---------------------------------------------------- */

static struct usbredirparser *redir_parser(struct emu *em)
{
	struct usbredirparser *p = usbredirparser_create();
	uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };

	if (!p)
		return NULL;
	p->priv = em;
	p->log_func = redir_log;
	p->read_func = redir_read;
	p->write_func = redir_write;
	p->hello_func = redir_hello;
	p->reset_func = redir_reset;
	p->set_configuration_func = redir_set_configuration;
	p->get_configuration_func = redir_get_configuration;
	p->set_alt_setting_func = redir_set_alt;
	p->get_alt_setting_func = redir_get_alt;
	p->start_interrupt_receiving_func = redir_start_int;
	p->stop_interrupt_receiving_func = redir_stop_int;
	p->cancel_data_packet_func = redir_cancel;
	p->control_packet_func = redir_control;
	p->bulk_packet_func = redir_bulk;
	p->interrupt_packet_func = redir_interrupt_out;
	p->device_disconnect_ack_func = redir_disconnect_ack;
	p->filter_filter_func = redir_filter;
	usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
	usbredirparser_init(p, "mfpscan-usbemu", caps, USB_REDIR_CAPS_SIZE,
			    usbredirparser_fl_usb_host);
	return p;
}

/* QEMU listens on the chardev's socket; it may still be starting. */
static int redir_dial(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, i;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "mfpscan-usbemu: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	for (i = 0; i < 100; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		close(fd);
		usleep(100000);
	}
	fprintf(stderr, "mfpscan-usbemu: cannot connect to %s: %s\n", path,
		strerror(errno));
	return -1;
}

static int redir_open(struct emu *em)
{
	struct redir *r = redir_of(em);

	r->fd = redir_dial(em->o.redir);
	if (r->fd < 0)
		return 1;
	if (pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    fcntl(r->fd, F_SETFL, O_NONBLOCK) < 0) {
		perror("mfpscan-usbemu: pipe/fcntl");
		return 1;
	}
	r->parser = redir_parser(em);
	if (!r->parser) {
		fputs("mfpscan-usbemu: cannot create a usbredir parser\n", stderr);
		return 1;
	}
	return 0;
}

/* Signals (the main thread takes them) and requests of the core. */
static void redir_signals(struct emu *em, struct redir *r)
{
	if (em->press)
		emu_press_button(em);
	if (em->cable)
		redir_cable(em, r);
}

static int redir_run(struct emu *em)
{
	struct redir *r = redir_of(em);
	struct pollfd pfd[2] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = r->wake[0], .events = POLLIN },
	};
	char drain[64];

	fprintf(stderr, "mfpscan-usbemu: ready (usbredir on %s)\n", em->o.redir);
	while (!em->quit) {
		redir_signals(em, r);
		redir_serve(em, r);
		if (usbredirparser_do_write(r->parser) < 0)
			break;
		pfd[0].events = POLLIN |
			(usbredirparser_has_data_to_write(r->parser) ? POLLOUT : 0);
		if (poll(pfd, 2, 200) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			while (read(r->wake[0], drain, sizeof(drain)) > 0)
				;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    usbredirparser_do_read(r->parser) == usbredirparser_read_io_error &&
		    r->closed)
			break;
	}
	if (!em->quit)
		fputs("mfpscan-usbemu: the usbredir peer went away\n", stderr);
	/* Closing the socket is the unplug; threads may be waiting: exit. */
	close(r->fd);
	return 0;
}

struct emu_transport emu_redir_transport = {
	.name = "usbredir",
	.bulk_send = redir_bulk_send,
	.event_send = redir_event_send,
	.unplug = redir_unplug,
	.open = redir_open,
	.run = redir_run,
	.priv = &g_redir,
};
