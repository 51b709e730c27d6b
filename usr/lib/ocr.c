// SPDX-License-Identifier: GPL-2.0
/*
 * ocr: Tesseract's words and boxes for one page (see ocr.h). The page is
 * given to Tesseract as it is, 8-bit gray with its real resolution, so that
 * Tesseract neither guesses the resolution nor converts the image; the
 * result iterator is walked at word level.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "ocr.h"

struct ocr {
	TessBaseAPI *api;
	bool (*cancel)(void *ud);
	void *ud;
};

int ocr_new(const char *languages, struct ocr **out, struct err *e)
{
	struct ocr *o;

	if (!ocr_languages_valid(languages))
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "OCR: '%.64s' is not a list of languages such as eng or eng+deu",
			       languages);
	o = calloc(1, sizeof(*o));
	if (!o || !(o->api = TessBaseAPICreate())) {
		free(o);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "OCR: out of memory");
	}
	/* Tesseract's own chatter would end up in the daemon's journal. */
	TessBaseAPISetVariable(o->api, "debug_file", "/dev/null");
	if (TessBaseAPIInit3(o->api, NULL, languages) != 0) {
		TessBaseAPIDelete(o->api);
		free(o);
		return err_set(e, ERR_LOCAL, ENOENT, ENOENT,
			       "OCR: the language data for '%s' is not installed (Debian: tesseract-ocr-LANG)",
			       languages);
	}
	*out = o;
	return 0;
}

struct ocr *ocr_free(struct ocr *o)
{
	if (o) {
		TessBaseAPIEnd(o->api);
		TessBaseAPIDelete(o->api);
	}
	free(o);
	return NULL;
}

void ocr_page_clear(struct ocr_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->words[i].text);
	free(p->words);
	p->words = NULL;
	p->n = 0;
}

/*
 * Tesseract parallelizes parts of its work with OpenMP, whose idle threads
 * spin: on a loaded 2-core machine a letter took 10.8 s instead of 3.8 s.
 * With dynamic adjustment libgomp sizes its team by the load average. The
 * setting belongs to the calling thread, so the OCR thread makes it; it is
 * looked up at run time, as libgomp is Tesseract's dependency, not ours.
 */
static void ocr_tame_openmp(void)
{
	void (*set_dynamic)(int);

	*(void **)&set_dynamic = dlsym(RTLD_DEFAULT, "omp_set_dynamic");
	if (set_dynamic)
		set_dynamic(1);
}

static bool ocr_cancel_cb(void *cancel_this, int words)
{
	struct ocr *o = cancel_this;

	return o->cancel && o->cancel(o->ud);
}

static int ocr_add_word(struct ocr_page *p, size_t *cap, const char *text,
			int l, int t, int r, int b)
{
	struct ocr_word *w;

	if (p->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;

		w = reallocarray(p->words, nc, sizeof(*w));
		if (!w)
			return -ENOMEM;
		p->words = w;
		*cap = nc;
	}
	w = &p->words[p->n];
	w->text = strdup(text);
	if (!w->text)
		return -ENOMEM;
	w->x0 = (uint32_t)l;
	w->y0 = (uint32_t)t;
	w->x1 = (uint32_t)r;
	w->y1 = (uint32_t)b;
	p->n++;
	return 0;
}

/* Every non-empty word with a box, in reading order. */
static int ocr_collect(struct ocr *o, struct ocr_page *out)
{
	TessResultIterator *it = TessBaseAPIGetIterator(o->api);
	size_t cap = 0;
	int r = 0;

	if (!it)
		return 0;		/* a blank page */
	do {
		const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(it);
		char *text = TessResultIteratorGetUTF8Text(it, RIL_WORD);
		int l, t, rt, b;

		if (text && *text && strspn(text, " ") != strlen(text) &&
		    TessPageIteratorBoundingBox(pi, RIL_WORD, &l, &t, &rt, &b) &&
		    l >= 0 && t >= 0 && rt > l && b > t)
			r = ocr_add_word(out, &cap, text, l, t, rt, b);
		TessDeleteText(text);
	} while (r == 0 && TessResultIteratorNext(it, RIL_WORD));
	TessResultIteratorDelete(it);
	return r;
}

int ocr_recognize(struct ocr *o, const uint8_t *gray, uint32_t w, uint32_t h,
		  uint32_t dpi, bool (*cancel)(void *ud), void *ud,
		  struct ocr_page *out, struct err *e)
{
	ETEXT_DESC *mon = TessMonitorCreate();
	int r;

	ocr_page_clear(out);
	if (!mon)
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "OCR: out of memory");
	ocr_tame_openmp();
	o->cancel = cancel;
	o->ud = ud;
	TessMonitorSetCancelFunc(mon, ocr_cancel_cb);
	TessMonitorSetCancelThis(mon, o);
	TessBaseAPISetImage(o->api, gray, (int)w, (int)h, 1, (int)w);
	TessBaseAPISetSourceResolution(o->api, (int)dpi);
	r = TessBaseAPIRecognize(o->api, mon);
	TessMonitorDelete(mon);
	if (cancel && cancel(ud)) {
		TessBaseAPIClear(o->api);
		return -ECANCELED;
	}
	if (r != 0) {
		TessBaseAPIClear(o->api);
		return err_set(e, ERR_LOCAL, EIO, EIO,
			       "OCR: Tesseract could not recognize the page");
	}
	r = ocr_collect(o, out);
	TessBaseAPIClear(o->api);
	if (r < 0) {
		ocr_page_clear(out);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "OCR: out of memory");
	}
	return 0;
}
