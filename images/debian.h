/* SPDX-License-Identifier: MIT */
/*
 * Debian kernel packages, fetched with apt-get through a private apt configuration per suite
 * under $cache/apt/<suite>/ (own sources list, lists, state and archives): the host's apt
 * configuration and state are never touched. The lists are refreshed at most once a day.
 */
#pragma once

#include "base/error.h"
#include "cache.h"

#define KL_DEBIAN_SUITES "bookworm, bookworm-backports, trixie, trixie-backports"

struct kl_debian_suite {
	const char *name;
	const char *const sources[3]; /* "URI SUITE COMPONENT", NULL-terminated */
};

const struct kl_debian_suite *kl_debian_suite_find(const char *name);

struct kl_debian_package {
	char *name;
	char *version;
	char *sha256; /* of the .deb, from the archive's signed index */
};
void kl_debian_package_clear(struct kl_debian_package *p);

/*
 * A Debian kernel and the packages that hold it. Up to 6.x one package holds everything:
 * linux-image-REL-unsigned (boot/vmlinuz-REL, boot/config-REL, boot/System.map-REL,
 * lib/modules/REL/). From 7.x linux-image-REL is a meta package of a few KB depending on
 * linux-binary-REL (usr/lib/modules/REL/vmlinuz; its twin linux-binary-unsigned-REL has
 * vmlinuz.unsigned), linux-modules-REL (the modules) and linux-base-REL (config,
 * modules.builtin*, modules.order and a one-line System.map saying the real one is in the -dbg
 * package), all at the same version.
 */
#define KL_DEBIAN_PARTS_MAX 3
struct kl_debian_kernel {
	char *name; /* linux-image-REL-unsigned, or the meta package linux-image-REL from 7.x */
	char *version;
	struct kl_debian_package parts[KL_DEBIAN_PARTS_MAX]; /* what to download and unpack */
	size_t n_parts;
};
void kl_debian_kernel_clear(struct kl_debian_kernel *k);

/*
 * Which kernel to fetch: package when given (its newest version), else the -unsigned twin of the
 * linux-image-* package the suite's linux-image-cloud-amd64 metapackage (newest version) depends
 * on. A package named *-unsigned that does not exist falls back to the name without the suffix
 * (7.x has no linux-image-REL-unsigned); a linux-image package that depends on linux-binary-*
 * resolves to its three parts.
 */
int kl_debian_resolve(const char *cache_dir, const char *suite, const char *package,
		      const struct kl_progress *progress, struct kl_debian_kernel *ret,
		      struct kl_error **err);
/*
 * The newest version of package in suite and its Depends field (e.g. of a linux-headers
 * package). A package the suite does not have fails with exit_code 2 and a message saying so.
 */
int kl_debian_show(const char *cache_dir, const char *suite, const char *package,
		   const struct kl_progress *progress, struct kl_debian_package *ret,
		   char **ret_depends, struct kl_error **err);
/*
 * The first package in an apt Depends field (alternatives included) whose name starts with
 * prefix and is longer than it, malloc'ed; NULL when there is none.
 */
char *kl_debian_depends_find(const char *depends, const char *prefix);
/* apt-get download into dest_dir; checks the SHA-256; returns the .deb path. */
int kl_debian_download(const char *cache_dir, const char *suite,
		       const struct kl_debian_package *pkg, const char *dest_dir, char **ret_deb,
		       struct kl_error **err);
