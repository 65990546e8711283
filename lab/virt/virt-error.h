/* SPDX-License-Identifier: MIT */
/* libvirt's errors as kl_error. */
#pragma once

#include "base/error.h"

/*
 * Fill *err from libvirt's last error in this thread: "<what>: <libvirt message>", and reset it.
 * Returns -errno (mapped from the libvirt error code).
 */
int kl_virt_error(struct kl_error **err, const char *fmt, ...) _printf_(2, 3);
/* The libvirt error code of the last error in this thread (VIR_ERR_OK when none). */
int kl_virt_last_error_code(void);
