/* SPDX-License-Identifier: MIT */
/* The saver on a fake root: the dump it writes, the manifest, the marker, and its refusals. */
#include "kl-check.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "protocol.h"
#include "saver.h"

#define PAGE 4096

/* A fake /proc/vmcore: pages of data and zeros in runs, ending in a partial page. */
static unsigned char *make_vmcore(size_t *ret_len, int zero_tail)
{
	size_t pages = 97, len = pages * PAGE + (zero_tail ? 0 : 123);
	unsigned char *v = calloc(1, len);
	for (size_t p = 0; p < pages; p++) {
		/* zero pages: 3-9, 20-40, 90-96 (a zero tail) and every 7th */
		if ((p >= 3 && p <= 9) || (p >= 20 && p <= 40) || p >= 90 || p % 7 == 0)
			continue;
		for (size_t i = 0; i < PAGE; i += 64)
			v[p * PAGE + i] = (unsigned char)(p * 31 + i / 64 + 1);
	}
	if (!zero_tail)
		memset(v + pages * PAGE, 0xab, 123);
	*ret_len = len;
	return v;
}

static void expected(const unsigned char *v, size_t len, uint64_t *hash, uint64_t *zero,
		     uint64_t *data)
{
	*hash = *zero = *data = 0;
	for (size_t off = 0; off < len; off += PAGE) {
		unsigned char page[PAGE] = { 0 };
		memcpy(page, v + off, len - off < PAGE ? len - off : PAGE);
		if (kl_page_is_zero(page)) {
			(*zero)++;
		} else {
			*hash += kl_page_hash(page, off);
			(*data)++;
		}
	}
}

static void capture_guest(const char *cmdline)
{
	fake_write("/proc/cmdline", cmdline);
	fake_write("/sys/block/vda/serial", "rootdisk\n");
	fake_write("/sys/block/nvme0n1/device/serial", "   nvme-serial   \n");
	fake_write("/sys/block/vdb/serial", "kdumplab-dump\n");
	fake_mkdir("/dev");
	fake_mkdir("/mnt");
}

static const char *manifest_value(const char *manifest, const char *key)
{
	static char val[256];
	char pat[64];
	snprintf(pat, sizeof(pat), "\n%s=", key);
	/* the first line has no preceding newline */
	const char *p = strncmp(manifest, pat + 1, strlen(pat + 1)) == 0 ? manifest - 1
									 : strstr(manifest, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	snprintf(val, sizeof(val), "%.*s", (int)strcspn(p, "\n"), p);
	return val;
}

/* The extents file covers every non-zero byte, in ascending runs inside the file. */
static void check_extents(const unsigned char *v, size_t len)
{
	char *e = fake_read("/mnt/extents", NULL);
	ck_assert_ptr_nonnull(e);
	unsigned char *covered = calloc(len ? len : 1, 1);
	uint64_t prev_end = 0;
	unsigned runs = 0;
	for (char *line = strtok(e, "\n"); line; line = strtok(NULL, "\n")) {
		uint64_t off, n;
		ck_assert_int_eq(sscanf(line, "%" SCNu64 " %" SCNu64, &off, &n), 2);
		ck_assert_uint_ge(off, prev_end);
		ck_assert_uint_le(off + n, len);
		memset(covered + off, 1, n);
		prev_end = off + n;
		runs++;
	}
	for (size_t i = 0; i < len; i++)
		if (v[i])
			ck_assert_msg(covered[i], "data byte %zu outside the extents", i);
	free(covered);
	free(e);
}

/* The blocks file, where the fake root's filesystem can map the file (FIEMAP; ext4 here, not
 * tmpfs): ascending logical runs inside the file covering every non-zero byte, 512-aligned
 * physical offsets, as many lines as the manifest says. Else a note says why and blocks=0. */
static void check_blocks(const unsigned char *v, size_t len, const char *manifest_blocks)
{
	char *b = fake_read("/mnt/blocks", NULL);
	if (!b) {
		ck_assert_str_eq(manifest_blocks, "0");
		ck_assert_str_eq(fake_field(fake_line("note"), "step"), "blocks");
		return;
	}
	unsigned char *covered = calloc(len ? len : 1, 1);
	uint64_t prev_end = 0;
	unsigned lines = 0;
	for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n")) {
		uint64_t l, p, n;
		ck_assert_int_eq(sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNu64, &l, &p, &n), 3);
		ck_assert_uint_ge(l, prev_end);
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_le(l + n, len);
		ck_assert_uint_eq(p % 512, 0);
		memset(covered + l, 1, n);
		prev_end = l + n;
		lines++;
	}
	for (size_t i = 0; i < len; i++)
		if (v[i])
			ck_assert_msg(covered[i], "data byte %zu outside the block map", i);
	char num[16];
	snprintf(num, sizeof(num), "%u", lines);
	ck_assert_str_eq(manifest_blocks, num);
	free(covered);
	free(b);
}

static void check_saved(const unsigned char *v, size_t len, const char *mode)
{
	uint64_t hash, zero, data;
	char hex[17], num[32];
	size_t out_len;
	struct stat st;

	expected(v, len, &hash, &zero, &data);
	snprintf(hex, sizeof(hex), "%016" PRIx64, hash);

	/* byte-identical copy, with holes */
	unsigned char *out = (unsigned char *)fake_read("/mnt/vmcore", &out_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(out_len, len);
	ck_assert(memcmp(out, v, len) == 0);
	free(out);
	char path[600];
	snprintf(path, sizeof(path), "%s/mnt/vmcore", fake.root);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_lt((uint64_t)st.st_blocks * 512, len);
	ck_assert(!fake_exists("/mnt/vmcore.incomplete"));

	/* manifest */
	char *m = fake_read("/mnt/manifest", NULL);
	ck_assert_ptr_nonnull(m);
	snprintf(num, sizeof(num), "%zu", len);
	ck_assert_str_eq(manifest_value(m, "size"), num);
	ck_assert_str_eq(manifest_value(m, "vmcore_size"), num);
	ck_assert_str_eq(manifest_value(m, "hash"), hex);
	snprintf(num, sizeof(num), "%" PRIu64, zero);
	ck_assert_str_eq(manifest_value(m, "zero_pages"), num);
	snprintf(num, sizeof(num), "%" PRIu64, data);
	ck_assert_str_eq(manifest_value(m, "data_pages"), num);
	snprintf(num, sizeof(num), "%" PRIu64, (uint64_t)st.st_blocks * 512);
	ck_assert_str_eq(manifest_value(m, "allocated"), num);
	ck_assert_str_eq(manifest_value(m, "elfcorehdr"), "0x2c000000");
	ck_assert_str_eq(manifest_value(m, "read_mode"), mode);
	ck_assert_ptr_nonnull(manifest_value(m, "kernel_release"));
	ck_assert_ptr_nonnull(manifest_value(m, "total_seconds"));
	char *blocks = strdup(manifest_value(m, "blocks"));
	free(m);
	ck_assert(fake_exists("/mnt/DONE"));
	check_extents(v, len);
	check_blocks(v, len, blocks);
	free(blocks);

	/* console */
	const char *saved = fake_line("saved");
	ck_assert_ptr_nonnull(saved);
	ck_assert_str_eq(fake_field(saved, "hash"), hex);
	ck_assert_str_eq(fake_field(saved, "read_mode"), mode);
	ck_assert_ptr_nonnull(fake_line("done"));
	ck_assert_ptr_null(fake_line("error"));
	ck_assert_str_eq(fake_field(fake_line("disk"), "dev"), "/dev/vdb");
	ck_assert_str_eq(fake_field(fake_line("start"), "elfcorehdr"), "0x2c000000");
	/* the disk was mounted as ext4 on /mnt and unmounted at the end */
	const struct fake_call *mnt = fake_call("mount", 3);
	ck_assert_str_eq(mnt->path, "/mnt");
	char want[700];
	snprintf(want, sizeof(want), "ext4 %s/dev/vdb", fake.root);
	ck_assert_str_eq(mnt->data, want);
	ck_assert_str_eq(fake_call("umount", 0)->path, "/mnt");
}

static void run_mode(const char *mode, size_t chunk, int zero_tail)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	char cmdline[256];
	size_t len;
	unsigned char *v = make_vmcore(&len, zero_tail);

	o.chunk = chunk;
	o.disk_wait_ms = 0;
	snprintf(cmdline, sizeof(cmdline),
		 "elfcorehdr=0x2c000000 console=ttyS0 kdumplab.saver_read=%s", mode);
	capture_guest(cmdline);
	fake_write_bytes("/proc/vmcore", v, len);
	ck_assert_int_eq(saver_run(&o), 0);
	check_saved(v, len, mode);
	free(v);
}

START_TEST(test_save_mmap_small_chunks)
{
	/* 3-page chunks: runs of data pages cross chunk boundaries */
	run_mode("mmap", 3 * PAGE, 0);
}
END_TEST

START_TEST(test_save_pread_small_chunks)
{
	run_mode("pread", 3 * PAGE + 100, 0); /* rounded down to whole pages */
}
END_TEST

START_TEST(test_save_one_chunk_zero_tail)
{
	run_mode("mmap", 4u << 20, 1);
	/* progress: at most ~every 10%, and the last one is complete */
	ck_assert_uint_ge(fake_count_lines("progress"), 1);
}
END_TEST

START_TEST(test_progress_every_tenth)
{
	run_mode("pread", PAGE, 0);
	/* 98 chunks, reported about every 10%: not per chunk */
	ck_assert_uint_le(fake_count_lines("progress"), 12);
	ck_assert_uint_ge(fake_count_lines("progress"), 9);
}
END_TEST

START_TEST(test_stale_done_removed_on_failure)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	o.disk_wait_ms = 0;
	capture_guest("elfcorehdr=0x1000 kdumplab.saver_read=pread");
	fake_write("/mnt/DONE", "old\n");
	fake_write("/mnt/manifest", "old\n");
	/* a directory opens and stats fine but cannot be read */
	fake_mkdir("/proc/vmcore");
	ck_assert_int_lt(saver_run(&o), 0);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "read");
	ck_assert_str_eq(fake_field(fake_line("error"), "errname"), "EISDIR");
	ck_assert(!fake_exists("/mnt/DONE"));
	ck_assert(!fake_exists("/mnt/manifest"));
	ck_assert(!fake_exists("/mnt/vmcore"));
	ck_assert_ptr_null(fake_line("done"));
}
END_TEST

START_TEST(test_not_capture_kernel)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	capture_guest("console=ttyS0");
	ck_assert_int_eq(saver_run(&o), -ENOENT);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "capture-env");
	ck_assert_ptr_null(fake_field(fake_line("start"), "elfcorehdr"));
	ck_assert_uint_eq(fake_count_calls("mount"), 3);
}
END_TEST

START_TEST(test_disk_not_found_waits)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	o.disk_wait_ms = 1000;
	capture_guest("elfcorehdr=0x1000 kdumplab.disk=other");
	ck_assert_int_eq(saver_run(&o), -ENODEV);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "find-disk");
	const char *d = fake_field(e, "detail");
	ck_assert_ptr_nonnull(strstr(d, "'other'"));
	ck_assert_ptr_nonnull(strstr(d, "vda:rootdisk"));
	ck_assert_ptr_nonnull(strstr(d, "nvme0n1:nvme-serial"));
	ck_assert_uint_eq(fake_count_calls("sleep"), 10);
	ck_assert_uint_eq(fake_count_calls("mount"), 3);
}
END_TEST

START_TEST(test_disk_by_device_serial)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	size_t len;
	unsigned char *v = make_vmcore(&len, 0);
	o.disk_wait_ms = 0;
	capture_guest("elfcorehdr=0x1000 kdumplab.disk=nvme-serial");
	fake_write_bytes("/proc/vmcore", v, len);
	free(v);
	ck_assert_int_eq(saver_run(&o), 0);
	ck_assert_str_eq(fake_field(fake_line("disk"), "dev"), "/dev/nvme0n1");
}
END_TEST

START_TEST(test_mount_fails)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	o.disk_wait_ms = 0;
	capture_guest("elfcorehdr=0x1000");
	fake_write("/proc/vmcore", "x");
	fake.mount_result = -EUCLEAN; /* every mount fails: the first one reports */
	ck_assert_int_eq(saver_run(&o), -EUCLEAN);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "mount");
	ck_assert_ptr_null(fake_line("start"));
}
END_TEST

START_TEST(test_bad_read_mode)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	o.disk_wait_ms = 0;
	capture_guest("elfcorehdr=0x1000 kdumplab.saver_read=splice");
	fake_write("/proc/vmcore", "x");
	ck_assert_int_eq(saver_run(&o), -EINVAL);
	ck_assert_ptr_nonnull(strstr(fake_field(fake_line("error"), "detail"), "'splice'"));
	ck_assert(!fake_exists("/mnt/DONE"));
}
END_TEST

/* ---- faults (common/fault.h): each one committed and reported ---- */

/* Run the saver with kdumplab.fault=name on the fake vmcore; its bytes in *ret_v. */
static int run_fault(const char *name, unsigned char **ret_v, size_t *ret_len)
{
	struct saver_opts o = SAVER_OPTS_DEFAULT;
	char cmdline[256];
	o.disk_wait_ms = 0;
	snprintf(cmdline, sizeof(cmdline), "elfcorehdr=0x2c000000 kdumplab.fault=%s", name);
	capture_guest(cmdline);
	*ret_v = make_vmcore(ret_len, 0);
	fake_write_bytes("/proc/vmcore", *ret_v, *ret_len);
	return saver_run(&o);
}

static void assert_fault_line(const char *name, const char *provokes)
{
	const char *f = fake_line("fault");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fake_count_lines("fault"), 1);
	ck_assert_str_eq(fake_field(f, "name"), name);
	ck_assert_str_eq(fake_field(f, "prog"), "saver");
	ck_assert_str_eq(fake_field(f, "provokes"), provokes);
}

START_TEST(test_fault_halfway)
{
	unsigned char *v;
	size_t len, out_len;
	ck_assert_int_eq(run_fault("saver-halfway", &v, &len), 0);
	assert_fault_line("saver-halfway", "fail/dump-incomplete");
	/* the first half, in whole pages, fsynced under the partial name; nothing vouches for it */
	size_t half = len / 2 / PAGE * PAGE;
	unsigned char *out = (unsigned char *)fake_read("/mnt/vmcore.incomplete", &out_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(out_len, half);
	ck_assert(memcmp(out, v, half) == 0);
	char want[64];
	snprintf(want, sizeof(want), "%zu of %zu bytes", half, len);
	ck_assert_ptr_nonnull(strstr(fake_field(fake_line("fault"), "detail"), want));
	ck_assert(!fake_exists("/mnt/vmcore"));
	ck_assert(!fake_exists("/mnt/manifest"));
	ck_assert(!fake_exists("/mnt/extents"));
	ck_assert(!fake_exists("/mnt/DONE"));
	/* it says done (the host must find out from the disk), unmounts, reports no save */
	ck_assert_ptr_nonnull(fake_line("done"));
	ck_assert_ptr_null(fake_line("saved"));
	ck_assert_ptr_null(fake_line("error"));
	ck_assert_str_eq(fake_call("umount", 0)->path, "/mnt");
	free(out);
	free(v);
}
END_TEST

START_TEST(test_fault_no_marker)
{
	unsigned char *v;
	size_t len, out_len;
	ck_assert_int_eq(run_fault("saver-no-marker", &v, &len), 0);
	assert_fault_line("saver-no-marker", "fail/dump-incomplete");
	unsigned char *out = (unsigned char *)fake_read("/mnt/vmcore", &out_len);
	ck_assert_uint_eq(out_len, len);
	ck_assert(memcmp(out, v, len) == 0);
	ck_assert(fake_exists("/mnt/manifest"));
	ck_assert(!fake_exists("/mnt/DONE"));
	ck_assert_ptr_nonnull(fake_line("saved"));
	ck_assert_ptr_nonnull(fake_line("done"));
	free(out);
	free(v);
}
END_TEST

START_TEST(test_fault_corrupt)
{
	unsigned char *v;
	size_t len, out_len;
	ck_assert_int_eq(run_fault("saver-corrupt", &v, &len), 0);
	assert_fault_line("saver-corrupt", "fail/dump-invalid");
	/* e_phoff (offset 32 of an ELF64 header) points at the end of the file; the rest is the
	 * dump, and the save completes */
	unsigned char *out = (unsigned char *)fake_read("/mnt/vmcore", &out_len);
	ck_assert_uint_eq(out_len, len);
	uint64_t phoff;
	memcpy(&phoff, out + 32, sizeof(phoff));
	ck_assert_uint_eq(phoff, len);
	ck_assert(memcmp(out, v, 32) == 0);
	ck_assert(memcmp(out + 40, v + 40, len - 40) == 0);
	ck_assert(fake_exists("/mnt/manifest"));
	ck_assert(fake_exists("/mnt/DONE"));
	ck_assert_ptr_nonnull(fake_line("saved"));
	free(out);
	free(v);
}
END_TEST

/* A loader's fault is not the saver's: it saves as always. An unknown one stops it. */
START_TEST(test_fault_not_the_savers)
{
	unsigned char *v;
	size_t len;
	ck_assert_int_eq(run_fault("wrong-crash", &v, &len), 0);
	ck_assert_ptr_null(fake_line("fault"));
	check_saved(v, len, "mmap");
	free(v);
}
END_TEST

START_TEST(test_fault_unknown)
{
	unsigned char *v;
	size_t len;
	ck_assert_int_eq(run_fault("bogus", &v, &len), -ENOENT);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "fault");
	ck_assert(!fake_exists("/mnt/DONE"));
	ck_assert_ptr_null(fake_line("done"));
	free(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("saver");
	const TTest *const tc_tests[] = { test_save_mmap_small_chunks,
					  test_save_pread_small_chunks,
					  test_save_one_chunk_zero_tail,
					  test_progress_every_tenth,
					  test_stale_done_removed_on_failure,
					  test_not_capture_kernel,
					  test_disk_not_found_waits,
					  test_disk_by_device_serial,
					  test_mount_fails,
					  test_bad_read_mode,
					  test_fault_halfway,
					  test_fault_no_marker,
					  test_fault_corrupt,
					  test_fault_not_the_savers,
					  test_fault_unknown };
	kl_check_add(s, "run", 0, fake_setup, fake_teardown, tc_tests, KL_CHECK_N(tc_tests));
	return kl_check_run(s);
}
