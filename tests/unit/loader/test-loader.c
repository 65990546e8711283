/* SPDX-License-Identifier: MIT */
/* The loader on a fake root: console lines, syscalls requested, and what it refuses. */
#include "kl-check.h"
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/kexec.h>

#include "capture-cmdline.h"
#include "fake.h"
#include "kernel-facts.h"
#include "loader.h"

#define BASE_CMDLINE "BOOT_IMAGE=/vmlinuz console=tty0 console=ttyS0,115200 crashkernel=192M quiet"

static const char *const fixed_args =
	"irqpoll nr_cpus=1 reset_devices novmcoredd cgroup_disable=memory mce=off numa=off "
	"acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable cma=0 hugetlb_cma=0 "
	"pcie_ports=compat kfence.sample_interval=0 panic=-1 oops=panic";

START_TEST(test_sysrq_full_run)
{
	struct utsname u;
	char want[2048];

	fake_system_guest(BASE_CMDLINE " kdumplab.scenario=sysrq kdumplab.disk=dumpdisk");
	ck_assert_int_eq(loader_run(), -ECANCELED);

	/* mounts, under the root prefix */
	ck_assert_str_eq(fake_call("mount", 0)->path, "/proc");
	ck_assert_str_eq(fake_call("mount", 1)->path, "/sys");
	ck_assert_str_eq(fake_call("mount", 2)->path, "/dev");
	ck_assert_str_eq(fake_call("mount", 2)->data, "devtmpfs devtmpfs");
	ck_assert_str_eq(fake_field(fake_line("start"), "prog"), "loader");

	/* facts */
	const char *facts = fake_line("facts");
	uname(&u);
	ck_assert_str_eq(fake_field(facts, "uname_r"), u.release);
	ck_assert_str_eq(fake_field(facts, "uname_v"), u.version);
	ck_assert_str_eq(fake_field(facts, "cpus_online"), "4");
	ck_assert_str_eq(fake_field(facts, "cpus_list"), "0-3");
	ck_assert_str_eq(fake_field(facts, "kexec_crash_size"), "201326592");
	ck_assert_str_eq(fake_field(facts, "boot_id"), "0b7f5a0e-1111-2222-3333-444455556666");
	ck_assert_str_eq(fake_call("write_ctl", 0)->path, "/proc/sys/kernel/kptr_restrict");
	ck_assert_str_eq(fake_call("write_ctl", 0)->data, "0\n");

	/* iomem: top-level System RAM only, and the nested Crash kernel */
	ck_assert_uint_eq(fake_count_lines("iomem"), 4);
	const char *k = fake_line("kallsyms");
	ck_assert_str_eq(fake_field(k, "_text"), "0xffffffff81000000");
	ck_assert_str_eq(fake_field(k, "_end"), "0xffffffff83000000");
	ck_assert_str_eq(fake_field(k, "init_uts_ns"), "0xffffffff82a00000");
	ck_assert_str_eq(fake_field(k, "prb"), "0xffffffff82a10000");

	const char *res = fake_line("reservation");
	ck_assert_str_eq(fake_field(res, "base"), "0x2c000000");
	ck_assert_str_eq(fake_field(res, "size"), "201326592");

	/* kexec_file_load with the capture kernel and initrd, on crash, our command line */
	const struct fake_call *kx = fake_call("kexec_file_load", 0);
	ck_assert_ptr_nonnull(kx);
	ck_assert_str_eq(kx->path, "KERNEL-IMAGE|INITRD-IMAGE");
	ck_assert_uint_eq(kx->flags, KEXEC_FILE_ON_CRASH);
	snprintf(
		want, sizeof(want),
		"console=tty0 console=ttyS0,115200 %s kdumplab.scenario=sysrq kdumplab.disk=dumpdisk",
		fixed_args);
	ck_assert_str_eq(kx->data, want);
	ck_assert_str_eq(fake_field(fake_line("loaded"), "cmdline"), want);
	ck_assert_str_eq(fake_field(fake_line("loaded"), "crash_loaded"), "1");

	/* trigger child: pinned to the highest CPU, nonce in kmsg, then "c" to sysrq-trigger */
	ck_assert_int_eq(fake_call("sched_setaffinity", 0)->cpu, 3);
	const char *t = fake_line("trigger");
	ck_assert_str_eq(fake_field(t, "scenario"), "sysrq");
	ck_assert_str_eq(fake_field(t, "cpu"), "3");
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ck_assert_str_eq(fake_field(t, "pid"), pid);
	char nonce[32];
	snprintf(nonce, sizeof(nonce), "%s", fake_field(t, "nonce"));
	ck_assert_uint_eq(strlen(nonce), 16);
	ck_assert_uint_eq(strspn(nonce, "0123456789abcdef"), 16);
	ck_assert_int_gt(atoll(fake_field(t, "time")), 1600000000);
	snprintf(want, sizeof(want), "kdumplab: nonce=%s scenario=sysrq pid=%s\n", nonce, pid);
	ck_assert_str_eq(fake_call("write_ctl", 1)->path, "/dev/kmsg");
	ck_assert_str_eq(fake_call("write_ctl", 1)->data, want);
	ck_assert_str_eq(fake_call("write_ctl", 2)->path, "/proc/sysrq-trigger");
	ck_assert_str_eq(fake_call("write_ctl", 2)->data, "c");

	/* the fake kernel did not crash: that is an error, reported once */
	ck_assert_uint_eq(fake_count_lines("error"), 1);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "trigger");
	ck_assert_str_eq(fake_field(fake_line("error"), "errname"), "ECANCELED");
}
END_TEST

START_TEST(test_none_loads_and_returns)
{
	fake_system_guest("console=ttyS0 kdumplab.scenario=none");
	ck_assert_int_eq(loader_run(), 0);
	ck_assert_ptr_nonnull(fake_line("loaded"));
	ck_assert_ptr_null(fake_line("trigger"));
	ck_assert_ptr_null(fake_line("error"));
	ck_assert_uint_eq(fake_count_calls("spawn"), 0);
}
END_TEST

START_TEST(test_default_scenario_is_sysrq_and_cpu_parameter)
{
	fake_system_guest("console=ttyS0 kdumplab.scenario=sysrq:cpu=1");
	loader_run();
	ck_assert_str_eq(fake_field(fake_line("trigger"), "scenario"), "sysrq");
	ck_assert_int_eq(fake_call("sched_setaffinity", 0)->cpu, 1);
}
END_TEST

START_TEST(test_bad_cpu)
{
	fake_system_guest("console=ttyS0 kdumplab.scenario=sysrq:cpu=9");
	ck_assert_int_eq(loader_run(), -EINVAL);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "trigger");
	ck_assert_ptr_nonnull(strstr(fake_field(fake_line("error"), "detail"), "cpu=9"));
	ck_assert_uint_eq(fake_count_calls("spawn"), 0);
}
END_TEST

START_TEST(test_unknown_scenario)
{
	fake_system_guest("console=ttyS0 kdumplab.scenario=bogus");
	ck_assert_int_eq(loader_run(), -ENOENT);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "scenario");
	ck_assert_ptr_nonnull(strstr(fake_field(e, "detail"), "'bogus'"));
	ck_assert_uint_eq(fake_count_calls("kexec_file_load"), 0);
}
END_TEST

START_TEST(test_no_reservation)
{
	fake_system_guest("console=ttyS0");
	fake_write("/sys/kernel/kexec_crash_size", "0\n");
	fake_write("/proc/iomem",
		   "00001000-0009fbff : System RAM\n00100000-3ffdcfff : System RAM\n");
	ck_assert_int_eq(loader_run(), -ENOMEM);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "reservation");
	ck_assert_str_eq(fake_field(e, "errname"), "ENOMEM");
	ck_assert_ptr_nonnull(
		strstr(fake_field(e, "detail"), "kexec_crash_size=0 crash_kernel_ranges=0"));
	ck_assert_ptr_null(fake_line("reservation"));
	ck_assert_uint_eq(fake_count_calls("kexec_file_load"), 0);
}
END_TEST

START_TEST(test_reservation_size_mismatch)
{
	fake_system_guest("console=ttyS0");
	fake_write("/sys/kernel/kexec_crash_size", "134217728\n");
	ck_assert_int_eq(loader_run(), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(fake_field(fake_line("error"), "detail"),
				     "kexec_crash_size=134217728 crash_kernel_ranges=1"));
}
END_TEST

START_TEST(test_kexec_fails)
{
	fake_system_guest("console=ttyS0");
	fake.kexec_result = -EADDRNOTAVAIL;
	ck_assert_int_eq(loader_run(), -EADDRNOTAVAIL);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "kexec_file_load");
	ck_assert_str_eq(fake_field(e, "errno"), "99");
	ck_assert_str_eq(fake_field(e, "errname"), "EADDRNOTAVAIL");
	ck_assert_ptr_nonnull(strstr(fake_field(e, "detail"), "kernel_bytes=12"));
	ck_assert_ptr_null(fake_line("loaded"));
	ck_assert_uint_eq(fake_count_calls("spawn"), 0);
}
END_TEST

START_TEST(test_not_loaded_after_kexec)
{
	fake_system_guest("console=ttyS0");
	fake.crash_loaded_after = NULL;
	ck_assert_int_eq(loader_run(), -EIO);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "loaded");
	ck_assert_uint_eq(fake_count_calls("spawn"), 0);
}
END_TEST

START_TEST(test_missing_capture_kernel)
{
	fake_system_guest("console=ttyS0");
	char path[600];
	snprintf(path, sizeof(path), "%s/capture/vmlinuz", fake.root);
	unlink(path);
	ck_assert_int_eq(loader_run(), -ENOENT);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "kexec_file_load");
	ck_assert_str_eq(fake_field(fake_line("error"), "detail"), "open /capture/vmlinuz");
}
END_TEST

START_TEST(test_modules_in_order)
{
	fake_system_guest("console=ttyS0 kdumplab.scenario=none");
	fake_write("/lib/modules/a.ko", "A");
	fake_write("/lib/modules/b.ko.xz", "B");
	fake_write("/lib/modules/c.ko", "C");
	fake_write("/etc/kdumplab/modules",
		   "/lib/modules/a.ko\n\n# a comment\n/lib/modules/b.ko.xz\n/lib/modules/c.ko\n");
	fake.eexist_module = "b";
	ck_assert_int_eq(loader_run(), 0);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 3);
	ck_assert_str_eq(fake_call("finit_module", 0)->path, "/lib/modules/a.ko");
	ck_assert_uint_eq(fake_call("finit_module", 0)->flags, 0);
	ck_assert_str_eq(fake_call("finit_module", 1)->path, "/lib/modules/b.ko.xz");
	ck_assert_uint_eq(fake_call("finit_module", 1)->flags, 4); /* MODULE_INIT_COMPRESSED_FILE */
	ck_assert_str_eq(fake_call("finit_module", 2)->path, "/lib/modules/c.ko");
	ck_assert_uint_eq(fake_count_lines("module"), 3);
	ck_assert_str_eq(fake_field(fake_line("module"), "name"), "a");
	ck_assert_ptr_nonnull(strstr(fake_console(), "phase=module name=b result=EEXIST\n"));
}
END_TEST

START_TEST(test_module_failure_stops)
{
	fake_system_guest("console=ttyS0");
	fake_write("/lib/modules/a.ko", "A");
	fake_write("/etc/kdumplab/modules", "/lib/modules/a.ko\n/lib/modules/missing.ko\n");
	fake.failing_module = "a";
	ck_assert_int_eq(loader_run(), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(fake_console(), "phase=module name=a result=ENOEXEC\n"));
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "module");
	ck_assert_ptr_null(fake_line("facts"));
}
END_TEST

START_TEST(test_capture_cmdline)
{
	char buf[LOADER_CMDLINE_MAX], want[2048];

	/* no console= → ttyS0; capture_append is decoded and comes last */
	ck_assert_int_gt(
		loader_capture_cmdline(
			"root=/dev/vda kdumplab.capture_append=a%3Db%20\"c d\" kdumplab.x=1", buf,
			sizeof(buf)),
		0);
	snprintf(
		want, sizeof(want),
		"console=ttyS0 %s kdumplab.capture_append=a%%3Db%%20\"c d\" kdumplab.x=1 a=b \"c d\"",
		fixed_args);
	ck_assert_str_eq(buf, want);
	/* a malformed escape is refused */
	ck_assert_int_eq(loader_capture_cmdline("kdumplab.capture_append=%zz", buf, sizeof(buf)),
			 -EINVAL);
	/* it never exceeds the buffer */
	ck_assert_int_eq(loader_capture_cmdline("console=ttyS0", buf, 64), -E2BIG);
}
END_TEST

START_TEST(test_capture_cmdline_carries_the_fault)
{
	char buf[LOADER_CMDLINE_MAX];
	ck_assert_int_gt(loader_capture_cmdline("console=ttyS0 kdumplab.fault=saver-halfway", buf,
						sizeof(buf)),
			 0);
	ck_assert_ptr_nonnull(strstr(buf, " kdumplab.fault=saver-halfway"));
}
END_TEST

START_TEST(test_iomem_parse)
{
	struct loader_iomem_range r[8];
	size_t n = loader_iomem_parse(
		"00001000-0009fbff : System RAM\n"
		"garbage line\n"
		"  00002000-00002fff : System RAM\n" /* nested: not top-level RAM */
		"100000000-23fffffff : System RAM\n"
		"    2c000000-37ffffff : Crash kernel\n"
		"ffff-0000 : Crash kernel\n"	  /* end < start */
		"12345678-1234567f : System RAM", /* no newline at the end */
		r, 8);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(r[0].type, LOADER_IOMEM_RAM);
	ck_assert_uint_eq(r[0].start, 0x1000);
	ck_assert_uint_eq(r[0].end, 0x9fbff);
	ck_assert_uint_eq(r[1].start, 0x100000000ull);
	ck_assert_uint_eq(r[1].end, 0x23fffffffull);
	ck_assert_int_eq(r[2].type, LOADER_IOMEM_CRASH);
	ck_assert_uint_eq(r[2].start, 0x2c000000);
	ck_assert_uint_eq(r[3].end, 0x1234567f);
	/* never more than max */
	ck_assert_uint_eq(
		loader_iomem_parse(
			"00001000-0009fbff : System RAM\n00001000-0009fbff : System RAM\n", r, 1),
		1);
}
END_TEST

START_TEST(test_kallsyms_across_buffer)
{
	/* Megabytes of symbols: lines straddle the 64 KiB read buffer. */
	size_t size = 3u << 20, len = 0;
	char *text = malloc(size + 200);
	unsigned i = 0;
	while (len < size)
		len += (size_t)sprintf(text + len, "ffffffff8%07x t sym_%u\n", i, i), i++;
	len += (size_t)sprintf(text + len, "ffffffff81000000 T _text\nffffffff85000000 B _end\n");
	fake_write_bytes("/proc/kallsyms", text, len);
	free(text);

	uint64_t a[LOADER_KALLSYMS_COUNT];
	ck_assert_int_eq(loader_kallsyms_read("/proc/kallsyms", a), 0);
	ck_assert_uint_eq(a[0], 0xffffffff81000000ull);
	ck_assert_uint_eq(a[1], 0); /* _stext absent */
	ck_assert_uint_eq(a[2], 0xffffffff85000000ull);
}
END_TEST

START_TEST(test_already_mounted_is_fine)
{
	fake_system_guest("console=ttyS0 kdumplab.scenario=none");
	fake.mount_result = -EBUSY;
	ck_assert_int_eq(loader_run(), 0);
	ck_assert_uint_eq(fake_count_calls("mount"), 3);
	ck_assert_ptr_nonnull(fake_line("loaded"));
}
END_TEST

START_TEST(test_mount_failure)
{
	fake_system_guest("console=ttyS0");
	fake.mount_result = -ENODEV;
	ck_assert_int_eq(loader_run(), -ENODEV);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "mount");
	ck_assert_str_eq(fake_field(e, "detail"), "mount proc on /proc");
	ck_assert_ptr_null(fake_line("start"));
}
END_TEST

/* ---- faults (common/fault.h): each one committed and reported, nothing else changed ---- */

#define FAULT_CMDLINE BASE_CMDLINE " kdumplab.scenario=sysrq kdumplab.disk=dumpdisk kdumplab.fault="

static void assert_fault_line(const char *name, const char *provokes)
{
	const char *f = fake_line("fault");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fake_count_lines("fault"), 1);
	ck_assert_str_eq(fake_field(f, "name"), name);
	ck_assert_str_eq(fake_field(f, "prog"), "loader");
	ck_assert_str_eq(fake_field(f, "provokes"), provokes);
	ck_assert_ptr_nonnull(fake_field(f, "detail"));
}

static unsigned sysrq_writes(void)
{
	unsigned n = 0;
	for (unsigned i = 0; fake_call("write_ctl", i); i++)
		n += strcmp(fake_call("write_ctl", i)->path, "/proc/sysrq-trigger") == 0;
	return n;
}

START_TEST(test_fault_trigger_noop)
{
	fake_system_guest(FAULT_CMDLINE "trigger-noop");
	ck_assert_int_eq(loader_run(), -ECANCELED);
	assert_fault_line("trigger-noop", "fail/trigger-failed");
	ck_assert_ptr_nonnull(fake_line("trigger"));
	ck_assert_uint_eq(sysrq_writes(), 0);
	ck_assert_str_eq(fake_field(fake_line("error"), "step"), "trigger");
	ck_assert_str_eq(fake_field(fake_line("error"), "errname"), "ECANCELED");
}
END_TEST

START_TEST(test_fault_trigger_hang)
{
	jmp_buf escape;
	fake.sleep_escape = &escape;
	fake.sleep_escape_after = 3;
	fake_system_guest(FAULT_CMDLINE "trigger-hang");
	if (setjmp(escape) == 0) {
		loader_run();
		ck_abort_msg("the trigger-hang child returned");
	}
	/* the child reported, then only slept: no crash, no error, still asleep */
	assert_fault_line("trigger-hang", "fail/timeout(trigger)");
	ck_assert_ptr_nonnull(fake_line("trigger"));
	ck_assert_uint_eq(fake_count_calls("sleep"), 3);
	ck_assert_uint_eq(sysrq_writes(), 0);
	ck_assert_ptr_null(fake_line("error"));
}
END_TEST

START_TEST(test_fault_capture_silent)
{
	char want[2048];
	fake_system_guest(FAULT_CMDLINE "capture-silent");
	ck_assert_int_eq(loader_run(), -ECANCELED);
	assert_fault_line("capture-silent", "fail/no-capture-boot");
	/* no serial console, an init that does not exist; the crash itself is the scenario's */
	snprintf(want, sizeof(want),
		 "console=tty0 %s kdumplab.scenario=sysrq kdumplab.disk=dumpdisk "
		 "kdumplab.fault=capture-silent rdinit=/kdumplab-fault-no-init",
		 fixed_args);
	ck_assert_str_eq(fake_call("kexec_file_load", 0)->data, want);
	ck_assert_str_eq(fake_field(fake_line("loaded"), "cmdline"), want);
	ck_assert_uint_eq(sysrq_writes(), 1);
}
END_TEST

START_TEST(test_fault_wrong_crash)
{
	char nonce[32], logged[32];
	fake_system_guest(FAULT_CMDLINE "wrong-crash");
	ck_assert_int_eq(loader_run(), -ECANCELED);
	assert_fault_line("wrong-crash", "fail/wrong-crash");
	snprintf(nonce, sizeof(nonce), "%s", fake_field(fake_line("trigger"), "nonce"));
	const struct fake_call *kmsg = fake_call("write_ctl", 1);
	ck_assert_str_eq(kmsg->path, "/dev/kmsg");
	ck_assert_int_eq(sscanf(kmsg->data, "kdumplab: nonce=%16s ", logged), 1);
	/* another nonce: 16 hex digits, none in the reported one's place */
	ck_assert_uint_eq(strspn(logged, "0123456789abcdef"), 16);
	for (size_t i = 0; i < 16; i++)
		ck_assert_int_ne(logged[i], nonce[i]);
	ck_assert_ptr_null(strstr(kmsg->data, nonce));
	ck_assert_uint_eq(sysrq_writes(), 1);
}
END_TEST

/* The saver's faults are the saver's: the loader passes them on and does nothing else. */
START_TEST(test_fault_of_the_saver)
{
	fake_system_guest(FAULT_CMDLINE "saver-corrupt");
	ck_assert_int_eq(loader_run(), -ECANCELED);
	ck_assert_ptr_null(fake_line("fault"));
	ck_assert_ptr_nonnull(
		strstr(fake_call("kexec_file_load", 0)->data, " kdumplab.fault=saver-corrupt"));
	ck_assert_ptr_nonnull(strstr(fake_call("kexec_file_load", 0)->data, "console=ttyS0"));
	ck_assert_uint_eq(sysrq_writes(), 1);
}
END_TEST

START_TEST(test_fault_unknown)
{
	fake_system_guest(FAULT_CMDLINE "bogus");
	ck_assert_int_eq(loader_run(), -ENOENT);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "fault");
	ck_assert_ptr_nonnull(strstr(fake_field(e, "detail"), "'bogus'"));
	ck_assert_ptr_nonnull(strstr(fake_field(e, "detail"), "trigger-noop, trigger-hang"));
	ck_assert_uint_eq(fake_count_calls("kexec_file_load"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loader");
	const TTest *const tc_tests[] = { test_sysrq_full_run,
					  test_none_loads_and_returns,
					  test_default_scenario_is_sysrq_and_cpu_parameter,
					  test_bad_cpu,
					  test_unknown_scenario,
					  test_no_reservation,
					  test_reservation_size_mismatch,
					  test_kexec_fails,
					  test_not_loaded_after_kexec,
					  test_missing_capture_kernel,
					  test_modules_in_order,
					  test_module_failure_stops,
					  test_kallsyms_across_buffer,
					  test_already_mounted_is_fine,
					  test_mount_failure,
					  test_fault_trigger_noop,
					  test_fault_trigger_hang,
					  test_fault_capture_silent,
					  test_fault_wrong_crash,
					  test_fault_of_the_saver,
					  test_fault_unknown };
	kl_check_add(s, "run", 0, fake_setup, fake_teardown, tc_tests, KL_CHECK_N(tc_tests));
	const TTest *const pure_tests[] = { test_capture_cmdline,
					    test_capture_cmdline_carries_the_fault,
					    test_iomem_parse };
	kl_check_add(s, "parse", 0, NULL, NULL, pure_tests, KL_CHECK_N(pure_tests));
	return kl_check_run(s);
}
