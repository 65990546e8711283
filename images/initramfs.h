/* SPDX-License-Identifier: MIT */
/*
 * The two initramfs images a cycle boots (layout: common/protocol.h).
 *
 * capture: /init = saver, /dev/console, /proc /sys /dev /mnt, the capture modules as plain .ko
 *          under /lib/modules/<release>/, and KL_MODULES_LIST naming them in load order.
 * system:  /init = loader, the same directories, KL_CAPTURE_KERNEL, KL_CAPTURE_INITRD (the
 *          capture image), an empty KL_MODULES_LIST (the system kernel needs no module to
 *          boot) and KL_SCENARIO_MODULES_DIR: the modules scenarios load by name, flat and
 *          decompressed, with the KL_SCENARIO_MODULES_ORDER list of what each needs first.
 */
#pragma once

#include "base/error.h"

/*
 * Bumped whenever the layout or the bytes change, so cached images are rebuilt (part of the
 * image id). 2: written by libarchive, whose newc headers spell hex digits in lower case.
 * 3: the system image has KL_SCENARIO_MODULES_DIR.
 */
#define KL_INITRAMFS_LAYOUT 3

/* A module of the system image: stored as KL_SCENARIO_MODULES_DIR/<name>.ko. */
struct kl_initramfs_module {
	const char *name;
	const char *path; /* the file, plain or compressed */
};

int kl_initramfs_write_capture(const char *path, const char *saver, const char *release,
			       const char *modules_dir, const char *const *module_paths,
			       struct kl_error **err);
/* mods ends with a NULL name (may be NULL); order is the order list's text (NULL: none). */
int kl_initramfs_write_system(const char *path, const char *loader, const char *capture_kernel,
			      const char *capture_initrd, const struct kl_initramfs_module *mods,
			      const char *order, struct kl_error **err);

/*
 * One line of the order list: "name dep1 dep2\n" where deps are the modules of closure (names
 * in load order, ending with name itself) other than name; NULL when out of memory.
 */
char *kl_initramfs_order_line(const char *name, char *const *closure);

/* A module file's content, decompressed when it is .ko.xz/.ko.zst/.ko.gz. */
int kl_module_read(const char *path, void **ret_data, size_t *ret_len, struct kl_error **err);
