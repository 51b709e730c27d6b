/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pipeline: the worker thread that runs one scan job, the data path
 * engine -> ring -> reader (band_source) -> encoder -> spool -> uploader
 * (the patent's S302, S601-S610). The scan's ticket is made in the spool
 * before the first band is read; each page is encoded while its bands
 * arrive (memory bounded by a band) into a page file in the spool that is
 * committed before the next page is read (Documentation/spool.rst,
 * "Page-level durability"). The device is released as soon as the last
 * band is read; the pages then become spool entries (a PDF or TIFF
 * assembled from them, or each JPEG/PNG page) and each is uploaded: the
 * entry goes when the upload succeeds, stays and its owner is told when
 * it fails.
 *
 * The entry points, pipeline_start() and pipeline_cancel(), are declared
 * in jobs.h with the rest of the jobs part. The worker is in parts, one a
 * stage, each calling only the next (pipeline_int.h): pipeline_scan.c
 * reads the engine into pages (pipeline_page.c) named and ticketed by
 * pipeline_ticket.c, pipeline_docs.c makes the pages spool entries,
 * pipeline_upload.c uploads them; pipeline_events.c carries what the
 * main thread must know; pipeline.c runs the stages and says the outcome.
 */
#ifndef MFPSCAND_PIPELINE_H
#define MFPSCAND_PIPELINE_H

#include "jobs.h"

/* Band bytes between two progress reports to the main thread. */
#define PIPELINE_PROGRESS_MS	200

#endif
