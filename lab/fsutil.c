/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

int kl_rm_files(const char *dir, struct kl_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return kl_error_set(err, errno, "cannot open directory \"%s\"", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type == DT_DIR)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return kl_error_set(err, errno, "cannot remove \"%s/%s\"", dir, de->d_name);
	}
	return 0;
}
