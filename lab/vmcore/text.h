/* SPDX-License-Identifier: MIT */
/*
 * Dump bytes on their way into structured or rendered output (check messages, the
 * validation's JSON, crash(8)'s quoted output, the CLI's error line): a dump is written by
 * a crashed or hostile kernel, and its strings (VMCOREINFO values, uts names, log text) may
 * hold terminal escape sequences, C1 controls or invalid UTF-8. The validator's rule, applied
 * here only: printable ASCII is kept, every other byte is written as \xNN (a backslash
 * stays a backslash). The result is valid UTF-8 without control characters; the raw bytes
 * stay available where they belong (`validate --dmesg`, the dump itself).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A new string: s escaped as above; with keep_newline, '\n' stays (multi-line text).
 * NULL for NULL or on ENOMEM. */
char *kl_text_escape(const char *s, bool keep_newline);
/* Replace *s by its escaped copy (*s unchanged on ENOMEM, then -ENOMEM). */
int kl_text_escape_inplace(char **s, bool keep_newline);
