/* SPDX-License-Identifier: MIT */
/* File helpers for the images cache: every artifact is written to a temporary name and renamed. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* malloc'ed "a/b"; NULL on out of memory. */
char *kl_path_join(const char *a, const char *b);
/* mkdir -p; existing directories are fine. */
int kl_mkdir_p(const char *path, mode_t mode, struct kl_error **err);
/* rm -rf, best effort (used on our own temporary directories only). Returns 0 or -errno. */
int kl_rm_rf(const char *path);
/* Whole file into a NUL-terminated buffer. */
int kl_read_file(const char *path, char **ret_data, size_t *ret_size, struct kl_error **err);
/* Write data to path.tmp.XXXXXX, fsync, rename over path. */
int kl_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode,
			 struct kl_error **err);
/* The same for content written by fill() to fd (streaming; tmp names the file for messages);
 * when fill fails (returning -errno, *err filled by it), nothing is left behind. */
int kl_write_file_atomic_with(const char *path, mode_t mode,
			      int (*fill)(int fd, const char *tmp, void *userdata,
					  struct kl_error **err),
			      void *userdata, struct kl_error **err);
/* Copy a file (streaming) to path atomically, like kl_write_file_atomic. */
int kl_copy_file_atomic(const char *src, const char *path, mode_t mode, struct kl_error **err);
/* True when path exists (any type). */
int kl_exists(const char *path);
/* fsync the directory holding path (after a rename into it): 0 or -errno. */
int kl_fsync_parent(const char *path);
/*
 * Open a regular file to read: ret_fd (O_CLOEXEC) and its size. Errors name it as `what`
 * ("opening dump \"P\"", "stat dump \"P\"", "dump \"P\" is not a regular file").
 */
int kl_open_regular(const char *path, const char *what, int *ret_fd, uint64_t *ret_size,
		    struct kl_error **err);

/* pread until len bytes, EOF or an error: the bytes read, or -errno. */
ssize_t kl_pread_full(int fd, void *buf, size_t len, uint64_t off);
/* Remove the regular files directly inside dir (not subdirectories). */
int kl_rm_files(const char *dir, struct kl_error **err);
