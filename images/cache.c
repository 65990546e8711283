/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "cache.h"

int kl_cache_lock(const char *cache_dir, const char *key, int *ret_fd, struct kl_error **err)
{
	_cleanup_free_ char *dir = kl_path_join(cache_dir, "locks");
	_cleanup_free_ char *path = NULL;
	if (!dir || asprintf(&path, "%s/%s.lock", dir, key) < 0)
		return kl_error_set(err, ENOMEM, "cannot lock '%s'", key);
	int r = kl_mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot open lock file '%s'", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return kl_error_set(err, errno, "cannot lock '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int kl_cache_tmpdir(const char *cache_dir, const char *key, char **ret_path, struct kl_error **err)
{
	_cleanup_free_ char *dir = kl_path_join(cache_dir, "tmp");
	if (!dir)
		return kl_error_set(err, ENOMEM, "cannot create a temporary directory");
	int r = kl_mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	/* Leftovers of an interrupted run for the same key: we hold its lock, nobody uses them. */
	_cleanup_closedir_ DIR *d = opendir(dir);
	size_t klen = strlen(key);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (strncmp(de->d_name, key, klen) != 0 || de->d_name[klen] != '.')
			continue;
		_cleanup_free_ char *stale = kl_path_join(dir, de->d_name);
		if (stale)
			kl_rm_rf(stale);
	}
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s.XXXXXX", dir, key) < 0)
		return kl_error_set(err, ENOMEM, "cannot create a temporary directory");
	if (!mkdtemp(path))
		return kl_error_set(err, errno, "cannot create temporary directory '%s'", path);
	chmod(path, 0755);
	*ret_path = TAKE_PTR(path);
	return 0;
}

int kl_cache_commit_dir(const char *tmp, const char *final, struct kl_error **err)
{
	_cleanup_free_ char *parent = strdup(final);
	if (!parent)
		return kl_error_set(err, ENOMEM, "cannot create '%s'", final);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int r = kl_mkdir_p(parent, 0755, err);
		if (r < 0)
			return r;
	}
	/* Make the content durable before the name that vouches for it. */
	_cleanup_close_ int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		return kl_error_set(err, errno, "cannot sync '%s'", tmp);
	if (rename(tmp, final) < 0)
		return kl_error_set(err, errno, "cannot rename '%s' to '%s'", tmp, final);
	int d = kl_fsync_parent(final);
	if (d < 0)
		return kl_error_set(err, -d, "cannot sync the directory of '%s'", final);
	return 0;
}

int kl_kv_write(const char *path, const char *const *pairs, struct kl_error **err)
{
	char *text = NULL;
	size_t len = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&text, &len);
	if (!f)
		return kl_error_set(err, ENOMEM, "cannot write '%s'", path);
	for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2)
		fprintf(f, "%s=%s\n", pairs[i], pairs[i + 1]);
	fclose(f);
	f = NULL;
	_cleanup_free_ char *t = text;
	if (!t)
		return kl_error_set(err, ENOMEM, "cannot write '%s'", path);
	return kl_write_file_atomic(path, t, len, 0644, err);
}

int kl_kv_read(const char *path, char ***ret_pairs, struct kl_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r = kl_read_file(path, &text, NULL, err);
	if (r < 0)
		return r;
	size_t n = 0;
	_cleanup_strv_free_ char **v = calloc(1, sizeof(char *));
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); v && line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		char **nv = reallocarray(v, n + 3, sizeof(char *));
		if (!nv)
			return kl_error_set(err, ENOMEM, "cannot read '%s'", path);
		v = nv;
		v[n] = strndup(line, (size_t)(eq - line));
		v[n + 1] = strdup(eq + 1);
		v[n + 2] = NULL;
		n += 2;
		if (!v[n - 2] || !v[n - 1])
			return kl_error_set(err, ENOMEM, "cannot read '%s'", path);
	}
	if (!v)
		return kl_error_set(err, ENOMEM, "cannot read '%s'", path);
	*ret_pairs = TAKE_PTR(v);
	return 0;
}

const char *kl_kv_get(char *const *pairs, const char *key)
{
	for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2)
		if (streq(pairs[i], key))
			return pairs[i + 1];
	return NULL;
}

void kl_progress(const struct kl_progress *p, const char *fmt, ...)
{
	if (!p || !p->fn)
		return;
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n >= 0)
		p->fn(p->userdata, msg);
}
