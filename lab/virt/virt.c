/* SPDX-License-Identifier: MIT */
/*
 * Connections, libvirt error capture, the event loop, and cleanup of dead labs' leftovers.
 *
 * On-disk layout of the default (embedded) connection, made so that concurrent labs (meson runs
 * tests in parallel) never touch each other's domains:
 *
 *   <state_dir>/embed-<pid>.lock   flock(LOCK_EX) held by the owning process for its lifetime
 *   <state_dir>/embed-<pid>/       the embedded driver's root (qemu:///embed?root=...)
 *
 * The lock is taken before the root is created and released after it is removed. At open, every
 * embed-<n>.lock that can be locked belongs to a dead process: we kill the QEMU processes whose
 * command line names that root (they outlive their lab), delete the root, then the lock file.
 * The kernel drops a flock when its owner dies however it dies, so no pid guessing is involved.
 *
 * Files of every lab, whatever its connection (dump disks; the pull's own directories are
 * reaped by pull.c's kl_pull_reap with the same idea):
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
#include <dlfcn.h>
#include <fcntl.h>
#include <ftw.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fs.h"
#include "pull.h"
#include "virt-internal.h"

/* ---- process-wide setup ---------------------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_init_result;
static char global_init_msg[256];
static char global_log_outputs[4096];

static void silent_error_func(void *opaque, virErrorPtr error)
{
	/* libvirt prints every error to stderr by default; we report them through kl_error. */
}

static void *event_loop_thread(void *arg)
{
	/* The embedded driver and console streams need a running event loop; it lives as long
	 * as the process (libvirt offers no way to unregister the default implementation). */
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			usleep(100 * 1000);
	return NULL;
}

static void global_init_once(void)
{
	/*
	 * libvirt's logger (separate from its error reporting) writes warnings and errors to
	 * stderr unless told otherwise, and only reads its outputs from the environment, once,
	 * in virInitialize(). A user's own LIBVIRT_LOG_OUTPUTS wins.
	 */
	bool ours = !getenv("LIBVIRT_LOG_OUTPUTS");
	if (ours)
		setenv("LIBVIRT_LOG_OUTPUTS", global_log_outputs, 1);
	if (virInitialize() < 0) {
		global_init_result = -EIO;
		snprintf(global_init_msg, sizeof(global_init_msg), "virInitialize() failed");
		return;
	}
	virSetErrorFunc(NULL, silent_error_func);
	/*
	 * libguestfs.so calls virInitialize() from a constructor, before main(), so libvirt has
	 * usually read its environment already. virLogSetFromEnv() (libvirt's private ABI, so
	 * looked up, never linked) makes it read our setting again; without it libvirt keeps
	 * logging warnings to stderr, which is noise, not breakage.
	 */
	int (*log_from_env)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "virLogSetFromEnv");
	if (ours && log_from_env)
		log_from_env();
	if (virEventRegisterDefaultImpl() < 0) {
		global_init_result = -EIO;
		snprintf(global_init_msg, sizeof(global_init_msg),
			 "cannot register libvirt's event loop: %s", virGetLastErrorMessage());
		return;
	}
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, event_loop_thread, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		global_init_result = -r;
		snprintf(global_init_msg, sizeof(global_init_msg),
			 "cannot start libvirt's event loop thread: %s", strerror(r));
	}
}

int kl_virt_global_init(const char *state_dir, struct kl_error **err)
{
	/* Read only by the first call's global_init_once(). */
	if (!global_log_outputs[0] && state_dir)
		snprintf(global_log_outputs, sizeof(global_log_outputs), "3:file:%s/libvirt.log",
			 state_dir);
	else if (!global_log_outputs[0])
		snprintf(global_log_outputs, sizeof(global_log_outputs), "4:file:/dev/null");
	pthread_once(&global_once, global_init_once);
	if (global_init_result < 0)
		return kl_error_set(err, -global_init_result, "%s", global_init_msg);
	return 0;
}

int kl_virt_last_error_code(void)
{
	return virGetLastErrorCode();
}

static int errno_from_virt(int code)
{
	switch (code) {
	case VIR_ERR_NO_DOMAIN:
		return ENOENT;
	case VIR_ERR_NO_SUPPORT:
		return EOPNOTSUPP;
	case VIR_ERR_OPERATION_INVALID:
	case VIR_ERR_INVALID_ARG:
	case VIR_ERR_XML_ERROR:
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return EINVAL;
	case VIR_ERR_OPERATION_DENIED:
	case VIR_ERR_AUTH_FAILED:
		return EACCES;
	case VIR_ERR_OPERATION_TIMEOUT:
		return ETIMEDOUT;
	case VIR_ERR_NO_CONNECT:
		return ENOTCONN;
	default:
		return EIO;
	}
}

int kl_virt_error(struct kl_error **err, const char *fmt, ...)
{
	int code = errno_from_virt(virGetLastErrorCode());
	_cleanup_free_ char *what = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		what = NULL;
	/* code 0: no strerror() suffix; the libvirt message says more. */
	kl_error_set(err, 0, "%s: %s", what ? what : "libvirt", virGetLastErrorMessage());
	if (err && *err)
		(*err)->code = code;
	virResetLastError();
	return -code;
}

/* ---- owners ---------------------------------------------------------------------------- */

uint64_t kl_proc_starttime(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may contain spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
	}
	return strtoull(p + 1, NULL, 10);
}

static char boot_id_buf[64];
static pthread_once_t boot_id_once = PTHREAD_ONCE_INIT;

static void boot_id_init(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && fgets(boot_id_buf, sizeof(boot_id_buf), f))
		boot_id_buf[strcspn(boot_id_buf, "\n")] = 0;
}

const char *kl_boot_id(void)
{
	pthread_once(&boot_id_once, boot_id_init);
	return boot_id_buf;
}

static struct kl_domain_owner self_owner;
static char self_host[256];
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static pid_t self_pid;

static void self_owner_init(void)
{
	if (gethostname(self_host, sizeof(self_host) - 1) < 0)
		snprintf(self_host, sizeof(self_host), "localhost");
	self_pid = getpid();
	self_owner = (struct kl_domain_owner){
		.host = self_host,
		.pid = self_pid,
		.starttime = kl_proc_starttime(self_pid),
		.boot_id = kl_boot_id(),
	};
}

const struct kl_domain_owner *kl_self_owner(void)
{
	pthread_once(&self_once, self_owner_init);
	/* After fork() the child is a different owner. */
	if (getpid() != self_pid) {
		self_pid = getpid();
		self_owner.pid = self_pid;
		self_owner.starttime = kl_proc_starttime(self_pid);
	}
	return &self_owner;
}

static bool pid_gone(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	/* A zombie is dead for our purpose: its parent (init) reaps it. */
	return p && (p[2] == 'Z' || p[2] == 'X');
}

bool kl_owner_alive(const char *host, pid_t pid, uint64_t starttime, const char *boot_id)
{
	const struct kl_domain_owner *me = kl_self_owner();
	if (!host || !streq(host, me->host))
		return true; /* another host: we cannot tell, so never touch it */
	if (boot_id && *boot_id && *me->boot_id && !streq(boot_id, me->boot_id))
		return false;
	if (pid <= 0)
		return true;
	uint64_t st = kl_proc_starttime(pid);
	if (st == 0 || pid_gone(pid))
		return false;
	return starttime == 0 || st == starttime;
}

/* ---- processes ------------------------------------------------------------------------- */

static bool cmdline_matches(pid_t pid, const char *needle, const char *needle2)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	static __thread char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return memmem(buf, n, needle, strlen(needle)) &&
	       (!needle2 || memmem(buf, n, needle2, strlen(needle2)));
}

/* Pids (up to max) of processes other than us whose cmdline contains needle (and needle2). */
static size_t find_pids_by_cmdline(const char *needle, const char *needle2, pid_t *pids, size_t max)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	size_t count = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) && count < max) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (cmdline_matches(pid, needle, needle2))
			pids[count++] = pid;
	}
	return count;
}

int kl_kill_by_cmdline(const char *needle, const char *needle2)
{
	pid_t pids[256];
	size_t n = find_pids_by_cmdline(needle, needle2, pids, ELEMENTSOF(pids));
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	/* Wait for them so the caller can delete their files and trust that they are gone. */
	for (int tries = 0; tries < 200; tries++) {
		bool all = true;
		for (size_t i = 0; i < n; i++)
			all = all && pid_gone(pids[i]);
		if (all)
			break;
		usleep(10 * 1000);
	}
	return (int)n;
}

pid_t kl_find_qemu_pid(const char *name, const char *root)
{
	/* libvirt names the guest "-name guest=<name>,debug-threads=on". */
	_cleanup_free_ char *needle = NULL;
	if (asprintf(&needle, "guest=%s,", name) < 0)
		return 0;
	pid_t pid;
	return find_pids_by_cmdline(needle, root, &pid, 1) == 1 ? pid : 0;
}

/* ---- embedded roots -------------------------------------------------------------------- */

static int rm_rf_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static int rm_rf(const char *path)
{
	if (nftw(path, rm_rf_cb, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static bool same_inode(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Kill what lived in root and delete it. The caller holds root's lock. */
static void embed_root_wipe(const char *root)
{
	_cleanup_free_ char *needle = NULL;
	/* The trailing '/' keeps embed-12 from matching embed-123. */
	if (asprintf(&needle, "%s/", root) >= 0)
		kl_kill_by_cmdline(needle, NULL);
	rm_rf(root);
}

static int parse_embed_name(const char *name, const char *suffix, long *ret_pid)
{
	if (!startswith(name, "embed-"))
		return -EINVAL;
	char *end;
	long pid = strtol(name + 6, &end, 10);
	if (end == name + 6 || !streq(end, suffix) || pid <= 0)
		return -EINVAL;
	*ret_pid = pid;
	return 0;
}

/*
 * libvirt guards a console PTY with a UUCP lock file (/var/lock/LCK.._pts_N) holding the pid of
 * the process that opened the console: for the embedded driver, the lab itself. A killed lab
 * leaves them behind. libvirt ignores a lock of a dead pid, but a killed lab stays a zombie for
 * a while where init reaps lazily, and then the next console on that PTY fails as "locked".
 */
static void remove_console_locks(long owner_pid)
{
	static const char *const dirs[] = { "/var/lock", "/run/lock" };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_closedir_ DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!startswith(de->d_name, "LCK.."))
				continue;
			char path[512], buf[32];
			snprintf(path, sizeof(path), "%s/%s", dirs[i], de->d_name);
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			if (n <= 0)
				continue;
			buf[n] = 0;
			if (strtol(buf, NULL, 10) == owner_pid)
				unlink(path);
		}
	}
}

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
		    (pid == (long)getpid() || access(lock, F_OK) == 0 || !pid_gone((pid_t)pid)))
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
		_cleanup_close_ int fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || !same_inode(fd, lock))
			continue; /* alive, or another cleaner is at it */
		remove_disks(state_dir, pid);
		unlink(lock);
	}
	remove_disks(state_dir, -1);
}

/*
 * Take <state_dir>/lab-<pid>.lock for the rest of the process's life (once per state
 * directory), first removing disks a dead process with our pid left.
 */
static int own_state_dir(const char *state_dir, struct kl_error **err)
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
	int fd = -1;
	/* A cleaner may hold (and then unlink) a stale lock file that had our pid: retry. */
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			break;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !same_inode(fd, path)) {
			close(fd);
			fd = -1;
			usleep(20 * 1000);
		}
	}
	if (fd < 0) {
		int r = kl_error_set(err, errno ? errno : EBUSY, "cannot lock \"%s\"", path);
		pthread_mutex_unlock(&lock);
		return r;
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

/* Reap the roots of dead labs under state_dir. Returns how many were removed. */
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
		bool is_lock = parse_embed_name(de->d_name, ".lock", &pid) == 0;
		bool is_dir = parse_embed_name(de->d_name, "", &pid) == 0;
		if (!is_lock && !is_dir)
			continue;
		_cleanup_free_ char *lock_path = NULL, *root = NULL;
		if (asprintf(&lock_path, "%s/embed-%ld.lock", state_dir, pid) < 0 ||
		    asprintf(&root, "%s/embed-%ld", state_dir, pid) < 0)
			continue;
		/* A root without a lock file is what a cleaner killed mid-way left: claim it with a
		 * new lock file (O_EXCL, so two cleaners never both do). */
		int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (is_dir ? O_CREAT | O_EXCL : 0);
		if (is_dir && access(lock_path, F_OK) == 0)
			continue; /* handled through its lock file */
		_cleanup_close_ int fd = open(lock_path, flags, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue; /* the owner lives (or another cleaner is at it) */
		if (!same_inode(fd, lock_path))
			continue; /* a cleaner removed it while we opened it */
		/* readdir() may still list a root removed through its lock file a moment ago. */
		bool existed = access(root, F_OK) == 0;
		embed_root_wipe(root);
		remove_console_locks(pid);
		unlink(lock_path);
		reaped += existed;
	}
	return reaped;
}

/*
 * libvirt probes QEMU's capabilities (~3.5 s here) once per driver root and caches the result in
 * <root>/cache/qemu/capabilities/. Each process has its own root, so the cache is shared through
 * <state_dir>/qemu-capabilities/: copied in before the driver starts, copied out once a domain
 * has started. libvirt validates what it reads (QEMU binary ctime, libvirt version, host CPU,
 * kernel) and re-probes when stale, so a shared file can only cost time, never be wrong.
 */
#define CAPS_SHARED  "qemu-capabilities"
#define CAPS_IN_ROOT "cache/qemu/capabilities"

static int copy_small_file(const char *from, const char *to)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.%d.tmp", to, (int)getpid()) < 0)
		return -ENOMEM;
	_cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			unlink(tmp);
			return -EIO;
		}
	if (n < 0 || rename(tmp, to) < 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static void copy_xml_files(const char *from_dir, const char *to_dir)
{
	_cleanup_closedir_ DIR *d = opendir(from_dir);
	if (!d || kl_mkdir_p(to_dir, 0755, NULL) < 0)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || !streq(de->d_name + l - 4, ".xml"))
			continue;
		_cleanup_free_ char *a = NULL, *b = NULL;
		if (asprintf(&a, "%s/%s", from_dir, de->d_name) >= 0 &&
		    asprintf(&b, "%s/%s", to_dir, de->d_name) >= 0)
			copy_small_file(a, b);
	}
}

static void caps_import(const char *state_dir, const char *root)
{
	_cleanup_free_ char *from = NULL, *to = NULL;
	if (asprintf(&from, "%s/" CAPS_SHARED, state_dir) >= 0 &&
	    asprintf(&to, "%s/" CAPS_IN_ROOT, root) >= 0)
		copy_xml_files(from, to);
}

void kl_virt_caps_export(struct kl_virt *v)
{
	if (!v->embed_root || v->caps_exported)
		return;
	v->caps_exported = true;
	_cleanup_free_ char *from = NULL, *to = NULL;
	if (asprintf(&from, "%s/" CAPS_IN_ROOT, v->embed_root) >= 0 &&
	    asprintf(&to, "%s/" CAPS_SHARED, v->state_dir) >= 0)
		copy_xml_files(from, to);
}

/*
 * <root>/etc/qemu.conf for the embedded driver. As root, libvirt would run QEMU as the
 * distribution's "libvirt-qemu" user, which exists only where the daemon package is installed,
 * and would relabel, namespace and cgroup it, and hand its output to the virtlogd daemon: none of
 * that is needed for throwaway guests whose files we own, and each can fail inside a container.
 * Unprivileged, these keys do not apply.
 */
static int embed_write_config(const char *root, struct kl_error **err)
{
	static const char conf[] = "# Written by kdumplab for its embedded QEMU driver.\n"
				   "user = \"+0\"\n"
				   "group = \"+0\"\n"
				   "dynamic_ownership = 0\n"
				   "remember_owner = 0\n"
				   "security_driver = \"none\"\n"
				   "namespaces = [ ]\n"
				   "cgroup_controllers = [ ]\n"
				   "stdio_handler = \"file\"\n";
	_cleanup_free_ char *dir = NULL, *path = NULL;
	if (asprintf(&dir, "%s/etc", root) < 0 || asprintf(&path, "%s/etc/qemu.conf", root) < 0)
		return kl_error_set(err, ENOMEM, "qemu.conf");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return kl_error_set(err, errno, "cannot create \"%s\"", dir);
	if (geteuid() != 0)
		return 0;
	_cleanup_fclose_ FILE *f = fopen(path, "we");
	if (!f || fputs(conf, f) < 0 || fflush(f) != 0)
		return kl_error_set(err, errno ? errno : EIO, "cannot write \"%s\"", path);
	return 0;
}

/* The process's own embedded root: libvirt allows one per process, so connections share it. */
static struct {
	pthread_mutex_t lock;
	char *root;
	int fd;
	unsigned refs;
} embed = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static bool path_is_uri_safe(const char *p)
{
	/* The root goes into a URI query unescaped and into QEMU command lines. */
	for (; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || strchr("/._-+", *p)))
			return false;
	return true;
}

static int embed_root_acquire(const char *state_dir, char **ret_root, struct kl_error **err)
{
	pthread_mutex_lock(&embed.lock);
	if (embed.refs > 0) {
		char *r = strdup(embed.root);
		if (!r) {
			pthread_mutex_unlock(&embed.lock);
			return kl_error_set(err, ENOMEM, "embedded root");
		}
		embed.refs++;
		pthread_mutex_unlock(&embed.lock);
		*ret_root = r;
		return 0;
	}

	_cleanup_free_ char *lock_path = NULL, *root = NULL;
	if (asprintf(&lock_path, "%s/embed-%d.lock", state_dir, (int)getpid()) < 0 ||
	    asprintf(&root, "%s/embed-%d", state_dir, (int)getpid()) < 0) {
		pthread_mutex_unlock(&embed.lock);
		return kl_error_set(err, ENOMEM, "embedded root");
	}
	int fd = -1;
	/* A cleaner may hold (and then unlink) a stale lock file that had our pid: retry. */
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			break;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !same_inode(fd, lock_path)) {
			close(fd);
			fd = -1;
			usleep(20 * 1000);
		}
	}
	if (fd < 0) {
		int r = kl_error_set(err, errno ? errno : EBUSY, "cannot lock \"%s\"", lock_path);
		pthread_mutex_unlock(&embed.lock);
		return r;
	}
	/* A root with our pid is from a dead process that had our pid before. */
	embed_root_wipe(root);
	if (mkdir(root, 0700) < 0) {
		int r = kl_error_set(err, errno, "cannot create \"%s\"", root);
		close(fd);
		unlink(lock_path);
		pthread_mutex_unlock(&embed.lock);
		return r;
	}
	embed.root = strdup(root);
	embed.fd = fd;
	embed.refs = 1;
	pthread_mutex_unlock(&embed.lock);
	*ret_root = TAKE_PTR(root);
	return 0;
}

static void embed_root_release(void)
{
	pthread_mutex_lock(&embed.lock);
	if (embed.refs == 0 || --embed.refs > 0) {
		pthread_mutex_unlock(&embed.lock);
		return;
	}
	_cleanup_free_ char *lock_path = NULL;
	if (asprintf(&lock_path, "%s.lock", embed.root) < 0)
		lock_path = NULL;
	embed_root_wipe(embed.root);
	if (lock_path)
		unlink(lock_path);
	close(embed.fd);
	embed.fd = -1;
	free(embed.root);
	embed.root = NULL;
	pthread_mutex_unlock(&embed.lock);
}

/* ---- leftovers on a connection --------------------------------------------------------- */

struct owner_meta {
	char *host, *boot_id;
	pid_t pid;
	uint64_t starttime;
};

static void owner_meta_done(struct owner_meta *m)
{
	free(m->host);
	free(m->boot_id);
}

static int parse_owner(const char *xml, struct owner_meta *ret)
{
	xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "owner.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	xmlNodePtr n = xmlDocGetRootElement(doc);
	struct owner_meta m = {};
	xmlChar *pid = n ? xmlGetProp(n, BAD_CAST "pid") : NULL;
	xmlChar *st = n ? xmlGetProp(n, BAD_CAST "starttime") : NULL;
	m.host = n ? (char *)xmlGetProp(n, BAD_CAST "host") : NULL;
	m.boot_id = n ? (char *)xmlGetProp(n, BAD_CAST "boot_id") : NULL;
	m.pid = pid ? (pid_t)strtol((char *)pid, NULL, 10) : 0;
	m.starttime = st ? strtoull((char *)st, NULL, 10) : 0;
	xmlFree(pid);
	xmlFree(st);
	xmlFreeDoc(doc);
	if (!m.host) {
		owner_meta_done(&m);
		return -EINVAL;
	}
	*ret = m;
	return 0;
}

/* Destroy kdumplab-* domains whose owner (on this host) is dead. Returns how many. */
static int reap_dead_domains(struct kl_virt *v)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(v->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	int reaped = 0;
	if (n < 0) {
		virResetLastError();
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const char *name = virDomainGetName(doms[i]);
		_cleanup_free_ char *meta = NULL;
		struct owner_meta m = {};
		if (name && startswith(name, KL_DOMAIN_PREFIX) &&
		    (meta = virDomainGetMetadata(doms[i], VIR_DOMAIN_METADATA_ELEMENT, KL_OWNER_NS,
						 0)) &&
		    parse_owner(meta, &m) == 0) {
			if (!kl_owner_alive(m.host, m.pid, m.starttime, m.boot_id) &&
			    virDomainDestroy(doms[i]) == 0)
				reaped++;
			owner_meta_done(&m);
		}
		virResetLastError();
		virDomainFree(doms[i]);
	}
	free(doms);
	return reaped;
}

/* ---- connections ----------------------------------------------------------------------- */

static bool uri_is_local(const char *uri)
{
	xmlURIPtr u = xmlParseURI(uri);
	if (!u)
		return false;
	bool local = (!u->server || !*u->server) && u->scheme && !strchr(u->scheme, '+');
	xmlFreeURI(u);
	return local;
}

static void on_close(virConnectPtr conn, int reason, void *opaque);

static void kl_virt_free(struct kl_virt *v)
{
	if (!v)
		return;
	if (v->conn && v->close_cb)
		virConnectUnregisterCloseCallback(v->conn, on_close);
	if (v->conn)
		virConnectClose(v->conn);
	if (v->embed_root)
		embed_root_release();
	free(v->embed_root);
	free(v->state_dir);
	free(v->uri);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void kl_virt_freep(struct kl_virt **v)
{
	kl_virt_free(*v);
}

int kl_virt_open(const char *uri, const char *state_dir, struct kl_virt **ret,
		 struct kl_error **err)
{
	if (state_dir) {
		if (state_dir[0] != '/' || !path_is_uri_safe(state_dir))
			return kl_error_usage(
				err, EINVAL,
				"state directory \"%s\" must be an absolute path of [A-Za-z0-9/._+-]",
				state_dir);
		int r = kl_mkdir_p(state_dir, 0755, err);
		if (r < 0)
			return kl_error_wrap(err, "state directory");
	}
	int r = kl_virt_global_init(state_dir, err);
	if (r < 0)
		return r;
	/* What killed labs left: their QEMUs and roots, dump disks, pull directories. */
	if (state_dir) {
		kl_virt_reap(state_dir);
		r = own_state_dir(state_dir, err);
		if (r < 0)
			return r;
	}
	kl_pull_reap();

	_cleanup_(kl_virt_freep) struct kl_virt *v = calloc(1, sizeof(*v));
	if (!v)
		return kl_error_set(err, ENOMEM, "kl_virt_open");
	pthread_mutex_init(&v->lock, NULL);

	if (!uri) {
		if (!state_dir || !*state_dir)
			return kl_error_usage(
				err, EINVAL,
				"the embedded QEMU driver needs a state directory, got none");
		v->state_dir = strdup(state_dir);
		if (!v->state_dir)
			return kl_error_set(err, ENOMEM, "kl_virt_open");
		r = embed_root_acquire(state_dir, &v->embed_root, err);
		if (r < 0) {
			v->embed_root = NULL;
			return r;
		}
		caps_import(state_dir, v->embed_root);
		r = embed_write_config(v->embed_root, err);
		if (r < 0)
			return r;
		if (asprintf(&v->uri, "qemu:///embed?root=%s", v->embed_root) < 0)
			return kl_error_set(err, ENOMEM, "kl_virt_open");
	} else {
		v->uri = strdup(uri);
		if (!v->uri)
			return kl_error_set(err, ENOMEM, "kl_virt_open");
	}
	v->local = uri_is_local(v->uri);

	v->conn = virConnectOpen(v->uri);
	if (!v->conn)
		return kl_virt_error(err, "cannot connect to \"%s\"", v->uri);
	/* Remote drivers say when the connection drops; the others cannot drop (unsupported). */
	v->close_cb = virConnectRegisterCloseCallback(v->conn, on_close, v, NULL) == 0;
	virResetLastError();
	reap_dead_domains(v);
	*ret = TAKE_PTR(v);
	return 0;
}

void kl_virt_close(struct kl_virt *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	while (v->vms) {
		struct kl_vm *vm = v->vms;
		kl_vm_detach_locked(vm);
	}
	pthread_mutex_unlock(&v->lock);
	kl_virt_free(v);
}

bool kl_virt_is_local(const struct kl_virt *v)
{
	return v->local;
}

const char *kl_virt_uri(const struct kl_virt *v)
{
	return v->uri;
}

bool kl_virt_is_embedded(const struct kl_virt *v)
{
	return v->embed_root != NULL;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct kl_virt *v = opaque;
	__atomic_store_n(&v->lost, 1, __ATOMIC_SEQ_CST);
}

void kl_virt_mark_lost(struct kl_virt *v)
{
	__atomic_store_n(&v->lost, 1, __ATOMIC_SEQ_CST);
}

bool kl_virt_lost(struct kl_virt *v)
{
	if (__atomic_load_n(&v->lost, __ATOMIC_SEQ_CST))
		return true;
	/* Only remote drivers can lose their connection; IsAlive is 1 for the others. */
	int alive = virConnectIsAlive(v->conn);
	virResetLastError();
	return alive == 0;
}

/* ---- emergency stop -------------------------------------------------------------------- */

static pid_t emergency_pids[256];

void kl_emergency_add(pid_t pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < ELEMENTSOF(emergency_pids); i++) {
		pid_t expected = 0;
		if (__atomic_compare_exchange_n(&emergency_pids[i], &expected, pid, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
	/* Full: the pid is still covered by the next kl_virt_open()'s reaping. */
}

void kl_emergency_forget(pid_t pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < ELEMENTSOF(emergency_pids); i++) {
		pid_t expected = pid;
		if (__atomic_compare_exchange_n(&emergency_pids[i], &expected, 0, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
}

void kl_virt_emergency_stop(void)
{
	int saved = errno;
	for (size_t i = 0; i < ELEMENTSOF(emergency_pids); i++) {
		pid_t pid = __atomic_exchange_n(&emergency_pids[i], 0, __ATOMIC_SEQ_CST);
		if (pid > 0)
			kill(pid, SIGKILL);
	}
	errno = saved;
}
