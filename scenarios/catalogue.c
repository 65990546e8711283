/* SPDX-License-Identifier: MIT */
/* The scenario table (generated from scenarios/meson.build's list) and its parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define KL_SCENARIO(id) extern const struct kl_scenario kl_scenario_##id;
#include "scenario-list.h"
#undef KL_SCENARIO

const struct kl_scenario *const kl_scenarios[] = {
#define KL_SCENARIO(id) &kl_scenario_##id,
#include "scenario-list.h"
#undef KL_SCENARIO
};
const size_t kl_scenarios_count = sizeof(kl_scenarios) / sizeof(kl_scenarios[0]);

const struct kl_scenario *kl_scenario_find(const char *name)
{
	for (size_t i = 0; i < kl_scenarios_count; i++)
		if (strcmp(kl_scenarios[i]->name, name) == 0)
			return kl_scenarios[i];
	return NULL;
}

const char *kl_scenario_names(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < kl_scenarios_count && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      kl_scenarios[i]->name);
	return buf;
}

static const struct kl_scenario_param *find_param(const struct kl_scenario *s, const char *key)
{
	for (const struct kl_scenario_param *p = s->params; p && p->key; p++)
		if (strcmp(p->key, key) == 0)
			return p;
	return NULL;
}

static void param_names(const struct kl_scenario *s, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (const struct kl_scenario_param *p = s->params; p && p->key && o < len; p++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", p->key);
	if (!buf[0])
		snprintf(buf, len, "none");
}

int kl_scenario_parse(const char *text, unsigned vcpus, const struct kl_scenario **ret,
		      struct kl_variant *ret_variant, char *why, size_t whylen)
{
	struct kl_variant v;
	char names[512], inner[256];
	if (kl_variant_parse(text, &v, inner, sizeof(inner)) < 0)
		return snprintf(why, whylen, "scenario %s", inner), -EINVAL;
	const struct kl_scenario *s = kl_scenario_find(v.name);
	if (!s)
		return snprintf(why, whylen, "unknown scenario \"%s\"; expected one of %s", v.name,
				kl_scenario_names(names, sizeof(names))),
		       -EINVAL;
	if (v.source[0])
		return snprintf(why, whylen,
				"scenario \"%s\": \"@%s\": a scenario has no source; expected "
				"NAME[:KEY=VALUE]...",
				text, v.source),
		       -EINVAL;
	for (unsigned i = 0; i < v.n_params; i++) {
		const struct kl_scenario_param *p = find_param(s, v.params[i].key);
		if (!p) {
			param_names(s, names, sizeof(names));
			return snprintf(why, whylen,
					"scenario \"%s\": %s has no parameter \"%s\"; expected "
					"one of: %s",
					text, s->name, v.params[i].key, names),
			       -EINVAL;
		}
		if (p->check && p->check(v.params[i].value, vcpus, inner, sizeof(inner)) < 0)
			return snprintf(why, whylen, "scenario \"%s\": %s", text, inner), -EINVAL;
	}
	if (ret)
		*ret = s;
	if (ret_variant)
		*ret_variant = v;
	return 0;
}

int kl_scenario_expand_each(const char *text, const char *key, unsigned n, char *buf, size_t len)
{
	struct kl_variant v;
	char why[8];
	if (kl_variant_parse(text, &v, why, sizeof(why)) < 0)
		return 0;
	for (unsigned i = 0; i < v.n_params; i++)
		if (strcmp(v.params[i].key, key) == 0 && strcmp(v.params[i].value, "each") == 0) {
			snprintf(v.params[i].value, sizeof(v.params[i].value), "%u", n);
			return kl_variant_format(&v, buf, len) < 0 ? -ENOSPC : 1;
		}
	return 0;
}
