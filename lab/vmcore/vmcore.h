/* SPDX-License-Identifier: MIT */
/*
 * Validation of a raw ELF vmcore (a copy of /proc/vmcore) as a table of named checks.
 *
 * The dump is untrusted input written by a crashed guest: headers and notes are read with
 * bounded positional reads, never the whole file, and every size is checked before use.
 * An invalid dump is a successful validation with failed checks; only I/O errors (the
 * file cannot be opened or read) make kl_vmcore_validate() fail.
 *
 * Check ids are stable (results.json, reports and `kdumplab compare` key on them); the
 * numbers are the invariants of shared/reference/vmcore-invariants.md:
 *   elf.ident elf.type elf.machine elf.header elf.flags elf.sections            (6, 9)
 *   phdr.count phdr.note-first phdr.types phdr.note-bounds                        (6, 7)
 *   phdr.note-layout phdr.note-align(W)                                           (8)
 *   phdr.load-bounds phdr.load-align phdr.load-filesz phdr.load-order phdr.file-size (10-13)
 *   notes.parse notes.vmcoreinfo notes.prstatus-size notes.prstatus-count          (18-21)
 *   vmcoreinfo.parse vmcoreinfo.osrelease vmcoreinfo.pagesize vmcoreinfo.crashtime
 *   vmcoreinfo.crashtime-window(W) vmcoreinfo.build-id vmcoreinfo.keys
 *   vmcoreinfo.symbols                                                            (25-31)
 *   load.kernel-text load.ram load.direct-map(W) load.ram-count(W)                (14-17)
 *   mem.translate (page-table walk == PT_LOAD mapping; init_uts_ns readable)
 *   dmesg.parse                                                                   (34)
 *   crash.trigger-pid crash.uts crash.nonce crash.signature crash.cpu-pid      (22, 32, 35, 36)
 *   manifest.size manifest.hash                                                   (4)
 * A dump that fails only crash.* checks is sound but of another crash: wrong_crash.
 * Both ELF layouts are accepted: /proc/vmcore copies and makedumpfile -E (see layout.c).
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct kl_facts;
struct kl_manifest;
struct json_object;

/* ---- VMCOREINFO: the kernel's key=value note ---- */

/* The kernel caps the note at VMCOREINFO_BYTES (one page). */
#define KL_VMCOREINFO_MAX 4096

struct kl_vmcoreinfo_entry {
	char *key, *value;
};
struct kl_vmcoreinfo {
	struct kl_vmcoreinfo_entry *entries; /* file order */
	size_t n_entries;
};

/*
 * Parse VMCOREINFO text: every line `^[A-Z_()a-z0-9.-]+=[^\n]*$`, the buffer ends with
 * '\n', no NUL, at most KL_VMCOREINFO_MAX bytes. -EBADMSG naming the line otherwise.
 */
int kl_vmcoreinfo_parse(const char *buf, size_t len, struct kl_vmcoreinfo **ret,
			struct kl_error **err);
/* The first value of key (e.g. "OSRELEASE", "SYMBOL(prb)"), or NULL. */
const char *kl_vmcoreinfo_get(const struct kl_vmcoreinfo *vi, const char *key);
void kl_vmcoreinfo_free(struct kl_vmcoreinfo *vi);
static inline void kl_vmcoreinfo_freep(struct kl_vmcoreinfo **vi)
{
	kl_vmcoreinfo_free(*vi);
}

/* ---- validation ---- */

enum kl_severity { KL_SEVERITY_ERROR, KL_SEVERITY_WARNING };
enum kl_check_status { KL_CHECK_PASSED, KL_CHECK_FAILED, KL_CHECK_SKIPPED };

const char *kl_severity_name(enum kl_severity s);
const char *kl_check_status_name(enum kl_check_status s);

struct kl_check_result {
	const char *id; /* static, stable */
	enum kl_severity severity;
	enum kl_check_status status;
	bool passed;   /* status == KL_CHECK_PASSED */
	char *message; /* names the values compared, or why it was skipped */
};

struct kl_validate_input {
	const struct kl_facts *facts;	    /* NULL: skip the checks against the loader's facts */
	int expected_cpus;		    /* <= 0: facts' cpus_online, else skip */
	const struct kl_manifest *manifest; /* NULL: skip manifest.* */
	/* CRASHTIME must lie in [trigger_time - before, trigger_time + after]; 0: 10 s, 600 s. */
	unsigned crashtime_before, crashtime_after;
	/* POSIX extended regex replacing the scenario's expected panic strings; NULL: use the
	 * catalogue's .expect of the facts' trigger scenario. */
	const char *expect_panic;
	/*
	 * Stopping early (a cell's timeout(validate), Ctrl-C). With deadline > 0 (seconds on
	 * CLOCK_MONOTONIC, as clock_gettime(CLOCK_MONOTONIC) reads them) the validation
	 * returns -ETIMEDOUT once that time has passed; with interrupted non-NULL it returns
	 * -EINTR once *interrupted is non-zero (a signal handler sets it). Either way *err
	 * says which step stopped ("validation reached its deadline while reading the kdump
	 * page descriptors"), no validation is returned and nothing is left behind (the flat
	 * reassembly's temporary file is already unlinked). Every loop whose work grows with
	 * the dump polls both (every MiB read, every 4096 pages, descriptors or records, and
	 * between checks), so the return follows within milliseconds. 0 / NULL: never.
	 */
	double deadline;
	volatile sig_atomic_t *interrupted;
};

/* What the dump itself says, for reports and the checks built on top of this one. */
struct kl_prstatus {
	int32_t pid;
	uint64_t note_offset; /* file offset of the note's descriptor */
};

struct kl_validation {
	struct kl_check_result *results; /* in table order, one per check */
	size_t n_results;
	unsigned n_passed, n_failed, n_warnings, n_skipped; /* warnings: failed warning checks */
	uint64_t file_size;
	unsigned n_load;	      /* PT_LOAD headers */
	struct kl_prstatus *prstatus; /* NT_PRSTATUS notes in order (CPU order) */
	size_t n_prstatus;
	struct kl_vmcoreinfo *vmcoreinfo; /* NULL when absent or unparsable */
	const char *layout;		  /* "proc-vmcore" or "makedumpfile-elf" (static) */
	struct kl_printk_log *log;	  /* the extracted kernel log, or NULL */
	/* Some crash.* check failed and every other error check passed: a sound dump of a
	 * crash other than the one injected (verdict wrong-crash, not dump-invalid). */
	bool wrong_crash;
};

/*
 * Run every check on the dump at dump_path. in may be NULL (structure only).
 * Returns 0 and a validation (even for a broken dump), -ETIMEDOUT / -EINTR when in's
 * deadline passed or its interrupt flag was set (see struct kl_validate_input), or
 * -errno on I/O errors.
 */
int kl_vmcore_validate(const char *dump_path, const struct kl_validate_input *in,
		       struct kl_validation **ret, struct kl_error **err);
/* No check of error severity failed. */
bool kl_validation_ok(const struct kl_validation *v);
/* The result with that id, or NULL. */
const struct kl_check_result *kl_validation_find(const struct kl_validation *v, const char *id);
/* With v->wrong_crash, the first failed crash.* check; else NULL. */
const struct kl_check_result *kl_validation_wrong_crash(const struct kl_validation *v);
/* The first failed error (or, with none, warning) check, for a verdict's cause; or NULL. */
const struct kl_check_result *kl_validation_first_failure(const struct kl_validation *v);
/* {"ok", "passed", "failed", "warnings", "skipped", "file_size", "cpus", "osrelease",
 *  "crashtime", "checks": [{"id", "severity", "status", "message"}]}; NULL on ENOMEM. */
struct json_object *kl_validation_to_json(const struct kl_validation *v);
void kl_validation_free(struct kl_validation *v);
static inline void kl_validation_freep(struct kl_validation **v)
{
	kl_validation_free(*v);
}

/* The ids of all checks in table order (NULL-terminated), e.g. for documentation. */
const char *const *kl_vmcore_check_ids(void);
