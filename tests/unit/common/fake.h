/* SPDX-License-Identifier: MIT */
/*
 * A fake guest for the loader and saver unit tests: a temporary root tree (kl_root), a
 * console captured in a file, and a kl_sys whose calls are recorded instead of made.
 */
#pragma once

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_CALLS 64

struct fake_call {
	char name[32];
	char path[512];	 /* root-relative path (target, file written) */
	char data[2048]; /* what was written, the cmdline, the fs type ... */
	unsigned long flags;
	int cpu; /* sched_setaffinity: the only CPU in the set, or -1 */
};

struct fake {
	char root[256];
	int console_fd;
	unsigned n_calls;
	struct fake_call calls[FAKE_MAX_CALLS];
	/* Programmable results (0 or -errno). */
	int kexec_result;
	int mount_result;
	const char *failing_module; /* basename that finit_module refuses with ENOEXEC */
	const char *eexist_module;  /* basename that is "built in" (EEXIST) */
	/* After kexec_file_load succeeds, write this to sys/kernel/kexec_crash_loaded. */
	const char *crash_loaded_after;
	/* When set, the sleep_escape_after-th sleep longjmp()s there (a program that would sleep
	 * forever, e.g. the trigger-hang fault). */
	jmp_buf *sleep_escape;
	unsigned sleep_escape_after;
};

extern struct fake fake;

/* Fresh root tree, console capture and recording kl_sys. */
void fake_setup(void);
void fake_teardown(void);

/* Create root-relative file (and its parents) with text. */
void fake_write(const char *path, const char *text);
void fake_write_bytes(const char *path, const void *buf, size_t len);
void fake_mkdir(const char *path);
/* Read a root-relative file into a malloc'ed NUL-terminated string (NULL when absent). */
char *fake_read(const char *path, size_t *ret_len);
int fake_exists(const char *path);

/* Everything the programs wrote to the console. Owned by fake (valid until next call). */
const char *fake_console(void);
/* The first console line with phase=<phase>, without the newline; NULL when absent. */
const char *fake_line(const char *phase);
/* The value of key in line (decoded); static buffer. NULL when absent. */
const char *fake_field(const char *line, const char *key);
unsigned fake_count_lines(const char *phase);

/* The n-th (0-based) recorded call named name, or NULL. */
const struct fake_call *fake_call(const char *name, unsigned nth);
unsigned fake_count_calls(const char *name);

/* A plausible system guest: /proc, /sys facts, /capture files. */
void fake_system_guest(const char *cmdline);
