/* SPDX-License-Identifier: MIT */
/* The retry rule: only a first kernel that stalled before the loader spoke (fail/timeout(boot)),
 * and only when the plan did not expect exactly that, runs again. */
#include <check.h>
#include <stdlib.h>

#include "kl-check.h"
#include "run/scheduler.h"

static struct kl_cell_result *ended(const char *expect, const char *got)
{
	struct kl_cell_spec s = { .id = (char *)"c", .expect = (char *)expect };
	struct kl_cell_result *r = kl_cell_result_new(&s);
	struct kl_outcome o, want;
	ck_assert_int_eq(kl_outcome_parse(got, &o, NULL), 0);
	ck_assert_int_eq(kl_outcome_parse(expect, &want, NULL), 0);
	r->verdict = o.verdict;
	r->cause = o.cause;
	r->phase = o.cause == KL_CAUSE_TIMEOUT ? o.timeout_phase : KL_PHASE_LOAD;
	r->expected = kl_outcome_eq(&o, &want);
	return r;
}

static bool retryable(const char *expect, const char *got)
{
	struct kl_cell_result *r = ended(expect, got);
	bool again = kl_cell_retryable(r);
	kl_cell_result_free(r);
	return again;
}

START_TEST(only_an_unexpected_boot_timeout_runs_again)
{
	ck_assert(retryable("pass", "fail/timeout(boot)"));
	ck_assert(retryable("fail/no-reservation", "fail/timeout(boot)"));
	ck_assert(retryable("fail/timeout(load)", "fail/timeout(boot)"));
	/* The plan expects the stall: it is the answer, not noise. */
	ck_assert(!retryable("fail/timeout(boot)", "fail/timeout(boot)"));
	/* Timeouts of other phases say something about kdump. */
	static const char *const phases[] = { "load", "trigger", "capture", "save", "poweroff" };
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		char got[64];
		snprintf(got, sizeof(got), "fail/timeout(%s)", phases[i]);
		ck_assert_msg(!retryable("pass", got), "%s", got);
	}
	ck_assert(!retryable("pass", "error/timeout(pull)"));
	ck_assert(!retryable("pass", "error/timeout(boot)"));
	/* A lost connection is infra, never retried; nor is an interrupt or any other cause. */
	for (int c = KL_CAUSE_NONE + 1; c < KL_CAUSE_COUNT; c++) {
		char got[64];
		if (c == KL_CAUSE_TIMEOUT)
			continue;
		snprintf(got, sizeof(got), "fail/%s", kl_cause_name(c));
		ck_assert_msg(!retryable("pass", got), "%s", got);
		snprintf(got, sizeof(got), "error/%s", kl_cause_name(c));
		ck_assert_msg(!retryable("pass", got), "%s", got);
	}
	ck_assert(!retryable("pass", "pass"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("retry");
	TCase *t = tcase_create("retry");
	tcase_add_test(t, only_an_unexpected_boot_timeout_runs_again);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
