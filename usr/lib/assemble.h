/* SPDX-License-Identifier: GPL-2.0 */
/*
 * assemble: a multi-page document (PDF, TIFF) from the page fragments of a
 * scan. While a PDF or TIFF scan is read, each finished page is kept in the
 * spool as a lossless PNG fragment (Documentation/spool.rst, "Page-level
 * durability"), so that a crash keeps every finished page. When reading
 * ends, or at the next start after a cut, the fragments are decoded line
 * by line (libpng) and fed to the document's encoder: the result is the
 * document a direct encoding of the same lines would have given (the
 * padding bits after a mono line's last pixel, which PNG does not keep,
 * come back as 0), with memory bounded by one line.
 */
#ifndef MFPSCAN_ASSEMBLE_H
#define MFPSCAN_ASSEMBLE_H

#include <stdint.h>

#include "encoder.h"
#include "err.h"
#include "spool.h"
#include "ticket.h"

/* The encoder options of a page fragment: PNG, fast deflate, rows not
 * filtered (a 300 dpi A4 color page: 0.17 s instead of 0.7 s to write). */
#define ASSEMBLE_FRAGMENT_FORMAT	DOC_PNG
#define ASSEMBLE_FRAGMENT_LEVEL		1

/* Opens fragment @page (from 1) read-only into *@fd. */
typedef int (*assemble_open_fn)(void *ud, uint32_t page, int *fd,
				struct err *e);

/*
 * Write document @fmt with options @opt to @out_fd from fragments 1 ..
 * @pages, each opened with @open_page(@ud, ...), at @dpi. A fragment that
 * is not a PNG this program writes (depth, color type, size) is refused
 * with a message naming the page. With @opt->text_layer (PDF, for OCR)
 * and @text_slots not NULL, @text_slots[0 .. @pages - 1] get each page's
 * empty text stream (encoder_text_slot()) for pdf_textlayer. Returns 0 or
 * a negative errno with @e.
 */
int assemble_document(enum doc_format fmt, const struct encoder_options *opt,
		      int out_fd, uint32_t pages, uint32_t dpi,
		      assemble_open_fn open_page, void *ud,
		      uint32_t *text_slots, struct err *e);

/*
 * Fragment @fd (taken over) as an 8-bit gray image for OCR (255 = white):
 * *@gray (malloc'd, @*w x @*h, rows of @*w bytes). Returns 0 or a negative
 * errno with @e, as assemble_document() for a fragment that is not ours.
 */
int assemble_page_gray(int fd, uint32_t page, uint8_t **gray, uint32_t *w,
		       uint32_t *h, struct err *e);

/* Names page @page of a one-page-format scan into @out (@len bytes). */
typedef void (*assemble_name_fn)(void *ud, uint32_t page, char *out,
				 size_t len);

/* Told about each entry made, with its stored ticket. */
typedef void (*assemble_entry_fn)(void *ud, uint32_t page, const char *id,
				  const struct ticket *t);

/*
 * Turn scan @scan_id of @uid, of @pages committed pages, into spool
 * entries, each starting from ticket @t (retry state, destination ...),
 * then end the scan (spool_scan_end()). A multi-page format (t->format):
 * one document assembled with @opt into spool_scan_create_doc()'s temp
 * file and committed as entry @scan_id with t->remote_name (@entry's page
 * is 0). A one-page format: each page its own entry named by @name, made
 * from the last page to the first, so that an interruption leaves pages
 * 1 .. k in the scan for the next try. On failure the scan and whatever
 * pages it still holds stay, and a negative errno comes back with @e.
 * @text_slots (NULL: not wanted): as for assemble_document(), for the
 * multi-page document (@pages entries).
 */
int assemble_scan(struct spool *s, uid_t uid, const char *scan_id,
		  uint32_t pages, const struct ticket *t,
		  const struct encoder_options *opt, assemble_name_fn name,
		  assemble_entry_fn entry, void *ud, uint32_t *text_slots,
		  struct err *e);

#endif
