/* SPDX-License-Identifier: MIT */
/*
 * What the in-guest programs reported about one crash cycle, folded from console records
 * (common/protocol.h): the first kernel's facts from the loader, the saver's outcome.
 * Validation compares the dump against these; they are written as facts.json per cell so
 * `kdumplab validate --facts FILE` can re-check a dump later.
 *
 * Unknown numbers are -1 (KL_FACT_UNSET); unknown strings are NULL; unknown addresses 0.
 * Strings are stored as safe text (lab/base/text.h: valid UTF-8, controls as \xNN), whether they
 * come from the console or from a facts.json.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/text.h"
#include "console.h"

#define KL_FACT_UNSET (-1)
/* Bounds on repeated records: a confused guest must not grow us without limit. */
#define KL_FACTS_MAX_RANGES  256
#define KL_FACTS_MAX_MODULES 256
#define KL_FACTS_MAX_ERRORS  64
/*
 * Longest string fact, as safe text (lab/base/text.h). Room for a whole kernel command line
 * (COMMAND_LINE_SIZE is 2048 on x86); and small enough that facts with every list full
 * (~1400 strings) stay under the 4 MiB kl_facts_read_json() reads back.
 */
#define KL_FACT_TEXT_MAX 2048

struct kl_range {
	uint64_t start, end; /* end inclusive, as in /proc/iomem */
};

struct kl_fact_module {
	char *name;
	char *result; /* "ok" or an errno name */
};

struct kl_fact_error {
	char *step;
	int64_t errno_value;
	char *errname;
	char *detail;
	unsigned long lineno;
};

struct kl_loader_facts {
	char *version;
	char *uname_r, *uname_v, *nodename, *machine, *cpus_list, *boot_id;
	int64_t cpus_online, page_size, kexec_crash_size;
	struct kl_range *ram, *crash;
	size_t n_ram, n_crash;
	/* /proc/kallsyms; 0 when unreadable */
	uint64_t sym_text, sym_stext, sym_end, sym_init_uts_ns, sym_prb;
	uint64_t reservation_base; /* valid when reservation_size >= 0 */
	int64_t reservation_size;
	int64_t crash_loaded;
	char *capture_cmdline;
	char *trigger_scenario, *trigger_nonce;
	int64_t trigger_pid, trigger_cpu, trigger_time;
	struct kl_fact_module *modules;
	size_t n_modules;
	struct kl_fact_error *errors;
	size_t n_errors;
	bool started, poweroff;
};

struct kl_saver_facts {
	char *version;
	uint64_t elfcorehdr; /* 0 when not reported */
	char *disk_serial, *disk_dev;
	int64_t vmcore_size;	/* /proc/vmcore size seen by the capture kernel */
	int64_t progress_bytes; /* last progress record */
	int64_t saved_bytes, allocated, zero_pages, data_pages;
	char *hash;	/* 16 lower-case hex digits */
	double seconds; /* < 0 when unknown */
	struct kl_fact_module *modules;
	size_t n_modules;
	struct kl_fact_error *errors;
	size_t n_errors;
	bool started, done, poweroff;
};

struct kl_facts {
	struct kl_loader_facts loader;
	struct kl_saver_facts saver;
	bool in_saver; /* the last "start" record was the saver's (routes kernel-less records) */
	unsigned long n_records;
	unsigned long n_unknown; /* records with a phase we do not know (kept for the log only) */
};

struct kl_facts *kl_facts_new(void);
void kl_facts_free(struct kl_facts *f);
static inline void kl_facts_freep(struct kl_facts **f)
{
	kl_facts_free(*f);
}

/*
 * Fold one record in. Records from the capture kernel (rec->kernel) go to the saver,
 * from the system kernel to the loader; without a known kernel, the last "start prog="
 * decides. A malformed value leaves that fact unset and returns -EINVAL with a message
 * naming line, key and value; other facts of the record are still applied.
 * -E2BIG when a bound is hit.
 */
int kl_facts_apply(struct kl_facts *f, const struct kl_record *rec, struct kl_error **err);

/* Write as JSON atomically (temp file + rename). */
int kl_facts_write_json(const struct kl_facts *f, const char *path, struct kl_error **err);
/* Read what kl_facts_write_json wrote (bounded size; types checked). */
int kl_facts_read_json(const char *path, struct kl_facts **ret, struct kl_error **err);

/* JSON object (json-c) of the facts; NULL on allocation failure. */
struct json_object;
struct json_object *kl_facts_to_json(const struct kl_facts *f);
int kl_facts_from_json(struct json_object *o, struct kl_facts **ret, struct kl_error **err);
