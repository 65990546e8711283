/* SPDX-License-Identifier: MIT */
#include "guest-sys.h"
#include "guest-triggers.h"
#include "guest-util.h"

/*
 * echo c > /proc/sysrq-trigger. Writes to /proc/sysrq-trigger bypass the kernel.sysrq mask
 * (write_sysrq_trigger() calls __handle_sysrq(key, false)), so no sysctl is needed.
 */
int kl_trigger_sysrq(void)
{
	char path[KL_PATH_MAX];
	return kl_sys.write_ctl(kl_path(path, sizeof(path), "/proc/sysrq-trigger"), "c", 1);
}
