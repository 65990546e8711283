/* SPDX-License-Identifier: MIT */
/*
 * Guest text made safe for every structured or rendered output (results.json, junit.xml,
 * facts.json, terminal lines): valid UTF-8 without control characters. Raw logs
 * (console.log, system.log, capture.log) never go through here: they stay byte-exact.
 *
 * Kept as is: TAB, printable ASCII (0x20..0x7e) and well-formed UTF-8 sequences of code
 * points from U+00A0 up (shortest form only, no surrogates, nothing past U+10FFFF).
 *
 * Written as \xNN (two lower-case hex digits), one escape per byte of the input:
 *   - C0 controls except TAB (NUL, LF, CR, ESC, BEL ...) and DEL;
 *   - C1 controls in both forms: a raw byte 0x80..0x9f (8-bit CSI 0x9b, OSC 0x9d) is never
 *     valid UTF-8 on its own; U+0080..U+009F encoded as C2 80..C2 9F has both bytes escaped;
 *   - the bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the line
 *     and paragraph separators (U+2028, U+2029), which reorder or break a rendered line;
 *   - every byte of an invalid, overlong, surrogate, out-of-range or truncated sequence.
 * An escape rather than U+FFFD: it says which byte the guest sent (an OSC 52 clipboard write
 * reads "\x1b]52;c;...\x07"), it is plain ASCII in every output, and `grep -F '\x1b'` finds
 * it. A backslash in the input is kept, so a guest that writes the four characters "\x1b"
 * looks the same as one that sent ESC; the raw logs tell them apart.
 *
 * The result is at most max bytes (not counting the NUL). A longer one is cut between two
 * characters (never inside an escape or a UTF-8 sequence) and ends in KL_TEXT_CUT.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Default bound: a whole console line (8 KiB) of text, with room for some escapes. */
#define KL_TEXT_MAX 16384
#define KL_TEXT_CUT "[...]"

/* A safe, NUL-terminated copy of len bytes (NULs included); NULL only when out of memory.
 * max below sizeof(KL_TEXT_CUT) is raised to it. */
char *kl_text_safe(const void *bytes, size_t len, size_t max);

/* Replace the string *s (may be NULL) by its safe copy (at most max bytes). When memory runs
 * out the string is emptied in place, never left unsafe, and -ENOMEM returned. */
int kl_text_make_safe(char **s, size_t max);

/* The same rule for a NUL-terminated string, unbounded (KL_TEXT_MAX does not apply: crash(8)'s
 * backtrace or a whole message may be longer); with keep_newline, each '\n' stays and the text
 * between them is made safe line by line (multi-line output). NULL for NULL or on ENOMEM. */
char *kl_text_escape(const char *s, bool keep_newline);
/* Replace *s by kl_text_escape(*s) (*s unchanged on ENOMEM, then -ENOMEM). */
int kl_text_escape_inplace(char **s, bool keep_newline);

/* True when len bytes are already what kl_text_safe keeps unchanged (no NUL either). */
bool kl_text_is_safe(const void *bytes, size_t len);
