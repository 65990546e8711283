/* SPDX-License-Identifier: MIT */
/*
 * The guest half every crash-module scenario shares: the loader has loaded KL_CRASH_MODULE
 * (the scenario's .module); the pinned trigger child writes the action's name to the module's
 * parameter, and the module performs it in that task (scenarios/crash-module/kdumplab_crash.c).
 * Before acting, the module logs "kdumplab_crash: action=NAME cpu=N pid=M".
 */
#pragma once

#include "scenario.h"

#ifdef KL_GUEST
#include <string.h>

#include "guest-sys.h"
#include "guest-util.h"

#define KL_CRASH_MODULE_PARAM "/sys/module/" KL_CRASH_MODULE "/parameters/crash"

/* Returns only when the kernel survived the action: 0, or -errno of the write. */
static inline int kl_crash_action(const char *action)
{
	char path[KL_PATH_MAX];
	int r = kl_sys.write_ctl(kl_path(path, sizeof(path), KL_CRASH_MODULE_PARAM), action,
				 strlen(action));
	return r;
}
#endif
