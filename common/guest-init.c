/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init.h"
#include "guest-report.h"
#include "guest-sys.h"
#include "guest-util.h"
#include "protocol.h"

/* <linux/module.h>: let the kernel decompress (CONFIG_MODULE_DECOMPRESS, Linux v5.17+). */
#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

int kl_mount_basics(void)
{
	static const struct {
		const char *fstype, *target;
	} mounts[] = {
		{ "proc", "/proc" },
		{ "sysfs", "/sys" },
		{ "devtmpfs", "/dev" },
	};

	for (size_t i = 0; i < ELEMENTSOF(mounts); i++) {
		char target[KL_PATH_MAX];
		kl_path(target, sizeof(target), mounts[i].target);
		if (mkdir(target, 0755) < 0 && errno != EEXIST)
			return kl_report_error("mount", errno, "mkdir %s", mounts[i].target);
		int r = kl_sys.mount(mounts[i].fstype, target, mounts[i].fstype,
				     MS_NOSUID | MS_NOEXEC, NULL);
		/* EBUSY: already mounted there (e.g. CONFIG_DEVTMPFS_MOUNT with a real root). */
		if (r < 0 && r != -EBUSY)
			return kl_report_error("mount", r, "mount %s on %s", mounts[i].fstype,
					       mounts[i].target);
	}
	return 0;
}

static int module_flags(const char *path)
{
	static const char *const compressed[] = { ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t len = strlen(path);

	for (size_t i = 0; i < ELEMENTSOF(compressed); i++) {
		size_t sl = strlen(compressed[i]);
		if (len > sl && streq(path + len - sl, compressed[i]))
			return MODULE_INIT_COMPRESSED_FILE;
	}
	return 0;
}

/* "/lib/modules/.../virtio_blk.ko.xz" → "virtio_blk". */
static void module_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strstr(base, ".ko");
	size_t len = dot ? (size_t)(dot - base) : strlen(base);
	if (len >= size)
		len = size - 1;
	memcpy(name, base, len);
	name[len] = '\0';
}

static int load_module(const char *path, const char *params)
{
	char full[KL_PATH_MAX], name[256], errname[16];
	struct kl_line l;
	int r;

	module_name(path, name, sizeof(name));
	_cleanup_close_ int fd = open(kl_path(full, sizeof(full), path), O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : kl_sys.finit_module(fd, params, module_flags(path));

	kl_line_begin(&l, "module");
	kl_line_add(&l, "name", name);
	kl_line_add(&l, "result", r == 0 ? "ok" : kl_errname(r, errname, sizeof(errname)));
	kl_line_emit(&l);
	if (r < 0 && r != -EEXIST)
		return kl_report_error("module", r, "%s %s", fd < 0 ? "open" : "finit_module",
				       path);
	return 0;
}

int kl_load_modules(void)
{
	char list[65536];
	int r = kl_read_file(KL_MODULES_LIST, list, sizeof(list));

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return kl_report_error("module", r, "read %s", KL_MODULES_LIST);

	char *save = NULL;
	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		size_t len = strcspn(line, " \t\r#");
		if (len == 0)
			continue;
		line[len] = '\0';
		r = load_module(line, "");
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_named(const char *name, const char *params)
{
	char path[KL_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s.ko", KL_SCENARIO_MODULES_DIR, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return kl_report_error("module", -ENAMETOOLONG, "module name '%s'", name);
	return load_module(path, params);
}

/*
 * The order list's line for name ("name dep1 dep2 ..."), copied into line; 0 when found,
 * -ENOENT when the list or the line is missing (a module without dependencies).
 */
static int order_line(const char *name, char *line, size_t size)
{
	char list[16384];
	int r = kl_read_file(KL_SCENARIO_MODULES_DIR "/" KL_SCENARIO_MODULES_ORDER, list,
			     sizeof(list));
	if (r < 0)
		return r;
	size_t nlen = strlen(name);
	for (char *l = list; *l;) {
		size_t len = strcspn(l, "\n");
		if (len > nlen && !strncmp(l, name, nlen) && l[nlen] == ' ' && len < size) {
			memcpy(line, l, len);
			line[len] = '\0';
			return 0;
		}
		l += len + (l[len] == '\n');
	}
	return -ENOENT;
}

int kl_load_module_named(const char *name, const char *params)
{
	char line[1024];
	if (!*name || strchr(name, '/') || strchr(name, ' '))
		return kl_report_error("module", -EINVAL, "module name '%s'", name);
	if (order_line(name, line, sizeof(line)) == 0) {
		char *save = NULL;
		/* The first word is name itself; its dependencies follow in load order. */
		strtok_r(line, " ", &save);
		for (char *dep = strtok_r(NULL, " ", &save); dep;
		     dep = strtok_r(NULL, " ", &save)) {
			int r = load_named(dep, "");
			if (r < 0)
				return r;
		}
	}
	return load_named(name, params);
}

void kl_poweroff(void)
{
	kl_report("poweroff");
	kl_sys.sync();
	kl_sys.reboot(RB_POWER_OFF);
}
