/* SPDX-License-Identifier: MIT */
/*
 * kdumplab scenarios: the catalogue, one line per scenario (name and parameters, how it
 * crashes, its signature in the dumped kernel log); with --kernel SPEC, whether each one can
 * run on that kernel and why not.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/paths.h"
#include "cli.h"
#include "images.h"
#include "run/availability.h"
#include "run/run.h"
#include "scenario.h"

static void progress(void *userdata, const char *msg)
{
	cli_note("scenarios: %s", msg);
}

/* "sysrq[:cpu=...]" */
static void usage_name(const struct kl_scenario *s, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%s", s->name);
	for (const struct kl_scenario_param *p = s->params; p && p->key && o < len; p++)
		o += (size_t)snprintf(buf + o, len - o, "[:%s=]", p->key);
}

static void signature(const struct kl_scenario *s, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (const char *const *e = s->expect; e && *e && o < len; e++)
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"", o ? " then " : "", *e);
	if (!buf[0])
		snprintf(buf, len, "%s",
			 kl_scenario_crashes(s) ? "--expect-panic REGEX (yours)" : "no crash");
}

int cmd_scenarios(int argc, char **argv, struct kl_error **err)
{
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "cache", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *spec = NULL, *cache_opt = NULL;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'k')
			spec = optarg;
		else if (c == 'c')
			cache_opt = optarg;
		else if (c == 'h') {
			printf("kdumplab scenarios [--kernel SPEC] [--cache DIR]\n"
			       "  one line per crash scenario: NAME[:KEY=VALUE]..., how it crashes, "
			       "its signature;\n"
			       "  with --kernel, whether it can run on that kernel and why not\n");
			return 0;
		} else
			return kl_error_usage(
				err, 0, "unknown option \"%s\" (see kdumplab scenarios --help)",
				argv[optind - 1]);
	}
	if (optind < argc)
		return kl_error_usage(err, 0, "unexpected argument \"%s\"", argv[optind]);

	_cleanup_(kl_images_freep) struct kl_images *im = NULL;
	_cleanup_free_ char *cache = NULL;
	if (spec && cache_opt)
		cache = strdup(cache_opt);
	else if (spec && (r = kl_default_cache_dir(&cache, err)) < 0)
		return r;
	if (spec && (r = kl_run_images_prepare(cache, spec, NULL, progress, NULL, &im, err)) < 0)
		return r;
	for (size_t i = 0; i < kl_scenarios_count; i++) {
		const struct kl_scenario *s = kl_scenarios[i];
		char name[96], sig[512];
		_cleanup_free_ char *why = NULL;
		usage_name(s, name, sizeof(name));
		signature(s, sig, sizeof(sig));
		if (im && (r = kl_scenario_availability(s, im, &why, err)) < 0)
			return r;
		printf("%-18s %s; signature: %s", name, s->description, sig);
		if (im)
			printf("; on %s: %s%s%s", im->release, why ? why : "available",
			       !why && s->probe_text ? " if the guest has " : "",
			       !why && s->probe_text ? s->probe_text : "");
		printf("\n");
	}
	return 0;
}
