/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "guest-init.h"
#include "loader.h"

int main(void)
{
	/* PID 1 never returns (the kernel would panic, and kdump would capture that). */
	(void)loader_run();
	kl_poweroff();
	for (;;)
		pause();
}
