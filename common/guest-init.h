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

/* Report `poweroff`, sync, and power the machine off. Returns only if the kernel refused. */
void kl_poweroff(void);
