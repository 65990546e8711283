/* SPDX-License-Identifier: MIT */
/* Owner lock files (see lockfile.h): held for a lifetime, taken over once their owner is dead. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "lockfile.h"

static bool same_inode(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int kl_lockfile_hold(const char *path, struct kl_error **err)
{
	int fd = -1;
	/* A cleaner may hold (and then unlink) a stale lock file that had our pid: retry. */
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			break;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !same_inode(fd, path)) {
			close(fd);
			fd = -1;
			usleep(20 * 1000);
		}
	}
	if (fd < 0)
		return kl_error_set(err, errno ? errno : EBUSY, "cannot lock \"%s\"", path);
	return fd;
}

int kl_lockfile_take(const char *path, int extra_flags)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | extra_flags, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -1; /* the owner lives (or another cleaner is at it) */
	if (!same_inode(fd, path))
		return -1; /* a cleaner removed it while we opened it */
	return TAKE_FD(fd);
}
