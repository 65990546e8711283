/* SPDX-License-Identifier: MIT */
/*
 * Processes on this host, read from /proc. The lab finds the QEMUs it (or a dead lab) started by
 * their command line, and tells a live owner from a reused pid by its start time.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "proc.h"

uint64_t kl_proc_starttime(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may contain spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
	}
	return strtoull(p + 1, NULL, 10);
}

bool kl_proc_gone(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	/* A zombie is dead for our purpose: its parent (init) reaps it. */
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static bool cmdline_matches(pid_t pid, const char *needle, const char *needle2)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	static __thread char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return memmem(buf, n, needle, strlen(needle)) &&
	       (!needle2 || memmem(buf, n, needle2, strlen(needle2)));
}

/* Pids (up to max) of processes other than us whose cmdline contains needle (and needle2). */
static size_t find_pids_by_cmdline(const char *needle, const char *needle2, pid_t *pids, size_t max)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	size_t count = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) && count < max) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (cmdline_matches(pid, needle, needle2))
			pids[count++] = pid;
	}
	return count;
}

int kl_kill_by_cmdline(const char *needle, const char *needle2, bool wait)
{
	pid_t pids[256];
	size_t n = find_pids_by_cmdline(needle, needle2, pids, ELEMENTSOF(pids));
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	/* Wait for them so the caller can delete their files and trust that they are gone. */
	for (int tries = 0; wait && tries < 200; tries++) {
		bool all = true;
		for (size_t i = 0; i < n; i++)
			all = all && kl_proc_gone(pids[i]);
		if (all)
			break;
		usleep(10 * 1000);
	}
	return (int)n;
}

pid_t kl_find_qemu_pid(const char *name, const char *root)
{
	/* libvirt names the guest "-name guest=<name>,debug-threads=on". */
	_cleanup_free_ char *needle = NULL;
	if (asprintf(&needle, "guest=%s,", name) < 0)
		return 0;
	pid_t pid;
	return find_pids_by_cmdline(needle, root, &pid, 1) == 1 ? pid : 0;
}
