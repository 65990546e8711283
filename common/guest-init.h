/* SPDX-License-Identifier: MIT */
/* What both in-guest /init programs do first and last. */
#pragma once

/* Mount /proc, /sys and devtmpfs on /dev (already mounted is fine). Reports error step=mount. */
int kl_mount_basics(void);

/*
 * finit_module() every path listed in KL_MODULES_LIST, in order, reporting one `module` line
 * each. A missing list means nothing to load. EEXIST (built in or already loaded) is fine;
 * any other failure reports error step=module and stops.
 */
int kl_load_modules(void);

/*
 * finit_module() KL_SCENARIO_MODULES_DIR/<name>.ko with params (a scenario's module), reporting
 * one `module` line per module. The modules the order list (KL_SCENARIO_MODULES_ORDER) names
 * on name's line are loaded first, without parameters. EEXIST is fine; a missing file returns
 * -ENOENT and reports error step=module naming the path.
 */
int kl_load_module_named(const char *name, const char *params);

/* Report `poweroff`, sync, and power the machine off. Returns only if the kernel refused. */
void kl_poweroff(void);
