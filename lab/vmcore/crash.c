/* SPDX-License-Identifier: MIT */
/*
 * "The crash is ours" (invariants 22, 32, 34-36): the kernel log parses, holds the nonce
 * the loader wrote to /dev/kmsg, then the scenario's panic among the last records; the
 * panicking task agrees with the NT_PRSTATUS notes and the trigger the loader reported;
 * the dump's own init_uts_ns is the kernel the loader ran on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "checks.h"
#include "guest/facts.h"
#include "scenario.h"

/* x86_64 struct elf_prstatus: pr_reg (user_regs_struct) at 112, rip is its 17th word. */
#define PRSTATUS_RIP_OFFSET (112 + 16 * 8)

int kl_check_dmesg_parse(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_printk_log *log = c->log;
	if (c->log_unsupported)
		return SKIP(r, "%s", c->log_error);
	if (!log)
		return FAIL(r, "%s", c->log_error ? c->log_error : "the kernel log is unreadable");
	if (log->n_bad_id || log->n_bad_block || log->n_unreadable || log->truncated)
		return FAIL(
			r,
			"printk ring (%" PRIu32 " descriptors, %" PRIu64
			" data bytes, ids %#" PRIx64 "..%#" PRIx64
			"): %u data blocks with another descriptor's id, %u blocks out of shape, %u records not in the dump%s",
			log->count, log->data_size, log->tail_id, log->head_id, log->n_bad_id,
			log->n_bad_block, log->n_unreadable,
			log->truncated ? ", text beyond the size bound" : "");
	if (log->n_records == 0)
		return FAIL(r, "printk ring (ids %#" PRIx64 "..%#" PRIx64 ") holds no records",
			    log->tail_id, log->head_id);
	return PASS(r,
		    "%zu records (seq %" PRIu64 "..%" PRIu64 ") from %" PRIu32
		    " descriptors and %" PRIu64 " data bytes; %u descriptors not committed",
		    log->n_records, log->records[0].seq, log->records[log->n_records - 1].seq,
		    log->count, log->data_size, log->n_not_final);
}

/* The NT_PRSTATUS notes' pr_pid in note order (CPU order); returns how many (<= cap). */
static size_t prstatus_pids(const struct kl_dump *d, int32_t *pids, uint64_t *rips, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_notes && n < cap; i++) {
		const struct kl_note *x = &d->notes[i];
		if (!kl_note_is(x, "CORE", NT_PRSTATUS))
			continue;
		pids[n] = -1;
		rips[n] = 0;
		if (x->descsz >= KL_PRSTATUS_PID_OFFSET + 4)
			memcpy(&pids[n], x->desc + KL_PRSTATUS_PID_OFFSET, 4);
		if (x->descsz >= PRSTATUS_RIP_OFFSET + 8)
			memcpy(&rips[n], x->desc + PRSTATUS_RIP_OFFSET, 8);
		n++;
	}
	return n;
}

/* The position of cpu in the online list "0-1,4" (notes are written for online CPUs in
 * order), or cpu itself when the list is unknown or unparsable. */
static long cpu_note_index(const char *list, long cpu)
{
	long idx = 0;
	const char *p = list;
	if (!list)
		return cpu;
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p || a < 0)
			return cpu;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a)
				return cpu;
			p = end;
		}
		if (cpu >= a && cpu <= b)
			return idx + (cpu - a);
		idx += b - a + 1;
		if (*p == ',')
			p++;
		else if (*p)
			return cpu;
	}
	return -1;
}

#define MAX_CPUS 8192

int kl_check_trigger_pid(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_loader_facts *l = kl_check_facts(c);
	_cleanup_free_ int32_t *pids = calloc(MAX_CPUS, sizeof(*pids));
	_cleanup_free_ uint64_t *rips = calloc(MAX_CPUS, sizeof(*rips));
	if (!pids || !rips)
		return -ENOMEM;
	if (c->scenario_def && c->scenario_def->context == KL_CONTEXT_OTHER)
		return SKIP(r, "scenario %s: the trigger's task does not panic; %s (crash.cpu-pid)",
			    c->scenario_def->name, c->scenario_def->proof);
	if (!l || l->trigger_pid <= 0)
		return SKIP(r, "the trigger's PID is unknown");
	size_t n = prstatus_pids(c->d, pids, rips, MAX_CPUS), hits = 0, at = 0;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == l->trigger_pid && hits++ == 0)
			at = i;
	if (hits != 1)
		return FAIL(r,
			    "%zu of %zu NT_PRSTATUS notes have pr_pid %" PRId64
			    " (the trigger's PID), expected exactly 1",
			    hits, n, l->trigger_pid);
	if (l->trigger_cpu >= 0) {
		long want = cpu_note_index(l->cpus_list, (long)l->trigger_cpu);
		if (want != (long)at)
			return FAIL(
				r,
				"pr_pid %" PRId64
				" is in NT_PRSTATUS note %zu, expected note %ld (trigger CPU %" PRId64
				" of online CPUs %s)",
				l->trigger_pid, at, want, l->trigger_cpu,
				l->cpus_list ? l->cpus_list : "?");
	}
	/* A scenario's module crashes in its own code: x86-64's module area (MODULES_VADDR to
	 * MODULES_END, Documentation/arch/x86/x86_64/mm.rst), KASLR or not. */
	bool in_module = c->scenario_def &&
			 (c->scenario_def->module || c->scenario_def->trigger_loads_module) &&
			 rips[at] >= 0xffffffffa0000000ull && rips[at] < 0xffffffffff000000ull;
	if (in_module)
		return PASS(r,
			    "NT_PRSTATUS note %zu (trigger CPU %" PRId64 ") has pr_pid %" PRId64
			    ", the trigger's PID, and rip %#" PRIx64 " in the module area",
			    at, l->trigger_cpu, l->trigger_pid, rips[at]);
	if (l->sym_text && l->sym_end && (rips[at] < l->sym_text || rips[at] >= l->sym_end))
		return FAIL(r,
			    "the panicking CPU's rip %#" PRIx64
			    " is outside the kernel text [%#" PRIx64 ", %#" PRIx64 ")",
			    rips[at], l->sym_text, l->sym_end);
	return PASS(r,
		    "NT_PRSTATUS note %zu (trigger CPU %" PRId64 ") has pr_pid %" PRId64
		    ", the trigger's PID, and rip %#" PRIx64 " in the kernel text",
		    at, l->trigger_cpu, l->trigger_pid, rips[at]);
}

int kl_check_uts(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_loader_facts *l = kl_check_facts(c);
	const struct kl_utsname *u = &c->uts;
	const char *osr = kl_vmcoreinfo_get(c->d->vmcoreinfo, "OSRELEASE");
	/* ELF dumps have mem.translate, which says why; other formats have no such check. */
	if (!c->have_uts && !(c->formats & KL_CHECK_ELF))
		return FAIL(r, "%s", c->uts_error ? c->uts_error : "cannot read init_uts_ns");
	if (!c->have_uts)
		return SKIP(r, "init_uts_ns is unreadable (see mem.translate)");
	if (osr && !streq(u->release, osr))
		return FAIL(r, "init_uts_ns release \"%s\", VMCOREINFO OSRELEASE \"%s\"",
			    u->release, osr);
	if (!l || !l->uname_r)
		return PASS(
			r,
			"init_uts_ns release \"%s\" equals OSRELEASE; the first kernel's uname is unknown",
			u->release);
	if (!streq(u->release, l->uname_r))
		return FAIL(r, "init_uts_ns release \"%s\", the loader's uname -r \"%s\"",
			    u->release, l->uname_r);
	if (l->nodename && !streq(u->nodename, l->nodename))
		return FAIL(r, "init_uts_ns nodename \"%s\", the loader's \"%s\"", u->nodename,
			    l->nodename);
	if (l->uname_v && !streq(u->version, l->uname_v))
		return FAIL(r, "init_uts_ns version \"%s\", the loader's uname -v \"%s\"",
			    u->version, l->uname_v);
	return PASS(
		r,
		"init_uts_ns%s: release \"%s\", nodename \"%s\", version \"%s\" equal the loader's",
		u->offset_assumed ? " (name offset assumed: no OFFSET(uts_namespace.name))" : "",
		u->release, u->nodename, u->version);
}

int kl_check_nonce(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_loader_facts *l = kl_check_facts(c);
	char needle[128];
	if (!l || !l->trigger_nonce) {
		long i = kl_printk_rfind(c->log, c->log->n_records, "kdumplab: nonce=");
		if (i < 0)
			return SKIP(r, "no nonce expected (facts unknown) and none in the log");
		c->nonce_idx = i;
		return SKIP(r, "no nonce expected (facts unknown); record %ld says \"%.100s\"", i,
			    c->log->records[i].text);
	}
	/* loader.c writes "kdumplab: nonce=%s scenario=%s pid=%d" */
	snprintf(needle, sizeof(needle), "kdumplab: nonce=%.64s ", l->trigger_nonce);
	c->nonce_idx = kl_printk_rfind(c->log, c->log->n_records, needle);
	if (c->nonce_idx < 0)
		return FAIL(r,
			    "no record of the %zu in the log has \"%s\": not the crash we injected",
			    c->log->n_records, needle);
	return PASS(r, "record %ld of %zu has the loader's nonce %s", c->nonce_idx,
		    c->log->n_records, l->trigger_nonce);
}

/* Record index of the first record in [from, n) containing s, or -1. */
static long find_from(const struct kl_printk_log *log, size_t from, const char *s)
{
	for (size_t i = from; i < log->n_records; i++)
		if (memmem(log->records[i].text, log->records[i].text_len, s, strlen(s)))
			return (long)i;
	return -1;
}

int kl_check_signature(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_printk_log *log = c->log;
	size_t n = log->n_records;
	size_t tail = n > KL_PANIC_TAIL_RECORDS ? n - KL_PANIC_TAIL_RECORDS : 0;
	size_t from = c->nonce_idx >= 0 ? (size_t)c->nonce_idx + 1 : 0;
	const char *after = c->nonce_idx >= 0 ? "after the nonce" : "in the log";

	if (c->have_expect_re) {
		for (size_t i = n; i-- > from;)
			if (!regexec(&c->expect_re, log->records[i].text, 0, NULL, 0)) {
				return CHECK(
					r, i >= tail,
					"record %zu of %zu \"%.120s\" matches --expect-panic \"%s\"%s",
					i, n, log->records[i].text, c->in->expect_panic,
					i >= tail ? "" : ", but not among the last records");
			}
		return FAIL(r, "no record %s matches the expected panic \"%s\"", after,
			    c->in->expect_panic);
	}
	if (!c->expect && c->scenario)
		return SKIP(r, "scenario \"%s\" is not in the catalogue", c->scenario);
	if (!c->expect)
		return SKIP(r,
			    "the scenario is unknown (no facts) and no --expect-panic was given");
	if (!c->expect[0])
		return PASS(r, "scenario %s expects no particular messages", c->scenario);
	long at = (long)from - 1;
	const char *last = NULL;
	for (size_t k = 0; c->expect[k]; k++) {
		long i = find_from(log, (size_t)(at + 1), c->expect[k]);
		if (i < 0)
			return FAIL(r, "\"%s\" (scenario %s) is not in the log %s%s", c->expect[k],
				    c->scenario, after,
				    k ? " and the messages expected before it" : "");
		at = i;
		last = c->expect[k];
	}
	return CHECK(
		r, (size_t)at >= tail,
		"scenario %s: its expected messages follow %s in order; \"%s\" is record %ld of %zu%s",
		c->scenario, after, last, at, n,
		(size_t)at >= tail ? ""
				   : ", not among the last records: the dump is of a later crash");
}

/* dump_stack_print_info(): "CPU: 1 PID: 86 Comm: ..." on 6.1; 6.12 puts "UID: 0 " before
 * PID. Accept anything between the CPU number and " PID: ". */
static bool parse_cpu_pid(const char *text, long *cpu, long *pid)
{
	const char *p;
	char *end;
	if (!startswith(text, "CPU: "))
		return false;
	*cpu = strtol(text + 5, &end, 10);
	if (end == text + 5 || *cpu < 0 || !(p = strstr(end, " PID: ")))
		return false;
	*pid = strtol(p + 6, &end, 10);
	return end != p + 6 && *pid >= 0 && startswith(end, " Comm: ");
}

int kl_check_cpu_pid(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_printk_log *log = c->log;
	const struct kl_loader_facts *l = kl_check_facts(c);
	_cleanup_free_ int32_t *pids = calloc(MAX_CPUS, sizeof(*pids));
	_cleanup_free_ uint64_t *rips = calloc(MAX_CPUS, sizeof(*rips));
	size_t from = c->nonce_idx >= 0 ? (size_t)c->nonce_idx + 1 : 0;
	long cpu = -1, pid = -1, at = -1;
	if (!pids || !rips)
		return -ENOMEM;
	for (size_t i = log->n_records; i-- > from;)
		if (parse_cpu_pid(log->records[i].text, &cpu, &pid)) {
			at = (long)i;
			break;
		}
	bool other = c->scenario_def && c->scenario_def->context == KL_CONTEXT_OTHER;
	if (at < 0 && other)
		return FAIL(
			r,
			"no \"CPU: k PID: p Comm:\" record in the log after the nonce; scenario %s "
			"needs it: %s",
			c->scenario_def->name, c->scenario_def->proof);
	if (at < 0)
		return SKIP(r, "no \"CPU: k PID: p Comm:\" record in the log after the nonce");
	size_t n = prstatus_pids(c->d, pids, rips, MAX_CPUS);
	long idx = cpu_note_index(l ? l->cpus_list : NULL, cpu);
	if (idx < 0 || (size_t)idx >= n)
		return FAIL(r,
			    "record %ld names CPU %ld, which has no NT_PRSTATUS note (%zu notes)",
			    at, cpu, n);
	if (pids[idx] != pid)
		return FAIL(
			r,
			"record %ld names CPU %ld PID %ld; that CPU's NT_PRSTATUS has pr_pid %" PRId32,
			at, cpu, pid, pids[idx]);
	if (other)
		return PASS(
			r,
			"record %ld \"CPU: %ld ... PID: %ld\" agrees with that CPU's NT_PRSTATUS "
			"(scenario %s panics outside the trigger's task)",
			at, cpu, pid, c->scenario_def->name);
	if (l && l->trigger_pid > 0 && pid != l->trigger_pid)
		return FAIL(r, "record %ld names PID %ld, the trigger's PID is %" PRId64, at, pid,
			    l->trigger_pid);
	return PASS(r, "record %ld \"CPU: %ld ... PID: %ld\" agrees with that CPU's NT_PRSTATUS%s",
		    at, cpu, pid, l && l->trigger_pid > 0 ? " and the trigger's PID" : "");
}
