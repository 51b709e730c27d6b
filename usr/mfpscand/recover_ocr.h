/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recover_ocr: OCR's text layer for a PDF recovered from a cut scan (see
 * recover_ocr.c). Main thread, at start.
 */
#ifndef MFPSCAND_RECOVER_OCR_H
#define MFPSCAND_RECOVER_OCR_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "spool.h"
#include "ticket.h"

/*
 * Entry @id of @uid (ticket @t) is the image-only PDF assembled from the
 * @t->pages fragments of scan @scan_id (still there) with empty text
 * streams @slots. Recognize the pages in @t->ocr's languages, at most
 * @timeout_s seconds in all, and commit the searchable copy: returns the
 * number of words (>= 0) with @id_out and @t the new entry, the image-only
 * one removed. A negative errno with @e: entry @id stays as it was.
 */
long recover_ocr(struct spool *sp, uid_t uid, const char *scan_id,
		 const char *id, const uint32_t *slots, unsigned int timeout_s,
		 struct ticket *t, char *id_out, struct err *e);

#endif
