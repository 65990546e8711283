/* SPDX-License-Identifier: MIT */
/*
 * Internal: what a check sees (the loaded dump and what was derived from it) and how it
 * reports. The table is in checks.c; the checks live by subject: checks.c (ELF header,
 * notes, VMCOREINFO, manifest), layout.c (PT_NOTE/PT_LOAD layout and address translation),
 * crash.c (the kernel log and "the crash is ours").
 */
#pragma once

#include <regex.h>
#include <stdbool.h>

#include "base/stop.h"
#include "dump.h"
#include "printk.h"
#include "uts.h"
#include "vmcore.h"

struct kl_mem;
struct kl_loader_facts;

/* The last this many records must hold the panic: kexec follows the panic line at once,
 * and the dump_stack() before it prints ~40 records on the kernels we test. */
#define KL_PANIC_TAIL_RECORDS 100

struct ctx {
	struct kl_dump *d;
	const struct kl_validate_input *in;
	int expected_cpus; /* <= 0: unknown */
	struct kl_error **err;
	struct kl_stop stop; /* the input's deadline and interrupt flag */

	/* makedumpfile -E writes the notes right after the program headers, offsets not
	 * page-congruent and p_filesz < p_memsz; /proc/vmcore page-aligns (fs/proc/vmcore.c). */
	bool makedumpfile_elf;

	struct kl_mem *mem; /* over the PT_LOADs, translation from VMCOREINFO */
	char *mem_error;
	struct kl_printk_log *log;
	char *log_error;
	bool log_unsupported; /* pre-5.10 ring: dmesg.parse is skipped, not failed */
	struct kl_utsname uts;
	bool have_uts;
	char *uts_error;

	/* crash.*: the scenario's expected strings, or --expect-panic */
	const char *scenario;
	const char *const *expect;
	regex_t expect_re;
	bool have_expect_re;
	long nonce_idx; /* record with the nonce; -1 when not found */
};

/* A check returns 0 after setting r->status and r->message, or -errno on I/O errors. */
int kl_check_set(struct kl_check_result *r, enum kl_check_status st, const char *fmt, ...)
	_printf_(3, 4);
#define PASS(r, ...)	    kl_check_set(r, KL_CHECK_PASSED, __VA_ARGS__)
#define FAIL(r, ...)	    kl_check_set(r, KL_CHECK_FAILED, __VA_ARGS__)
#define SKIP(r, ...)	    kl_check_set(r, KL_CHECK_SKIPPED, __VA_ARGS__)
#define CHECK(r, cond, ...) kl_check_set(r, (cond) ? KL_CHECK_PASSED : KL_CHECK_FAILED, __VA_ARGS__)

const struct kl_loader_facts *kl_check_facts(const struct ctx *c);
/* A VMCOREINFO value as hex (SYMBOL, KERNELOFFSET) or decimal; -EINVAL if absent/bad. */
int kl_check_vi_hex(const struct ctx *c, const char *key, uint64_t *ret);
/* Add (delta +1) or remove (-1) a finished result in v's tallies; sets res->passed. */
void kl_validation_count(struct kl_validation *v, struct kl_check_result *res, int delta);
/* manifest.size / manifest.hash against a file of any format ("what" names it in messages). */
int kl_check_manifest_size(const struct kl_validate_input *in, uint64_t file_size, const char *what,
			   struct kl_check_result *r);
int kl_check_manifest_hash(const struct kl_validate_input *in, int fd, const char *path,
			   const char *what, struct kl_check_result *r, struct kl_error **err);
int kl_check_vi_dec(const struct ctx *c, const char *key, uint64_t *ret);

/* Shared by the ELF (checks.c) and kdump-compressed (kdump-checks.c) validators: the notes and
 * VMCOREINFO checks read only c->d (the notes' kl_dump) and c->in. */
int kl_check_notes_parse(struct ctx *c, struct kl_check_result *r);
int kl_check_vmcoreinfo_note(struct ctx *c, struct kl_check_result *r);
int kl_check_prstatus_size(struct ctx *c, struct kl_check_result *r);
int kl_check_prstatus_count(struct ctx *c, struct kl_check_result *r);
int kl_check_vmcoreinfo_parse(struct ctx *c, struct kl_check_result *r);
int kl_check_osrelease(struct ctx *c, struct kl_check_result *r);
int kl_check_pagesize(struct ctx *c, struct kl_check_result *r);
int kl_check_crashtime(struct ctx *c, struct kl_check_result *r);
int kl_check_crashtime_window(struct ctx *c, struct kl_check_result *r);
/* --expect-panic compiled, else the facts' scenario from the catalogue. */
int kl_check_setup_expect(struct ctx *c, struct kl_error **err);
/* CPUs the dump must have notes for: --cpus, else the facts; 0 when unknown. */
int kl_validate_expected_cpus(const struct kl_validate_input *in);
size_t kl_dump_count_prstatus(const struct kl_dump *d);
/* v->prstatus from d's NT_PRSTATUS notes (none when d has no notes); -ENOMEM. */
int kl_validation_collect_prstatus(struct kl_validation *v, const struct kl_dump *d);
/* Every failed error-severity check is a crash.* one (the dump is sound but not ours). */
bool kl_validation_only_crash_failed(const struct kl_validation *v);
/* A decimal number of up to 19 digits, nothing else; -EINVAL otherwise (or for NULL). */
int kl_check_parse_dec(const char *s, uint64_t *ret);
/* Free what the checks derived into c (memory, log, uts errors, the compiled regex). */
void kl_check_ctx_done(struct ctx *c);
/* strdup of e's message, or of fallback. */
char *kl_check_error_text(struct kl_error *e, const char *fallback);
/* A signed NUMBER(...) value (decimal, optional '-'), as its two's complement. */
int kl_check_vi_number(const struct ctx *c, const char *key, uint64_t *ret);

/* layout.c (invariants 8, 10-17) */
int kl_check_note_layout(struct ctx *c, struct kl_check_result *r);
int kl_check_note_align(struct ctx *c, struct kl_check_result *r);
int kl_check_load_filesz(struct ctx *c, struct kl_check_result *r);
int kl_check_load_order(struct ctx *c, struct kl_check_result *r);
int kl_check_file_size(struct ctx *c, struct kl_check_result *r);
int kl_check_kernel_text(struct ctx *c, struct kl_check_result *r);
int kl_check_ram(struct ctx *c, struct kl_check_result *r);
int kl_check_direct_map(struct ctx *c, struct kl_check_result *r);
int kl_check_ram_count(struct ctx *c, struct kl_check_result *r);
int kl_check_translate(struct ctx *c, struct kl_check_result *r);
bool kl_layout_is_makedumpfile_elf(const struct kl_dump *d);

/* crash.c (invariants 22, 32, 34-36) */
int kl_check_dmesg_parse(struct ctx *c, struct kl_check_result *r);
int kl_check_trigger_pid(struct ctx *c, struct kl_check_result *r);
int kl_check_uts(struct ctx *c, struct kl_check_result *r);
int kl_check_nonce(struct ctx *c, struct kl_check_result *r);
int kl_check_signature(struct ctx *c, struct kl_check_result *r);
int kl_check_cpu_pid(struct ctx *c, struct kl_check_result *r);
