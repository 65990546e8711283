/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

int kl_parse_seconds(const char *s, double *ret)
{
	char *end;
	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return -EINVAL;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || *end || !isfinite(d))
		return -EINVAL;
	*ret = d;
	return 0;
}
