/* SPDX-License-Identifier: MIT */
/* Pulling the dump off the dump disk with libguestfs (read-only on the disk). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

struct kl_pull_options {
	const char *disk_path, *out_dir;
	/* SUPERMIN_KERNEL / SUPERMIN_MODULES for the appliance when the host has no kernel in
	 * /boot (NULL: leave supermin's defaults). These are environment variables of the process:
	 * see kl_pull(). */
	const char *appliance_kernel, *appliance_modules;
	bool force_tcg;		     /* backend setting force_tcg: needed where KVM does not work */
	uint64_t expected_dump_size; /* from the saver's console line, 0 if unknown */
	/* Copy the dump with guestfs_download (every byte, zeros included, crosses the appliance
	 * channel) instead of the sparse copy to a second drive. For measurements and fallback. */
	bool force_download;
	/* Ignore the saver's block map (copy through the appliance). For measurements. */
	bool no_block_map;
	/* Kill the appliance after this many seconds (0: no limit): a stuck appliance must not
	 * hang the cell. The pull then fails with ETIMEDOUT. */
	double deadline_seconds;
	/* The run's interrupt flag (NULL: none). Once it is set, the appliance is killed and every
	 * host-side copy stops within a MiB: the pull fails with EINTR, its output removed. */
	volatile sig_atomic_t *interrupted;
};

struct kl_pull_result {
	bool done_marker, manifest, dump,
		partial_dump;		    /* what was on the disk (partial = vmcore.incomplete) */
	char *dump_path, *manifest_path;    /* in out_dir, NULL when absent */
	uint64_t dump_size, dump_allocated; /* of the pulled copy (holes are not allocated) */
	uint64_t partial_size;		    /* size of vmcore.incomplete on the disk (not pulled) */
	bool dump_size_mismatch; /* expected_dump_size given and the disk's vmcore differs */
	/* "blocks" (the saver's block map checked, then the runs read from the disk image by the
	 * host), "extents" (only the saver's data runs, copied to a second drive), "device" (the
	 * whole file, sparse, to a second drive), "download" or "none" */
	const char *method;
	size_t extents;		  /* runs copied with method "blocks" or "extents" */
	char *block_map_rejected; /* why a block map on the disk was not used, or NULL */
	/* Why the vmcore on the disk was not pulled although it is there (it claims more bytes
	 * than the whole dump disk holds), or NULL. The dump is not a dump: dump_path stays NULL. */
	char *dump_refused;
	double seconds, launch_seconds, transfer_seconds;
	double launch_wait_seconds; /* how long kl_pull_finish waited for the launch */
	char *listing;		    /* ls -la of the disk root, for diagnostics */
};

/*
 * Launch an appliance on disk_path (read-only), mount its ext4 read-only, report what is there,
 * fetch manifest and vmcore into out_dir (which must exist). A missing vmcore is not an error
 * (the result says so); an appliance or filesystem failure is. Whatever the disk says, the pull
 * writes at most the dump disk's size for the vmcore (a larger one is refused: dump_refused)
 * and KL_PULL_SMALL_MAX for the manifest, and stops at its deadline (-ETIMEDOUT) or when
 * *interrupted is set (-EINTR), its partial output removed.
 *
 * appliance_kernel/_modules are handed to supermin through setenv() (supermin runs as a child
 * of libguestfs and reads only its environment); this is done under a lock and the variables
 * stay set, so concurrent kl_pull() calls must agree on them.
 */
int kl_pull(const struct kl_pull_options *o, struct kl_pull_result **ret, struct kl_error **err);

/*
 * kl_pull in two halves, so the appliance can boot while the guest still runs (under TCG its
 * launch is as long as the guest's crash, capture and save together). kl_pull_start checks
 * the paths, creates the output file and starts the launch in a thread (o's strings and
 * o->interrupted must outlive the pull; expected_dump_size and deadline_seconds are not used). The
 * disk may still be written: kl_pull_finish drops every block the appliance cached before it
 * mounts. Finish or abort every started pull exactly once; abort kills the appliance and removes
 * the output.
 */
#define KL_PULL_SMALL_MAX (1 << 20) /* bytes of the manifest copied at most */

struct kl_pull;
int kl_pull_start(const struct kl_pull_options *o, struct kl_pull **ret, struct kl_error **err);
int kl_pull_finish(struct kl_pull *p, uint64_t expected_dump_size, double deadline_seconds,
		   struct kl_pull_result **ret, struct kl_error **err);
void kl_pull_abort(struct kl_pull *p);
static inline void kl_pull_abortp(struct kl_pull **p)
{
	kl_pull_abort(*p);
	*p = NULL;
}
void kl_pull_result_free(struct kl_pull_result *r);
/*
 * Remove what pulls of dead processes left in $TMPDIR (or /tmp): their kdumplab-pull.<pid>.*
 * directories, appliances still running from them, and the partial output each recorded (see
 * pull-dir.c). Returns how many directories were removed. kl_virt_open() calls it.
 */
int kl_pull_reap(void);
static inline void kl_pull_result_freep(struct kl_pull_result **r)
{
	kl_pull_result_free(*r);
	*r = NULL;
}
