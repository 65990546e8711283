/* SPDX-License-Identifier: MIT */
/*
 * /init of the integration tests' guest: prints the loader's first protocol line, then powers
 * off, or hangs when the command line says kl.hang (for the kill-and-reap tests).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	mount("proc", "/proc", "proc", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	int fd = open("/dev/console", O_WRONLY);
	char cmdline[4096] = "";
	int c = open("/proc/cmdline", O_RDONLY);
	if (c >= 0) {
		if (read(c, cmdline, sizeof(cmdline) - 1) < 0)
			cmdline[0] = 0;
		close(c);
	}
	dprintf(fd, "KDUMPLAB phase=start prog=virt-test-init\n");
	if (strstr(cmdline, "kl.hang")) {
		dprintf(fd, "KDUMPLAB phase=hang\n");
		for (;;)
			pause();
	}
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
