/* SPDX-License-Identifier: MIT */
/*
 * The deep check without a real crash(8): its output parser on transcripts of crash 8.0.2
 * (bookworm) and the process handling (deadline, missing program, exit status) with fake
 * crash programs written as shell scripts.
 */
#include "kl-check.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmcore/deep.h"

/* crash 8.0.2 on the 6.1 sysrq dump, commands as deep.c sends them */
static const char ok_out[] =
	"WARNING: active task ffff89b5824be000 on cpu 1 not found in PID hash\n"
	"\n"
	"KDUMPLAB-DEEP sys\n"
	"      KERNEL: /x/vmlinux-6.1.0-56-cloud-amd64\n"
	"    DUMPFILE: /tmp/vmcore\n"
	"        CPUS: 2\n"
	"     RELEASE: 6.1.0-56-cloud-amd64\n"
	"      MEMORY: 1 GB\n"
	"       PANIC: \"Kernel panic - not syncing: sysrq triggered crash\"\n"
	"KDUMPLAB-DEEP bt\n"
	"PID: 86       TASK: ffff89b5824be000  CPU: 1    COMMAND: \"init\"\n"
	" #0 [ffffcae68038bc30] machine_kexec at ffffffff97e6c62f\n"
	" #1 [ffffcae68038bc88] __crash_kexec at ffffffff97f646b7\n"
	" #2 [ffffcae68038bd48] panic at ffffffff987cd06e\n"
	" #3 [ffffcae68038bdc8] sysrq_handle_crash at ffffffff984a8a06\n"
	"    RIP: 00000000004371c0  RSP: 00007ffee10c6548  RFLAGS: 00000202\n"
	"KDUMPLAB-DEEP log\n"
	"[    2.240328]  panic+0x118/0x2f4\n"
	"[    2.240734]  </TASK>\n"
	"KDUMPLAB-DEEP end\n";

/* crash 8.0.2 on a copy truncated to 100 MiB: it gives up during initialisation */
static const char trunc_out[] =
	"WARNING: /tmp/trunc: may be truncated or incomplete\n"
	"         PT_LOAD p_offset: 42147840\n"
	"                 p_filesz: 854589440\n"
	"           bytes required: 896737280\n"
	"            dumpfile size: 104857600\n"
	"\n"
	"crash: read error: kernel virtual address: ffff89b5b1e1fb80  type: \"current_task (per_cpu)\"\n"
	"crash: read error: kernel virtual address: ffff89b5b1f1fb80  type: \"current_task (per_cpu)\"\n"
	"crash: read error: kernel virtual address: ffff89b5b1e06024  type: \"tss_struct ist array\"\n";

START_TEST(parse_ok)
{
	struct kl_deep_result *r = kl_deep_parse(ok_out, strlen(ok_out), 0, false);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->ok);
	ck_assert_ptr_null(r->error);
	ck_assert_str_eq(r->panic, "Kernel panic - not syncing: sysrq triggered crash");
	ck_assert_str_eq(r->release, "6.1.0-56-cloud-amd64");
	ck_assert_ptr_nonnull(strstr(r->bt, "PID: 86 "));
	ck_assert_ptr_nonnull(strstr(r->bt, "#3 [ffffcae68038bdc8] sysrq_handle_crash"));
	ck_assert_ptr_null(strstr(r->bt, "RIP:")); /* frames only */
	ck_assert_ptr_nonnull(strstr(r->log_tail, "</TASK>"));
	ck_assert_ptr_null(strstr(r->log_tail, "KDUMPLAB-DEEP"));
	kl_deep_result_free(r);
}
END_TEST

START_TEST(parse_truncated_quotes_crash)
{
	struct kl_deep_result *r = kl_deep_parse(trunc_out, strlen(trunc_out), 1, false);
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->ok);
	ck_assert_ptr_null(r->panic);
	ck_assert_ptr_nonnull(strstr(r->error, "could not open the dump (exit status 1)"));
	/* the fatal "crash:" lines, verbatim */
	ck_assert_ptr_nonnull(strstr(r->error,
				     "crash: read error: kernel virtual address: "
				     "ffff89b5b1e1fb80  type: \"current_task (per_cpu)\""));
	ck_assert_ptr_nonnull(strstr(r->error, "tss_struct ist array"));
	/* then the warning that says why, with its figures */
	ck_assert_ptr_nonnull(strstr(r->error,
				     "tss_struct ist array\"\n"
				     "WARNING: /tmp/trunc: may be truncated or incomplete\n"
				     "         PT_LOAD p_offset: 42147840\n"));
	kl_deep_result_free(r);
}
END_TEST

/* A corrupt note segment: hundreds of identical warnings, then the truncation warning. */
START_TEST(parse_repeated_warnings_once)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (int i = 0; i < 500; i++)
		fputs("WARNING: possibly corrupt Elf64_Nhdr: n_namesz: 0 n_descsz: 0 n_type: 0\n",
		      f);
	fputs("WARNING: /tmp/t: may be truncated or incomplete\n"
	      "         PT_LOAD p_offset: 8192\n"
	      "            dumpfile size: 2097152\n\n",
	      f);
	fclose(f);
	struct kl_deep_result *r = kl_deep_parse(buf, len, 1, false);
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->ok);
	ck_assert_ptr_nonnull(strstr(r->error, "n_type: 0 (500 times)"));
	ck_assert_ptr_nonnull(strstr(r->error, "may be truncated or incomplete\n"
					       "         PT_LOAD p_offset: 8192\n"));
	ck_assert_int_lt(strlen(r->error), 2000);
	kl_deep_result_free(r);
	free(buf);
}
END_TEST

START_TEST(parse_no_panic_line)
{
	static const char out[] = "KDUMPLAB-DEEP sys\n      KERNEL: /x\n"
				  "KDUMPLAB-DEEP bt\nKDUMPLAB-DEEP end\n";
	struct kl_deep_result *r = kl_deep_parse(out, strlen(out), 0, false);
	ck_assert(!r->ok);
	ck_assert_ptr_nonnull(strstr(r->error, "no PANIC line"));
	kl_deep_result_free(r);
}
END_TEST

/* A double fault (stack overflow into the guard page): crash prints an empty PANIC but finds
 * the panicking task; the bt decides. The same empty PANIC without a bt is a failure. */
START_TEST(parse_empty_panic_with_bt)
{
	static const char out[] =
		"KDUMPLAB-DEEP sys\n       PANIC: \n"
		"KDUMPLAB-DEEP bt\nPID: 85  TASK: ffff8da201ff1800  CPU: 1  COMMAND: \"init\"\n"
		" #0 [fffffe0000045d98] machine_kexec at ffffffff90c6c62f\n"
		" #4 [fffffe0000045ed8] handle_stack_overflow at ffffffff90c30929\n"
		"KDUMPLAB-DEEP log\nKDUMPLAB-DEEP end\n";
	struct kl_deep_result *r = kl_deep_parse(out, strlen(out), 0, false);
	ck_assert_msg(r->ok, "%s", r->error ? r->error : "");
	ck_assert_str_eq(r->panic, "");
	ck_assert_ptr_nonnull(strstr(r->bt, "handle_stack_overflow"));
	kl_deep_result_free(r);
	static const char nobt[] = "KDUMPLAB-DEEP sys\n       PANIC: \nKDUMPLAB-DEEP bt\n"
				   "KDUMPLAB-DEEP end\n";
	r = kl_deep_parse(nobt, strlen(nobt), 0, false);
	ck_assert(!r->ok);
	ck_assert_ptr_nonnull(strstr(r->error, "no PANIC line"));
	kl_deep_result_free(r);
}
END_TEST

START_TEST(parse_empty_and_timeout)
{
	struct kl_deep_result *r = kl_deep_parse(NULL, 0, -1, true);
	ck_assert(!r->ok);
	ck_assert_ptr_nonnull(strstr(r->error, "deadline"));
	ck_assert_ptr_nonnull(strstr(r->error, "(no output)"));
	kl_deep_result_free(r);
}
END_TEST

/* ---- with a fake crash ---- */

static char dir[] = "/tmp/test-deep-XXXXXX";
static char dump[128], vmlinux[128];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dump, sizeof(dump), "%s/vmcore", dir);
	snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", dir);
	fclose(fopen(dump, "w"));
	fclose(fopen(vmlinux, "w"));
}

static void teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/test-deep-XXXXXX");
}

static const char *fake(const char *name, const char *body)
{
	static char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

START_TEST(run_fake_crash_ok)
{
	/* reads the commands from stdin like crash does and answers the markers */
	const char *crash =
		fake("crash", "while read -r l; do case \"$l\" in\n"
			      "'echo '*) echo \"${l#echo }\";;\n"
			      "sys) echo '       PANIC: \"sysrq triggered crash\"';;\n"
			      "bt) echo 'PID: 1  TASK: x'; echo ' #0 [x] panic at y';;\n"
			      "q) exit 0;; esac; done");
	struct kl_deep_options o = { .crash = crash, .timeout_s = 20 };
	struct kl_deep_result *r = NULL;
	struct kl_error *err = NULL;
	ck_assert_int_eq(kl_deep_check_opts(dump, vmlinux, &o, &r, &err), 0);
	ck_assert_msg(r->ok, "%s", r->error);
	ck_assert_str_eq(r->panic, "sysrq triggered crash");
	ck_assert_str_eq(r->bt, "PID: 1  TASK: x\n #0 [x] panic at y\n");
	ck_assert_int_eq(r->exit_status, 0);
	kl_deep_result_free(r);
}
END_TEST

/*
 * Issue 6 (10): paths reach crash after "--", so a dump named "-x" (or "--minimal") is a
 * file, never an option. The fake prints its argument vector, one per line, and answers
 * like crash; its PANIC line carries escape sequences a hostile dump could put there.
 */
START_TEST(run_paths_after_double_dash)
{
	char odd[160];
	snprintf(odd, sizeof(odd), "%s/-x", dir);
	fclose(fopen(odd, "w"));
	const char *crash = fake(
		"crash",
		"for a in \"$@\"; do echo \"ARG $a\" >> \"$(dirname \"$0\")/args\"; done\n"
		"while read -r l; do case \"$l\" in\n"
		"'echo '*) echo \"${l#echo }\";;\n"
		"sys) printf '       PANIC: \"x\\033]52;c;aGk=\\007\\033[2J\\302\\233\\377\"\\n';;\n"
		"q) exit 0;; esac; done");
	/* a relative "-x" through the current directory */
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	struct kl_deep_options o = { .crash = crash, .timeout_s = 20 };
	struct kl_deep_result *r = NULL;
	struct kl_error *err = NULL;
	int k = kl_deep_check_opts("-x", vmlinux, &o, &r, &err);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_msg(k == 0, "%s", err ? err->msg : "");
	char path[200], want[400];
	snprintf(path, sizeof(path), "%s/args", dir);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char args[1024] = "";
	size_t n = fread(args, 1, sizeof(args) - 1, f);
	args[n] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "ARG --\nARG %s\nARG -x\n", vmlinux);
	ck_assert_msg(strstr(args, want), "crash got:\n%s", args);
	/* the PANIC value is escaped: printable ASCII only */
	ck_assert_ptr_nonnull(r->panic);
	for (const unsigned char *p = (const unsigned char *)r->panic; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p < 0x7f, "byte %#x in \"%s\"", *p, r->panic);
	ck_assert_str_eq(r->panic, "x\\x1b]52;c;aGk=\\x07\\x1b[2J\\xc2\\x9b\\xff");
	kl_deep_result_free(r);
}
END_TEST

START_TEST(run_deadline_kills)
{
	/* a crash that loops (and a child of it holding the pipe) is killed at the deadline */
	const char *crash = fake("crash", "echo 'WARNING: thinking'; sleep 60 & sleep 60");
	struct kl_deep_options o = { .crash = crash, .timeout_s = 1 };
	struct kl_deep_result *r = NULL;
	struct kl_error *err = NULL;
	ck_assert_int_eq(kl_deep_check_opts(dump, vmlinux, &o, &r, &err), 0);
	ck_assert(!r->ok);
	ck_assert(r->timed_out);
	ck_assert_int_eq(r->exit_status, -1);
	ck_assert_double_lt(r->seconds, 10);
	ck_assert_ptr_nonnull(strstr(r->error, "WARNING: thinking"));
	kl_deep_result_free(r);
}
END_TEST

START_TEST(run_exit_status_quoted)
{
	const char *crash =
		fake("crash", "echo \"crash: $6: not a supported file format\"; exit 1");
	struct kl_deep_options o = { .crash = crash, .timeout_s = 20 };
	struct kl_deep_result *r = NULL;
	struct kl_error *err = NULL;
	ck_assert_int_eq(kl_deep_check_opts(dump, vmlinux, &o, &r, &err), 0);
	ck_assert(!r->ok);
	ck_assert_int_eq(r->exit_status, 1);
	char want[200];
	snprintf(want, sizeof(want), "crash: %s: not a supported file format", dump);
	ck_assert_ptr_nonnull(strstr(r->error, want));
	kl_deep_result_free(r);
}
END_TEST

START_TEST(run_missing_program_and_files)
{
	struct kl_deep_options o = { .crash = "/nonexistent/crash", .timeout_s = 5 };
	struct kl_deep_result *r = NULL;
	struct kl_error *err = NULL;
	ck_assert_int_eq(kl_deep_check_opts(dump, vmlinux, &o, &r, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err->msg, "\"/nonexistent/crash\""));
	kl_error_free(err), err = NULL;
	ck_assert_int_eq(kl_deep_check_opts("/nonexistent/vmcore", vmlinux, &o, &r, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err->msg, "dump \"/nonexistent/vmcore\""));
	ck_assert_int_eq(err->exit_code, 2);
	kl_error_free(err), err = NULL;
	ck_assert_int_eq(kl_deep_check_opts(dump, "/nonexistent/vmlinux", &o, &r, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err->msg, "vmlinux \"/nonexistent/vmlinux\""));
	kl_error_free(err);
	ck_assert_ptr_null(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("deep");
	TCase *p = tcase_create("parse");
	tcase_add_test(p, parse_ok);
	tcase_add_test(p, parse_truncated_quotes_crash);
	tcase_add_test(p, parse_repeated_warnings_once);
	tcase_add_test(p, parse_no_panic_line);
	tcase_add_test(p, parse_empty_panic_with_bt);
	tcase_add_test(p, parse_empty_and_timeout);
	suite_add_tcase(s, p);
	TCase *run = tcase_create("run");
	tcase_add_checked_fixture(run, setup, teardown);
	tcase_set_timeout(run, 30);
	tcase_add_test(run, run_fake_crash_ok);
	tcase_add_test(run, run_deadline_kills);
	tcase_add_test(run, run_paths_after_double_dash);
	tcase_add_test(run, run_exit_status_quoted);
	tcase_add_test(run, run_missing_program_and_files);
	suite_add_tcase(s, run);
	return kl_check_run(s);
}
