/* SPDX-License-Identifier: MIT */
/* The one spawner (lab/base/spawn.c): capture, caps, deadline, process groups, _cleanup_pid_. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/fs.h"
#include "base/spawn.h"
#include "kl-check.h"

extern char **environ;

static char dir[] = "/tmp/kl-test-spawn.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	kl_rm_rf(dir);
	strcpy(dir, "/tmp/kl-test-spawn.XXXXXX");
}

static struct kl_spawn_result run_sh(const char *script, const struct kl_spawn_options *o)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct kl_spawn_result res = { 0 };
	struct kl_error *err = NULL;
	int r = kl_spawn_run(argv, o, &res, &err);
	ck_assert_msg(r == 0, "%s", err ? err->msg : "?");
	return res;
}

/* The process exists (not yet reaped counts as existing for kill(0)). */
static bool alive(pid_t pid)
{
	return kill(pid, 0) == 0;
}

static pid_t read_pid(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	_cleanup_free_ char *text = NULL;
	ck_assert_int_eq(kl_read_file(path, &text, NULL, NULL), 0);
	return (pid_t)atoi(text);
}

START_TEST(stdout_stderr_status)
{
	const struct kl_spawn_options o = { .out = KL_SPAWN_ALL, .err = KL_SPAWN_ALL };
	struct kl_spawn_result res = run_sh("echo out; echo err >&2; exit 3", &o);
	ck_assert_str_eq(res.out, "out\n");
	ck_assert_int_eq(res.out_len, 4);
	ck_assert_str_eq(res.err, "err\n");
	ck_assert(WIFEXITED(res.status));
	ck_assert_int_eq(WEXITSTATUS(res.status), 3);
	ck_assert(!res.timed_out);
	kl_spawn_result_clear(&res);

	/* merged: one stream, in order; nothing captured: both NULL */
	const struct kl_spawn_options m = { .out = KL_SPAWN_ALL, .merge_stderr = true };
	res = run_sh("echo one; echo two >&2; echo three", &m);
	ck_assert_str_eq(res.out, "one\ntwo\nthree\n");
	ck_assert_ptr_null(res.err);
	kl_spawn_result_clear(&res);
	const struct kl_spawn_options none = { 0 };
	res = run_sh("echo lost; echo lost >&2", &none);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_null(res.err);
	ck_assert_int_eq(WEXITSTATUS(res.status), 0);
	kl_spawn_result_clear(&res);
}
END_TEST

START_TEST(stdin_env_cwd)
{
	/* stdin is /dev/null unless given: cat ends at once with nothing */
	const struct kl_spawn_options o = { .out = KL_SPAWN_ALL };
	struct kl_spawn_result res = run_sh("cat", &o);
	ck_assert_str_eq(res.out, "");
	kl_spawn_result_clear(&res);

	int fd = memfd_create("kl-test-spawn", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "from memfd\n", 11), 11);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	const struct kl_spawn_options in = { .out = KL_SPAWN_ALL, .stdin_fd = fd };
	res = run_sh("cat", &in);
	ck_assert_str_eq(res.out, "from memfd\n");
	kl_spawn_result_clear(&res);
	close(fd);

	/* "NAME=value" replaces NAME, a bare "NAME" removes it; the rest is inherited */
	setenv("KL_SPAWN_KEEP", "kept", 1);
	setenv("KL_SPAWN_DROP", "dropped", 1);
	setenv("KL_SPAWN_SET", "old", 1);
	static const char *const env[] = { "KL_SPAWN_SET=new", "KL_SPAWN_DROP", NULL };
	const struct kl_spawn_options e = { .out = KL_SPAWN_ALL, .env = env, .cwd = dir };
	res = run_sh("echo \"$KL_SPAWN_KEEP ${KL_SPAWN_DROP-unset} $KL_SPAWN_SET $(env | grep -c "
		     "'^KL_SPAWN_SET=')\"; pwd",
		     &e);
	char want[256];
	snprintf(want, sizeof(want), "kept unset new 1\n%s\n", dir);
	ck_assert_str_eq(res.out, want);
	kl_spawn_result_clear(&res);
}
END_TEST

START_TEST(not_found_and_fallback_dirs)
{
	const char *argv[] = { "kl-test-spawn-no-such-program", NULL };
	const struct kl_spawn_options o = { .out = KL_SPAWN_ALL };
	struct kl_spawn_result res = { 0 };
	struct kl_error *err = NULL;
	ck_assert_int_eq(kl_spawn_run(argv, &o, &res, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err->msg, "'kl-test-spawn-no-such-program'"));
	ck_assert_ptr_null(res.out);
	kl_error_free(err), err = NULL;

	/* not in PATH, found in a fallback directory (as mke2fs in /usr/sbin) */
	char prog[256];
	snprintf(prog, sizeof(prog), "%s/kl-test-spawn-no-such-program", dir);
	const char script[] = "#!/bin/sh\necho fallback \"$1\"\n";
	ck_assert_int_eq(kl_write_file_atomic(prog, script, strlen(script), 0755, NULL), 0);
	const char *argv2[] = { "kl-test-spawn-no-such-program", "arg", NULL };
	const char *const dirs[] = { "/nonexistent", dir, NULL };
	const struct kl_spawn_options f = { .out = KL_SPAWN_ALL, .dirs = dirs };
	ck_assert_int_eq(kl_spawn_run(argv2, &f, &res, &err), 0);
	ck_assert_str_eq(res.out, "fallback arg\n");
	kl_spawn_result_clear(&res);
}
END_TEST

/* 3 MiB of numbered lines through a head+tail cap: bounded, with the exact count dropped. */
START_TEST(output_caps)
{
	const char *gen = "i=0; while [ $i -lt 100000 ]; do "
			  "printf '%031d\\n' $i; i=$((i+1)); done"; /* 32 bytes a line */
	const struct kl_spawn_options o = {
		.what = "gen",
		.out = { .head = 1000, .tail = 1000 },
	};
	struct kl_spawn_result res = run_sh(gen, &o);
	/* head: bytes 0..999; tail: the last 1000 bytes from their first full line (992 bytes,
	 * 31 lines); the note counts everything between */
	size_t total = 100000 * 32, kept_tail = 31 * 32;
	char note[128];
	snprintf(note, sizeof(note), "\n[%zu bytes of gen output not kept]\n",
		 total - 1000 - kept_tail);
	ck_assert_int_eq(res.out_len, 1000 + strlen(note) + kept_tail);
	ck_assert_int_eq(memcmp(res.out, "0000000000000000000000000000000\n", 32), 0);
	ck_assert_int_eq(memcmp(res.out + 1000, note, strlen(note)), 0);
	ck_assert_str_eq(res.out + res.out_len - 32, "0000000000000000000000000099999\n");
	ck_assert_int_eq(
		memcmp(res.out + 1000 + strlen(note), "0000000000000000000000000099969\n", 32), 0);
	kl_spawn_result_clear(&res);

	/* a tail alone: the last bytes as they are, no note */
	const struct kl_spawn_options t = { .err = { .tail = 40 } };
	res = run_sh("i=0; while [ $i -lt 1000 ]; do echo line $i >&2; i=$((i+1)); done", &t);
	ck_assert_int_eq(res.err_len, 40);
	ck_assert_str_eq(res.err, "995\nline 996\nline 997\nline 998\nline 999\n");
	ck_assert_ptr_null(strstr(res.err, "not kept"));
	kl_spawn_result_clear(&res);
}
END_TEST

/* A child that never ends, and a grandchild holding its pipe: both killed at the deadline. */
START_TEST(deadline_kills_group)
{
	char script[512];
	snprintf(script, sizeof(script),
		 "sleep 600 & echo $! > %s/grandchild; echo started; exec sleep 600", dir);
	const struct kl_spawn_options o = {
		.out = KL_SPAWN_ALL,
		.own_group = true,
		.timeout_s =
			3, /* ample for the shell to start and print, even on a loaded machine */
	};
	struct kl_spawn_result res = run_sh(script, &o);
	ck_assert(res.timed_out);
	ck_assert(WIFSIGNALED(res.status));
	ck_assert_int_eq(WTERMSIG(res.status), SIGKILL);
	ck_assert_str_eq(res.out, "started\n");
	pid_t g = read_pid("grandchild");
	/* the grandchild is init's to reap: wait until it is no longer running */
	for (int i = 0; i < 500 && alive(g); i++) {
		char stat[64], buf[512];
		snprintf(stat, sizeof(stat), "/proc/%d/stat", (int)g);
		FILE *f = fopen(stat, "r");
		if (!f)
			break;
		bool zombie = fgets(buf, sizeof(buf), f) && strstr(buf, ") Z ");
		fclose(f);
		if (zombie)
			break;
		usleep(10000);
	}
	char stat[64], buf[512] = "";
	snprintf(stat, sizeof(stat), "/proc/%d/stat", (int)g);
	FILE *f = fopen(stat, "r");
	if (f) {
		ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
		fclose(f);
		ck_assert_msg(strstr(buf, ") Z "), "grandchild %d still runs: %s", (int)g, buf);
	}
	kl_spawn_result_clear(&res);
}
END_TEST

START_TEST(cleanup_pid_kills_and_reaps)
{
	pid_t seen;
	{
		_cleanup_pid_ pid_t pid = 0;
		const char *argv[] = { "sleep", "600", NULL };
		ck_assert_int_eq(posix_spawnp(&pid, "sleep", NULL, NULL, (char **)argv, environ),
				 0);
		seen = pid;
		ck_assert(alive(seen));
	}
	/* killed and reaped: no such child any more */
	ck_assert_int_eq(waitpid(seen, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	pid_t zero = 0;
	kl_pid_kill_and_reap(&zero); /* nothing to do */
	ck_assert_int_eq(zero, 0);
}
END_TEST

START_TEST(spawn_must_succeed)
{
	const char *ok[] = { "/bin/sh", "-c", "echo $LC_ALL", NULL };
	_cleanup_free_ char *out = NULL;
	ck_assert_int_eq(kl_spawn(ok, NULL, NULL, &out, NULL), 0);
	ck_assert_str_eq(out, "C\n");

	const char *bad[] = { "/bin/sh", "-c", "echo noise; echo first >&2; echo last >&2; exit 4",
			      NULL };
	struct kl_error *err = NULL;
	ck_assert_int_lt(kl_spawn(bad, "the tool", NULL, NULL, &err), 0);
	ck_assert_str_eq(err->msg, "'the tool' failed with exit status 4: first last");
	kl_error_free(err), err = NULL;

	const char *quiet[] = { "/bin/sh", "-c", "exit 1", NULL };
	ck_assert_int_lt(kl_spawn(quiet, NULL, NULL, NULL, &err), 0);
	ck_assert_str_eq(err->msg, "'/bin/sh -c exit 1' failed with exit status 1: (no message)");
	kl_error_free(err), err = NULL;

	const char *killed[] = { "/bin/sh", "-c", "kill -9 $$", NULL };
	ck_assert_int_lt(kl_spawn(killed, "k", NULL, NULL, &err), 0);
	ck_assert_str_eq(err->msg, "'k' was killed by signal 9: ");
	kl_error_free(err), err = NULL;

	/* A tool that stalls (a hung mirror) is killed at kl_spawn's deadline, with its group. */
	double saved = kl_spawn_timeout_s;
	kl_spawn_timeout_s = 0.5;
	const char *stall[] = { "/bin/sh", "-c", "echo waiting >&2; sleep 30 & wait", NULL };
	ck_assert_int_eq(kl_spawn(stall, "stall", NULL, NULL, &err), -ETIMEDOUT);
	kl_spawn_timeout_s = saved;
	ck_assert_str_eq(
		err->msg,
		"'stall' did not finish within its 0.5 s deadline and was killed: waiting");
	kl_error_free(err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spawn");
	TCase *t = tcase_create("all");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, stdout_stderr_status);
	tcase_add_test(t, stdin_env_cwd);
	tcase_add_test(t, not_found_and_fallback_dirs);
	tcase_add_test(t, output_caps);
	tcase_add_test(t, deadline_kills_group);
	tcase_add_test(t, cleanup_pid_kills_and_reaps);
	tcase_add_test(t, spawn_must_succeed);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
