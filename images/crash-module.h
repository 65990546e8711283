/* SPDX-License-Identifier: MIT */
/*
 * The crash module (scenarios/crash-module/), built at image time with kbuild for the guest
 * kernel:
 *
 *   Debian kernel, built with the host's gcc major   Debian's linux-headers-<release>, its
 *                                                    -common and linux-kbuild-<X> packages,
 *                                                    extracted into $cache/headers/<pkg>_<ver>/
 *   Debian kernel, built with another gcc            the same packages extracted into a build
 *                                                    root of the kernel's own suite
 *                                                    ($cache/buildroots/<suite>-<hash>/, made by
 *                                                    mmdebstrap, entered with chroot)
 *   local kernel                                     <modules_dir>/build when it is a build tree
 *
 * The result is cached by content in $cache/crash-modules/<key>/ (key: the module source, the
 * kernel's identity, the compiler). A build that cannot be done is not an error: it yields the
 * reason the crash-module scenarios are unavailable for that kernel.
 */
#pragma once

#include <stddef.h>

#include "base/error.h"
#include "cache.h"
#include "hash.h"
#include "kernel-source.h"

#define KL_CRASH_MODULE_NAME "kdumplab_crash"

/* One source file of the module, embedded at build time (crash-module-source.h). */
struct kl_source_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
/* Kbuild and kdumplab_crash.c; ends with an entry whose name is NULL. */
extern const struct kl_source_file kl_crash_module_source[];

/*
 * Build (or find cached) the crash module for kernel k of spec. Returns 0 with either *ret_ko
 * (the .ko in the cache) or *ret_unavailable (why not, one line) set; -ENOMEM otherwise.
 */
int kl_crash_module_prepare(const char *cache_dir, const struct kl_kernel_spec *spec,
			    const struct kl_kernel *k, const struct kl_progress *p, char **ret_ko,
			    char **ret_unavailable);

/* ---- the pure parts, exposed for the unit tests ---- */

/*
 * The gcc major version of CONFIG_CC_VERSION_TEXT ("gcc-12 (Debian 12.2.0-14) 12.2.0" -> 12,
 * "x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0" -> 14). -EINVAL when the text is not
 * gcc's.
 */
int kl_cc_major(const char *cc_version_text);

/*
 * From a linux-headers-<release> package's Depends field, the names of its -common package
 * (linux-headers-*-common) and its kbuild package (linux-kbuild-*). -ENOENT when one is missing.
 */
int kl_headers_depends(const char *depends, char **ret_common, char **ret_kbuild);

/*
 * The package names of a Depends field, first alternative of each, without versions or
 * architecture qualifiers ("libc6 (>= 2.38), a | b, c:any" -> libc6, a, c). NULL-terminated.
 */
int kl_depends_names(const char *depends, char ***ret);

/*
 * Make an extracted package tree usable where it will lie (seen_as: its path as make sees it,
 * inside a build root or not): every absolute symlink under root
 * (lib/modules/<release>/build -> /usr/src/...) becomes relative, pointing at the same path
 * inside root, and every absolute /usr/src/ path in the Makefile of a usr/src/linux-headers-*
 * directory ("include /usr/src/X-common/Makefile" up to 6.x, "KBUILD_OUTPUT=/usr/src/X" from
 * 7.x) gets seen_as in front.
 */
int kl_tree_fixup(const char *root, const char *seen_as, struct kl_error **err);

/* The relative symlink target that reaches root-absolute target from link (both under a root):
 * link "lib/modules/R/build", target "/usr/src/h" -> "../../../usr/src/h". */
char *kl_relative_target(const char *link, const char *target);

/*
 * The kbuild command line: make -C KDIR M=MDIR CONFIG_DEBUG_INFO_BTF_MODULES= modules, run
 * through "unshare --fork --pid --mount-proc=ROOT/proc chroot ROOT" when root is
 * given (kdir and mdir are then paths inside it). NULL-terminated, strings owned by the list.
 */
char **kl_kbuild_argv(const char *chroot_root, const char *kdir, const char *mdir);

/* The cache key of a build: the source files, the kernel's identity and the compiler. */
void kl_crash_module_key(const struct kl_source_file *files, const char *kernel_identity,
			 const char *compiler, char out[KL_SHA256_HEX_LEN + 1]);
