/* SPDX-License-Identifier: MIT */
/* Strict number parsing for values that come from guests and files we did not write. */
#pragma once

/* A non-negative decimal like "1.930": digits and dots only, finite. 0 or -EINVAL. */
int kl_parse_seconds(const char *s, double *ret);
