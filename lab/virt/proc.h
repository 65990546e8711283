/* SPDX-License-Identifier: MIT */
/* Processes on this host, read from /proc: start times, liveness, finding and killing by cmdline. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* /proc/<pid>/stat field 22, 0 when the process does not exist. */
uint64_t kl_proc_starttime(pid_t pid);
/* Whether pid is gone: no such process, or a zombie (dead for our purpose: init reaps it). */
bool kl_proc_gone(pid_t pid);
/* SIGKILL every process other than us whose cmdline contains needle (and needle2 if not NULL),
 * and with wait, wait up to ~2 s until they are gone. Returns how many were signalled. */
int kl_kill_by_cmdline(const char *needle, const char *needle2, bool wait);
/* The pid of the QEMU running domain name (and whose cmdline contains root if not NULL), or 0. */
pid_t kl_find_qemu_pid(const char *name, const char *root);
