/* SPDX-License-Identifier: MIT */
/*
 * Debian kernel packages of both layouts (one linux-image-REL-unsigned up to 6.x; from 7.x
 * linux-binary[-unsigned]-REL, linux-modules-REL and linux-base-REL) unpacked and brought into
 * the lab's layout; hostile trees refused; apt Depends fields read. The packages are tiny fake
 * .debs written here (ar: debian-binary, control.tar, data.tar.xz), never real ones.
 */
#include "deb.h"
#include "debian.h"
#include "helpers.h"
#include "kernel-tree.h"

#define REL "7.9.1+deb13-cloud-amd64"
#define STUB_MAP                                                                                   \
	"ffffffffffffffff B The real System.map is in the linux-image-" REL "-dbg package\n"
#define REAL_MAP "ffffffff81000000 T _text\nffffffff81000000 T startup_64\n"

/* A member of a fake package: a regular file with content, or a directory (content NULL). */
struct member {
	const char *path;
	const char *content;
};

static void *tar_xz(const struct member *m, size_t n, size_t *ret_len)
{
	size_t cap = 1 << 20, used = 0;
	void *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	struct archive *a = archive_write_new();
	ck_assert_int_eq(archive_write_set_format_gnutar(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_add_filter_xz(a), ARCHIVE_OK);
	/* xz's default level takes ~100 MB and a noticeable time per package: these are tiny. */
	ck_assert_int_eq(archive_write_set_filter_option(a, "xz", "compression-level", "0"),
			 ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].path);
		archive_entry_set_filetype(e, m[i].content ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, m[i].content ? 0644 : 0755);
		size_t len = m[i].content ? strlen(m[i].content) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			ck_assert_int_eq(archive_write_data(a, m[i].content, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*ret_len = used;
	return buf;
}

static void ar_member(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

/* dir/name.deb holding members in its data.tar.xz; returns its path. */
static char *fake_deb(const char *dir, const char *name, const struct member *m, size_t n)
{
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s.deb", dir, name), 0);
	size_t dlen = 0, clen = 0;
	_cleanup_free_ void *data = tar_xz(m, n, &dlen);
	static const struct member control[] = { { "./control", "Package: fake\n" } };
	_cleanup_free_ void *ctrl = tar_xz(control, 1, &clen);
	struct archive *a = archive_write_new();
	ck_assert_int_eq(archive_write_set_format_ar_svr4(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	ar_member(a, "debian-binary", "2.0\n", 4);
	ar_member(a, "control.tar.xz", ctrl, clen);
	ar_member(a, "data.tar.xz", data, dlen);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

#define FAKE_DEB(dir, name, ...)                                                                   \
	fake_deb(dir, name, (const struct member[]){ __VA_ARGS__ },                                \
		 ELEMENTSOF(((const struct member[]){ __VA_ARGS__ })))

#define M(sub) "./usr/lib/modules/" REL "/" sub

/* 7.x's three packages; vmlinuz is "vmlinuz.unsigned" or "vmlinuz" (the signed twin). */
static void split_debs(const char *dir, const char *vmlinuz, const char *map, char *debs[3])
{
	_cleanup_free_ char *vpath = NULL;
	ck_assert_int_ge(asprintf(&vpath, M("%s"), vmlinuz), 0);
	debs[0] = FAKE_DEB(dir, "binary", { "./", NULL }, { "./usr/lib/modules/", NULL },
			   { M(""), NULL }, { vpath, "MZ kernel image" },
			   { "./usr/share/doc/linux-binary/copyright", "text" });
	debs[1] = FAKE_DEB(dir, "modules", { M("kernel/drivers/block/"), NULL },
			   { M("kernel/drivers/block/virtio_blk.ko.xz"), "module" });
	debs[2] = FAKE_DEB(dir, "base", { M("config"), "CONFIG_CRASH_DUMP=y\n" },
			   { M("System.map"), map }, { M("modules.builtin"), "" },
			   { M("modules.order"), "kernel/drivers/block/virtio_blk.ko\n" });
}

static char *read_str(const char *root, const char *rel)
{
	_cleanup_free_ char *p = kl_path_join(root, rel);
	char *s = NULL;
	ck_assert_msg(kl_read_file(p, &s, NULL, NULL) == 0, "cannot read %s", rel);
	return s;
}

static bool exists(const char *root, const char *rel)
{
	_cleanup_free_ char *p = kl_path_join(root, rel);
	return kl_exists(p);
}

static void extract_all(char *const *debs, size_t n, const char *root)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_msg(kl_deb_extract(debs[i], root, &e) == 0, "%s", e ? e->msg : "");
	}
}

static void free_debs(char **debs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(debs[i]);
}

START_TEST(split_layout_unsigned)
{
	_cleanup_free_ char *dir = t_tmpdir(), *root = kl_path_join(dir, "root");
	char *debs[3];
	split_debs(dir, "vmlinuz.unsigned", STUB_MAP, debs);
	ck_assert_int_eq(kl_mkdir_p(root, 0755, NULL), 0);
	extract_all(debs, 3, root);
	_cleanup_free_ char *rel = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_kernel_tree_normalise(root, &rel, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_eq(rel, REL);
	_cleanup_free_ char *v = read_str(root, "boot/vmlinuz-" REL);
	_cleanup_free_ char *c = read_str(root, "boot/config-" REL);
	ck_assert_str_eq(v, "MZ kernel image");
	ck_assert_str_eq(c, "CONFIG_CRASH_DUMP=y\n");
	/* The stub System.map is dropped, not passed off as a real one. */
	ck_assert(!exists(root, "boot/System.map-" REL));
	ck_assert(!exists(root, "lib/modules/" REL "/System.map"));
	ck_assert(!exists(root, "lib/modules/" REL "/vmlinuz.unsigned"));
	ck_assert(!exists(root, "lib/modules/" REL "/config"));
	ck_assert(exists(root, "lib/modules/" REL "/kernel/drivers/block/virtio_blk.ko.xz"));
	ck_assert(exists(root, "lib/modules/" REL "/modules.order"));
	ck_assert(!exists(root, "usr")); /* usr/lib/modules is mapped to lib/modules */
	free_debs(debs, 3);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(split_layout_signed_real_map)
{
	_cleanup_free_ char *dir = t_tmpdir(), *root = kl_path_join(dir, "root");
	char *debs[3];
	split_debs(dir, "vmlinuz", REAL_MAP, debs);
	ck_assert_int_eq(kl_mkdir_p(root, 0755, NULL), 0);
	extract_all(debs, 3, root);
	_cleanup_free_ char *rel = NULL;
	ck_assert_int_eq(kl_kernel_tree_normalise(root, &rel, NULL), 0);
	_cleanup_free_ char *v = read_str(root, "boot/vmlinuz-" REL);
	_cleanup_free_ char *m = read_str(root, "boot/System.map-" REL);
	ck_assert_str_eq(v, "MZ kernel image");
	ck_assert_str_eq(m, REAL_MAP);
	free_debs(debs, 3);
	kl_rm_rf(dir);
}
END_TEST

/* Up to 6.x: one package, already in the lab's layout; a real System.map is kept. */
START_TEST(single_package_layout)
{
	_cleanup_free_ char *dir = t_tmpdir(), *root = kl_path_join(dir, "root");
	char *deb = FAKE_DEB(dir, "image", { "./boot/", NULL },
			     { "./boot/vmlinuz-6.1.0-9-cloud-amd64", "bzImage" },
			     { "./boot/config-6.1.0-9-cloud-amd64", "CONFIG_KEXEC=y\n" },
			     { "./boot/System.map-6.1.0-9-cloud-amd64", REAL_MAP },
			     { "./lib/modules/6.1.0-9-cloud-amd64/kernel/a.ko", "module" },
			     { "./usr/share/doc/x/changelog.gz", "text" });
	ck_assert_int_eq(kl_mkdir_p(root, 0755, NULL), 0);
	extract_all(&deb, 1, root);
	_cleanup_free_ char *rel = NULL;
	ck_assert_int_eq(kl_kernel_tree_normalise(root, &rel, NULL), 0);
	ck_assert_str_eq(rel, "6.1.0-9-cloud-amd64");
	ck_assert(exists(root, "boot/vmlinuz-6.1.0-9-cloud-amd64"));
	ck_assert(exists(root, "boot/System.map-6.1.0-9-cloud-amd64"));
	ck_assert(exists(root, "lib/modules/6.1.0-9-cloud-amd64/kernel/a.ko"));
	ck_assert(!exists(root, "usr"));
	free(deb);
	kl_rm_rf(dir);
}
END_TEST

/* normalise on root holding the fake package's members; its error message in *ret_msg. */
static int normalise_one(const struct member *m, size_t n, char **ret_msg)
{
	_cleanup_free_ char *dir = t_tmpdir(), *root = kl_path_join(dir, "root");
	_cleanup_free_ char *deb = fake_deb(dir, "hostile", m, n);
	ck_assert_int_eq(kl_mkdir_p(root, 0755, NULL), 0);
	_cleanup_error_ struct kl_error *e = NULL;
	int r = kl_deb_extract(deb, root, &e);
	_cleanup_free_ char *rel = NULL;
	if (r >= 0)
		r = kl_kernel_tree_normalise(root, &rel, &e);
	ck_assert(r >= 0 || (e && e->msg));
	*ret_msg = r < 0 ? strdup(e->msg) : NULL;
	kl_rm_rf(dir);
	return r;
}

#define NORMALISE(msg, ...)                                                                        \
	normalise_one((const struct member[]){ __VA_ARGS__ },                                      \
		      ELEMENTSOF(((const struct member[]){ __VA_ARGS__ })), msg)

START_TEST(hostile_trees_refused)
{
	_cleanup_free_ char *msg = NULL;
	/* Two kernels' trees and no vmlinuz to say which. */
	ck_assert_int_lt(NORMALISE(&msg, { "./usr/lib/modules/7.1-a/config", "x" },
				   { "./usr/lib/modules/7.1-b/config", "x" }),
			 0);
	ck_assert_ptr_nonnull(strstr(msg, "7.1-a"));
	ck_assert_ptr_nonnull(strstr(msg, "7.1-b"));
	free(msg);
	/* Two vmlinuz in boot/. */
	ck_assert_int_lt(
		NORMALISE(&msg, { "./boot/vmlinuz-6.1-a", "x" }, { "./boot/vmlinuz-6.1-b", "x" }),
		0);
	ck_assert_ptr_nonnull(strstr(msg, "more than one kernel"));
	free(msg);
	/* A modules tree without a kernel image. */
	ck_assert_int_lt(NORMALISE(&msg, { M("config"), "x" }), 0);
	ck_assert_ptr_nonnull(strstr(msg, "lib/modules/" REL "/vmlinuz"));
	free(msg);
	/* No kernel at all (7.x's meta package alone). */
	ck_assert_int_lt(NORMALISE(&msg, { "./usr/share/doc/linux-image/copyright", "x" }), 0);
	ck_assert_ptr_nonnull(strstr(msg, "no kernel"));
	free(msg);
	/* A kernel without its config (linux-base not unpacked). */
	ck_assert_int_lt(NORMALISE(&msg, { M("vmlinuz"), "x" }), 0);
	ck_assert_ptr_nonnull(strstr(msg, "no config for " REL));
	free(msg);
	/* A release longer than any uname can report. */
	ck_assert_int_lt(
		NORMALISE(
			&msg,
			{ "./usr/lib/modules/"
			  "7.1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
			  "vmlinuz",
			  "x" }),
		0);
	ck_assert_ptr_nonnull(strstr(msg, "invalid kernel release"));
	free(msg);
	/* A member climbing out of the tree. */
	ck_assert_int_lt(NORMALISE(&msg, { "./usr/lib/modules/../../../../etc/evil", "x" }), 0);
	ck_assert_ptr_nonnull(strstr(msg, "outside the tree"));
	free(msg);
	/* The old layout's boot/ with its modules tree missing. */
	ck_assert_int_lt(
		NORMALISE(&msg, { "./boot/vmlinuz-6.1-a", "x" }, { "./boot/config-6.1-a", "x" }),
		0);
	ck_assert_ptr_nonnull(strstr(msg, "no lib/modules/6.1-a"));
}
END_TEST

/* Two packages of one kernel must not ship the same file: the second one is refused. */
START_TEST(same_file_twice_refused)
{
	_cleanup_free_ char *dir = t_tmpdir(), *root = kl_path_join(dir, "root");
	char *a = FAKE_DEB(dir, "a", { M("config"), "first" });
	char *b = FAKE_DEB(dir, "b", { M("config"), "second" });
	ck_assert_int_eq(kl_mkdir_p(root, 0755, NULL), 0);
	ck_assert_int_eq(kl_deb_extract(a, root, NULL), 0);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_lt(kl_deb_extract(b, root, &e), 0);
	ck_assert_ptr_nonnull(strstr(e->msg, "config"));
	_cleanup_free_ char *c = read_str(root, "lib/modules/" REL "/config");
	ck_assert_str_eq(c, "first");
	free(a);
	free(b);
	kl_rm_rf(dir);
}
END_TEST

START_TEST(system_map_real_or_stub)
{
	_cleanup_free_ char *dir = t_tmpdir();
	_cleanup_free_ char *real = t_write(dir, "real", REAL_MAP),
			    *stub = t_write(dir, "stub", STUB_MAP),
			    *empty = t_write(dir, "empty", ""),
			    *noeol = t_write(dir, "noeol", "ffffffff81000000 T _text"),
			    *words = t_write(dir, "words", "ffffffff81000000 TT _text\n"),
			    *missing = kl_path_join(dir, "missing");
	ck_assert(kl_system_map_is_real(real));
	ck_assert(!kl_system_map_is_real(stub));
	ck_assert(!kl_system_map_is_real(empty));
	ck_assert(!kl_system_map_is_real(noeol));
	ck_assert(!kl_system_map_is_real(words));
	ck_assert(!kl_system_map_is_real(missing));
	/* A first line of a megabyte is read no further than the bound. */
	_cleanup_free_ char *huge = malloc(1 << 20);
	memset(huge, 'f', (1 << 20) - 1);
	huge[(1 << 20) - 1] = '\0';
	_cleanup_free_ char *hp = t_write(dir, "huge", huge);
	ck_assert(!kl_system_map_is_real(hp));
	kl_rm_rf(dir);
}
END_TEST

/* apt Depends fields as the archive serves them (6.1, 7.3 metapackages and 7.3's image). */
START_TEST(depends_find)
{
	static const char meta7[] =
		"linux-base-cloud-amd64 (= 7.3.4-1~bpo13+1), linux-image-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1), linux-modules-cloud-amd64 (= 7.3.4-1~bpo13+1)";
	static const char image7[] =
		"dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, linux-base-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1), linux-binary-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1), linux-modules-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1)";
	static const char headers7[] =
		"gcc-14-for-host, linux-base (>= 4.12~), linux-base-7.3.4+deb13-cloud-amd64 (= 7.3.4-1~bpo13+1)";
	struct {
		const char *depends, *prefix, *want;
	} cases[] = {
		{ meta7, "linux-image-", "linux-image-7.3.4+deb13-cloud-amd64" },
		{ "linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)", "linux-image-",
		  "linux-image-6.1.0-57-cloud-amd64" },
		{ image7, "linux-binary-", "linux-binary-7.3.4+deb13-cloud-amd64" },
		{ image7, "linux-base-", "linux-base-7.3.4+deb13-cloud-amd64" },
		{ image7, "linux-modules-", "linux-modules-7.3.4+deb13-cloud-amd64" },
		{ image7, "linux-initramfs-tool", NULL }, /* the prefix alone is not a match */
		{ headers7, "linux-base-", "linux-base-7.3.4+deb13-cloud-amd64" },
		{ "a | linux-binary-x:amd64 (>= 1)", "linux-binary-", "linux-binary-x" },
		{ "linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)", "linux-binary-", NULL },
		{ "", "linux-image-", NULL },
		{ ",,, | ,", "linux-image-", NULL },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *got =
			kl_debian_depends_find(cases[i].depends, cases[i].prefix);
		if (!cases[i].want)
			ck_assert_msg(!got, "case %zu: got %s", i, got);
		else
			ck_assert_msg(got && streq(got, cases[i].want), "case %zu: got %s", i,
				      got ? got : "(null)");
	}
}
END_TEST

START_TEST(suites_known)
{
	static const char *const names[] = { "bookworm", "bookworm-backports", "trixie",
					     "trixie-backports" };
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		const struct kl_debian_suite *s = kl_debian_suite_find(names[i]);
		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_nonnull(strstr(KL_DEBIAN_SUITES, names[i]));
		/* Every source names the suite it belongs to. */
		for (size_t j = 0; s->sources[j]; j++)
			ck_assert_ptr_nonnull(strstr(s->sources[j], names[i]));
	}
	ck_assert_ptr_nonnull(strstr(kl_debian_suite_find("trixie-backports")->sources[0],
				     " trixie-backports main"));
	ck_assert_ptr_null(kl_debian_suite_find("sid"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel-tree");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, split_layout_unsigned);
	tcase_add_test(tc, split_layout_signed_real_map);
	tcase_add_test(tc, single_package_layout);
	tcase_add_test(tc, hostile_trees_refused);
	tcase_add_test(tc, same_file_twice_refused);
	tcase_add_test(tc, system_map_real_or_stub);
	tcase_add_test(tc, depends_find);
	tcase_add_test(tc, suites_known);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
