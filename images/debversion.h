/* SPDX-License-Identifier: MIT */
/* Debian version ordering ("dpkg --compare-versions"), to pick the newest kernel package. */
#pragma once

/* <0, 0, >0 like strcmp, for [epoch:]upstream[-revision] versions. */
int kl_debversion_compare(const char *a, const char *b);
