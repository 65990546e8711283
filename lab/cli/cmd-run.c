/* SPDX-License-Identifier: MIT */
/* kdumplab run: one cell from options, or the cells of a plan file. */
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "base/size.h"
#include "cli.h"
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

enum {
	OPT_KERNEL = 256,
	OPT_MEMORY,
	OPT_VCPUS,
	OPT_CRASH,
	OPT_SCENARIO,
	OPT_EXPECT,
	OPT_CAPTURE_APPEND,
	OPT_CONNECT,
	OPT_OUTPUT,
	OPT_CACHE,
	OPT_STATE,
	OPT_JOBS,
	OPT_RERUN,
	OPT_KEEP,
	OPT_TCG,
	OPT_SCALE,
	OPT_RETRIES,
	OPT_QUIET
};

static const struct option options[] = { { "kernel", required_argument, NULL, OPT_KERNEL },
					 { "memory", required_argument, NULL, OPT_MEMORY },
					 { "vcpus", required_argument, NULL, OPT_VCPUS },
					 { "crashkernel", required_argument, NULL, OPT_CRASH },
					 { "scenario", required_argument, NULL, OPT_SCENARIO },
					 { "expect", required_argument, NULL, OPT_EXPECT },
					 { "capture-append", required_argument, NULL,
					   OPT_CAPTURE_APPEND },
					 { "connect", required_argument, NULL, OPT_CONNECT },
					 { "output", required_argument, NULL, OPT_OUTPUT },
					 { "cache", required_argument, NULL, OPT_CACHE },
					 { "state", required_argument, NULL, OPT_STATE },
					 { "jobs", required_argument, NULL, OPT_JOBS },
					 { "rerun", no_argument, NULL, OPT_RERUN },
					 { "keep-disks", no_argument, NULL, OPT_KEEP },
					 { "tcg", no_argument, NULL, OPT_TCG },
					 { "timeout-scale", required_argument, NULL, OPT_SCALE },
					 { "retries", required_argument, NULL, OPT_RETRIES },
					 { "quiet", no_argument, NULL, OPT_QUIET },
					 { "help", no_argument, NULL, 'h' },
					 {} };

struct run_args {
	struct kl_cell_spec cell;
	bool cell_given, memory_given;
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

static int parse_args(int argc, char **argv, struct run_args *a, struct kl_error **err)
{
	int c, r = 0;
	optind = 1;
	opterr = 0; /* we report unknown options ourselves, once */
	while (r >= 0 && (c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
			a->cell.kernel = optarg, a->cell_given = true;
			break;
		case OPT_MEMORY:
			r = kl_size_parse(optarg, "--memory", &a->cell.memory, err);
			a->cell_given = a->memory_given = true;
			break;
		case OPT_VCPUS:
			r = parse_uint("--vcpus", optarg, 64, &a->cell.vcpus, err);
			a->cell_given = true;
			break;
		case OPT_CRASH:
			r = kl_size_parse(optarg, "--crashkernel", &a->cell.crashkernel, err);
			a->cell_given = true;
			break;
		case OPT_SCENARIO:
			a->cell.scenario = optarg, a->cell_given = true;
			break;
		case OPT_EXPECT:
			a->cell.expect = optarg, a->cell_given = true;
			break;
		case OPT_CAPTURE_APPEND:
			a->cell.capture_append = optarg, a->cell_given = true;
			break;
		case OPT_CONNECT:
			if (a->n_uris >= 16)
				return kl_error_usage(err, 0, "--connect given more than 16 times");
			a->uris[a->n_uris++] = optarg;
			break;
		case OPT_OUTPUT:
			a->output = optarg;
			break;
		case OPT_CACHE:
			a->cache = optarg;
			break;
		case OPT_STATE:
			a->state = optarg;
			break;
		case OPT_JOBS:
			r = parse_uint("--jobs", optarg, 16, &a->jobs, err);
			break;
		case OPT_RERUN:
			a->rerun = true;
			break;
		case OPT_KEEP:
			a->keep = true;
			break;
		case OPT_TCG:
			a->tcg = true;
			break;
		case OPT_QUIET:
			a->quiet = true;
			break;
		case OPT_RETRIES: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v > 5)
				return kl_error_usage(
					err, 0, "--retries \"%s\": expected a number from 0 to 5",
					optarg);
			a->retries = (unsigned)v;
			break;
		}
		case OPT_SCALE: {
			char *end;
			a->scale = strtod(optarg, &end);
			if (*end || a->scale <= 0 || a->scale > 100)
				return kl_error_usage(
					err, 0,
					"--timeout-scale \"%s\": expected a number in (0, 100]",
					optarg);
			break;
		}
		case 'h':
			printf("kdumplab run [PLAN] [--kernel SPEC] [--memory SIZE] [--vcpus N] [--crashkernel SIZE]\n"
			       "             [--scenario NAME] [--expect pass|fail/CAUSE] [--capture-append ARGS]\n"
			       "             [--connect URI]... [--output DIR]\n"
			       "             [--cache DIR] [--state DIR] [--jobs N] [--rerun] [--keep-disks] [--tcg]\n"
			       "             [--timeout-scale F] [--retries N] [--quiet]\n");
			exit(0);
		default:
			return kl_error_usage(err, 0,
					      "unknown option \"%s\" (see kdumplab run --help)",
					      argv[optind - 1]);
		}
	}
	return r;
}

static int build_plan(int argc, char **argv, struct run_args *a, struct kl_plan **ret,
		      struct kl_error **err)
{
	if (optind < argc - 1)
		return kl_error_usage(err, 0,
				      "unexpected argument \"%s\"; expected at most one plan file",
				      argv[optind + 1]);
	if (optind == argc - 1) {
		if (a->cell_given)
			return kl_error_usage(
				err, 0,
				"a plan file \"%s\" and cell options (--memory, --kernel, ...) were both given; expected one or the other",
				argv[optind]);
		return kl_plan_parse_file(argv[optind], ret, err);
	}
	struct kl_cell_spec *c = &a->cell;
	char id[160], mem[32], ck[32];
	if (!a->memory_given)
		c->memory = 1ULL << 30;
	if (!c->vcpus)
		c->vcpus = 2;
	if (!c->scenario)
		c->scenario = KL_DEFAULT_SCENARIO;
	kl_size_format(c->memory, mem, sizeof(mem));
	kl_size_format(c->crashkernel, ck, sizeof(ck));
	snprintf(id, sizeof(id), "%s-%s-%s-%uc", c->scenario, mem, ck, c->vcpus);
	for (char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
			    *p))
			*p = '_';
	c->id = id;
	int r = kl_cell_spec_check(c, err);
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
	struct run_args a = { .cell = { .crashkernel = 192ULL << 20 }, .retries = 1 };
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
