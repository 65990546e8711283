/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "deb.h"

static void archive_read_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

/* The inner data.tar is read straight out of the outer ar archive. */
static la_ssize_t inner_read(struct archive *inner, void *outer, const void **buf)
{
	static __thread char block[1 << 16];
	*buf = block;
	return archive_read_data(outer, block, sizeof(block));
}

/* "./usr/lib/modules/x" -> "lib/modules/x"; NULL when the member is not wanted. */
static const char *wanted(const char *path)
{
	while (startswith(path, "./"))
		path += 2;
	while (*path == '/')
		path++;
	if (startswith(path, "usr/lib/modules/"))
		path += 4;
	if (startswith(path, "boot/vmlinuz-") || startswith(path, "boot/config-") ||
	    startswith(path, "boot/System.map-") || startswith(path, "lib/modules/"))
		return path;
	return NULL;
}

static int safe_relative(const char *p)
{
	return !streq(p, "..") && !startswith(p, "../") && !strstr(p, "/../") &&
	       !(strlen(p) >= 3 && streq(p + strlen(p) - 3, "/.."));
}

static int copy_data(struct archive *a, int fd, const char *dest, struct kl_error **err)
{
	char buf[1 << 16];
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
		if (n < 0)
			return kl_error_set(err, 0, "cannot unpack '%s': %s", dest,
					    archive_error_string(a));
		if (n == 0)
			return 0;
		for (la_ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return kl_error_set(err, errno, "cannot write '%s'", dest);
			off += w;
		}
	}
}

static int extract_entry(struct archive *a, struct archive_entry *e, const char *root,
			 const char *rel, struct kl_error **err)
{
	mode_t type = archive_entry_filetype(e);
	_cleanup_free_ char *dest = kl_path_join(root, rel);
	if (!dest)
		return kl_error_set(err, ENOMEM, "cannot unpack '%s'", rel);
	if (!safe_relative(rel))
		return kl_error_set(err, EINVAL, "refusing package member '%s' outside the tree",
				    rel);
	if (type == AE_IFDIR)
		return kl_mkdir_p(dest, 0755, err);
	if (type != AE_IFREG)
		return 0; /* build/source symlinks point at headers we do not have */
	_cleanup_free_ char *parent = strdup(dest);
	if (!parent)
		return kl_error_set(err, ENOMEM, "cannot unpack '%s'", rel);
	*strrchr(parent, '/') = '\0';
	int r = kl_mkdir_p(parent, 0755, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot create '%s'", dest);
	return copy_data(a, fd, dest, err);
}

static int extract_data_tar(struct archive *outer, const char *deb, const char *root,
			    struct kl_error **err)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	if (!a)
		return kl_error_set(err, ENOMEM, "cannot unpack '%s'", deb);
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, outer, NULL, inner_read, NULL) != ARCHIVE_OK)
		return kl_error_set(err, 0, "cannot read data.tar of '%s': %s", deb,
				    archive_error_string(a));
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *rel = wanted(archive_entry_pathname(e));
		if (!rel)
			continue;
		int k = extract_entry(a, e, root, rel, err);
		if (k < 0)
			return kl_error_wrap(err, "package '%s'", deb);
	}
	if (r != ARCHIVE_EOF)
		return kl_error_set(err, 0, "cannot read data.tar of '%s': %s", deb,
				    archive_error_string(a));
	return 0;
}

int kl_deb_extract(const char *deb, const char *root, struct kl_error **err)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	if (!a)
		return kl_error_set(err, ENOMEM, "cannot unpack '%s'", deb);
	archive_read_support_format_ar(a);
	if (archive_read_open_filename(a, deb, 1 << 16) != ARCHIVE_OK)
		return kl_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0,
				    "cannot open package '%s': %s", deb, archive_error_string(a));
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK)
		if (startswith(archive_entry_pathname(e), "data.tar"))
			return extract_data_tar(a, deb, root, err);
	return kl_error_set(err, 0, "'%s' is not a Debian package: no data.tar member", deb);
}
