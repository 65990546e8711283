/* SPDX-License-Identifier: MIT */
/*
 * The emergency pid table behind kl_virt_emergency_stop() (virt.h): the QEMUs this process
 * started and has not destroyed yet.
 */
#pragma once

#include <sys/types.h>

/* Register after start, forget after destroy. Lock-free; a full table drops the pid (the next
 * kl_virt_open()'s reaping still covers it). */
void kl_emergency_add(pid_t pid);
void kl_emergency_forget(pid_t pid);
