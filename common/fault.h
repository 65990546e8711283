/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: the faults a cell can ask the guest programs to commit (the plan key
 * `fault`, kdumplab.fault=NAME on both kernels' command lines), so that every verdict cause the
 * classifier knows can be provoked on a real kernel. One table, shared by the host (the key's
 * check, `kdumplab run --help`) and the guest programs (loader/loader-fault.c,
 * saver/saver-fault.c, which do what a row says). The kernel itself is never faked: each fault
 * is a program doing something wrong, and the host must see it for what it is.
 */
#pragma once

#include <stddef.h>

enum kl_fault_id {
	KL_FAULT_TRIGGER_NOOP,
	KL_FAULT_TRIGGER_HANG,
	KL_FAULT_CAPTURE_SILENT,
	KL_FAULT_SAVER_HALFWAY,
	KL_FAULT_SAVER_NO_MARKER,
	KL_FAULT_SAVER_CORRUPT,
	KL_FAULT_WRONG_CRASH,
	KL_FAULT_COUNT,
};

/* The guest program that commits the fault (and reports it: KDUMPLAB phase=fault). */
enum kl_fault_prog {
	KL_FAULT_LOADER,
	KL_FAULT_SAVER,
};

struct kl_fault {
	enum kl_fault_id id;
	const char *name; /* plan value, kdumplab.fault= */
	enum kl_fault_prog prog;
	const char *description;
	const char *provokes; /* the outcome the host must decide: "fail/<cause>" (outcome.h) */
};

/* Indexed by id. */
extern const struct kl_fault kl_faults[KL_FAULT_COUNT];

/* The row called name, or NULL. */
const struct kl_fault *kl_fault_find(const char *name);
/* "loader" or "saver". */
const char *kl_fault_prog_name(enum kl_fault_prog prog);
/* "trigger-noop, trigger-hang, ..." (for messages); cut to len. */
const char *kl_fault_names(char *buf, size_t len);
