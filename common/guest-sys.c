/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"
#include "guest-sys.h"

const char *kl_root = "";

static int neg_errno(long r)
{
	return r < 0 ? -errno : (int)r;
}

static int real_mount(const char *source, const char *target, const char *fstype,
		      unsigned long flags, const void *data)
{
	return neg_errno(mount(source, target, fstype, flags, data));
}

static int real_umount(const char *target)
{
	return neg_errno(umount(target));
}

static int real_finit_module(int fd, const char *params, int flags)
{
	return neg_errno(syscall(SYS_finit_module, fd, params, flags));
}

static int real_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
				const char *cmdline, unsigned long flags)
{
	return neg_errno(
		syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags));
}

static int real_write_ctl(const char *path, const void *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, buf, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int real_sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set)
{
	return neg_errno(sched_setaffinity(pid, size, set));
}

static int real_spawn_wait(int (*fn)(void *arg), void *arg, int *ret_status)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg) & 0xff);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	return 0;
}

static void real_sync(void)
{
	sync();
}

static int real_reboot(int cmd)
{
	return neg_errno(reboot(cmd));
}

static void real_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const struct kl_sys real_sys = {
	.mount = real_mount,
	.umount = real_umount,
	.finit_module = real_finit_module,
	.kexec_file_load = real_kexec_file_load,
	.write_ctl = real_write_ctl,
	.sched_setaffinity = real_sched_setaffinity,
	.spawn_wait = real_spawn_wait,
	.sync = real_sync,
	.reboot = real_reboot,
	.sleep_ms = real_sleep_ms,
};

struct kl_sys kl_sys = real_sys;

void kl_sys_reset(void)
{
	kl_sys = real_sys;
	kl_root = "";
}
