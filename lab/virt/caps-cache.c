/* SPDX-License-Identifier: MIT */
/*
 * libvirt probes QEMU's capabilities (~3.5 s here) once per driver root and caches the result in
 * <root>/cache/qemu/capabilities/. Each process has its own root, so the cache is shared through
 * <state_dir>/qemu-capabilities/: copied in before the driver starts, copied out once a domain
 * has started. libvirt validates what it reads (QEMU binary ctime, libvirt version, host CPU,
 * kernel) and re-probes when stale, so a shared file can only cost time, never be wrong.
 */
#include <fcntl.h>
#include <string.h>

#include "base/fs.h"
#include "caps-cache.h"

#define CAPS_SHARED  "qemu-capabilities"
#define CAPS_IN_ROOT "cache/qemu/capabilities"

static int copy_small_file(const char *from, const char *to)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", to, (int)getpid()) < 0)
		return -ENOMEM;
	_cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			unlink(tmp);
			return -EIO;
		}
	if (n < 0 || rename(tmp, to) < 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static void copy_xml_files(const char *from_dir, const char *to_dir)
{
	_cleanup_closedir_ DIR *d = opendir(from_dir);
	if (!d || kl_mkdir_p(to_dir, 0755, NULL) < 0)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || !streq(de->d_name + l - 4, ".xml"))
			continue;
		_cleanup_free_ char *a = NULL, *b = NULL;
		if (asprintf(&a, "%s/%s", from_dir, de->d_name) >= 0 &&
		    asprintf(&b, "%s/%s", to_dir, de->d_name) >= 0)
			copy_small_file(a, b);
	}
}

void kl_caps_import(const char *state_dir, const char *root)
{
	_cleanup_free_ char *from = NULL, *to = NULL;
	if (asprintf(&from, "%s/" CAPS_SHARED, state_dir) >= 0 &&
	    asprintf(&to, "%s/" CAPS_IN_ROOT, root) >= 0)
		copy_xml_files(from, to);
}

void kl_caps_export(const char *root, const char *state_dir)
{
	_cleanup_free_ char *from = NULL, *to = NULL;
	if (asprintf(&from, "%s/" CAPS_IN_ROOT, root) >= 0 &&
	    asprintf(&to, "%s/" CAPS_SHARED, state_dir) >= 0)
		copy_xml_files(from, to);
}
