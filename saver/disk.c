/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "disk.h"
#include "guest-util.h"

/* The disk's serial, leading and trailing blanks removed (NVMe pads it with spaces). */
static int read_serial(const char *dev, char *buf, size_t size)
{
	static const char *const files[] = { "serial", "device/serial" };

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		char path[KL_PATH_MAX];
		snprintf(path, sizeof(path), "/sys/block/%s/%s", dev, files[i]);
		if (kl_read_file(path, buf, size) < 0)
			continue;
		size_t skip = strspn(buf, " \t");
		memmove(buf, buf + skip, strlen(buf + skip) + 1);
		return 0;
	}
	return -ENOENT;
}

int saver_disk_scan(const char *serial, char *name, size_t name_size, char *seen, size_t seen_size)
{
	char path[KL_PATH_MAX];
	_cleanup_closedir_ DIR *d = opendir(kl_path(path, sizeof(path), "/sys/block"));
	size_t seen_len = 0;
	struct dirent *de;

	seen[0] = '\0';
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char s[256];
		if (de->d_name[0] == '.')
			continue;
		int have = read_serial(de->d_name, s, sizeof(s)) == 0;
		if (have && streq(s, serial) && strlen(de->d_name) < name_size) {
			strcpy(name, de->d_name);
			return 0;
		}
		int n = snprintf(seen + seen_len, seen_size - seen_len, "%s%s:%s",
				 seen_len ? " " : "", de->d_name, have ? s : "-");
		if (n > 0 && (size_t)n < seen_size - seen_len)
			seen_len += (size_t)n;
	}
	return -ENODEV;
}
