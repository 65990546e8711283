/* SPDX-License-Identifier: MIT */
/* The in-guest core: console lines, command line parsing, CPU lists, the fault table. */
#include "kl-check.h"
#include <errno.h>
#include <string.h>

#include "fake.h"
#include "fault.h"
#include "guest-fault.h"
#include "guest-init.h"
#include "guest-report.h"
#include "guest-util.h"
#include "protocol.h"

START_TEST(test_line_encodes_values)
{
	struct kl_line l;
	kl_line_begin(&l, "facts");
	kl_line_add(&l, "uname_v", "#1 SMP 100%");
	kl_line_addf(&l, "n", "%d", 42);
	kl_line_emit(&l);
	ck_assert_str_eq(fake_console(), "KDUMPLAB phase=facts uname_v=#1%20SMP%20100%25 n=42\n");
}
END_TEST

START_TEST(test_line_truncates_whole_fields)
{
	char big[3000];
	struct kl_line l;
	memset(big, ' ', sizeof(big) - 1); /* each space takes three bytes encoded */
	big[sizeof(big) - 1] = '\0';
	kl_line_begin(&l, "loaded");
	kl_line_add(&l, "crash_loaded", "1");
	kl_line_add(&l, "cmdline", big);
	kl_line_add(&l, "after", "x");
	kl_line_emit(&l);
	ck_assert_str_eq(fake_console(), "KDUMPLAB phase=loaded crash_loaded=1 truncated=1\n");
}
END_TEST

START_TEST(test_report_error)
{
	ck_assert_int_eq(kl_report_error("kexec_file_load", -EADDRNOTAVAIL, "size=%d", 5),
			 -EADDRNOTAVAIL);
	ck_assert_int_eq(kl_report_error("x", 0, "zero"), -EIO);
	ck_assert_str_eq(
		fake_console(),
		"KDUMPLAB phase=error step=kexec_file_load errno=99 errname=EADDRNOTAVAIL detail=size=5\n"
		"KDUMPLAB phase=error step=x errno=5 errname=EIO detail=zero\n");
}
END_TEST

START_TEST(test_cmdline_get)
{
	char v[64];
	const char *c = "a=1 kdumplab.disk=x quoted=\"with space\" kdumplab.disk=y  tail";
	ck_assert_int_eq(kl_cmdline_get(c, "kdumplab.disk", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "y"); /* the last one wins, as for kernel parameters */
	ck_assert_int_eq(kl_cmdline_get(c, "quoted", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "with space");
	ck_assert_int_eq(kl_cmdline_get(c, "a", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(kl_cmdline_get(c, "tail", v, sizeof(v)), 0); /* a flag has no value */
	ck_assert_int_eq(kl_cmdline_get(c, "kdumplab", v, sizeof(v)), 0);
	ck_assert_int_eq(kl_cmdline_get("x=toolongvalue", "x", v, 4), 0);
}
END_TEST

START_TEST(test_cmdline_next)
{
	const char *c = "  one \"two three\" x=\"a b\"\n";
	char tok[32];
	ck_assert_int_eq(kl_cmdline_next(&c, tok, sizeof(tok)), 1);
	ck_assert_str_eq(tok, "one");
	ck_assert_int_eq(kl_cmdline_next(&c, tok, sizeof(tok)), 1);
	ck_assert_str_eq(tok, "\"two three\"");
	ck_assert_int_eq(kl_cmdline_next(&c, tok, sizeof(tok)), 1);
	ck_assert_str_eq(tok, "x=\"a b\"");
	ck_assert_int_eq(kl_cmdline_next(&c, tok, sizeof(tok)), 0);
	const char *d = "abcdefgh";
	ck_assert_int_eq(kl_cmdline_next(&d, tok, 4), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_cpulist)
{
	unsigned n, hi;
	ck_assert_int_eq(kl_cpulist_parse("0", &n, &hi), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(hi, 0);
	ck_assert_int_eq(kl_cpulist_parse("0-3,8,10-11", &n, &hi), 0);
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(hi, 11);
	ck_assert_int_eq(kl_cpulist_parse("", &n, &hi), -EINVAL);
	ck_assert_int_eq(kl_cpulist_parse("3-1", &n, &hi), -EINVAL);
	ck_assert_int_eq(kl_cpulist_parse("0,", &n, &hi), -EINVAL);
	ck_assert_int_eq(kl_cpulist_parse("0-", &n, &hi), -EINVAL);
	ck_assert_int_eq(kl_cpulist_parse("a", &n, &hi), -EINVAL);
}
END_TEST

START_TEST(test_read_file_and_u64)
{
	char buf[8];
	uint64_t v;
	fake_write("/sys/x", "123\n");
	fake_write("/sys/bad", "12a\n");
	fake_write("/sys/long", "0123456789");
	ck_assert_int_eq(kl_read_u64("/sys/x", &v), 0);
	ck_assert_uint_eq(v, 123);
	ck_assert_int_eq(kl_read_u64("/sys/bad", &v), -EINVAL);
	ck_assert_int_eq(kl_read_u64("/sys/none", &v), -ENOENT);
	ck_assert_int_eq(kl_read_file("/sys/long", buf, sizeof(buf)), -EFBIG);
}
END_TEST

/* The module of the n-th finit_module call, as a path below the fake root. */
static const char *loaded(unsigned n)
{
	const struct fake_call *c = fake_call("finit_module", n);
	ck_assert_ptr_nonnull(c);
	const char *p = strstr(c->path, KL_SCENARIO_MODULES_DIR);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void scenario_modules(const char *order)
{
	fake_write(KL_SCENARIO_MODULES_DIR "/softdog.ko", "\177ELF");
	fake_write(KL_SCENARIO_MODULES_DIR "/dep_a.ko", "\177ELF");
	fake_write(KL_SCENARIO_MODULES_DIR "/dep_b.ko", "\177ELF");
	fake_write(KL_SCENARIO_MODULES_DIR "/kdumplab_crash.ko", "\177ELF");
	if (order)
		fake_write(KL_SCENARIO_MODULES_DIR "/" KL_SCENARIO_MODULES_ORDER, order);
}

START_TEST(test_load_named_dependencies_first)
{
	scenario_modules("kdumplab_crash\nsoftdog dep_a dep_b\n");
	ck_assert_int_eq(kl_load_module_named("softdog", "soft_panic=1 soft_margin=2"), 0);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 3);
	ck_assert_str_eq(loaded(0), KL_SCENARIO_MODULES_DIR "/dep_a.ko");
	ck_assert_str_eq(loaded(1), KL_SCENARIO_MODULES_DIR "/dep_b.ko");
	ck_assert_str_eq(loaded(2), KL_SCENARIO_MODULES_DIR "/softdog.ko");
	/* Parameters are the scenario module's only; plain files, no decompression flag. */
	ck_assert_str_eq(fake_call("finit_module", 0)->data, "");
	ck_assert_str_eq(fake_call("finit_module", 2)->data, "soft_panic=1 soft_margin=2");
	ck_assert_uint_eq(fake_call("finit_module", 2)->flags, 0);
	ck_assert_uint_eq(fake_count_lines("module"), 3);
	ck_assert_str_eq(fake_field(fake_line("module"), "name"), "dep_a");
	ck_assert_uint_eq(fake_count_lines("error"), 0);
}
END_TEST

START_TEST(test_load_named_without_order_or_line)
{
	scenario_modules(NULL);
	ck_assert_int_eq(kl_load_module_named("kdumplab_crash", ""), 0);
	/* A line that only starts like the name is another module's. */
	fake_write(KL_SCENARIO_MODULES_DIR "/" KL_SCENARIO_MODULES_ORDER, "softdog_x dep_a\n");
	ck_assert_int_eq(kl_load_module_named("softdog", ""), 0);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 2);
	ck_assert_str_eq(loaded(0), KL_SCENARIO_MODULES_DIR "/kdumplab_crash.ko");
	ck_assert_str_eq(loaded(1), KL_SCENARIO_MODULES_DIR "/softdog.ko");
}
END_TEST

START_TEST(test_load_named_eexist_is_fine)
{
	scenario_modules("softdog dep_a\n");
	fake.eexist_module = "dep_a";
	ck_assert_int_eq(kl_load_module_named("softdog", ""), 0);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 2);
	ck_assert_str_eq(fake_field(fake_line("module"), "result"), "EEXIST");
}
END_TEST

START_TEST(test_load_named_missing_file)
{
	scenario_modules(NULL);
	ck_assert_int_eq(kl_load_module_named("nope", ""), -ENOENT);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 0);
	ck_assert_str_eq(fake_field(fake_line("module"), "result"), "ENOENT");
	const char *e = fake_line("error");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(fake_field(e, "step"), "module");
	ck_assert_ptr_nonnull(strstr(fake_field(e, "detail"), KL_SCENARIO_MODULES_DIR "/nope.ko"));
}
END_TEST

START_TEST(test_load_named_missing_dependency_stops)
{
	scenario_modules("softdog gone dep_a\n");
	ck_assert_int_eq(kl_load_module_named("softdog", ""), -ENOENT);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 0);
	ck_assert_ptr_nonnull(strstr(fake_field(fake_line("error"), "detail"), "/gone.ko"));
}
END_TEST

/* Hostile names and lists: no path escapes the directory, an oversized list is ignored. */
START_TEST(test_load_named_bounded)
{
	scenario_modules(NULL);
	ck_assert_int_eq(kl_load_module_named("../../etc/x", ""), -EINVAL);
	ck_assert_int_eq(kl_load_module_named("", ""), -EINVAL);
	char big[40000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "softdog ", 8);
	fake_write(KL_SCENARIO_MODULES_DIR "/" KL_SCENARIO_MODULES_ORDER, big);
	ck_assert_int_eq(kl_load_module_named("softdog", ""), 0);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 1);
	/* A line too long for the loader's buffer is not cut into a wrong dependency. */
	char line[3000];
	memset(line, 'b', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "softdog ", 8);
	fake_write(KL_SCENARIO_MODULES_DIR "/" KL_SCENARIO_MODULES_ORDER, line);
	ck_assert_int_eq(kl_load_module_named("softdog", ""), 0);
	ck_assert_uint_eq(fake_count_calls("finit_module"), 2);
	ck_assert_str_eq(loaded(1), KL_SCENARIO_MODULES_DIR "/softdog.ko");
}
END_TEST

/* One row per fault, indexed by id, names unique and plain (they travel on a command line);
 * a cause to provoke and a description each. */
START_TEST(test_fault_table)
{
	char names[512];
	for (size_t i = 0; i < KL_FAULT_COUNT; i++) {
		const struct kl_fault *f = &kl_faults[i];
		ck_assert_int_eq(f->id, (int)i);
		ck_assert_uint_eq(strspn(f->name, "abcdefghijklmnopqrstuvwxyz-"), strlen(f->name));
		ck_assert_ptr_eq(kl_fault_find(f->name), f);
		ck_assert_ptr_nonnull(strstr(f->provokes, "fail/"));
		ck_assert_uint_gt(strlen(f->description), 10);
		ck_assert(f->prog == KL_FAULT_LOADER || f->prog == KL_FAULT_SAVER);
	}
	ck_assert_ptr_null(kl_fault_find("sysrq"));
	ck_assert_ptr_null(kl_fault_find(""));
	ck_assert_ptr_null(kl_fault_find(NULL));
	ck_assert_str_eq(kl_fault_names(names, sizeof(names)),
			 "trigger-noop, trigger-hang, capture-silent, saver-halfway, "
			 "saver-no-marker, saver-corrupt, wrong-crash");
	ck_assert_str_eq(kl_fault_prog_name(KL_FAULT_SAVER), "saver");
	ck_assert_str_eq(kl_fault_prog_name(KL_FAULT_LOADER), "loader");
}
END_TEST

START_TEST(test_guest_fault)
{
	const struct kl_fault *f = &kl_faults[0];
	/* none; the last one wins; the other program's is not ours; unknown is refused */
	ck_assert_int_eq(kl_guest_fault("console=ttyS0", KL_FAULT_LOADER, &f), 0);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(
		kl_guest_fault("kdumplab.fault=x kdumplab.fault=trigger-hang", KL_FAULT_LOADER, &f),
		0);
	ck_assert_ptr_eq(f, &kl_faults[KL_FAULT_TRIGGER_HANG]);
	ck_assert_int_eq(kl_guest_fault("kdumplab.fault=trigger-hang", KL_FAULT_SAVER, &f), 0);
	ck_assert_ptr_null(f);
	ck_assert_ptr_null(fake_line("error"));
	ck_assert_int_eq(kl_guest_fault("kdumplab.fault=nope", KL_FAULT_SAVER, &f), -ENOENT);
	ck_assert_ptr_null(f);
	const char *e = fake_line("error");
	ck_assert_str_eq(fake_field(e, "step"), "fault");
	ck_assert_ptr_nonnull(
		strstr(fake_field(e, "detail"), "'nope': expected one of trigger-noop"));
	/* the line a fault reports itself with */
	kl_report_fault(&kl_faults[KL_FAULT_SAVER_CORRUPT], "e_phoff=%d", 7);
	const char *l = fake_line("fault");
	ck_assert_str_eq(fake_field(l, "name"), "saver-corrupt");
	ck_assert_str_eq(fake_field(l, "prog"), "saver");
	ck_assert_str_eq(fake_field(l, "provokes"), "fail/dump-invalid");
	ck_assert_str_eq(fake_field(l, "detail"), "e_phoff=7");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest-core");
	const TTest *const tc_tests[] = {
		test_line_encodes_values,
		test_line_truncates_whole_fields,
		test_report_error,
		test_cmdline_get,
		test_cmdline_next,
		test_cpulist,
		test_read_file_and_u64,
		test_fault_table,
		test_guest_fault,
		test_load_named_dependencies_first,
		test_load_named_without_order_or_line,
		test_load_named_eexist_is_fine,
		test_load_named_missing_file,
		test_load_named_missing_dependency_stops,
		test_load_named_bounded,
	};
	kl_check_add(s, "core", 0, fake_setup, fake_teardown, tc_tests, KL_CHECK_N(tc_tests));
	return kl_check_run(s);
}
