/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kexec.h>

#include "capture-cmdline.h"
#include "config.h"
#include "guest-fault.h"
#include "guest-init.h"
#include "guest-report.h"
#include "guest-sys.h"
#include "guest-util.h"
#include "kernel-facts.h"
#include "loader-fault.h"
#include "loader.h"
#include "protocol.h"
#include "scenario.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

static int check_reservation(const struct loader_facts *f, uint64_t *ret_base)
{
	unsigned crash_ranges = 0;

	for (size_t i = 0; i < f->n_ranges; i++) {
		const struct loader_iomem_range *r = &f->ranges[i];
		if (r->type != LOADER_IOMEM_CRASH)
			continue;
		crash_ranges++;
		if (f->crash_size > 0 && r->end - r->start + 1 == f->crash_size) {
			*ret_base = r->start;
			return 0;
		}
	}
	return kl_report_error(
		"reservation", ENOMEM,
		"kexec_crash_size=%" PRIu64
		" crash_kernel_ranges=%u: expected a Crash kernel range in /proc/iomem of kexec_crash_size bytes (boot with crashkernel=)",
		f->crash_size, crash_ranges);
}

static off_t file_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) < 0 ? -1 : st.st_size;
}

static int load_capture_kernel(const char *cmdline, uint64_t crash_size)
{
	char kpath[KL_PATH_MAX], ipath[KL_PATH_MAX];
	_cleanup_close_ int kfd =
		open(kl_path(kpath, sizeof(kpath), KL_CAPTURE_KERNEL), O_RDONLY | O_CLOEXEC);
	if (kfd < 0)
		return kl_report_error("kexec_file_load", errno, "open %s", KL_CAPTURE_KERNEL);
	_cleanup_close_ int ifd =
		open(kl_path(ipath, sizeof(ipath), KL_CAPTURE_INITRD), O_RDONLY | O_CLOEXEC);
	if (ifd < 0)
		return kl_report_error("kexec_file_load", errno, "open %s", KL_CAPTURE_INITRD);

	int r = kl_sys.kexec_file_load(kfd, ifd, strlen(cmdline) + 1, cmdline, KEXEC_FILE_ON_CRASH);
	if (r < 0)
		return kl_report_error(
			"kexec_file_load", r,
			"kernel=%s kernel_bytes=%lld initrd=%s initrd_bytes=%lld reservation_bytes=%" PRIu64
			" cmdline_len=%zu",
			KL_CAPTURE_KERNEL, (long long)file_size(kfd), KL_CAPTURE_INITRD,
			(long long)file_size(ifd), crash_size, strlen(cmdline) + 1);

	uint64_t loaded = 0;
	r = kl_read_u64("/sys/kernel/kexec_crash_loaded", &loaded);
	if (r < 0)
		return kl_report_error("loaded", r, "read /sys/kernel/kexec_crash_loaded");
	if (loaded != 1)
		return kl_report_error(
			"loaded", EIO,
			"kexec_file_load succeeded but /sys/kernel/kexec_crash_loaded is %" PRIu64
			", expected 1",
			loaded);

	struct kl_line l;
	kl_line_begin(&l, "loaded");
	kl_line_add(&l, "crash_loaded", "1");
	kl_line_add(&l, "cmdline", cmdline);
	kl_line_emit(&l);
	return 0;
}

struct trigger_ctx {
	const struct kl_scenario *s;
	struct kl_trigger t;
	const struct kl_fault *fault; /* the cell's fault, if it is the loader's */
	char nonce[17];
};

/* The trigger child: pin, report, leave the nonce in the kernel log, crash. */
static int trigger_child(void *arg)
{
	const struct trigger_ctx *t = arg;
	char path[KL_PATH_MAX], kmsg[256], logged[17];
	cpu_set_t set;
	struct kl_line l;
	int r;

	CPU_ZERO(&set);
	CPU_SET(t->t.cpu, &set);
	r = kl_sys.sched_setaffinity(0, sizeof(set), &set);
	if (r < 0) {
		kl_report_error("trigger", r, "sched_setaffinity to cpu %u", t->t.cpu);
		return 1;
	}

	kl_line_begin(&l, "trigger");
	kl_line_add(&l, "scenario", t->s->name);
	kl_line_addf(&l, "pid", "%d", (int)getpid());
	kl_line_addf(&l, "cpu", "%u", t->t.cpu);
	kl_line_add(&l, "nonce", t->nonce);
	kl_line_addf(&l, "time", "%lld", (long long)time(NULL));
	kl_line_emit(&l);
	kl_console_drain(); /* the crash must not cut the trigger line off */

	loader_fault_kmsg_nonce(t->fault, t->nonce, logged);
	int n = snprintf(kmsg, sizeof(kmsg), "kdumplab: nonce=%s scenario=%s pid=%d\n", logged,
			 t->s->name, (int)getpid());
	r = kl_sys.write_ctl(kl_path(path, sizeof(path), "/dev/kmsg"), kmsg, (size_t)n);
	if (r < 0) {
		kl_report_error("trigger", r, "write the nonce to /dev/kmsg");
		return 1;
	}

	if (loader_fault_trigger(t->fault)) {
		r = 0;
	} else if (t->s->trigger) {
		r = t->s->trigger(&t->t);
	} else {
		/* The host acts (it saw the trigger line): wait for the crash. */
		kl_sys.sleep_ms(30000);
		r = 0;
	}
	if (r < 0)
		kl_report_error("trigger", r, "scenario %s: the trigger failed", t->s->name);
	else
		kl_report_error("trigger", ECANCELED,
				"scenario %s: the trigger returned but the kernel did not crash",
				t->s->name);
	return 1;
}

static void make_nonce(char out[17])
{
	uint64_t v = 0;

	/*
	 * GRND_INSECURE (Linux v5.6+) never blocks: early in boot under TCG the CRNG may not be
	 * ready, and a nonce only has to be unique, not secret.
	 */
	if (getrandom(&v, sizeof(v), GRND_INSECURE) != sizeof(v) &&
	    getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		v = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 48);
	}
	snprintf(out, 17, "%016" PRIx64, v);
}

/* What the scenario sets up before its trigger: sysctls, then its module. */
static int prepare_scenario(const struct kl_scenario *s)
{
	if (s->probe) {
		char why[512] = "";
		int r = s->probe(why, sizeof(why));
		if (r < 0)
			return kl_report_error("unavailable", r, "scenario %s cannot run here: %s",
					       s->name, why);
	}
	for (const char *const *c = s->sysctls; c && *c; c++) {
		char rel[256], path[KL_PATH_MAX];
		const char *eq = strchr(*c, '=');
		size_t n = eq ? (size_t)(eq - *c) : 0;
		if (!eq || n + sizeof("/proc/sys/") > sizeof(rel))
			return kl_report_error("sysctl", EINVAL, "scenario %s: sysctl '%s'",
					       s->name, *c);
		int o = snprintf(rel, sizeof(rel), "/proc/sys/");
		for (size_t i = 0; i < n; i++)
			rel[o + (int)i] = (*c)[i] == '.' ? '/' : (*c)[i];
		rel[o + (int)n] = '\0';
		int r = kl_sys.write_ctl(kl_path(path, sizeof(path), rel), eq + 1, strlen(eq + 1));
		if (r < 0)
			return kl_report_error("sysctl", r, "scenario %s: write '%s' to %s",
					       s->name, eq + 1, rel);
		struct kl_line l;
		kl_line_begin(&l, "sysctl");
		kl_line_add(&l, "set", *c);
		kl_line_emit(&l);
	}
	if (s->module)
		return kl_load_module_named(s->module, s->module_params ? s->module_params : "");
	return 0;
}

static int run_trigger(const struct kl_scenario *s, const struct kl_variant *v,
		       const struct kl_fault *fault, const struct loader_facts *f)
{
	struct trigger_ctx t = {
		.s = s,
		.fault = fault,
		.t = { .variant = v, .cpu = f->cpu_highest, .cpus_online = f->cpus_online }
	};
	const char *val = kl_variant_get(v, "cpu");
	int status, r;

	if (val) {
		uint64_t cpu;
		if (kl_parse_u64(val, 10, &cpu) < 0 || cpu > f->cpu_highest)
			return kl_report_error(
				"trigger", EINVAL,
				"scenario %s: cpu=%s: expected an online CPU number, "
				"at most %u",
				s->name, val, f->cpu_highest);
		t.t.cpu = (unsigned)cpu;
	}
	make_nonce(t.nonce);

	r = prepare_scenario(s);
	if (r < 0)
		return r;
	r = kl_sys.spawn_wait(trigger_child, &t, &status);
	if (r < 0)
		return kl_report_error("trigger", r, "fork the trigger child");
	/* Status 1: the child has reported why; anything else it could not report itself. */
	if (status == 1)
		return -ECANCELED;
	return kl_report_error("trigger", ECHILD, "the trigger child ended with %s %d and no crash",
			       status < 0 ? "signal" : "status", status < 0 ? -status : status);
}

int loader_run(void)
{
	static char cmdline[8192];
	/* Not static: every run (the unit tests run many in one process) starts from the default. */
	char text[3 * KL_VARIANT_TEXT_MAX] = KL_SCENARIO_DEFAULT;
	char capture[LOADER_CMDLINE_MAX], why[256];
	const struct kl_scenario *scenario = NULL;
	struct kl_variant variant;
	const struct kl_fault *fault = NULL;
	struct loader_facts facts;
	uint64_t base = 0;
	int r;

	r = kl_mount_basics();
	if (r < 0)
		return r;
	struct kl_line l;
	kl_line_begin(&l, "start");
	kl_line_add(&l, "prog", "loader");
	kl_line_add(&l, "version", KL_VERSION);
	kl_line_emit(&l);

	r = kl_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	if (r < 0)
		return kl_report_error("cmdline", r, "read /proc/cmdline");
	/* Refuse an unknown scenario before spending a boot's worth of work. */
	if (kl_cmdline_get(cmdline, "kdumplab.scenario", text, sizeof(text)) &&
	    kl_value_decode(text) < 0)
		return kl_report_error("scenario", EINVAL,
				       "kdumplab.scenario='%s' has a malformed %%XX escape", text);
	if (kl_scenario_parse(text, 0, &scenario, &variant, why, sizeof(why)) < 0)
		return kl_report_error("scenario", ENOENT,
				       "kdumplab.scenario='%s' is not one this loader runs: %s",
				       text, why);
	r = kl_guest_fault(cmdline, KL_FAULT_LOADER, &fault);
	if (r < 0)
		return r;

	r = kl_load_modules();
	if (r < 0)
		return r;

	/* Root reads real kallsyms addresses only when kptr_restrict allows it. */
	char path[KL_PATH_MAX];
	r = kl_sys.write_ctl(kl_path(path, sizeof(path), "/proc/sys/kernel/kptr_restrict"), "0\n",
			     2);
	if (r < 0)
		return kl_report_error("facts", r, "write 0 to /proc/sys/kernel/kptr_restrict");
	r = loader_report_facts(&facts);
	if (r < 0)
		return r;

	r = check_reservation(&facts, &base);
	if (r < 0)
		return r;
	kl_line_begin(&l, "reservation");
	kl_line_addf(&l, "base", "0x%" PRIx64, base);
	kl_line_addf(&l, "size", "%" PRIu64, facts.crash_size);
	kl_line_emit(&l);

	r = loader_capture_cmdline(cmdline, capture, sizeof(capture));
	if (r >= 0)
		r = loader_fault_capture_cmdline(fault, capture, sizeof(capture));
	if (r < 0)
		return kl_report_error("cmdline", r, "build the capture command line from '%s'",
				       cmdline);
	r = load_capture_kernel(capture, facts.crash_size);
	if (r < 0)
		return r;

	if (!kl_scenario_crashes(scenario))
		return 0;
	return run_trigger(scenario, &variant, fault, &facts);
}
