/* SPDX-License-Identifier: MIT */
/* Scenario availability on a prepared kernel: a crash-module scenario is unavailable with the
 * builder's reason when the module could not be built, available when it was. */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fs.h"
#include "images.h"
#include "kl-check.h"
#include "run/availability.h"
#include "scenario.h"

START_TEST(crash_module_reason)
{
	char config[] = "/tmp/kdumplab-availability.XXXXXX";
	int fd = mkstemp(config);
	ck_assert_int_ge(fd, 0);
	static const char text[] = "CONFIG_MODULES=y\nCONFIG_SOFTLOCKUP_DETECTOR=y\n";
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	struct kl_images im = {
		.release = (char *)"6.1.0-57-cloud-amd64",
		.config = config,
		.crash_module_unavailable =
			(char *)"headers package linux-headers-6.1.0-57-cloud-amd64 not found in suite bookworm"
	};
	char *why = NULL;
	ck_assert_int_eq(kl_scenario_availability(kl_scenario_find("softlockup"), &im, &why, NULL),
			 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(
		why,
		"scenario softlockup needs the crash module, unavailable for kernel 6.1.0-57-cloud-amd64: headers package linux-headers-6.1.0-57-cloud-amd64 not found in suite bookworm");
	free(why);
	/* sysrq needs no module. */
	ck_assert_int_eq(kl_scenario_availability(kl_scenario_find("sysrq"), &im, &why, NULL), 0);
	ck_assert_ptr_null(why);
	/* Built: available. */
	im.crash_module = (char *)"/cache/crash-modules/x/kdumplab_crash.ko";
	im.crash_module_unavailable = NULL;
	ck_assert_int_eq(kl_scenario_availability(kl_scenario_find("softlockup"), &im, &why, NULL),
			 0);
	ck_assert_ptr_null(why);
	unlink(config);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("availability");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, crash_module_reason);
	suite_add_tcase(s, tc);
	return kl_check_run(s);
}
