// SPDX-License-Identifier: GPL-2.0
/*
 * ocr_languages: the syntax of an OCR language list ("eng+deu"), checked
 * where settings are parsed (config, scan options, the OCR worker). Apart
 * from ocr.c so that checking a setting does not link Tesseract: the
 * privileged helper parses the configuration too (privsep.rst).
 */
#include <string.h>

#include "ocr.h"

bool ocr_languages_valid(const char *s)
{
	size_t n = strlen(s), run = 0;

	if (n == 0 || n >= OCR_LANGUAGES_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];

		if (c == '+' || c == '\0') {
			if (run < 3 || run > 16)
				return false;
			run = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '_') {
			run++;
		} else {
			return false;
		}
	}
	return true;
}
