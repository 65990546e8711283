/* SPDX-License-Identifier: MIT */
/*
 * What a guest boots: a kernel (from a Debian package or a local file) checked for what kdump
 * needs, the crash module built for it (crash-module.h), and the two initramfs images (cpio
 * newc, written by libarchive). The system image carries the modules scenarios load by name
 * in KL_SCENARIO_MODULES_DIR: kdumplab_crash.ko when it could be built, user.ko when given, and
 * the scenario_kmods the kernel has as modules (with what they depend on). Everything is cached by
 * content hash; a second prepare of the same inputs does no download and no rebuild.
 */
#pragma once

#include "base/error.h"

struct kl_images_options {
	const char *cache_dir;	 /* e.g. $XDG_CACHE_HOME/kdumplab or --cache */
	const char *kernel_spec; /* debian:SUITE[:ABI|:PACKAGE] | local:VMLINUZ[,MODULES_DIR] */
	const char *loader_path; /* static kdumplab-loader binary */
	const char *saver_path;	 /* static kdumplab-saver binary */
	const char *user_module; /* optional: a .ko (--module FILE.ko), as user.ko */
	const char *const *scenario_kmods; /* optional, NULL-terminated: kernel modules the
					      scenarios load by name (e.g. "softdog") */
	void (*progress)(void *userdata, const char *msg); /* optional, one short line per step */
	void *userdata;
};

struct kl_images {
	char *id;	     /* content hash of everything below (hex) */
	char *spec;	     /* normalised spec */
	char *release;	     /* uname -r of the kernel */
	char *package;	     /* Debian package name+version, or NULL for local */
	char *vmlinuz;	     /* bzImage booted as both the system and the capture kernel */
	char *system_initrd; /* cpio newc: loader as /init, /capture/vmlinuz, /capture/initrd.img */
	char *capture_initrd; /* cpio newc: saver as /init, modules */
	char *modules_dir;    /* lib/modules/<release> after depmod (for the libguestfs appliance),
				 NULL for a local kernel without modules */
	char *config;	      /* kernel config file */
	char **capture_modules;		/* NULL-terminated, module names in load order */
	char *crash_module;		/* the built kdumplab_crash.ko, or NULL ... */
	char *crash_module_unavailable; /* ... and then why (one line) */
};

int kl_images_prepare(const struct kl_images_options *o, struct kl_images **ret,
		      struct kl_error **err);
void kl_images_free(struct kl_images *im);
static inline void kl_images_freep(struct kl_images **im)
{
	kl_images_free(*im);
}

/*
 * The kernel-config check on its own (used by prepare and by `kdumplab doctor`). Returns 0
 * when config_path could be read, with *ret_missing a NULL-terminated list (empty when the
 * kernel is fine) of "CONFIG_X=y" or "CONFIG_X=y|m" requirements it does not meet;
 * kl_kconfig_reason() in kconfig.h says why each is needed.
 */
int kl_kconfig_check(const char *config_path, char ***ret_missing, struct kl_error **err);
