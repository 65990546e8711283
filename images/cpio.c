/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

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

static const char zeros[4];

static int put_header(FILE *f, unsigned ino, mode_t mode, unsigned nlink, size_t size,
		      unsigned rmaj, unsigned rmin, const char *name)
{
	size_t namesize = strlen(name) + 1;
	if (size > 0xffffffffu)
		return -EFBIG;
	if (fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino,
		    (unsigned)mode, 0u, 0u, nlink, 0u, (unsigned)size, 0u, 0u, rmaj, rmin,
		    (unsigned)namesize, 0u) < 0 ||
	    fwrite(name, 1, namesize, f) != namesize)
		return -EIO;
	size_t pad = (4 - (110 + namesize) % 4) % 4;
	return fwrite(zeros, 1, pad, f) == pad ? 0 : -EIO;
}

static int put_pad(FILE *f, size_t size)
{
	size_t pad = (4 - size % 4) % 4;
	return fwrite(zeros, 1, pad, f) == pad ? 0 : -EIO;
}

static int put_file(FILE *f, unsigned ino, const struct entry *e, struct kl_error **err)
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
	if (put_header(f, ino, S_IFREG | e->perm, 1, (size_t)st.st_size, 0, 0, e->name) < 0)
		return kl_error_set(err, EIO, "cannot write initramfs entry '%s'", e->name);
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
		if (fwrite(buf, 1, (size_t)n, f) != (size_t)n)
			return kl_error_set(err, EIO, "cannot write initramfs entry '%s'", e->name);
		left -= n;
	}
	return put_pad(f, (size_t)st.st_size) < 0
		       ? kl_error_set(err, EIO, "cannot write initramfs entry '%s'", e->name)
		       : 0;
}

static int put_entry(FILE *f, unsigned ino, const struct entry *e, struct kl_error **err)
{
	int r = 0;
	switch (e->kind) {
	case K_DIR:
		r = put_header(f, ino, S_IFDIR | e->perm, 2, 0, 0, 0, e->name);
		break;
	case K_CHR:
		r = put_header(f, ino, S_IFCHR | e->perm, 1, 0, e->major, e->minor, e->name);
		break;
	case K_DATA:
	case K_SYMLINK:
		r = put_header(f, ino, (e->kind == K_DATA ? S_IFREG : S_IFLNK) | e->perm, 1, e->len,
			       0, 0, e->name);
		if (r == 0 && e->len && fwrite(e->data, 1, e->len, f) != e->len)
			r = -EIO;
		if (r == 0)
			r = put_pad(f, e->len);
		break;
	case K_FILE:
		return put_file(f, ino, e, err);
	}
	return r < 0 ? kl_error_set(err, -r, "cannot write initramfs entry '%s'", e->name) : 0;
}

static int write_all_entries(struct kl_cpio *c, FILE *f, struct kl_error **err)
{
	for (size_t i = 0; i < c->n; i++) {
		int r = put_entry(f, (unsigned)i + 1, &c->e[i], err);
		if (r < 0)
			return r;
	}
	if (put_header(f, 0, 0, 1, 0, 0, 0, "TRAILER!!!") < 0)
		return kl_error_set(err, EIO, "cannot write the initramfs trailer");
	return 0;
}

int kl_cpio_write(struct kl_cpio *c, const char *path, struct kl_error **err)
{
	int r = add_parents(c, err);
	if (r < 0)
		return r;
	qsort(c->e, c->n, sizeof(*c->e), cmp_entry);
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return kl_error_set(err, ENOMEM, "cannot write '%s'", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot create a temporary file for '%s'", path);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		r = kl_error_set(err, errno, "cannot write '%s'", tmp);
		close(fd);
		unlink(tmp);
		return r;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	(void)fchmod(fd, 0644);
	r = write_all_entries(c, f, err);
	if (r == 0 && (fflush(f) != 0 || fsync(fd) < 0))
		r = kl_error_set(err, errno, "cannot write '%s'", tmp);
	if (fclose(f) != 0 && r == 0)
		r = kl_error_set(err, errno, "cannot write '%s'", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = kl_error_set(err, errno, "cannot rename '%s' to '%s'", tmp, path);
	if (r < 0)
		unlink(tmp);
	return r;
}
