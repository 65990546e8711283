/* SPDX-License-Identifier: MIT */
/* kl_images_prepare end to end on a synthetic local kernel: no network needed. */
#include <archive.h>
#include <archive_entry.h>
#include <time.h>

#include "helpers.h"
#include "images.h"

#define REL "6.99.0-kltest"

static const char config[] =
	"CONFIG_X86_64=y\nCONFIG_RELOCATABLE=y\nCONFIG_KEXEC_FILE=y\nCONFIG_CRASH_DUMP=y\n"
	"CONFIG_PROC_VMCORE=y\nCONFIG_PROC_FS=y\nCONFIG_SYSFS=y\nCONFIG_MAGIC_SYSRQ=y\n"
	"CONFIG_PRINTK=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_BINFMT_ELF=y\nCONFIG_DEVTMPFS=y\n"
	"CONFIG_SERIAL_8250=y\nCONFIG_SERIAL_8250_CONSOLE=y\nCONFIG_VIRTIO_PCI=m\n"
	"CONFIG_VIRTIO_BLK=m\nCONFIG_EXT4_FS=y\n";

static const struct t_module mods[] = {
	{ "kernel/drivers/virtio/virtio.ko", "virtio_ring" },
	{ "kernel/drivers/virtio/virtio_ring.ko" },
	{ "kernel/drivers/virtio/virtio_pci.ko.xz", "virtio_ring virtio" },
	{ "kernel/drivers/block/virtio_blk.ko", "virtio_ring virtio" },
};

struct fixture {
	char *dir, *vmlinuz, *mods, *loader, *saver, *cache, *spec;
};

static void write_vmlinuz(const char *path)
{
	unsigned char b[0x4000] = { 0 };
	b[0x1fe] = 0x55;
	b[0x1ff] = 0xaa;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = 0x0f;
	b[0x207] = 0x02;
	b[0x20e] = 0x00;
	b[0x20f] = 0x10; /* kernel_version at 0x1000 + 0x200 */
	strcpy((char *)b + 0x1200, REL " (kdumplab test) #1 SMP");
	FILE *f = fopen(path, "we");
	ck_assert_uint_eq(fwrite(b, 1, sizeof(b), f), sizeof(b));
	fclose(f);
}

static void write_xz(const char *path, const char *content)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_raw(a);
	archive_write_add_filter_xz(a);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, content, strlen(content)),
			 (la_ssize_t)strlen(content));
	archive_entry_free(e);
	archive_write_free(a);
}

static struct fixture setup(const char *cfg, int with_modules)
{
	struct fixture f = { .dir = t_tmpdir() };
	f.vmlinuz = kl_path_join(f.dir, "boot/vmlinuz-" REL);
	free(t_write(f.dir, "boot/config-" REL, cfg));
	write_vmlinuz(f.vmlinuz);
	/* indexed by depmod, then given contents the assertions below recognise */
	f.mods = t_depmod_tree(f.dir, REL, mods, ELEMENTSOF(mods), NULL);
	free(t_write(f.mods, "kernel/drivers/virtio/virtio.ko", "\177ELF virtio"));
	free(t_write(f.mods, "kernel/drivers/virtio/virtio_ring.ko", "\177ELF virtio_ring"));
	free(t_write(f.mods, "kernel/drivers/block/virtio_blk.ko", "\177ELF virtio_blk"));
	_cleanup_free_ char *xz = kl_path_join(f.mods, "kernel/drivers/virtio/virtio_pci.ko.xz");
	write_xz(xz, "\177ELF virtio_pci, decompressed");
	f.loader = t_write(f.dir, "bin/loader", "loader v1");
	f.saver = t_write(f.dir, "bin/saver", "saver v1");
	f.cache = kl_path_join(f.dir, "cache");
	if (with_modules)
		ck_assert_int_ge(asprintf(&f.spec, "local:%s,%s", f.vmlinuz, f.mods), 0);
	else
		ck_assert_int_ge(asprintf(&f.spec, "local:%s", f.vmlinuz), 0);
	return f;
}

static void teardown(struct fixture *f)
{
	kl_rm_rf(f->dir);
	free(f->dir);
	free(f->vmlinuz);
	free(f->mods);
	free(f->loader);
	free(f->saver);
	free(f->cache);
	free(f->spec);
}

static int prepare(struct fixture *f, struct kl_images **ret, struct kl_error **err)
{
	struct kl_images_options o = { .cache_dir = f->cache,
				       .kernel_spec = f->spec,
				       .loader_path = f->loader,
				       .saver_path = f->saver };
	return kl_images_prepare(&o, ret, err);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(builds_both_images)
{
	struct fixture f = setup(config, 1);
	struct kl_images *im = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(prepare(&f, &im, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_eq(im->release, REL);
	ck_assert_str_eq(im->spec, f.spec);
	ck_assert_ptr_null(im->package);
	ck_assert_str_eq(im->vmlinuz, f.vmlinuz);
	ck_assert_str_eq(im->modules_dir, f.mods);
	ck_assert_uint_eq(strlen(im->id), 64);
	/* ext4 is built in (=y): only the virtio stack, dependencies first. */
	const char *want[] = { "virtio_ring", "virtio", "virtio_pci", "virtio_blk", NULL };
	for (size_t i = 0; want[i]; i++)
		ck_assert_str_eq(im->capture_modules[i], want[i]);
	ck_assert_ptr_null(im->capture_modules[4]);

	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"cd %s && mkdir c s && cd c && cpio --quiet -i -d -f dev/console < %s && cd ../s && cpio --quiet -i -d -f dev/console < %s && cpio --quiet -tv < %s | grep dev/console",
			f.dir, im->capture_initrd, im->system_initrd, im->capture_initrd),
		0);
	_cleanup_free_ char *console = t_sh(cmd);
	ck_assert(startswith(console, "crw-------"));
	free(cmd);
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"cd %s/c && cat etc/kdumplab/modules && cat lib/modules/" REL
			"/kernel/drivers/virtio/virtio_pci.ko && echo && cmp init %s && test -d proc -a -d sys -a -d dev -a -d mnt && ! test -e lib/modules/" REL
			"/kernel/drivers/virtio/virtio_pci.ko.xz && ls -l init | cut -c1-10",
			f.dir, f.saver),
		0);
	_cleanup_free_ char *cap = t_sh(cmd);
	ck_assert_str_eq(cap, "/lib/modules/" REL "/kernel/drivers/virtio/virtio_ring.ko\n"
			      "/lib/modules/" REL "/kernel/drivers/virtio/virtio.ko\n"
			      "/lib/modules/" REL "/kernel/drivers/virtio/virtio_pci.ko\n"
			      "/lib/modules/" REL "/kernel/drivers/block/virtio_blk.ko\n"
			      "\177ELF virtio_pci, decompressed\n-rwxr-xr-x\n");
	free(cmd);
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"cd %s/s && cmp init %s && cmp capture/vmlinuz %s && cmp capture/initrd.img %s && test -f etc/kdumplab/modules && ! test -s etc/kdumplab/modules && test -d proc -a -d sys -a -d mnt && echo ok",
			f.dir, f.loader, f.vmlinuz, im->capture_initrd),
		0);
	_cleanup_free_ char *sys = t_sh(cmd);
	ck_assert_str_eq(sys, "ok\n");
	kl_images_free(im);
	teardown(&f);
}
END_TEST

START_TEST(cached_second_run)
{
	struct fixture f = setup(config, 1);
	struct kl_images *a = NULL, *b = NULL;
	ck_assert_int_eq(prepare(&f, &a, NULL), 0);
	struct stat st1, st2;
	ck_assert_int_eq(stat(a->capture_initrd, &st1), 0);
	double t0 = now();
	ck_assert_int_eq(prepare(&f, &b, NULL), 0);
	double dt = now() - t0;
	ck_assert_msg(dt < 0.5, "cached prepare took %.3f s", dt);
	ck_assert_str_eq(a->id, b->id);
	ck_assert_str_eq(a->system_initrd, b->system_initrd);
	ck_assert_int_eq(stat(b->capture_initrd, &st2), 0);
	ck_assert_int_eq(st1.st_ino, st2.st_ino); /* not rebuilt */
	kl_images_free(b);
	/* A different saver is a different image. */
	free(t_write(f.dir, "bin/saver", "saver v2"));
	ck_assert_int_eq(prepare(&f, &b, NULL), 0);
	ck_assert_str_ne(a->id, b->id);
	/* Nothing half-written is left in the cache. */
	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(
		asprintf(&cmd, "ls %s/tmp | wc -l; ls %s/images | wc -l", f.cache, f.cache), 0);
	_cleanup_free_ char *out = t_sh(cmd);
	ck_assert_str_eq(out, "0\n2\n");
	kl_images_free(a);
	kl_images_free(b);
	teardown(&f);
}
END_TEST

START_TEST(config_refused_with_full_list)
{
	char *cfg = strdup(config);
	memcpy(strstr(cfg, "CONFIG_KEXEC_FILE"), "#", 1);
	memcpy(strstr(cfg, "CONFIG_PROC_VMCORE"), "#", 1);
	struct fixture f = setup(cfg, 1);
	struct kl_images *im = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_lt(prepare(&f, &im, &e), 0);
	ck_assert_ptr_null(im);
	ck_assert_int_eq(e->exit_code, 2);
	ck_assert_ptr_nonnull(strstr(e->msg, "CONFIG_KEXEC_FILE=y, CONFIG_PROC_VMCORE=y"));
	ck_assert_ptr_nonnull(strstr(e->msg, "config-" REL "'"));
	kl_error_free(e);
	free(cfg);
	teardown(&f);
}
END_TEST

START_TEST(modules_needed_but_not_given)
{
	struct fixture f = setup(config, 0);
	struct kl_images *im = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_lt(prepare(&f, &im, &e), 0);
	ck_assert_ptr_nonnull(strstr(e->msg, "virtio_pci"));
	ck_assert_ptr_nonnull(strstr(e->msg, "MODULES_DIR"));
	kl_error_free(e);
	teardown(&f);
}
END_TEST

START_TEST(all_builtin_needs_no_modules)
{
	char *cfg = strdup(config);
	strstr(cfg, "CONFIG_VIRTIO_PCI=m")[strlen("CONFIG_VIRTIO_PCI=")] = 'y';
	strstr(cfg, "CONFIG_VIRTIO_BLK=m")[strlen("CONFIG_VIRTIO_BLK=")] = 'y';
	struct fixture f = setup(cfg, 0);
	struct kl_images *im = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(prepare(&f, &im, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_ptr_null(im->capture_modules[0]);
	ck_assert_ptr_null(im->modules_dir);
	kl_images_free(im);
	free(cfg);
	teardown(&f);
}
END_TEST

START_TEST(missing_inputs_named)
{
	struct fixture f = setup(config, 1);
	free(f.saver);
	f.saver = strdup("/nonexistent/kdumplab-saver");
	struct kl_images *im = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_lt(prepare(&f, &im, &e), 0);
	ck_assert_ptr_nonnull(strstr(e->msg, "'/nonexistent/kdumplab-saver'"));
	kl_error_free(e);
	e = NULL;
	_cleanup_free_ char *cfgpath = kl_path_join(f.dir, "boot/config-" REL);
	unlink(cfgpath);
	free(f.saver);
	f.saver = t_write(f.dir, "bin/saver", "saver v1");
	ck_assert_int_lt(prepare(&f, &im, &e), 0);
	ck_assert_ptr_nonnull(strstr(e->msg, "no kernel config"));
	ck_assert_ptr_nonnull(strstr(e->msg, cfgpath));
	kl_error_free(e);
	teardown(&f);
}
END_TEST

/* The system image's scenario modules: the user's .ko, a kernel module with its closure and
 * the order list; a kernel without CONFIG_CC_VERSION_TEXT gets no crash module, with why. */
START_TEST(scenario_modules_in_system_image)
{
	struct fixture f = setup(config, 1);
	_cleanup_free_ char *user = t_write(f.dir, "user/repro.ko", "\177ELF user v1");
	const char *const kmods[] = { "virtio-blk", "no_such_module", NULL };
	struct kl_images_options o = { .cache_dir = f.cache,
				       .kernel_spec = f.spec,
				       .loader_path = f.loader,
				       .saver_path = f.saver,
				       .user_module = user,
				       .scenario_kmods = kmods };
	struct kl_images *im = NULL, *im2 = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_images_prepare(&o, &im, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_ptr_null(im->crash_module);
	ck_assert_ptr_nonnull(im->crash_module_unavailable);
	ck_assert_ptr_nonnull(strstr(im->crash_module_unavailable, "CONFIG_CC_VERSION_TEXT"));
	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(
		asprintf(
			&cmd,
			"mkdir %s/sm && cd %s/sm && cpio --quiet -i -d -f dev/console < %s && cd kdumplab/modules && ls && cat order && cat user.ko && echo",
			f.dir, f.dir, im->system_initrd),
		0);
	_cleanup_free_ char *out = t_sh(cmd);
	ck_assert_str_eq(out, "order\nuser.ko\nvirtio.ko\nvirtio_blk.ko\nvirtio_ring.ko\n"
			      "virtio_blk virtio_ring virtio\n"
			      "\177ELF user v1\n");
	/* The user's module is part of the image id. */
	free(t_write(f.dir, "user/repro.ko", "\177ELF user v2"));
	ck_assert_msg(kl_images_prepare(&o, &im2, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_ne(im->id, im2->id);
	kl_images_free(im);
	kl_images_free(im2);
	teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("images-local");
	TCase *tc = tcase_create("core");
	/* cc and depmod build each fixture tree: generous on a loaded machine */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, builds_both_images);
	tcase_add_test(tc, cached_second_run);
	tcase_add_test(tc, config_refused_with_full_list);
	tcase_add_test(tc, modules_needed_but_not_given);
	tcase_add_test(tc, all_builtin_needs_no_modules);
	tcase_add_test(tc, missing_inputs_named);
	tcase_add_test(tc, scenario_modules_in_system_image);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
