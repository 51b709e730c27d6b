// SPDX-License-Identifier: GPL-2.0
/*
 * dbus_fuzz: a seedable D-Bus fuzzer for org.mfpscan.Daemon1, run by
 * tests/adversarial/test_dbus_fuzz.sh as an unprivileged user.
 *
 * It sends N method calls (counted when sd-bus accepted them for sending)
 * to the daemon over many short-lived connections, several calls in
 * flight on each, and counts every answer by its error name ("(return)"
 * for a method return). The members come from a spec file written from
 * dbus/org.mfpscan.Daemon1.xml, so a new method or property is fuzzed
 * without editing this file:
 *
 *   M <interface> <member> <in-signature or ->
 *   P <interface> <property> <type> <read|readwrite>
 *
 * A call is a real member with its own signature and hostile values (path
 * traversal, format strings, control characters, 1 MiB strings, random
 * and foreign object paths, dictionaries with too many or mistyped
 * entries, fds inside variants), or the same member with a wrong or
 * mutated signature (fds where none are expected), or a Properties
 * Get/Set/GetAll on real and made-up names, or an interface the policy
 * does not allow. Objects the daemon creates for the fuzzer (CreateAccount,
 * Scan) become targets too. Connections end after a random number of calls, some
 * with calls still unanswered. Strings that are not UTF-8 and fds that
 * are closed are refused by sd-bus before sending ("client:" outcomes,
 * not counted as calls): the bus would drop the connection for them.
 *
 * Usage: dbus_fuzz --address ADDR --spec FILE [--paths FILE] [--seed N]
 *                  [--calls N] [--conns N] [--inflight N]
 * Prints "seed N" first (rerun with --seed N for the same call sequence,
 * modulo timing), then "outcome COUNT NAME" lines and a summary. Exits 1
 * when a call got no answer (NoReply/Timeout) or a connection was lost
 * without being closed by us.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#define DEST		"org.mfpscan.Daemon1"
#define ROOT_PATH	"/org/mfpscan/Daemon1"
#define CALL_TIMEOUT_US	(60ULL * 1000000ULL)
#define MEMBERS_MAX	256
#define PATHS_MAX	256
#define OUTCOMES_MAX	256
#define CONNS_MAX	64
#define BIG_LEN		(1u << 20)	/* the 1 MiB string */
#define DEPTH_MAX	3

struct member {
	char iface[128];
	char name[64];
	char sig[64];	/* in-signature, or property type */
	bool property;
};

struct outcome {
	char name[160];
	uint64_t count;
};

struct conn {
	sd_bus *bus;
	unsigned int inflight;
	unsigned int budget;	/* calls left before this connection ends */
};

static struct member members[MEMBERS_MAX];
static size_t n_members;
static char *paths[PATHS_MAX];
static size_t n_paths;
static struct outcome outcomes[OUTCOMES_MAX];
static size_t n_outcomes;
static uint64_t rng_state;
static int fd_pool[8];
static size_t n_fds;
static char *big, *mid, *small_big;
static uint64_t opened, closed_midcall, lost;

/* xorshift64*: the whole run follows from the seed. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int pick(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return pick(100) < percent;
}

static void count(const char *name)
{
	size_t i;

	for (i = 0; i < n_outcomes; i++) {
		if (strcmp(outcomes[i].name, name) == 0) {
			outcomes[i].count++;
			return;
		}
	}
	if (n_outcomes == OUTCOMES_MAX)
		name = "(other)";
	else
		n_outcomes++;
	snprintf(outcomes[i].name, sizeof(outcomes[i].name), "%s", name);
	outcomes[i].count++;
}

static uint64_t outcome_count(const char *name)
{
	for (size_t i = 0; i < n_outcomes; i++)
		if (strcmp(outcomes[i].name, name) == 0)
			return outcomes[i].count;
	return 0;
}

/* --- what to send ----------------------------------------------------- */

static const char *const hostile[] = {
	"", " ", ".", "..", "../../../../etc/shadow", "/etc/passwd",
	"/root/.ssh/id_rsa", "folder/../../..", "%s%s%s%s%n%n%x%p",
	"%99999999s", "%.1000000f", "{counter}{name}{date}{time}{page}",
	"{{{{{{{{", "}}}}", "{", "doc-{counter}", "a@b.c\r\nBcc: x@y.z",
	"\r\n\r\nQUIT\r\n", "$(id)", "`reboot`", "; rm -rf / #", "|cat /etc/shadow",
	"file:///etc/shadow", "http://127.0.0.1:1/dav", "https://user:pw@127.0.0.1/",
	"sftp://127.0.0.1:1/x", "s3://bucket", "smb://127.0.0.1/share",
	"webdav", "s3", "sftp", "smb", "local", "LOCAL", "pdf", "png", "jpeg",
	"tiff", "bmp", "color", "gray", "mono", "adf", "flatbed", "on", "off",
	"eng", "eng+deu+../../x", "-1", "0", "4294967296", "18446744073709551616",
	"1e309", "NaN", "true", "\x01\x02\x03\x1b[2J\x7f", "\t\v\f",
	"\xe2\x80\xae" "fdp.exe", "\xef\xbf\xbf\xef\xbf\xbe", "\xf0\x9f\x93\xa0",
	"\xc2\xa0", "default", "mfpscan0", "/dev/mfpscan0", "pattern:",
	"pattern:image=/etc/shadow", "libusb:", "/org/mfpscan/Daemon1",
	"org.mfpscan.Daemon1.Error.AccessDenied", "root", "0:0",
};

/* Not UTF-8: sd-bus refuses them before sending. */
static const char *const not_utf8[] = {
	"\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "a\x80", "\xf8\x88\x80\x80\x80",
};

static const char *const setting_keys[] = {
	"url", "folder", "username", "password", "name-template", "format",
	"resolution", "mode", "source", "pages", "ocr", "ca-file", "host-key",
	"region", "access-key", "secret-key", "domain", "notify-email", "device",
	"width-mm", "height-mm", "name", "duplex", "quality", "type", "",
	"password\n", "../folder", "x-unknown",
};

static char rnd_buf[4096];

static const char *rnd_ascii(void)
{
	unsigned int n = pick(sizeof(rnd_buf) - 1);

	for (unsigned int i = 0; i < n; i++)
		rnd_buf[i] = (char)(0x20 + pick(0x5f));
	rnd_buf[n] = 0;
	return rnd_buf;
}

static const char *gen_string(void)
{
	unsigned int r = pick(1000);

	if (r < 3)
		return big;		/* 1 MiB */
	if (r < 13)
		return mid;		/* 64 KiB */
	if (r < 40)
		return small_big;	/* 4 KiB */
	if (r < 60)
		return not_utf8[pick(sizeof(not_utf8) / sizeof(*not_utf8))];
	if (r < 250)
		return rnd_ascii();
	if (r < 350 && n_paths)
		return paths[pick((unsigned int)n_paths)];
	return hostile[pick(sizeof(hostile) / sizeof(*hostile))];
}

static char path_buf[512];

/* A pool path of the kind @iface lives on ("account", "job", "spool"). */
static const char *pool_path_for(const char *iface)
{
	static const char *const kinds[][2] = {
		{ ".Account", "/account/" }, { ".Job", "/job/" },
		{ ".SpoolEntry", "/spool/" },
	};
	const char *want = NULL;
	unsigned int start = pick((unsigned int)(n_paths ? n_paths : 1));

	for (size_t k = 0; k < 3; k++)
		if (strstr(iface, kinds[k][0]))
			want = kinds[k][1];
	if (!want)
		return ROOT_PATH;
	for (size_t i = 0; i < n_paths; i++) {
		const char *p = paths[(start + i) % n_paths];

		if (strstr(p, want))
			return p;
	}
	return ROOT_PATH;
}

static const char *gen_path(void)
{
	static const char *const kinds[] = { "account", "job", "spool" };
	unsigned int r = pick(100);

	if (r < 45 && n_paths)
		return paths[pick((unsigned int)n_paths)];
	if (r < 60)
		return ROOT_PATH;
	if (r < 65)
		return "/";
	if (r < 90) {
		snprintf(path_buf, sizeof(path_buf), ROOT_PATH "/%s/%s%" PRIu64,
			 kinds[pick(3)], chance(50) ? "u1000_" : "",
			 rnd() % (chance(50) ? 100 : UINT64_MAX));
		return path_buf;
	}
	/* a valid path of made-up elements, sometimes deep */
	size_t len = 0;
	unsigned int depth = 1 + pick(chance(5) ? 60 : 5);

	for (unsigned int i = 0; i < depth && len + 12 < sizeof(path_buf); i++) {
		path_buf[len++] = '/';
		unsigned int n = 1 + pick(10);

		for (unsigned int k = 0; k < n; k++)
			path_buf[len++] = "abcXYZ019_"[pick(10)];
	}
	path_buf[len] = 0;
	return path_buf;
}

/* A valid single complete type, for variants and wrong signatures. */
static const char *gen_type(void)
{
	static const char *const types[] = {
		"s", "s", "s", "u", "i", "t", "x", "b", "d", "y", "n", "q", "o",
		"g", "h", "h", "as", "ay", "a{sv}", "a{ss}", "v", "(ss)", "(uo)",
		"a(oss)", "aay",
	};

	return types[pick(sizeof(types) / sizeof(*types))];
}

/* Length of the single complete type at @s (0 when malformed). */
static size_t type_len(const char *s)
{
	if (!*s)
		return 0;
	if (*s == 'a') {
		size_t n = type_len(s + 1);

		return n ? n + 1 : 0;
	}
	if (*s == '(' || *s == '{') {
		char close = *s == '(' ? ')' : '}';
		size_t i = 1;

		while (s[i] && s[i] != close) {
			size_t n = type_len(s + i);

			if (!n)
				return 0;
			i += n;
		}
		return s[i] ? i + 1 : 0;
	}
	return 1;
}

static int append_value(sd_bus_message *m, const char *t, size_t tlen,
			unsigned int depth, bool key);

static int append_basic_number(sd_bus_message *m, char t)
{
	static const uint64_t edges[] = {
		0, 1, 2, 75, 300, 600, 1200, 0x7f, 0x80, 0xff, 0x7fff, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, UINT64_MAX,
	};
	uint64_t v = chance(60) ? edges[pick(sizeof(edges) / sizeof(*edges))] : rnd();
	union {
		uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u;
		int64_t x; uint64_t t; double d; int b;
	} u;

	switch (t) {
	case 'y': u.y = (uint8_t)v; break;
	case 'n': u.n = (int16_t)v; break;
	case 'q': u.q = (uint16_t)v; break;
	case 'i': u.i = (int32_t)v; break;
	case 'u': u.u = (uint32_t)v; break;
	case 'x': u.x = (int64_t)v; break;
	case 't': u.t = v; break;
	case 'b': u.b = (int)(v & 1); break;
	default: u.d = chance(10) ? 1e308 * 10 : (double)(int64_t)v / 7.0; break;
	}
	return sd_bus_message_append_basic(m, t, &u);
}

static int append_fd(sd_bus_message *m)
{
	int fd = chance(5) || !n_fds ? 1000 + (int)pick(100) /* closed */ :
		 fd_pool[pick((unsigned int)n_fds)];

	return sd_bus_message_append_basic(m, 'h', &fd);
}

static int append_array(sd_bus_message *m, const char *elem, size_t elen,
			unsigned int depth)
{
	char sig[64];
	unsigned int n = pick(5);
	int r;

	if (elen >= sizeof(sig))
		return -EINVAL;
	memcpy(sig, elem, elen);
	sig[elen] = 0;
	if (chance(3))
		n = 33 + pick(40);	/* more entries than a dict may have */
	if (elem[0] == 'y' && chance(5)) {
		/* a big byte array in one piece */
		size_t len = chance(20) ? BIG_LEN : 1 + pick(65536);

		return sd_bus_message_append_array(m, 'y', big, len);
	}
	if (depth >= DEPTH_MAX)
		n = 0;
	r = sd_bus_message_open_container(m, 'a', sig);
	for (unsigned int i = 0; r >= 0 && i < n; i++)
		r = append_value(m, elem, elen, depth + 1, false);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_compound(sd_bus_message *m, const char *t, size_t tlen,
			   unsigned int depth)
{
	char contents[64];
	size_t i = 1, clen = tlen - 2;
	int r;

	if (clen >= sizeof(contents))
		return -EINVAL;
	memcpy(contents, t + 1, clen);
	contents[clen] = 0;
	r = sd_bus_message_open_container(m, t[0] == '(' ? 'r' : 'e', contents);
	while (r >= 0 && i < tlen - 1) {
		size_t n = type_len(t + i);

		/* the key of a dict entry is a setting name most of the time */
		r = append_value(m, t + i, n, depth + 1, t[0] == '{' && i == 1);
		i += n;
	}
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_variant(sd_bus_message *m, unsigned int depth)
{
	const char *t = depth >= DEPTH_MAX ? "s" : chance(50) ? "s" : gen_type();
	int r = sd_bus_message_open_container(m, 'v', t);

	if (r >= 0)
		r = append_value(m, t, strlen(t), depth + 1, false);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_value(sd_bus_message *m, const char *t, size_t tlen,
			unsigned int depth, bool key)
{
	const char *s;

	switch (t[0]) {
	case 's':
		s = key && chance(80) ?
		    setting_keys[pick(sizeof(setting_keys) / sizeof(*setting_keys))] :
		    gen_string();
		return sd_bus_message_append_basic(m, 's', s);
	case 'o':
		return sd_bus_message_append_basic(m, 'o', gen_path());
	case 'g':
		return sd_bus_message_append_basic(m, 'g', gen_type());
	case 'h':
		return append_fd(m);
	case 'v':
		return append_variant(m, depth);
	case 'a':
		return append_array(m, t + 1, tlen - 1, depth);
	case '(':
	case '{':
		return append_compound(m, t, tlen, depth);
	default:
		return append_basic_number(m, t[0]);
	}
}

/* Append values for every complete type of @sig. */
static int append_all(sd_bus_message *m, const char *sig)
{
	for (size_t i = 0; sig[i];) {
		size_t n = type_len(sig + i);
		int r;

		if (!n)
			return -EINVAL;
		r = append_value(m, sig + i, n, 0, false);
		if (r < 0)
			return r;
		i += n;
	}
	return 0;
}

/* The right signature, or a wrong one: fewer, more or other types. */
static void gen_signature(const char *right, char *out, size_t len)
{
	unsigned int r = pick(100);
	size_t rl = strlen(right);

	out[0] = 0;
	if (r < 72) {
		snprintf(out, len, "%s", right);
	} else if (r < 78 && rl) {
		/* drop the last complete type */
		size_t i = 0, last = 0;

		while (i < rl) {
			last = i;
			i += type_len(right + i) ? type_len(right + i) : rl;
		}
		snprintf(out, len, "%.*s", (int)last, right);
	} else if (r < 86) {
		snprintf(out, len, "%s%s", right, chance(50) ? "h" : gen_type());
	} else {
		unsigned int n = pick(4);

		for (unsigned int i = 0; i < n; i++)
			strncat(out, gen_type(), len - strlen(out) - 1);
	}
}

/* --- calls --------------------------------------------------------------- */

static int on_reply(sd_bus_message *m, void *userdata,
		    sd_bus_error *ret __attribute__((unused)))
{
	struct conn *c = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	const char *obj = NULL;

	if (c->inflight)
		c->inflight--;
	count(e ? e->name : "(return)");
	/* a new object of the fuzzer's own (CreateAccount, Scan): a target */
	if (!e && n_paths < PATHS_MAX && sd_bus_message_has_signature(m, "o") &&
	    sd_bus_message_read_basic(m, 'o', &obj) > 0 && obj)
		paths[n_paths++] = strdup(obj);
	return 0;
}

static const char *const std_ifaces[] = {
	"org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer",
	"org.freedesktop.DBus.ObjectManager",
};

/* Fill @m's header choices; returns the signature to send. */
static int new_call(sd_bus *bus, sd_bus_message **m, char *sig, size_t len)
{
	const struct member *mb = &members[pick((unsigned int)n_members)];
	/* mostly an object that has the member's interface, to pass sd-bus */
	const char *path = chance(60) ? pool_path_for(mb->iface) : gen_path();
	const char *iface, *name, *right;
	unsigned int r = pick(100);

	if (r < 72 && !mb->property) {
		iface = mb->iface;
		name = mb->name;
		right = mb->sig;
	} else if (r < 88) {
		/* Properties: a real or made-up interface and property */
		static const char *const ops[] = { "Get", "GetAll", "Set" };
		const char *op = ops[pick(3)];

		iface = "org.freedesktop.DBus.Properties";
		name = op;
		right = op[3] == 'A' ? "s" : op[0] == 'G' ? "ss" : "ssv";
		gen_signature(right, sig, len);
		int e = sd_bus_message_new_method_call(bus, m, DEST, path, iface, name);

		if (e < 0)
			return e;
		if (strcmp(sig, right) != 0)
			return 1;
		/* the right shape, with names chosen here */
		e = sd_bus_message_append_basic(*m, 's', chance(85) ? mb->iface :
						gen_string());
		if (e >= 0 && op[3] != 'A')
			e = sd_bus_message_append_basic(*m, 's', chance(85) ? mb->name :
							gen_string());
		if (e >= 0 && op[0] == 'S') {
			const char *t = chance(50) && mb->property ? mb->sig : gen_type();

			e = sd_bus_message_open_container(*m, 'v', t);
			if (e >= 0)
				e = append_value(*m, t, strlen(t), 1, false);
			if (e >= 0)
				e = sd_bus_message_close_container(*m);
		}
		sig[0] = 0;
		return e < 0 ? e : 0;
	} else if (r < 95) {
		static const char *const std_names[] = {
			"Introspect", "Ping", "GetMachineId", "GetManagedObjects",
		};

		iface = std_ifaces[pick(3)];
		name = std_names[pick(4)];
		right = "";
	} else {
		/* not allowed by the bus policy, or not a member of ours */
		iface = chance(50) ? "org.mfpscan.Daemon1.Admin" : mb->iface;
		name = chance(50) ? "Shutdown" : "Reboot";
		right = "s";
	}
	gen_signature(right, sig, len);
	return sd_bus_message_new_method_call(bus, m, DEST, path, iface, name);
}

/* Build and send one call on @c; 1 when sent, 0 when sd-bus refused it. */
static int send_one(struct conn *c)
{
	sd_bus_message *m = NULL;
	char sig[64], what[96];
	int r = new_call(c->bus, &m, sig, sizeof(sig));

	if (r >= 0 && sig[0])
		r = append_all(m, sig);
	if (r >= 0)
		r = sd_bus_call_async(c->bus, NULL, m, on_reply, c, CALL_TIMEOUT_US);
	sd_bus_message_unref(m);
	if (r < 0) {
		snprintf(what, sizeof(what), "client: %s", strerror(-r));
		count(what);
		return 0;
	}
	c->inflight++;
	return 1;
}

/* --- connections --------------------------------------------------------- */

static int conn_open(struct conn *c, const char *address)
{
	int r = sd_bus_new(&c->bus);

	if (r >= 0)
		r = sd_bus_set_address(c->bus, address);
	if (r >= 0)
		r = sd_bus_set_bus_client(c->bus, 1);
	if (r >= 0)
		r = sd_bus_negotiate_fds(c->bus, 1);
	if (r >= 0)
		r = sd_bus_start(c->bus);
	if (r < 0) {
		fprintf(stderr, "dbus_fuzz: connect %s: %s\n", address, strerror(-r));
		c->bus = sd_bus_unref(c->bus);
		return r;
	}
	c->inflight = 0;
	/* most connections make a few hundred calls, some only one or two */
	c->budget = chance(50) ? 1 + pick(4) : 20 + pick(200);
	opened++;
	return 0;
}

/* End @c: sometimes at once with calls unanswered (they are not counted). */
static void conn_close(struct conn *c)
{
	if (c->inflight)
		closed_midcall++;
	sd_bus_close(c->bus);
	c->bus = sd_bus_unref(c->bus);
}

/* Dispatch what arrived on every connection; -1 when one was lost. */
static void process_all(struct conn *cs, unsigned int n, const char *address)
{
	struct pollfd pfd[CONNS_MAX];

	for (unsigned int i = 0; i < n; i++) {
		int r;

		while ((r = sd_bus_process(cs[i].bus, NULL)) > 0)
			;
		if (r < 0 || !sd_bus_is_open(cs[i].bus)) {
			fprintf(stderr, "dbus_fuzz: connection lost: %s\n",
				strerror(r < 0 ? -r : ECONNRESET));
			lost++;
			conn_close(&cs[i]);
			if (conn_open(&cs[i], address) < 0)
				exit(2);
		}
		pfd[i].fd = sd_bus_get_fd(cs[i].bus);
		pfd[i].events = (short)sd_bus_get_events(cs[i].bus);
	}
	poll(pfd, n, 50);
}

/* --- setup --------------------------------------------------------------- */

static void load_spec(const char *file)
{
	FILE *f = fopen(file, "re");
	char line[512], kind[4], sig[64], access[16];

	if (!f) {
		perror(file);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) && n_members < MEMBERS_MAX) {
		struct member *mb = &members[n_members];

		access[0] = 0;
		if (sscanf(line, "%3s %127s %63s %63s %15s", kind, mb->iface,
			   mb->name, sig, access) < 4)
			continue;
		mb->property = kind[0] == 'P';
		snprintf(mb->sig, sizeof(mb->sig), "%s", strcmp(sig, "-") ? sig : "");
		n_members++;
	}
	fclose(f);
	if (!n_members) {
		fprintf(stderr, "dbus_fuzz: no members in %s\n", file);
		exit(2);
	}
}

static void load_paths(const char *file)
{
	FILE *f = fopen(file, "re");
	char line[512];

	if (!f) {
		perror(file);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) && n_paths < PATHS_MAX) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '/')
			paths[n_paths++] = strdup(line);
	}
	fclose(f);
}

static void make_fds(void)
{
	int p[2], s[2];

	if (pipe(p) == 0) {
		fd_pool[n_fds++] = p[0];
		fd_pool[n_fds++] = p[1];
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0)
		fd_pool[n_fds++] = s[0];
	fd_pool[n_fds++] = open("/dev/zero", O_RDONLY);
	fd_pool[n_fds++] = open("/dev/null", O_WRONLY);
	fd_pool[n_fds++] = eventfd(0, 0);
	fd_pool[n_fds++] = open("/", O_PATH | O_DIRECTORY);
	for (size_t i = 0; i < n_fds; i++)
		if (fd_pool[i] < 0)
			fd_pool[i] = 0;
}

static char *filled(size_t len, char ch)
{
	char *s = malloc(len + 1);

	if (!s)
		exit(2);
	memset(s, ch, len);
	s[len] = 0;
	return s;
}

static void print_outcomes(void)
{
	for (size_t i = 0; i < n_outcomes; i++)
		printf("outcome %" PRIu64 " %s\n", outcomes[i].count, outcomes[i].name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "spec", required_argument, NULL, 's' },
		{ "paths", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "calls", required_argument, NULL, 'n' },
		{ "conns", required_argument, NULL, 'c' },
		{ "inflight", required_argument, NULL, 'i' },
		{ 0 }
	};
	const char *address = NULL, *spec = NULL;
	uint64_t seed = 0, calls = 100000, sent = 0, answered;
	unsigned int nconns = 16, inflight = 16;
	struct conn cs[CONNS_MAX] = { 0 };
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': address = optarg; break;
		case 's': spec = optarg; break;
		case 'p': load_paths(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'n': calls = strtoull(optarg, NULL, 0); break;
		case 'c': nconns = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'i': inflight = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!address || !spec || !nconns || nconns > CONNS_MAX || !inflight) {
		fprintf(stderr, "usage: dbus_fuzz --address ADDR --spec FILE "
			"[--paths FILE] [--seed N] [--calls N] [--conns 1-64] "
			"[--inflight N]\n");
		return 2;
	}
	if (!seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	printf("seed %" PRIu64 "\n", seed);
	fflush(stdout);
	rng_state = seed ? seed : 1;
	load_spec(spec);
	make_fds();
	big = filled(BIG_LEN, 'A');
	mid = filled(65536, '%');
	small_big = filled(4096, '/');

	for (unsigned int i = 0; i < nconns; i++)
		if (conn_open(&cs[i], address) < 0)
			return 2;
	while (sent < calls) {
		for (unsigned int i = 0; i < nconns; i++) {
			struct conn *c = &cs[i];

			if (!c->budget && (!c->inflight || chance(40))) {
				conn_close(c);
				if (conn_open(c, address) < 0)
					return 2;
			}
			while (c->budget && c->inflight < inflight && sent < calls) {
				c->budget--;
				sent += (uint64_t)send_one(c);
			}
		}
		process_all(cs, nconns, address);
	}
	/* the answers still due; 60 s is the calls' own timeout */
	for (int spins = 0; spins < 2400; spins++) {
		unsigned int due = 0;

		for (unsigned int i = 0; i < nconns; i++)
			due += cs[i].inflight;
		if (!due)
			break;
		process_all(cs, nconns, address);
	}
	for (unsigned int i = 0; i < nconns; i++)
		conn_close(&cs[i]);

	answered = 0;
	for (size_t i = 0; i < n_outcomes; i++)
		if (strncmp(outcomes[i].name, "client:", 7) != 0)
			answered += outcomes[i].count;
	print_outcomes();
	printf("sent %" PRIu64 " answered %" PRIu64 " connections %" PRIu64
	       " closed-mid-call %" PRIu64 " lost %" PRIu64 "\n",
	       sent, answered, opened, closed_midcall, lost);
	if (outcome_count("org.freedesktop.DBus.Error.NoReply") ||
	    outcome_count("org.freedesktop.DBus.Error.Timeout") || lost) {
		printf("FAIL: calls went unanswered or connections were lost (seed %"
		       PRIu64 ")\n", seed);
		return 1;
	}
	return 0;
}
