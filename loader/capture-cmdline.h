/* SPDX-License-Identifier: MIT */
/* The capture kernel's command line, built from the first kernel's. */
#pragma once

#include <stddef.h>

/*
 * x86 COMMAND_LINE_SIZE is 2048, and kexec_file_load() appends "elfcorehdr=0x... " to our
 * line (arch/x86/kernel/kexec-bzimage64.c), so keep well below it.
 */
#define LOADER_CMDLINE_MAX 1900

/*
 * Build the capture command line from the first kernel's cmdline into buf: its console=
 * arguments (or console=ttyS0), the fixed kdump arguments, every kdumplab.* argument, then the
 * %XX-decoded kdumplab.capture_append. Returns the length, -E2BIG when it does not fit in
 * size (at most LOADER_CMDLINE_MAX), -EINVAL when capture_append is malformed.
 */
int loader_capture_cmdline(const char *first_cmdline, char *buf, size_t size);
