/* SPDX-License-Identifier: MIT */
/* kdumplab doctor: is this host ready? Every check says what to do when it fails. */
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "base/fs.h"
#include "cli.h"
#include "images.h"
#include "run/run.h"
#include "virt/disk.h"
#include "virt/pull.h"
#include "virt/virt.h"

struct doctor {
	unsigned ok, bad;
};

static void report(struct doctor *d, bool ok, const char *what, const char *fmt, ...)
	_printf_(4, 5);
static void report(struct doctor *d, bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%-5s %-12s ", ok ? "ok" : "FAIL", what);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (ok)
		d->ok++;
	else
		d->bad++;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, prog);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

static void check_tools(struct doctor *d)
{
	static const char *const tools[] = { "mke2fs", "depmod", "apt-get", "qemu-system-x86_64" };
	char missing[256] = "";
	for (size_t i = 0; i < ELEMENTSOF(tools); i++)
		if (!in_path(tools[i]) &&
		    !(streq(tools[i], "mke2fs") && access("/sbin/mke2fs", X_OK) == 0))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 " %s", tools[i]);
	if (*missing)
		report(d, false, "tools",
		       "missing:%s; run ci/setup (or apt-get install e2fsprogs kmod apt qemu-system-x86)",
		       missing);
	else
		report(d, true, "tools", "mke2fs, depmod, apt-get, qemu-system-x86_64 found");
}

static void check_space(struct doctor *d, const char *what, const char *dir)
{
	struct statvfs st;
	_cleanup_free_ char *probe = strdup(dir);
	/* The directory may not exist yet: look at its nearest existing parent. */
	while (statvfs(probe, &st) < 0) {
		char *slash = strrchr(probe, '/');
		if (!slash || slash == probe) {
			strcpy(probe, "/");
			if (statvfs(probe, &st) < 0) {
				report(d, false, what, "cannot stat \"%s\"", dir);
				return;
			}
			break;
		}
		*slash = '\0';
	}
	double gib = (double)st.f_bavail * (double)st.f_frsize / (1 << 30);
	/* A 4 GiB cell needs a sparse 4+ GiB dump disk and a sparse copy of the dump. */
	report(d, gib >= 8, what, "%.1f GiB free under \"%s\"%s", gib, dir,
	       gib >= 8
		       ? ""
		       : "; need at least 8 GiB: free space or pass --cache/--state/--output elsewhere");
}

/* The real thing: a scratch ext4 disk pulled through a libguestfs appliance. */
static void check_guestfs(struct doctor *d, const struct kl_images *im, const char *state)
{
	_cleanup_error_ struct kl_error *e = NULL;
	_cleanup_free_ char *dir = NULL, *disk = NULL;
	struct kl_pull_result *pr = NULL;

	if (asprintf(&dir, "%s/doctor-%d", state, (int)getpid()) < 0 ||
	    asprintf(&disk, "%s/disk.img", dir) < 0)
		return;
	if (kl_mkdir_p(dir, 0755, &e) < 0 || kl_disk_create(disk, 64ULL << 20, &e) < 0) {
		report(d, false, "libguestfs", "cannot create a scratch disk: %s", e->msg);
		return;
	}
	struct kl_pull_options po = { .disk_path = disk,
				      .out_dir = dir,
				      .appliance_kernel = im->vmlinuz,
				      .appliance_modules = im->modules_dir,
				      .force_tcg = true };
	if (kl_pull(&po, &pr, &e) < 0)
		report(d, false, "libguestfs",
		       "appliance failed: %s; run with LIBGUESTFS_DEBUG=1 for its log, check that /lib/modules exists",
		       e->msg);
	else
		report(d, true, "libguestfs",
		       "appliance launched in %.1f s, scratch ext4 disk read (kernel from the cache, TCG)",
		       pr->launch_seconds);
	kl_pull_result_free(pr);
	unlink(disk);
	kl_rm_files(dir, NULL);
	rmdir(dir);
}

int cmd_doctor(int argc, char **argv, struct kl_error **err)
{
	static const struct option options[] = {
		{ "connect", required_argument, NULL, 'C' },
		{ "cache", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *uri = NULL, *cache_opt = NULL, *spec = "debian:bookworm";
	_cleanup_free_ char *cache = NULL, *state = NULL, *loader = NULL, *saver = NULL;
	struct doctor d = { 0 };
	int c, r;

	optind = 1;
	opterr = 0; /* we report unknown options ourselves, once */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'C')
			uri = optarg;
		else if (c == 'c')
			cache_opt = optarg;
		else if (c == 'k')
			spec = optarg;
		else if (c == 'h') {
			printf("kdumplab doctor [--connect URI] [--cache DIR] [--kernel SPEC]\n");
			return 0;
		} else
			return kl_error_usage(err, 0,
					      "unknown option \"%s\" (see kdumplab doctor --help)",
					      argv[optind - 1]);
	}
	if (cache_opt)
		cache = strdup(cache_opt);
	else if ((r = kl_default_cache_dir(&cache, err)) < 0)
		return r;
	if ((r = kl_default_state_dir(&state, err)) < 0)
		return r;

	check_tools(&d);
	check_space(&d, "disk(cache)", cache);
	check_space(&d, "disk(state)", state);

	/* Kernel cache: prepare the default kernel (a no-op when cached). */
	struct kl_images *im = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	if (kl_guest_binaries(&loader, &saver, &e) < 0) {
		report(&d, false, "programs", "%s", e->msg);
	} else {
		if (kl_run_images_prepare(cache, spec, NULL, NULL, NULL, &im, &e) < 0)
			report(&d, false, "kernel",
			       "%s: %s; check network access to Debian's archive, or use --kernel local:VMLINUZ",
			       spec, e->msg);
		else
			report(&d, true, "kernel", "%s → %s cached in \"%s\"", spec, im->release,
			       cache);
	}

	struct kl_virt *v = NULL;
	kl_error_free(e);
	e = NULL;
	if (kl_virt_open(uri, state, &v, &e) < 0) {
		report(&d, false, "libvirt",
		       "%s; for the default embedded driver install libvirt-daemon-driver-qemu (ci/setup), or pass --connect URI",
		       e->msg);
	} else {
		report(&d, true, "libvirt", "connected to \"%s\"", kl_virt_uri(v));
		if (im) {
			bool kvm = false;
			_cleanup_free_ char *reason = NULL;
			kl_error_free(e);
			e = NULL;
			if (kl_virt_probe_kvm(v, cache, im->vmlinuz, im->system_initrd, &kvm,
					      &reason, &e) < 0)
				report(&d, false, "kvm", "probe failed: %s", e->msg);
			else
				/* Not a failure: TCG works, only slower. */
				report(&d, true, "kvm", "%s%s%s",
				       kvm ? "usable (a real boot succeeded)"
					   : "not usable, cells run under TCG: ",
				       kvm ? "" : "", kvm ? "" : (reason ? reason : "?"));
		}
		kl_virt_close(v);
	}

	if (im)
		check_guestfs(&d, im, state);
	kl_images_free(im);
	printf("%u ok, %u failed\n", d.ok, d.bad);
	return d.bad ? 1 : 0;
}
