/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "guest-init.h"
#include "saver.h"

int main(void)
{
	static const struct saver_opts opts = SAVER_OPTS_DEFAULT;

	/* PID 1 never returns: the kernel would panic instead of powering off. */
	(void)saver_run(&opts);
	kl_poweroff();
	for (;;)
		pause();
}
