/* SPDX-License-Identifier: MIT */
/*
 * Leftovers: what a killed lab left behind, removed by the next kl_virt_open().
 *
 * Embedded driver roots (embed-root.c): every <state_dir>/embed-<n>.lock that can be locked
 * belongs to a dead process: we kill the QEMU processes whose command line names that root
 * (they outlive their lab), delete the root, then the lock file. The kernel drops a flock when
 * its owner dies however it dies, so no pid guessing is involved.
 *
 * Files of every lab, whatever its connection (dump disks; the pull's own directories are
 * reaped by pull-dir.c's kl_pull_reap with the same idea):
 *
 *   <state_dir>/lab-<pid>.lock         flock(LOCK_EX) held by a lab process from its first
 *                                      kl_virt_open() with this state directory until it exits
 *   <state_dir>/disks/<cell>-<pid>.img  a dump disk of that process (cell.c names it)
 *
 * A disk whose lab-<pid>.lock can be locked, or that has no lock file and whose pid is gone, is
 * a killed lab's: removed at the next open. A disk kept on purpose (--keep-disks) is renamed
 * <cell>-<pid>.kept.img by its cell and never matches.
 *
 * Other URIs (qemu:///system, qemu+ssh://...): leftovers are kdumplab-* domains whose
 * <kdumplab:owner> metadata names this host and a process that no longer exists (pid + start
 * time, or another boot). Domains owned by other hosts are never touched: we cannot know whether
 * their owner lives.
 */
#include <fcntl.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <string.h>

#include "embed-root.h"
#include "leftovers.h"
#include "lockfile.h"
#include "owner.h"
#include "proc.h"
#include "virt.h"

/* "<prefix><digits><suffix>" → the number (a pid), or -1. */
static long pid_in_name(const char *name, const char *prefix, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix), ln = strlen(name);
	if (ln <= lp + ls || strncmp(name, prefix, lp) != 0 || !streq(name + ln - ls, suffix))
		return -1;
	long pid = 0;
	for (const char *c = name + lp; c < name + ln - ls; c++) {
		if (*c < '0' || *c > '9' || pid > 1 << 30)
			return -1;
		pid = pid * 10 + (*c - '0');
	}
	return pid > 0 ? pid : -1;
}

/* The pid of a dump disk name "<cell>-<pid>.img", or -1. */
static long disk_owner(const char *name)
{
	const char *dash = strrchr(name, '-');
	return dash ? pid_in_name(dash, "-", ".img") : -1;
}

/* Remove <state_dir>/disks/<cell>-<pid>.img of owner pid, or (owner < 0) of every owner without a
 * lock file whose process is gone. */
static void remove_disks(const char *state_dir, long owner)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/disks", state_dir) < 0)
		return;
	_cleanup_closedir_ DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		long pid = disk_owner(de->d_name);
		if (pid <= 0 || (owner > 0 && pid != owner))
			continue;
		_cleanup_free_ char *lock = NULL, *path = NULL;
		if (asprintf(&lock, "%s/lab-%ld.lock", state_dir, pid) < 0 ||
		    asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			continue;
		/* Without a lock file: a lab from before these locks, or one that is gone. */
		if (owner < 0 &&
		    (pid == (long)getpid() || access(lock, F_OK) == 0 || !kl_proc_gone((pid_t)pid)))
			continue;
		unlink(path);
	}
}

/* Remove the files of labs whose lab-<pid>.lock is free (they are dead) under state_dir. */
static void reap_lab_files(const char *state_dir)
{
	_cleanup_closedir_ DIR *d = opendir(state_dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		long pid = pid_in_name(de->d_name, "lab-", ".lock");
		if (pid <= 0 || pid == (long)getpid())
			continue;
		_cleanup_free_ char *lock = NULL;
		if (asprintf(&lock, "%s/%s", state_dir, de->d_name) < 0)
			continue;
		_cleanup_close_ int fd = kl_lockfile_take(lock, 0);
		if (fd < 0)
			continue; /* alive, or another cleaner is at it */
		remove_disks(state_dir, pid);
		unlink(lock);
	}
	remove_disks(state_dir, -1);
}

int kl_state_dir_own(const char *state_dir, struct kl_error **err)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct {
		char *dir;
		int fd;
	} owned[16];
	pthread_mutex_lock(&lock);
	size_t i = 0;
	for (; i < ELEMENTSOF(owned) && owned[i].dir; i++)
		if (streq(owned[i].dir, state_dir) && access(owned[i].dir, F_OK) == 0) {
			pthread_mutex_unlock(&lock);
			return 0;
		}
	if (i == ELEMENTSOF(owned))
		i = 0; /* a test process with many state directories: forget the oldest */
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/lab-%d.lock", state_dir, (int)getpid()) < 0) {
		pthread_mutex_unlock(&lock);
		return kl_error_set(err, ENOMEM, "state directory");
	}
	int fd = kl_lockfile_hold(path, err);
	if (fd < 0) {
		pthread_mutex_unlock(&lock);
		return fd;
	}
	remove_disks(state_dir, (long)getpid());
	if (owned[i].dir) {
		free(owned[i].dir);
		close(owned[i].fd);
	}
	owned[i].dir = strdup(state_dir);
	owned[i].fd = fd;
	pthread_mutex_unlock(&lock);
	return 0;
}

int kl_virt_reap(const char *state_dir)
{
	reap_lab_files(state_dir);

	_cleanup_closedir_ DIR *d = opendir(state_dir);
	int reaped = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		long pid;
		bool is_lock = kl_embed_name_pid(de->d_name, ".lock", &pid) == 0;
		bool is_dir = kl_embed_name_pid(de->d_name, "", &pid) == 0;
		if (!is_lock && !is_dir)
			continue;
		_cleanup_free_ char *lock_path = NULL, *root = NULL;
		if (asprintf(&lock_path, "%s/embed-%ld.lock", state_dir, pid) < 0 ||
		    asprintf(&root, "%s/embed-%ld", state_dir, pid) < 0)
			continue;
		if (is_dir && access(lock_path, F_OK) == 0)
			continue; /* handled through its lock file */
		/* A root without a lock file is what a cleaner killed mid-way left: claim it with a
		 * new lock file (O_EXCL, so two cleaners never both do). */
		_cleanup_close_ int fd = kl_lockfile_take(lock_path, is_dir ? O_CREAT | O_EXCL : 0);
		if (fd < 0)
			continue; /* the owner lives, or another cleaner is at it */
		/* readdir() may still list a root removed through its lock file a moment ago. */
		bool existed = access(root, F_OK) == 0;
		kl_embed_root_wipe(root);
		kl_embed_console_locks_remove(pid);
		unlink(lock_path);
		reaped += existed;
	}
	return reaped;
}

int kl_reap_dead_domains(virConnectPtr conn)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	int reaped = 0;
	if (n < 0) {
		virResetLastError();
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = virDomainGetName(doms[i]);
		_cleanup_free_ char *meta = NULL;
		struct kl_owner_meta m = {};
		if (name && startswith(name, KL_DOMAIN_PREFIX) &&
		    (meta = virDomainGetMetadata(doms[i], VIR_DOMAIN_METADATA_ELEMENT, KL_OWNER_NS,
						 0)) &&
		    kl_owner_parse(meta, &m) == 0) {
			if (!kl_owner_alive(m.host, m.pid, m.starttime, m.boot_id) &&
			    virDomainDestroy(doms[i]) == 0)
				reaped++;
			kl_owner_meta_done(&m);
		}
		virResetLastError();
		virDomainFree(doms[i]);
	}
	free(doms);
	return reaped;
}
