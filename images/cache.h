/* SPDX-License-Identifier: MIT */
/*
 * The images cache ($XDG_CACHE_HOME/kdumplab or --cache):
 *
 *   apt/<suite>/           private apt configuration, lists and resolutions per Debian suite
 *   kernels/<pkg>_<ver>/   extracted kernel packages (boot/, lib/modules/<release>/, kernel.info)
 *   images/<id>/           system.img, capture.img, image.info
 *   locks/<key>.lock       flock()ed while <key> is being looked at or built
 *   tmp/<key>.XXXXXX       work in progress; renamed into place when complete
 *
 * Nothing is trusted unless it was renamed into place, so an interrupted run leaves only
 * tmp/ entries, which the next run holding the same lock removes.
 */
#pragma once

#include <stdarg.h>

#include "base/error.h"

/* Block until we hold $cache/locks/<key>.lock; returns the fd to close. */
int kl_cache_lock(const char *cache_dir, const char *key, int *ret_fd, struct kl_error **err);
/* Under key's lock: drop stale tmp/<key>.* and create a fresh tmp/<key>.XXXXXX directory. */
int kl_cache_tmpdir(const char *cache_dir, const char *key, char **ret_path, struct kl_error **err);
/* rename(tmp, final) for a directory; final must not exist yet. */
int kl_cache_commit_dir(const char *tmp, const char *final, struct kl_error **err);

/* key=value files (kernel.info, image.info, resolutions): one pair per line. */
int kl_kv_write(const char *path, const char *const *pairs, struct kl_error **err);
int kl_kv_read(const char *path, char ***ret_pairs, struct kl_error **err);
const char *kl_kv_get(char *const *pairs, const char *key);

struct kl_progress {
	void (*fn)(void *userdata, const char *msg);
	void *userdata;
};
void kl_progress(const struct kl_progress *p, const char *fmt, ...) _printf_(2, 3);
