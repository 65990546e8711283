/* SPDX-License-Identifier: MIT */
/*
 * Does KVM work? /dev/kvm existing proves nothing: on this project's machines it belongs to a
 * nested PVM hypervisor under which a stock kernel hangs at boot. So boot the real kernel and
 * initrd as a kvm domain and wait for the loader's first line. The answer holds until the host
 * reboots, so it is cached keyed by the boot id.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/stop.h"
#include "owner.h"
#include "protocol.h"
#include "virt.h"

#define PROBE_CACHE_FILE "kvm-probe"
#define PROBE_NEEDLE	 KL_PROTO_PREFIX "phase=start"

/* Cache format: "boot_id=<id>\nkvm=0|1\nreason=<text>\n". */
static int cache_read(const char *path, bool *ret_kvm, char **ret_reason)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[1024];
	_cleanup_free_ char *reason = NULL;
	bool boot_ok = false, have_kvm = false, kvm = false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (startswith(line, "boot_id="))
			boot_ok = *kl_boot_id() && streq(line + 8, kl_boot_id());
		else if (startswith(line, "kvm="))
			have_kvm = true, kvm = streq(line + 4, "1");
		else if (startswith(line, "reason=")) {
			free(reason);
			reason = strdup(line + 7);
		}
	}
	if (!boot_ok || !have_kvm || !reason)
		return -ESTALE;
	*ret_kvm = kvm;
	*ret_reason = TAKE_PTR(reason);
	return 0;
}

static int cache_write(const char *cache_dir, const char *path, bool kvm, const char *reason,
		       struct kl_error **err)
{
	if (mkdir(cache_dir, 0755) < 0 && errno != EEXIST)
		return kl_error_set(err, errno, "cannot create cache directory \"%s\"", cache_dir);
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
		return kl_error_set(err, ENOMEM, "kvm probe cache");
	_cleanup_fclose_ FILE *f = fopen(tmp, "we");
	if (!f)
		return kl_error_set(err, errno, "cannot write \"%s\"", tmp);
	fprintf(f, "boot_id=%s\nkvm=%d\nreason=%s\n", kl_boot_id(), kvm ? 1 : 0, reason);
	if (fflush(f) != 0 || ferror(f)) {
		int r = kl_error_set(err, errno ? errno : EIO, "cannot write \"%s\"", tmp);
		unlink(tmp);
		return r;
	}
	/* rename(): concurrent probes each publish a whole answer. */
	if (rename(tmp, path) < 0) {
		int r = kl_error_set(err, errno, "cannot rename \"%s\" to \"%s\"", tmp, path);
		unlink(tmp);
		return r;
	}
	return 0;
}

/* Boot and watch; returns the answer and its reason (never an error: failing to boot is "no"). */
static bool probe_boot(struct kl_virt *v, const char *kernel, const char *initrd, char **ret_reason)
{
	char name[64], *reason = NULL;
	snprintf(name, sizeof(name), KL_DOMAIN_PREFIX "kvm-probe-%d", (int)getpid());
	const struct kl_domain_config c = {
		.name = name,
		.kernel = kernel,
		.initrd = initrd,
		.cmdline = "console=ttyS0 panic=-1 kdumplab.scenario=none",
		.memory_mib = 256,
		.vcpus = 1,
		.kvm = true,
	};
	_cleanup_error_ struct kl_error *e = NULL;
	_cleanup_(kl_vm_freep) struct kl_vm *vm = NULL;
	double t0 = kl_now();
	if (kl_vm_start(v, &c, &vm, &e) < 0) {
		if (asprintf(&reason, "a kvm domain does not start: %s", e->msg) < 0)
			reason = NULL;
		*ret_reason = reason;
		return false;
	}

	/* Keep a tail across reads so the needle is found when split between two of them. */
	char buf[8192 + sizeof(PROBE_NEEDLE)];
	size_t keep = 0;
	for (;;) {
		int left = (int)((t0 + KL_KVM_PROBE_TIMEOUT_MS / 1000.0 - kl_now()) * 1000);
		if (left <= 0) {
			if (asprintf(&reason,
				     "a kvm guest printed no \"" PROBE_NEEDLE
				     "\" within %d s: /dev/kvm exists but does not run this kernel",
				     KL_KVM_PROBE_TIMEOUT_MS / 1000) < 0)
				reason = NULL;
			break;
		}
		ssize_t n = kl_vm_read_console(vm, buf + keep, sizeof(buf) - keep - 1, left);
		if (n == -EPIPE) {
			if (asprintf(&reason,
				     "a kvm guest ended after %.1f s without reaching its init",
				     kl_now() - t0) < 0)
				reason = NULL;
			break;
		}
		if (n <= 0)
			continue;
		size_t total = keep + n;
		buf[total] = 0;
		if (memmem(buf, total, PROBE_NEEDLE, strlen(PROBE_NEEDLE))) {
			if (asprintf(&reason, "a kvm guest reached its init in %.1f s",
				     kl_now() - t0) < 0)
				reason = NULL;
			*ret_reason = reason;
			return true;
		}
		keep = total < strlen(PROBE_NEEDLE) ? total : strlen(PROBE_NEEDLE);
		memmove(buf, buf + total - keep, keep);
	}
	*ret_reason = reason;
	return false;
}

/* QEMU's errors span lines; the reason is one line (a notice, and a line of the cache file). */
static char *one_line(char *s)
{
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = 0;
	char *out = malloc(2 * len + 1), *w = out;
	if (!out)
		return s;
	for (const char *r = s; *r; r++) {
		if (*r == '\n' || *r == '\r') {
			if (w > out && w[-1] != ' ')
				*w++ = ';', *w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	*w = 0;
	free(s);
	return out;
}

int kl_virt_probe_kvm(struct kl_virt *v, const char *cache_dir, const char *kernel,
		      const char *initrd, bool *ret_kvm, char **ret_reason, struct kl_error **err)
{
	_cleanup_free_ char *path = NULL, *reason = NULL;
	bool kvm = false;

	if (!cache_dir || !kernel)
		return kl_error_usage(err, EINVAL,
				      "the KVM probe needs a cache directory and a kernel");
	if (asprintf(&path, "%s/" PROBE_CACHE_FILE, cache_dir) < 0)
		return kl_error_set(err, ENOMEM, "kvm probe");

	/* Not cached: cheap to check, and /dev/kvm may appear when a module is loaded. */
	if (access("/dev/kvm", R_OK | W_OK) < 0) {
		if (asprintf(&reason, "/dev/kvm is not usable: %s", strerror(errno)) < 0)
			return kl_error_set(err, ENOMEM, "kvm probe");
		*ret_kvm = false;
		*ret_reason = TAKE_PTR(reason);
		return 0;
	}
	if (cache_read(path, &kvm, &reason) == 0) {
		_cleanup_free_ char *r = NULL;
		if (asprintf(&r, "%s (cached for this host boot)", reason) < 0)
			return kl_error_set(err, ENOMEM, "kvm probe");
		*ret_kvm = kvm;
		*ret_reason = TAKE_PTR(r);
		return 0;
	}

	kvm = probe_boot(v, kernel, initrd, &reason);
	if (!reason)
		return kl_error_set(err, ENOMEM, "kvm probe");
	reason = one_line(reason);
	int r = cache_write(cache_dir, path, kvm, reason, err);
	if (r < 0)
		return r;
	*ret_kvm = kvm;
	*ret_reason = TAKE_PTR(reason);
	return 0;
}
