/* SPDX-License-Identifier: MIT */
/*
 * The scheduler against libvirt's test:///default driver (a domain that "runs" and never
 * prints, so every cell ends fail/timeout(boot) at its scaled deadline): each submitted cell
 * comes back exactly once, typed, through the callback; the retry rule runs an unexpected
 * timeout(boot) again with the first attempt kept aside; an expected one is not retried; an
 * interrupted scheduler takes no more cells; a drained one takes none.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images.h"
#include "kl-check.h"
#include "run/scheduler.h"
#include "virt/virt.h"

static struct kl_images im = {
	.release = (char *)"6.1.0-test",
	.vmlinuz = (char *)"/boot/vmlinuz-test",
	.system_initrd = (char *)"/boot/initrd-test",
	.id = (char *)"images-test",
};
static const struct kl_sched_kernel kernels[] = { { "local:/boot/vmlinuz-test", NULL, &im } };

#define SPEC(name, exp)                                                                            \
	{                                                                                          \
		.id = (char *)(name), .kernel = (char *)"local:/boot/vmlinuz-test",                \
		.memory = 256 << 20, .vcpus = 1, .crashkernel = 64 << 20,                          \
		.scenario = (char *)"sysrq", .expect = (char *)(exp)                               \
	}

static struct kl_cell_spec specs[] = { SPEC("a", "pass"), SPEC("b", "fail/timeout(boot)"),
				       SPEC("c", "pass") };

struct got {
	pthread_mutex_t lock;
	struct kl_cell_result *res[3];
	unsigned calls[3];
};

static void on_result(void *userdata, const struct kl_cell_spec *spec, struct kl_cell_result *r)
{
	struct got *g = userdata;
	size_t i = (size_t)(spec - specs);
	ck_assert_uint_lt(i, 3);
	pthread_mutex_lock(&g->lock);
	g->calls[i]++;
	kl_cell_result_free(g->res[i]);
	g->res[i] = r;
	pthread_mutex_unlock(&g->lock);
}

static char dir[] = "/tmp/kl-sched-XXXXXX";

static struct kl_sched_conf conf(struct kl_virt **conn, struct got *g, char *out, char *state,
				 volatile sig_atomic_t *interrupted)
{
	return (struct kl_sched_conf){
		.connections = conn,
		.n_connections = 1,
		.jobs = 2,
		.kernels = kernels,
		.n_kernels = 1,
		.out_dir = out,
		.state_dir = state,
		.deadline_scale = 0.02, /* boot deadline 1.2 s */
		.retries = 1,
		.interrupted = interrupted,
		.on_result = on_result,
		.userdata = g,
	};
}

START_TEST(every_cell_comes_back_once_typed)
{
	char state[128], out[128], path[256];
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	struct kl_virt *conn = NULL;
	struct kl_error *e = NULL;
	ck_assert_msg(kl_virt_open("test:///default", state, &conn, &e) == 0, "%s",
		      e ? e->msg : "");
	struct got g = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct kl_sched_conf c = conf(&conn, &g, out, state, NULL);
	struct kl_sched *s = NULL;
	ck_assert_int_eq(kl_sched_new(&c, &s, &e), 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(kl_sched_submit(s, &specs[i], &e), 0);
	ck_assert_int_eq(kl_sched_drain(s, &e), 0);
	ck_assert_int_eq(kl_sched_submit(s, &specs[0], &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e->msg, "drained"));
	kl_error_free(e);
	kl_sched_free(s);
	for (size_t i = 0; i < 3; i++) {
		struct kl_cell_result *r = g.res[i];
		ck_assert_uint_eq(g.calls[i], 1);
		ck_assert_str_eq(r->spec.id, specs[i].id);
		ck_assert_int_eq(r->verdict, KL_VERDICT_FAIL);
		ck_assert_int_eq(r->cause, KL_CAUSE_TIMEOUT);
		ck_assert_int_eq(r->phase, KL_PHASE_BOOT);
		ck_assert_str_eq(r->images_id, "images-test");
		ck_assert_ptr_nonnull(r->lab_version);
	}
	/* Unexpected timeout(boot): run again once, the first attempt kept aside. */
	for (size_t i = 0; i < 3; i += 2) {
		struct kl_cell_result *r = g.res[i];
		ck_assert(!r->expected);
		ck_assert_uint_eq(r->attempts, 2);
		ck_assert_uint_eq(r->n_earlier, 1);
		ck_assert_uint_eq(r->earlier[0].n, 1);
		struct kl_outcome want;
		ck_assert_int_eq(kl_outcome_parse("fail/timeout(boot)", &want, NULL), 0);
		ck_assert(kl_outcome_eq(&r->earlier[0].ended, &want));
		snprintf(path, sizeof(path), "cells/%s.attempt-1", specs[i].id);
		ck_assert_str_eq(r->earlier[0].dir, path);
		snprintf(path, sizeof(path), "%s/cells/%s.attempt-1/console.log", out, specs[i].id);
		ck_assert_int_eq(access(path, F_OK), 0);
	}
	/* Expected: once. */
	ck_assert(g.res[1]->expected);
	ck_assert_uint_eq(g.res[1]->attempts, 1);
	ck_assert_uint_eq(g.res[1]->n_earlier, 0);
	for (size_t i = 0; i < 3; i++)
		kl_cell_result_free(g.res[i]);
	kl_virt_close(conn);
}
END_TEST

START_TEST(interrupted_takes_no_more_cells)
{
	char state[128], out[128];
	snprintf(state, sizeof(state), "%s/state2", dir);
	snprintf(out, sizeof(out), "%s/out2", dir);
	struct kl_virt *conn = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open("test:///default", state, &conn, &e), 0);
	volatile sig_atomic_t interrupted = 1;
	struct got g = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct kl_sched_conf c = conf(&conn, &g, out, state, &interrupted);
	struct kl_sched *s = NULL;
	ck_assert_int_eq(kl_sched_new(&c, &s, &e), 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(kl_sched_submit(s, &specs[i], &e), 0);
	ck_assert_int_eq(kl_sched_drain(s, &e), 0);
	kl_sched_free(s);
	for (size_t i = 0; i < 3; i++)
		ck_assert_uint_eq(g.calls[i], 0);
	kl_virt_close(conn);
}
END_TEST

int main(void)
{
	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	Suite *s = suite_create("scheduler");
	TCase *t = tcase_create("scheduler");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, every_cell_comes_back_once_typed);
	tcase_add_test(t, interrupted_takes_no_more_cells);
	suite_add_tcase(s, t);
	int failed = kl_check_run(s);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
