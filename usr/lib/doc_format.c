// SPDX-License-Identifier: GPL-2.0
/*
 * doc_format: one table of the document formats (see doc_format.h).
 */
#include <string.h>

#include "doc_format.h"

struct doc_format_info {
	const char *name;
	const char *alias;
	const char *extension;
	const char *mime;
	bool multipage;
};

static const struct doc_format_info doc_formats[DOC_FORMAT_COUNT] = {
	[DOC_PDF] = { "pdf", NULL, "pdf", "application/pdf", true },
	[DOC_JPEG] = { "jpeg", "jpg", "jpg", "image/jpeg", false },
	[DOC_PNG] = { "png", NULL, "png", "image/png", false },
	[DOC_TIFF] = { "tiff", "tif", "tif", "image/tiff", true },
};

int doc_format_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < DOC_FORMAT_COUNT; i++) {
		const struct doc_format_info *f = &doc_formats[i];

		if (!strcmp(name, f->name) || (f->alias && !strcmp(name, f->alias)))
			return i;
	}
	return -1;
}

static const struct doc_format_info *doc_format_info(enum doc_format f)
{
	return (unsigned int)f < DOC_FORMAT_COUNT ? &doc_formats[f] : NULL;
}

const char *doc_format_name(enum doc_format f)
{
	const struct doc_format_info *i = doc_format_info(f);

	return i ? i->name : NULL;
}

const char *doc_format_extension(enum doc_format f)
{
	const struct doc_format_info *i = doc_format_info(f);

	return i ? i->extension : NULL;
}

const char *doc_format_mime_type(enum doc_format f)
{
	const struct doc_format_info *i = doc_format_info(f);

	return i ? i->mime : NULL;
}

bool doc_format_is_multipage(enum doc_format f)
{
	const struct doc_format_info *i = doc_format_info(f);

	return i && i->multipage;
}
