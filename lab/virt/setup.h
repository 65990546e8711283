/* SPDX-License-Identifier: MIT */
/* One-time process setup for libvirt. */
#pragma once

#include "base/error.h"

/*
 * libvirt init, silent error handler and logger (libvirt's log goes to <state_dir>/libvirt.log
 * of the first caller, or nowhere), event loop thread. Once per process; later calls return the
 * first one's result.
 */
int kl_virt_global_init(const char *state_dir, struct kl_error **err);
