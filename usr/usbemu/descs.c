// SPDX-License-Identifier: GPL-2.0
/*
 * The emulator's USB descriptors. FunctionFS takes the interface and its
 * endpoints (the gadget's configfs makes the device around them); a
 * usbredir peer is the whole device, so it also answers GET_DESCRIPTOR
 * for the device, the configuration and the strings. Both describe the
 * same interface: vendor class, subclass 0x4d, protocol 1, bulk IN 0x81,
 * interrupt IN 0x82 (Documentation/usb-protocol.rst).
 */
#include <endian.h>
#include <string.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "emu.h"

#define EMU_BCD_DEVICE	0x0100

/* Interface + bulk IN (+ interrupt IN) for one speed at @p; the bytes. */
static size_t emu_put_intf(uint8_t *p, bool hs, bool events, uint8_t istr,
			   uint32_t *count)
{
	struct usb_interface_descriptor intf = {
		.bLength = USB_DT_INTERFACE_SIZE,
		.bDescriptorType = USB_DT_INTERFACE,
		.bNumEndpoints = events ? 2 : 1,
		.bInterfaceClass = USB_CLASS_VENDOR_SPEC,
		.bInterfaceSubClass = USB_PROTO_SUBCLASS,
		.bInterfaceProtocol = USB_PROTO_PROTOCOL,
		.iInterface = istr,
	};
	struct usb_endpoint_descriptor_no_audio bulk = {
		.bLength = USB_DT_ENDPOINT_SIZE,
		.bDescriptorType = USB_DT_ENDPOINT,
		.bEndpointAddress = EMU_BULK_EP,
		.bmAttributes = USB_ENDPOINT_XFER_BULK,
		.wMaxPacketSize = htole16(hs ? EMU_HS_BULK_MAXP : 64),
	};
	struct usb_endpoint_descriptor_no_audio intr = {
		.bLength = USB_DT_ENDPOINT_SIZE,
		.bDescriptorType = USB_DT_ENDPOINT,
		.bEndpointAddress = EMU_INT_EP,
		.bmAttributes = USB_ENDPOINT_XFER_INT,
		.wMaxPacketSize = htole16(USB_EVENT_BYTES),
		.bInterval = hs ? 4 : 1,	/* 1 ms */
	};
	uint8_t *start = p;

	memcpy(p, &intf, USB_DT_INTERFACE_SIZE);
	p += USB_DT_INTERFACE_SIZE;
	memcpy(p, &bulk, USB_DT_ENDPOINT_SIZE);
	p += USB_DT_ENDPOINT_SIZE;
	*count = 2;
	if (events) {
		memcpy(p, &intr, USB_DT_ENDPOINT_SIZE);
		p += USB_DT_ENDPOINT_SIZE;
		*count = 3;
	}
	return (size_t)(p - start);
}

/* FunctionFS: its string 1 is the interface's. */
size_t emu_put_intf_descs(uint8_t *p, bool hs, bool events, uint32_t *count)
{
	return emu_put_intf(p, hs, events, 1, count);
}

size_t emu_device_desc(uint8_t *buf, size_t size)
{
	struct usb_device_descriptor d = {
		.bLength = USB_DT_DEVICE_SIZE,
		.bDescriptorType = USB_DT_DEVICE,
		.bcdUSB = htole16(0x0200),	/* 2.0: no BOS to ask for */
		.bMaxPacketSize0 = 64,
		.idVendor = htole16(USB_PROTO_VID),
		.idProduct = htole16(USB_PROTO_PID),
		.bcdDevice = htole16(EMU_BCD_DEVICE),
		.iManufacturer = EMU_STR_MANUFACTURER,
		.iProduct = EMU_STR_PRODUCT,
		.iSerialNumber = EMU_STR_SERIAL,
		.bNumConfigurations = 1,
	};

	if (size > USB_DT_DEVICE_SIZE)
		size = USB_DT_DEVICE_SIZE;
	memcpy(buf, &d, size);		/* a host may ask for 8 bytes first */
	return size;
}

/* The one configuration, high speed, with its interface. */
size_t emu_config_desc(uint8_t *buf, size_t size, bool events)
{
	struct usb_config_descriptor c = {
		.bLength = USB_DT_CONFIG_SIZE,
		.bDescriptorType = USB_DT_CONFIG,
		.bNumInterfaces = 1,
		.bConfigurationValue = 1,
		.bmAttributes = USB_CONFIG_ATT_ONE,
		.bMaxPower = 50,		/* 100 mA */
	};
	uint8_t all[USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE +
		    2 * USB_DT_ENDPOINT_SIZE];
	uint32_t count;
	size_t len;

	len = USB_DT_CONFIG_SIZE +
	      emu_put_intf(all + USB_DT_CONFIG_SIZE, true, events,
			   EMU_STR_INTERFACE, &count);
	c.wTotalLength = htole16((uint16_t)len);
	memcpy(all, &c, USB_DT_CONFIG_SIZE);
	if (len > size)
		len = size;
	memcpy(buf, all, len);
	return len;
}

/* String @index in UTF-16LE (0: the language list, en-US), cut to @size;
 * 0 when there is no such string. */
size_t emu_string_desc(uint8_t *buf, size_t size, unsigned int index,
		       const char *serial)
{
	static const char *const text[] = {
		[EMU_STR_MANUFACTURER] = "mfpscan",
		[EMU_STR_PRODUCT] = "mfpscan USB engine emulator",
		[EMU_STR_INTERFACE] = EMU_STR_INTERFACE_TEXT,
	};
	uint8_t d[254];
	const char *s;
	size_t n = 2;

	if (index == 0) {
		usb_put16(d + 2, 0x0409);
		n = 4;
	} else {
		if (index == EMU_STR_SERIAL)
			s = serial;
		else if (index < sizeof(text) / sizeof(text[0]) && text[index])
			s = text[index];
		else
			return 0;
		for (; *s && n + 2 <= sizeof(d); s++, n += 2)
			usb_put16(d + n, (uint8_t)*s);
	}
	d[0] = (uint8_t)n;
	d[1] = USB_DT_STRING;
	if (n > size)
		n = size;
	memcpy(buf, d, n);
	return n;
}
