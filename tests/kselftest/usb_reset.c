// SPDX-License-Identifier: GPL-2.0
/*
 * usb_reset USBDEV: reset a USB device as a user would (usbreset), with
 * USBDEVFS_RESET on its usbfs node /dev/bus/usb/BBB/DDD: the USB core
 * calls the bound drivers' pre_reset and post_reset around the port
 * reset (tests/vm/guest-usb.sh, group "control"). Exit status 0 if the
 * reset was done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: usb_reset /dev/bus/usb/BBB/DDD\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0 || ioctl(fd, USBDEVFS_RESET, 0) < 0) {
		fprintf(stderr, "usb_reset: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	printf("usb_reset: %s reset\n", argv[1]);
	return 0;
}
