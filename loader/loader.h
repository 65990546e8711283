/* SPDX-License-Identifier: MIT */
/*
 * kdumplab-loader: /init of the system guest. It reports the first kernel's facts, checks the
 * crashkernel= reservation, loads the capture kernel with kexec_file_load(KEXEC_FILE_ON_CRASH)
 * and crashes the kernel the way the scenario (kdumplab.scenario=) says.
 */
#pragma once

/*
 * Everything /init does before powering off. Returns 0 when the scenario ends without a
 * crash by design (`none`), or -errno after reporting `error step=...`. When the crash
 * works it never returns: the kernel is gone.
 */
int loader_run(void);
