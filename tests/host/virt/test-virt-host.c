/* SPDX-License-Identifier: MIT */
/*
 * kl_virt against libvirt's test:///default driver (no QEMU): lifecycle, error capture,
 * ownership and cleanup of leftovers. test:///default keeps one in-process state while any
 * connection to it is open, so a raw connection held by the test sees what the lab did.
 */
#include "kl-check.h"
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "virt/connection.h"
#include "virt/pull.h"
#include "virt/virt.h"

#define TEST_URI "test:///default"

static struct kl_domain_config base = {
	.name = "kdumplab-host-1",
	.kernel = "/boot/vmlinuz",
	.initrd = "/boot/initrd.img",
	.cmdline = "console=ttyS0",
	.memory_mib = 128,
	.vcpus = 1,
	.no_console = true,
};

/* Run with stderr captured; returns what was printed (caller frees). */
static int saved_stderr = -1;
static char stderr_path[] = "/tmp/kl-virt-stderr-XXXXXX";
static void stderr_capture(void)
{
	int fd = mkstemp(stderr_path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}
static off_t stderr_release(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	struct stat st;
	ck_assert_int_eq(stat(stderr_path, &st), 0);
	unlink(stderr_path);
	strcpy(stderr_path, "/tmp/kl-virt-stderr-XXXXXX");
	return st.st_size;
}

static bool domain_exists(virConnectPtr raw, const char *name)
{
	virDomainPtr d = virDomainLookupByName(raw, name);
	if (!d) {
		virResetLastError();
		return false;
	}
	virDomainFree(d);
	return true;
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

START_TEST(lifecycle)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	ck_assert_str_eq(kl_virt_uri(v), TEST_URI);
	ck_assert(!kl_virt_is_embedded(v));
	virConnectPtr raw = virConnectOpen(TEST_URI);
	ck_assert_ptr_nonnull(raw);

	struct kl_vm *vm = NULL;
	ck_assert_int_eq(kl_vm_start(v, &base, &vm, &e), 0);
	ck_assert_str_eq(kl_vm_name(vm), "kdumplab-host-1");
	ck_assert_int_eq(kl_vm_pid(vm), 0); /* no QEMU behind the test driver */
	bool running = false;
	ck_assert_int_eq(kl_vm_is_running(vm, &running, &e), 0);
	ck_assert(running);
	ck_assert(domain_exists(raw, "kdumplab-host-1"));
	/* It was resumed after the paused start. */
	virDomainPtr d = virDomainLookupByName(raw, "kdumplab-host-1");
	int state, reason;
	ck_assert_int_eq(virDomainGetState(d, &state, &reason, 0), 0);
	ck_assert_int_eq(state, VIR_DOMAIN_RUNNING);
	/* The owner is recorded. */
	char *meta = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, KL_OWNER_NS, 0);
	ck_assert_ptr_nonnull(meta);
	char pidattr[64];
	snprintf(pidattr, sizeof(pidattr), "pid=\"%d\"", (int)getpid());
	ck_assert_ptr_nonnull(strstr(meta, pidattr));
	free(meta);
	virDomainFree(d);

	ck_assert_int_eq(kl_vm_read_console(vm, (char[8]){}, 8, 10), -ENOTCONN);
	ck_assert_int_eq(kl_vm_inject_nmi(vm, &e), 0);
	ck_assert_int_eq(kl_vm_destroy(vm), 0);
	ck_assert(!domain_exists(raw, "kdumplab-host-1"));
	ck_assert_int_eq(kl_vm_is_running(vm, &running, &e), 0);
	ck_assert(!running);
	bool ended = false;
	ck_assert_int_eq(kl_vm_wait_ended(vm, 1000, &ended, &e), 0);
	ck_assert(ended);
	/* Idempotent, and the error paths of a vanished domain stay quiet. */
	stderr_capture();
	ck_assert_int_eq(kl_vm_destroy(vm), 0);
	ck_assert_int_eq(kl_vm_destroy(vm), 0);
	ck_assert_int_lt(kl_vm_inject_nmi(vm, &e), 0);
	ck_assert_int_eq(stderr_release(), 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(e->msg, "kdumplab-host-1"));
	kl_error_free(e);
	kl_vm_free(vm);
	kl_virt_close(v);
	virConnectClose(raw);
}
END_TEST

/* The test driver can neither start paused nor stream a console: the start fails cleanly. */
START_TEST(console_unsupported_cleans_up)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	virConnectPtr raw = virConnectOpen(TEST_URI);
	struct kl_domain_config c = base;
	c.name = "kdumplab-console";
	c.no_console = false;
	struct kl_vm *vm = NULL;
	stderr_capture();
	int r = kl_vm_start(v, &c, &vm, &e);
	ck_assert_int_eq(stderr_release(), 0); /* libvirt's own printing is off */
	ck_assert_int_lt(r, 0);
	ck_assert_ptr_null(vm);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->msg, "\"kdumplab-console\": "), "%s", e->msg);
	kl_error_free(e);
	/* The half-started domain did not survive the failure. */
	ck_assert(!domain_exists(raw, "kdumplab-console"));
	kl_virt_close(v);
	virConnectClose(raw);
}
END_TEST

START_TEST(names_and_errors)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	struct kl_domain_config c = base;
	struct kl_vm *vm = NULL, *vm2 = NULL;

	c.name = "cell-1";
	ck_assert_int_eq(kl_vm_start(v, &c, &vm, &e), -EINVAL);
	ck_assert_int_eq(e->exit_code, 2);
	kl_error_free(e);
	e = NULL;

	c.name = "kdumplab-dup";
	ck_assert_int_eq(kl_vm_start(v, &c, &vm, &e), 0);
	stderr_capture();
	ck_assert_int_lt(kl_vm_start(v, &c, &vm2, &e), 0);
	ck_assert_int_eq(stderr_release(), 0);
	ck_assert_ptr_null(vm2);
	/* libvirt's message is captured, with our context in front. */
	ck_assert_msg(strstr(e->msg, "cannot start domain \"kdumplab-dup\": ") &&
			      strstr(e->msg, "kdumplab-dup") && strlen(e->msg) > 40,
		      "%s", e->msg);
	kl_error_free(e);
	e = NULL;
	kl_vm_free(vm);

	stderr_capture();
	struct kl_virt *bad = NULL;
	ck_assert_int_lt(kl_virt_open("nosuchdriver:///x", NULL, &bad, &e), 0);
	ck_assert_int_eq(stderr_release(), 0);
	ck_assert_ptr_null(bad);
	ck_assert_ptr_nonnull(strstr(e->msg, "\"nosuchdriver:///x\""));
	kl_error_free(e);
	e = NULL;

	ck_assert_int_eq(kl_virt_open(NULL, NULL, &bad, &e), -EINVAL);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_virt_open(NULL, "/tmp/a b", &bad, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e->msg, "\"/tmp/a b\""));
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_virt_open(NULL, "relative/dir", &bad, &e), -EINVAL);
	kl_error_free(e);
	kl_virt_close(v);
}
END_TEST

static void start_raw(virConnectPtr raw, const char *name, const char *host, pid_t pid)
{
	char hostname[256];
	gethostname(hostname, sizeof(hostname));
	char boot_id[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (fgets(boot_id, sizeof(boot_id), f))
			boot_id[strcspn(boot_id, "\n")] = 0;
		fclose(f);
	}
	struct kl_domain_owner o = { .host = host ? host : hostname,
				     .pid = pid,
				     .boot_id = boot_id };
	struct kl_domain_config c = base;
	c.name = name;
	c.owner = pid ? &o : NULL;
	char *xml = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_domain_xml(&c, &xml, &e), 0);
	virDomainPtr d = virDomainCreateXML(raw, xml, 0);
	ck_assert_msg(d, "%s", virGetLastErrorMessage());
	virDomainFree(d);
	free(xml);
}

START_TEST(reaps_dead_owners_only)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	/* First open: sets libvirt up the lab's way before the raw connection. */
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	virConnectPtr raw = virConnectOpen(TEST_URI);
	pid_t dead = dead_pid();
	start_raw(raw, "kdumplab-dead", NULL, dead);
	start_raw(raw, "kdumplab-alive", NULL, getpid());
	start_raw(raw, "kdumplab-elsewhere", "another-host.example", dead);
	start_raw(raw, "kdumplab-nometa", NULL, 0);

	struct kl_virt *v2 = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v2, &e), 0);
	ck_assert(!domain_exists(raw, "kdumplab-dead"));
	ck_assert(domain_exists(raw, "kdumplab-alive"));
	ck_assert(domain_exists(raw, "kdumplab-elsewhere")); /* cannot know: never touched */
	ck_assert(domain_exists(raw, "kdumplab-nometa"));
	ck_assert(domain_exists(raw, "test")); /* the driver's own domain */
	kl_virt_close(v2);
	kl_virt_close(v);
	virConnectClose(raw);
}
END_TEST

START_TEST(close_destroys_what_it_started)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	virConnectPtr raw = virConnectOpen(TEST_URI);
	struct kl_domain_config a = base, b = base;
	a.name = "kdumplab-a";
	b.name = "kdumplab-b";
	struct kl_vm *va = NULL, *vb = NULL;
	ck_assert_int_eq(kl_vm_start(v, &a, &va, &e), 0);
	ck_assert_int_eq(kl_vm_start(v, &b, &vb, &e), 0);
	kl_vm_free(va); /* freed first: destroyed now */
	ck_assert(!domain_exists(raw, "kdumplab-a"));
	ck_assert(domain_exists(raw, "kdumplab-b"));
	kl_virt_close(v);
	ck_assert(!domain_exists(raw, "kdumplab-b"));
	/* A vm outliving its connection is still safe to use and free. */
	bool running = true;
	ck_assert_int_eq(kl_vm_is_running(vb, &running, &e), 0);
	ck_assert(!running);
	ck_assert_int_eq(kl_vm_destroy(vb), 0);
	kl_vm_free(vb);
	virConnectClose(raw);
}
END_TEST

/* ---- embedded roots, without libvirt: the on-disk protocol of kl_virt_reap() ------------ */

static char state_dir[64];

static void make_state_dir(void)
{
	strcpy(state_dir, "/tmp/kl-virt-reap-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
}

static void rm_state_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * Fork a fake lab: it locks embed-<pid>.lock, creates embed-<pid>/, starts a fake "QEMU" whose
 * argv[0] names the root (as QEMU's arguments do), reports that pid, then waits for a byte on
 * its control pipe (never comes when we SIGKILL it). We are the subreaper, so the fake QEMU
 * becomes our child when the lab dies and we can tell how it died.
 */
static pid_t fake_lab(pid_t *ret_qemu, int *ret_ctl)
{
	int report[2], ctl[2];
	ck_assert_int_eq(pipe(report), 0);
	ck_assert_int_eq(pipe(ctl), 0);
	pid_t lab = fork();
	if (lab == 0) {
		char path[512], root[256];
		snprintf(root, sizeof(root), "%s/embed-%d", state_dir, (int)getpid());
		snprintf(path, sizeof(path), "%s.lock", root);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || mkdir(root, 0700) < 0)
			_exit(1);
		pid_t q = fork();
		if (q == 0) {
			char argv0[300];
			snprintf(argv0, sizeof(argv0), "%s/fake-qemu", root);
			execl("/bin/sleep", argv0, "1000", (char *)NULL);
			_exit(127);
		}
		if (write(report[1], &q, sizeof(q)) != sizeof(q))
			_exit(1);
		char b;
		while (read(ctl[0], &b, 1) < 0)
			;
		_exit(0);
	}
	close(report[1]);
	close(ctl[0]);
	ck_assert_int_eq(read(report[0], ret_qemu, sizeof(*ret_qemu)), sizeof(*ret_qemu));
	close(report[0]);
	*ret_ctl = ctl[1];
	return lab;
}

static bool root_exists(pid_t pid, bool lock)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/embed-%d%s", state_dir, (int)pid, lock ? ".lock" : "");
	return access(p, F_OK) == 0;
}

START_TEST(reap_embed_roots)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	make_state_dir();
	pid_t qemu, qemu_live;
	int ctl, ctl_live;
	pid_t lab = fake_lab(&qemu, &ctl);
	pid_t live = fake_lab(&qemu_live, &ctl_live);
	/* wait until /proc shows the fake QEMUs' argv0 */
	usleep(200 * 1000);

	/* A console lock file the dead lab left (libvirt writes the opener's pid, padded). */
	char lck[128];
	snprintf(lck, sizeof(lck), "/var/lock/LCK..kdumplab_test_%d", (int)lab);
	FILE *f = fopen(lck, "we");
	bool have_lck = f != NULL;
	if (f) {
		fprintf(f, "%10d\n", (int)lab);
		fclose(f);
	}

	kill(lab, SIGKILL);
	int status;
	ck_assert_int_eq(waitpid(lab, &status, 0), lab);
	ck_assert_int_eq(kill(qemu, 0), 0); /* the "QEMU" outlived its lab, like the real one */

	ck_assert_int_eq(kl_virt_reap(state_dir), 1);
	ck_assert_int_eq(waitpid(qemu, &status, 0), qemu);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(!root_exists(lab, false));
	ck_assert(!root_exists(lab, true));
	if (have_lck)
		ck_assert_int_ne(access(lck, F_OK), 0);

	/* The live lab and its QEMU are untouched. */
	ck_assert(root_exists(live, false));
	ck_assert_int_eq(kill(qemu_live, 0), 0);
	ck_assert_int_eq(kl_virt_reap(state_dir), 0);

	/* Once it dies, the next reap takes it. */
	kill(live, SIGKILL);
	ck_assert_int_eq(waitpid(live, &status, 0), live);
	ck_assert_int_eq(kl_virt_reap(state_dir), 1);
	ck_assert_int_eq(waitpid(qemu_live, &status, 0), qemu_live);
	ck_assert(!root_exists(live, false));
	close(ctl);
	close(ctl_live);

	/* A root without its lock file (a cleaner died mid-way) is reaped too. */
	char p[256];
	snprintf(p, sizeof(p), "%s/embed-999999999", state_dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(kl_virt_reap(state_dir), 1);
	ck_assert_int_ne(access(p, F_OK), 0);
	rm_state_dir();
}
END_TEST

/*
 * A console file past its cap: QEMU (here: the test, writing as QEMU does, with its own offset)
 * goes on writing, the reader punches what it read past the cap out of the file, and once the
 * domain is gone the file ends at the cap with the note.
 */
START_TEST(console_file_is_capped)
{
	make_state_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/console.log", state_dir);
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	struct kl_domain_config c = base;
	c.no_console = false;
	c.console_file = path;
	c.console_max = 1 << 20;
	struct kl_vm *vm = NULL;
	ck_assert_msg(kl_vm_start(v, &c, &vm, &e) == 0, "%s", e ? e->msg : "");
	int qemu = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(qemu, 0);
	static char chunk[1 << 16], buf[1 << 16];
	memset(chunk, 'x', sizeof(chunk));
	uint64_t read_total = 0, max_allocated = 0;
	for (int i = 0; i < 96; i++) { /* 6 MiB, 6 times the cap */
		ck_assert_int_eq(write(qemu, chunk, sizeof(chunk)), sizeof(chunk));
		ssize_t n;
		while ((n = kl_vm_read_console(vm, buf, sizeof(buf), 0)) > 0)
			read_total += (uint64_t)n;
		struct stat st;
		ck_assert_int_eq(fstat(qemu, &st), 0);
		if ((uint64_t)st.st_blocks * 512 > max_allocated)
			max_allocated = (uint64_t)st.st_blocks * 512;
	}
	close(qemu);
	/* The reader saw every byte (the cell's parser needs them), the disk kept about a cap. */
	ck_assert_uint_eq(read_total, 6 << 20);
	ck_assert_uint_le(max_allocated, (1 << 20) + (2 << 20));
	kl_vm_free(vm);
	kl_virt_close(v);

	FILE *f = fopen(path, "re");
	static char all[(1 << 20) + 128];
	size_t len = fread(all, 1, sizeof(all) - 1, f);
	fclose(f);
	all[len] = 0;
	const char note[] = "[kdumplab: console log cut at 1048576 bytes]\n";
	ck_assert_uint_eq(len, (1 << 20) + strlen(note));
	ck_assert_str_eq(all + (1 << 20), note);
	ck_assert_int_eq(all[(1 << 20) - 1], 'x');
	rm_state_dir();
}
END_TEST

/*
 * A lost connection (as libvirt's close callback reports it): nothing is taken for the domain's
 * end; every call says the connection is gone, and a destroy that cannot reach libvirt (and has
 * no QEMU pid to kill, as here) says the guest may still run.
 */
START_TEST(lost_connection_is_not_an_end)
{
	make_state_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/console.log", state_dir);
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(TEST_URI, NULL, &v, &e), 0);
	ck_assert(!kl_virt_lost(v));
	struct kl_domain_config c = base;
	c.no_console = false;
	c.console_file = path;
	struct kl_vm *vm = NULL;
	ck_assert_msg(kl_vm_start(v, &c, &vm, &e) == 0, "%s", e ? e->msg : "");
	char buf[64];
	ck_assert_int_eq(kl_vm_read_console(vm, buf, sizeof(buf), 0), 0);

	kl_virt_mark_lost(v);
	ck_assert(kl_virt_lost(v));
	bool running = true;
	ck_assert_int_eq(kl_vm_is_running(vm, &running, &e), -ECONNRESET);
	ck_assert_msg(strstr(e->msg, "connection to \"test:///default\" was lost"), "%s", e->msg);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_vm_read_console(vm, buf, sizeof(buf), 100), -ECONNRESET);
	bool ended = true;
	ck_assert_int_eq(kl_vm_wait_ended(vm, 100, &ended, &e), -ECONNRESET);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_eq(kl_vm_destroy(vm), -EIO);
	ck_assert_ptr_nonnull(kl_vm_destroy_note(vm));
	ck_assert_msg(strstr(kl_vm_destroy_note(vm), "connection was lost") &&
			      strstr(kl_vm_destroy_note(vm), "may still run"),
		      "%s", kl_vm_destroy_note(vm));
	kl_vm_free(vm);
	kl_virt_close(v);
	rm_state_dir();
}
END_TEST

/* ---- files of killed labs: dump disks, pull directories, partial vmcores --------------- */

static void touch(const char *path)
{
	FILE *f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs("data", f);
	fclose(f);
}

static bool exists(const char *fmt, ...) _printf_(1, 2);
static bool exists(const char *fmt, ...)
{
	char p[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return access(p, F_OK) == 0;
}

/*
 * A pull directory as pull-dir.c makes it for process pid: owner.lock (flocked when lock_fd is
 * given), an "output" record naming out, and (when appliance) a fake appliance QEMU whose
 * command line names the directory, like libguestfs' overlay does. Returns the fake QEMU's pid.
 */
static pid_t fake_pull_dir(const char *tmp, pid_t pid, const char *out, int *lock_fd)
{
	char dir[512], path[600], rec[1200];
	snprintf(dir, sizeof(dir), "%s/kdumplab-pull.%d.Ab12Cd", tmp, (int)pid);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/owner.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	if (lock_fd) {
		ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
		*lock_fd = fd;
	} else {
		close(fd);
	}
	struct stat st;
	ck_assert_int_eq(stat(out, &st), 0);
	snprintf(rec, sizeof(rec), "%llu %llu %s", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, out);
	snprintf(path, sizeof(path), "%s/output", dir);
	FILE *f = fopen(path, "we");
	fputs(rec, f);
	fclose(f);
	pid_t q = fork();
	if (q == 0) {
		char argv0[700];
		snprintf(argv0, sizeof(argv0), "qemu-system-x86_64:file=%s/overlay", dir);
		execl("/bin/sleep", argv0, "1000", (char *)NULL);
		_exit(127);
	}
	return q;
}

START_TEST(reap_disks_and_pull_dirs)
{
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	make_state_dir();
	char tmp[128], out[128], out_live[128];
	snprintf(tmp, sizeof(tmp), "%s/tmp", state_dir);
	snprintf(out, sizeof(out), "%s/vmcore-dead", state_dir);
	snprintf(out_live, sizeof(out_live), "%s/vmcore-live", state_dir);
	ck_assert_int_eq(mkdir(tmp, 0700), 0);
	setenv("TMPDIR", tmp, 1);
	touch(out);
	touch(out_live);

	/* A lab that is killed: its connection took lab-<pid>.lock; a disk and a pull of its own. */
	int report[2];
	ck_assert_int_eq(pipe(report), 0);
	pid_t lab = fork();
	if (lab == 0) {
		struct kl_virt *v = NULL;
		char disk[256];
		if (kl_virt_open(TEST_URI, state_dir, &v, NULL) < 0)
			_exit(1);
		snprintf(disk, sizeof(disk), "%s/disks", state_dir);
		mkdir(disk, 0755);
		snprintf(disk, sizeof(disk), "%s/disks/cell-a-%d.img", state_dir, (int)getpid());
		touch(disk);
		int lock_fd;
		pid_t q = fake_pull_dir(tmp, getpid(), out, &lock_fd);
		if (write(report[1], &q, sizeof(q)) != sizeof(q))
			_exit(1);
		for (;;)
			pause();
	}
	close(report[1]);
	pid_t appliance;
	ck_assert_int_eq(read(report[0], &appliance, sizeof(appliance)), sizeof(appliance));
	close(report[0]);

	/* A live process's pull, a disk kept on purpose, one of a lockless dead pid. */
	int live_lock;
	pid_t live_appliance = fake_pull_dir(tmp, appliance, out_live, &live_lock);
	ck_assert(exists("%s/disks/cell-a-%d.img", state_dir, (int)lab));
	touch(strcat(strcpy((char[256]){ 0 }, state_dir), "/disks/cell-b-999999999.img"));
	touch(strcat(strcpy((char[256]){ 0 }, state_dir), "/disks/cell-c-999999999.kept.img"));
	usleep(100 * 1000); /* /proc shows the fake appliances' argv0 */

	kill(lab, SIGKILL);
	int status;
	ck_assert_int_eq(waitpid(lab, &status, 0), lab);

	/* The next start (any connection with this state directory) removes all of it. */
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_msg(kl_virt_open(TEST_URI, state_dir, &v, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_int_eq(waitpid(appliance, &status, 0), appliance);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(!exists("%s/disks/cell-a-%d.img", state_dir, (int)lab));
	ck_assert(!exists("%s/lab-%d.lock", state_dir, (int)lab));
	ck_assert(!exists("%s/kdumplab-pull.%d.Ab12Cd", tmp, (int)lab));
	ck_assert(!exists("%s", out));
	ck_assert(!exists("%s/disks/cell-b-999999999.img", state_dir));
	/* What lives or was kept stays: the live pull, its output and appliance, the kept disk,
	 * our own lock. */
	ck_assert(exists("%s/disks/cell-c-999999999.kept.img", state_dir));
	ck_assert(exists("%s/kdumplab-pull.%d.Ab12Cd", tmp, (int)appliance));
	ck_assert(exists("%s", out_live));
	ck_assert_int_eq(kill(live_appliance, 0), 0);
	ck_assert(exists("%s/lab-%d.lock", state_dir, (int)getpid()));
	kl_virt_close(v);

	/* Once the live one's lock is gone and its pid is gone, it goes too. */
	close(live_lock);
	kill(live_appliance, SIGKILL);
	ck_assert_int_eq(waitpid(live_appliance, &status, 0), live_appliance);
	ck_assert_int_eq(kl_pull_reap(), 1);
	ck_assert(!exists("%s", out_live));
	unsetenv("TMPDIR");
	rm_state_dir();
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { lifecycle,
				       console_unsupported_cleans_up,
				       names_and_errors,
				       reaps_dead_owners_only,
				       close_destroys_what_it_started,
				       reap_embed_roots,
				       reap_disks_and_pull_dirs,
				       console_file_is_capped,
				       lost_connection_is_not_an_end };
	return kl_check_main("virt-host", 30, tests, KL_CHECK_N(tests));
}
