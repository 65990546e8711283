/* SPDX-License-Identifier: MIT */
/* The first kernel's command line of a cell (lab/run/cell.c kl_cell_cmdline). */
#include <stdlib.h>
#include <string.h>

#include "kl-check.h"
#include "run/cell.h"

/* The first kernel's command line is part of the protocol with the loader: pin it. */
START_TEST(cell_cmdline_golden)
{
	struct kl_cell_spec c = { .id = (char *)"a",
				  .kernel = (char *)"debian:bookworm",
				  .memory = 1ULL << 30,
				  .vcpus = 2,
				  .crashkernel = 192ULL << 20,
				  .scenario = (char *)"sysrq",
				  .expect = (char *)"pass" };
	char *s = NULL;
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_str_eq(s, "console=ttyS0,115200 panic=-1 printk.devkmsg=on crashkernel=192M "
			    "kdumplab.scenario=sysrq kdumplab.disk=kdumplab-dump");
	free(s);
	c.crashkernel = 0; /* no reservation: no crashkernel= at all */
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_ptr_null(strstr(s, "crashkernel"));
	free(s);
	/* capture_append travels encoded (one token) for the loader to add, decoded, at the end */
	c.capture_append = (char *)"rdinit=/no such nr_cpus=1 100%";
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_str_eq(s,
			 "console=ttyS0,115200 panic=-1 printk.devkmsg=on kdumplab.scenario=sysrq "
			 "kdumplab.disk=kdumplab-dump "
			 "kdumplab.capture_append=rdinit=/no%20such%20nr_cpus=1%20100%25");
	free(s);
	/* A scenario's parameters travel encoded; its own command-line additions (none for
	 * sysrq) would follow the reservation. An unknown scenario is refused. */
	c.capture_append = NULL;
	c.crashkernel = 192ULL << 20;
	c.scenario = (char *)"sysrq:cpu=1";
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_str_eq(s, "console=ttyS0,115200 panic=-1 printk.devkmsg=on crashkernel=192M "
			    "kdumplab.scenario=sysrq:cpu=1 kdumplab.disk=kdumplab-dump");
	free(s);
	c.scenario = (char *)"nope";
	ck_assert_int_lt(kl_cell_cmdline(&c, &s, NULL), 0);
	c.scenario = (char *)"sysrq";
	c.crashkernel = 0;
	/* a fault (common/fault.h) is a plain token at the end; the loader copies it on */
	c.capture_append = NULL;
	c.fault = (char *)"saver-halfway";
	ck_assert_int_eq(kl_cell_cmdline(&c, &s, NULL), 0);
	ck_assert_str_eq(s,
			 "console=ttyS0,115200 panic=-1 printk.devkmsg=on kdumplab.scenario=sysrq "
			 "kdumplab.disk=kdumplab-dump kdumplab.fault=saver-halfway");
	free(s);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { cell_cmdline_golden };
	return kl_check_main("cmdline", 0, tests, KL_CHECK_N(tests));
}
