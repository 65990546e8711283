/* SPDX-License-Identifier: MIT */
/* The cpio newc writer, read back with GNU cpio; SHA-256 vectors for the cache ids. */
#include "cpio.h"
#include "hash.h"
#include "helpers.h"

static char *big_file(const char *dir, size_t size)
{
	_cleanup_free_ char *content = malloc(size + 1);
	for (size_t i = 0; i < size; i++)
		content[i] = (char)('a' + i * 13 % 26);
	content[size] = '\0';
	return t_write(dir, "src/big", content);
}

static struct kl_cpio *sample(const char *src, int reversed)
{
	struct kl_cpio *c = NULL;
	ck_assert_int_eq(kl_cpio_new(&c, NULL), 0);
	/* Same entries, two insertion orders: the archive must not depend on it. */
	for (int step = 0; step < 6; step++) {
		switch (reversed ? 5 - step : step) {
		case 0:
			ck_assert_int_eq(kl_cpio_add_file(c, "/init", 0755, src, NULL), 0);
			break;
		case 1:
			ck_assert_int_eq(kl_cpio_add_chardev(c, "/dev/console", 0600, 5, 1, NULL),
					 0);
			break;
		case 2:
			ck_assert_int_eq(kl_cpio_add_dir(c, "/proc", 0755, NULL), 0);
			break;
		case 3:
			ck_assert_int_eq(kl_cpio_add_data(c, "/etc/kdumplab/modules", 0644,
							  "/a.ko\n", 6, NULL),
					 0);
			break;
		case 4:
			ck_assert_int_eq(kl_cpio_add_symlink(c, "/bin/sh", "../init", NULL), 0);
			break;
		case 5:
			ck_assert_int_eq(kl_cpio_add_data(c, "/empty", 0644, "", 0, NULL), 0);
			break;
		}
	}
	return c;
}

START_TEST(read_back_with_cpio)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *src = big_file(dir, 3 * 65536 + 123);
	_cleanup_free_ char *img = kl_path_join(dir, "a.cpio");
	struct kl_cpio *c = sample(src, 0);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_cpio_write(c, img, &e) == 0, "%s", e ? e->msg : "");
	kl_cpio_free(c);

	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "cpio --quiet -t < %s", img), 0);
	_cleanup_free_ char *list = t_sh(cmd);
	/* Sorted, parents added, no leading slash. */
	ck_assert_str_eq(list, "bin\nbin/sh\ndev\ndev/console\nempty\netc\netc/kdumplab\n"
			       "etc/kdumplab/modules\ninit\nproc\n");

	free(cmd);
	ck_assert_int_ge(
		asprintf(&cmd, "cpio --quiet -tv < %s | grep -E 'console|init$|bin/sh'", img), 0);
	_cleanup_free_ char *verbose = t_sh(cmd);
	char perms[16], user[32], group[32];
	unsigned maj = 99, min = 99, nlink;
	const char *line = strstr(verbose, "crw");
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(
		sscanf(line, "%15s %u %31s %31s %u, %u", perms, &nlink, user, group, &maj, &min),
		6);
	ck_assert_str_eq(perms, "crw-------");
	ck_assert_str_eq(user, "root");
	ck_assert_uint_eq(maj, 5);
	ck_assert_uint_eq(min, 1);
	ck_assert_ptr_nonnull(strstr(verbose, "-rwxr-xr-x"));
	ck_assert_ptr_nonnull(strstr(verbose, "bin/sh -> ../init"));
	ck_assert_ptr_nonnull(strstr(verbose, "1970"));

	/* Unpack (device nodes need privileges, so leave them out) and compare content. */
	_cleanup_free_ char *out = kl_path_join(dir, "out");
	ck_assert_int_eq(kl_mkdir_p(out, 0755, NULL), 0);
	free(cmd);
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"cd %s && cpio --quiet -i -d -f 'dev/console' < %s && cmp %s init && cat etc/kdumplab/modules && test -d proc && test -f empty && ! test -s empty && readlink bin/sh",
			out, img, src),
		0);
	_cleanup_free_ char *unpacked = t_sh(cmd);
	ck_assert_str_eq(unpacked, "/a.ko\n../init\n");
	kl_rm_rf(dir);
}
END_TEST

START_TEST(deterministic)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *src = big_file(dir, 1000);
	_cleanup_free_ char *a = kl_path_join(dir, "a.cpio"), *b = kl_path_join(dir, "b.cpio");
	struct kl_cpio *c = sample(src, 0);
	ck_assert_int_eq(kl_cpio_write(c, a, NULL), 0);
	kl_cpio_free(c);
	c = sample(src, 1);
	ck_assert_int_eq(kl_cpio_write(c, b, NULL), 0);
	kl_cpio_free(c);
	char ha[65], hb[65];
	ck_assert_int_eq(kl_sha256_file(a, ha, NULL), 0);
	ck_assert_int_eq(kl_sha256_file(b, hb, NULL), 0);
	ck_assert_str_eq(ha, hb);
	/* newc: total size is a multiple of 4 and starts with the magic. */
	struct stat st;
	ck_assert_int_eq(stat(a, &st), 0);
	ck_assert_int_eq(st.st_size % 4, 0);
	_cleanup_free_ char *data = NULL;
	ck_assert_int_eq(kl_read_file(a, &data, NULL, NULL), 0);
	ck_assert(startswith(data, "070701"));
	kl_rm_rf(dir);
}
END_TEST

START_TEST(bad_entries)
{
	struct kl_cpio *c = NULL;
	ck_assert_int_eq(kl_cpio_new(&c, NULL), 0);
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_cpio_add_data(c, "/a", 0644, "x", 1, NULL), 0);
	ck_assert_int_eq(kl_cpio_add_data(c, "a", 0644, "y", 1, &e), -EEXIST);
	ck_assert_ptr_nonnull(strstr(e->msg, "twice"));
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_cpio_add_dir(c, "/d", 0755, NULL), 0);
	ck_assert_int_eq(kl_cpio_add_dir(c, "/d/", 0755, NULL), 0);
	ck_assert_int_eq(kl_cpio_add_dir(c, "/x/../etc", 0755, &e), -EINVAL);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_cpio_add_dir(c, "/", 0755, NULL), -EINVAL);
	/* A file used as a parent directory. */
	ck_assert_int_eq(kl_cpio_add_data(c, "/a/b", 0644, "z", 1, NULL), 0);
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *img = kl_path_join(dir, "x.cpio");
	ck_assert_int_eq(kl_cpio_write(c, img, &e), -ENOTDIR);
	ck_assert(!kl_exists(img));
	kl_error_free(e);
	kl_cpio_free(c);
	/* A missing source file is named and leaves nothing behind. */
	ck_assert_int_eq(kl_cpio_new(&c, NULL), 0);
	ck_assert_int_eq(kl_cpio_add_file(c, "/init", 0755, "/nonexistent/saver", NULL), 0);
	e = NULL;
	ck_assert_int_eq(kl_cpio_write(c, img, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, "'/nonexistent/saver'"));
	ck_assert(!kl_exists(img));
	kl_error_free(e);
	kl_cpio_free(c);
	kl_rm_rf(dir);
}
END_TEST

/* A newc header as bytes: the fields not given are 0 (uid, gid, mtime, dev, check). */
static size_t header(char *buf, unsigned ino, unsigned mode, unsigned nlink, unsigned size,
		     unsigned rmaj, unsigned rmin, const char *name)
{
	int n = sprintf(buf, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%s", ino,
			mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, (unsigned)strlen(name) + 1, 0,
			name);
	return (size_t)n + 1; /* with the name's NUL */
}

/*
 * The bytes the kernel reads (init/initramfs.c parse_header): a device node's header (inode
 * numbers in name order from 1: bin, bin/sh, dev, dev/console; mtime/uid/gid 0; rdev 5:1;
 * hex digits in lower case as libarchive writes them), a directory's nlink 2 (proc, the last
 * of ten entries), and the archive ending right after the trailer's padding (no block padding).
 */
START_TEST(header_bytes)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *src = big_file(dir, 10);
	_cleanup_free_ char *img = kl_path_join(dir, "a.cpio");
	struct kl_cpio *c = sample(src, 0);
	ck_assert_int_eq(kl_cpio_write(c, img, NULL), 0);
	kl_cpio_free(c);
	_cleanup_free_ char *data = NULL;
	size_t size = 0;
	ck_assert_int_eq(kl_read_file(img, &data, &size, NULL), 0);
	char want[256];
	size_t n = header(want, 4, S_IFCHR | 0600, 1, 0, 5, 1, "dev/console");
	/* spelled out once: "00002180" is the mode, "0000000c" the name size */
	ck_assert_str_eq(want, "07070100000004000021800000000000000000000000010000000000000000"
			       "000000000000000000000005000000010000000c00000000dev/console");
	ck_assert_ptr_nonnull(memmem(data, size, want, n));
	n = header(want, 10, S_IFDIR | 0755, 2, 0, 0, 0, "proc");
	ck_assert_ptr_nonnull(memmem(data, size, want, n));
	n = header(want, 0, 0, 1, 0, 0, 0, "TRAILER!!!");
	memset(want + n, 0, 3); /* 110 + 11 bytes, padded to 124 */
	n += 3;
	ck_assert_int_ge(size, n);
	ck_assert_int_eq(memcmp(data + size - n, want, n), 0);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(sha256_vectors)
{
	static const char *const v[][2] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		struct kl_sha256 s;
		char hex[65];
		kl_sha256_init(&s);
		/* Byte by byte for the long one: exercises the partial-block path. */
		for (size_t j = 0; j < strlen(v[i][0]); j++)
			kl_sha256_update(&s, v[i][0] + j, 1);
		kl_sha256_final_hex(&s, hex);
		ck_assert_str_eq(hex, v[i][1]);
	}
	/* One million 'a' (FIPS 180-2 appendix B.3), in odd-sized chunks. */
	struct kl_sha256 s;
	char hex[65], chunk[999];
	memset(chunk, 'a', sizeof(chunk));
	kl_sha256_init(&s);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		kl_sha256_update(&s, chunk, n);
		left -= n;
	}
	kl_sha256_final_hex(&s, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, read_back_with_cpio);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, bad_entries);
	tcase_add_test(tc, header_bytes);
	tcase_add_test(tc, sha256_vectors);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
