// SPDX-License-Identifier: GPL-2.0
/*
 * test_usbemu_bulk_cut: the usbredir emulator completes whole host
 * transfers (usr/usbemu/bulk_cut.c), where a USB device sends packets.
 * Against a packet-level model of the wire (every record cut into 512-byte
 * packets, the last one short, a ZLP after a record that is a multiple of
 * 64 bytes; a host transfer completes when full or at a short or empty
 * packet), random records and transfer sizes must give the same
 * transfers, byte for byte in length, in the same order. Plus the cases
 * by name: the ZLP that lands in the next, empty transfer; a stretch
 * without an end never completes a transfer it cannot fill.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bulk_cut.h"

#define MAXP	512
#define NREC	2000
#define NXFER	(NREC * 8)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* A record length: header-sized, packet-aligned, 64-aligned, or any. */
static size_t record_len(void)
{
	switch (rnd(5)) {
	case 0: return 64;
	case 1: return MAXP * (1 + rnd(8));
	case 2: return 64 * (1 + rnd(40));
	case 3: return 64 + rnd(4 * MAXP);
	default: return 64 + rnd(70000);
	}
}

/* A host transfer: 512 bytes to 128 KiB, a multiple of the packet size. */
static size_t xfer_len(void)
{
	return MAXP * (1 + rnd(256));
}

/* The model: the record stream as packets (0 = ZLP). */
static size_t packets(const size_t *rec, int nrec, size_t *pkt)
{
	size_t n = 0;

	for (int i = 0; i < nrec; i++) {
		size_t left = rec[i];

		while (left >= MAXP) {
			pkt[n++] = MAXP;
			left -= MAXP;
		}
		if (left)
			pkt[n++] = left;
		if (rec[i] % 64 == 0)
			pkt[n++] = 0;
	}
	return n;
}

static void test_same_transfers_as_the_packet_model(void **state)
{
	static size_t rec[NREC], pkt[NREC * 200], want[NXFER];
	static size_t model[NXFER], cut_out[NXFER];
	size_t np, p = 0, nm = 0, nc = 0, zlp_next = 0;
	int r = 0;
	size_t rest = 0;
	bool zlp = false;

	for (int i = 0; i < NREC; i++)
		rec[i] = record_len();
	for (int i = 0; i < NXFER; i++)
		want[i] = xfer_len();
	np = packets(rec, NREC, pkt);

	/* model: each transfer takes packets until full or short */
	while (p < np && nm < NXFER) {
		size_t got = 0;

		while (p < np) {
			size_t k = pkt[p++];

			got += k;
			if (k < MAXP || got == want[nm])
				break;
		}
		model[nm++] = got;
	}

	/* bulk_cut: whole transfers from each record's rest */
	rest = rec[0];
	zlp = rec[0] % 64 == 0;
	while (r < NREC && nc < NXFER) {
		struct bulk_cut c;

		assert_true(bulk_cut(rest, true, zlp, want[nc], MAXP, &c));
		cut_out[nc++] = c.bytes;
		rest -= c.bytes;
		if (c.zlp_used) {
			zlp = false;
			zlp_next++;
		}
		if (!rest && !zlp && ++r < NREC) {
			rest = rec[r];
			zlp = rec[r] % 64 == 0;
		}
	}
	assert_int_equal(nm, nc);
	for (size_t i = 0; i < nm; i++)
		assert_int_equal(model[i], cut_out[i]);
	/* the run went through both ZLP cases */
	assert_true(zlp_next > 0);
}

static void test_zlp_after_a_full_transfer_is_an_empty_one(void **state)
{
	struct bulk_cut c;

	/* 1024-byte record, 1024-byte transfer: full; the ZLP stays */
	assert_true(bulk_cut(1024, true, true, 1024, MAXP, &c));
	assert_int_equal(c.bytes, 1024);
	assert_false(c.zlp_used);
	/* the next transfer gets the ZLP alone */
	assert_true(bulk_cut(0, true, true, 4096, MAXP, &c));
	assert_int_equal(c.bytes, 0);
	assert_true(c.zlp_used);
	/* 1024 bytes into a 4096-byte transfer: the ZLP ends it */
	assert_true(bulk_cut(1024, true, true, 4096, MAXP, &c));
	assert_int_equal(c.bytes, 1024);
	assert_true(c.zlp_used);
	/* 576 (64-aligned, short last packet): short ends it, ZLP follows */
	assert_true(bulk_cut(576, true, true, 4096, MAXP, &c));
	assert_int_equal(c.bytes, 576);
	assert_false(c.zlp_used);
}

static void test_a_stretch_without_an_end_waits(void **state)
{
	struct bulk_cut c;

	assert_false(bulk_cut(1024, false, false, 4096, MAXP, &c));
	assert_true(bulk_cut(8192, false, false, 4096, MAXP, &c));
	assert_int_equal(c.bytes, 4096);
	assert_false(bulk_cut(0, true, false, 4096, MAXP, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_transfers_as_the_packet_model),
		cmocka_unit_test(test_zlp_after_a_full_transfer_is_an_empty_one),
		cmocka_unit_test(test_a_stretch_without_an_end_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
