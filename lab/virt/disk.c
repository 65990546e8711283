/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/spawn.h"
#include "disk.h"

/* Run argv (argv[0] looked up in PATH, then /usr/sbin and /sbin); capture its output. */
static int run_capture(const char *const *argv, char **ret_output, int *ret_status)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", NULL };
	const struct kl_spawn_options o = {
		.dirs = dirs,
		.merge_stderr = true,
		.out = KL_SPAWN_ALL,
	};
	struct kl_spawn_result res = { 0 };
	int r = kl_spawn_run(argv, &o, &res, NULL);
	if (r < 0)
		return r;
	char *out = res.out;
	size_t len = res.out_len;
	/* A one-line message reads better: join lines. */
	while (len > 0 && out[len - 1] == '\n')
		out[--len] = 0;
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
	*ret_output = out;
	*ret_status = res.status;
	return 0;
}

int kl_disk_create(const char *path, uint64_t size_bytes, struct kl_error **err)
{
	if (size_bytes < 16ull << 20 || size_bytes % 4096)
		return kl_error_usage(err, EINVAL,
				      "dump disk \"%s\": size %" PRIu64
				      " must be a multiple of 4096 and at least 16 MiB",
				      path, size_bytes);
	if (unlink(path) < 0 && errno != ENOENT)
		return kl_error_set(err, errno, "cannot replace dump disk \"%s\"", path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot create dump disk \"%s\"", path);
	if (ftruncate(fd, (off_t)size_bytes) < 0) {
		int r = kl_error_set(err, errno,
				     "cannot size dump disk \"%s\" to %" PRIu64 " bytes", path,
				     size_bytes);
		unlink(path);
		return r;
	}

	/*
	 * No journal (the saver fsyncs and writes a completion marker; a journal only costs
	 * writes), few inodes (three files), no reserved blocks, and the inode tables marked
	 * initialised: mke2fs trusts the fresh file to read as zeros after its discard.
	 */
	const char *const argv[] = {
		"mke2fs",
		"-q",
		"-F",
		"-t",
		"ext4",
		"-O",
		"^has_journal",
		"-N",
		"64",
		"-m",
		"0",
		"-L",
		"kdumplab-dump",
		"-E",
		"lazy_itable_init=0,lazy_journal_init=0,discard",
		path,
		NULL,
	};
	_cleanup_free_ char *out = NULL;
	int status;
	int r = run_capture(argv, &out, &status);
	if (r < 0) {
		unlink(path);
		return kl_error_set(
			err, -r, "cannot run mke2fs for dump disk \"%s\" (is e2fsprogs installed?)",
			path);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		return kl_error_set(err, 0, "mke2fs failed on dump disk \"%s\" (status %d): %s",
				    path, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				    out ? out : "");
	}
	return 0;
}
