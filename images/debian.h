/* SPDX-License-Identifier: MIT */
/*
 * Debian kernel packages, fetched with apt-get through a private apt configuration per suite
 * under $cache/apt/<suite>/ (own sources list, lists, state and archives): the host's apt
 * configuration and state are never touched. The lists are refreshed at most once a day.
 */
#pragma once

#include "base/error.h"
#include "cache.h"

#define KL_DEBIAN_SUITES "bookworm, bookworm-backports, trixie"

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
 * Which package to fetch: package when given (its newest version), else the -unsigned twin of
 * what the suite's linux-image-cloud-amd64 metapackage (newest version) depends on.
 */
int kl_debian_resolve(const char *cache_dir, const char *suite, const char *package,
		      const struct kl_progress *progress, struct kl_debian_package *ret,
		      struct kl_error **err);
/*
 * The newest version of package in suite and its Depends field (e.g. of a linux-headers
 * package). A package the suite does not have fails with exit_code 2 and a message saying so.
 */
int kl_debian_show(const char *cache_dir, const char *suite, const char *package,
		   const struct kl_progress *progress, struct kl_debian_package *ret,
		   char **ret_depends, struct kl_error **err);
/* apt-get download into dest_dir; checks the SHA-256; returns the .deb path. */
int kl_debian_download(const char *cache_dir, const char *suite,
		       const struct kl_debian_package *pkg, const char *dest_dir, char **ret_deb,
		       struct kl_error **err);
