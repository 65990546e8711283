/* SPDX-License-Identifier: MIT */
#include "kernel-source.h"

void kl_kernel_free(struct kl_kernel *k)
{
	if (!k)
		return;
	free(k->release);
	free(k->package);
	free(k->identity);
	free(k->vmlinuz);
	free(k->config);
	free(k->modules_dir);
	free(k);
}
