/* SPDX-License-Identifier: MIT */
/*
 * Owners (owner.c, proc.c): the <kdumplab:owner> element read back from a domain's metadata, which
 * anyone with access to the hypervisor can write, and whether the process it names is alive.
 */
#include "kl-check.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "virt/owner.h"
#include "virt/proc.h"

START_TEST(parse_reads_every_field)
{
	struct kl_owner_meta m = { 0 };
	ck_assert_int_eq(kl_owner_parse("<owner xmlns='" KL_OWNER_NS "' host='h1' pid='42' "
					"starttime='123456789' boot_id='b-1'/>",
					&m),
			 0);
	ck_assert_str_eq(m.host, "h1");
	ck_assert_str_eq(m.boot_id, "b-1");
	ck_assert_int_eq(m.pid, 42);
	ck_assert_uint_eq(m.starttime, 123456789);
	kl_owner_meta_done(&m);
}
END_TEST

START_TEST(parse_refuses_what_names_no_host)
{
	static const char *const bad[] = {
		"",
		"<owner",
		"not xml at all",
		"<owner pid='1'/>",
		"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><owner pid='&e;'/>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kl_owner_meta m = { .pid = -7 };
		ck_assert_int_eq(kl_owner_parse(bad[i], &m), -EINVAL);
		ck_assert_int_eq(m.pid, -7); /* untouched */
	}
	/* Garbage numbers read as 0: "unknown", which kl_owner_alive treats as alive. */
	struct kl_owner_meta m = { 0 };
	ck_assert_int_eq(kl_owner_parse("<owner host='h' pid='x' starttime='-'/>", &m), 0);
	ck_assert_int_eq(m.pid, 0);
	ck_assert_uint_eq(m.starttime, 0);
	kl_owner_meta_done(&m);
}
END_TEST

START_TEST(alive_tells_self_dead_reused_and_foreign)
{
	const struct kl_domain_owner *me = kl_self_owner();
	ck_assert_int_eq(me->pid, getpid());
	ck_assert_uint_eq(me->starttime, kl_proc_starttime(getpid()));
	ck_assert(kl_owner_alive(me->host, me->pid, me->starttime, me->boot_id));
	/* A reused pid: same pid, another start time. */
	ck_assert(!kl_owner_alive(me->host, me->pid, me->starttime + 1, me->boot_id));
	/* Another boot of this host. */
	if (*me->boot_id)
		ck_assert(!kl_owner_alive(me->host, me->pid, me->starttime, "another-boot"));
	/* Another host: never ours to judge, even with a pid that cannot exist. */
	ck_assert(kl_owner_alive("not-this-host.invalid", 1 << 30, 1, "x"));
	ck_assert(kl_owner_alive(NULL, 1 << 30, 1, "x"));

	/* A child that exited and was reaped is dead; so is one that is a zombie. */
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	for (int i = 0; i < 500 && !kl_proc_gone(child); i++)
		usleep(10 * 1000);
	ck_assert(kl_proc_gone(child)); /* a zombie until waited for */
	ck_assert(!kl_owner_alive(me->host, child, 0, me->boot_id));
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_uint_eq(kl_proc_starttime(child), 0);
	ck_assert(!kl_owner_alive(me->host, child, 0, me->boot_id));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { parse_reads_every_field, parse_refuses_what_names_no_host,
				       alive_tells_self_dead_reused_and_foreign };
	return kl_check_main("owner", 30, tests, KL_CHECK_N(tests));
}
