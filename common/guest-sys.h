/* SPDX-License-Identifier: MIT */
/*
 * The one seam between the in-guest programs and the kernel (kmod's testsuite approach).
 *
 * Every syscall with a side effect (mounting, loading modules or kernels, powering off,
 * pinning or forking the trigger, writing kernel control files) goes through kl_sys, so the
 * unit tests replace these pointers and run the loader and saver on a fake root tree as an
 * ordinary user (or as root, safely: a fake write_ctl never reaches /proc/sysrq-trigger).
 *
 * Every path the programs touch is kl_root + absolute path; kl_root is "" in the guest.
 */
#pragma once

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

extern const char *kl_root;

struct kl_sys {
	int (*mount)(const char *source, const char *target, const char *fstype,
		     unsigned long flags, const void *data);
	int (*umount)(const char *target);
	int (*finit_module)(int fd, const char *params, int flags);
	int (*kexec_file_load)(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
			       const char *cmdline, unsigned long flags);
	/* Write buf to a kernel control file (/proc/sys/..., /dev/kmsg, /proc/sysrq-trigger). */
	int (*write_ctl)(const char *path, const void *buf, size_t len);
	int (*sched_setaffinity)(pid_t pid, size_t size, const cpu_set_t *set);
	/*
	 * Run fn(arg) in a child process and wait for it: *ret_status is fn's return value (the
	 * child's exit status, 0-255), or minus the signal number that killed it.
	 */
	int (*spawn_wait)(int (*fn)(void *arg), void *arg, int *ret_status);
	void (*sync)(void);
	int (*reboot)(int cmd);
	/* Sleep between retries (device probing); tests make it free. */
	void (*sleep_ms)(unsigned ms);
};

/* All functions return 0 or -errno (never set errno-style -1). */
extern struct kl_sys kl_sys;

/* Restore the real implementations (tests call it in teardown). */
void kl_sys_reset(void);
