/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pipeline: the worker thread that runs one scan job, the data path
 * engine -> ring -> reader (band_source) -> encoder -> spool temp file ->
 * uploader (the patent's S601-S610). The document is encoded straight into
 * a spool temp file while the bands arrive (memory bounded by a band), the
 * device is released as soon as the last band is read, then each document
 * is uploaded; one that cannot be uploaded becomes a spool entry by a
 * rename (spool_commit) with a full ticket, and its owner is told.
 *
 * The entry points, pipeline_start() and pipeline_cancel(), are declared
 * in jobs.h with the rest of the jobs part.
 */
#ifndef MFPSCAND_PIPELINE_H
#define MFPSCAND_PIPELINE_H

#include "jobs.h"

/* Band bytes between two progress reports to the main thread. */
#define PIPELINE_PROGRESS_MS	200

#endif
