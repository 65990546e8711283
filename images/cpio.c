/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "cpio.h"

enum kind { K_DIR, K_DATA, K_FILE, K_SYMLINK, K_CHR };

struct entry {
	char *name;
	enum kind kind;
	mode_t perm;
	void *data; /* K_DATA content, K_SYMLINK target */
	size_t len;
	char *src; /* K_FILE */
	unsigned major, minor;
};

struct kl_cpio {
	struct entry *e;
	size_t n;
};

static void entry_clear(struct entry *e)
{
	free(e->name);
	free(e->data);
	free(e->src);
}

void kl_cpio_free(struct kl_cpio *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_clear(&c->e[i]);
	free(c->e);
	free(c);
}

int kl_cpio_new(struct kl_cpio **ret, struct kl_error **err)
{
	struct kl_cpio *c = calloc(1, sizeof(*c));
	if (!c)
		return kl_error_set(err, ENOMEM, "cannot create a cpio archive");
	*ret = c;
	return 0;
}

static struct entry *find(struct kl_cpio *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (streq(c->e[i].name, name))
			return &c->e[i];
	return NULL;
}

/* Strip leading and trailing slashes; reject empty, "." and ".." components. */
static char *clean_name(const char *name)
{
	while (*name == '/')
		name++;
	char *n = strdup(name);
	if (!n)
		return NULL;
	size_t len = strlen(n);
	while (len > 0 && n[len - 1] == '/')
		n[--len] = '\0';
	if (len == 0 || strstr(n, "//") || streq(n, ".") || streq(n, "..") || startswith(n, "./") ||
	    startswith(n, "../") || strstr(n, "/./") || strstr(n, "/../") ||
	    (len >= 2 && streq(n + len - 2, "/.")) || (len >= 3 && streq(n + len - 3, "/.."))) {
		free(n);
		errno = EINVAL;
		return NULL;
	}
	return n;
}

/* Takes ownership of e's allocations, also on failure. */
static int add(struct kl_cpio *c, const char *name, struct entry e, struct kl_error **err)
{
	e.name = clean_name(name);
	if (!e.name) {
		int code = errno;
		entry_clear(&e);
		return kl_error_set(err, code, "invalid initramfs path '%s'", name);
	}
	struct entry *old = find(c, e.name);
	if (old) {
		/* The same directory twice is harmless; anything else is a layout bug. */
		int same_dir = old->kind == K_DIR && e.kind == K_DIR;
		entry_clear(&e);
		return same_dir
			       ? 0
			       : kl_error_set(err, EEXIST, "initramfs path '%s' added twice", name);
	}
	struct entry *ne = reallocarray(c->e, c->n + 1, sizeof(*ne));
	if (!ne) {
		entry_clear(&e);
		return kl_error_set(err, ENOMEM, "cannot add '%s' to the initramfs", name);
	}
	c->e = ne;
	c->e[c->n++] = e;
	return 0;
}

int kl_cpio_add_dir(struct kl_cpio *c, const char *name, mode_t perm, struct kl_error **err)
{
	return add(c, name, (struct entry){ .kind = K_DIR, .perm = perm }, err);
}

int kl_cpio_add_data_owned(struct kl_cpio *c, const char *name, mode_t perm, void *data, size_t len,
			   struct kl_error **err)
{
	return add(c, name,
		   (struct entry){ .kind = K_DATA, .perm = perm, .data = data, .len = len }, err);
}

int kl_cpio_add_data(struct kl_cpio *c, const char *name, mode_t perm, const void *data, size_t len,
		     struct kl_error **err)
{
	void *copy = malloc(len ? len : 1);
	if (!copy)
		return kl_error_set(err, ENOMEM, "cannot add '%s' to the initramfs", name);
	memcpy(copy, data, len);
	return kl_cpio_add_data_owned(c, name, perm, copy, len, err);
}

int kl_cpio_add_file(struct kl_cpio *c, const char *name, mode_t perm, const char *src,
		     struct kl_error **err)
{
	char *s = strdup(src);
	if (!s)
		return kl_error_set(err, ENOMEM, "cannot add '%s' to the initramfs", name);
	return add(c, name, (struct entry){ .kind = K_FILE, .perm = perm, .src = s }, err);
}

int kl_cpio_add_symlink(struct kl_cpio *c, const char *name, const char *target,
			struct kl_error **err)
{
	char *t = strdup(target);
	if (!t)
		return kl_error_set(err, ENOMEM, "cannot add '%s' to the initramfs", name);
	return add(c, name,
		   (struct entry){ .kind = K_SYMLINK, .perm = 0777, .data = t, .len = strlen(t) },
		   err);
}

int kl_cpio_add_chardev(struct kl_cpio *c, const char *name, mode_t perm, unsigned major,
			unsigned minor, struct kl_error **err)
{
	return add(c, name,
		   (struct entry){ .kind = K_CHR, .perm = perm, .major = major, .minor = minor },
		   err);
}

/* Every parent of every entry must exist before the entry is unpacked. */
static int add_parents(struct kl_cpio *c, struct kl_error **err)
{
	for (size_t i = 0; i < c->n; i++) {
		_cleanup_free_ char *p = strdup(c->e[i].name);
		if (!p)
			return kl_error_set(err, ENOMEM, "cannot build the initramfs");
		for (char *s = strrchr(p, '/'); s; s = strrchr(p, '/')) {
			*s = '\0';
			struct entry *par = find(c, p);
			if (par && par->kind != K_DIR)
				return kl_error_set(
					err, ENOTDIR,
					"initramfs path '%s' is used as a directory but is not one",
					p);
			if (par)
				continue;
			int r = kl_cpio_add_dir(c, p, 0755, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void archive_write_freep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

static void archive_entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

static int archive_fail(struct archive *a, const struct entry *e, struct kl_error **err)
{
	int code = archive_errno(a) > 0 ? archive_errno(a) : EIO;
	return kl_error_set(err, code, "cannot write initramfs entry '%s': %s", e->name,
			    archive_error_string(a));
}

/* A file's content, streamed; it must still be a regular file of the size the header said. */
static int put_file(struct archive *a, struct archive_entry *ae, const struct entry *e,
		    struct kl_error **err)
{
	_cleanup_close_ int fd = open(e->src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return kl_error_set(err, errno, "cannot read '%s' for initramfs path '%s'", e->src,
				    e->name);
	if (!S_ISREG(st.st_mode))
		return kl_error_set(err, EINVAL,
				    "'%s' for initramfs path '%s' is not a regular file", e->src,
				    e->name);
	if (st.st_size > 0xffffffff)
		return kl_error_set(err, EFBIG, "cannot write initramfs entry '%s'", e->name);
	archive_entry_set_size(ae, st.st_size);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return archive_fail(a, e, err);
	char buf[1 << 16];
	off_t left = st.st_size;
	while (left > 0) {
		ssize_t n = read(fd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kl_error_set(err, errno, "cannot read '%s'", e->src);
		if (n == 0)
			return kl_error_set(err, EIO,
					    "'%s' shrank while it was written to the initramfs",
					    e->src);
		if (archive_write_data(a, buf, (size_t)n) != n)
			return archive_fail(a, e, err);
		left -= n;
	}
	return 0;
}

/* newc header fields as the kernel's gen_init_cpio writes them: mtime, uid and gid 0. */
static int put_entry(struct archive *a, unsigned ino, const struct entry *e, struct kl_error **err)
{
	static const mode_t type[] = {
		[K_DIR] = AE_IFDIR,	[K_DATA] = AE_IFREG, [K_FILE] = AE_IFREG,
		[K_SYMLINK] = AE_IFLNK, [K_CHR] = AE_IFCHR,
	};
	_cleanup_(archive_entry_freep) struct archive_entry *ae = archive_entry_new2(a);
	if (!ae)
		return kl_error_set(err, ENOMEM, "cannot write initramfs entry '%s'", e->name);
	archive_entry_set_pathname(ae, e->name);
	archive_entry_set_ino(ae, ino);
	archive_entry_set_mode(ae, type[e->kind] | e->perm);
	archive_entry_set_nlink(ae, e->kind == K_DIR ? 2 : 1);
	archive_entry_set_size(ae, 0);
	if (e->kind == K_CHR) {
		archive_entry_set_rdevmajor(ae, e->major);
		archive_entry_set_rdevminor(ae, e->minor);
	}
	if (e->kind == K_SYMLINK)
		archive_entry_set_symlink(ae, e->data);
	if (e->kind == K_DATA) {
		if (e->len > 0xffffffff)
			return kl_error_set(err, EFBIG, "cannot write initramfs entry '%s'",
					    e->name);
		archive_entry_set_size(ae, (la_int64_t)e->len);
	}
	if (e->kind == K_FILE)
		return put_file(a, ae, e, err);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return archive_fail(a, e, err);
	if (e->kind == K_DATA && e->len &&
	    archive_write_data(a, e->data, e->len) != (la_ssize_t)e->len)
		return archive_fail(a, e, err);
	return 0;
}

/* Entries in order, inode numbers from 1, then the trailer; no padding to a block size. */
static int write_archive(int fd, const char *tmp, void *userdata, struct kl_error **err)
{
	const struct kl_cpio *c = userdata;
	_cleanup_(archive_write_freep) struct archive *a = archive_write_new();
	if (!a || archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 1 << 16) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		return kl_error_set(err, a && archive_errno(a) > 0 ? archive_errno(a) : ENOMEM,
				    "cannot start the initramfs: %s",
				    a ? archive_error_string(a) : "out of memory");
	for (size_t i = 0; i < c->n; i++) {
		int r = put_entry(a, (unsigned)i + 1, &c->e[i], err);
		if (r < 0)
			return r;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		return kl_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO,
				    "cannot write the initramfs trailer: %s",
				    archive_error_string(a));
	return 0;
}

int kl_cpio_write(struct kl_cpio *c, const char *path, struct kl_error **err)
{
	int r = add_parents(c, err);
	if (r < 0)
		return r;
	qsort(c->e, c->n, sizeof(*c->e), cmp_entry);
	return kl_write_file_atomic_with(path, 0644, write_archive, c, err);
}
