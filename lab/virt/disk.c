/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "disk.h"

extern char **environ;

/* Run argv (argv[0] looked up in PATH, then /sbin and /usr/sbin); capture its output. */
static int run_capture(const char *const *argv, char **ret_output, int *ret_status)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);

	static const char *const dirs[] = { NULL, "/usr/sbin", "/sbin" };
	pid_t pid = 0;
	int r = ENOENT;
	for (size_t i = 0; i < ELEMENTSOF(dirs) && r == ENOENT; i++) {
		_cleanup_free_ char *p = NULL;
		if (dirs[i] && asprintf(&p, "%s/%s", dirs[i], argv[0]) < 0)
			break;
		r = dirs[i] ? posix_spawn(&pid, p, &fa, NULL, (char **)argv, environ)
			    : posix_spawnp(&pid, argv[0], &fa, NULL, (char **)argv, environ);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -r;
	}

	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	for (;;) {
		if (out && len + 1024 > cap) {
			char *o = realloc(out, cap * 2);
			if (!o) {
				free(out);
				out = NULL;
			} else {
				out = o;
				cap *= 2;
			}
		}
		char sink[1024];
		ssize_t n =
			read(pipefd[0], out ? out + len : sink, out ? cap - len - 1 : sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out)
			len += n;
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (out) {
		out[len] = 0;
		/* A one-line message reads better: join lines. */
		while (len > 0 && out[len - 1] == '\n')
			out[--len] = 0;
		for (char *p = out; *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	*ret_output = out;
	*ret_status = status;
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
