/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the loader and the saver: root-prefixed paths, files, cmdline. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define KL_PATH_MAX 4096

/* kl_root + path into buf (path is absolute, as seen in the guest). Returns buf. */
const char *kl_path(char *buf, size_t size, const char *path);

/*
 * Read a whole small file (kl_root-prefixed) into buf, NUL-terminated, trailing whitespace
 * removed. -EFBIG when it does not fit.
 */
int kl_read_file(const char *path, char *buf, size_t size);
/* Read a file holding one decimal unsigned number. -EINVAL when it holds something else. */
int kl_read_u64(const char *path, uint64_t *ret);

/*
 * Kernel command line tokens, split on white space, double quotes grouping as the kernel's
 * next_arg() does (the quotes are kept in the token). Returns 1 with a token in tok, 0 at the
 * end, -ENAMETOOLONG when a token does not fit.
 */
int kl_cmdline_next(const char **cursor, char *tok, size_t size);
/*
 * Value of the last key=value occurrence of key (later ones override, as for the kernel's
 * own parameters), without surrounding quotes. Returns 1 when found, 0 when absent.
 */
int kl_cmdline_get(const char *cmdline, const char *key, char *val, size_t size);

/* Parse a sysfs CPU list ("0-3,5"): count and highest CPU. -EINVAL when malformed or empty. */
int kl_cpulist_parse(const char *list, unsigned *ret_count, unsigned *ret_highest);

/* Monotonic seconds. */
double kl_now(void);

/* Parse a full unsigned number (base 0: 0x.. hex or decimal); -EINVAL otherwise. */
int kl_parse_u64(const char *s, int base, uint64_t *ret);
