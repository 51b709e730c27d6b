// SPDX-License-Identifier: GPL-2.0
/*
 * encoder_tiff: TIFF documents with libtiff, several pages per file (one
 * directory each, TIFFWriteDirectory at the end of a page), written with
 * TIFFWriteScanline as lines arrive; strips of about 64 KiB keep memory
 * bounded. Compression: CCITT Group 4 for mono (PhotometricInterpretation
 * MinIsWhite, so the engine's 1 = black is stored as is), Deflate with the
 * horizontal predictor for gray (MinIsBlack) and RGB. TIFF writes its
 * directories at offsets it seeks to and reads the previous one back to
 * link the next page: the output must be a regular file opened O_RDWR.
 * libtiff's messages reach us through per-handle handlers (libtiff 4.5
 * TIFFOpenOptions), never through its process-wide ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <tiffio.h>

#include "encoder_backend.h"

#define TIFF_STRIP_BYTES	(64 * 1024)
#define TIFF_DEFAULT_LEVEL	6

struct tiff_doc {
	TIFF *tif;
	int fd;				/* the caller's, for the size */
	int level;
	uint32_t bpl;
	uint32_t row;			/* next row of the page */
	uint32_t page;
	char msg[256];			/* libtiff's last error */
	uint8_t *buf;			/* libtiff's predictor edits rows */
};

__attribute__((format(printf, 4, 0)))
static int tiff_doc_error(TIFF *tif, void *user, const char *module,
			  const char *fmt, va_list ap)
{
	struct tiff_doc *d = user;

	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	return 1;
}

__attribute__((format(printf, 4, 0)))
static int tiff_doc_warning(TIFF *tif, void *user, const char *module,
			    const char *fmt, va_list ap)
{
	return 1;
}

static int tiff_doc_fail(struct tiff_doc *d, const char *what, struct err *e)
{
	int errnum = errno;

	if (errnum == ENOSPC || errnum == EDQUOT)
		return err_set(e, ERR_LOCAL, errnum, errnum,
			       "TIFF encoder: %s: no space left on the appliance's disk",
			       what);
	return err_set(e, ERR_LOCAL, EIO, EIO, "TIFF encoder: %s: %s", what,
		       d->msg[0] ? d->msg : "libtiff failed");
}

static int tiff_doc_open(int fd, const struct encoder_options *opt,
			 void **priv, struct err *e)
{
	int fl = fcntl(fd, F_GETFL);
	struct tiff_doc *d;
	TIFFOpenOptions *to;
	int dfd = -1;

	/* libtiff reads back the previous directory to link the next page. */
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR)
		return err_set(e, ERR_INVALID, EBADF, EBADF,
			       "TIFF encoder: the output must be a regular file opened read-write");
	d = calloc(1, sizeof(*d));
	to = TIFFOpenOptionsAlloc();
	if (!d || !to) {
		free(d);
		TIFFOpenOptionsFree(to);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "TIFF encoder: out of memory");
	}
	d->fd = fd;
	d->level = opt->deflate_level ? opt->deflate_level : TIFF_DEFAULT_LEVEL;
	TIFFOpenOptionsSetErrorHandlerExtR(to, tiff_doc_error, d);
	TIFFOpenOptionsSetWarningHandlerExtR(to, tiff_doc_warning, d);
	/* TIFFClose() closes its descriptor; the caller keeps @fd. */
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd >= 0)
		d->tif = TIFFFdOpenExt(dfd, "document", "w", to);
	TIFFOpenOptionsFree(to);
	if (!d->tif) {
		int r = dfd < 0 ? err_set(e, ERR_LOCAL, errno, errno,
					  "TIFF encoder: %s", strerror(errno))
				: tiff_doc_fail(d, "opening the output", e);

		if (dfd >= 0)
			close(dfd);
		free(d);
		return r;
	}
	*priv = d;
	return 0;
}

static void tiff_doc_tags(struct tiff_doc *d, const struct encoder_page *pg)
{
	TIFF *t = d->tif;
	bool mono = pg->color_mode == MFPSCAN_MODE_MONO1;
	bool rgb = pg->color_mode == MFPSCAN_MODE_RGB24;
	uint32_t rows = TIFF_STRIP_BYTES / pg->bytes_per_line;

	TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, pg->width_px);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, pg->height_px);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, mono ? 1 : 8);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, rgb ? 3 : 1);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, mono ? PHOTOMETRIC_MINISWHITE :
		     rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
	TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rows ? rows : 1);
	TIFFSetField(t, TIFFTAG_XRESOLUTION, (float)pg->dpi);
	TIFFSetField(t, TIFFTAG_YRESOLUTION, (float)pg->dpi);
	TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
	TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)d->page, (uint16_t)0);
	TIFFSetField(t, TIFFTAG_SOFTWARE, "mfpscan");
	if (mono) {
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
	} else {
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
		TIFFSetField(t, TIFFTAG_ZIPQUALITY, d->level);
		TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
	}
}

static int tiff_doc_page_begin(void *priv, const struct encoder_page *pg,
			       struct err *e)
{
	struct tiff_doc *d = priv;
	uint8_t *nb = realloc(d->buf, pg->bytes_per_line);

	if (!nb)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM,
			       "TIFF encoder: out of memory");
	d->buf = nb;
	d->bpl = pg->bytes_per_line;
	d->row = 0;
	tiff_doc_tags(d, pg);
	return 0;
}

static int tiff_doc_page_lines(void *priv, const uint8_t *lines, uint32_t n,
			       struct err *e)
{
	struct tiff_doc *d = priv;

	for (uint32_t i = 0; i < n; i++, d->row++) {
		memcpy(d->buf, lines + (size_t)i * d->bpl, d->bpl);
		if (TIFFWriteScanline(d->tif, d->buf, d->row, 0) < 0)
			return tiff_doc_fail(d, "writing a line", e);
	}
	return 0;
}

static int tiff_doc_page_end(void *priv, struct err *e)
{
	struct tiff_doc *d = priv;

	if (!TIFFWriteDirectory(d->tif))
		return tiff_doc_fail(d, "ending a page", e);
	d->page++;
	return 0;
}

static int tiff_doc_finish(void *priv, struct err *e)
{
	struct tiff_doc *d = priv;
	int ok = TIFFFlush(d->tif);

	TIFFClose(d->tif);
	d->tif = NULL;
	return ok ? 0 : tiff_doc_fail(d, "writing the file", e);
}

static uint64_t tiff_doc_bytes(void *priv)
{
	struct tiff_doc *d = priv;
	struct stat st;

	return fstat(d->fd, &st) ? 0 : (uint64_t)st.st_size;
}

static void tiff_doc_free(void *priv)
{
	struct tiff_doc *d = priv;

	if (d->tif)
		TIFFClose(d->tif);
	free(d->buf);
	free(d);
}

const struct encoder_backend encoder_tiff_backend = {
	.open = tiff_doc_open,
	.page_begin = tiff_doc_page_begin,
	.page_lines = tiff_doc_page_lines,
	.page_end = tiff_doc_page_end,
	.finish = tiff_doc_finish,
	.bytes_written = tiff_doc_bytes,
	.free = tiff_doc_free,
};
