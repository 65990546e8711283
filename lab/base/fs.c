/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

char *kl_path_join(const char *a, const char *b)
{
	char *p;
	size_t la = strlen(a);
	int slash = la > 0 && a[la - 1] == '/';
	while (*b == '/')
		b++;
	if (asprintf(&p, "%s%s%s", a, slash ? "" : "/", b) < 0)
		return NULL;
	return p;
}

int kl_mkdir_p(const char *path, mode_t mode, struct kl_error **err)
{
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return kl_error_set(err, ENOMEM, "cannot create directory '%s'", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return kl_error_set(err, errno, "cannot create directory '%s'", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return kl_error_set(err, errno, "cannot create directory '%s'", p);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

int kl_rm_rf(const char *path)
{
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

int kl_read_file(const char *path, char **ret_data, size_t *ret_size, struct kl_error **err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return kl_error_set(err, errno, "cannot open '%s'", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			char *n = realloc(buf, cap + 1);
			if (!n)
				return kl_error_set(err, ENOMEM, "cannot read '%s'", path);
			buf = n;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		return kl_error_set(err, EIO, "cannot read '%s'", path);
	buf[len] = '\0';
	*ret_data = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = len;
	return 0;
}

static int open_tmp(const char *path, mode_t mode, char **ret_tmp, struct kl_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return kl_error_set(err, ENOMEM, "cannot write '%s'", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot create a temporary file for '%s'", path);
	if (fchmod(fd, mode) < 0) {
		int r = kl_error_set(err, errno, "cannot set the mode of '%s'", tmp);
		close(fd);
		unlink(tmp);
		return r;
	}
	*ret_tmp = TAKE_PTR(tmp);
	return fd;
}

int kl_fsync_parent(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static int finish_tmp(int fd, const char *tmp, const char *path, struct kl_error **err)
{
	int r = 0;
	if (fsync(fd) < 0)
		r = kl_error_set(err, errno, "cannot write '%s'", tmp);
	if (close(fd) < 0 && r == 0)
		r = kl_error_set(err, errno, "cannot write '%s'", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = kl_error_set(err, errno, "cannot rename '%s' to '%s'", tmp, path);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/* The rename is durable only once the directory is: a crash of the host must not lose a
	 * result that was reported as written. */
	int d = kl_fsync_parent(path);
	if (d < 0)
		return kl_error_set(err, -d, "cannot sync the directory of '%s'", path);
	return 0;
}

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

int kl_write_file_atomic_with(const char *path, mode_t mode,
			      int (*fill)(int fd, const char *tmp, void *userdata,
					  struct kl_error **err),
			      void *userdata, struct kl_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int fd = open_tmp(path, mode, &tmp, err);
	if (fd < 0)
		return fd;
	int r = fill(fd, tmp, userdata, err);
	if (r < 0) {
		close(fd);
		unlink(tmp);
		return r;
	}
	return finish_tmp(fd, tmp, path, err);
}

struct bytes {
	const void *data;
	size_t size;
};

static int fill_bytes(int fd, const char *tmp, void *userdata, struct kl_error **err)
{
	const struct bytes *b = userdata;
	int r = write_all(fd, b->data, b->size);
	return r < 0 ? kl_error_set(err, -r, "cannot write '%s'", tmp) : 0;
}

int kl_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode,
			 struct kl_error **err)
{
	struct bytes b = { .data = data, .size = size };
	return kl_write_file_atomic_with(path, mode, fill_bytes, &b, err);
}

struct copy {
	const char *src;
	int in;
};

static int fill_copy(int fd, const char *tmp, void *userdata, struct kl_error **err)
{
	const struct copy *c = userdata;
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(c->in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		int r = n < 0 ? -errno : write_all(fd, buf, (size_t)n);
		if (r < 0)
			return kl_error_set(err, -r, "cannot copy '%s' to '%s'", c->src, tmp);
		if (n == 0)
			return 0;
	}
}

int kl_copy_file_atomic(const char *src, const char *path, mode_t mode, struct kl_error **err)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return kl_error_set(err, errno, "cannot open '%s'", src);
	struct copy c = { .src = src, .in = in };
	return kl_write_file_atomic_with(path, mode, fill_copy, &c, err);
}

int kl_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

ssize_t kl_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}
int kl_rm_files(const char *dir, struct kl_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return kl_error_set(err, errno, "cannot open directory \"%s\"", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type == DT_DIR)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return kl_error_set(err, errno, "cannot remove \"%s/%s\"", dir, de->d_name);
	}
	return 0;
}

int kl_open_regular(const char *path, const char *what, int *ret_fd, uint64_t *ret_size,
		    struct kl_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return kl_error_set(err, errno, "opening %s \"%s\"", what, path);
	if (fstat(fd, &st) < 0)
		return kl_error_set(err, errno, "stat %s \"%s\"", what, path);
	if (!S_ISREG(st.st_mode))
		return kl_error_set(err, EINVAL, "%s \"%s\" is not a regular file", what, path);
	*ret_size = (uint64_t)st.st_size;
	*ret_fd = TAKE_FD(fd);
	return 0;
}
