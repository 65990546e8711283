/* SPDX-License-Identifier: MIT */
/*
 * Kernel module indexes of an extracted, depmod'ed lib/modules/<release> tree, read with
 * libkmod (modules.dep.bin, modules.builtin.bin, modules.softdep, modules.alias.bin; the host's
 * modprobe.d is not read), and the dependency closure of the modules a guest needs. Module
 * names compare with '-' and '_' as the same character, as the kernel does.
 */
#pragma once

#include "base/error.h"

struct kl_modules;

int kl_modules_load(const char *modules_dir, struct kl_modules **ret, struct kl_error **err);
void kl_modules_free(struct kl_modules *m);
static inline void kl_modules_freep(struct kl_modules **m)
{
	kl_modules_free(*m);
}

/* "kernel/drivers/block/virtio_blk.ko.xz" -> "virtio_blk" (malloc'ed); '-' becomes '_'. */
char *kl_module_name(const char *path);
/* True when name is built into the kernel (modules.builtin). */
int kl_modules_is_builtin(const struct kl_modules *m, const char *name);

/*
 * The modules to load for wanted (NULL-terminated names), dependencies first: modules.dep
 * dependencies and softdep "pre:" modules (names or aliases, resolved as modprobe does) come
 * before the module that needs them. Built-in modules are satisfied without a file and are
 * not listed. Returns two parallel NULL-terminated lists: names and paths relative to the modules
 * directory (as in modules.dep, possibly compressed). A wanted module that is neither built in nor
 * in modules.dep is an error naming it, and so is a module whose file is missing from the tree; a
 * missing softdep is skipped, as modprobe does.
 */
int kl_modules_closure(const struct kl_modules *m, const char *const *wanted, char ***ret_names,
		       char ***ret_paths, struct kl_error **err);
