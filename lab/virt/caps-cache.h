/* SPDX-License-Identifier: MIT */
/* The embedded driver's QEMU capabilities cache, shared between processes through state_dir. */
#pragma once

/* Copy the .xml files of <state_dir>/qemu-capabilities/ into a new root before its driver starts. */
void kl_caps_import(const char *state_dir, const char *root);
/* Copy root's capabilities cache out to <state_dir>/qemu-capabilities/ (after a domain started). */
void kl_caps_export(const char *root, const char *state_dir);
