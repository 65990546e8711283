/* SPDX-License-Identifier: MIT */
/*
 * Owner lock files (lockfile.c): a lock held by a live process cannot be taken; once the
 * process is gone, however it died, it can; a file replaced under the taker is not trusted.
 */
#include "kl-check.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"
#include "virt/lockfile.h"

static char dir[] = "/tmp/kl-test-lockfile.XXXXXX";

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

START_TEST(held_by_a_live_process_until_it_is_killed)
{
	char path[256];
	path_in_dir(path, sizeof(path), "lab-1.lock");
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		alarm(30); /* never outlives a failed test by long */
		int fd = kl_lockfile_hold(path, NULL);
		(void)!write(ready[1], fd >= 0 ? "y" : "n", 1);
		for (;;)
			pause();
	}
	char c = 0;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	/* The owner lives: neither a cleaner nor a second holder gets it. */
	ck_assert_int_eq(kl_lockfile_take(path, 0), -1);
	/* SIGKILL: the kernel drops the flock, the file stays. */
	kill(child, SIGKILL);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_int_eq(access(path, F_OK), 0);
	int fd = kl_lockfile_take(path, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

START_TEST(take_needs_the_file_and_create_claims_it_once)
{
	char path[256];
	path_in_dir(path, sizeof(path), "embed-2.lock");
	unlink(path);
	ck_assert_int_eq(kl_lockfile_take(path, 0), -1); /* no file: nothing to take */
	int a = kl_lockfile_take(path, O_CREAT | O_EXCL);
	ck_assert_int_ge(a, 0);
	/* A second cleaner neither creates it again nor takes it while the first holds it. */
	ck_assert_int_eq(kl_lockfile_take(path, O_CREAT | O_EXCL), -1);
	ck_assert_int_eq(kl_lockfile_take(path, 0), -1);
	close(a);
	unlink(path);
}
END_TEST

START_TEST(hold_reports_what_it_could_not_lock)
{
	char path[256];
	path_in_dir(path, sizeof(path), "missing-dir/lab-3.lock");
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_lockfile_hold(path, &e), -ENOENT);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->msg, path));
	kl_error_free(e);
}
END_TEST

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	const TTest *const tests[] = { held_by_a_live_process_until_it_is_killed,
				       take_needs_the_file_and_create_claims_it_once,
				       hold_reports_what_it_could_not_lock };
	int r = kl_check_main("lockfile", 30, tests, KL_CHECK_N(tests));
	kl_rm_rf(dir);
	return r;
}
