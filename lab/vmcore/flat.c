/* SPDX-License-Identifier: MIT */
/* makedumpfile's flattened format, reassembled (see flat.h for why not indexed). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "base/stop.h"
#include "dump.h"
#include "flat.h"

#define COPY_CHUNK (1u << 20)
#define ZERO_BLOCK 4096u /* all-zero blocks of this size are not written */

void kl_flat_info_done(struct kl_flat_info *info)
{
	if (!info)
		return;
	free(info->header_error);
	free(info->records_error);
	*info = (struct kl_flat_info){ 0 };
}

bool kl_flat_probe(const unsigned char *head, size_t len)
{
	size_t n = strlen(KL_FLAT_SIGNATURE);
	return len > n && !memcmp(head, KL_FLAT_SIGNATURE, n) && head[n] == '\0';
}

static int64_t get_be64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return (int64_t)be64toh(v);
}

static void check_header(const unsigned char *h, size_t len, struct kl_flat_info *info)
{
	if (len < KL_FLAT_HEADER_SIZE) {
		info->header_error = kl_strdupf("file is %" PRIu64
						" bytes, shorter than the %d-byte flattened header",
						info->in_size, KL_FLAT_HEADER_SIZE);
		return;
	}
	size_t n = strlen(KL_FLAT_SIGNATURE);
	int64_t type = get_be64(h + 16), version = get_be64(h + 24);
	if (memcmp(h, KL_FLAT_SIGNATURE, n) || memchr(h + n, 1, 16 - n) || h[n] != '\0' ||
	    h[15] != '\0')
		info->header_error = kl_strdupf("signature is not \"%s\" NUL-padded to 16 bytes",
						KL_FLAT_SIGNATURE);
	else if (type != 1 || version != 1)
		info->header_error = kl_strdupf("type %" PRId64 " and version %" PRId64
						" (big-endian), expected 1 and 1",
						type, version);
}

/* One reassembly: where bytes go, and what has been written so far. */
struct copy {
	int in_fd, out_fd;
	uint64_t in_size;
	unsigned char *buf; /* COPY_CHUNK bytes */
	const struct kl_stop *stop;
	uint64_t out_end; /* the output's size so far: zeros at or past it need no write */
	uint64_t written; /* bytes written into the output (never more than in_size) */
	bool no_punch;	  /* the output's file system cannot punch holes: write zeros */
};

static int write_out(struct copy *c, const unsigned char *p, size_t len, uint64_t off,
		     struct kl_error **err)
{
	/* Each input byte is written at most once (a record's payload is consumed as it is
	 * copied), so this holds by construction; it is checked because it is the promise. */
	if (len > c->in_size - c->written)
		return kl_error_set(err, EFBIG,
				    "reassembly would write more than the flattened file's %" PRIu64
				    " bytes",
				    c->in_size);
	for (size_t done = 0; done < len;) {
		ssize_t w = pwrite(c->out_fd, p + done, len - done, (off_t)(off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return kl_error_set(err, w < 0 ? errno : EIO,
					    "writing the reassembled dump at %#" PRIx64,
					    off + done);
		done += (size_t)w;
	}
	c->written += len;
	if (off + len > c->out_end)
		c->out_end = off + len;
	return 0;
}

/* Make [off, off + len) of the output read as zeros without allocating it: nothing past its
 * current end, a punched hole below it (an earlier record may have put data there; later
 * bytes win). */
static int zero_out(struct copy *c, uint64_t off, uint64_t len, struct kl_error **err)
{
	if (off >= c->out_end || len == 0)
		return 0;
	if (len > c->out_end - off)
		len = c->out_end - off;
	if (!c->no_punch && fallocate(c->out_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)off, (off_t)len) == 0)
		return 0;
	if (!c->no_punch && errno != EOPNOTSUPP)
		return kl_error_set(err, errno,
				    "punching a hole in the reassembled dump at %#" PRIx64, off);
	c->no_punch = true;
	memset(c->buf, 0, COPY_CHUNK);
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done > COPY_CHUNK ? COPY_CHUNK : (size_t)(len - done);
		int r = write_out(c, c->buf, n, off + done, err);
		if (r < 0)
			return r;
		done += n;
	}
	return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Write buf[0, n) at off: runs of non-zero ZERO_BLOCK blocks as data, the rest as holes. */
static int put_run(struct copy *c, bool zero, size_t from, size_t to, uint64_t off,
		   struct kl_error **err)
{
	if (to == from)
		return 0;
	return zero ? zero_out(c, off + from, to - from, err)
		    : write_out(c, c->buf + from, to - from, off + from, err);
}

static int put_chunk(struct copy *c, size_t n, uint64_t off, struct kl_error **err)
{
	size_t run = 0; /* start of the current run */
	bool run_zero = true;
	for (size_t b = 0; b < n; b += ZERO_BLOCK) {
		bool z = all_zero(c->buf + b, n - b < ZERO_BLOCK ? n - b : ZERO_BLOCK);
		if (z == run_zero)
			continue;
		int r = put_run(c, run_zero, run, b, off, err);
		if (r < 0)
			return r;
		run = b;
		run_zero = z;
	}
	return put_run(c, run_zero, run, n, off, err);
}

/* Copy size bytes from the input at in_off to the output at out_off. Holes of the input
 * (SEEK_DATA) and all-zero blocks stay holes in the output. */
static int copy_range(struct copy *c, uint64_t in_off, uint64_t out_off, uint64_t size,
		      struct kl_error **err)
{
	while (size > 0) {
		int r = kl_stop_poll(c->stop, "reassembling the flattened dump", err);
		if (r < 0)
			return r;
		off_t data = lseek(c->in_fd, (off_t)in_off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			data = (off_t)(in_off + size); /* a hole to the end of the file */
		else if (data < 0)
			data = (off_t)in_off; /* no SEEK_DATA here: read it all */
		if ((uint64_t)data > in_off) {
			uint64_t hole =
				(uint64_t)data - in_off < size ? (uint64_t)data - in_off : size;
			r = zero_out(c, out_off, hole, err);
			if (r < 0)
				return r;
			in_off += hole;
			out_off += hole;
			size -= hole;
			continue;
		}
		size_t n = size > COPY_CHUNK ? COPY_CHUNK : (size_t)size;
		off_t hole = lseek(c->in_fd, (off_t)in_off, SEEK_HOLE);
		if (hole > (off_t)in_off && (uint64_t)hole - in_off < n)
			n = (size_t)((uint64_t)hole - in_off);
		ssize_t k = kl_pread_full(c->in_fd, c->buf, n, in_off);
		if (k < 0)
			return kl_error_set(err, (int)-k, "reading a flattened record at %#" PRIx64,
					    in_off);
		if ((size_t)k != n)
			return kl_error_set(err, EIO, "the flattened file shrank while reading it");
		r = put_chunk(c, n, out_off, err);
		if (r < 0)
			return r;
		in_off += n;
		out_off += n;
		size -= n;
	}
	return 0;
}

/* Each record consumes at least its 16-byte header, so the loop ends within in_size / 16. */
int kl_flat_reassemble(int in_fd, uint64_t in_size, int out_fd, const struct kl_stop *stop,
		       struct kl_flat_info *ret_info, struct kl_error **err)
{
	_cleanup_free_ unsigned char *buf = malloc(COPY_CHUNK);
	struct kl_flat_info info = { .in_size = in_size };
	struct copy c = {
		.in_fd = in_fd, .out_fd = out_fd, .in_size = in_size, .buf = buf, .stop = stop
	};
	uint64_t pos = KL_FLAT_HEADER_SIZE;

	if (!buf)
		return kl_error_set(err, ENOMEM, "reassembling a flattened dump");
	ssize_t n = kl_pread_full(in_fd, buf, KL_FLAT_HEADER_SIZE, 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the flattened header");
	check_header(buf, (size_t)n, &info);
	if (info.header_error) {
		*ret_info = info;
		return 0;
	}
	while (!info.records_error) {
		unsigned char h[KL_FLAT_RECORD_HEADER];
		if (in_size - pos < sizeof(h)) {
			info.records_error =
				kl_strdupf("the stream ends at %#" PRIx64 " after %" PRIu64
					   " records without the end record (-1, -1): truncated",
					   pos, info.n_records);
			break;
		}
		n = kl_pread_full(in_fd, h, sizeof(h), pos);
		if (n < 0 || (size_t)n != sizeof(h)) {
			kl_flat_info_done(&info);
			return kl_error_set(err, n < 0 ? (int)-n : EIO,
					    "reading flattened record header at %#" PRIx64, pos);
		}
		if (info.n_records % KL_STOP_EVERY == 0 &&
		    (n = kl_stop_poll(stop, "reading the flattened records", err)) < 0) {
			kl_flat_info_done(&info);
			return (int)n;
		}
		int64_t off = get_be64(h), size = get_be64(h + 8);
		if (off == -1 && size == -1) {
			info.ended = true;
			info.trailing = in_size - pos - sizeof(h);
			break;
		}
		pos += sizeof(h);
		if (off < 0 || size < 0 || (uint64_t)off > KL_FLAT_MAX_OFFSET ||
		    (uint64_t)size > KL_FLAT_MAX_OFFSET - (uint64_t)off)
			info.records_error = kl_strdupf(
				"record %" PRIu64 " at %#" PRIx64 ": offset %" PRId64
				", size %" PRId64 ", expected both >= 0 and an end below %#llx",
				info.n_records, pos - sizeof(h), off, size, KL_FLAT_MAX_OFFSET);
		else if ((uint64_t)size > in_size - pos)
			info.records_error =
				kl_strdupf("record %" PRIu64 " at %#" PRIx64 ": size %" PRId64
					   " runs past the end of the file (%" PRIu64
					   " bytes left): truncated",
					   info.n_records, pos - sizeof(h), size, in_size - pos);
		if (info.records_error)
			break;
		int r = copy_range(&c, pos, (uint64_t)off, (uint64_t)size, err);
		if (r < 0) {
			kl_flat_info_done(&info);
			return r;
		}
		pos += (uint64_t)size;
		info.n_records++;
		info.data_bytes += (uint64_t)size;
		if ((uint64_t)(off + size) > info.out_size)
			info.out_size = (uint64_t)(off + size);
	}
	/* A record that ends with zeros leaves no bytes behind: size the file explicitly. */
	if (ftruncate(out_fd, (off_t)info.out_size) < 0) {
		kl_flat_info_done(&info);
		return kl_error_set(err, errno, "sizing the reassembled dump to %" PRIu64 " bytes",
				    info.out_size);
	}
	info.written = c.written;
	*ret_info = info;
	return 0;
}

int kl_flat_reassemble_tmp(const char *path, const struct kl_stop *stop, int *ret_fd,
			   struct kl_flat_info *ret_info, struct kl_error **err)
{
	_cleanup_close_ int in_fd = -1;
	_cleanup_free_ char *tmpl = NULL;
	uint64_t in_size;

	int r = kl_open_regular(path, "dump", &in_fd, &in_size, err);
	if (r < 0)
		return r;
	const char *dir = getenv("TMPDIR");
	if (asprintf(&tmpl, "%s/kdumplab-flat-XXXXXX", dir && *dir ? dir : "/tmp") < 0) {
		tmpl = NULL;
		return kl_error_set(err, ENOMEM, "reassembling \"%s\"", path);
	}
	_cleanup_close_ int out_fd = mkostemp(tmpl, O_CLOEXEC);
	if (out_fd < 0)
		return kl_error_set(err, errno, "creating a temporary file \"%s\"", tmpl);
	/* Unlinked at once: nothing is left behind however we exit. */
	(void)unlink(tmpl);
	r = kl_flat_reassemble(in_fd, in_size, out_fd, stop, ret_info, err);
	if (kl_stop_code(r))
		return r;
	if (r < 0)
		return kl_error_wrap(err, "reassembling flattened dump \"%s\" into %s", path,
				     dir && *dir ? dir : "/tmp");
	*ret_fd = TAKE_FD(out_fd);
	return 0;
}
