/* SPDX-License-Identifier: MIT */
/*
 * Fixed typed cell results for the journal round-trip (tests/unit/plan) and the report golden
 * files (tests/unit/report): a pass with a validation, an expected fail, and an unexpected
 * timeout(boot) that was run again, with text that needs escaping in JSON and XML.
 */
#pragma once

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "plan/result.h"

static inline char *fx_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static inline struct kl_cell_result *fx_result(const char *id, const char *expect)
{
	struct kl_cell_spec s = { .id = (char *)id,
				  .kernel = (char *)"debian:bookworm",
				  .memory = 1ULL << 30,
				  .vcpus = 2,
				  .crashkernel = 192ULL << 20,
				  .scenario = (char *)"sysrq",
				  .expect = (char *)expect };
	struct kl_cell_result *r = kl_cell_result_new(&s);
	ck_assert_ptr_nonnull(r);
	r->started = fx_dup("2026-01-02T03:04:05Z");
	r->release = fx_dup("6.1.0-41-cloud-amd64");
	r->attempts = 1;
	r->images_id = fx_dup("0123456789abcdef");
	r->lab_version = fx_dup("0.1.0");
	char dir[160];
	snprintf(dir, sizeof(dir), "cells/%s/", id);
	r->dir = fx_dup(dir);
	snprintf(dir, sizeof(dir), "cells/%s/console.log", id);
	r->console_log = fx_dup(dir);
	snprintf(dir, sizeof(dir), "cells/%s/system.log", id);
	r->system_log = fx_dup(dir);
	snprintf(dir, sizeof(dir), "cells/%s/capture.log", id);
	r->capture_log = fx_dup(dir);
	snprintf(dir, sizeof(dir), "cells/%s/facts.json", id);
	r->facts_json = fx_dup(dir);
	return r;
}

/* A pass: every phase timed, the dump pulled by its block map and validated. */
static inline struct kl_cell_result *fx_pass(void)
{
	struct kl_cell_result *r = fx_result("sysrq-1G-192M", "pass");
	r->verdict = KL_VERDICT_PASS;
	r->phase = KL_PHASE_VERDICT;
	r->expected = true;
	for (int p = 0; p < KL_PHASE_VERDICT; p++)
		r->seconds[p] = 0.25 * (p + 1);
	r->seconds[KL_PHASE_BOOT] = 2.5;
	r->total_seconds = 21.125;
	r->dump_bytes = 1073807360;
	r->dump_allocated = 94371840;
	r->pull_method = fx_dup("blocks");
	r->pull_extents = 37;
	r->pull_launch_seconds = 6.5;
	r->pull_transfer_seconds = 1.75;
	r->pull_launch_wait_seconds = 0.5;
	r->dump = fx_dup("cells/sysrq-1G-192M/vmcore");
	r->manifest = fx_dup("cells/sysrq-1G-192M/manifest");
	struct kl_result_validation *v = calloc(1, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	*v = (struct kl_result_validation){ .ok = true,
					    .passed = 2,
					    .warnings = 0,
					    .skipped = 1,
					    .file_size = 1073807360,
					    .loads = 5,
					    .cpus = 2,
					    .layout = fx_dup("proc-vmcore"),
					    .has_log_records = true,
					    .log_records = 812,
					    .osrelease = fx_dup("6.1.0-41-cloud-amd64"),
					    .crashtime = fx_dup("1767323045") };
	v->checks = calloc(3, sizeof(*v->checks));
	ck_assert_ptr_nonnull(v->checks);
	v->checks[0] =
		(struct kl_result_check){ fx_dup("elf.ident"), KL_SEVERITY_ERROR, KL_CHECK_PASSED,
					  fx_dup("ELFCLASS64, little endian") };
	v->checks[1] = (struct kl_result_check){ fx_dup("phdr.note-align"), KL_SEVERITY_WARNING,
						 KL_CHECK_PASSED, fx_dup("") };
	v->checks[2] = (struct kl_result_check){ fx_dup("manifest.hash"), KL_SEVERITY_ERROR,
						 KL_CHECK_SKIPPED,
						 fx_dup("no manifest \"given\" <here>") };
	v->n_checks = 3;
	r->validation = v;
	return r;
}

/* An expected fail: no reservation, decided by the loader's error line. */
static inline struct kl_cell_result *fx_no_reservation(void)
{
	struct kl_cell_result *r = fx_result("no-reservation", "fail/no-reservation");
	r->spec.crashkernel = 0;
	r->verdict = KL_VERDICT_FAIL;
	r->cause = KL_CAUSE_NO_RESERVATION;
	r->phase = KL_PHASE_LOAD;
	r->expected = true;
	r->detail = fx_dup("the first kernel has no crashkernel reservation (crash_size=0)");
	r->decisive[r->n_decisive++] =
		fx_dup("KDUMPLAB phase=error prog=loader step=reservation detail=crash_size=0");
	r->seconds[KL_PHASE_BOOT] = 2.0;
	r->seconds[KL_PHASE_LOAD] = 0.0625;
	r->total_seconds = 2.0625;
	return r;
}

/* Unexpected: timeout(boot) twice, the first attempt kept aside; text to escape. */
static inline struct kl_cell_result *fx_timeout(void)
{
	struct kl_cell_result *r = fx_result("stall", "pass");
	free(r->spec.capture_append);
	r->spec.capture_append = fx_dup("nr_cpus=1 irqpoll");
	free(r->release);
	r->release = NULL;
	r->kvm = true;
	r->verdict = KL_VERDICT_FAIL;
	r->cause = KL_CAUSE_TIMEOUT;
	r->phase = KL_PHASE_BOOT;
	r->detail = fx_dup("no progress in phase \"boot\" within 60 s");
	r->decisive[r->n_decisive++] = fx_dup("[    0.812] <tag> & \"quote\" \\ back\\xslash");
	r->decisive[r->n_decisive++] = fx_dup("caf\xc3\xa9 \\x1b[0m");
	r->seconds[KL_PHASE_BOOT] = 60.03125;
	r->total_seconds = 60.5;
	r->attempts = 2;
	struct kl_cell_result *a = fx_result("stall", "pass");
	a->verdict = KL_VERDICT_FAIL;
	a->cause = KL_CAUSE_TIMEOUT;
	a->phase = KL_PHASE_BOOT;
	a->detail = fx_dup("no progress in phase \"boot\" within 60 s");
	a->decisive[a->n_decisive++] = fx_dup("SeaBIOS (version 1.16.2-debian-1.16.2-1)");
	a->total_seconds = 61.25;
	ck_assert_int_eq(kl_cell_result_add_attempt(r, 1, a, "cells/stall.attempt-1"), 0);
	kl_cell_result_free(a);
	return r;
}
