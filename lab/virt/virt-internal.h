/* SPDX-License-Identifier: MIT */
/* Shared between the files of lab/virt/; not a public header. */
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>

#include "virt.h"

struct kl_vm;

struct kl_virt {
	virConnectPtr conn;
	char *uri;
	char *embed_root; /* set when we rooted the embedded driver ourselves */
	char *state_dir;
	bool caps_exported;
	bool local; /* the hypervisor runs on this host: pids can be found and killed */
	pthread_mutex_t lock;
	struct kl_vm *vms; /* started through this connection and not yet freed */
	int lost;      /* set (atomically) by libvirt's close callback: the connection dropped */
	bool close_cb; /* the close callback is registered */
};

/* Tests: behave as if libvirt had reported the connection closed (its close callback). */
void kl_virt_mark_lost(struct kl_virt *v);

/*
 * One-time process setup: libvirt init, silent error handler and logger (libvirt's log goes to
 * <state_dir>/libvirt.log of the first caller, or nowhere), event loop thread.
 */
int kl_virt_global_init(const char *state_dir, struct kl_error **err);

/*
 * Fill *err from libvirt's last error in this thread: "<what>: <libvirt message>".
 * Returns -errno (mapped from the libvirt error code).
 */
int kl_virt_error(struct kl_error **err, const char *fmt, ...) _printf_(2, 3);
/* The libvirt error code of the last error in this thread (VIR_ERR_OK when none). */
int kl_virt_last_error_code(void);

/* This process as an owner (cached strings; never freed). */
const struct kl_domain_owner *kl_self_owner(void);
/* Whether owner (as read back from metadata) is a live process on this host. */
bool kl_owner_alive(const char *host, pid_t pid, uint64_t starttime, const char *boot_id);
/* /proc/<pid>/stat field 22, 0 when the process does not exist. */
uint64_t kl_proc_starttime(pid_t pid);
/* The current boot id (cached), "" when unreadable. */
const char *kl_boot_id(void);

/* Share the embedded driver's QEMU capabilities cache with later processes (once). */
void kl_virt_caps_export(struct kl_virt *v);

/* Emergency pid table: register after start, forget after destroy. */
void kl_emergency_add(pid_t pid);
void kl_emergency_forget(pid_t pid);

/* The pid of the QEMU running domain name (and whose cmdline contains root if not NULL), or 0. */
pid_t kl_find_qemu_pid(const char *name, const char *root);

/* Destroy vm and unlink it from its connection's list; the caller holds vm's kl_virt lock. */
void kl_vm_detach_locked(struct kl_vm *vm);

/* SIGKILL (and wait up to ~2 s for) every process whose cmdline contains needle. */
int kl_kill_by_cmdline(const char *needle, const char *needle2);

static inline void virDomainFreep(virDomainPtr *d)
{
	if (*d)
		virDomainFree(*d);
}
static inline void virStreamFreep(virStreamPtr *s)
{
	if (*s)
		virStreamFree(*s);
}
