/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "base/macro.h"
#include "base/numparse.h"
#include "base/stop.h"
#include "manifest.h"
#include "protocol.h"

/* Large reads: the page cache serves them at memory speed; 4 KiB reads would not. */
#define HASH_CHUNK (4u << 20)

void kl_manifest_free(struct kl_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_entries; i++) {
		free(m->entries[i].key);
		free(m->entries[i].value);
	}
	free(m->entries);
	free(m);
}

const char *kl_manifest_get(const struct kl_manifest *m, const char *key)
{
	for (size_t i = 0; i < m->n_entries; i++)
		if (streq(m->entries[i].key, key))
			return m->entries[i].value;
	return NULL;
}

static int parse_dec(const char *s, uint64_t *ret)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_hex16(const char *s, uint64_t *ret)
{
	if (strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16)
		return -EINVAL;
	*ret = strtoull(s, NULL, 16);
	return 0;
}

static int add_entry(struct kl_manifest *m, const char *key, size_t klen, const char *value,
		     size_t vlen)
{
	struct kl_manifest_entry *nv = reallocarray(m->entries, m->n_entries + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->entries = nv;
	char *k = strndup(key, klen), *v = strndup(value, vlen);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	nv[m->n_entries++] = (struct kl_manifest_entry){ k, v };
	return 0;
}

/* Interpret the known keys once all lines are in. */
static int manifest_known(struct kl_manifest *m, struct kl_error **err)
{
	static const struct {
		const char *key;
		size_t off, has_off; /* has_off == 0: required */
	} u64s[] = {
		{ KL_MANIFEST_SIZE, offsetof(struct kl_manifest, size), 0 },
		{ KL_MANIFEST_ALLOCATED, offsetof(struct kl_manifest, allocated),
		  offsetof(struct kl_manifest, has_allocated) },
		{ KL_MANIFEST_ZERO_PAGES, offsetof(struct kl_manifest, zero_pages),
		  offsetof(struct kl_manifest, has_zero_pages) },
		{ KL_MANIFEST_DATA_PAGES, offsetof(struct kl_manifest, data_pages),
		  offsetof(struct kl_manifest, has_data_pages) },
	};
	static const struct {
		const char *key;
		size_t off;
	} secs[] = {
		{ KL_MANIFEST_READ_SECONDS, offsetof(struct kl_manifest, read_seconds) },
		{ KL_MANIFEST_WRITE_SECONDS, offsetof(struct kl_manifest, write_seconds) },
		{ KL_MANIFEST_TOTAL_SECONDS, offsetof(struct kl_manifest, total_seconds) },
	};

	for (size_t i = 0; i < ELEMENTSOF(u64s); i++) {
		const char *v = kl_manifest_get(m, u64s[i].key);
		if (!v && u64s[i].has_off == 0)
			return kl_error_set(err, EBADMSG, "manifest has no %s= line", u64s[i].key);
		if (!v)
			continue;
		if (parse_dec(v, (uint64_t *)((char *)m + u64s[i].off)) < 0)
			return kl_error_set(err, EBADMSG,
					    "manifest %s=\"%s\" is not a decimal number",
					    u64s[i].key, v);
		if (u64s[i].has_off)
			*(bool *)((char *)m + u64s[i].has_off) = true;
	}
	for (size_t i = 0; i < ELEMENTSOF(secs); i++) {
		double *d = (double *)((char *)m + secs[i].off);
		const char *v = kl_manifest_get(m, secs[i].key);
		*d = -1;
		if (v && kl_parse_seconds(v, d) < 0)
			return kl_error_set(err, EBADMSG,
					    "manifest %s=\"%s\" is not a decimal number of seconds",
					    secs[i].key, v);
	}
	const char *h = kl_manifest_get(m, KL_MANIFEST_HASH);
	if (!h)
		return kl_error_set(err, EBADMSG, "manifest has no hash= line");
	if (parse_hex16(h, &m->hash) < 0)
		return kl_error_set(err, EBADMSG, "manifest hash=\"%s\" is not 16 hex digits", h);
	return 0;
}

static int parse_line(struct kl_manifest *m, const char *line, size_t len, unsigned lineno,
		      struct kl_error **err)
{
	if (len == 0 || line[0] == '#')
		return 0;
	const char *eq = memchr(line, '=', len);
	if (!eq || eq == line)
		return kl_error_set(err, EBADMSG, "manifest line %u: \"%.*s\" is not key=value",
				    lineno, (int)(len > 80 ? 80 : len), line);
	size_t klen = (size_t)(eq - line);
	for (size_t i = 0; i < klen; i++) {
		char c = line[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return kl_error_set(
				err, EBADMSG,
				"manifest line %u: key \"%.*s\" has a character outside [a-z0-9_]",
				lineno, (int)klen, line);
	}
	for (const char *v = eq + 1; v < line + len; v++)
		if ((unsigned char)*v < 0x20 && *v != '\t')
			return kl_error_set(err, EBADMSG,
					    "manifest line %u: control byte 0x%02x in value",
					    lineno, (unsigned char)*v);
	for (size_t i = 0; i < m->n_entries; i++)
		if (strlen(m->entries[i].key) == klen && !memcmp(m->entries[i].key, line, klen))
			return kl_error_set(err, EBADMSG, "manifest line %u: duplicate key \"%s\"",
					    lineno, m->entries[i].key);
	if (m->n_entries >= KL_MANIFEST_MAX_ENTRIES)
		return kl_error_set(err, E2BIG, "manifest line %u: more than %d entries", lineno,
				    KL_MANIFEST_MAX_ENTRIES);
	if (add_entry(m, line, klen, eq + 1, len - klen - 1) < 0)
		return kl_error_set(err, ENOMEM, "parsing manifest");
	return 0;
}

int kl_manifest_parse(const char *text, size_t len, struct kl_manifest **ret, struct kl_error **err)
{
	_cleanup_(kl_manifest_freep) struct kl_manifest *m = calloc(1, sizeof(*m));
	unsigned lineno = 0;

	if (!m)
		return kl_error_set(err, ENOMEM, "parsing manifest");
	if (len > KL_MANIFEST_MAX_BYTES)
		return kl_error_set(err, EFBIG, "manifest of %zu bytes exceeds the limit of %d",
				    len, KL_MANIFEST_MAX_BYTES);
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		lineno++;
		pos += llen + (nl ? 1 : 0);
		if (llen > KL_MANIFEST_MAX_LINE)
			return kl_error_set(err, EBADMSG,
					    "manifest line %u is %zu bytes long, the limit is %d",
					    lineno, llen, KL_MANIFEST_MAX_LINE);
		if (memchr(line, '\0', llen))
			return kl_error_set(err, EBADMSG, "manifest line %u holds a NUL byte",
					    lineno);
		if (llen && line[llen - 1] == '\r')
			llen--;
		int r = parse_line(m, line, llen, lineno, err);
		if (r < 0)
			return r;
	}
	int r = manifest_known(m, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int kl_manifest_read(const char *path, struct kl_manifest **ret, struct kl_error **err)
{
	_cleanup_close_ int fd = -1;
	uint64_t size;
	char buf[KL_MANIFEST_MAX_BYTES + 1];

	int r = kl_open_regular(path, "manifest", &fd, &size, err);
	if (r < 0)
		return r;
	/* Read one byte past the limit so a growing or oversized file is caught. */
	ssize_t n = kl_pread_full(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading manifest \"%s\"", path);
	size_t got = (size_t)n;
	if (got > KL_MANIFEST_MAX_BYTES)
		return kl_error_set(err, EFBIG, "manifest \"%s\" is larger than %d bytes", path,
				    KL_MANIFEST_MAX_BYTES);
	r = kl_manifest_parse(buf, got, ret, err);
	if (r < 0)
		kl_error_wrap(err, "\"%s\"", path);
	return r;
}

/* ---- hashing ---- */

static void freep_aligned(void *p)
{
	free(*(void **)p);
}

/* Hash pages of [start, end) (page-aligned start); pages past size are zero-padded. */
static int hash_range(int fd, const char *name, unsigned char *buf, uint64_t start, uint64_t end,
		      uint64_t size, uint64_t *sum, struct kl_hash_stats *st,
		      const struct kl_stop *stop, struct kl_error **err)
{
	for (uint64_t off = start; off < end;) {
		int r = kl_stop_poll(stop, "hashing the dump", err);
		if (r < 0)
			return r;
		size_t want = (size_t)(end - off < HASH_CHUNK ? end - off : HASH_CHUNK);
		size_t got = 0;
		while (got < want && off + got < size) {
			ssize_t n = pread(fd, buf + got, want - got, (off_t)(off + got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return kl_error_set(err, errno, "reading \"%s\" at offset %" PRIu64,
						    name, off + got);
			if (n == 0)
				return kl_error_set(err, EIO,
						    "\"%s\" ended at %" PRIu64
						    " while its size is %" PRIu64,
						    name, off + got, size);
			got += (size_t)n;
		}
		st->bytes_read += got;
		memset(buf + got, 0, want - got);
		for (size_t p = 0; p < want; p += KL_HASH_PAGE) {
			if (kl_page_is_zero(buf + p)) {
				st->zero_pages++;
				continue;
			}
			*sum += kl_page_hash(buf + p, off + p);
			st->data_pages++;
		}
		off += want;
	}
	return 0;
}

static uint64_t round_up_page(uint64_t x)
{
	return (x + KL_HASH_PAGE - 1) & ~(uint64_t)(KL_HASH_PAGE - 1);
}

int kl_dump_hash_fd(int fd, const char *name, uint64_t *ret_size, uint64_t *ret_hash,
		    struct kl_hash_stats *ret_stats, const struct kl_stop *stop,
		    struct kl_error **err)
{
	struct stat s;
	if (fstat(fd, &s) < 0)
		return kl_error_set(err, errno, "stat \"%s\"", name);
	if (!S_ISREG(s.st_mode))
		return kl_error_set(err, EINVAL, "\"%s\" is not a regular file", name);

	uint64_t size = (uint64_t)s.st_size, end_all = round_up_page(size);
	uint64_t sum = 0, next = 0;
	struct kl_hash_stats st = { 0 };
	_cleanup_(freep_aligned) unsigned char *buf = aligned_alloc(KL_HASH_PAGE, HASH_CHUNK);
	if (!buf)
		return kl_error_set(err, ENOMEM, "hashing \"%s\"", name);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	while (next < end_all) {
		/* Holes read as zero and zero pages add nothing: skip them unread. */
		off_t data = lseek(fd, (off_t)next, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		off_t hole = data < 0 ? -1 : lseek(fd, data, SEEK_HOLE);
		if (data < 0 || hole < 0) {
			if (errno != EINVAL && errno != EOPNOTSUPP)
				return kl_error_set(err, errno, "seeking in \"%s\"", name);
			/* No SEEK_DATA support: everything is data. */
			data = (off_t)next;
			hole = (off_t)size;
		}
		/* A file system block may be smaller than a page: cover whole pages. */
		uint64_t start = (uint64_t)data & ~(uint64_t)(KL_HASH_PAGE - 1);
		if (start < next)
			start = next;
		uint64_t end = round_up_page((uint64_t)hole);
		if (end > end_all)
			end = end_all;
		if (end <= start) {
			next = start + KL_HASH_PAGE;
			continue;
		}
		int r = hash_range(fd, name, buf, start, end, size, &sum, &st, stop, err);
		if (r < 0)
			return r;
		next = end;
	}
	*ret_size = size;
	*ret_hash = sum;
	if (ret_stats)
		*ret_stats = st;
	return 0;
}

int kl_dump_hash_file(const char *path, uint64_t *ret_size, uint64_t *ret_hash,
		      struct kl_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "opening dump \"%s\"", path);
	return kl_dump_hash_fd(fd, path, ret_size, ret_hash, NULL, NULL, err);
}
