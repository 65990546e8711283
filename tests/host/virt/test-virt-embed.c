/* SPDX-License-Identifier: MIT */
/*
 * kl_virt against the embedded QEMU driver with a real kernel (TCG), and kl_pull with a real
 * libguestfs appliance. Skips (77) without a kernel: set KDUMPLAB_TEST_KERNEL (and, for the
 * appliance, KDUMPLAB_TEST_MODULES), or have an extracted kernel at /tmp/k/x.
 */
#include "kl-check.h"
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "protocol.h"
#include "virt/connection.h"
#include "virt/disk.h"
#include "virt/pull.h"
#include "virt/virt.h"

static char kernel[1024], modules[1024], initrd[256], state[64];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- a two-file newc initramfs: /init and the mount points it needs --------------------- */

static void cpio_entry(FILE *f, const char *name, unsigned mode, const void *data, size_t len)
{
	static unsigned ino = 1;
	size_t namesize = strlen(name) + 1;
	fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino++, mode, 0,
		0, 1, 0, len, 0, 0, 0, 0, namesize, 0);
	fwrite(name, 1, namesize, f);
	for (size_t pad = (110 + namesize) % 4; pad && pad < 4; pad++)
		fputc(0, f);
	if (len)
		fwrite(data, 1, len, f);
	for (size_t pad = len % 4; pad && pad < 4; pad++)
		fputc(0, f);
}

static void make_initrd(void)
{
	FILE *in = fopen(VIRT_TEST_INIT, "re");
	ck_assert_ptr_nonnull(in);
	static char bin[4 << 20];
	size_t n = fread(bin, 1, sizeof(bin), in);
	fclose(in);
	ck_assert_uint_gt(n, 0);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", state);
	FILE *f = fopen(initrd, "we");
	cpio_entry(f, "dev", 040755, NULL, 0);
	cpio_entry(f, "proc", 040755, NULL, 0);
	cpio_entry(f, "init", 0100755, bin, n);
	cpio_entry(f, "TRAILER!!!", 0, NULL, 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
	strcpy(state, "/tmp/kl-virt-it-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(state));
	make_initrd();
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state);
	if (system(cmd) != 0)
		return;
}

static struct kl_domain_config guest(const char *name, const char *cmdline)
{
	return (struct kl_domain_config){
		.name = name,
		.kernel = kernel,
		.initrd = initrd,
		.cmdline = cmdline,
		.memory_mib = 256,
		.vcpus = 1,
	};
}

/* Read the console until it ends; returns what was read (caller frees). */
static char *read_all(struct kl_vm *vm, int timeout_ms, double *ret_first_line)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = calloc(1, cap);
	double t0 = now_s();
	*ret_first_line = -1;
	for (;;) {
		int left = timeout_ms - (int)((now_s() - t0) * 1000);
		ck_assert_msg(left > 0, "console did not end in %d ms: %s", timeout_ms, buf);
		ssize_t n = kl_vm_read_console(vm, buf + len, cap - len - 1, left);
		if (n == -EPIPE)
			return buf;
		ck_assert_int_ge(n, 0);
		len += n;
		if (*ret_first_line < 0 && strstr(buf, KL_PROTO_PREFIX "phase=start"))
			*ret_first_line = now_s() - t0;
	}
}

START_TEST(boot_reads_console_to_the_end)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	double t0 = now_s();
	ck_assert_int_eq(kl_virt_open(NULL, state, &v, &e), 0);
	double t_open = now_s() - t0;
	ck_assert(kl_virt_is_embedded(v));
	struct kl_domain_config c = guest("kdumplab-it-boot", "console=ttyS0 panic=-1");
	struct kl_vm *vm = NULL;
	t0 = now_s();
	ck_assert_msg(kl_vm_start(v, &c, &vm, &e) == 0, "%s", e ? e->msg : "");
	double t_start = now_s() - t0;
	ck_assert_int_gt(kl_vm_pid(vm), 0);
	double first_line;
	char *out = read_all(vm, 120000, &first_line);
	/* Paused start: the kernel's first line is there, not lost before the console opened. */
	ck_assert_msg(strstr(out, "Linux version"), "%s", out);
	ck_assert_msg(first_line > 0, "no protocol line in: %s", out);
	bool ended = false;
	ck_assert_int_eq(kl_vm_wait_ended(vm, 10000, &ended, &e), 0);
	ck_assert(ended);
	fprintf(stderr, "# open %.3f s, start %.3f s, start to protocol line %.3f s\n", t_open,
		t_start, first_line);
	free(out);
	kl_vm_free(vm);
	kl_virt_close(v);
	/* Closing removed our root and its lock. */
	char p[128];
	snprintf(p, sizeof(p), "%s/embed-%d", state, (int)getpid());
	ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

static bool gone(pid_t pid)
{
	char p[64], buf[512] = "";
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "re");
	if (!f)
		return true;
	bool zombie = fgets(buf, sizeof(buf), f) && strstr(buf, ") Z");
	fclose(f);
	return zombie;
}

/* A child lab starts a hanging guest, reports the QEMU pid, then does what mode says. */
static pid_t child_lab(int mode, pid_t *ret_qemu)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t lab = fork();
	if (lab == 0) {
		struct kl_virt *v = NULL;
		struct kl_vm *vm = NULL;
		struct kl_error *e = NULL;
		struct kl_domain_config c = guest("kdumplab-it-hang", "console=ttyS0 kl.hang");
		pid_t q = 0;
		if (kl_virt_open(NULL, state, &v, &e) == 0 && kl_vm_start(v, &c, &vm, &e) == 0)
			q = kl_vm_pid(vm);
		if (write(p[1], &q, sizeof(q)) != sizeof(q) || q == 0)
			_exit(1);
		if (mode == 1)
			kl_virt_emergency_stop();
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], ret_qemu, sizeof(*ret_qemu)), sizeof(*ret_qemu));
	close(p[0]);
	ck_assert_int_gt(*ret_qemu, 0);
	return lab;
}

START_TEST(killed_lab_is_reaped_by_next_open)
{
	/* No PR_SET_CHILD_SUBREAPER here: libvirt waits for the QEMU it probes to vanish, and an
	 * unreaped zombie under a subreaper that does not wait stalls it for ~80 s. */
	pid_t qemu;
	pid_t lab = child_lab(0, &qemu);
	kill(lab, SIGKILL);
	ck_assert_int_eq(waitpid(lab, NULL, 0), lab);
	usleep(500 * 1000);
	ck_assert_msg(!gone(qemu), "QEMU %d died with its lab: the embedded driver changed",
		      (int)qemu);

	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(NULL, state, &v, &e), 0);
	ck_assert(gone(qemu));
	char p[128];
	snprintf(p, sizeof(p), "%s/embed-%d", state, (int)lab);
	ck_assert_int_ne(access(p, F_OK), 0);
	/* The same name starts again right away: nothing of the dead lab is in the way. */
	struct kl_domain_config c = guest("kdumplab-it-hang", "console=ttyS0 kl.hang");
	struct kl_vm *vm = NULL;
	ck_assert_msg(kl_vm_start(v, &c, &vm, &e) == 0, "%s", e ? e->msg : "");
	pid_t q2 = kl_vm_pid(vm);
	kl_vm_free(vm);
	ck_assert(gone(q2));
	kl_virt_close(v);
}
END_TEST

START_TEST(emergency_stop_kills_qemu)
{
	pid_t qemu;
	pid_t lab = child_lab(1, &qemu);
	for (int i = 0; i < 200 && !gone(qemu); i++)
		usleep(10 * 1000);
	ck_assert(gone(qemu));
	kill(lab, SIGKILL);
	waitpid(lab, NULL, 0);
}
END_TEST

/* libvirt cannot destroy the domain (here: its connection is lost): its QEMU is killed by pid
 * and the note says so. */
START_TEST(destroy_falls_back_to_killing_qemu)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(NULL, state, &v, &e), 0);
	struct kl_domain_config c = guest("kdumplab-it-lost", "console=ttyS0 kl.hang");
	struct kl_vm *vm = NULL;
	ck_assert_msg(kl_vm_start(v, &c, &vm, &e) == 0, "%s", e ? e->msg : "");
	pid_t qemu = kl_vm_pid(vm);
	ck_assert_int_gt(qemu, 0);
	kl_virt_mark_lost(v);
	ck_assert_int_eq(kl_vm_destroy(vm), 0);
	ck_assert(gone(qemu));
	ck_assert_msg(kl_vm_destroy_note(vm) &&
			      strstr(kl_vm_destroy_note(vm), "was killed instead"),
		      "%s", kl_vm_destroy_note(vm) ? kl_vm_destroy_note(vm) : "(no note)");
	fprintf(stderr, "# %s\n", kl_vm_destroy_note(vm));
	kl_vm_free(vm);
	kl_virt_close(v);
}
END_TEST

START_TEST(kvm_probe_is_cached)
{
	struct kl_virt *v = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_virt_open(NULL, state, &v, &e), 0);
	char cache[128];
	snprintf(cache, sizeof(cache), "%s/cache", state);
	bool kvm1, kvm2;
	char *r1 = NULL, *r2 = NULL;
	double t0 = now_s();
	ck_assert_int_eq(kl_virt_probe_kvm(v, cache, kernel, initrd, &kvm1, &r1, &e), 0);
	double t1 = now_s();
	ck_assert_int_eq(kl_virt_probe_kvm(v, cache, kernel, initrd, &kvm2, &r2, &e), 0);
	double t2 = now_s();
	fprintf(stderr, "# kvm=%d in %.2f s (then %.3f s): %s\n", kvm1, t1 - t0, t2 - t1, r1);
	ck_assert(kvm1 == kvm2);
	ck_assert_ptr_null(strchr(r1, '\n'));
	if (access("/dev/kvm", R_OK | W_OK) == 0) {
		ck_assert_msg(strstr(r2, "(cached for this host boot)"), "%s", r2);
		ck_assert(t2 - t1 < 0.5);
	}
	free(r1);
	free(r2);
	kl_virt_close(v);
}
END_TEST

/* ---- pull -------------------------------------------------------------------------------- */

static void debugfs_write(const char *disk, const char *host_file, const char *name)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'write %s %s' %s >/dev/null 2>&1", host_file,
		 name, disk);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * The saver's block map of name on disk, as debugfs sees its extents ("ex"), into host_file;
 * with skew_blocks, the first run's disk offset is moved by that many blocks (a wrong map), and
 * with beyond, it points past the end of the disk.
 */
static void blocks_file(const char *disk, const char *name, const char *host_file,
			uint64_t file_size, int skew_blocks, bool beyond)
{
	char cmd[1024], line[512];
	unsigned bs = 0;
	snprintf(cmd, sizeof(cmd), "debugfs -R stats %s 2>/dev/null", disk);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		if (sscanf(line, "Block size: %u", &bs) == 1)
			break;
	pclose(p);
	ck_assert_uint_gt(bs, 0);
	snprintf(cmd, sizeof(cmd), "debugfs -R 'ex %s' %s 2>/dev/null", name, disk);
	p = popen(cmd, "r");
	FILE *out = fopen(host_file, "we");
	unsigned runs = 0;
	while (p && fgets(line, sizeof(line), p)) {
		unsigned long long l0, l1, p0, p1, n;
		if (sscanf(line, " %*u/ %*u %*u/ %*u %llu - %llu %llu - %llu %llu", &l0, &l1, &p0,
			   &p1, &n) != 5)
			continue;
		uint64_t off = l0 * bs, len = n * bs, phys = p0 * bs;
		if (off >= file_size)
			continue;
		if (len > file_size - off)
			len = file_size - off;
		if (runs == 0)
			phys = beyond ? 1ULL << 40
				      : (uint64_t)((int64_t)phys + skew_blocks * (int)bs);
		fprintf(out, "%llu %llu %llu\n", (unsigned long long)off, (unsigned long long)phys,
			(unsigned long long)len);
		runs++;
	}
	pclose(p);
	fclose(out);
	ck_assert_uint_gt(runs, 0);
}

static void debugfs_rm(const char *disk, const char *name)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'rm %s' %s >/dev/null 2>&1", name, disk);
	ck_assert_int_eq(system(cmd), 0);
}

/* A 32 MiB sparse "vmcore" with random data at a few offsets. */
static void make_vmcore(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 32 << 20), 0);
	static char block[1 << 20];
	srand(42);
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (char)(rand() | 1);
	const off_t at[] = { 0, 5 << 20, (31 << 20) };
	for (size_t i = 0; i < ELEMENTSOF(at); i++)
		ck_assert_int_eq(pwrite(fd, block, sizeof(block), at[i]), sizeof(block));
	close(fd);
}

static bool same_content(const char *a, const char *b)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	return system(cmd) == 0;
}

START_TEST(pull_full_and_partial)
{
	ck_assert_msg(*modules, "registered only with appliance modules");
	char disk[128], src[128], manifest[128], done[128], out[128], out2[128], blocks[128];
	snprintf(disk, sizeof(disk), "%s/dump.img", state);
	snprintf(src, sizeof(src), "%s/vmcore.src", state);
	snprintf(manifest, sizeof(manifest), "%s/manifest.src", state);
	snprintf(done, sizeof(done), "%s/done.src", state);
	snprintf(out, sizeof(out), "%s/out", state);
	snprintf(out2, sizeof(out2), "%s/out2", state);
	snprintf(blocks, sizeof(blocks), "%s/blocks.src", state);
	mkdir(out, 0755);
	mkdir(out2, 0755);
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_disk_create(disk, 64 << 20, &e), 0);
	make_vmcore(src);
	FILE *f = fopen(manifest, "we");
	fputs("size=33554432\n", f);
	fclose(f);
	fclose(fopen(done, "we"));
	debugfs_write(disk, src, "vmcore");
	debugfs_write(disk, manifest, "manifest");
	debugfs_write(disk, done, "DONE");
	blocks_file(disk, "vmcore", blocks, 32 << 20, 0, false);
	debugfs_write(disk, blocks, KL_BLOCKS_FILE);

	struct kl_pull_options o = {
		.disk_path = disk,
		.out_dir = out,
		.appliance_kernel = kernel,
		.appliance_modules = modules,
		.force_tcg = true,
		.expected_dump_size = 32 << 20,
	};
	struct kl_pull_result *r = NULL;
	ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
	ck_assert(r->done_marker && r->manifest && r->dump && !r->partial_dump);
	ck_assert_msg(streq(r->method, "blocks"), "method %s: %s", r->method,
		      r->block_map_rejected ? r->block_map_rejected : "");
	ck_assert_ptr_null(r->block_map_rejected);
	ck_assert_uint_eq(r->dump_size, 32 << 20);
	ck_assert(!r->dump_size_mismatch);
	/* Sparse: 3 MiB of data, not 32 MiB of blocks. */
	ck_assert_uint_lt(r->dump_allocated, 4 << 20);
	ck_assert(same_content(r->dump_path, src));
	ck_assert(same_content(r->manifest_path, manifest));
	ck_assert_ptr_nonnull(strstr(r->listing, "vmcore"));
	fprintf(stderr, "# pull blocks: launch %.2f s, transfer %.2f s, allocated %llu\n",
		r->launch_seconds, r->transfer_seconds, (unsigned long long)r->dump_allocated);
	kl_pull_result_free(r);

	/* A block map one block off (back: one forward would overlap the next run, which the
	 * parser refuses before any check): the spot check catches it, the appliance copies. */
	debugfs_rm(disk, KL_BLOCKS_FILE);
	blocks_file(disk, "vmcore", blocks, 32 << 20, -1, false);
	debugfs_write(disk, blocks, KL_BLOCKS_FILE);
	ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_eq(r->method, "device");
	ck_assert_ptr_nonnull(r->block_map_rejected);
	ck_assert_msg(strstr(r->block_map_rejected, "does not hold the file's bytes"), "%s",
		      r->block_map_rejected);
	ck_assert_uint_lt(r->dump_allocated, 4 << 20);
	ck_assert(same_content(r->dump_path, src));
	fprintf(stderr, "# pull device: launch %.2f s, transfer %.2f s, allocated %llu\n",
		r->launch_seconds, r->transfer_seconds, (unsigned long long)r->dump_allocated);
	kl_pull_result_free(r);
	/* One pointing past the end of the disk is refused before any byte is read. */
	debugfs_rm(disk, KL_BLOCKS_FILE);
	blocks_file(disk, "vmcore", blocks, 32 << 20, 0, true);
	debugfs_write(disk, blocks, KL_BLOCKS_FILE);

	o.out_dir = out2;
	o.expected_dump_size = 1234;
	ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_eq(r->method, "device");
	ck_assert_msg(r->block_map_rejected && strstr(r->block_map_rejected, "inside the"), "%s",
		      r->block_map_rejected ? r->block_map_rejected : "(not rejected)");
	kl_pull_result_free(r);
	o.force_download = true;
	ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_eq(r->method, "download");
	ck_assert(r->dump_size_mismatch);
	ck_assert(same_content(r->dump_path, src));
	fprintf(stderr, "# pull download: launch %.2f s, transfer %.2f s, allocated %llu\n",
		r->launch_seconds, r->transfer_seconds, (unsigned long long)r->dump_allocated);
	kl_pull_result_free(r);

	/* A save that never finished: only vmcore.incomplete, no manifest, no DONE. */
	ck_assert_int_eq(kl_disk_create(disk, 64 << 20, &e), 0);
	debugfs_write(disk, src, KL_DUMP_FILE_TMP);
	o.out_dir = out;
	o.force_download = false;
	ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
	ck_assert(!r->done_marker && !r->manifest && !r->dump && r->partial_dump);
	ck_assert_uint_eq(r->partial_size, 32 << 20);
	ck_assert_ptr_null(r->dump_path);
	ck_assert_ptr_null(r->manifest_path);
	ck_assert_str_eq(r->method, "none");
	kl_pull_result_free(r);

	/* A deadline the appliance cannot meet: the watchdog kills it, the pull says so at once. */
	o.deadline_seconds = 1;
	double t0 = now_s();
	ck_assert_int_eq(kl_pull(&o, &r, &e), -ETIMEDOUT);
	double took = now_s() - t0;
	ck_assert_msg(took < 4, "the watchdog took %.1f s to stop a 1 s pull", took);
	ck_assert_msg(strstr(e->msg, "did not finish within 1 s"), "%s", e->msg);
	fprintf(stderr, "# pull watchdog: stopped after %.2f s: %s\n", took, e->msg);
	kl_error_free(e);
	e = NULL;
	o.deadline_seconds = 0;

	/* Not a filesystem at all: an error naming the disk. */
	int fd = open(disk, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(ftruncate(fd, 16 << 20), 0);
	close(fd);
	ck_assert_int_lt(kl_pull(&o, &r, &e), 0);
	ck_assert_msg(strstr(e->msg, disk), "%s", e->msg);
	kl_error_free(e);
}
END_TEST

/* Bytes allocated on the host by every file under dir (what a pull wrote). */
static uint64_t allocated_under(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "du -s -B1 %s", dir);
	FILE *p = popen(cmd, "r");
	unsigned long long n = 0;
	ck_assert_int_eq(fscanf(p, "%llu", &n), 1);
	pclose(p);
	return n;
}

static void debugfs_set_size(const char *disk, const char *name, uint64_t size)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'sif %s size %llu' %s >/dev/null 2>&1", name,
		 (unsigned long long)size, disk);
	ck_assert_int_eq(system(cmd), 0);
}

/* The disk offset of name's first block (debugfs "bmap" and the block size from "stats"). */
static uint64_t first_block_offset(const char *disk, const char *name)
{
	char cmd[1024], line[512];
	unsigned long long blk = 0;
	unsigned bs = 0;
	snprintf(cmd, sizeof(cmd), "debugfs -R stats %s 2>/dev/null", disk);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		if (sscanf(line, "Block size: %u", &bs) == 1)
			break;
	pclose(p);
	snprintf(cmd, sizeof(cmd), "debugfs -R 'bmap %s 0' %s 2>/dev/null", name, disk);
	p = popen(cmd, "r");
	ck_assert_int_eq(fscanf(p, "%llu", &blk), 1);
	pclose(p);
	ck_assert_uint_gt(blk, 0);
	ck_assert_uint_gt(bs, 0);
	return blk * bs;
}

/*
 * A block map of runs runs of len bytes each, ascending in the file, that all name the same
 * disk range at phys: the amplification of issue 6.
 */
static void amplifying_blocks_file(const char *host_file, unsigned runs, uint64_t len,
				   uint64_t phys)
{
	FILE *f = fopen(host_file, "we");
	for (unsigned i = 0; i < runs; i++)
		fprintf(f, "%llu %llu %llu\n", (unsigned long long)(i * len),
			(unsigned long long)phys, (unsigned long long)len);
	fclose(f);
}

/*
 * Hostile dump disks: whatever the guest wrote, the pull writes at most the disk's size, and
 * says why it refused. A 64 MiB disk holding a 1 MiB vmcore whose inode claims 2 TiB, with a
 * block map of 8192 runs naming that same MiB (8 GiB of copies), then without a map through the
 * download fallback; a vmcore within the disk whose map repeats one range; an interrupted pull.
 */
START_TEST(pull_hostile_disks)
{
	ck_assert_msg(*modules, "registered only with appliance modules");
	const uint64_t disk_size = 64 << 20;
	char disk[128], src[128], manifest[128], done[128], out[128], blocks[128], vm[160];
	snprintf(disk, sizeof(disk), "%s/hostile.img", state);
	snprintf(src, sizeof(src), "%s/vmcore.src", state);
	snprintf(manifest, sizeof(manifest), "%s/manifest.src", state);
	snprintf(done, sizeof(done), "%s/done.src", state);
	snprintf(out, sizeof(out), "%s/hostile-out", state);
	snprintf(blocks, sizeof(blocks), "%s/blocks.src", state);
	snprintf(vm, sizeof(vm), "%s/" KL_DUMP_FILE, out);
	mkdir(out, 0755);
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_disk_create(disk, disk_size, &e), 0);
	int fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	static char mib[1 << 20];
	memset(mib, 0x5a, sizeof(mib));
	ck_assert_int_eq(write(fd, mib, sizeof(mib)), sizeof(mib));
	close(fd);
	FILE *f = fopen(manifest, "we");
	fputs("size=2199023255552\n", f);
	fclose(f);
	fclose(fopen(done, "we"));
	debugfs_write(disk, src, KL_DUMP_FILE);
	debugfs_write(disk, manifest, KL_MANIFEST_FILE);
	debugfs_write(disk, done, KL_DONE_FILE);
	uint64_t phys = first_block_offset(disk, KL_DUMP_FILE);
	debugfs_set_size(disk, KL_DUMP_FILE, 2ULL << 40);
	amplifying_blocks_file(blocks, 8192, 1 << 20, phys);
	debugfs_write(disk, blocks, KL_BLOCKS_FILE);

	struct kl_pull_options o = {
		.disk_path = disk,
		.out_dir = out,
		.appliance_kernel = kernel,
		.appliance_modules = modules,
		.force_tcg = true,
		.deadline_seconds = 120,
	};
	struct kl_pull_result *r = NULL;
	/* 2 TiB claimed (the most a test ext4 takes: e2fsck and Linux refuse 4 TiB here), 8 GiB
	 * mapped: refused before a byte is copied, map or download. */
	for (int download = 0; download < 2; download++) {
		o.force_download = download;
		ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
		ck_assert_msg(r->dump && r->done_marker && r->manifest, "%s", r->listing);
		ck_assert_msg(r->dump_refused && strstr(r->dump_refused, "more than the whole"),
			      "%s", r->dump_refused ? r->dump_refused : "(not refused)");
		ck_assert_ptr_null(r->dump_path);
		ck_assert_str_eq(r->method, "none");
		ck_assert_int_ne(access(vm, F_OK), 0);
		ck_assert_uint_le(allocated_under(out), disk_size);
		fprintf(stderr, "# hostile 2 TiB vmcore (%s): %s; %llu bytes under the output\n",
			download ? "download" : "block map", r->dump_refused,
			(unsigned long long)allocated_under(out));
		kl_pull_result_free(r);
	}

	/* Within the disk (48 MiB, sparse), but the map names the same MiB 48 times: the map is
	 * refused, the appliance copies the file itself, sparse. With it, a 4 MiB manifest (only
	 * KL_PULL_SMALL_MAX bytes of it come over) and 24 files of 200-character names (the
	 * listing kept for diagnostics is cut at 4 KiB). */
	o.force_download = false;
	debugfs_set_size(disk, KL_DUMP_FILE, 48 << 20);
	debugfs_rm(disk, KL_BLOCKS_FILE);
	amplifying_blocks_file(blocks, 48, 1 << 20, phys);
	debugfs_write(disk, blocks, KL_BLOCKS_FILE);
	debugfs_rm(disk, KL_MANIFEST_FILE);
	f = fopen(manifest, "we");
	for (int i = 0; i < 4; i++)
		fwrite(mib, 1, sizeof(mib), f);
	fclose(f);
	debugfs_write(disk, manifest, KL_MANIFEST_FILE);
	for (int i = 0; i < 24; i++) {
		char name[256];
		snprintf(name, sizeof(name), "%02d%0198d", i, 0);
		debugfs_write(disk, done, name);
	}
	ck_assert_msg(kl_pull(&o, &r, &e) == 0, "%s", e ? e->msg : "");
	struct stat mst;
	ck_assert_int_eq(stat(r->manifest_path, &mst), 0);
	ck_assert_int_eq(mst.st_size, KL_PULL_SMALL_MAX);
	ck_assert_uint_le(strlen(r->listing), 4096);
	ck_assert_msg(strstr(r->listing, "[kdumplab: listing cut]"), "%s", r->listing);
	ck_assert_ptr_null(r->dump_refused);
	ck_assert_msg(r->block_map_rejected && strstr(r->block_map_rejected, "overlaps"), "%s",
		      r->block_map_rejected ? r->block_map_rejected : "(map used)");
	ck_assert_str_eq(r->method, "device");
	ck_assert_uint_eq(r->dump_size, 48 << 20);
	ck_assert_uint_le(r->dump_allocated, disk_size);
	ck_assert_uint_le(allocated_under(out), disk_size);
	kl_pull_result_free(r);

	/* Interrupted: the pull stops with EINTR and leaves no output behind. */
	unlink(vm);
	volatile sig_atomic_t stop = 1;
	o.interrupted = &stop;
	ck_assert_int_eq(kl_pull(&o, &r, &e), -EINTR);
	ck_assert_msg(strstr(e->msg, "interrupted"), "%s", e->msg);
	kl_error_free(e);
	e = NULL;
	ck_assert_int_ne(access(vm, F_OK), 0);
}
END_TEST

static bool find_kernel(void)
{
	const char *k = getenv("KDUMPLAB_TEST_KERNEL");
	const char *m = getenv("KDUMPLAB_TEST_MODULES");
	if (k) {
		snprintf(kernel, sizeof(kernel), "%s", k);
		snprintf(modules, sizeof(modules), "%s", m ? m : "");
		return access(kernel, R_OK) == 0;
	}
	glob_t g;
	if (glob("/tmp/k/x/boot/vmlinuz-*", 0, NULL, &g) != 0)
		return false;
	snprintf(kernel, sizeof(kernel), "%s", g.gl_pathv[0]);
	globfree(&g);
	const char *ver = strstr(kernel, "vmlinuz-") + strlen("vmlinuz-");
	snprintf(modules, sizeof(modules), "/tmp/k/x/lib/modules/%s", ver);
	if (access(modules, R_OK) < 0)
		modules[0] = 0;
	return true;
}

int main(void)
{
	if (!find_kernel()) {
		printf("1..0 # SKIP no kernel: set KDUMPLAB_TEST_KERNEL (and KDUMPLAB_TEST_MODULES)\n");
		return 77;
	}
	if (access("/usr/bin/qemu-system-x86_64", X_OK) < 0) {
		printf("1..0 # SKIP no /usr/bin/qemu-system-x86_64\n");
		return 77;
	}
	Suite *s = suite_create("virt-embed");
	/* One case per test, so CK_RUN_CASE=<test> runs one of them. */
	const struct {
		const char *name;
		const TTest *test;
		bool appliance; /* needs KDUMPLAB_TEST_MODULES for the libguestfs appliance */
	} tests[] = {
		{ "boot_reads_console_to_the_end", boot_reads_console_to_the_end },
		{ "killed_lab_is_reaped_by_next_open", killed_lab_is_reaped_by_next_open },
		{ "emergency_stop_kills_qemu", emergency_stop_kills_qemu },
		{ "kvm_probe_is_cached", kvm_probe_is_cached },
		{ "destroy_falls_back_to_killing_qemu", destroy_falls_back_to_killing_qemu },
		{ "pull_full_and_partial", pull_full_and_partial, true },
		{ "pull_hostile_disks", pull_hostile_disks, true },
	};
	for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
		if (tests[i].appliance && !*modules) {
			fprintf(stderr,
				"# %s not run: no appliance modules (KDUMPLAB_TEST_MODULES)\n",
				tests[i].name);
			continue;
		}
		TCase *t = tcase_create(tests[i].name);
		tcase_add_checked_fixture(t, setup, teardown);
		/* Appliance launches under TCG: ~7 s idle, over 20 s on a loaded machine, and CI
		 * machines differ by 2.4x; a case launches up to five. */
		tcase_set_timeout(t, 600);
		tcase_add_test(t, tests[i].test);
		suite_add_tcase(s, t);
	}
	return kl_check_run(s);
}
