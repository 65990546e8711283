/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/macro.h"
#include "copy.h"
#include "guest-report.h"
#include "guest-util.h"
#include "protocol.h"

#define PAGE KL_HASH_PAGE

const char *saver_read_mode_name(enum saver_read_mode mode)
{
	return mode == SAVER_READ_MMAP ? "mmap" : "pread";
}

int saver_read_mode_parse(const char *s, enum saver_read_mode *ret)
{
	if (streq(s, "mmap"))
		*ret = SAVER_READ_MMAP;
	else if (streq(s, "pread"))
		*ret = SAVER_READ_PREAD;
	else
		return -EINVAL;
	return 0;
}

struct copier {
	int in_fd, out_fd;
	uint64_t size;
	size_t chunk;
	void *buf; /* pread mode */
	struct saver_copy_stats st;
};

static int write_all(struct copier *c, const unsigned char *p, size_t len, uint64_t off)
{
	double t0 = kl_now();

	while (len > 0) {
		ssize_t n = pwrite(c->out_fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			return kl_report_error("write", e,
					       "pwrite %zu bytes at offset %" PRIu64 " of the dump",
					       len, off);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	c->st.write_seconds += kl_now() - t0;
	return 0;
}

static int read_all(struct copier *c, unsigned char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pread(c->in_fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			return kl_report_error("read", e,
					       "pread %zu bytes at offset %" PRIu64
					       " of /proc/vmcore (size %" PRIu64 ")%s",
					       len, off, c->size,
					       n == 0 ? ": unexpected end of file" : "");
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Scan one chunk: hash its non-zero pages and write each run of them with one pwrite. */
static int scan_chunk(struct copier *c, const unsigned char *data, size_t len, uint64_t off)
{
	size_t run = 0, run_len = 0;

	for (size_t i = 0; i < len; i += PAGE) {
		const unsigned char *page = data + i;
		unsigned char tail[PAGE];
		size_t n = len - i < PAGE ? len - i : PAGE;

		if (n < PAGE) {
			memcpy(tail, page, n);
			memset(tail + n, 0, PAGE - n);
			page = tail;
		}
		if (kl_page_is_zero(page)) {
			c->st.zero_pages++;
			if (run_len) {
				int r = write_all(c, data + run, run_len, off + run);
				if (r < 0)
					return r;
				run_len = 0;
			}
			continue;
		}
		c->st.hash += kl_page_hash(page, off + i);
		c->st.data_pages++;
		if (run_len == 0)
			run = i;
		run_len += n;
	}
	return run_len ? write_all(c, data + run, run_len, off + run) : 0;
}

static int chunk_pread(struct copier *c, uint64_t off, size_t len)
{
	int r = read_all(c, c->buf, len, off);
	return r < 0 ? r : scan_chunk(c, c->buf, len, off);
}

/* Returns 1 when mmap is refused (the caller falls back to pread). */
static int chunk_mmap(struct copier *c, uint64_t off, size_t len)
{
	size_t map_len = (len + PAGE - 1) / PAGE * PAGE;
	void *p = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, c->in_fd, (off_t)off);
	if (p == MAP_FAILED)
		return 1;
	int r = scan_chunk(c, p, len, off);
	munmap(p, map_len);
	return r;
}

int saver_copy(int in_fd, uint64_t size, int out_fd, enum saver_read_mode mode, size_t chunk,
	       saver_progress_fn progress, void *userdata, struct saver_copy_stats *ret)
{
	struct copier c = {
		.in_fd = in_fd,
		.out_fd = out_fd,
		.size = size,
		.chunk = chunk < PAGE ? PAGE : chunk / PAGE * PAGE,
		.st.mode = mode,
	};
	_cleanup_free_ void *buf = NULL;
	double t0 = kl_now();
	int r = 0;

	for (uint64_t off = 0; off < size; off += c.chunk) {
		size_t len = size - off < c.chunk ? (size_t)(size - off) : c.chunk;

		if (c.st.mode == SAVER_READ_MMAP) {
			r = chunk_mmap(&c, off, len);
			/* mmap of /proc/vmcore needs CONFIG_MMU and page-aligned headers. */
			if (r == 1)
				c.st.mode = SAVER_READ_PREAD;
		}
		if (c.st.mode == SAVER_READ_PREAD) {
			if (!buf) {
				if (posix_memalign(&buf, PAGE, c.chunk) != 0)
					return kl_report_error("read", ENOMEM,
							       "allocate a %zu byte read buffer",
							       c.chunk);
				c.buf = buf;
			}
			r = chunk_pread(&c, off, len);
		}
		if (r < 0)
			return r;
		if (progress)
			progress(off + len, size, userdata);
	}

	double t1 = kl_now();
	if (ftruncate(out_fd, (off_t)size) < 0)
		return kl_report_error("write", errno, "ftruncate the dump to %" PRIu64 " bytes",
				       size);
	if (fsync(out_fd) < 0)
		return kl_report_error("fsync", errno, "fsync the dump");
	c.st.write_seconds += kl_now() - t1;
	c.st.read_seconds = kl_now() - t0 - c.st.write_seconds;
	*ret = c.st;
	return 0;
}
