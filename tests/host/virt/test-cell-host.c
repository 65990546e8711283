/* SPDX-License-Identifier: MIT */
/*
 * cell.c against libvirt's test:///default driver (a domain that "runs" without QEMU; a local
 * connection, so the cell tails console.log as it would QEMU's file):
 * - a cell whose libvirt connection drops ends error/infra (run.c retries only timeout(boot)),
 *   not timeout(<phase>) or a guess from the console: the connection is marked lost as
 *   libvirt's close callback does, once the cell enters "boot";
 * - a guest that prints without end: console.log and system.log end at the cap with the note;
 * - a log that cannot be written (disk full) is said in the verdict's detail.
 */
#include "kl-check.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images.h"
#include "run/cell.h"
#include "virt/caplog.h"
#include "virt/connection.h"
#include "virt/virt.h"

static struct kl_virt *conn;

static bool lose_at_boot;

static void progress(void *userdata, const char *cell, const char *what)
{
	if (lose_at_boot && strcmp(what, "boot") == 0)
		kl_virt_mark_lost(conn);
}

/* The cell environment of a test: a test:///default connection with its state in `state`,
 * results in `out`; lose: the connection is lost when the cell reaches boot. */
static struct kl_cell_env open_env(const char *state, const char *out, bool lose)
{
	struct kl_error *e = NULL;
	ck_assert_msg(kl_virt_open("test:///default", state, &conn, &e) == 0, "%s",
		      e ? e->msg : "");
	lose_at_boot = lose;
	return (struct kl_cell_env){
		.virt = conn,
		.out_dir = out,
		.state_dir = state,
		.deadline_scale = 1.0,
		.progress = progress,
	};
}

static struct kl_images im = {
	.release = (char *)"6.1.0-test",
	.vmlinuz = (char *)"/boot/vmlinuz-test",
	.system_initrd = (char *)"/boot/initrd-test",
};
static struct kl_cell_spec spec = {
	.id = (char *)"c",
	.kernel = (char *)"local:/boot/vmlinuz-test",
	.memory = 256 << 20,
	.vcpus = 1,
	.crashkernel = 64 << 20,
	.scenario = (char *)"sysrq",
	.expect = (char *)"pass",
};

START_TEST(lost_connection_ends_the_cell_error_infra)
{
	char dir[] = "/tmp/kl-cell-lost-XXXXXX", state[128], out[128], cmd[160];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	struct kl_cell_env env = open_env(state, out, true);
	struct kl_error *e = NULL;
	struct kl_cell_result *r = NULL;
	ck_assert_int_eq(kl_cell_run(&env, &spec, &im, &r, &e), 0);
	ck_assert_str_eq(kl_verdict_name(r->verdict), "error");
	ck_assert_str_eq(kl_cause_name(r->cause), "infra");
	ck_assert_str_eq(kl_phase_name(r->phase), "boot");
	ck_assert_msg(
		strstr(r->detail, "connection to \"test:///default\" was lost in phase \"boot\""),
		"%s", r->detail);
	/* No QEMU pid behind the test driver: the detail says the guest may still run. */
	ck_assert_msg(strstr(r->detail, "may still run"), "%s", r->detail);
	kl_cell_result_free(r);
	kl_virt_close(conn);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * The guest's side: once the cell created console.log, write `bytes` of lines into it (as QEMU
 * does, at its own offset), wait until the cell's system.log holds `logged` bytes (at most 30 s),
 * then drop the connection so the cell ends without waiting for a deadline.
 */
struct guest {
	const char *dir;
	size_t bytes;
	off_t logged;
};

static void *guest_prints(void *arg)
{
	const struct guest *g = arg;
	char console[256], system_log[256];
	snprintf(console, sizeof(console), "%s/out/cells/c/console.log", g->dir);
	snprintf(system_log, sizeof(system_log), "%s/out/cells/c/system.log", g->dir);
	int fd;
	while ((fd = open(console, O_WRONLY | O_CLOEXEC)) < 0)
		usleep(10 * 1000);
	static char lines[1 << 16];
	for (size_t i = 0; i < sizeof(lines); i++)
		lines[i] = (i + 1) % 64 == 0 ? '\n' : (char)('a' + i % 26);
	for (size_t i = 0; i < g->bytes / sizeof(lines); i++)
		if (write(fd, lines, sizeof(lines)) != sizeof(lines))
			break;
	close(fd);
	for (int i = 0; i < 1500 && size_of(system_log) < g->logged; i++)
		usleep(20 * 1000);
	usleep(300 * 1000);
	kl_virt_mark_lost(conn);
	return NULL;
}

START_TEST(console_logs_end_at_the_cap)
{
	char dir[] = "/tmp/kl-cell-cap-XXXXXX", state[128], out[128], cmd[160], path[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	struct kl_cell_env env = open_env(state, out, false);
	struct kl_error *e = NULL;
	pthread_t guest;
	struct guest g = { .dir = dir, .bytes = 70 << 20, .logged = (off_t)KL_CONSOLE_LOG_MAX };
	ck_assert_int_eq(pthread_create(&guest, NULL, guest_prints, &g), 0);
	struct kl_cell_result *r = NULL;
	ck_assert_int_eq(kl_cell_run(&env, &spec, &im, &r, &e), 0);
	pthread_join(guest, NULL);
	ck_assert_str_eq(kl_cause_name(r->cause), "infra");
	char note[96];
	snprintf(note, sizeof(note), KL_CONSOLE_LOG_CUT, (unsigned long long)KL_CONSOLE_LOG_MAX);
	const char *logs[] = { "console.log", "system.log" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/cells/c/%s", out, logs[i]);
		ck_assert_int_eq(size_of(path), (off_t)(KL_CONSOLE_LOG_MAX + strlen(note)));
		char tail[96] = "";
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_int_eq(pread(fd, tail, strlen(note), (off_t)KL_CONSOLE_LOG_MAX),
				 (ssize_t)strlen(note));
		close(fd);
		ck_assert_str_eq(tail, note);
	}
	kl_cell_result_free(r);
	kl_virt_close(conn);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(log_write_errors_are_said)
{
	char dir[] = "/tmp/kl-cell-full-XXXXXX", state[128], out[128], cmd[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	/* A small file system for the output directory only (the host tests run as root). */
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=3m kdumplab-full %s", out);
	ck_assert_msg(system(cmd) == 0, "cannot mount a tmpfs on %s (needs root)", out);
	struct kl_cell_env env = open_env(state, out, false);
	struct kl_error *e = NULL;
	pthread_t guest;
	/* 2 MiB printed on a 3 MiB file system: system.log runs out of room. */
	struct guest g = { .dir = dir, .bytes = 2 << 20, .logged = 512 << 10 };
	ck_assert_int_eq(pthread_create(&guest, NULL, guest_prints, &g), 0);
	struct kl_cell_result *r = NULL;
	ck_assert_int_eq(kl_cell_run(&env, &spec, &im, &r, &e), 0);
	pthread_join(guest, NULL);
	ck_assert_str_eq(kl_cause_name(r->cause), "infra");
	ck_assert_msg(strstr(r->detail, "cannot write system.log: No space left on device"), "%s",
		      r->detail);
	kl_cell_result_free(r);
	kl_virt_close(conn);
	snprintf(cmd, sizeof(cmd), "umount %s && rm -rf %s", out, dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { lost_connection_ends_the_cell_error_infra,
				       console_logs_end_at_the_cap, log_write_errors_are_said };
	return kl_check_main("cell-host", 60, tests, KL_CHECK_N(tests));
}
