/* SPDX-License-Identifier: MIT */
/*
 * The one grammar for every variant in the lab (scenarios now; loaders, savers and targets
 * later): NAME[:KEY=VALUE]...[@SOURCE], e.g. "sysrq:cpu=1", "oom",
 * "makedumpfile:opts=-l -d 31@debian:trixie".
 *
 *   NAME   [a-z0-9-], 1 to KL_VARIANT_NAME_MAX-1 bytes, starting with a letter
 *   KEY    [a-z0-9_], 1 to KL_VARIANT_KEY_MAX-1 bytes; each key at most once
 *   VALUE  printable ASCII without ':' '@' ',' (',' separates a matrix's list), may be empty
 *   SOURCE after the last '@', printable ASCII without ','
 *
 * Parsed into fixed arrays (no allocation): the guest programs use it on their command line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define KL_VARIANT_NAME_MAX   32
#define KL_VARIANT_KEY_MAX    24
#define KL_VARIANT_VALUE_MAX  128
#define KL_VARIANT_SOURCE_MAX 128
#define KL_VARIANT_PARAMS_MAX 8
/* The longest text a variant can be (name, every param, source, separators). */
#define KL_VARIANT_TEXT_MAX 512

struct kl_variant_param {
	char key[KL_VARIANT_KEY_MAX];
	char value[KL_VARIANT_VALUE_MAX];
};

struct kl_variant {
	char name[KL_VARIANT_NAME_MAX];
	unsigned n_params;
	struct kl_variant_param params[KL_VARIANT_PARAMS_MAX];
	char source[KL_VARIANT_SOURCE_MAX]; /* "" when there is none */
};

/* -EINVAL with why (a sentence naming the bad part and what was expected) on bad text. */
int kl_variant_parse(const char *text, struct kl_variant *v, char *why, size_t whylen);
/* The value of key, or NULL when the variant does not set it. */
const char *kl_variant_get(const struct kl_variant *v, const char *key);
/* Write the canonical text back (name, params in their order, source); -ENOSPC when it does
 * not fit. */
int kl_variant_format(const struct kl_variant *v, char *buf, size_t len);
