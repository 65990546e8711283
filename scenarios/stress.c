/* SPDX-License-Identifier: MIT */
/*
 * stress: sysrq c while other processes dirty memory and write files (on the initramfs's
 * ramfs: the system guest has no disk driver loaded), so the capture kernel starts on a
 * machine that was busy on every CPU. The signature is sysrq's.
 */
#include "scenario.h"

#ifdef KL_GUEST
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest-sys.h"
#include "guest-util.h"

#define DIRTY (64u << 20)

static void pin(unsigned cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static _Noreturn void dirty(unsigned cpu)
{
	pin(cpu);
	unsigned char *p =
		mmap(NULL, DIRTY, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (unsigned v = 0; p != MAP_FAILED; v++)
		memset(p, (int)v, DIRTY);
	_exit(1);
}

static _Noreturn void write_files(unsigned cpu)
{
	static char buf[1 << 16];
	pin(cpu);
	memset(buf, 0xa5, sizeof(buf));
	for (;;) {
		int fd = open("/stress", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		for (int i = 0; fd >= 0 && i < 256; i++)
			if (write(fd, buf, sizeof(buf)) < 0)
				break;
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
}

static int trigger(const struct kl_trigger *t)
{
	char path[KL_PATH_MAX];
	for (unsigned cpu = 0; cpu < t->cpus_online && cpu < 64; cpu++) {
		pid_t a = fork();
		if (a == 0)
			dirty(cpu);
		pid_t b = fork();
		if (b == 0)
			write_files(cpu);
	}
	kl_sys.sleep_ms(1500); /* let the load build up */
	return kl_sys.write_ctl(kl_path(path, sizeof(path), "/proc/sysrq-trigger"), "c", 1);
}
#endif

const struct kl_scenario kl_scenario_stress = {
	.name = "stress",
	.description = "sysrq crash while every CPU dirties memory and writes files",
	.trigger_text =
		"per CPU: a memory dirtier and a file writer; then echo c > /proc/sysrq-trigger",
	.expect =
		(const char *const[]){ "sysrq: Trigger a crash",
				       "Kernel panic - not syncing: sysrq triggered crash", NULL },
	.context = KL_CONTEXT_TRIGGER,
	.backtrace = "sysrq_handle_crash",
	.trigger = KL_GUEST_FN(trigger),
};
