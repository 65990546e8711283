/* SPDX-License-Identifier: MIT */
/*
 * The saver's faults (common/fault.h), as hooks saver.c calls at the points they change. Each
 * hook does nothing unless f (from kl_guest_fault(..., KL_FAULT_SAVER, ...)) is its fault;
 * each fault reports itself (KDUMPLAB phase=fault) where it is committed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "fault.h"

/* How many bytes of a size-byte /proc/vmcore to copy: saver-halfway copies the first half
 * (whole pages), everything else all of it. */
uint64_t saver_fault_copy_size(const struct kl_fault *f, uint64_t size);
/* Whether the completion marker is written after the manifest: not with saver-no-marker. */
bool saver_fault_writes_marker(const struct kl_fault *f);
/* After the dump (fd, size bytes) is written: saver-corrupt sets its ELF e_phoff to size (the
 * program headers past the end of the file) and fsyncs. 0 or -errno (reported). */
int saver_fault_damage(const struct kl_fault *f, int fd, uint64_t size);
