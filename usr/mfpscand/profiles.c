// SPDX-License-Identifier: GPL-2.0
/*
 * profiles: the store of panel profiles (profile number -> owner, account,
 * reading settings) in state_dir/profiles.json. The whole file is small (at
 * most 99 entries) and rewritten durably on each change: O_EXCL temp file
 * 0600, write, fsync, rename, fsync of the directory (durable.c). The
 * main thread builds the new text; the accounts' writer thread
 * (accounts_writer.h) writes it, and the change is adopted on the main
 * thread once it is on disk. Entries read back are validated with the
 * same scan_options functions as Manager.Scan's options.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts_writer.h"
#include "durable.h"
#include "log.h"
#include "profiles.h"

#define PROFILES_FILE		"profiles.json"
#define PROFILES_FILE_MAX	(256 * 1024)

struct profiles {
	char *dir;			/* immutable: the writer thread reads it */
	struct accounts_writer *writer;	/* runs the writes; not ours */
	bool writing;			/* a change is being written */
	bool used[PROFILE_MAX + 1];	/* what is on disk */
	struct profile slot[PROFILE_MAX + 1];
};

/*
 * One change on its way to the disk. The writer thread touches only
 * @text, the store's dir and the result; the rest is the main thread's.
 */
struct profiles_write {
	struct profiles *p;
	char *text;			/* the whole new file */
	uint32_t number;
	bool used;			/* assigned after the change */
	struct profile pr;		/* ... to this */
	int r;				/* the write's result, and why */
	struct err e;
	profiles_done_fn done;
	void *ud;
};

/* --- options as text ------------------------------------------------------ */

static bool key_is_string(enum scan_opt_key k)
{
	return k == SCAN_OPT_DEVICE || k == SCAN_OPT_SOURCE ||
	       k == SCAN_OPT_COLOR_MODE || k == SCAN_OPT_FORMAT ||
	       k == SCAN_OPT_NAME || k == SCAN_OPT_OCR;
}

static const char *key_string(const struct scan_options *o, enum scan_opt_key k)
{
	switch (k) {
	case SCAN_OPT_DEVICE: return o->device;
	case SCAN_OPT_SOURCE: return scan_options_source_name(o->source);
	case SCAN_OPT_COLOR_MODE: return scan_options_color_name(o->color_mode);
	case SCAN_OPT_FORMAT: return o->format;
	case SCAN_OPT_NAME: return o->name;
	case SCAN_OPT_OCR: return o->ocr;
	default: return NULL;
	}
}

static uint32_t key_uint(const struct scan_options *o, enum scan_opt_key k)
{
	switch (k) {
	case SCAN_OPT_RESOLUTION: return o->resolution;
	case SCAN_OPT_WIDTH: return o->width_mm;
	case SCAN_OPT_HEIGHT: return o->height_mm;
	case SCAN_OPT_PAGES: return o->pages;
	default: return 0;
	}
}

void profiles_describe(const struct scan_options *o, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (int k = 0; k < SCAN_OPT_COUNT && n < len; k++) {
		const char *sep = n ? " " : "";
		int w;

		if (!(o->set & (1U << k)))
			continue;
		if (key_is_string(k))
			w = snprintf(out + n, len - n, "%s%s=%s", sep,
				     scan_options_key_name(k), key_string(o, k) ?: "");
		else
			w = snprintf(out + n, len - n, "%s%s=%u", sep,
				     scan_options_key_name(k), key_uint(o, k));
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (!out[0])
		snprintf(out, len, "defaults");
}

int profiles_append_options(sd_bus_message *m, const struct scan_options *o)
{
	int r;

	r = sd_bus_message_open_container(m, 'a', "{sv}");
	for (int k = 0; r >= 0 && k < SCAN_OPT_COUNT; k++) {
		if (!(o->set & (1U << k)))
			continue;
		if (key_is_string(k))
			r = sd_bus_message_append(m, "{sv}", scan_options_key_name(k),
						  "s", key_string(o, k) ?: "");
		else
			r = sd_bus_message_append(m, "{sv}", scan_options_key_name(k),
						  "u", key_uint(o, k));
	}
	return r < 0 ? r : sd_bus_message_close_container(m);
}

/* --- the file --------------------------------------------------------------- */

static json_object *options_to_json(const struct scan_options *o)
{
	json_object *j = json_object_new_object();

	for (int k = 0; j && k < SCAN_OPT_COUNT; k++) {
		if (!(o->set & (1U << k)))
			continue;
		if (key_is_string(k))
			json_object_object_add(j, scan_options_key_name(k),
					       json_object_new_string(key_string(o, k) ?: ""));
		else
			json_object_object_add(j, scan_options_key_name(k),
					       json_object_new_int64(key_uint(o, k)));
	}
	return j;
}

/* Validate the stored options like the bus's: same functions, same limits. */
static int options_from_json(json_object *j, struct scan_options *o,
			     struct err *e)
{
	int r = 0;

	scan_options_init(o);
	if (!json_object_is_type(j, json_type_object))
		return err_set(e, ERR_INVALID, 0, EINVAL, "options are not an object");
	json_object_object_foreach(j, key, val) {
		if (json_object_is_type(val, json_type_string))
			r = scan_options_set_string(o, key, json_object_get_string(val), e);
		else if (json_object_is_type(val, json_type_int)) {
			int64_t v = json_object_get_int64(val);

			r = scan_options_set_uint(o, key, v < 0 ? 0 : (uint64_t)v, v < 0, e);
		} else
			r = err_set(e, ERR_INVALID, 0, EINVAL, "option '%.64s' has a bad type", key);
		if (r < 0)
			return r;
	}
	return scan_options_finish(o, e);
}

static int entry_from_json(json_object *j, struct profile *pr, struct err *e)
{
	json_object *num, *owner, *acc, *opts;
	int64_t n, u;

	if (!json_object_object_get_ex(j, "profile", &num) ||
	    !json_object_object_get_ex(j, "owner", &owner) ||
	    !json_object_object_get_ex(j, "account", &acc) ||
	    !json_object_object_get_ex(j, "options", &opts) ||
	    !json_object_is_type(acc, json_type_string))
		return err_set(e, ERR_INVALID, 0, EINVAL, "an entry lacks profile, owner, account or options");
	n = json_object_get_int64(num);
	u = json_object_get_int64(owner);
	if (n < PROFILE_MIN || n > PROFILE_MAX || u < 0 || u >= (int64_t)UINT32_MAX ||
	    json_object_get_string_len(acc) >= PROFILE_ACCOUNT_MAX)
		return err_set(e, ERR_INVALID, 0, EINVAL, "an entry has a bad number, owner or account");
	memset(pr, 0, sizeof(*pr));
	pr->number = (uint32_t)n;
	pr->owner = (uid_t)u;
	snprintf(pr->account, sizeof(pr->account), "%s", json_object_get_string(acc));
	return options_from_json(opts, &pr->opts, e);
}

/* The file's text as it would be with @used/@slot (malloc'd), or NULL. */
static char *store_text(const bool *used, const struct profile *slot)
{
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	const char *text;
	char *dup = NULL;

	if (!root || !arr) {
		json_object_put(root);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(root, "version", json_object_new_int(PROFILES_VERSION));
	for (uint32_t n = PROFILE_MIN; n <= PROFILE_MAX; n++) {
		json_object *j;

		if (!used[n])
			continue;
		j = json_object_new_object();
		if (!j)
			continue;
		json_object_object_add(j, "profile", json_object_new_int64(n));
		json_object_object_add(j, "owner", json_object_new_int64(slot[n].owner));
		json_object_object_add(j, "account", json_object_new_string(slot[n].account));
		json_object_object_add(j, "options", options_to_json(&slot[n].opts));
		json_object_array_add(arr, j);
	}
	json_object_object_add(root, "profiles", arr);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	if (text)
		dup = strdup(text);
	json_object_put(root);
	return dup;
}

static int read_file(const char *path, char **out, struct err *e)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_set(e, ERR_LOCAL, errno, errno, "profiles: cannot open %s: %s",
			       path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PROFILES_FILE_MAX) {
		close(fd);
		return err_set(e, ERR_LOCAL, EFBIG, EFBIG,
			       "profiles: %s is not a regular file of at most %d bytes",
			       path, PROFILES_FILE_MAX);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return err_set(e, ERR_LOCAL, EIO, EIO, "profiles: cannot read %s", path);
	}
	buf[st.st_size] = '\0';
	close(fd);
	*out = buf;
	return 1;
}

static int parse(struct profiles *p, const char *path, const char *text,
		 struct err *e)
{
	json_object *root = json_tokener_parse(text), *arr, *ver;
	size_t n;

	if (!root || !json_object_object_get_ex(root, "version", &ver) ||
	    json_object_get_int(ver) != PROFILES_VERSION ||
	    !json_object_object_get_ex(root, "profiles", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(root);
		return err_set(e, ERR_LOCAL, EINVAL, EINVAL,
			       "profiles: %s is not a version %d profile store (move it away to start empty)",
			       path, PROFILES_VERSION);
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct profile pr;
		struct err pe;

		err_clear(&pe);
		if (entry_from_json(json_object_array_get_idx(arr, i), &pr, &pe) < 0 ||
		    p->used[pr.number]) {
			log_msg(LOG_WARNING, "profiles: %s: entry %zu dropped: %s", path, i,
				pe.msg[0] ? pe.msg : "profile number given twice");
			continue;
		}
		p->used[pr.number] = true;
		p->slot[pr.number] = pr;
	}
	json_object_put(root);
	return 0;
}

int profiles_load(const char *dir, struct accounts_writer *writer,
		  struct profiles **out, struct err *e)
{
	struct profiles *p = calloc(1, sizeof(*p));
	char path[PATH_MAX], tmp[PATH_MAX];
	char *text = NULL;
	int r;

	if (!p || !(p->dir = strdup(dir))) {
		free(p);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "profiles: out of memory");
	}
	p->writer = writer;
	snprintf(path, sizeof(path), "%s/%s", dir, PROFILES_FILE);
	/* writes interrupted by a crash (durable.c's temp name, and the
	 * one versions before it used) */
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, PROFILES_FILE);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, PROFILES_FILE);
	unlink(tmp);
	r = read_file(path, &text, e);
	if (r > 0) {
		r = parse(p, path, text, e);
		free(text);
	}
	if (r < 0) {
		profiles_free(p);
		return r;
	}
	*out = p;
	return 0;
}

struct profiles *profiles_free(struct profiles *p)
{
	if (p) {
		free(p->dir);
		free(p);
	}
	return NULL;
}

const struct profile *profiles_get(const struct profiles *p, uint32_t number)
{
	if (number < PROFILE_MIN || number > PROFILE_MAX || !p->used[number])
		return NULL;
	return &p->slot[number];
}

const struct profile *profiles_next(const struct profiles *p,
				    const struct profile *prev)
{
	for (uint32_t n = prev ? prev->number + 1 : PROFILE_MIN; n <= PROFILE_MAX; n++)
		if (p->used[n])
			return &p->slot[n];
	return NULL;
}

/*
 * Writer thread: write the new file. Its failure is the change's result,
 * not the writer's (accounts_wait_written() must not see it): kept in @w.
 */
static int write_work(void *arg, struct err *e)
{
	struct profiles_write *w = arg;

	err_clear(&w->e);
	w->r = durable_write_at(AT_FDCWD, w->p->dir, PROFILES_FILE, w->text,
				strlen(w->text), "profiles", &w->e);
	return 0;
}

/* Main thread: the change is on disk (adopted) or not; tell the caller. */
static void write_done(struct daemon *d, void *arg, int r, const struct err *e)
{
	struct profiles_write *w = arg;
	struct profiles *p = w->p;

	p->writing = false;
	if (w->r == 0) {
		p->used[w->number] = w->used;
		if (w->used)
			p->slot[w->number] = w->pr;
	}
	w->done(d, w->ud, w->r, &w->e);
	free(w->text);
	free(w);
}

/* The file's text with profile @number set to @pr (NULL: unassigned). */
static char *changed_text(struct profiles *p, uint32_t number,
			  const struct profile *pr)
{
	bool used[PROFILE_MAX + 1];
	struct profile old = p->slot[number];
	char *text;

	memcpy(used, p->used, sizeof(used));
	used[number] = pr != NULL;
	if (pr)
		p->slot[number] = *pr;
	text = store_text(used, p->slot);
	p->slot[number] = old;
	return text;
}

/* Queue the write of the store with profile @number set to @pr (or not). */
static int write_start(struct profiles *p, uint32_t number,
		       const struct profile *pr, profiles_done_fn done,
		       void *ud, struct err *e)
{
	struct profiles_write *w;
	int r;

	if (p->writing)
		return err_set(e, ERR_LOCAL, EBUSY, EBUSY,
			       "a change to the panel profiles is still being saved; try again");
	w = calloc(1, sizeof(*w));
	if (w)
		w->text = changed_text(p, number, pr);
	if (!w || !w->text) {
		free(w);
		return err_set(e, ERR_LOCAL, ENOMEM, ENOMEM, "profiles: out of memory");
	}
	w->p = p;
	w->number = number;
	w->used = pr != NULL;
	if (pr)
		w->pr = *pr;
	w->done = done;
	w->ud = ud;
	r = accounts_writer_submit(p->writer, write_work, write_done, w, NULL, e);
	if (r < 0) {
		free(w->text);
		free(w);
		return r;
	}
	p->writing = true;
	return 0;
}

int profiles_set(struct profiles *p, const struct profile *pr,
		 profiles_done_fn done, void *ud, struct err *e)
{
	if (pr->number < PROFILE_MIN || pr->number > PROFILE_MAX)
		return err_set(e, ERR_INVALID, 0, EINVAL,
			       "profile %u is out of range (%d..%d)", pr->number,
			       PROFILE_MIN, PROFILE_MAX);
	return write_start(p, pr->number, pr, done, ud, e);
}

int profiles_clear(struct profiles *p, uint32_t number, profiles_done_fn done,
		   void *ud, struct err *e)
{
	if (!profiles_get(p, number))
		return -ENOENT;
	return write_start(p, number, NULL, done, ud, e);
}
