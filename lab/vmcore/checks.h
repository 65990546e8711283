/* SPDX-License-Identifier: MIT */
/*
 * Internal: the check table's row, what a check sees (the loaded dump and what was derived
 * from it) and how it reports. The one table is checks-table.c, run by one engine
 * (validate.c); the checks live by subject: checks.c (ELF header, notes, VMCOREINFO,
 * manifest), layout.c (PT_NOTE/PT_LOAD layout and address translation), crash.c (the kernel
 * log and "the crash is ours"), kdump-checks.c (kdump-compressed structure), format-checks.c
 * (format.detect, flat.*).
 */
#pragma once

#include <regex.h>
#include <stdbool.h>

#include "base/stop.h"
#include "dump.h"
#include "format.h"
#include "printk.h"
#include "uts.h"
#include "vmcore.h"

struct kl_mem;
struct kl_scenario;
struct kl_loader_facts;

/* The last this many records must hold the panic: kexec follows the panic line at once,
 * and the dump_stack() before it prints ~40 records on the kernels we test. */
#define KL_PANIC_TAIL_RECORDS 100

/* What a validation is made of, for struct kl_check .formats: one bit per format
 * (KL_CHECK_FMT(KL_DUMP_FORMAT_KDUMP)), a flattened container, and whether the format was
 * detected (kl_vmcore_validate_any(); kl_vmcore_validate() reads ELF without detecting). A
 * check runs when its mask and the validation's share a bit. */
#define KL_CHECK_FMT(id) (1u << (id))
#define KL_CHECK_ELF                                                                               \
	(KL_CHECK_FMT(KL_DUMP_FORMAT_ELF) | KL_CHECK_FMT(KL_DUMP_FORMAT_MAKEDUMPFILE_ELF))
#define KL_CHECK_KDUMP	  (KL_CHECK_FMT(KL_DUMP_FORMAT_KDUMP) | KL_CHECK_FMT(KL_DUMP_FORMAT_DISKDUMP))
#define KL_CHECK_FLAT	  KL_CHECK_FMT(KL_DUMP_FORMAT_FLAT)
#define KL_CHECK_DUMP	  (KL_CHECK_ELF | KL_CHECK_KDUMP) /* any dump's content */
#define KL_CHECK_DETECTED (1u << 16)

/* The loading stages a check needs (struct kl_check .needs): a check whose stage is missing
 * is skipped, and the check that owns the stage has failed and says why (validate.c). */
enum kl_check_need {
	KL_NEED_EHDR = 1 << 0,		  /* ELF: the ELF header */
	KL_NEED_PHDRS = 1 << 1,		  /* ELF: the program headers */
	KL_NEED_HEADER = 1 << 2,	  /* kdump: the 464 header bytes were read */
	KL_NEED_BLOCK = 1 << 3,		  /* kdump: ... and block_size is usable */
	KL_NEED_SUB = 1 << 4,		  /* kdump: the sub-header */
	KL_NEED_NOTE_BYTES = 1 << 5,	  /* the note bytes were read (PT_NOTE / kdump notes) */
	KL_NEED_NOTES = 1 << 6,		  /* the notes parse */
	KL_NEED_VMCOREINFO_NOTE = 1 << 7, /* exactly one usable VMCOREINFO note */
	KL_NEED_VMCOREINFO = 1 << 8,	  /* VMCOREINFO parsed */
	KL_NEED_LAYOUT = 1 << 9,	  /* kdump: the bitmaps lie inside the file */
	KL_NEED_INDEX = 1 << 10,	  /* kdump: the 2nd bitmap is indexed */
	KL_NEED_MEM = 1 << 11,		  /* a kl_mem over the dump (translation from VMCOREINFO) */
	KL_NEED_LOG = 1 << 12,		  /* the kernel log extracted */
};

/* One row of the check table (checks-table.c). */
struct kl_check {
	const char *id; /* stable: reports and `kdumplab compare` key on it */
	enum kl_severity severity;
	unsigned formats; /* KL_CHECK_* mask */
	unsigned needs;	  /* enum kl_check_need bits */
	/* Returns 0 after setting r->status and r->message, or -errno on I/O errors. */
	int (*run)(struct kl_check_ctx *c, struct kl_check_result *r);
};
/* The one list of checks, in report order (checks-table.c); at most KL_CHECKS_MAX rows. */
#define KL_CHECKS_MAX 128
extern const struct kl_check kl_checks[];
extern const size_t kl_n_checks;

/* What a check sees: the loaded dump (its format's load()), what was derived from it, and
 * the run's input. */
struct kl_check_ctx {
	unsigned formats;		     /* KL_CHECK_* bits this validation is made of */
	const struct kl_dump_format *format; /* the file's format (NULL: unknown) */
	const struct kl_dump_format *inner;  /* a flat file's content format (NULL: none) */

	/* the file the structural checks read (a flat file's reassembled content) */
	const char *path;
	int fd;
	uint64_t size;
	unsigned char head[8]; /* its first bytes (format.detect names them when unknown) */
	size_t head_len;
	const char *layout; /* "proc-vmcore", "makedumpfile-elf", "kdump" (static) */

	struct kl_dump
		*d; /* the notes: the ELF dump itself, or a kdump file's notes (may be NULL) */
	struct kl_kdump *k;	   /* kdump-compressed: the file; NULL for ELF */
	struct kl_flat_info *flat; /* flattened: the reassembly; NULL otherwise */

	/* the file the saver's manifest describes: the pulled one (flat: before reassembly) */
	const char *pulled_path;
	int pulled_fd;
	uint64_t pulled_size;
	const char *pulled_what; /* "pulled file", "pulled (flattened) file" */

	const struct kl_validate_input *in;
	int expected_cpus; /* <= 0: unknown */
	struct kl_error **err;
	struct kl_stop stop; /* the input's deadline and interrupt flag */

	/* makedumpfile -E writes the notes right after the program headers, offsets not
	 * page-congruent and p_filesz < p_memsz; /proc/vmcore page-aligns (fs/proc/vmcore.c). */
	bool makedumpfile_elf;

	struct kl_mem *mem; /* over the dump's memory, translation from VMCOREINFO */
	char *mem_error;
	struct kl_printk_log *log;
	char *log_error;
	bool log_unsupported; /* pre-5.10 ring: dmesg.parse is skipped, not failed */
	struct kl_utsname uts;
	bool have_uts;
	char *uts_error;

	/* crash.*: the scenario's expected strings, or --expect-panic */
	const char *scenario;
	const struct kl_scenario *scenario_def; /* the facts' scenario, NULL if unknown */
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

const struct kl_loader_facts *kl_check_facts(const struct kl_check_ctx *c);
/* A VMCOREINFO value as hex (SYMBOL, KERNELOFFSET) or decimal; -EINVAL if absent/bad. */
int kl_check_vi_hex(const struct kl_check_ctx *c, const char *key, uint64_t *ret);
/* Add (delta +1) or remove (-1) a finished result in v's tallies; sets res->passed. */
void kl_validation_count(struct kl_validation *v, struct kl_check_result *res, int delta);
int kl_check_vi_dec(const struct kl_check_ctx *c, const char *key, uint64_t *ret);

/* checks.c: the ELF header and program headers (invariants 6, 7, 9, 11, 12) */
int kl_check_elf_ident(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_type(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_machine(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_header(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_flags(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_sections(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_phdr_count(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_note_first(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_types(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_note_bounds(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_load_bounds(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_elf_load_align(struct kl_check_ctx *c, struct kl_check_result *r);
/* checks.c: VMCOREINFO keys and symbols (invariants 29-31) */
int kl_check_build_id(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_keys(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_symbols(struct kl_check_ctx *c, struct kl_check_result *r);
/* checks.c: the saver's manifest against the pulled file (c->pulled_*), any format (4) */
int kl_check_manifest_size(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_manifest_hash(struct kl_check_ctx *c, struct kl_check_result *r);

/* checks.c, any format: the notes and VMCOREINFO checks read only c->d (the notes'
 * kl_dump) and c->in. */
int kl_check_notes_parse(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_vmcoreinfo_note(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_prstatus_size(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_prstatus_count(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_vmcoreinfo_parse(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_osrelease(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_pagesize(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_crashtime(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_crashtime_window(struct kl_check_ctx *c, struct kl_check_result *r);
/* --expect-panic compiled, else the facts' scenario from the catalogue. */
int kl_check_setup_expect(struct kl_check_ctx *c, struct kl_error **err);
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
void kl_check_ctx_done(struct kl_check_ctx *c);
/* strdup of e's message, or of fallback. */
char *kl_check_error_text(struct kl_error *e, const char *fallback);
/* A signed NUMBER(...) value (decimal, optional '-'), as its two's complement. */
int kl_check_vi_number(const struct kl_check_ctx *c, const char *key, uint64_t *ret);

/* layout.c (invariants 8, 10-17) */
int kl_check_note_layout(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_note_align(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_load_filesz(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_load_order(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_file_size(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kernel_text(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_ram(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_direct_map(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_ram_count(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_translate(struct kl_check_ctx *c, struct kl_check_result *r);
bool kl_layout_is_makedumpfile_elf(const struct kl_dump *d);

/* crash.c (invariants 22, 32, 34-36) */
int kl_check_dmesg_parse(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_trigger_pid(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_uts(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_nonce(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_signature(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_cpu_pid(struct kl_check_ctx *c, struct kl_check_result *r);

/* kdump-checks.c (invariants 40-48) */
int kl_check_kdump_signature(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_header(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_block_size(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_compression(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_incomplete(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_decompressor(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_sub_header(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_split(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_notes(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_nr_cpus(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_vmcoreinfo(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_timestamp(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_utsname(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_bitmap_size(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_bitmap_subset(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_descs(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_desc_order(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_pages(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_kdump_eraseinfo(struct kl_check_ctx *c, struct kl_check_result *r);

/* format-checks.c: what the file is (format.detect) and the flattened container (flat.*) */
int kl_check_format_detect(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_flat_header(struct kl_check_ctx *c, struct kl_check_result *r);
int kl_check_flat_records(struct kl_check_ctx *c, struct kl_check_result *r);
