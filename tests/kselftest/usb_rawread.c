// SPDX-License-Identifier: GPL-2.0
/*
 * usb_rawread: the baseline of the USB benchmark - start a job on the
 * mfpscan USB engine (Documentation/usb-protocol.rst) and pull its band
 * stream through usbfs as fast as possible, without parsing, copying or
 * checking anything: what any driver could get from this device at best.
 *
 *   usb_rawread PAGES BAND_LINES   (ADF, gray, 300 dpi, full letter width
 *                                   and height; the emulator's 1209:0001)
 *
 * Prints "bytes N ms M MiB/s R". Built by tests/vm/run-usb.sh into
 * build/usb/ (not part of the kselftest build).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <libusb.h>

#include "../../usr/usbemu/usb_proto.h"

#define XFERS 4
#define XFER_BYTES (64 * 1024)

static unsigned long long got;
static unsigned long long want;
static int inflight;
static struct libusb_transfer *xfer[XFERS];

static void LIBUSB_CALL done(struct libusb_transfer *t)
{
	inflight--;
	if (t->status == LIBUSB_TRANSFER_CANCELLED)
		return;
	if (t->status != LIBUSB_TRANSFER_COMPLETED) {
		fprintf(stderr, "usb_rawread: transfer status %d\n", t->status);
		exit(1);
	}
	got += (unsigned long long)t->actual_length;
	if (got < want && libusb_submit_transfer(t) == 0)
		inflight++;
}

int main(int argc, char **argv)
{
	struct mfpscan_params p;
	libusb_device_handle *h;
	struct timespec t0, t1;
	uint8_t w[USB_PARAMS_BYTES];
	unsigned long long bands;
	double ms;
	struct libusb_config_descriptor *cfg;
	const struct libusb_interface_descriptor *id;
	uint8_t ep = 0;
	int i;

	if (argc != 3)
		return 2;
	memset(&p, 0, sizeof(p));
	p.source = MFPSCAN_SOURCE_ADF;
	p.color_mode = MFPSCAN_MODE_GRAY8;
	p.resolution = 300;
	p.width_um = 215900;
	p.height_um = 279400;
	p.pages = (uint32_t)atoi(argv[1]);
	p.band_lines = (uint32_t)atoi(argv[2]);
	p.bytes_per_line = (uint32_t)((uint64_t)p.width_um * 300 / 25400);
	p.lines_per_page = (uint32_t)((uint64_t)p.height_um * 300 / 25400);
	bands = (p.lines_per_page + p.band_lines - 1) / p.band_lines;
	want = (unsigned long long)p.pages *
	       ((unsigned long long)p.lines_per_page * p.bytes_per_line +
		bands * USB_HEADER_BYTES);

	if (libusb_init(NULL))
		return 1;
	h = libusb_open_device_with_vid_pid(NULL, USB_PROTO_VID, USB_PROTO_PID);
	if (!h) {
		fputs("usb_rawread: no device\n", stderr);
		return 1;
	}
	if (libusb_get_active_config_descriptor(libusb_get_device(h), &cfg))
		return 1;
	id = &cfg->interface[0].altsetting[0];
	for (i = 0; i < id->bNumEndpoints; i++)
		if ((id->endpoint[i].bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK)
			ep = id->endpoint[i].bEndpointAddress;
	libusb_free_config_descriptor(cfg);
	libusb_set_auto_detach_kernel_driver(h, 1);
	if (libusb_claim_interface(h, 0)) {
		fputs("usb_rawread: cannot claim\n", stderr);
		return 1;
	}
	usb_params_to_wire(w, &p);
	if (libusb_control_transfer(h, USB_RT_OUT, MFPU_REQ_SET_PARAMS, 0, 0, w,
				    sizeof(w), 2000) < 0 ||
	    libusb_control_transfer(h, USB_RT_OUT, MFPU_REQ_START, 1, 0, NULL, 0,
				    2000) < 0) {
		fputs("usb_rawread: cannot start\n", stderr);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < XFERS; i++) {
		struct libusb_transfer *t = libusb_alloc_transfer(0);

		xfer[i] = t;

		libusb_fill_bulk_transfer(t, h, ep, malloc(XFER_BYTES),
					  XFER_BYTES, done, NULL, 0);
		if (libusb_submit_transfer(t) == 0)
			inflight++;
	}
	while (inflight) {
		struct timeval tv = { .tv_sec = 1 };

		if (got >= want) {
			/* The job is all here: the rest wait for nothing. */
			clock_gettime(CLOCK_MONOTONIC, &t1);
			for (i = 0; i < XFERS; i++)
				libusb_cancel_transfer(xfer[i]);
			while (inflight)
				libusb_handle_events(NULL);
			break;
		}

		libusb_handle_events_timeout(NULL, &tv);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > 60) {
			fprintf(stderr, "usb_rawread: stuck at %llu of %llu bytes\n",
				got, want);
			return 1;
		}
	}
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("bytes %llu ms %.1f MiB/s %.2f\n", got, ms,
	       (double)got / (1 << 20) / (ms / 1e3));
	libusb_release_interface(h, 0);
	libusb_close(h);
	libusb_exit(NULL);
	return got >= want ? 0 : 1;
}
