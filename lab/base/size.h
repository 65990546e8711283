/* SPDX-License-Identifier: MIT */
/* Human sizes: "1G", "192M", "512MiB", "1024" (bare numbers are MiB, as with qemu -m). */
#pragma once

#include <stdint.h>

#include "error.h"

/* Parse a size; `what` names the option for the error ("--memory"). */
int kl_size_parse(const char *s, const char *what, uint64_t *ret_bytes, struct kl_error **err);
/* Format bytes as the shortest exact "NG"/"NM"/"NK"/"N" string (e.g. 201326592 → "192M"). */
void kl_size_format(uint64_t bytes, char *buf, size_t len);
