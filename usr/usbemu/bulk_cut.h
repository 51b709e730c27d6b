/* SPDX-License-Identifier: GPL-2.0 */
/*
 * USB's short-packet rule for a device that answers whole transfers
 * (usbredir) instead of packets: how much of the record being sent
 * completes the host's next bulk IN transfer. Pure, unit-tested against a
 * packet-level model (tests/unit/test_usbemu_bulk_cut.c).
 */
#ifndef MFPSCAN_USBEMU_BULK_CUT_H
#define MFPSCAN_USBEMU_BULK_CUT_H

#include <stdbool.h>
#include <stddef.h>

struct bulk_cut {
	size_t bytes;		/* of the record, into this transfer */
	bool zlp_used;		/* the record's ZLP ended this transfer */
};

/*
 * @rest: bytes of the record not yet sent; @end: the record ends after
 * them (else more bytes follow later); @zlp: a zero-length packet still
 * follows them; @want: the transfer's length; @maxp: the packet size.
 * false: the transfer cannot complete yet (it would wait for more data).
 */
bool bulk_cut(size_t rest, bool end, bool zlp, size_t want, size_t maxp,
	      struct bulk_cut *cut);

#endif /* MFPSCAN_USBEMU_BULK_CUT_H */
