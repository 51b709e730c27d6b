// SPDX-License-Identifier: GPL-2.0
/*
 * props: a name -> value table filled from a D-Bus a{sv} (see props.h).
 * Tables are a handful of entries, so lookups are linear.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"
#include "value.h"

static struct prop *find(const struct props *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

/* Widen a D-Bus integer of type @t held in @v. */
static uint64_t widen(char t, const void *v)
{
	switch (t) {
	case 'y': return *(const uint8_t *)v;
	case 'b': return *(const int *)v != 0;
	case 'q': return *(const uint16_t *)v;
	case 'n': return (uint64_t)(int64_t)*(const int16_t *)v;
	case 'u': return *(const uint32_t *)v;
	case 'i': return (uint64_t)(int64_t)*(const int32_t *)v;
	case 't': return *(const uint64_t *)v;
	default: return (uint64_t)*(const int64_t *)v;
	}
}

/*
 * Read a variant holding an integer: its number in *@num and its text in
 * *@text. Returns 1, 0 when the variant is not an integer (nothing read),
 * or a negative errno.
 */
static int read_num(sd_bus_message *m, char **text, uint64_t *num)
{
	union { uint8_t y; int b; uint16_t q; int16_t n; uint32_t u;
		int32_t i; uint64_t t; int64_t x; } v = { 0 };
	const char *contents;
	char type, buf[32];
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r <= 0 || type != 'v' || strlen(contents) != 1 ||
	    !strchr("yqnuitx", contents[0]))
		return r < 0 ? r : 0;
	r = sd_bus_message_enter_container(m, 'v', contents);
	if (r > 0)
		r = sd_bus_message_read_basic(m, contents[0], &v);
	if (r > 0)
		r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	*num = widen(contents[0], &v);
	if (strchr("nix", contents[0]))
		snprintf(buf, sizeof(buf), "%lld", (long long)(int64_t)*num);
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)*num);
	*text = strdup(buf);
	return *text ? 1 : -ENOMEM;
}

/* Store @name = (@text, @num), taking ownership of @text. */
static int store(struct props *p, const char *name, char *text, uint64_t num)
{
	struct prop *e = find(p, name), *v;

	if (e) {
		free(e->text);
		e->text = text;
		e->num = num;
		return 0;
	}
	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->v = v;
	e = &v[p->n];
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->text = text;
	e->num = num;
	p->n++;
	return 0;
}

/* One dictionary entry; 1 read, 0 end of array, < 0 error. */
static int read_entry(sd_bus_message *m, struct props *p)
{
	const char *name;
	char *text = NULL;
	uint64_t num;
	int r;

	r = sd_bus_message_enter_container(m, 'e', "sv");
	if (r <= 0)
		return r;
	r = sd_bus_message_read_basic(m, 's', &name);
	if (r < 0)
		return r;
	num = 0;
	r = read_num(m, &text, &num);
	if (r == 0)
		r = value_to_string(m, &text);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;
	r = store(p, name, text, num);
	if (r < 0) {
		free(text);
		return r;
	}
	r = sd_bus_message_exit_container(m);
	return r < 0 ? r : 1;
}

int props_read(sd_bus_message *m, struct props *p)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = read_entry(m, p)) > 0)
		;
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	return r < 0 ? r : 0;
}

const char *props_text(const struct props *p, const char *name,
		       const char *fallback)
{
	struct prop *e = find(p, name);

	return e ? e->text : fallback;
}

uint64_t props_num(const struct props *p, const char *name)
{
	struct prop *e = find(p, name);

	return e ? e->num : 0;
}

bool props_has(const struct props *p, const char *name)
{
	return find(p, name) != NULL;
}

void props_clear(struct props *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].text);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
