/* SPDX-License-Identifier: MIT */
/* kdumplab run: one cell from options, or the cells of a plan file. */
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "base/size.h"
#include "cli.h"
#include "plan/keys.h"
#include "plan/plan.h"
#include "run/run.h"
#include "virt/virt.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	/* First signal: cells stop at their next poll (≤ 200 ms) and destroy their domains.
	 * Second: stop every QEMU we started right now and leave. */
	if (interrupted) {
		kl_virt_emergency_stop();
		_exit(128 + sig);
	}
	interrupted = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void on_notice(void *userdata, const char *msg)
{
	cli_note("%s", msg);
}

static void on_phase(void *userdata, const char *cell, const char *phase)
{
	if (*(bool *)userdata)
		cli_note("[%s] %s", cell, phase);
}

static void on_done(void *userdata, const struct kl_cell_result *c, bool resumed)
{
	struct kl_outcome o = kl_cell_result_outcome(c);
	bool pass = c->verdict == KL_VERDICT_PASS;
	char what[128];

	kl_outcome_format(&o, what, sizeof(what));
	printf("%-28s %-26s %6.1fs  %s%s\n", c->spec.id, what, c->total_seconds,
	       c->expected ? (pass ? "" : "(expected) ") : "UNEXPECTED ",
	       resumed ? "(from an earlier run)" : "");
	for (size_t i = 0; i < c->n_earlier; i++) {
		const struct kl_attempt *a = &c->earlier[i];
		char ended[96];
		kl_outcome_format(&a->ended, ended, sizeof(ended));
		printf("  attempt %zu ended %s in %.1fs (files in %s), run again\n", i + 1, ended,
		       a->total_seconds, a->dir ? a->dir : "?");
	}
	if (!resumed) {
		printf("  phases:");
		for (int p = 0; p < KL_PHASE_VERDICT; p++)
			if (c->seconds[p] >= 0.05)
				printf(" %s %.1f", kl_phase_name(p), c->seconds[p]);
		printf("\n");
	}
	if (!c->expected || !pass) {
		if (c->detail)
			printf("  %s\n", c->detail);
		for (size_t i = 0; i < c->n_decisive && i < 6; i++)
			printf("  | %s\n", c->decisive[i]);
	}
	fflush(stdout);
}

/* The run's own options; every cell key (plan/keys.c) is an option too, OPT_KEY + its row. */
enum {
	OPT_CONNECT = 256,
	OPT_OUTPUT,
	OPT_CACHE,
	OPT_STATE,
	OPT_JOBS,
	OPT_RERUN,
	OPT_KEEP,
	OPT_TCG,
	OPT_SCALE,
	OPT_RETRIES,
	OPT_QUIET,
	OPT_KEY = 0x1000,
};

static const struct option run_options[] = { { "connect", required_argument, NULL, OPT_CONNECT },
					     { "output", required_argument, NULL, OPT_OUTPUT },
					     { "cache", required_argument, NULL, OPT_CACHE },
					     { "state", required_argument, NULL, OPT_STATE },
					     { "jobs", required_argument, NULL, OPT_JOBS },
					     { "rerun", no_argument, NULL, OPT_RERUN },
					     { "keep-disks", no_argument, NULL, OPT_KEEP },
					     { "tcg", no_argument, NULL, OPT_TCG },
					     { "timeout-scale", required_argument, NULL,
					       OPT_SCALE },
					     { "retries", required_argument, NULL, OPT_RETRIES },
					     { "quiet", no_argument, NULL, OPT_QUIET },
					     { "help", no_argument, NULL, 'h' },
					     {} };

#define HELP_INDENT "             "
#define HELP_WIDTH  100

static void print_help(void)
{
	size_t col = (size_t)printf("kdumplab run [PLAN]");
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		char item[128];
		int n = snprintf(item, sizeof(item), "[--%s %s]", kl_cell_keys[i].option,
				 kl_cell_keys[i].metavar);
		if (col + 1 + (size_t)n > HELP_WIDTH)
			col = (size_t)printf("\n" HELP_INDENT "%s", item) - 1;
		else
			col += (size_t)printf(" %s", item);
	}
	printf("\n" HELP_INDENT "[--connect URI]... [--output DIR]\n" HELP_INDENT
	       "[--cache DIR] [--state DIR] [--jobs N] [--rerun] [--keep-disks] [--tcg]\n" HELP_INDENT
	       "[--timeout-scale F] [--retries N] [--quiet]\n"
	       "\nCell options (without PLAN: one cell; in PLAN: \"key = value\" lines):\n");
	for (size_t i = 0; i < kl_cell_keys_count; i++) {
		const struct kl_cell_key *k = &kl_cell_keys[i];
		const char *d = k->option_dflt ? k->option_dflt : k->dflt;
		char opt[128];
		snprintf(opt, sizeof(opt), "--%s %s", k->option, k->metavar);
		printf("  %-26s %s", opt, k->help);
		if (k->type == KL_KEY_UINT)
			printf(", %u to %u", k->min, k->max);
		printf("\n  %-26s", "");
		if (d)
			printf(" default %s;", d);
		printf(" plan key %s", k->name);
		if (k->required)
			printf(" (required in a plan)");
		else if (k->option_dflt)
			printf(" (default %s)", k->dflt ? k->dflt : "unset");
		printf("\n");
	}
}

/* getopt_long's table: the run's options and one per cell key. */
static void build_options(struct option *o)
{
	size_t n = 0;
	for (size_t i = 0; i < kl_cell_keys_count; i++)
		o[n++] = (struct option){ kl_cell_keys[i].option, required_argument, NULL,
					  OPT_KEY + (int)i };
	for (size_t i = 0; i < ELEMENTSOF(run_options); i++)
		o[n++] = run_options[i];
}

struct run_args {
	struct kl_cell_spec cell; /* the cell keys given as options (strings owned) */
	bool given[KL_CELL_KEYS_MAX], cell_given;
	const char *uris[17];
	size_t n_uris;
	const char *output, *cache, *state;
	unsigned jobs, retries;
	bool rerun, keep, tcg, quiet;
	double scale;
};

static int parse_uint(const char *opt, const char *s, unsigned max, unsigned *ret,
		      struct kl_error **err)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v < 1 || v > max)
		return kl_error_usage(err, 0, "%s \"%s\": expected a number from 1 to %u", opt, s,
				      max);
	*ret = (unsigned)v;
	return 0;
}

static int parse_run_option(int c, struct run_args *a, char **argv, struct kl_error **err)
{
	char *end;
	switch (c) {
	case OPT_CONNECT:
		if (a->n_uris >= 16)
			return kl_error_usage(err, 0, "--connect given more than 16 times");
		a->uris[a->n_uris++] = optarg;
		return 0;
	case OPT_OUTPUT:
		a->output = optarg;
		return 0;
	case OPT_CACHE:
		a->cache = optarg;
		return 0;
	case OPT_STATE:
		a->state = optarg;
		return 0;
	case OPT_JOBS:
		return parse_uint("--jobs", optarg, 16, &a->jobs, err);
	case OPT_RERUN:
		a->rerun = true;
		return 0;
	case OPT_KEEP:
		a->keep = true;
		return 0;
	case OPT_TCG:
		a->tcg = true;
		return 0;
	case OPT_QUIET:
		a->quiet = true;
		return 0;
	case OPT_RETRIES: {
		unsigned long v = strtoul(optarg, &end, 10);
		if (!*optarg || *end || v > 5)
			return kl_error_usage(
				err, 0, "--retries \"%s\": expected a number from 0 to 5", optarg);
		a->retries = (unsigned)v;
		return 0;
	}
	case OPT_SCALE:
		a->scale = strtod(optarg, &end);
		if (*end || a->scale <= 0 || a->scale > 100)
			return kl_error_usage(
				err, 0, "--timeout-scale \"%s\": expected a number in (0, 100]",
				optarg);
		return 0;
	case 'h':
		print_help();
		exit(0);
	default:
		return kl_error_usage(err, 0, "unknown option \"%s\" (see kdumplab run --help)",
				      argv[optind - 1]);
	}
}

static int parse_options(int argc, char **argv, struct run_args *a, struct kl_error **err)
{
	struct option opts[KL_CELL_KEYS_MAX + ELEMENTSOF(run_options)];
	int c, r = 0;
	build_options(opts);
	optind = 1;
	opterr = 0; /* we report unknown options ourselves, once */
	while (r >= 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		size_t k = (size_t)(c - OPT_KEY);
		if (c < OPT_KEY || k >= kl_cell_keys_count) {
			r = parse_run_option(c, a, argv, err);
			continue;
		}
		r = kl_cell_key_set(&kl_cell_keys[k], &a->cell, optarg, KL_KEY_FROM_OPTION, err);
		a->given[k] = a->cell_given = true;
	}
	return r;
}

static int parse_args(int argc, char **argv, struct run_args *a, struct kl_error **err)
{
	int r = parse_options(argc, argv, a, err);
	if (r < 0)
		kl_cell_spec_clear(&a->cell);
	return r;
}

/* One cell from the options: keys not given get their default (kdumplab run's, where it has
 * one), the id names the scenario and sizes (sysrq-1G-192M-2c). */
static int plan_from_options(struct run_args *a, struct kl_plan **ret, struct kl_error **err)
{
	struct kl_cell_spec *c = &a->cell;
	char id[160], mem[32], ck[32];
	int r;
	for (size_t k = 0; k < kl_cell_keys_count; k++) {
		const struct kl_cell_key *key = &kl_cell_keys[k];
		const char *d = key->option_dflt ? key->option_dflt : key->dflt;
		if (!a->given[k] && d &&
		    (r = kl_cell_key_set(key, c, d, KL_KEY_FROM_OPTION, err)) < 0)
			return r;
	}
	kl_size_format(c->memory, mem, sizeof(mem));
	kl_size_format(c->crashkernel, ck, sizeof(ck));
	snprintf(id, sizeof(id), "%s-%s-%s-%uc", c->scenario, mem, ck, c->vcpus);
	for (char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
			    *p))
			*p = '_';
	if (!(c->id = strdup(id)))
		return kl_error_set(err, ENOMEM, "plan");
	r = kl_cell_spec_check(c, err);
	if (r < 0)
		return r;
	struct kl_plan *p = kl_plan_new(NULL);
	if (!p)
		return kl_error_set(err, ENOMEM, "plan");
	r = kl_plan_add(p, c, err);
	if (r < 0) {
		kl_plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static int plan_from_args(int argc, char **argv, struct run_args *a, struct kl_plan **ret,
			  struct kl_error **err)
{
	if (optind < argc - 1)
		return kl_error_usage(err, 0,
				      "unexpected argument \"%s\"; expected at most one plan file",
				      argv[optind + 1]);
	if (optind < argc && a->cell_given)
		return kl_error_usage(
			err, 0,
			"a plan file \"%s\" and cell options (--memory, --kernel, ...) were both given; expected one or the other",
			argv[optind]);
	if (optind < argc)
		return kl_plan_parse_file(argv[optind], ret, err);
	return plan_from_options(a, ret, err);
}

/* The plan holds copies: the options' cell is freed here, whatever the outcome. */
static int build_plan(int argc, char **argv, struct run_args *a, struct kl_plan **ret,
		      struct kl_error **err)
{
	int r = plan_from_args(argc, argv, a, ret, err);
	kl_cell_spec_clear(&a->cell);
	return r;
}

/* Directories are handed to libvirt and libguestfs, which need absolute paths. */
static char *absolute(const char *p)
{
	char cwd[4096], *s;
	if (p[0] == '/')
		return strdup(p);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&s, "%s/%s", cwd, p) < 0)
		return NULL;
	return s;
}

int cmd_run(int argc, char **argv, struct kl_error **err)
{
	struct run_args a = { .retries = 1 };
	_cleanup_free_ char *cache = NULL, *state = NULL, *out = NULL;
	struct kl_plan *plan = NULL;
	struct kl_run_summary sum = { 0 };
	int r;

	r = parse_args(argc, argv, &a, err);
	if (r < 0)
		return r;
	r = build_plan(argc, argv, &a, &plan, err);
	if (r < 0)
		return r;
	if (a.cache)
		cache = absolute(a.cache);
	else
		r = kl_default_cache_dir(&cache, err);
	if (r >= 0 && a.state)
		state = absolute(a.state);
	else if (r >= 0)
		r = kl_default_state_dir(&state, err);
	if (r >= 0 && a.output)
		out = absolute(a.output);
	else if (r >= 0) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		_cleanup_free_ char *rel = NULL;
		if (asprintf(&rel, "kdumplab-out/%s", stamp) >= 0)
			out = absolute(rel);
	}
	if (r < 0 || !cache || !state || !out) {
		kl_plan_free(plan);
		return r < 0 ? r : kl_error_set(err, ENOMEM, "run");
	}
	install_signals();
	a.uris[a.n_uris] = NULL;
	bool verbose = !a.quiet;
	struct kl_run_options o = {
		.plan = plan,
		.out_dir = out,
		.cache_dir = cache,
		.state_dir = state,
		.uris = a.uris,
		.jobs = a.jobs,
		.rerun = a.rerun,
		.keep_disks = a.keep,
		.force_tcg = a.tcg,
		.deadline_scale = a.scale,
		.retries = a.retries,
		.interrupted = &interrupted,
		.notice = on_notice,
		.cell_phase = on_phase,
		.cell_done = on_done,
		.userdata = &verbose,
	};
	size_t n_cells = plan->n_cells;
	r = kl_run(&o, &sum, err);
	kl_plan_free(plan);
	if (r < 0)
		return r;
	printf("%u cells: %u pass, %u fail, %u error; %u not as expected%s — %s/results.json\n",
	       sum.cells, sum.pass, sum.fail, sum.error, sum.unexpected,
	       sum.resumed ? " (some from an earlier run)" : "", out);
	if (sum.interrupted)
		return 130;
	return sum.unexpected || sum.cells < n_cells ? 1 : 0;
}
