/* SPDX-License-Identifier: MIT */
/*
 * Pull directories and their leftovers. Each pull works in $TMPDIR/kdumplab-pull.<pid>.XXXXXX
 * and holds a flock on owner.lock in it for as long as it lives. The output file it creates
 * outside (the vmcore in the cell's directory) is recorded in "output" there ("<dev> <ino>
 * <path>"). A directory whose lock can be taken, or that has no lock yet and whose pid is gone,
 * belongs to a dead process: kl_pull_reap kills its appliance, removes the recorded output if
 * it is still the same file, and removes the directory.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "proc.h"
#include "pull-dir.h"
#include "pull.h"

#define PULL_DIR_PREFIX "kdumplab-pull."
#define PULL_LOCK	"owner.lock"
#define PULL_OUTPUT	"output"

static const char *tmp_base(void)
{
	return getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
}

void kl_pull_kill_appliance(const char *needle)
{
	kl_kill_by_cmdline(needle, "qemu-system", false);
}

static int own_pull_dir(const char *dir, int *ret_lock_fd, struct kl_error **err)
{
	_cleanup_free_ char *lock = NULL;
	if (asprintf(&lock, "%s/" PULL_LOCK, dir) < 0)
		return kl_error_set(err, ENOMEM, "pull");
	_cleanup_close_ int fd =
		open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return kl_error_set(err, errno, "cannot lock \"%s\"", lock);
	*ret_lock_fd = TAKE_FD(fd);
	return 0;
}

int kl_pull_dir_create(char **ret_dir, int *ret_lock_fd, struct kl_error **err)
{
	const char *base = tmp_base();
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/" PULL_DIR_PREFIX "%d.XXXXXX", base, (int)getpid()) < 0) {
		dir = NULL;
		return kl_error_set(err, ENOMEM, "pull");
	}
	if (!mkdtemp(dir))
		return kl_error_set(err, errno, "cannot create a temporary directory in \"%s\"",
				    base);
	int r = own_pull_dir(dir, ret_lock_fd, err);
	if (r < 0) {
		(void)kl_rm_rf(dir);
		return r;
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

int kl_pull_dir_record_output(const char *dir, const char *out, struct kl_error **err)
{
	struct stat st;
	_cleanup_free_ char *rec = NULL, *text = NULL;
	if (stat(out, &st) < 0)
		return kl_error_set(err, errno, "cannot stat \"%s\"", out);
	if (asprintf(&rec, "%s/" PULL_OUTPUT, dir) < 0 ||
	    asprintf(&text, "%llu %llu %s", (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino, out) < 0)
		return kl_error_set(err, ENOMEM, "pull");
	return kl_write_file_atomic(rec, text, strlen(text), 0600, err);
}

/* Remove the output a dead pull recorded, if the path still names that file. */
static void remove_recorded_output(const char *dir)
{
	_cleanup_free_ char *rec = NULL;
	char text[4200];
	if (asprintf(&rec, "%s/" PULL_OUTPUT, dir) < 0)
		return;
	_cleanup_close_ int fd = open(rec, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (n <= 0)
		return;
	text[n] = 0;
	unsigned long long dev, ino;
	int at = 0;
	struct stat st;
	if (sscanf(text, "%llu %llu %n", &dev, &ino, &at) != 2 || at <= 0 || text[at] != '/' ||
	    lstat(text + at, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != dev ||
	    st.st_ino != ino)
		return;
	unlink(text + at);
}

int kl_pull_reap(void)
{
	const char *base = tmp_base();
	_cleanup_closedir_ DIR *d = opendir(base);
	int reaped = 0;
	for (struct dirent *de; d && (de = readdir(d));) {
		if (strncmp(de->d_name, PULL_DIR_PREFIX, strlen(PULL_DIR_PREFIX)) != 0)
			continue;
		char *end;
		long pid = strtol(de->d_name + strlen(PULL_DIR_PREFIX), &end, 10);
		if (pid <= 0 || *end != '.' || pid == (long)getpid())
			continue; /* not ours to judge (another naming), or this process's */
		_cleanup_free_ char *dir = NULL, *lock = NULL, *needle = NULL;
		if (asprintf(&dir, "%s/%s", base, de->d_name) < 0 ||
		    asprintf(&lock, "%s/" PULL_LOCK, dir) < 0 || asprintf(&needle, "%s/", dir) < 0)
			continue;
		_cleanup_close_ int fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 ? flock(fd, LOCK_EX | LOCK_NB) < 0
			    : !(errno == ENOENT && kill((pid_t)pid, 0) < 0 && errno == ESRCH))
			continue; /* its pull lives (or is being set up) */
		kl_pull_kill_appliance(needle);
		remove_recorded_output(dir);
		(void)kl_rm_rf(dir);
		reaped++;
	}
	return reaped;
}
