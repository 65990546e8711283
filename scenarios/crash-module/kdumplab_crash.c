// SPDX-License-Identifier: GPL-2.0
/*
 * kdumplab_crash: the lab's crash module. Writing an action name to
 * /sys/module/kdumplab_crash/parameters/crash performs that action in the writer's context
 * (the loader's pinned trigger child). Each action first logs one line
 * "kdumplab_crash: action=NAME cpu=N pid=M" so the dump's log names what was asked for.
 * The sysctls that turn an oops, a warning or a lockup into a panic are set by the scenario.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timer.h>

static void log_action(const char *name)
{
	pr_emerg("kdumplab_crash: action=%s cpu=%d pid=%d\n", name, raw_smp_processor_id(),
		 task_pid_nr(current));
}

static void do_oops(void)
{
	int *volatile p = NULL;

	*p = 0x6b6b6b6b;
}

static void do_bug(void)
{
	BUG();
}

static void do_warn(void)
{
	WARN(1, "kdumplab_crash: warning on request\n");
}

static struct timer_list panic_timer;

static void panic_timer_fn(struct timer_list *t)
{
	panic("kdumplab_crash: panic in a timer callback");
}

static void do_irq_panic(void)
{
	timer_setup(&panic_timer, panic_timer_fn, 0);
	mod_timer(&panic_timer, jiffies + msecs_to_jiffies(10));
	for (;;)
		msleep(100);
}

/* Never reached; read through volatile so the compiler cannot prove the recursion endless. */
static volatile int recursion_limit = INT_MAX;

/* A large frame per call, so the guard page below the (vmapped) stack is reached quickly. */
static noinline int recurse(int depth)
{
	volatile char frame[1024];

	if (depth >= recursion_limit)
		return 0;

	frame[0] = (char)depth;
	frame[sizeof(frame) - 1] = (char)depth;
	/* Keep the call a call: no tail call, no loop. */
	barrier();
	return recurse(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

static void do_stack_overflow(void)
{
	pr_emerg("kdumplab_crash: recursion returned %d\n", recurse(0));
}

static atomic_t spinners = ATOMIC_INIT(0);

static void spin_irqs_off(void *unused)
{
	/* smp_call_function runs this in IPI context: interrupts are already off. */
	local_irq_disable();
	atomic_inc(&spinners);
	for (;;)
		cpu_relax();
}

static void do_spin_all_cpus(void)
{
	int others;
	unsigned long waited = 0;

	preempt_disable();
	others = num_online_cpus() - 1;
	smp_call_function(spin_irqs_off, NULL, 0);
	while (atomic_read(&spinners) < others && waited++ < 5000000)
		cpu_relax();
	panic("kdumplab_crash: panic while the other CPUs spin with interrupts off");
}

static void do_softlockup(void)
{
	preempt_disable();
	for (;;)
		cpu_relax();
}

static void do_hardlockup(void)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static void do_hung_task(void)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} actions[] = {
	{ "oops", do_oops },
	{ "bug", do_bug },
	{ "warn", do_warn },
	{ "irq-panic", do_irq_panic },
	{ "stack-overflow", do_stack_overflow },
	{ "spin-all-cpus", do_spin_all_cpus },
	{ "softlockup", do_softlockup },
	{ "hardlockup", do_hardlockup },
	{ "hung-task", do_hung_task },
};

static int crash_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strcspn(val, "\n");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		if (strlen(actions[i].name) == len && !strncmp(val, actions[i].name, len)) {
			log_action(actions[i].name);
			actions[i].fn();
			return 0;
		}
	}
	pr_err("kdumplab_crash: unknown action '%.*s'\n", (int)min_t(size_t, len, 32), val);
	return -EINVAL;
}

static int crash_get(char *buf, const struct kernel_param *kp)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		n += scnprintf(buf + n, PAGE_SIZE - n, "%s%s", i ? " " : "", actions[i].name);
	n += scnprintf(buf + n, PAGE_SIZE - n, "\n");
	return n;
}

static const struct kernel_param_ops crash_ops = {
	.set = crash_set,
	.get = crash_get,
};
module_param_cb(crash, &crash_ops, NULL, 0600);
MODULE_PARM_DESC(crash, "write an action name to crash the kernel that way");

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kdumplab");
MODULE_DESCRIPTION(
	"kdumplab crash scenarios: oops, BUG, WARN, timer panic, stack overflow, lockups");
