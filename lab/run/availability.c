/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "availability.h"
#include "base/macro.h"
#include "images.h"
#include "kconfig.h"
#include "scenario.h"

/* "CONFIG_X=y|m" against the config: NULL when met, else what the config says. */
static const char *requirement_unmet(const struct kl_kconfig *k, const char *req, char *opt,
				     size_t len)
{
	const char *eq = strchr(req, '=');
	size_t n = eq ? (size_t)(eq - req) : strlen(req);
	snprintf(opt, len, "%.*s", (int)n, req);
	const char *v = kl_kconfig_get(k, opt);
	const char *want = eq ? eq + 1 : "y";
	if (v && ((streq(v, "y") && strstr(want, "y")) || (streq(v, "m") && strstr(want, "m"))))
		return NULL;
	return v ? v : "not set";
}

int kl_scenario_availability(const struct kl_scenario *s, const struct kl_images *im,
			     char **ret_why, struct kl_error **err)
{
	*ret_why = NULL;
	if (s->kconfig) {
		_cleanup_(kl_kconfig_freep) struct kl_kconfig *k = NULL;
		int r = kl_kconfig_load(im->config, &k, err);
		if (r < 0)
			return r;
		for (const char *const *req = s->kconfig; *req; req++) {
			char opt[128];
			const char *got = requirement_unmet(k, *req, opt, sizeof(opt));
			if (got && asprintf(ret_why, "kernel %s has %s=%s; scenario %s needs %s",
					    im->release, opt, got, s->name, *req) < 0)
				*ret_why = NULL;
			if (got)
				return 0;
		}
	}
	if (s->module && streq(s->module, KL_CRASH_MODULE) && !im->crash_module &&
	    asprintf(ret_why, "scenario %s needs the crash module, unavailable for kernel %s: %s",
		     s->name, im->release,
		     im->crash_module_unavailable ? im->crash_module_unavailable : "not built") < 0)
		*ret_why = NULL;
	return 0;
}
