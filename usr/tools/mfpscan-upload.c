// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-upload: the uploader (usr/lib/upload.h) on the command line, for
 * the integration tests, the benchmark and people checking an account by
 * hand. Secrets come from a file or the environment, never from argv,
 * because argv is visible to every user in /proc.
 *
 *   mfpscan-upload [options] check             -> "ok free=N used=N" | "ok free=unknown"
 *   mfpscan-upload [options] put FILE [NAME]   -> "uploaded URL" | "already-there URL"
 *   mfpscan-upload [options] exists NAME SIZE  -> "yes" | "no"
 *   mfpscan-upload [options] -R FILE abort NAME -> "aborted"
 *
 * With -R FILE a put is resumable: FILE keeps the upload's progress
 * (written after each acknowledged chunk, removed on success), so that the
 * next put of the same document continues where this one stopped.
 *
 * Failures print "mfpscan-upload: error: CLASS: message" on stderr and exit
 * 1; usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "upload.h"

#define SECRET_MAX 4096

static char secret[SECRET_MAX];
static const char *resume_file;
static struct upload_resume resume;

static void usage(FILE *f)
{
	fputs("usage: mfpscan-upload [options] check\n"
	      "       mfpscan-upload [options] put FILE [NAME]\n"
	      "       mfpscan-upload [options] exists NAME SIZE\n"
	      "       mfpscan-upload [options] -R FILE abort NAME\n"
	      "options:\n"
	      "  -t, --type TYPE           local, webdav, s3, sftp or smb\n"
	      "  -u, --url URL             destination URL (no credentials in it)\n"
	      "  -f, --folder FOLDER       sub-folder (local: the directory)\n"
	      "  -U, --user NAME           login (webdav, sftp, smb)\n"
	      "  -D, --domain NAME         SMB domain or workgroup\n"
	      "  -p, --password-file FILE  password / S3 secret key, first line\n"
	      "                            (else $MFPSCAN_UPLOAD_PASSWORD)\n"
	      "  -k, --access-key ID       S3 access key id\n"
	      "  -r, --region REGION       S3 region (us-east-1)\n"
	      "  -c, --ca-file FILE        pinned CA bundle for https\n"
	      "  -H, --host-key SHA256     SFTP host key fingerprint (base64)\n"
	      "  -I, --allow-insecure-http log in over a plain http:// url (webdav, s3)\n"
	      "  -T, --timeout SECONDS     connect/stall timeout (30)\n"
	      "  -C, --content-type TYPE   Content-Type of the upload\n"
	      "  -P, --progress            print progress on stderr\n"
	      "  -R, --resume-file FILE    resumable put; FILE keeps its progress\n"
	      "  -K, --chunk-size BYTES    resumable put: part/chunk size (8 MiB)\n", f);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* First line of @path, without its newline, into the static secret. */
static const char *read_secret(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		fprintf(stderr, "mfpscan-upload: cannot open %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	if (!fgets(secret, sizeof(secret), f))
		secret[0] = '\0';
	fclose(f);
	n = strcspn(secret, "\r\n");
	secret[n] = '\0';
	return secret;
}

static int fail(const struct err *e)
{
	fprintf(stderr, "mfpscan-upload: error: %s: %s\n",
		err_class_name(e->cls) ? err_class_name(e->cls) : "?", e->msg);
	return 1;
}

static int progress(void *ud, uint64_t sent, uint64_t total)
{
	fprintf(stderr, "progress %" PRIu64 "/%" PRIu64 "\n", sent, total);
	return 0;
}

/* The resume state, first line of the resume file ("" if none). */
static void resume_load(void)
{
	FILE *f = fopen(resume_file, "re");

	resume.state[0] = '\0';
	if (f && fgets(resume.state, sizeof(resume.state), f))
		resume.state[strcspn(resume.state, "\r\n")] = '\0';
	if (f)
		fclose(f);
}

/* Durable: temp file, fsync, rename (a crash keeps the old or the new). */
static int resume_save(void *ud, const char *state, uint64_t acked)
{
	char tmp[4096];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", resume_file);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	ok = fprintf(f, "%s\n%" PRIu64 "\n", state, acked) > 0;
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	return ok && rename(tmp, resume_file) == 0 ? 0 : -1;
}

static int cmd_abort(const struct dest *d, const char *name)
{
	struct err e = { 0 };

	resume_load();
	if (upload_resume_abort(d, name, resume.state, &e) < 0)
		return fail(&e);
	unlink(resume_file);
	printf("aborted\n");
	return 0;
}

static int cmd_check(const struct dest *d)
{
	struct upload_space s = { 0 };
	struct err e = { 0 };

	if (upload_check(d, &s, &e) < 0)
		return fail(&e);
	if (s.known)
		printf("ok free=%" PRIu64 " used=%" PRIu64 "\n", s.free_bytes,
		       s.used_bytes);
	else
		printf("ok free=unknown\n");
	return 0;
}

static int cmd_put(const struct dest *d, const char *file, const char *name,
		   const char *ctype, bool show)
{
	char url[4096];
	struct err e = { 0 };
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "mfpscan-upload: %s is not a readable file\n", file);
		if (fd >= 0)
			close(fd);
		return 2;
	}
	if (!name) {
		name = strrchr(file, '/');
		name = name ? name + 1 : file;
	}
	if (resume_file) {
		resume_load();
		resume.save = resume_save;
	}
	r = upload_put_resumable(d, name, fd, (uint64_t)st.st_size, ctype,
				 show ? progress : NULL, NULL,
				 resume_file ? &resume : NULL, url, sizeof(url), &e);
	close(fd);
	if (resume_file && resume.resumed_from)
		fprintf(stderr, "resumed-from %" PRIu64 "\n", resume.resumed_from);
	if (r < 0)
		return fail(&e);
	if (resume_file)
		unlink(resume_file);
	printf("%s %s\n", r == UPLOAD_ALREADY_THERE ? "already-there" : "uploaded", url);
	return 0;
}

static int cmd_exists(const struct dest *d, const char *name, const char *size)
{
	struct err e = { 0 };
	uint64_t sz;
	bool there = false;

	if (parse_u64(size, &sz)) {
		fprintf(stderr, "mfpscan-upload: SIZE must be a number of bytes\n");
		return 2;
	}
	if (upload_exists(d, name, sz, &there, &e) < 0)
		return fail(&e);
	printf("%s\n", there ? "yes" : "no");
	return 0;
}

static const struct option opts[] = {
	{ "type", required_argument, NULL, 't' },
	{ "url", required_argument, NULL, 'u' },
	{ "folder", required_argument, NULL, 'f' },
	{ "user", required_argument, NULL, 'U' },
	{ "domain", required_argument, NULL, 'D' },
	{ "password-file", required_argument, NULL, 'p' },
	{ "access-key", required_argument, NULL, 'k' },
	{ "region", required_argument, NULL, 'r' },
	{ "ca-file", required_argument, NULL, 'c' },
	{ "host-key", required_argument, NULL, 'H' },
	{ "allow-insecure-http", no_argument, NULL, 'I' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "content-type", required_argument, NULL, 'C' },
	{ "progress", no_argument, NULL, 'P' },
	{ "resume-file", required_argument, NULL, 'R' },
	{ "chunk-size", required_argument, NULL, 'K' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* Parse options into @d; returns the index of the command or -1. */
static int parse(int argc, char **argv, struct dest *d, const char **ctype,
		 bool *show)
{
	uint64_t t;
	int c, type;

	while ((c = getopt_long(argc, argv, "t:u:f:U:D:p:k:r:c:H:IT:C:PR:K:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			type = dest_type_from_name(optarg);
			if (type < 0)
				return -1;
			d->type = (enum dest_type)type;
			break;
		case 'u': d->url = optarg; break;
		case 'f': d->folder = optarg; break;
		case 'U': d->username = optarg; break;
		case 'D': d->domain = optarg; break;
		case 'p':
			d->password = read_secret(optarg);
			if (!d->password)
				return -1;
			break;
		case 'k': d->access_key = optarg; break;
		case 'r': d->region = optarg; break;
		case 'c': d->ca_file = optarg; break;
		case 'H': d->host_key_sha256 = optarg; break;
		case 'I': d->allow_insecure_http = true; break;
		case 'T':
			if (parse_u64(optarg, &t) || t > 86400)
				return -1;
			d->timeout_s = (long)t;
			break;
		case 'C': *ctype = optarg; break;
		case 'P': *show = true; break;
		case 'R': resume_file = optarg; break;
		case 'K':
			if (parse_u64(optarg, &t))
				return -1;
			resume.chunk_size = t;
			break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	return optind < argc ? optind : -1;
}

int main(int argc, char **argv)
{
	struct dest d = { .type = (enum dest_type)-1 };
	const char *ctype = NULL;
	bool show = false;
	int i;

	log_open("mfpscan-upload", false, LOG_WARNING);
	i = parse(argc, argv, &d, &ctype, &show);
	if (i < 0 || (int)d.type < 0) {
		usage(stderr);
		return 2;
	}
	if (!d.password)
		d.password = getenv("MFPSCAN_UPLOAD_PASSWORD");
	if (upload_init() < 0)
		return 1;
	if (strcmp(argv[i], "check") == 0 && argc - i == 1)
		return cmd_check(&d);
	if (strcmp(argv[i], "put") == 0 && (argc - i == 2 || argc - i == 3))
		return cmd_put(&d, argv[i + 1], argc - i == 3 ? argv[i + 2] : NULL,
			       ctype, show);
	if (strcmp(argv[i], "exists") == 0 && argc - i == 3)
		return cmd_exists(&d, argv[i + 1], argv[i + 2]);
	if (strcmp(argv[i], "abort") == 0 && argc - i == 2 && resume_file)
		return cmd_abort(&d, argv[i + 1]);
	usage(stderr);
	return 2;
}
