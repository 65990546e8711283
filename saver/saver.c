/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "blocks.h"
#include "config.h"
#include "disk.h"
#include "extents.h"
#include "guest-fault.h"
#include "guest-init.h"
#include "guest-report.h"
#include "guest-sys.h"
#include "guest-util.h"
#include "protocol.h"
#include "saver-fault.h"
#include "saver.h"

#define MNT "/mnt"

struct saver {
	const struct saver_opts *opts;
	char cmdline[8192];
	char elfcorehdr[64];
	char dev[64];
	uint64_t vmcore_size;
	uint64_t allocated;
	double seconds;
	struct saver_copy_stats st;
	uint64_t next_progress;
	unsigned extents;
	unsigned blocks;	      /* lines of the blocks file, 0 when none was written */
	const struct kl_fault *fault; /* kdumplab.fault=, when it is the saver's (fault.h) */
	bool halted;		      /* a fault stopped the save: only the unmount remains */
};

static int start(struct saver *s)
{
	struct kl_line l;
	int r = kl_read_file("/proc/cmdline", s->cmdline, sizeof(s->cmdline));
	if (r < 0)
		return kl_report_error("capture-env", r, "read /proc/cmdline");
	int capture =
		kl_cmdline_get(s->cmdline, "elfcorehdr", s->elfcorehdr, sizeof(s->elfcorehdr));

	kl_line_begin(&l, "start");
	kl_line_add(&l, "prog", "saver");
	kl_line_add(&l, "version", KL_VERSION);
	if (capture)
		kl_line_add(&l, "elfcorehdr", s->elfcorehdr);
	kl_line_emit(&l);
	if (!capture)
		return kl_report_error(
			"capture-env", ENOENT,
			"no elfcorehdr= on the kernel command line: this is not a capture kernel");
	return kl_guest_fault(s->cmdline, KL_FAULT_SAVER, &s->fault);
}

static int find_disk(struct saver *s)
{
	char serial[256] = KL_DEFAULT_DISK_SERIAL, seen[1024] = "";
	unsigned waited = 0;
	int r;

	kl_cmdline_get(s->cmdline, "kdumplab.disk", serial, sizeof(serial));
	/* Block devices appear asynchronously after their driver loads. */
	for (;;) {
		r = saver_disk_scan(serial, s->dev, sizeof(s->dev), seen, sizeof(seen));
		if (r == 0 || waited >= s->opts->disk_wait_ms)
			break;
		kl_sys.sleep_ms(100);
		waited += 100;
	}
	if (r < 0)
		return kl_report_error("find-disk", r,
				       "no block device with serial '%s' after %u ms; seen: %s",
				       serial, waited, seen[0] ? seen : "(none)");

	struct kl_line l;
	kl_line_begin(&l, "disk");
	kl_line_add(&l, "serial", serial);
	kl_line_addf(&l, "dev", "/dev/%s", s->dev);
	kl_line_emit(&l);
	return 0;
}

static int mount_disk(struct saver *s)
{
	char dev[KL_PATH_MAX], rel[128], mnt[KL_PATH_MAX];

	snprintf(rel, sizeof(rel), "/dev/%s", s->dev);
	kl_path(dev, sizeof(dev), rel);
	kl_path(mnt, sizeof(mnt), MNT);
	if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
		return kl_report_error("mount", errno, "mkdir %s", MNT);
	int r = kl_sys.mount(dev, mnt, "ext4", 0, NULL);
	if (r < 0)
		return kl_report_error("mount", r, "mount %s on %s as ext4", rel, MNT);
	return 0;
}

static int fsync_dir(const char *dir, const char *step)
{
	char path[KL_PATH_MAX];
	_cleanup_close_ int fd =
		open(kl_path(path, sizeof(path), dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return kl_report_error(step, errno, "fsync directory %s", dir);
	return 0;
}

/* A DONE left from an earlier run must not vouch for this one. */
static int remove_stale(void)
{
	static const char *const files[] = { MNT "/" KL_DONE_FILE, MNT "/" KL_MANIFEST_FILE,
					     MNT "/" KL_EXTENTS_FILE, MNT "/" KL_BLOCKS_FILE,
					     MNT "/" KL_DUMP_FILE };
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		char path[KL_PATH_MAX];
		if (unlink(kl_path(path, sizeof(path), files[i])) < 0 && errno != ENOENT)
			return kl_report_error("write", errno, "remove stale %s", files[i]);
	}
	return fsync_dir(MNT, "fsync");
}

static void progress(uint64_t done, uint64_t total, void *userdata)
{
	struct saver *s = userdata;
	if (done < s->next_progress && done < total)
		return;
	s->next_progress = done + total / 10;
	struct kl_line l;
	kl_line_begin(&l, "progress");
	kl_line_addf(&l, "bytes", "%" PRIu64, done);
	kl_line_addf(&l, "total", "%" PRIu64, total);
	kl_line_emit(&l);
}

static int save_vmcore(struct saver *s)
{
	char path[KL_PATH_MAX], dst[KL_PATH_MAX];
	enum saver_read_mode mode = s->opts->read_mode;
	char val[16];
	struct stat st;
	int r;

	if (kl_cmdline_get(s->cmdline, "kdumplab.saver_read", val, sizeof(val)) &&
	    saver_read_mode_parse(val, &mode) < 0)
		return kl_report_error("read", EINVAL,
				       "kdumplab.saver_read='%s': expected mmap or pread", val);

	_cleanup_close_ int in =
		open(kl_path(path, sizeof(path), "/proc/vmcore"), O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return kl_report_error("open-vmcore", errno, "open /proc/vmcore");
	s->vmcore_size = (uint64_t)st.st_size;
	struct kl_line l;
	kl_line_begin(&l, "vmcore");
	kl_line_addf(&l, "size", "%" PRIu64, s->vmcore_size);
	kl_line_emit(&l);
	if (s->vmcore_size == 0)
		return kl_report_error("open-vmcore", ENODATA, "/proc/vmcore is empty");

	r = remove_stale();
	if (r < 0)
		return r;
	double t0 = kl_now();
	_cleanup_close_ int out = open(kl_path(path, sizeof(path), MNT "/" KL_DUMP_FILE_TMP),
				       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return kl_report_error("write", errno, "create %s", MNT "/" KL_DUMP_FILE_TMP);
	uint64_t copy = saver_fault_copy_size(s->fault, s->vmcore_size);
	r = saver_copy(in, copy, out, mode, s->opts->chunk, progress, s, &s->st);
	if (r < 0)
		return r;
	if (copy < s->vmcore_size) {
		s->halted = true;
		return fsync_dir(MNT, "fsync");
	}
	r = saver_fault_damage(s->fault, out, s->vmcore_size);
	if (r < 0)
		return r;
	if (fstat(out, &st) < 0)
		return kl_report_error("write", errno, "stat %s", MNT "/" KL_DUMP_FILE_TMP);
	s->allocated = (uint64_t)st.st_blocks * 512;
	if (rename(path, kl_path(dst, sizeof(dst), MNT "/" KL_DUMP_FILE)) < 0)
		return kl_report_error("write", errno, "rename %s to %s", KL_DUMP_FILE_TMP,
				       KL_DUMP_FILE);
	r = fsync_dir(MNT, "fsync");
	if (r < 0)
		return r;
	s->seconds = kl_now() - t0;
	return 0;
}

/* Write a small file and fsync it: the manifest, the marker. */
static int write_synced(const char *file, const char *text, const char *step)
{
	char path[KL_PATH_MAX];
	_cleanup_close_ int fd = open(kl_path(path, sizeof(path), file),
				      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return kl_report_error(step, errno, "create %s", file);
	if (write(fd, text, len) != (ssize_t)len)
		return kl_report_error(step, errno ? errno : EIO, "write %s", file);
	if (fsync(fd) < 0)
		return kl_report_error(step, errno, "fsync %s", file);
	return 0;
}

/*
 * The maps of the saved dump, from one open of it: its data runs (extents, required: the host
 * copies only those), and where they lie on the disk (blocks, optional: without it, where
 * FIEMAP cannot map the file, the host copies through libguestfs instead of from the image).
 */
static int write_maps(struct saver *s)
{
	char path[KL_PATH_MAX];
	static char extents[SAVER_EXTENTS_MAX_TEXT], blocks[SAVER_BLOCKS_MAX_TEXT];
	_cleanup_close_ int fd =
		open(kl_path(path, sizeof(path), MNT "/" KL_DUMP_FILE), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_report_error("extents", errno, "open %s", MNT "/" KL_DUMP_FILE);
	int runs = saver_extents_text(fd, s->vmcore_size, extents, sizeof(extents));
	if (runs < 0)
		return kl_report_error("extents", -runs, "map the data of %s",
				       MNT "/" KL_DUMP_FILE);
	s->extents = (unsigned)runs;
	int r = write_synced(MNT "/" KL_EXTENTS_FILE, extents, "extents");
	if (r < 0)
		return r;
	int n = saver_blocks_text(fd, s->vmcore_size, blocks, sizeof(blocks));
	if (n <= 0) {
		struct kl_line l;
		kl_line_begin(&l, "note");
		kl_line_add(&l, "step", "blocks");
		kl_line_addf(&l, "detail",
			     "no block map of %s (%s); the host copies it through libguestfs",
			     KL_DUMP_FILE, n < 0 ? strerror(-n) : "no data");
		kl_line_emit(&l);
		return 0;
	}
	s->blocks = (unsigned)n;
	return write_synced(MNT "/" KL_BLOCKS_FILE, blocks, "blocks");
}

static int write_manifest(struct saver *s)
{
	char text[2048];
	struct utsname u;

	uname(&u);
	snprintf(text, sizeof(text),
		 KL_MANIFEST_SIZE
		 "=%" PRIu64 "\n" KL_MANIFEST_ALLOCATED "=%" PRIu64 "\n" KL_MANIFEST_ZERO_PAGES
		 "=%" PRIu64 "\n" KL_MANIFEST_DATA_PAGES "=%" PRIu64 "\n" KL_MANIFEST_HASH
		 "=%016" PRIx64 "\n" KL_MANIFEST_READ_SECONDS "=%.3f\n" KL_MANIFEST_WRITE_SECONDS
		 "=%.3f\n" KL_MANIFEST_TOTAL_SECONDS "=%.3f\n" KL_MANIFEST_VMCORE_SIZE "=%" PRIu64
		 "\n" KL_MANIFEST_KERNEL_RELEASE "=%s\n" KL_MANIFEST_ELFCOREHDR
		 "=%s\n" KL_MANIFEST_READ_MODE "=%s\n" KL_MANIFEST_SAVER_VERSION
		 "=%s\n" KL_MANIFEST_EXTENTS "=%u\n" KL_MANIFEST_BLOCKS "=%u\n",
		 s->vmcore_size, s->allocated, s->st.zero_pages, s->st.data_pages, s->st.hash,
		 s->st.read_seconds, s->st.write_seconds, s->seconds, s->vmcore_size, u.release,
		 s->elfcorehdr, saver_read_mode_name(s->st.mode), KL_VERSION, s->extents,
		 s->blocks);
	int r = write_synced(MNT "/" KL_MANIFEST_FILE, text, "manifest");
	if (r < 0)
		return r;
	if (!saver_fault_writes_marker(s->fault))
		return fsync_dir(MNT, "fsync");
	/* The marker comes last, after everything it vouches for is on disk. */
	r = write_synced(MNT "/" KL_DONE_FILE, "done\n", "done-marker");
	if (r < 0)
		return r;
	return fsync_dir(MNT, "fsync");
}

static void report_saved(const struct saver *s)
{
	struct kl_line l;
	kl_line_begin(&l, "saved");
	kl_line_addf(&l, "bytes", "%" PRIu64, s->vmcore_size);
	kl_line_addf(&l, "allocated", "%" PRIu64, s->allocated);
	kl_line_addf(&l, "zero_pages", "%" PRIu64, s->st.zero_pages);
	kl_line_addf(&l, "data_pages", "%" PRIu64, s->st.data_pages);
	kl_line_addf(&l, "hash", "%016" PRIx64, s->st.hash);
	kl_line_addf(&l, "seconds", "%.3f", s->seconds);
	kl_line_addf(&l, "read_seconds", "%.3f", s->st.read_seconds);
	kl_line_addf(&l, "write_seconds", "%.3f", s->st.write_seconds);
	kl_line_add(&l, "read_mode", saver_read_mode_name(s->st.mode));
	kl_line_emit(&l);
	kl_report("done");
}

static int mount_basics(struct saver *s)
{
	return kl_mount_basics();
}

static int load_modules(struct saver *s)
{
	return kl_load_modules();
}

static int unmount_disk(struct saver *s)
{
	char mnt[KL_PATH_MAX];
	int r = kl_sys.umount(kl_path(mnt, sizeof(mnt), MNT));
	if (r < 0)
		return kl_report_error("umount", r, "umount %s", MNT);
	return 0;
}

int saver_run(const struct saver_opts *opts)
{
	/* In order; each reports its own error line and the first failure ends the run. */
	static int (*const steps[])(struct saver * s) = {
		mount_basics, start,	  load_modules,	  find_disk,	mount_disk,
		save_vmcore,  write_maps, write_manifest, unmount_disk,
	};
	static struct saver s;

	s = (struct saver){ .opts = opts };
	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		if (s.halted && steps[i] != unmount_disk)
			continue; /* a fault stopped the save (saver-halfway) */
		int r = steps[i](&s);
		if (r < 0)
			return r;
	}
	if (s.halted)
		kl_report("done"); /* as a finished save would: the disk must tell */
	else
		report_saved(&s);
	return 0;
}
