/* SPDX-License-Identifier: MIT */
/* The guest programs' side of fault injection (fault.h): which fault a cell asked for, and the
 * console line that says a fault was committed. */
#pragma once

#include "base/macro.h"
#include "fault.h"

/*
 * The fault kdumplab.fault= on cmdline names, when it is prog's: 0 and *ret set (NULL when
 * there is none, or it is the other program's). An unknown name is reported (error
 * step=fault) and returns -ENOENT.
 */
int kl_guest_fault(const char *cmdline, enum kl_fault_prog prog, const struct kl_fault **ret);
/* "KDUMPLAB phase=fault name=<name> prog=<prog> provokes=<outcome> detail=<what was done>":
 * every fault says it was injected, where it is injected. */
void kl_report_fault(const struct kl_fault *f, const char *fmt, ...) _printf_(2, 3);
