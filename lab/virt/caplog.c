/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "caplog.h"

void kl_caplog_write(struct kl_caplog *l, const void *data, size_t n)
{
	uint64_t max = l->max ? l->max : KL_CONSOLE_LOG_MAX;
	if (!l->f || l->cut)
		return;
	size_t k = l->written + n > max ? (size_t)(max - l->written) : n;
	if (k > 0 && fwrite(data, 1, k, l->f) != k && !l->error)
		l->error = errno ? errno : EIO;
	l->written += k;
	if (k < n) {
		l->cut = true;
		if (fprintf(l->f, KL_CONSOLE_LOG_CUT, (unsigned long long)max) < 0 && !l->error)
			l->error = errno ? errno : EIO;
	}
}
