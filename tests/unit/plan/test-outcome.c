/* SPDX-License-Identifier: MIT */
/* Verdicts, causes and phases: one name table each; expect parsed into an outcome and compared
 * as enums. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kl-check.h"
#include "plan/outcome.h"
#include "plan/plan.h"
#include "plan/result.h"

/* README.md's list ("Verdicts"), in its order. */
static const char *const readme_causes[] = {
	"no-reservation", "load-failed",     "loader-failed", "trigger-failed",
	"no-system-boot", "no-capture-boot", "capture-oom",   "capture-panic",
	"saver-failed",	  "dump-incomplete", "dump-invalid",  "wrong-crash",
	"timeout",	  "infra",	     "interrupted",   "unavailable",
};

START_TEST(causes_are_the_readme_list)
{
	ck_assert_int_eq(KL_CAUSE_COUNT - 1, sizeof(readme_causes) / sizeof(readme_causes[0]));
	ck_assert_ptr_null(kl_cause_name(KL_CAUSE_NONE));
	for (int c = KL_CAUSE_NONE + 1; c < KL_CAUSE_COUNT; c++)
		ck_assert_str_eq(kl_cause_name(c), readme_causes[c - 1]);
	ck_assert_ptr_null(kl_cause_name(KL_CAUSE_COUNT));
	ck_assert_str_eq(kl_causes_help(),
			 "no-reservation, load-failed, loader-failed, trigger-failed, "
			 "no-system-boot, no-capture-boot, capture-oom, capture-panic, "
			 "saver-failed, dump-incomplete, dump-invalid, wrong-crash, "
			 "timeout(<phase>), infra, interrupted, unavailable");
}
END_TEST

START_TEST(names_round_trip)
{
	for (int p = 0; p < KL_PHASE_COUNT; p++) {
		enum kl_phase back;
		ck_assert_int_eq(kl_phase_from_name(kl_phase_name(p), &back), 0);
		ck_assert_int_eq(back, p);
	}
	ck_assert_str_eq(kl_phase_name(KL_PHASE_COUNT), "?");
	enum kl_phase ph;
	ck_assert_int_eq(kl_phase_from_name("nap", &ph), -EINVAL);
	ck_assert_int_eq(kl_phase_from_name(NULL, &ph), -EINVAL);
	for (int v = 0; v < KL_VERDICT_COUNT; v++) {
		enum kl_verdict back;
		ck_assert_int_eq(kl_verdict_from_name(kl_verdict_name(v), &back), 0);
		ck_assert_int_eq(back, v);
	}
	ck_assert_str_eq(kl_verdict_name(KL_VERDICT_ERROR), "error");
}
END_TEST

static struct kl_outcome parse_ok(const char *s)
{
	struct kl_outcome o;
	struct kl_error *e = NULL;
	ck_assert_msg(kl_outcome_parse(s, &o, &e) == 0, "%s: %s", s, e ? e->msg : "");
	char back[96];
	kl_outcome_format(&o, back, sizeof(back));
	ck_assert_str_eq(back, s);
	return o;
}

START_TEST(expect_parses_into_an_outcome)
{
	struct kl_outcome o = parse_ok("pass");
	ck_assert_int_eq(o.verdict, KL_VERDICT_PASS);
	ck_assert_int_eq(o.cause, KL_CAUSE_NONE);
	o = parse_ok("fail/no-reservation");
	ck_assert_int_eq(o.verdict, KL_VERDICT_FAIL);
	ck_assert_int_eq(o.cause, KL_CAUSE_NO_RESERVATION);
	o = parse_ok("error/loader-failed");
	ck_assert_int_eq(o.verdict, KL_VERDICT_ERROR);
	ck_assert_int_eq(o.cause, KL_CAUSE_LOADER_FAILED);
	o = parse_ok("fail/timeout(boot)");
	ck_assert_int_eq(o.cause, KL_CAUSE_TIMEOUT);
	ck_assert_int_eq(o.timeout_phase, KL_PHASE_BOOT);
	o = parse_ok("error/timeout(pull)");
	ck_assert_int_eq(o.timeout_phase, KL_PHASE_PULL);
	for (int c = KL_CAUSE_NONE + 1; c < KL_CAUSE_COUNT; c++) {
		char s[64];
		if (c == KL_CAUSE_TIMEOUT)
			continue;
		snprintf(s, sizeof(s), "fail/%s", kl_cause_name(c));
		ck_assert_int_eq(parse_ok(s).cause, c);
	}
}
END_TEST

START_TEST(expect_rejects_what_is_not_an_outcome)
{
	static const char *const bad[][2] = {
		{ "maybe", "expected \"pass\"" },
		{ "pass/no-reservation", "expected \"pass\"" },
		{ "fail/", "unknown cause \"\"" },
		{ "fail/no-dump", "unknown cause \"no-dump\"; expected one of no-reservation" },
		{ "fail/timeout", "unknown cause \"timeout\"" },
		{ "fail/timeout()", "unknown cause" },
		{ "fail/timeout(nap)", "unknown cause \"timeout(nap)\"" },
		{ "fail/timeout(boot", "unknown cause" },
		{ "fail/timeout(boot)x", "unknown cause" },
		{ "FAIL/no-reservation", "expected \"pass\"" },
		{ "fail/no-reservation ", "unknown cause" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kl_outcome o;
		struct kl_error *e = NULL;
		ck_assert_int_eq(kl_outcome_parse(bad[i][0], &o, &e), -EINVAL);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->exit_code, 2);
		ck_assert_msg(strstr(e->msg, bad[i][1]), "%s: %s", bad[i][0], e->msg);
		kl_error_free(e);
	}
}
END_TEST

/* Compared as enums: the same cause with another verdict, or another timeout phase, differs. */
START_TEST(outcomes_compare_as_enums)
{
	struct kl_outcome a = parse_ok("fail/timeout(boot)"), b = parse_ok("fail/timeout(boot)");
	ck_assert(kl_outcome_eq(&a, &b));
	b = parse_ok("fail/timeout(load)");
	ck_assert(!kl_outcome_eq(&a, &b));
	b = parse_ok("error/timeout(boot)");
	ck_assert(!kl_outcome_eq(&a, &b));
	a = parse_ok("fail/infra");
	b = parse_ok("error/infra");
	ck_assert(!kl_outcome_eq(&a, &b));
	a = parse_ok("pass");
	b = (struct kl_outcome){ KL_VERDICT_PASS, KL_CAUSE_NONE, KL_PHASE_SAVE };
	ck_assert(kl_outcome_eq(&a, &b)); /* a pass has no phase to compare */
	/* A result's outcome: its phase is the timeout's. */
	struct kl_cell_spec s = { .id = (char *)"c", .expect = (char *)"fail/timeout(save)" };
	struct kl_cell_result *r = kl_cell_result_new(&s);
	r->verdict = KL_VERDICT_FAIL;
	r->cause = KL_CAUSE_TIMEOUT;
	r->phase = KL_PHASE_SAVE;
	struct kl_outcome got = kl_cell_result_outcome(r), want = parse_ok(r->spec.expect);
	ck_assert(kl_outcome_eq(&got, &want));
	kl_cell_result_free(r);
}
END_TEST

/* The plan takes only expects that parse (the message lists the causes). */
START_TEST(plan_checks_expect)
{
	struct kl_plan *p = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_plan_parse_string("[cell a]\nmemory = 1G\nexpect = fail/no-dump\n",
					      "t.plan", &p, &e),
			 -EINVAL);
	ck_assert_msg(strstr(e->msg, "expect \"fail/no-dump\"") &&
			      strstr(e->msg, "timeout(<phase>)"),
		      "%s", e->msg);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(
		kl_plan_parse_string("[cell a]\nmemory = 1G\nexpect = error/timeout(validate)\n",
				     "t.plan", &p, &e),
		0);
	kl_plan_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outcome");
	TCase *t = tcase_create("outcome");
	tcase_add_test(t, causes_are_the_readme_list);
	tcase_add_test(t, names_round_trip);
	tcase_add_test(t, expect_parses_into_an_outcome);
	tcase_add_test(t, expect_rejects_what_is_not_an_outcome);
	tcase_add_test(t, outcomes_compare_as_enums);
	tcase_add_test(t, plan_checks_expect);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
