/* SPDX-License-Identifier: GPL-2.0 */
/*
 * doc_format: the document formats a scan can be saved as, and what the
 * rest of the system needs to know about each (name on the bus and in the
 * config, file extension, MIME type for uploads, whether one document holds
 * several pages). The daemon makes one document per page for JPEG and PNG.
 */
#ifndef MFPSCAN_DOC_FORMAT_H
#define MFPSCAN_DOC_FORMAT_H

#include <stdbool.h>

enum doc_format {
	DOC_PDF = 0,
	DOC_JPEG,
	DOC_PNG,
	DOC_TIFF,
	DOC_FORMAT_COUNT
};

/* "pdf", "jpeg", "png", "tiff" -> the format; -1 when unknown. "jpg" and
 * "tif" are accepted as aliases. */
int doc_format_from_name(const char *name);

/* "pdf", "jpeg", "png", "tiff"; NULL when out of range. */
const char *doc_format_name(enum doc_format f);

/* File name extension without the dot: "pdf", "jpg", "png", "tif". */
const char *doc_format_extension(enum doc_format f);

/* "application/pdf", "image/jpeg", "image/png", "image/tiff". */
const char *doc_format_mime_type(enum doc_format f);

/* True for PDF and TIFF (several pages in one document). */
bool doc_format_is_multipage(enum doc_format f);

#endif
