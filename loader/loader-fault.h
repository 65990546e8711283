/* SPDX-License-Identifier: MIT */
/*
 * The loader's faults (common/fault.h), as hooks loader.c calls at the points they change.
 * Each hook does nothing unless f (from kl_guest_fault(..., KL_FAULT_LOADER, ...)) is its
 * fault; each fault reports itself (KDUMPLAB phase=fault) where it is committed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

/* The initramfs init capture-silent gives the capture kernel: no such file exists. */
#define LOADER_FAULT_NO_INIT "/kdumplab-fault-no-init"

/*
 * The capture command line in buf (size bytes): capture-silent replaces its console= arguments
 * with console=tty0 and appends rdinit=LOADER_FAULT_NO_INIT, so the capture kernel has no
 * serial console and panics (no init; panic=-1 reboots, which ends the domain) before anything
 * it prints could reach the host. -E2BIG when the result does not fit.
 */
int loader_fault_capture_cmdline(const struct kl_fault *f, char *buf, size_t size);
/* The nonce to write to /dev/kmsg: wrong-crash writes another one than the reported one. */
void loader_fault_kmsg_nonce(const struct kl_fault *f, const char *nonce, char out[17]);
/*
 * In the trigger child, in place of the scenario's trigger: false when f is not a trigger
 * fault (run the trigger). trigger-noop returns true at once (no crash); trigger-hang sleeps
 * without crashing until the host's trigger deadline destroys the domain (kl_sys.sleep_ms,
 * which never returns control in the guest).
 */
bool loader_fault_trigger(const struct kl_fault *f);
