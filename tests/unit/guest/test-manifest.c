/* SPDX-License-Identifier: MIT */
#include "kl-check.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "base/stop.h"
#include "guest/manifest.h"
#include "protocol.h"

/* What the saver writes (saver/saver.c write_manifest). */
static const char good[] = "size=2147483648\n"
			   "allocated=104857600\n"
			   "zero_pages=500000\n"
			   "data_pages=24288\n"
			   "hash=0123456789abcdef\n"
			   "read_seconds=1.250\n"
			   "write_seconds=0.500\n"
			   "total_seconds=1.750\n"
			   "vmcore_size=2147483648\n"
			   "kernel_release=6.1.0-56-cloud-amd64\n"
			   "elfcorehdr=0x38000000\n"
			   "read_mode=mmap\n"
			   "saver_version=0.1.0\n"
			   "future_key=anything goes\n";

START_TEST(manifest_good)
{
	_cleanup_(kl_manifest_freep) struct kl_manifest *m = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_manifest_parse(good, sizeof(good) - 1, &m, &e) == 0, "%s",
		      e ? e->msg : "");
	ck_assert_uint_eq(m->size, 2147483648ULL);
	ck_assert_uint_eq(m->hash, 0x0123456789abcdefULL);
	ck_assert(m->has_allocated && m->has_zero_pages && m->has_data_pages);
	ck_assert_uint_eq(m->allocated, 104857600);
	ck_assert_uint_eq(m->zero_pages, 500000);
	ck_assert_uint_eq(m->data_pages, 24288);
	ck_assert(m->read_seconds > 1.249 && m->read_seconds < 1.251);
	ck_assert(m->total_seconds > 1.749 && m->total_seconds < 1.751);
	ck_assert_str_eq(kl_manifest_get(m, "read_mode"), "mmap");
	ck_assert_str_eq(kl_manifest_get(m, "future_key"), "anything goes");
	ck_assert_ptr_null(kl_manifest_get(m, "nope"));
	ck_assert_uint_eq(m->n_entries, 14);
}
END_TEST

START_TEST(manifest_minimal)
{
	static const char text[] = "# comment\n\nsize=0\r\nhash=FFFFFFFFFFFFFFFF";
	_cleanup_(kl_manifest_freep) struct kl_manifest *m = NULL;
	ck_assert_int_eq(kl_manifest_parse(text, sizeof(text) - 1, &m, NULL), 0);
	ck_assert_uint_eq(m->size, 0);
	ck_assert_uint_eq(m->hash, UINT64_MAX);
	ck_assert(!m->has_allocated);
	ck_assert(m->read_seconds < 0);
}
END_TEST

START_TEST(manifest_bad)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "hash=0123456789abcdef\n", "no size= line" },
		{ "size=1\n", "no hash= line" },
		{ "size=1\nhash=0123\n", "hash=\"0123\" is not 16 hex digits" },
		{ "size=1\nhash=0123456789abcdeg\n", "is not 16 hex digits" },
		{ "size=-1\nhash=0123456789abcdef\n", "size=\"-1\" is not a decimal number" },
		{ "size=99999999999999999999\nhash=0123456789abcdef\n", "is not a decimal number" },
		{ "size=1\nsize=2\nhash=0123456789abcdef\n", "line 2: duplicate key \"size\"" },
		{ "size=1\nhash=0123456789abcdef\nno equals sign\n",
		  "line 3: \"no equals sign\" is not key=value" },
		{ "Size=1\n", "line 1: key \"Size\" has a character outside" },
		{ "=1\n", "is not key=value" },
		{ "size=1\nhash=0123456789abcdef\nread_seconds=fast\n", "read_seconds=\"fast\"" },
		{ "size=1\nhash=0123456789abcdef\nx=a\x01"
		  "b\n",
		  "control byte 0x01" },
		{ "size=1\nallocated=\nhash=0123456789abcdef\n", "allocated=\"\"" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct kl_manifest *m = NULL;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_int_lt(kl_manifest_parse(bad[i].text, strlen(bad[i].text), &m, &e), 0);
		ck_assert_ptr_null(m);
		ck_assert_msg(strstr(e->msg, bad[i].msg), "%s -> %s", bad[i].text, e->msg);
	}
	/* A NUL byte inside a line. */
	static const char nul[] = "size=1\0\nhash=0123456789abcdef\n";
	struct kl_manifest *m = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_manifest_parse(nul, sizeof(nul) - 1, &m, &e), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e->msg, "NUL"));
}
END_TEST

START_TEST(manifest_bounds)
{
	size_t big = KL_MANIFEST_MAX_LINE + 10;
	_cleanup_free_ char *text = malloc(KL_MANIFEST_MAX_BYTES + 100);
	struct kl_manifest *m = NULL;

	/* An overlong line. */
	memcpy(text, "x=", 2);
	memset(text + 2, 'a', big);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_manifest_parse(text, big + 2, &m, &e), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e->msg, "line 1 is"));
	kl_error_freep(&e);

	/* Too many entries. */
	size_t o = 0;
	for (int i = 0; i <= KL_MANIFEST_MAX_ENTRIES; i++)
		o += (size_t)sprintf(text + o, "k%d=1\n", i);
	ck_assert_int_eq(kl_manifest_parse(text, o, &m, &e), -E2BIG);
	kl_error_freep(&e);

	/* Too big in total, as text and as a file. */
	memset(text, '\n', KL_MANIFEST_MAX_BYTES + 1);
	ck_assert_int_eq(kl_manifest_parse(text, KL_MANIFEST_MAX_BYTES + 1, &m, &e), -EFBIG);
	kl_error_freep(&e);
	char path[] = "/tmp/kl-manifest-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, KL_MANIFEST_MAX_BYTES + 1), KL_MANIFEST_MAX_BYTES + 1);
	close(fd);
	ck_assert_int_eq(kl_manifest_read(path, &m, &e), -EFBIG);
	ck_assert_ptr_nonnull(strstr(e->msg, path));
	kl_error_freep(&e);

	/* The real thing from a file; and a missing file. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	close(fd);
	ck_assert_int_eq(kl_manifest_read(path, &m, &e), 0);
	ck_assert_uint_eq(m->size, 2147483648ULL);
	kl_manifest_free(m);
	unlink(path);
	ck_assert_int_eq(kl_manifest_read(path, &m, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, path));
}
END_TEST

/* Fill a page with something that is not zero and depends on its index. */
static void fill(unsigned char *p, uint64_t idx)
{
	for (size_t i = 0; i < KL_HASH_PAGE; i++)
		p[i] = (unsigned char)((idx * 131 + i * 7) | 1);
}

/* The reference: every page of the logical content, zero-padded at the end. */
static uint64_t reference_hash(const unsigned char *data, size_t len)
{
	uint64_t sum = 0;
	unsigned char page[KL_HASH_PAGE];
	for (size_t off = 0; off < len; off += KL_HASH_PAGE) {
		size_t n = len - off < KL_HASH_PAGE ? len - off : KL_HASH_PAGE;
		memset(page, 0, sizeof(page));
		memcpy(page, data + off, n);
		if (!kl_page_is_zero(page))
			sum += kl_page_hash(page, off);
	}
	return sum;
}

/*
 * Layout in pages: data, a written zero page, a hole of 300 pages, data, data, a hole,
 * then a partial page at the end. Written once densely and once sparsely.
 */
START_TEST(hash_sparse_equals_dense)
{
	const size_t npages = 700, len = npages * KL_HASH_PAGE + 100;
	_cleanup_free_ unsigned char *data = calloc(1, len);
	static const size_t data_pages[] = { 0, 302, 303, 304, 650 };
	for (size_t i = 0; i < ELEMENTSOF(data_pages); i++)
		fill(data + data_pages[i] * KL_HASH_PAGE, data_pages[i]);
	memset(data + npages * KL_HASH_PAGE, 0xab, 100);
	/* A page with one non-zero byte at its end must count. */
	data[500 * KL_HASH_PAGE + KL_HASH_PAGE - 1] = 1;

	char dense[] = "/tmp/kl-dense-XXXXXX", sparse[] = "/tmp/kl-sparse-XXXXXX";
	int fd = mkstemp(dense);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	fd = mkstemp(sparse);
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	for (size_t off = 0; off < len; off += KL_HASH_PAGE) {
		size_t n = len - off < KL_HASH_PAGE ? len - off : KL_HASH_PAGE;
		unsigned char page[KL_HASH_PAGE] = { 0 };
		memcpy(page, data + off, n);
		/* Like the saver: leave zero pages as holes, except page 1 (written zeros). */
		if (!kl_page_is_zero(page) || off == KL_HASH_PAGE)
			ck_assert_int_eq(pwrite(fd, data + off, n, (off_t)off), (ssize_t)n);
	}
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);

	uint64_t want = reference_hash(data, len), size_d, hash_d, size_s, hash_s;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_dump_hash_file(dense, &size_d, &hash_d, &e), 0);
	ck_assert_int_eq(kl_dump_hash_file(sparse, &size_s, &hash_s, &e), 0);
	ck_assert_uint_eq(size_d, len);
	ck_assert_uint_eq(size_s, len);
	ck_assert_uint_eq(hash_d, want);
	ck_assert_uint_eq(hash_s, want);

	/* The sparse file's holes are not read (where the file system makes holes). */
	fd = open(sparse, O_RDONLY);
	struct kl_hash_stats hs;
	ck_assert_int_eq(kl_dump_hash_fd(fd, sparse, &size_s, &hash_s, &hs, NULL, &e), 0);
	close(fd);
	ck_assert_uint_eq(hs.data_pages, ELEMENTSOF(data_pages) + 2);
	if ((uint64_t)st.st_blocks * 512 < len / 2)
		ck_assert_uint_lt(hs.bytes_read, len / 4);

	/* The hash stops at the validation's interrupt flag or deadline, naming the step. */
	volatile sig_atomic_t flag = 1;
	struct kl_stop stop = { .interrupted = &flag };
	fd = open(dense, O_RDONLY);
	kl_error_freep(&e);
	ck_assert_int_eq(kl_dump_hash_fd(fd, dense, &size_d, &hash_d, NULL, &stop, &e), -EINTR);
	ck_assert_ptr_nonnull(strstr(e->msg, "hashing the dump"));
	kl_error_freep(&e);
	stop = (struct kl_stop){ .deadline = 1e-9 };
	ck_assert_int_eq(kl_dump_hash_fd(fd, dense, &size_d, &hash_d, NULL, &stop, &e), -ETIMEDOUT);
	kl_error_freep(&e);
	close(fd);

	/* Changing one byte anywhere in data changes the hash; moving a page does too. */
	fd = open(dense, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "\x02", 1, 303 * KL_HASH_PAGE + 17), 1);
	close(fd);
	ck_assert_int_eq(kl_dump_hash_file(dense, &size_d, &hash_d, &e), 0);
	ck_assert_uint_ne(hash_d, want);
	unlink(dense);
	unlink(sparse);
}
END_TEST

START_TEST(hash_empty_and_missing)
{
	char path[] = "/tmp/kl-empty-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	uint64_t size = 1, hash = 1;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_dump_hash_file(path, &size, &hash, &e), 0);
	ck_assert_uint_eq(size, 0);
	ck_assert_uint_eq(hash, 0);
	unlink(path);
	ck_assert_int_eq(kl_dump_hash_file(path, &size, &hash, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, path));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		manifest_good,	 manifest_minimal,	   manifest_bad,
		manifest_bounds, hash_sparse_equals_dense, hash_empty_and_missing
	};
	return kl_check_main("manifest", 60, tests, KL_CHECK_N(tests));
}
