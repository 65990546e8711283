/* SPDX-License-Identifier: MIT */
/*
 * libvirt for the lab: connections, transient domains it owns, their serial console, the KVM
 * probe, and cleanup of what a killed lab left behind.
 *
 * Ownership. Every domain the lab starts is transient, named "kdumplab-<cell id>" and carries a
 * <kdumplab:owner> metadata element (host, pid, pid start time, boot id). The default connection
 * is libvirt's embedded QEMU driver, whose domains outlive the process (libvirt 9.0 refuses
 * VIR_DOMAIN_START_AUTODESTROY for it), so:
 *   - kl_vm_free() and kl_virt_close() destroy what this process started;
 *   - kl_virt_emergency_stop() SIGKILLs the recorded QEMU pids from a signal handler;
 *   - kl_virt_open() removes what dead labs left: see leftovers.c for the on-disk layout.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

#define KL_DOMAIN_PREFIX "kdumplab-"
/* Namespace of the <metadata> element that records which process owns a domain. */
#define KL_OWNER_NS	   "https://kdumplab.invalid/xmlns/owner/1"
#define KL_OWNER_NS_PREFIX "kdumplab"

struct kl_virt; /* a connection (+ the process-wide libvirt event loop thread) */

/*
 * Open a connection. uri NULL → a per-process embedded QEMU driver rooted at
 * "<state_dir>/embed-<pid>" (needs state_dir; created if missing). Any other URI is used as is
 * (state_dir may be NULL then). Before returning, removes leftovers of dead labs: embed roots
 * and dump disks under state_dir whose owner is gone, libguestfs pull directories of dead
 * processes (kl_pull_reap), and kdumplab-* domains on this connection whose recorded owner
 * (same host) is dead; and marks state_dir's disks named "<cell>-<our pid>.img" as ours.
 */
int kl_virt_open(const char *uri, const char *state_dir, struct kl_virt **ret,
		 struct kl_error **err);
/*
 * Remove what dead labs left under state_dir: embedded roots whose lock is free, the QEMU
 * processes running from them, their console lock files, and dump disks of labs whose
 * lab-<pid>.lock is free (see leftovers.c). Live labs are untouched. Returns the number of roots
 * removed. kl_virt_open() does this (and kl_pull_reap()); exposed for tests and a "clean" verb.
 */
int kl_virt_reap(const char *state_dir);
/* Destroy every domain this connection started, then close. Accepts NULL. */
void kl_virt_close(struct kl_virt *v);
const char *kl_virt_uri(const struct kl_virt *v);
/* The connection's domains run on this host (no server in the URI): files are shared. */
bool kl_virt_is_local(const struct kl_virt *v);
/* True when the connection is libvirt's embedded QEMU driver rooted by kl_virt_open(). */
bool kl_virt_is_embedded(const struct kl_virt *v);
/*
 * True when the connection to libvirt is gone (libvirt's close callback fired, or
 * virConnectIsAlive says so): nothing on it will answer again. Not the guest's fault: a cell
 * that sees it ends error/infra, never timeout(<phase>).
 */
bool kl_virt_lost(struct kl_virt *v);

struct kl_domain_owner {
	const char *host; /* gethostname() */
	pid_t pid;
	uint64_t starttime; /* /proc/<pid>/stat field 22: tells a reused pid from the owner */
	const char *boot_id;
};

struct kl_domain_config {
	const char *name; /* "kdumplab-<cell id>": the lab owns every domain named kdumplab-* */
	const char *kernel, *initrd, *cmdline;
	unsigned memory_mib, vcpus;
	const char *disk_path;	 /* raw dump disk, virtio-blk, writable; NULL for none */
	const char *disk_serial; /* e.g. KL_DEFAULT_DISK_SERIAL; NULL for none */
	bool kvm;		 /* domain type kvm (cpu host-passthrough) vs qemu (TCG) */
	const char *cpu_model;	 /* NULL: "host-passthrough" under kvm, "qemu64" under TCG */
	/* Written into <metadata>; NULL in kl_domain_xml() leaves it out, kl_vm_start() fills it. */
	const struct kl_domain_owner *owner;
	/* Start without a console stream (drivers that cannot stream, e.g. test:///default). */
	bool no_console;
	/*
	 * Local connections: QEMU writes the serial console to this host file (<serial
	 * type='file'>) and kl_vm_read_console() tails it. No libvirt stream is involved: with
	 * libvirt 9.0 aborting a console stream while the domain's last reference is dropped
	 * (it powered off by itself) deadlocks in virChrdevFree/virFDStreamSetInternalCloseCb
	 * (seen here: a lab hung after the guest's poweroff). NULL: a pty console stream.
	 */
	const char *console_file;
	/* Bytes of console_file kept (0: KL_CONSOLE_LOG_MAX, caplog.h); past them the file is cut
	 * with a note once the domain is gone, and sparse in between. */
	uint64_t console_max;
};

/* The domain XML for c (libxml2, so any byte in names and paths is escaped). */
int kl_domain_xml(const struct kl_domain_config *c, char **ret_xml, struct kl_error **err);

struct kl_vm;
/*
 * Create and start a transient domain PAUSED, open its serial console as a non-blocking stream
 * (so no early output is lost), record its QEMU pid for kl_virt_emergency_stop(), resume.
 * On failure the domain is destroyed.
 */
int kl_vm_start(struct kl_virt *v, const struct kl_domain_config *c, struct kl_vm **ret,
		struct kl_error **err);
const char *kl_vm_name(const struct kl_vm *vm);
/* The QEMU pid, or 0 when unknown (remote or non-QEMU drivers). */
pid_t kl_vm_pid(const struct kl_vm *vm);
/*
 * Read console bytes, waiting up to timeout_ms (<0: forever) without spinning: >0 bytes,
 * 0 on timeout, -EPIPE when the console ended and everything was read (domain gone),
 * -ENOTCONN when started with no_console, -EIO when the stream failed, -ECONNRESET when the
 * libvirt connection was lost (kl_virt_lost).
 */
ssize_t kl_vm_read_console(struct kl_vm *vm, char *buf, size_t len, int timeout_ms);
/* -ECONNRESET (with *err saying so) when the libvirt connection was lost. */
int kl_vm_is_running(struct kl_vm *vm, bool *ret_running, struct kl_error **err);
/*
 * Wait up to timeout_ms for the domain to end. The console's end (-EPIPE) comes first; libvirt
 * sees QEMU's exit a few ms (rarely ~2 s) later. *ret_ended false means still running.
 */
int kl_vm_wait_ended(struct kl_vm *vm, int timeout_ms, bool *ret_ended, struct kl_error **err);
int kl_vm_inject_nmi(struct kl_vm *vm, struct kl_error **err);
/*
 * Destroy the domain: idempotent, 0 also when it already ended. When libvirt cannot (its
 * destroy fails, or the connection is lost) and the QEMU pid is known, the QEMU is SIGKILLed
 * instead (0); -EIO when the guest may still run. kl_vm_destroy_note() then says what happened.
 */
int kl_vm_destroy(struct kl_vm *vm);
/* One sentence when the last destroy needed the fallback or failed, else NULL. */
const char *kl_vm_destroy_note(const struct kl_vm *vm);
/* Destroy if still running, then free. Accepts NULL. */
void kl_vm_free(struct kl_vm *vm);
static inline void kl_vm_freep(struct kl_vm **vm)
{
	kl_vm_free(*vm);
	*vm = NULL;
}
static inline void kl_virt_closep(struct kl_virt **v)
{
	kl_virt_close(*v);
	*v = NULL;
}

/*
 * SIGKILL every QEMU this process started and has not destroyed yet. Only kill(2) and atomics:
 * callable from a signal handler. Leaves libvirt's state to the next kl_virt_open().
 */
void kl_virt_emergency_stop(void);

/*
 * KVM probe: really boot kernel+initrd (cmdline "kdumplab.scenario=none") as a kvm domain with
 * a short deadline (KL_KVM_PROBE_TIMEOUT_MS); KVM works when the console shows
 * "KDUMPLAB phase=start" in time. The answer is cached in <cache_dir>/kvm-probe keyed by
 * /proc/sys/kernel/random/boot_id. No /dev/kvm → false without booting. *ret_reason is a
 * one-line explanation for a notice (free() it). Errors only for broken inputs or cache I/O;
 * a domain that cannot start as kvm is an answer (false), not an error.
 */
#define KL_KVM_PROBE_TIMEOUT_MS 15000
int kl_virt_probe_kvm(struct kl_virt *v, const char *cache_dir, const char *kernel,
		      const char *initrd, bool *ret_kvm, char **ret_reason, struct kl_error **err);
