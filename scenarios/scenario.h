/* SPDX-License-Identifier: MIT */
/*
 * A crash scenario is one object in one file, scenarios/<name>.c: everything the host and the
 * guest need to know about one way a kernel dies. The list of files is `kl_scenario_files` in
 * scenarios/meson.build; the table below is generated from it, so adding a scenario is that
 * file and one list entry.
 *
 * Each file is compiled twice: into the host library (kl_scenarios) and, with KL_GUEST
 * defined, into the static loader. Guest-only code (the trigger) sits in #ifdef KL_GUEST and
 * is named with KL_GUEST_FN(), which is NULL in the host's copy.
 *
 * A scenario's text is a variant (common/variant.h): NAME[:KEY=VALUE]..., e.g. "sysrq:cpu=1";
 * its keys are the scenario's .params. The host checks it when a plan or an option is parsed;
 * the loader gets it on the first kernel's command line as kdumplab.scenario= (encoded).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "variant.h"

#ifdef KL_GUEST
#define KL_GUEST_FN(f) (f)
#else
#define KL_GUEST_FN(f) NULL
#endif

/* Our crash module (scenarios/crash-module/), built at image time for the guest kernel. */
#define KL_CRASH_MODULE "kdumplab_crash"
/* A user's module (--module FILE.ko), copied into the system initramfs under this name. */
#define KL_USER_MODULE "user"

/* What the host does through libvirt once the guest reports `trigger`. */
enum kl_host_action {
	KL_HOST_ACTION_NONE,
	KL_HOST_ACTION_INJECT_NMI, /* virDomainInjectNMI */
};

/* Which task panics: what the crash.* checks can hold the dump to. */
enum kl_crash_context {
	/* No crash (boot probes): the guest powers off. */
	KL_CONTEXT_NONE,
	/* The trigger's own task panics on its pinned CPU: that CPU's NT_PRSTATUS carries the
	 * trigger's PID (crash.trigger-pid) and the log's "CPU: N PID: M" names it. */
	KL_CONTEXT_TRIGGER,
	/* Something else panics (an NMI handler, a watchdog, a timer callback, khungtaskd): the
	 * trigger's PID means nothing; .proof says what proves the crash instead. */
	KL_CONTEXT_OTHER,
};

struct kl_scenario_param {
	const char *key;
	const char *help; /* "CPU to crash on: 0..vcpus-1, or each (one cell per vCPU)" */
	/* 0, or -EINVAL with why (naming the value and what was expected). vcpus: the cell's,
	 * 0 when unknown (in the guest the loader checks against the CPUs online). NULL: any
	 * value the grammar allows. */
	int (*check)(const char *value, unsigned vcpus, char *why, size_t whylen);
};

/* What the loader hands a guest trigger. */
struct kl_trigger {
	const struct kl_variant *variant; /* the scenario's parameters */
	unsigned cpu;			  /* the CPU the trigger child is pinned to */
	unsigned cpus_online;
};

struct kl_scenario {
	const char *name;
	const char *description;  /* how it crashes, one line */
	const char *trigger_text; /* what the guest (or host) does, in shell terms */
	const char *cmdline;	  /* added to the first kernel's command line, or NULL */
	/* "kernel.panic_on_oops=1": written to /proc/sys/... by the loader before the trigger */
	const char *const *sysctls;
	/* "CONFIG_X=y" or "CONFIG_X=y|m": unavailable on a kernel without them */
	const char *const *kconfig;
	/* Loaded by the loader before the trigger: KL_CRASH_MODULE, a module of the kernel's
	 * own ("softdog"), or NULL; with these parameters. */
	const char *module, *module_params;
	/* The trigger itself loads a module that crashes (scenario module): like .module, the
	 * panicking rip may lie in the module area. */
	bool trigger_loads_module;
	const struct kl_scenario_param *params; /* {NULL}-terminated, or NULL */
	/* Substrings the dumped kernel log must contain, in this order, after the nonce. */
	const char *const *expect;
	enum kl_crash_context context;
	const char *proof; /* KL_CONTEXT_OTHER: what proves the crash instead of the PID */
	/* A function expected in the panicking task's backtrace (deep check with a debug
	 * vmlinux), or NULL. */
	const char *backtrace;
	enum kl_host_action host_action;
	/* Guest only: runs in the pinned trigger child after the nonce is in the log. Returns
	 * only when the kernel did not crash: 0 or -errno. NULL: nothing to do in the guest
	 * (the host acts, or the scenario does not crash). */
	int (*trigger)(const struct kl_trigger *t);
	/* Guest only, optional: whether this kernel can run the scenario at all, asked before
	 * anything is set up (e.g. a working hard-lockup detector). 0, or -errno with why: the
	 * loader reports it as step "unavailable" and the cell ends error/unavailable. */
	int (*probe)(char *why, size_t whylen);
	/* What the probe looks for, for `kdumplab scenarios` (the host cannot know it). */
	const char *probe_text;
};

extern const struct kl_scenario *const kl_scenarios[];
extern const size_t kl_scenarios_count;

#define KL_SCENARIO_DEFAULT "sysrq"

/* The scenario called name (no parameters), or NULL. */
const struct kl_scenario *kl_scenario_find(const char *name);
/* "sysrq, nmi, ..." cut to len. */
const char *kl_scenario_names(char *buf, size_t len);
/* Parse and check a scenario's text: a known name, no @SOURCE, known keys with valid values.
 * vcpus: the cell's (0 unknown). -EINVAL with why otherwise. */
int kl_scenario_parse(const char *text, unsigned vcpus, const struct kl_scenario **ret,
		      struct kl_variant *ret_variant, char *why, size_t whylen);
/* The scenario's text with key's value "each" replaced by n ("sysrq:cpu=each" -> cpu=n): 1
 * when it was "each", 0 when it was not (buf untouched), <0 when it does not fit. */
int kl_scenario_expand_each(const char *text, const char *key, unsigned n, char *buf, size_t len);
/* Crashes at all (not a boot probe). */
static inline bool kl_scenario_crashes(const struct kl_scenario *s)
{
	return s->context != KL_CONTEXT_NONE;
}

/* Parameter checks several scenarios share. */
int kl_scenario_check_cpu(const char *value, unsigned vcpus, char *why, size_t whylen);
