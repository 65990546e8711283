/* SPDX-License-Identifier: MIT */
/*
 * kl_images_prepare with a real Debian kernel fetched by apt, then again from the cache.
 * Exits 77 with one line saying why when apt cannot reach the archive.
 * KDUMPLAB_TEST_SPEC picks another spec (default debian:bookworm); KDUMPLAB_TEST_CACHE keeps
 * the cache in a given directory instead of a temporary one.
 */
#include <time.h>

#include "helpers.h"
#include "images.h"

static const char *spec;
static char *cache;
static char *loader, *saver;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(void *ud, const char *msg)
{
	printf("# %s\n", msg);
	fflush(stdout);
}

static int prepare(struct kl_images **ret, struct kl_error **err)
{
	struct kl_images_options o = { .cache_dir = cache,
				       .kernel_spec = spec,
				       .loader_path = loader,
				       .saver_path = saver,
				       .progress = progress };
	return kl_images_prepare(&o, ret, err);
}

static struct kl_images *first;

START_TEST(real_kernel_then_cached)
{
	ck_assert_ptr_nonnull(first);
	printf("# %s -> %s (release %s), modules: ", spec, first->package, first->release);
	for (char **m = first->capture_modules; *m; m++)
		printf("%s ", *m);
	printf("\n");
	ck_assert(kl_exists(first->vmlinuz));
	ck_assert(kl_exists(first->config));
	_cleanup_free_ char *dep = kl_path_join(first->modules_dir, "modules.dep");
	ck_assert(kl_exists(dep));
	struct kl_images *again = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	double t0 = now();
	ck_assert_msg(prepare(&again, &e) == 0, "%s", e ? e->msg : "");
	double dt = now() - t0;
	printf("# cached prepare: %.3f s\n", dt);
	ck_assert_msg(dt < 1.0, "cached prepare took %.3f s", dt);
	ck_assert_str_eq(again->id, first->id);
	ck_assert_str_eq(again->package, first->package);
	kl_images_free(again);

	/* The extracted kernel also works as a local: kernel, and yields the same modules. */
	_cleanup_free_ char *local = NULL;
	ck_assert_int_ge(asprintf(&local, "local:%s,%s", first->vmlinuz, first->modules_dir), 0);
	const char *saved = spec;
	spec = local;
	e = NULL;
	ck_assert_msg(prepare(&again, &e) == 0, "%s", e ? e->msg : "");
	spec = saved;
	ck_assert_str_eq(again->release, first->release);
	for (size_t i = 0; first->capture_modules[i]; i++)
		ck_assert_str_eq(again->capture_modules[i], first->capture_modules[i]);
	kl_images_free(again);

	/* The capture initramfs holds the modules uncompressed and the list in load order. */
	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "cpio --quiet -t < %s | grep -c '\\.ko$' || true",
				  first->capture_initrd),
			 0);
	_cleanup_free_ char *n = t_sh(cmd);
	size_t count = 0;
	while (first->capture_modules[count])
		count++;
	ck_assert_int_eq(atoi(n), (int)count);
}
END_TEST

int main(void)
{
	spec = getenv("KDUMPLAB_TEST_SPEC") ? getenv("KDUMPLAB_TEST_SPEC") : "debian:bookworm";
	/* Outside a Check test: plain error handling, no ck_assert. */
	char *tmp = strdup("/tmp/kl-images-debian.XXXXXX");
	if (!tmp || !mkdtemp(tmp))
		return 1;
	cache = getenv("KDUMPLAB_TEST_CACHE") ? strdup(getenv("KDUMPLAB_TEST_CACHE"))
					      : kl_path_join(tmp, "cache");
	loader = kl_path_join(tmp, "loader");
	saver = kl_path_join(tmp, "saver");
	if (kl_write_file_atomic(loader, "stand-in loader", 15, 0755, NULL) < 0 ||
	    kl_write_file_atomic(saver, "stand-in saver", 14, 0755, NULL) < 0)
		return 1;

	/* The first prepare decides whether this machine can run the test at all. */
	_cleanup_error_ struct kl_error *e = NULL;
	double t0 = now();
	int r = prepare(&first, &e);
	if (r < 0 && e &&
	    (strstr(e->msg, "cannot fetch the package lists") ||
	     strstr(e->msg, "cannot run 'apt"))) {
		printf("SKIP: apt cannot reach the Debian archive here: %s\n", e->msg);
		kl_rm_rf(tmp);
		return 77;
	}
	printf("# first prepare of %s: %.1f s%s%s\n", spec, now() - t0, r < 0 ? ": " : "",
	       r < 0 && e ? e->msg : "");

	Suite *s = suite_create("images-debian");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, real_kernel_then_cached);
	suite_add_tcase(s, tc);
	int ret = kl_check_run(s);
	kl_images_free(first);
	if (!getenv("KDUMPLAB_TEST_CACHE"))
		kl_rm_rf(tmp);
	free(tmp);
	free(cache);
	free(loader);
	free(saver);
	return ret;
}
