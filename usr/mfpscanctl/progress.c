// SPDX-License-Identifier: GPL-2.0
/*
 * progress: drawing a job's progress (see progress.h). The upload
 * percentage is BytesUploaded against the encoded document's size, the
 * job's "Size" property. BytesScanned counts raw engine bytes, which a
 * compressed document is far smaller than, so without "Size" the bytes
 * uploaded are shown instead of a percentage that would mislead.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

#define BAR_WIDTH 24

void progress_init(struct progress *p, FILE *out, uint32_t pages_total)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = isatty(fileno(out));
	p->pages_total = pages_total;
}

const char *progress_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[i]);
	return buf;
}

/* Upload percentage 0..100, or -1 when nothing is known yet. */
static int upload_percent(const struct props *job)
{
	uint64_t up = props_num(job, "BytesUploaded");
	uint64_t total = props_num(job, "Size");

	if (!total)
		return -1;
	return up >= total ? 100 : (int)(up * 100 / total);
}

/* Fraction of the bar to fill, 0..BAR_WIDTH. */
static int bar_fill(const struct progress *p, const char *state, uint32_t pages,
		    int pct)
{
	if (strcmp(state, "uploading") == 0)
		return pct >= 0 ? pct * BAR_WIDTH / 100 : BAR_WIDTH / 2;
	if (strcmp(state, "done") == 0)
		return BAR_WIDTH;
	if (p->pages_total)
		return (int)((uint64_t)(pages > p->pages_total ? p->pages_total : pages) *
			     BAR_WIDTH / p->pages_total);
	return 0;
}

static void draw_tty(struct progress *p, const struct props *job)
{
	const char *state = props_text(job, "State", "?");
	uint32_t pages = (uint32_t)props_num(job, "Pages");
	int pct = upload_percent(job), fill, i;
	char bytes[32], bar[BAR_WIDTH + 1];

	fill = bar_fill(p, state, pages, pct);
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	fprintf(p->out, "\r%-9s [%s] page %" PRIu32, state, bar, pages);
	if (p->pages_total)
		fprintf(p->out, "/%" PRIu32, p->pages_total);
	fprintf(p->out, "  %s scanned",
		progress_bytes(props_num(job, "BytesScanned"), bytes, sizeof(bytes)));
	if (strcmp(state, "done") == 0)
		fputs("  upload 100%", p->out);
	else if (pct >= 0 && strcmp(state, "uploading") == 0)
		fprintf(p->out, "  upload %d%%", pct);
	else if (strcmp(state, "uploading") == 0)
		fprintf(p->out, "  %s uploaded",
			progress_bytes(props_num(job, "BytesUploaded"), bytes,
				       sizeof(bytes)));
	fputs("\033[K", p->out);
	fflush(p->out);
	p->drawn = true;
}

static void print_lines(struct progress *p, const struct props *job)
{
	const char *state = props_text(job, "State", "?");
	uint32_t pages = (uint32_t)props_num(job, "Pages");
	char bytes[32];

	if (pages != p->last_pages) {
		fprintf(p->out, "page %" PRIu32 " scanned (%s so far)\n", pages,
			progress_bytes(props_num(job, "BytesScanned"), bytes,
				       sizeof(bytes)));
		p->last_pages = pages;
	}
	if (strcmp(state, p->last_state) != 0)
		fprintf(p->out, "state: %s\n", state);
	fflush(p->out);
}

void progress_update(struct progress *p, const struct props *job)
{
	if (p->tty)
		draw_tty(p, job);
	else
		print_lines(p, job);
	snprintf(p->last_state, sizeof(p->last_state), "%s",
		 props_text(job, "State", "?"));
}

void progress_end(struct progress *p)
{
	if (p->drawn) {
		fputc('\n', p->out);
		fflush(p->out);
		p->drawn = false;
	}
}
