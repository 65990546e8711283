/* SPDX-License-Identifier: MIT */
/* The scenario table, the variant grammar and the guest triggers (on the fake root). */
#include "kl-check.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "scenario.h"
#include "variant.h"

START_TEST(test_every_scenario_is_complete)
{
	for (size_t i = 0; i < kl_scenarios_count; i++) {
		const struct kl_scenario *s = kl_scenarios[i];
		ck_assert_ptr_nonnull(s->name);
		ck_assert_msg(s->description && s->description[0], "%s: no description", s->name);
		ck_assert_ptr_eq(kl_scenario_find(s->name), s);
		if (!kl_scenario_crashes(s)) {
			ck_assert_msg(!s->trigger && s->host_action == KL_HOST_ACTION_NONE,
				      "%s does not crash but acts", s->name);
			continue;
		}
		ck_assert_msg(s->trigger || s->host_action != KL_HOST_ACTION_NONE,
			      "%s crashes but has no guest trigger and no host action", s->name);
		/* The user's module brings its own signature (--expect-panic). */
		if (strcmp(s->name, "module") != 0)
			ck_assert_msg(s->expect && s->expect[0], "%s expects nothing in the log",
				      s->name);
		for (const char *const *e = s->expect; e && *e; e++)
			ck_assert_msg((*e)[0], "%s: an empty expected message", s->name);
		if (s->context == KL_CONTEXT_OTHER)
			ck_assert_msg(s->proof && s->proof[0],
				      "%s: panics outside the trigger but says no proof", s->name);
		for (const char *const *c = s->sysctls; c && *c; c++)
			ck_assert_msg(strchr(*c, '=') && strchr(*c, '.'), "%s: sysctl '%s'",
				      s->name, *c);
		for (const char *const *c = s->kconfig; c && *c; c++)
			ck_assert_msg(strncmp(*c, "CONFIG_", 7) == 0, "%s: kconfig '%s'", s->name,
				      *c);
		ck_assert_msg(!s->probe_text == !s->probe, "%s: a probe without its text", s->name);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(kl_scenarios[j]->name, s->name);
	}
	ck_assert_ptr_nonnull(kl_scenario_find(KL_SCENARIO_DEFAULT));
	ck_assert_ptr_null(kl_scenario_find("nope"));
}
END_TEST

static void parse_fails(const char *text, unsigned vcpus, const char *needle)
{
	char why[1024] = "";
	ck_assert_int_eq(kl_scenario_parse(text, vcpus, NULL, NULL, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, needle), "\"%s\": \"%s\" does not say \"%s\"", text, why, needle);
}

START_TEST(test_scenario_parse)
{
	const struct kl_scenario *s = NULL;
	struct kl_variant v;
	char why[1024];
	ck_assert_int_eq(kl_scenario_parse("sysrq:cpu=1", 2, &s, &v, why, sizeof(why)), 0);
	ck_assert_str_eq(s->name, "sysrq");
	ck_assert_str_eq(kl_variant_get(&v, "cpu"), "1");
	ck_assert_int_eq(kl_scenario_parse("sysrq:cpu=each", 4, &s, &v, why, sizeof(why)), 0);
	ck_assert_int_eq(kl_scenario_parse("nmi", 1, &s, NULL, why, sizeof(why)), 0);
	/* An unknown name gets the list of known ones. */
	parse_fails("bogus", 2, "unknown scenario \"bogus\"; expected one of sysrq, none, nmi");
	parse_fails("sysrq:cpu=2", 2, "cpu=2; expected a CPU from 0 to 1, or each");
	parse_fails("sysrq:cpu=-1", 2, "expected a CPU from 0 to 1");
	parse_fails("sysrq:cpu=", 2, "expected a CPU");
	parse_fails("sysrq:pid=1", 2, "sysrq has no parameter \"pid\"; expected one of: cpu");
	parse_fails("nmi:cpu=1", 2, "nmi has no parameter \"cpu\"; expected one of: none");
	parse_fails("sysrq@debian:trixie", 2, "a scenario has no source");
	parse_fails("sysrq:cpu=1:cpu=0", 2, "parameter cpu is given twice");
}
END_TEST

static void variant_fails(const char *text, const char *needle)
{
	struct kl_variant v;
	char why[512] = "";
	ck_assert_int_eq(kl_variant_parse(text, &v, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, needle), "\"%s\": \"%s\" does not say \"%s\"", text, why, needle);
}

START_TEST(test_variant_grammar)
{
	struct kl_variant v;
	char why[512], back[KL_VARIANT_TEXT_MAX];
	ck_assert_int_eq(
		kl_variant_parse("makedumpfile:opts=-l -d 31@debian:trixie", &v, why, sizeof(why)),
		0);
	ck_assert_str_eq(v.name, "makedumpfile");
	ck_assert_uint_eq(v.n_params, 1);
	ck_assert_str_eq(kl_variant_get(&v, "opts"), "-l -d 31");
	ck_assert_str_eq(v.source, "debian:trixie");
	ck_assert_int_eq(kl_variant_format(&v, back, sizeof(back)), 0);
	ck_assert_str_eq(back, "makedumpfile:opts=-l -d 31@debian:trixie");
	ck_assert_int_eq(kl_variant_parse("module:args=a=1 b=2", &v, why, sizeof(why)), 0);
	ck_assert_str_eq(kl_variant_get(&v, "args"), "a=1 b=2");
	ck_assert_int_eq(kl_variant_parse("x:k=", &v, why, sizeof(why)), 0);
	ck_assert_str_eq(kl_variant_get(&v, "k"), "");
	ck_assert_int_eq(kl_variant_format(&v, back, 3), -ENOSPC);

	/* Hostile and malformed text: each refused with what was expected. */
	variant_fails("", "an empty name");
	variant_fails("Sysrq", "expected a-z");
	variant_fails("1sysrq", "expected a-z");
	variant_fails("sys rq", "the name has ' '");
	variant_fails("sysrq:", "has no '='");
	variant_fails("sysrq:cpu", "has no '='");
	variant_fails("sysrq:=1", "a parameter name is 0 bytes");
	variant_fails("sysrq:CPU=1", "expected a-z 0-9 _");
	variant_fails("sysrq:cpu=1,2", "without ':' '@' ','");
	variant_fails("sysrq:cpu=\x01", "byte 0x01");
	variant_fails("sysrq@", "the source after '@' is 0 bytes");
	variant_fails("sysrq@a,b", "without ','");
	variant_fails("a:b=1:c=1:d=1:e=1:f=1:g=1:h=1:i=1:j=1", "more than 8 parameters");
	char big[KL_VARIANT_TEXT_MAX + 8];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	variant_fails(big, "expected at most 511");
	char longval[200] = "x:k=";
	memset(longval + 4, 'v', 150);
	longval[154] = '\0';
	variant_fails(longval, "the value of k is 150 bytes; expected at most 127");
}
END_TEST

START_TEST(test_expand_each)
{
	char buf[64];
	ck_assert_int_eq(kl_scenario_expand_each("sysrq:cpu=each", "cpu", 3, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "sysrq:cpu=3");
	ck_assert_int_eq(kl_scenario_expand_each("sysrq:cpu=1", "cpu", 3, buf, sizeof(buf)), 0);
	ck_assert_int_eq(kl_scenario_expand_each("sysrq", "cpu", 3, buf, sizeof(buf)), 0);
	ck_assert_int_lt(kl_scenario_expand_each("sysrq:cpu=each", "cpu", 3, buf, 5), 0);
}
END_TEST

static int trigger(const char *name, const char *text)
{
	struct kl_variant v;
	char why[256];
	ck_assert_int_eq(kl_variant_parse(text, &v, why, sizeof(why)), 0);
	struct kl_trigger t = { .variant = &v, .cpu = 1, .cpus_online = 2 };
	return kl_scenario_find(name)->trigger(&t);
}

START_TEST(test_sysrq_trigger_writes_c)
{
	ck_assert_int_eq(trigger("sysrq", "sysrq"), 0);
	ck_assert_str_eq(fake_call("write_ctl", 0)->path, "/proc/sysrq-trigger");
	ck_assert_str_eq(fake_call("write_ctl", 0)->data, "c");
}
END_TEST

/* The host injects the NMI; the guest only waits (a bounded while) and then says so. */
START_TEST(test_nmi_trigger_waits_for_the_host)
{
	ck_assert_int_eq(trigger("nmi", "nmi"), 0);
	ck_assert_uint_eq(fake_count_calls("write_ctl"), 0);
	ck_assert_int_eq(kl_scenario_find("nmi")->host_action, KL_HOST_ACTION_INJECT_NMI);
}
END_TEST

/* Without softdog's device node the trigger gives up (after bounded retries) with ENOENT. */
START_TEST(test_watchdog_trigger_without_device)
{
	ck_assert_int_eq(trigger("watchdog", "watchdog"), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scenarios");
	const TTest *const tc_tests[] = { test_every_scenario_is_complete,
					  test_scenario_parse,
					  test_variant_grammar,
					  test_expand_each,
					  test_sysrq_trigger_writes_c,
					  test_nmi_trigger_waits_for_the_host,
					  test_watchdog_trigger_without_device };
	kl_check_add(s, "scenarios", 0, fake_setup, fake_teardown, tc_tests, KL_CHECK_N(tc_tests));
	return kl_check_run(s);
}
