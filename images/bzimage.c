/* SPDX-License-Identifier: MIT */
/*
 * Documentation/arch/x86/boot.rst: the setup header starts at 0x1f1; 0x1fe holds the boot
 * flag 0xAA55, 0x202 the magic "HdrS", 0x206 the protocol version, and 0x20e (protocol >=
 * 2.00) kernel_version: a pointer to a NUL-terminated string, minus 0x200. The string starts
 * with the release, e.g. "6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP ...".
 */
#include <fcntl.h>
#include <string.h>

#include "bzimage.h"

#define SETUP_MAX (64 * 1024) /* setup_sects is at most 64 sectors, and then some */

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

int kl_bzimage_release_from_buffer(const void *buf, size_t len, char **ret_release,
				   struct kl_error **err)
{
	const unsigned char *b = buf;
	if (len < 0x210 || get16(b + 0x1fe) != 0xaa55 || memcmp(b + 0x202, "HdrS", 4) != 0)
		return kl_error_set(err, ENOEXEC, "not an x86 bzImage (no \"HdrS\" setup header)");
	unsigned version = get16(b + 0x206);
	unsigned ptr = get16(b + 0x20e);
	if (version < 0x200 || ptr == 0)
		return kl_error_set(err, ENOEXEC,
				    "bzImage has no kernel_version string (boot protocol %u.%02u)",
				    version >> 8, version & 0xff);
	size_t off = (size_t)ptr + 0x200;
	if (off >= len)
		return kl_error_set(err, ENOEXEC,
				    "bzImage kernel_version pointer 0x%zx is out of bounds", off);
	size_t end = off;
	while (end < len && b[end] > ' ' && b[end] < 0x7f)
		end++;
	if (end == off || end == len)
		return kl_error_set(
			err, ENOEXEC,
			"bzImage kernel_version string at 0x%zx is empty or unterminated", off);
	char *r = strndup((const char *)b + off, end - off);
	if (!r)
		return kl_error_set(err, ENOMEM, "cannot read the bzImage release");
	*ret_release = r;
	return 0;
}

int kl_bzimage_release(const char *path, char **ret_release, struct kl_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot open kernel '%s'", path);
	_cleanup_free_ unsigned char *buf = malloc(SETUP_MAX);
	if (!buf)
		return kl_error_set(err, ENOMEM, "cannot read kernel '%s'", path);
	size_t len = 0;
	while (len < SETUP_MAX) {
		ssize_t n = read(fd, buf + len, SETUP_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kl_error_set(err, errno, "cannot read kernel '%s'", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	int r = kl_bzimage_release_from_buffer(buf, len, ret_release, err);
	if (r < 0)
		return kl_error_wrap(err, "kernel '%s'", path);
	return 0;
}
