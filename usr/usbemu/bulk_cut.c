// SPDX-License-Identifier: GPL-2.0
/*
 * The short-packet rule of bulk_cut.h. On the wire a record is packets of
 * @maxp bytes, the last one short, or followed by a ZLP when the record is
 * a multiple of 64 bytes (usb-protocol.rst). A host transfer of @want
 * bytes (a multiple of @maxp) completes when it is full or at a short or
 * zero-length packet; a ZLP that arrives when the transfer is already
 * full completes the next transfer, empty.
 */
#include "bulk_cut.h"

bool bulk_cut(size_t rest, bool end, bool zlp, size_t want, size_t maxp,
	      struct bulk_cut *cut)
{
	cut->zlp_used = false;
	if (want && rest >= want) {
		cut->bytes = want;	/* full: the rest waits */
		return true;
	}
	if (!end)
		return false;		/* neither full nor ended yet */
	cut->bytes = rest;
	/*
	 * A rest that is not a multiple of the packet size ends in a short
	 * packet (a ZLP after it is a transfer of its own); otherwise the
	 * ZLP is what ends this transfer.
	 */
	if (rest % maxp == 0) {
		if (!zlp && rest == 0)
			return false;	/* nothing left at all */
		cut->zlp_used = zlp;
	}
	return true;
}
