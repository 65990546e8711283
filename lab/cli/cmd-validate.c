/* SPDX-License-Identifier: MIT */
/* kdumplab validate: check a dump file on its own, with the same checks a run uses. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <regex.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "guest/facts.h"
#include "guest/manifest.h"
#include "scenario.h"
#include "vmcore/deep.h"
#include "vmcore/format.h"
#include "vmcore/mem.h"
#include "vmcore/printk.h"
#include "vmcore/vmcore.h"

#define USAGE                                                                                                                                       \
	"kdumplab validate DUMP [--facts FILE] [--manifest FILE] [--cpus N] [--expect-panic REGEX] [--vmlinux FILE] [--json] [--timeout SECONDS]\n" \
	"kdumplab validate DUMP --dmesg\n"                                                                                                          \
	"exit 0: valid; 1: invalid (failed checks listed); 2: usage or I/O error, or the\n"                                                         \
	"timeout passed; 130: interrupted (SIGINT/SIGTERM)\n"

struct options {
	const char *facts, *manifest, *expect_panic, *vmlinux, *dump;
	int cpus;
	double timeout; /* s; 0: none */
	bool json, dmesg;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static int parse_args(int argc, char **argv, struct options *o, struct kl_error **err)
{
	static const struct option options[] = {
		{ "facts", required_argument, NULL, 'f' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "expect-panic", required_argument, NULL, 'e' },
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "dmesg", no_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 1;
	opterr = 0; /* we report unknown options ourselves, once */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->facts = optarg;
			break;
		case 'm':
			o->manifest = optarg;
			break;
		case 'c': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 4096)
				return kl_error_usage(
					err, 0, "--cpus \"%s\": expected a number from 1 to 4096",
					optarg);
			o->cpus = (int)v;
			break;
		}
		case 'e': {
			regex_t re;
			int k = regcomp(&re, optarg, REG_EXTENDED | REG_NOSUB);
			if (k != 0) {
				char msg[256];
				regerror(k, &re, msg, sizeof(msg));
				return kl_error_usage(
					err, 0,
					"--expect-panic \"%s\": not a POSIX extended regex: %s",
					optarg, msg);
			}
			regfree(&re);
			o->expect_panic = optarg;
			break;
		}
		case 'k':
			o->vmlinux = optarg;
			break;
		case 't': {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(v > 0 && v <= 86400 * 7))
				return kl_error_usage(
					err, 0,
					"--timeout \"%s\": expected seconds, more than 0 and at most a week",
					optarg);
			o->timeout = v;
			break;
		}
		case 'j':
			o->json = true;
			break;
		case 'd':
			o->dmesg = true;
			break;
		case 'h':
			printf(USAGE);
			return 1;
		default:
			return kl_error_usage(
				err, 0, "unknown option \"%s\" (see kdumplab validate --help)",
				argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return kl_error_usage(err, 0, "expected exactly one DUMP file argument");
	o->dump = argv[optind];
	if (o->dmesg && (o->json || o->facts || o->manifest || o->expect_panic || o->vmlinux))
		return kl_error_usage(err, 0,
				      "--dmesg prints the log only; it takes no other option");
	return 0;
}

/* Print the kernel log as makedumpfile --dump-dmesg does. Invalid ring: 1; I/O: 2. */
static int dump_dmesg(const char *path, struct kl_error **err)
{
	_cleanup_(kl_mem_freep) struct kl_mem *m = NULL;
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = NULL;
	_cleanup_(kl_printk_log_freep) struct kl_printk_log *log = NULL;
	int r = kl_mem_open(path, &m, &vi, NULL, err);
	if (r == 0)
		r = kl_printk_extract(m, vi, &log, err);
	if (r < 0) {
		bool io = r != -EBADMSG && r != -ENOENT && r != -EOPNOTSUPP && r != -EFAULT &&
			  r != -EPROTONOSUPPORT;
		(*err)->exit_code = io ? 2 : 1;
		return r; /* its message may quote dump bytes: cli_note() prints it as safe text */
	}
	for (size_t i = 0; i < log->n_records; i++) {
		_cleanup_free_ char *line = kl_printk_format(&log->records[i]);
		if (!line)
			return kl_error_set(err, ENOMEM, "formatting the kernel log");
		fputs(line, stdout);
	}
	if (fflush(stdout) != 0)
		return kl_error_set(err, errno, "writing the kernel log");
	return 0;
}

static void print_text(const struct kl_validation *v)
{
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *cr = &v->results[i];
		printf("%-8s %-28s %s\n", kl_check_status_name(cr->status), cr->id,
		       cr->message ? cr->message : "");
	}
	const struct kl_check_result *wc = kl_validation_wrong_crash(v);
	printf("%s: %u passed, %u failed, %u warnings, %u skipped\n",
	       kl_validation_ok(v) ? "valid"
	       : wc		   ? "INVALID (wrong-crash)"
				   : "INVALID",
	       v->n_passed, v->n_failed, v->n_warnings, v->n_skipped);
}

/* The function the facts' scenario expects in the panicking task's backtrace, or NULL. */
static const char *expected_backtrace(const struct kl_facts *facts)
{
	const struct kl_scenario *s = facts && facts->loader.trigger_scenario
					      ? kl_scenario_find(facts->loader.trigger_scenario)
					      : NULL;
	return s ? s->backtrace : NULL;
}

/* Whether crash's bt names fn as a frame: "#3 [addr] fn at addr", or a compiler's clone of it
 * ("fn.cold", "fn.isra.0", "fn.constprop.0"). */
static bool bt_has(const struct kl_deep_result *d, const char *fn)
{
	size_t n = strlen(fn);
	for (const char *p = d->bt; p && (p = strstr(p, fn)); p += n)
		if (p > d->bt && p[-1] == ' ' && (startswith(p + n, " at ") || p[n] == '.'))
			return true;
	return false;
}

static void print_deep(const struct kl_deep_result *d, const char *want_bt)
{
	printf("%-8s %-28s crash(8) ran %.1f s%s\n", d->ok ? "passed" : "failed", "deep.crash",
	       d->seconds, d->timed_out ? " and was killed at its deadline" : "");
	if (d->panic)
		printf("  PANIC: %s\n", d->panic);
	if (d->bt)
		printf("  %s\n", d->bt);
	if (d->error)
		printf("  %s\n", d->error);
	if (want_bt && d->ok)
		printf("%-8s %-28s %s in the panicking task's backtrace\n",
		       bt_has(d, want_bt) ? "passed" : "failed", "deep.backtrace", want_bt);
}

int cmd_validate(int argc, char **argv, struct kl_error **err)
{
	struct options o = { 0 };
	int r = parse_args(argc, argv, &o, err);
	if (r != 0)
		return r > 0 ? 0 : r;
	if (o.dmesg)
		return dump_dmesg(o.dump, err);

	_cleanup_(kl_facts_freep) struct kl_facts *facts = NULL;
	_cleanup_(kl_manifest_freep) struct kl_manifest *m = NULL;
	_cleanup_(kl_validation_freep) struct kl_validation *v = NULL;
	if (o.facts && (r = kl_facts_read_json(o.facts, &facts, err)) < 0) {
		(*err)->exit_code = 2;
		return r;
	}
	if (o.manifest && (r = kl_manifest_read(o.manifest, &m, err)) < 0) {
		(*err)->exit_code = 2;
		return r;
	}
	if (o.vmlinux && access(o.vmlinux, R_OK) < 0)
		return kl_error_usage(err, errno, "--vmlinux \"%s\"", o.vmlinux);
	/* The validation stops at --timeout and on SIGINT/SIGTERM, with the step it was in. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct kl_validate_input in = {
		.facts = facts,
		.expected_cpus = o.cpus,
		.manifest = m,
		.expect_panic = o.expect_panic,
		.deadline = o.timeout > 0 ? (double)now.tv_sec + now.tv_nsec / 1e9 + o.timeout : 0,
		.interrupted = &interrupted,
	};
	/* Any format: raw ELF, makedumpfile -E, kdump-compressed, flattened (format.h). */
	r = kl_vmcore_validate_any(o.dump, &in, &v, err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r < 0) {
		(*err)->exit_code = r == -EINTR ? 130 : 2;
		return r; /* its message may quote dump bytes: cli_note() prints it as safe text */
	}
	/* The deep check: crash(8) with the debug vmlinux opens the dump (lab/vmcore/deep.h),
	 * and the panicking task's backtrace has the scenario's function. */
	const char *want_bt = expected_backtrace(facts);
	_cleanup_(kl_deep_result_freep) struct kl_deep_result *deep = NULL;
	if (o.vmlinux && (r = kl_deep_check(o.dump, o.vmlinux, &deep, err)) < 0) {
		(*err)->exit_code = 2;
		return r;
	}
	if (o.json) {
		struct json_object *j = kl_validation_to_json(v);
		if (!j)
			return kl_error_set(err, ENOMEM, "formatting the validation as JSON");
		struct json_object *dj = deep ? kl_deep_result_to_json(deep) : NULL;
		if (dj && want_bt) {
			json_object_object_add(dj, "backtrace_expected",
					       json_object_new_string(want_bt));
			json_object_object_add(dj, "backtrace_found",
					       json_object_new_boolean(bt_has(deep, want_bt)));
		}
		if (deep && json_object_object_add(j, "deep", dj) < 0) {
			json_object_put(j);
			return kl_error_set(err, ENOMEM, "formatting the validation as JSON");
		}
		printf("%s\n",
		       json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		print_text(v);
		if (deep)
			print_deep(deep, want_bt);
	}
	return kl_validation_ok(v) && (!deep || (deep->ok && (!want_bt || bt_has(deep, want_bt))))
		       ? 0
		       : 1;
}
