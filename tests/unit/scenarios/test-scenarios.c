/* SPDX-License-Identifier: MIT */
/* The catalogue, the guest triggers and catalogue.txt agree. */
#include "kl-check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "config.h"
#include "fake.h"
#include "guest-triggers.h"

START_TEST(test_every_crash_has_a_trigger)
{
	for (size_t i = 0; i < kl_scenarios_count; i++) {
		const struct kl_scenario *s = &kl_scenarios[i];
		const struct kl_guest_trigger *t = kl_guest_trigger_find(s->name);
		ck_assert_msg(t || s->needs_host_action, "%s: no guest trigger and no host action",
			      s->name);
		if (s->crashes && !s->needs_host_action)
			ck_assert_msg(t && t->trigger, "%s crashes but has no trigger", s->name);
		if (s->crashes)
			ck_assert_msg(s->expect[0], "%s crashes but expects nothing in the log",
				      s->name);
		ck_assert_ptr_nonnull(s->description);
	}
	for (unsigned i = 0; i < kl_guest_triggers_count; i++)
		ck_assert_msg(kl_scenario_find(kl_guest_triggers[i].name),
			      "trigger %s is not in the catalogue", kl_guest_triggers[i].name);
	ck_assert_ptr_nonnull(kl_scenario_find(KL_SCENARIO_DEFAULT));
	ck_assert_ptr_null(kl_scenario_find("nope"));
}
END_TEST

START_TEST(test_catalogue_txt_lists_everything)
{
	FILE *f = fopen(KL_SOURCE_ROOT "/scenarios/catalogue.txt", "r");
	char *text = NULL;
	size_t size = 0;
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(getdelim(&text, &size, '\0', f), 0);
	fclose(f);
	for (size_t i = 0; i < kl_scenarios_count; i++) {
		const struct kl_scenario *s = &kl_scenarios[i];
		char start[64];
		snprintf(start, sizeof(start), "\n%s ", s->name);
		const char *line = strstr(text, start);
		ck_assert_msg(line, "catalogue.txt has no line for %s", s->name);
		size_t len = strcspn(line + 1, "\n");
		for (const char *const *e = s->expect; *e; e++)
			ck_assert_msg(memmem(line, len + 1, *e, strlen(*e)),
				      "catalogue.txt: %s does not show '%s'", s->name, *e);
		if (s->trigger_text[0])
			ck_assert_msg(
				memmem(line, len + 1, s->trigger_text, strlen(s->trigger_text)),
				"catalogue.txt: %s does not show its trigger", s->name);
	}
	free(text);
}
END_TEST

START_TEST(test_sysrq_trigger_writes_c)
{
	ck_assert_int_eq(kl_guest_trigger_find("sysrq")->trigger(), 0);
	ck_assert_str_eq(fake_call("write_ctl", 0)->path, "/proc/sysrq-trigger");
	ck_assert_str_eq(fake_call("write_ctl", 0)->data, "c");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scenarios");
	const TTest *const tc_tests[] = { test_every_crash_has_a_trigger,
					  test_catalogue_txt_lists_everything,
					  test_sysrq_trigger_writes_c };
	kl_check_add(s, "catalogue", 0, fake_setup, fake_teardown, tc_tests, KL_CHECK_N(tc_tests));
	return kl_check_run(s);
}
