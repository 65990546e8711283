/* SPDX-License-Identifier: MIT */
/*
 * Embedded driver roots. On-disk layout, made so that concurrent labs (meson runs tests in
 * parallel) never touch each other's domains:
 *
 *   <state_dir>/embed-<pid>.lock   flock(LOCK_EX) held by the owning process for its lifetime
 *   <state_dir>/embed-<pid>/       the embedded driver's root (qemu:///embed?root=...)
 *
 * The lock is taken before the root is created and released after it is removed. The roots of
 * dead labs are removed by leftovers.c with the helpers at the end of this file.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "embed-root.h"
#include "lockfile.h"
#include "proc.h"

void kl_embed_root_wipe(const char *root)
{
	_cleanup_free_ char *needle = NULL;
	/* The trailing '/' keeps embed-12 from matching embed-123. */
	if (asprintf(&needle, "%s/", root) >= 0)
		kl_kill_by_cmdline(needle, NULL, true);
	kl_rm_rf(root);
}

int kl_embed_name_pid(const char *name, const char *suffix, long *ret_pid)
{
	if (!startswith(name, "embed-"))
		return -EINVAL;
	char *end;
	long pid = strtol(name + 6, &end, 10);
	if (end == name + 6 || !streq(end, suffix) || pid <= 0)
		return -EINVAL;
	*ret_pid = pid;
	return 0;
}

/*
 * libvirt guards a console PTY with a UUCP lock file (/var/lock/LCK.._pts_N) holding the pid of
 * the process that opened the console: for the embedded driver, the lab itself. A killed lab
 * leaves them behind. libvirt ignores a lock of a dead pid, but a killed lab stays a zombie for
 * a while where init reaps lazily, and then the next console on that PTY fails as "locked".
 */
void kl_embed_console_locks_remove(long owner_pid)
{
	static const char *const dirs[] = { "/var/lock", "/run/lock" };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_closedir_ DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!startswith(de->d_name, "LCK.."))
				continue;
			char path[512], buf[32];
			snprintf(path, sizeof(path), "%s/%s", dirs[i], de->d_name);
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			if (n <= 0)
				continue;
			buf[n] = 0;
			if (strtol(buf, NULL, 10) == owner_pid)
				unlink(path);
		}
	}
}

/*
 * <root>/etc/qemu.conf for the embedded driver. As root, libvirt would run QEMU as the
 * distribution's "libvirt-qemu" user, which exists only where the daemon package is installed,
 * and would relabel, namespace and cgroup it, and hand its output to the virtlogd daemon: none of
 * that is needed for throwaway guests whose files we own, and each can fail inside a container.
 * Unprivileged, these keys do not apply.
 */
int kl_embed_write_config(const char *root, struct kl_error **err)
{
	static const char conf[] = "# Written by kdumplab for its embedded QEMU driver.\n"
				   "user = \"+0\"\n"
				   "group = \"+0\"\n"
				   "dynamic_ownership = 0\n"
				   "remember_owner = 0\n"
				   "security_driver = \"none\"\n"
				   "namespaces = [ ]\n"
				   "cgroup_controllers = [ ]\n"
				   "stdio_handler = \"file\"\n";
	_cleanup_free_ char *dir = NULL, *path = NULL;
	if (asprintf(&dir, "%s/etc", root) < 0 || asprintf(&path, "%s/etc/qemu.conf", root) < 0)
		return kl_error_set(err, ENOMEM, "qemu.conf");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return kl_error_set(err, errno, "cannot create \"%s\"", dir);
	if (geteuid() != 0)
		return 0;
	_cleanup_fclose_ FILE *f = fopen(path, "we");
	if (!f || fputs(conf, f) < 0 || fflush(f) != 0)
		return kl_error_set(err, errno ? errno : EIO, "cannot write \"%s\"", path);
	return 0;
}

/* The process's own embedded root: libvirt allows one per process, so connections share it. */
static struct {
	pthread_mutex_t lock;
	char *root;
	int fd;
	unsigned refs;
} embed = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

int kl_embed_root_acquire(const char *state_dir, char **ret_root, struct kl_error **err)
{
	pthread_mutex_lock(&embed.lock);
	if (embed.refs > 0) {
		char *r = strdup(embed.root);
		if (!r) {
			pthread_mutex_unlock(&embed.lock);
			return kl_error_set(err, ENOMEM, "embedded root");
		}
		embed.refs++;
		pthread_mutex_unlock(&embed.lock);
		*ret_root = r;
		return 0;
	}

	_cleanup_free_ char *lock_path = NULL, *root = NULL;
	if (asprintf(&lock_path, "%s/embed-%d.lock", state_dir, (int)getpid()) < 0 ||
	    asprintf(&root, "%s/embed-%d", state_dir, (int)getpid()) < 0) {
		pthread_mutex_unlock(&embed.lock);
		return kl_error_set(err, ENOMEM, "embedded root");
	}
	int fd = kl_lockfile_hold(lock_path, err);
	if (fd < 0) {
		pthread_mutex_unlock(&embed.lock);
		return fd;
	}
	/* A root with our pid is from a dead process that had our pid before. */
	kl_embed_root_wipe(root);
	if (mkdir(root, 0700) < 0) {
		int r = kl_error_set(err, errno, "cannot create \"%s\"", root);
		close(fd);
		unlink(lock_path);
		pthread_mutex_unlock(&embed.lock);
		return r;
	}
	embed.root = strdup(root);
	embed.fd = fd;
	embed.refs = 1;
	pthread_mutex_unlock(&embed.lock);
	*ret_root = TAKE_PTR(root);
	return 0;
}

void kl_embed_root_release(void)
{
	pthread_mutex_lock(&embed.lock);
	if (embed.refs == 0 || --embed.refs > 0) {
		pthread_mutex_unlock(&embed.lock);
		return;
	}
	_cleanup_free_ char *lock_path = NULL;
	if (asprintf(&lock_path, "%s.lock", embed.root) < 0)
		lock_path = NULL;
	kl_embed_root_wipe(embed.root);
	if (lock_path)
		unlink(lock_path);
	close(embed.fd);
	embed.fd = -1;
	free(embed.root);
	embed.root = NULL;
	pthread_mutex_unlock(&embed.lock);
}
