/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "availability.h"
#include "base/fs.h"
#include "base/stop.h"
#include "base/text.h"
#include "cell.h"
#include "classify.h"
#include "guest/console.h"
#include "guest/facts.h"
#include "guest/manifest.h"
#include "images.h"
#include "protocol.h"
#include "scenario.h"
#include "virt/caplog.h"
#include "virt/disk.h"
#include "virt/pull.h"
#include "virt/virt.h"
#include "vmcore/format.h"
#include "vmcore/vmcore.h"

/*
 * Guest phase deadlines under TCG, in seconds (KVM scales them down). Measured here: boot to
 * /init ~2.5 s, capture boot ~2.5 s; the deadlines leave an order of magnitude for a loaded
 * host. Saving grows with guest memory.
 */
static double phase_deadline(const struct kl_cell_env *env, const struct kl_cell_spec *spec,
			     enum kl_phase p)
{
	double s;
	switch (p) {
	case KL_PHASE_BOOT:
		s = 60;
		break;
	case KL_PHASE_LOAD:
		s = 40;
		break;
	case KL_PHASE_TRIGGER:
		s = 40;
		break;
	case KL_PHASE_CAPTURE:
		s = 60;
		break;
	case KL_PHASE_SAVE:
		s = 60 + 60.0 * (double)spec->memory / (1ULL << 30);
		break;
	case KL_PHASE_POWEROFF:
		s = 30;
		break;
	default:
		s = 600;
	}
	return s * (env->deadline_scale > 0 ? env->deadline_scale : 1.0);
}

int kl_cell_cmdline(const struct kl_cell_spec *spec, char **ret, struct kl_error **err)
{
	char ck[64] = "", fault[80] = "", append[32 + 3 * KL_CAPTURE_APPEND_MAX] = "", why[512];
	char scenario[3 * KL_VARIANT_TEXT_MAX];
	const struct kl_scenario *s = NULL;
	char *out;

	if (kl_scenario_parse(spec->scenario, spec->vcpus, &s, NULL, why, sizeof(why)) < 0)
		return kl_error_usage(err, 0, "cell \"%s\": %s", spec->id, why);
	/* The loader decodes it: a scenario's values may hold spaces. */
	if (kl_value_encode(spec->scenario, strlen(spec->scenario), scenario, sizeof(scenario)) < 0)
		return kl_error_usage(err, 0, "cell \"%s\": scenario is too long", spec->id);
	/* The loader adds it, decoded, at the end of the capture kernel's command line. */
	if (spec->capture_append) {
		int n = snprintf(append, sizeof(append), " kdumplab.capture_append=");
		if (kl_value_encode(spec->capture_append, strlen(spec->capture_append), append + n,
				    sizeof(append) - (size_t)n) < 0)
			return kl_error_usage(err, 0, "cell \"%s\": capture_append is too long",
					      spec->id);
	}
	/* The loader copies every kdumplab.* key to the capture kernel: the saver sees it too. The
	 * plan checked it against common/fault.c's table (no space, no quote). */
	if (spec->fault)
		snprintf(fault, sizeof(fault), " kdumplab.fault=%s", spec->fault);
	/* crashkernel=0 is left out entirely: the "no reservation" cell is a kernel without one. */
	if (spec->crashkernel)
		snprintf(ck, sizeof(ck), " crashkernel=%" PRIu64 "M", spec->crashkernel >> 20);
	/*
	 * console=ttyS0: the serial console is the guest->host channel.
	 * panic=-1: a first-kernel panic that does not kexec reboots at once, which ends the
	 *   domain (on_reboot=destroy) instead of hanging until the deadline.
	 * printk.devkmsg=on: the loader's nonce write to /dev/kmsg is never rate-limited away.
	 * Then the scenario's own additions (watchdog thresholds, ...).
	 */
	if (asprintf(&out,
		     "console=ttyS0,115200 panic=-1 printk.devkmsg=on%s%s%s kdumplab.scenario=%s "
		     "kdumplab.disk=%s%s%s",
		     ck, s->cmdline ? " " : "", s->cmdline ? s->cmdline : "", scenario,
		     KL_DEFAULT_DISK_SERIAL, append, fault) < 0)
		return kl_error_set(err, ENOMEM, "command line");
	*ret = out;
	return 0;
}

/* ---- the running cell ---- */

struct cell {
	const struct kl_cell_env *env;
	const struct kl_cell_spec *spec;
	struct kl_cell_result *res;
	struct kl_console *console;
	struct kl_facts *facts;
	/* console.log (written here for remote connections only), system.log, capture.log */
	struct kl_caplog log_console, log_system, log_capture;
	char *dir;
	enum kl_phase phase;
	struct kl_outcome expect; /* spec->expect, parsed */
	bool expect_ok;
	double t0, phase_start;
	double phase_end[KL_PHASE_COUNT];

	struct kl_watch watch; /* what the console told us (classify.h) */

	/* The dump disk and the libguestfs pull, started early (see start_pull). */
	const struct kl_images *im;
	const char *disk;
	char *destroy_note; /* the domain could not be destroyed through libvirt (kl_vm_destroy) */
	struct kl_pull *pull;

	const struct kl_scenario *scenario; /* spec->scenario's */
	struct kl_vm *vm;		    /* while the guest runs */
	bool host_acted;
};

/* The scenarios' host actions (scenario.h), through libvirt. */
static int host_inject_nmi(struct kl_vm *vm, struct kl_error **err)
{
	return kl_vm_inject_nmi(vm, err);
}

static const struct {
	const char *name;
	int (*run)(struct kl_vm *vm, struct kl_error **err);
} host_actions[] = {
	[KL_HOST_ACTION_INJECT_NMI] = { "inject-nmi", host_inject_nmi },
};

static void enter_phase(struct cell *c, enum kl_phase p)
{
	double t = kl_now();
	/* Phases can be skipped on a fast console; account time to the phase we left. */
	c->res->seconds[c->phase] += t - c->phase_start;
	c->phase = p;
	c->phase_start = t;
	if (c->env->progress)
		c->env->progress(c->env->userdata, c->spec->id, kl_phase_name(p));
}

/* Decisions go into the result; the first one stands (classify.h). */
#define set_verdict(c, v, cause, ...) kl_verdict_set((c)->res, (c)->phase, v, cause, __VA_ARGS__)

/* What the pull needs to start; the expected size and the deadline are given at the finish. */
static struct kl_pull_options pull_options(const struct cell *c)
{
	return (struct kl_pull_options){
		.disk_path = c->disk,
		.out_dir = c->dir,
		.appliance_kernel = c->im->vmlinuz,
		.appliance_modules = c->im->modules_dir,
		.force_tcg = !c->env->kvm,
		.interrupted = c->env->interrupted,
	};
}

/*
 * Once the capture kernel is loaded, boot the libguestfs appliance in the background: under
 * TCG its ~6 s launch then overlaps the crash, the capture boot and the save instead of
 * following them (kl_pull_finish drops what it cached of the disk before mounting it). A cell
 * that ends without a dump aborts it. Failing to start is not a verdict: the pull is tried
 * again, in full, when there is a dump.
 */
static void start_pull(struct cell *c)
{
	if (c->pull || !c->disk)
		return;
	struct kl_pull_options po = pull_options(c);
	if (kl_pull_start(&po, &c->pull, NULL) < 0)
		c->pull = NULL;
}

/* The guest reported `trigger` (its nonce is in the log): the host's part of the scenario. */
static void host_action(struct cell *c)
{
	enum kl_host_action a = c->scenario ? c->scenario->host_action : KL_HOST_ACTION_NONE;
	c->host_acted = true;
	if (a == KL_HOST_ACTION_NONE || !c->vm)
		return;
	_cleanup_error_ struct kl_error *e = NULL;
	char line[160];
	int r = host_actions[a].run(c->vm, &e);
	int n = snprintf(line, sizeof(line), "kdumplab host: %s %s\n", host_actions[a].name,
			 r < 0 ? "failed" : "done");
	kl_caplog_write(&c->log_system, line, (size_t)n);
	if (r < 0)
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_INFRA, "host action %s failed: %s",
			    host_actions[a].name, e && e->msg ? e->msg : "?");
}

static int on_line(const struct kl_console_line *l, void *userdata)
{
	struct cell *c = userdata;
	struct kl_caplog *log = l->kernel >= KL_KERNEL_CAPTURE ? &c->log_capture : &c->log_system;

	kl_caplog_write(log, l->text, l->len);
	kl_caplog_write(log, "\n", 1);
	if (l->record)
		kl_facts_apply(c->facts, l->record, NULL);
	if (kl_watch_line(&c->watch, l)) {
		enter_phase(c, c->watch.phase);
		if (c->phase == KL_PHASE_TRIGGER)
			start_pull(c);
	}
	if (c->watch.saw_trigger && !c->host_acted)
		host_action(c);
	return 0;
}

static void cell_free(struct cell *c)
{
	kl_pull_abort(c->pull);
	c->pull = NULL;
	kl_console_free(c->console);
	kl_facts_free(c->facts);
	if (c->log_console.f)
		fclose(c->log_console.f);
	if (c->log_system.f)
		fclose(c->log_system.f);
	if (c->log_capture.f)
		fclose(c->log_capture.f);
	free(c->dir);
	kl_watch_clear(&c->watch);
	free(c->destroy_note);
}

/*
 * The libvirt connection dropped: the guest's fate is unknown and not its fault. error/infra,
 * which the scheduler never retries (a timeout(boot) would be: kl_cell_retryable).
 */
static int connection_lost(struct cell *c)
{
	kl_classify_connection_lost(&c->watch, kl_virt_uri(c->env->virt), c->phase, c->res);
	return -ECONNRESET;
}

/* Stream the console until the domain ends, a deadline passes or we are interrupted. */
static int drive_guest(struct cell *c, struct kl_vm *vm)
{
	char buf[65536];

	for (;;) {
		ssize_t n = kl_vm_read_console(vm, buf, sizeof(buf), 200);
		if (n > 0) {
			kl_caplog_write(&c->log_console, buf, (size_t)n);
			kl_console_feed(c->console, buf, (size_t)n, on_line, c);
		} else if (n == -ECONNRESET || (n < 0 && kl_virt_lost(c->env->virt))) {
			return connection_lost(c);
		} else if (n < 0) {
			break; /* console closed: the domain is gone */
		}
		if (c->env->interrupted && *c->env->interrupted) {
			kl_vm_destroy(vm);
			kl_classify_interrupted(&c->watch, c->phase, c->res);
			return -EINTR;
		}
		if (kl_now() - c->phase_start > phase_deadline(c->env, c->spec, c->phase)) {
			if (kl_virt_lost(c->env->virt))
				return connection_lost(c);
			kl_vm_destroy(vm);
			kl_classify_guest_end(&c->watch, true,
					      phase_deadline(c->env, c->spec, c->phase), c->res);
			return -ETIMEDOUT;
		}
		if (n == 0) {
			bool running = true;
			int r = kl_vm_is_running(vm, &running, NULL);
			if (r == -ECONNRESET)
				return connection_lost(c);
			if (r == 0 && !running)
				break;
		}
	}
	kl_console_finish(c->console, on_line, c);
	return 0;
}

static char *rel(const struct cell *c, const char *name)
{
	char *s;
	if (asprintf(&s, "cells/%s/%s", c->spec->id, name) < 0)
		return NULL;
	return s;
}

static char *cell_path(const struct cell *c, const char *name)
{
	char *s;
	if (asprintf(&s, "%s/%s", c->dir, name) < 0)
		return NULL;
	return s;
}

static int open_logs(struct cell *c, struct kl_error **err)
{
	_cleanup_free_ char *pc = cell_path(c, "console.log"), *ps = cell_path(c, "system.log"),
			    *pk = cell_path(c, "capture.log");
	if (!pc || !ps || !pk)
		return kl_error_set(err, ENOMEM, "cell");
	/* Local connections: QEMU itself writes console.log (lab/virt/virt.h console_file). */
	if (!kl_virt_is_local(c->env->virt))
		c->log_console.f = fopen(pc, "we");
	c->log_system.f = fopen(ps, "we");
	c->log_capture.f = fopen(pk, "we");
	if ((!kl_virt_is_local(c->env->virt) && !c->log_console.f) || !c->log_system.f ||
	    !c->log_capture.f)
		return kl_error_set(err, errno, "cannot create console logs in \"%s\"", c->dir);
	c->res->console_log = rel(c, "console.log");
	c->res->system_log = rel(c, "system.log");
	c->res->capture_log = rel(c, "capture.log");
	return 0;
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Pull the dump off the disk and validate it; sets the verdict. */
static void pull_and_validate(struct cell *c, const struct kl_images *im, const char *disk)
{
	_cleanup_error_ struct kl_error *e = NULL;
	struct kl_pull_result *pr = NULL;
	/* Launch ~6 s and ~25 MB/s of data under TCG: an order of magnitude more. */
	double deadline = (180 + 60.0 * (double)c->spec->memory / (1ULL << 30)) *
			  (c->env->deadline_scale > 0 ? c->env->deadline_scale : 1.0);

	enter_phase(c, KL_PHASE_PULL);
	int r = 0;
	if (!c->pull) {
		struct kl_pull_options po = pull_options(c);
		r = kl_pull_start(&po, &c->pull, &e);
	}
	if (r >= 0) {
		struct kl_pull *p = TAKE_PTR(c->pull);
		r = kl_pull_finish(p, c->watch.vmcore_size, deadline, &pr, &e);
	}
	if (r == -ETIMEDOUT) {
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_TIMEOUT, "%s",
			    e && e->msg ? e->msg : "pull timed out");
		return;
	}
	if (r == -EINTR) {
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_INTERRUPTED,
			    "interrupted by a signal in phase \"%s\"", kl_phase_name(c->phase));
		return;
	}
	if (r < 0) {
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_INFRA,
			    "pulling the dump with libguestfs failed: %s",
			    e && e->msg ? e->msg : "?");
		return;
	}
	c->res->dump_bytes = pr->dump_size;
	c->res->pull_method = pr->method ? strdup(pr->method) : NULL;
	c->res->pull_extents = pr->extents;
	c->res->pull_block_map_rejected =
		pr->block_map_rejected ? strdup(pr->block_map_rejected) : NULL;
	c->res->pull_launch_seconds = pr->launch_seconds;
	c->res->pull_transfer_seconds = pr->transfer_seconds;
	c->res->pull_launch_wait_seconds = pr->launch_wait_seconds;
	c->res->dump_allocated = pr->dump_allocated;
	if (pr->dump_path)
		c->res->dump = rel(c, KL_DUMP_FILE);
	if (pr->manifest_path)
		c->res->manifest = rel(c, KL_MANIFEST_FILE);
	if (!kl_classify_pull(pr, c->res)) {
		kl_pull_result_free(pr);
		return;
	}

	enter_phase(c, KL_PHASE_VALIDATE);
	struct kl_manifest *m = NULL;
	struct kl_validation *v = NULL;
	if (kl_manifest_read(pr->manifest_path, &m, &e) < 0) {
		set_verdict(c, KL_VERDICT_FAIL, KL_CAUSE_DUMP_INVALID, "manifest unreadable: %s",
			    e->msg);
		kl_pull_result_free(pr);
		return;
	}
	/* Validating a sound dump takes well under a second per GiB; a hostile one (inflated
	 * kdump bitmaps, millions of records) must not hold the cell for longer than this. */
	double vdeadline = (60 + 30.0 * (double)c->spec->memory / (1ULL << 30)) *
			   (c->env->deadline_scale > 0 ? c->env->deadline_scale : 1.0);
	struct kl_validate_input in = {
		.facts = c->facts,
		.expected_cpus = c->spec->vcpus,
		.expect_panic = c->spec->expect_panic,
		.manifest = m,
		.deadline = kl_now() + vdeadline,
		.interrupted = c->env->interrupted,
	};
	int vr = kl_vmcore_validate_any(pr->dump_path, &in, &v, &e);
	if (vr == -ETIMEDOUT) {
		set_verdict(c, KL_VERDICT_FAIL, KL_CAUSE_TIMEOUT, "%s", e->msg);
	} else if (vr == -EINTR) {
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_INTERRUPTED, "%s", e->msg);
	} else if (vr < 0) {
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_INFRA, "validating the dump failed: %s",
			    e->msg);
	} else {
		c->res->validation = kl_result_validation_new(v);
		kl_classify_validation(v, c->res);
	}
	kl_validation_free(v);
	kl_manifest_free(m);
	kl_pull_result_free(pr);
}

static int cell_prepare(struct cell *c, char **ret_disk, struct kl_error **err)
{
	_cleanup_free_ char *disks = NULL, *disk = NULL;
	int r;

	if (asprintf(&c->dir, "%s/cells/%s", c->env->out_dir, c->spec->id) < 0 ||
	    asprintf(&disks, "%s/disks", c->env->state_dir) < 0 ||
	    asprintf(&disk, "%s/%s-%d.img", disks, c->spec->id, (int)getpid()) < 0)
		return kl_error_set(err, ENOMEM, "cell");
	r = kl_mkdir_p(c->dir, 0755, err);
	if (r >= 0)
		r = kl_rm_files(c->dir, err); /* a rerun replaces an earlier attempt's files */
	if (r >= 0)
		r = kl_mkdir_p(disks, 0755, err);
	if (r < 0)
		return r;
	c->res->dir = rel(c, "");
	r = open_logs(c, err);
	if (r < 0)
		return r;
	/* The dump is at most RAM plus headers; ext4 metadata needs a little more. */
	uint64_t size = c->spec->memory + c->spec->memory / 16 + (64ULL << 20);
	r = kl_disk_create(disk, size, err);
	if (r < 0)
		return r;
	*ret_disk = TAKE_PTR(disk);
	return 0;
}

static int cell_boot(struct cell *c, const struct kl_images *im, const char *disk,
		     struct kl_vm **ret_vm, struct kl_error **err)
{
	_cleanup_free_ char *cmdline = NULL, *name = NULL, *console = cell_path(c, "console.log");
	int r = kl_cell_cmdline(c->spec, &cmdline, err);
	if (r < 0)
		return r;
	if (asprintf(&name, "kdumplab-%s-%d", c->spec->id, (int)getpid()) < 0)
		return kl_error_set(err, ENOMEM, "cell");
	struct kl_domain_config dc = {
		.name = name,
		.kernel = im->vmlinuz,
		.initrd = im->system_initrd,
		.cmdline = cmdline,
		.memory_mib = (unsigned)(c->spec->memory >> 20),
		.vcpus = c->spec->vcpus,
		.disk_path = disk,
		.disk_serial = KL_DEFAULT_DISK_SERIAL,
		.kvm = c->env->kvm,
		.console_file = kl_virt_is_local(c->env->virt) ? console : NULL,
	};
	enter_phase(c, KL_PHASE_BOOT);
	return kl_vm_start(c->env->virt, &dc, ret_vm, err);
}

/*
 * THE place where guest text in a cell result is made safe (lab/base/text.h): the detail and the
 * decisive lines quote console lines, loader and saver values, the dump disk's listing and
 * the validator's messages; the release can come from the guest. results.json, junit.xml,
 * the journal and the terminal all render these fields.
 */
static void result_text_safe(struct kl_cell_result *r)
{
	kl_text_make_safe(&r->detail, KL_TEXT_MAX);
	for (size_t i = 0; i < r->n_decisive; i++)
		kl_text_make_safe(&r->decisive[i], KL_TEXT_MAX);
	kl_text_make_safe(&r->release, KL_TEXT_MAX);
	kl_text_make_safe(&r->pull_method, KL_TEXT_MAX);
	kl_text_make_safe(&r->pull_block_map_rejected, KL_TEXT_MAX);
}

/* Close the three logs; what went wrong writing them (the first error), or NULL. */
static char *close_logs(struct cell *c)
{
	static const char *const names[] = { "console.log", "system.log", "capture.log" };
	struct kl_caplog *logs[] = { &c->log_console, &c->log_system, &c->log_capture };
	char *lost = NULL;
	for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
		struct kl_caplog *l = logs[i];
		if (!l->f)
			continue;
		int e = l->error;
		if ((fflush(l->f) != 0 || ferror(l->f)) && !e)
			e = errno ? errno : EIO;
		if (fclose(l->f) != 0 && !e)
			e = errno ? errno : EIO;
		l->f = NULL;
		if (e && !lost && asprintf(&lost, "cannot write %s: %s", names[i], strerror(e)) < 0)
			lost = NULL;
	}
	return lost;
}

static void finish_result(struct cell *c)
{
	struct kl_cell_result *r = c->res;
	_cleanup_free_ char *fj = cell_path(c, "facts.json");

	enter_phase(c, KL_PHASE_VERDICT);
	r->total_seconds = kl_now() - c->t0;
	_cleanup_error_ struct kl_error *fe = NULL;
	if (fj && kl_facts_write_json(c->facts, fj, &fe) == 0)
		r->facts_json = rel(c, "facts.json");
	/* The evidence must be whole before a verdict rests on it: a log or facts file that could
	 * not be written (disk full) makes a passing cell error/infra, and is said otherwise. */
	_cleanup_free_ char *lost = close_logs(c);
	if (!lost && fe)
		lost = strdup(fe->msg ? fe->msg : "cannot write facts.json");
	if (lost && !r->cause && !r->detail) {
		set_verdict(c, KL_VERDICT_ERROR, KL_CAUSE_INFRA,
			    "the cell's evidence is incomplete: %s", lost);
	} else if (lost) {
		char *d = NULL;
		if (asprintf(&d, "%s; %s", r->detail ? r->detail : "", lost) >= 0) {
			free(r->detail);
			r->detail = d;
		}
	}
	kl_classify_fault(&c->watch, r);
	if (!r->cause && !r->detail) {
		r->verdict = KL_VERDICT_PASS;
		r->phase = KL_PHASE_VERDICT;
	}
	struct kl_outcome got = kl_cell_result_outcome(r);
	r->expected = c->expect_ok && kl_outcome_eq(&got, &c->expect);
	/* After the verdict: a domain libvirt could not destroy is said, not a verdict. */
	if (c->destroy_note) {
		char *d = NULL;
		if (asprintf(&d, "%s%s%s", r->detail ? r->detail : "", r->detail ? "; " : "",
			     c->destroy_note) >= 0) {
			free(r->detail);
			r->detail = d;
		}
	}
	const char *rel_ = c->facts->loader.uname_r;
	if (rel_ && !r->release)
		r->release = strdup(rel_);
	result_text_safe(r);
}

/*
 * --keep-disks: "<cell>-<pid>.img" is what the next lab start takes for a killed lab's disk
 * (lab/virt/leftovers.c), so a disk kept on purpose becomes "<cell>-<pid>.kept.img".
 */
static void keep_disk(struct cell *c, const char *disk)
{
	_cleanup_free_ char *kept = NULL;
	size_t n = strlen(disk);
	if (n > 4 && asprintf(&kept, "%.*s.kept.img", (int)(n - 4), disk) >= 0)
		(void)rename(disk, kept);
}

int kl_cell_run(const struct kl_cell_env *env, const struct kl_cell_spec *spec,
		const struct kl_images *im, struct kl_cell_result **ret_result,
		struct kl_error **err)
{
	struct cell c = { .env = env, .spec = spec };
	_cleanup_free_ char *disk = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	struct kl_vm *vm = NULL;
	char when[32];
	int r;

	c.res = kl_cell_result_new(spec);
	c.console = kl_console_new();
	c.facts = kl_facts_new();
	/* What the plan expects, parsed once (kl_cell_spec_check accepted it); an expect that
	 * does not parse is never met. */
	c.expect_ok = kl_outcome_parse(spec->expect ? spec->expect : "pass", &c.expect, NULL) == 0;
	if (!c.res || !c.console || !c.facts) {
		kl_cell_result_free(c.res);
		cell_free(&c);
		return kl_error_set(err, ENOMEM, "cell");
	}
	iso_now(when, sizeof(when));
	c.res->started = strdup(when);
	c.res->kvm = env->kvm;
	c.res->release = im->release ? strdup(im->release) : NULL;
	c.t0 = c.phase_start = kl_now();
	c.phase = KL_PHASE_PREPARE;
	kl_watch_init(&c.watch);
	c.im = im;
	/* The plan checked it (kl_cell_spec_check); unknown here, the cell has no host action. */
	char why[256];
	(void)kl_scenario_parse(spec->scenario, spec->vcpus, &c.scenario, NULL, why, sizeof(why));

	_cleanup_free_ char *unavailable = NULL;
	r = c.scenario ? kl_scenario_availability(c.scenario, im, &unavailable, &e) : 0;
	if (r >= 0)
		r = cell_prepare(&c, &disk, &e);
	if (r >= 0 && !unavailable)
		r = cell_boot(&c, im, disk, &vm, &e);
	if (r < 0) {
		set_verdict(&c, KL_VERDICT_ERROR, KL_CAUSE_INFRA, "%s",
			    e && e->msg ? e->msg : "cell set-up failed");
	} else if (unavailable) {
		/* Said, never silently skipped: the cell ends here with the reason. */
		set_verdict(&c, KL_VERDICT_ERROR, KL_CAUSE_UNAVAILABLE, "%s", unavailable);
	} else {
		c.disk = disk;
		c.vm = vm;
		r = drive_guest(&c, vm);
		c.vm = NULL;
		kl_vm_destroy(vm);
		if (kl_vm_destroy_note(vm))
			c.destroy_note = strdup(kl_vm_destroy_note(vm));
		kl_vm_free(vm);
		vm = NULL;
		if (r == 0 && c.watch.saw_done) {
			pull_and_validate(&c, im, disk);
		} else {
			kl_pull_abort(c.pull); /* no dump to pull */
			c.pull = NULL;
			if (r == 0)
				kl_classify_guest_end(&c.watch, false, 0, c.res);
		}
	}
	if (disk && !env->keep_disk)
		unlink(disk);
	else if (disk)
		keep_disk(&c, disk);
	finish_result(&c);
	*ret_result = TAKE_PTR(c.res);
	cell_free(&c);
	return 0;
}
