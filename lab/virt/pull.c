/* SPDX-License-Identifier: MIT */
/*
 * Pull the dump with libguestfs. The dump disk was written by a crashed guest, so its ext4 is
 * parsed inside the appliance, never by the host kernel or host tools.
 *
 * Fastest: the saver's block map says where vmcore's data lies on the disk. The map is bounded
 * (blockmap.c), then spot-checked: for up to BLOCK_SAMPLES runs, the first and last 4 KiB as
 * libguestfs reads them from the file must equal the bytes at the mapped disk offsets. Then the
 * host copies those byte ranges from the disk image (no filesystem is parsed on the host) after
 * the appliance is gone; the manifest hash later checks every byte.
 *
 * Otherwise the dump is copied to a second, writable drive backed by the host output file (a
 * fresh sparse file as large as the dump disk, so any vmcore fits) with
 * guestfs_copy_file_to_device(sparse), only the saver's data runs when it listed them: the host
 * file stays sparse and no byte crosses the slow appliance channel. The host file is then
 * truncated to the vmcore's size. guestfs_download, which sends every byte (zeros too) through
 * the channel, is the last resort.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <guestfs.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fs.h"
#include "base/stop.h"
#include "guest/blockmap.h"
#include "protocol.h"
#include "pull-dir.h"
#include "pull-watchdog.h"
#include "pull.h"

static int gerr(guestfs_h *g, struct kl_error **err, const char *what, const char *disk)
{
	int code = guestfs_last_errno(g);
	kl_error_set(err, 0, "%s on dump disk \"%s\": %s", what, disk,
		     guestfs_last_error(g) ? guestfs_last_error(g) : "unknown libguestfs error");
	if (err && *err)
		(*err)->code = code > 0 ? code : EIO;
	return -(code > 0 ? code : EIO);
}

void kl_pull_result_free(struct kl_pull_result *r)
{
	if (!r)
		return;
	free(r->dump_path);
	free(r->manifest_path);
	free(r->listing);
	free(r->block_map_rejected);
	free(r->dump_refused);
	free(r);
}

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * supermin reads SUPERMIN_KERNEL/_MODULES from the environment when the appliance is launched,
 * and the environment is process-wide: two cells of different kernels pulling at once could
 * otherwise launch one kernel with the other's modules. So the variables are set and the
 * appliance launched under one lock (launches are serialized; transfers are not).
 */
static int launch_with_kernel(guestfs_h *g, const struct kl_pull_options *o)
{
	pthread_mutex_lock(&env_lock);
	if (o->appliance_kernel)
		setenv("SUPERMIN_KERNEL", o->appliance_kernel, 1);
	if (o->appliance_modules)
		setenv("SUPERMIN_MODULES", o->appliance_modules, 1);
	int r = guestfs_launch(g);
	pthread_mutex_unlock(&env_lock);
	return r;
}

static int handle_setup(const struct kl_pull_options *o, const char *tmpdir, guestfs_h **ret,
			struct kl_error **err)
{
	/* NO_ENVIRONMENT: LIBGUESTFS_* variables of whoever runs the lab must not change how the
	 * appliance runs; what matters is set explicitly below. */
	guestfs_h *g = guestfs_create_flags(GUESTFS_CREATE_NO_ENVIRONMENT);
	if (!g)
		return kl_error_set(err, errno ? errno : ENOMEM,
				    "cannot create a libguestfs handle");
	guestfs_set_error_handler(g, NULL, NULL);
	*ret = g;
	/* The overlay of the dump disk goes here, so the watchdog can tell our appliance apart. */
	if (guestfs_set_tmpdir(g, tmpdir) < 0)
		return gerr(g, err, "cannot set the temporary directory", o->disk_path);
	if (guestfs_set_backend(g, "direct") < 0)
		return gerr(g, err, "cannot select the direct backend", o->disk_path);
	if (o->force_tcg) {
		char *settings[] = { (char *)"force_tcg", NULL };
		if (guestfs_set_backend_settings(g, settings) < 0)
			return gerr(g, err, "cannot set force_tcg", o->disk_path);
	}
	/* Two vCPUs: the appliance's init (udev, module loading, LVM/MD scans) runs partly in
	 * parallel, and under TCG that took its launch from 7.7 to 5.4 s here. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus >= 2 && guestfs_set_smp(g, 2) < 0)
		return gerr(g, err, "cannot give the appliance 2 vCPUs", o->disk_path);
	if (guestfs_add_drive_opts(g, o->disk_path, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "raw",
				   GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1) < 0)
		return gerr(g, err, "cannot add", o->disk_path);
	return 0;
}

/* A fresh sparse file of size bytes at path, added as the appliance's writable /dev/sdb. */
static int add_output_drive(guestfs_h *g, const char *path, uint64_t size, const char *disk,
			    struct kl_error **err)
{
	unlink(path);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot create \"%s\"", path);
	if (ftruncate(fd, (off_t)size) < 0)
		return kl_error_set(err, errno, "cannot size \"%s\" to %" PRIu64 " bytes", path,
				    size);
	if (guestfs_add_drive_opts(g, path, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "raw",
				   GUESTFS_ADD_DRIVE_OPTS_CACHEMODE, "unsafe", -1) < 0)
		return gerr(g, err, "cannot add the output drive", disk);
	return 0;
}

#define LISTING_MAX 4096
#define LISTING_CUT "\n[kdumplab: listing cut]"

static int inspect(guestfs_h *g, const struct kl_pull_options *o, struct kl_pull_result *r,
		   uint64_t *ret_vmcore_size, struct kl_error **err)
{
	if (guestfs_mount_ro(g, "/dev/sda", "/") < 0)
		return gerr(g, err, "cannot mount the filesystem", o->disk_path);
	r->listing = guestfs_ll(g, "/");
	/* The guest chose the names (and how many): a diagnostic, so a few lines are enough. */
	if (r->listing && strlen(r->listing) > LISTING_MAX)
		strcpy(r->listing + LISTING_MAX - sizeof(LISTING_CUT), LISTING_CUT);
	r->done_marker = guestfs_is_file(g, "/" KL_DONE_FILE) > 0;
	r->manifest = guestfs_is_file(g, "/" KL_MANIFEST_FILE) > 0;
	r->dump = guestfs_is_file(g, "/" KL_DUMP_FILE) > 0;
	r->partial_dump = guestfs_is_file(g, "/" KL_DUMP_FILE_TMP) > 0;
	if (r->partial_dump) {
		int64_t s = guestfs_filesize(g, "/" KL_DUMP_FILE_TMP);
		r->partial_size = s > 0 ? (uint64_t)s : 0;
	}
	*ret_vmcore_size = 0;
	if (r->dump) {
		int64_t s = guestfs_filesize(g, "/" KL_DUMP_FILE);
		if (s < 0)
			return gerr(g, err, "cannot stat /" KL_DUMP_FILE, o->disk_path);
		*ret_vmcore_size = (uint64_t)s;
	}
	return 0;
}

/*
 * The saver's extent map (common/protocol.h KL_EXTENTS_FILE), bounded by blockmap.c's
 * kl_extents_parse; any doubt means "copy the whole file" instead. Returns the number of runs,
 * 0 when unusable.
 */
static size_t read_extents(guestfs_h *g, uint64_t size, uint64_t disk_size, struct kl_extent *runs)
{
	size_t len = 0;
	if (guestfs_is_file(g, "/" KL_EXTENTS_FILE) <= 0)
		return 0;
	int64_t fs = guestfs_filesize(g, "/" KL_EXTENTS_FILE);
	if (fs <= 0 || fs > 256 * 1024)
		return 0;
	_cleanup_free_ char *text = guestfs_read_file(g, "/" KL_EXTENTS_FILE, &len);
	if (!text)
		return 0;
	_cleanup_error_ struct kl_error *e = NULL;
	int n = kl_extents_parse(text, len, size, disk_size, runs, KL_EXTENTS_MAX, &e);
	return n > 0 ? (size_t)n : 0;
}

/* ---- the block map ---- */

#define BLOCK_SAMPLES 32
#define SAMPLE_BYTES  4096

/* The file's bytes [off, off+n) as libguestfs reads them equal the disk's at phys. */
static bool sample_matches(guestfs_h *g, int disk_fd, uint64_t off, uint64_t phys, size_t n)
{
	size_t got = 0;
	_cleanup_free_ char *want = guestfs_pread(g, "/" KL_DUMP_FILE, (int)n, (int64_t)off, &got);
	if (!want || got != n)
		return false;
	char buf[SAMPLE_BYTES];
	ssize_t r = kl_pread_full(disk_fd, buf, n, (off_t)phys);
	return r == (ssize_t)n && memcmp(buf, want, n) == 0;
}

/*
 * Read and check the saver's block map. Returns the number of runs in *ret_runs (caller frees),
 * 0 when there is no usable map; *why says why one was not used (NULL when none was written).
 */
static size_t load_blocks(guestfs_h *g, int disk_fd, uint64_t file_size, uint64_t disk_size,
			  struct kl_block_run **ret_runs, char **why)
{
	*ret_runs = NULL;
	*why = NULL;
	if (guestfs_is_file(g, "/" KL_BLOCKS_FILE) <= 0)
		return 0;
	int64_t fs = guestfs_filesize(g, "/" KL_BLOCKS_FILE);
	if (fs <= 0 || fs > KL_BLOCKMAP_MAX * 64) {
		*why = strdup("the block map's size is out of bounds");
		return 0;
	}
	size_t len = 0;
	_cleanup_free_ char *text = guestfs_read_file(g, "/" KL_BLOCKS_FILE, &len);
	_cleanup_free_ struct kl_block_run *runs = calloc(KL_BLOCKMAP_MAX, sizeof(*runs));
	_cleanup_error_ struct kl_error *e = NULL;
	if (!text || !runs) {
		*why = strdup("cannot read the block map");
		return 0;
	}
	int n = kl_blockmap_parse(text, len, file_size, disk_size, runs, KL_BLOCKMAP_MAX, &e);
	if (n <= 0) {
		*why = strdup(n < 0 && e && e->msg ? e->msg : "the block map is empty");
		return 0;
	}
	size_t step = (size_t)n > BLOCK_SAMPLES ? (size_t)n / BLOCK_SAMPLES : 1;
	for (size_t i = 0; i < (size_t)n; i += step) {
		const struct kl_block_run *b = &runs[i];
		size_t k = b->length < SAMPLE_BYTES ? (size_t)b->length : SAMPLE_BYTES;
		uint64_t tail = b->length - k;
		if (!sample_matches(g, disk_fd, b->logical, b->physical, k) ||
		    !sample_matches(g, disk_fd, b->logical + tail, b->physical + tail, k)) {
			if (asprintf(why,
				     "block map run %zu (file %" PRIu64 ", disk %" PRIu64
				     ", %" PRIu64 " bytes) does not hold the file's bytes",
				     i + 1, b->logical, b->physical, b->length) < 0)
				*why = NULL;
			return 0;
		}
	}
	*ret_runs = TAKE_PTR(runs);
	return (size_t)n;
}

/*
 * Stop a host-side copy: the pull's deadline passed (-ETIMEDOUT) or the run was interrupted
 * (-EINTR). Checked before every MiB.
 */
static int copy_should_stop(const struct kl_pull_options *o, double deadline_at,
			    struct kl_error **err)
{
	if (o->interrupted && *o->interrupted)
		return kl_error_set(err, EINTR, "the pull of dump disk \"%s\" was interrupted",
				    o->disk_path);
	if (deadline_at > 0 && kl_now() > deadline_at)
		return kl_error_set(err, ETIMEDOUT,
				    "the pull of dump disk \"%s\" did not finish within %.0f s",
				    o->disk_path, o->deadline_seconds);
	return 0;
}

#define COPY_CHUNK (1 << 20)

/*
 * Copy the mapped runs from the disk image to the same file offsets of out, a MiB at a time
 * between checks of the deadline and the interrupt flag. The runs are disjoint on the disk
 * (blockmap.c), so this writes at most the disk's size.
 */
static int copy_blocks(const struct kl_pull_options *o, double deadline_at, int disk_fd,
		       const char *out, const struct kl_block_run *runs, size_t n,
		       struct kl_error **err)
{
	_cleanup_close_ int fd = open(out, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot open \"%s\"", out);
	static char buf[COPY_CHUNK];
	for (size_t i = 0; i < n; i++) {
		off_t in = (off_t)runs[i].physical, to = (off_t)runs[i].logical;
		uint64_t left = runs[i].length;
		while (left > 0) {
			int r = copy_should_stop(o, deadline_at, err);
			if (r < 0)
				return r;
			size_t k = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
			ssize_t c = copy_file_range(disk_fd, &in, fd, &to, k, 0);
			if (c < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				      errno == EOPNOTSUPP)) {
				c = kl_pread_full(disk_fd, buf, k, in);
				if (c == (ssize_t)k && pwrite(fd, buf, k, to) == (ssize_t)k) {
					in += c;
					to += c;
				} else {
					c = -1;
				}
			}
			if (c <= 0)
				return kl_error_set(err, c < 0 ? errno : EIO,
						    "copying %" PRIu64
						    " bytes of the dump disk at %" PRIu64
						    " to \"%s\"",
						    runs[i].length, runs[i].physical, out);
			left -= (uint64_t)c;
		}
	}
	if (fsync(fd) < 0)
		return kl_error_set(err, errno, "cannot fsync \"%s\"", out);
	return 0;
}

/* Copy only the data runs of the dump to the same offsets of the output drive. */
static int copy_extents(guestfs_h *g, const struct kl_extent *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (guestfs_copy_file_to_device(
			    g, "/" KL_DUMP_FILE, "/dev/sdb", GUESTFS_COPY_FILE_TO_DEVICE_SRCOFFSET,
			    (int64_t)runs[i].offset, GUESTFS_COPY_FILE_TO_DEVICE_DESTOFFSET,
			    (int64_t)runs[i].offset, GUESTFS_COPY_FILE_TO_DEVICE_SIZE,
			    (int64_t)runs[i].length, GUESTFS_COPY_FILE_TO_DEVICE_SPARSE, 1, -1) < 0)
			return -EIO;
	return 0;
}

/* ---- a pull in flight: the appliance launches in a thread, possibly while the guest runs ---- */

struct kl_pull {
	struct kl_pull_options o; /* its strings are the caller's (they outlive the pull) */
	char *tmpdir, *out, *manifest;
	int lock_fd; /* flock on <tmpdir>/owner.lock while the pull lives (kl_pull_reap) */
	struct stat st;
	bool device, out_created;
	guestfs_h *g;
	pthread_t thread;
	bool thread_started, joined;
	int launch_r, launch_errno;
	char *launch_error; /* libguestfs' words on a failed launch (its errors are per thread) */
	double launch_start, launch_seconds;
};

static void *launch_main(void *arg)
{
	struct kl_pull *p = arg;
	/* libguestfs keeps the error handler and the last error per thread: without this, the
	 * default handler would print a failed (or aborted) launch on stderr. */
	guestfs_set_error_handler(p->g, NULL, NULL);
	p->launch_r = launch_with_kernel(p->g, &p->o);
	p->launch_seconds = kl_now() - p->launch_start;
	if (p->launch_r < 0) {
		const char *m = guestfs_last_error(p->g);
		p->launch_error = strdup(m ? m : "unknown libguestfs error");
		p->launch_errno = guestfs_last_errno(p->g);
	}
	return NULL;
}

static void pull_free(struct kl_pull *p)
{
	if (!p)
		return;
	if (p->g)
		guestfs_close(p->g);
	if (p->tmpdir)
		(void)kl_rm_rf(p->tmpdir);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	free(p->tmpdir);
	free(p->out);
	free(p->manifest);
	free(p->launch_error);
	free(p);
}

int kl_pull_start(const struct kl_pull_options *o, struct kl_pull **ret, struct kl_error **err)
{
	if (!o->disk_path || !o->out_dir)
		return kl_error_usage(err, EINVAL, "dump disk \"%s\" and output directory \"%s\"",
				      o->disk_path ? o->disk_path : "(null)",
				      o->out_dir ? o->out_dir : "(null)");
	_cleanup_(kl_pull_abortp) struct kl_pull *p = calloc(1, sizeof(*p));
	if (!p)
		return kl_error_set(err, ENOMEM, "pull");
	p->o = *o;
	p->lock_fd = -1;
	if (stat(o->disk_path, &p->st) < 0)
		return kl_error_usage(err, errno, "dump disk \"%s\"", o->disk_path);
	if (access(o->out_dir, W_OK) < 0)
		return kl_error_usage(err, errno, "output directory \"%s\"", o->out_dir);
	/* supermin walks /lib/modules even when SUPERMIN_MODULES points elsewhere. */
	if (access("/lib/modules", F_OK) < 0)
		return kl_error_set(
			err, errno,
			"libguestfs's appliance builder needs the directory \"/lib/modules\" to exist");
	if (asprintf(&p->out, "%s/" KL_DUMP_FILE, o->out_dir) < 0 ||
	    asprintf(&p->manifest, "%s/" KL_MANIFEST_FILE, o->out_dir) < 0)
		return kl_error_set(err, ENOMEM, "pull");
	int r = kl_pull_dir_create(&p->tmpdir, &p->lock_fd, err);
	if (r < 0)
		return r;
	r = handle_setup(o, p->tmpdir, &p->g, err);
	if (r < 0)
		return r;
	/* Decided before launch: drives cannot be added later with the direct backend. */
	p->device = !o->force_download;
	if (p->device) {
		uint64_t out_size = ((uint64_t)p->st.st_size + 511) & ~(uint64_t)511;
		p->out_created = true; /* from here on, ours to remove on failure */
		r = add_output_drive(p->g, p->out, out_size, o->disk_path, err);
		if (r < 0)
			return r;
		r = kl_pull_dir_record_output(p->tmpdir, p->out, err);
		if (r < 0)
			return r;
	}
	p->launch_start = kl_now();
	if (pthread_create(&p->thread, NULL, launch_main, p) != 0)
		return kl_error_set(err, EAGAIN, "cannot start the appliance launch thread");
	p->thread_started = true;
	*ret = TAKE_PTR(p);
	return 0;
}

void kl_pull_abort(struct kl_pull *p)
{
	if (!p)
		return;
	if (p->thread_started && !p->joined) {
		/* A launch cannot be interrupted through libguestfs: stop its QEMU until it
		 * returns. */
		for (;;) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			kl_pull_kill_appliance(p->tmpdir);
			if (pthread_timedjoin_np(p->thread, NULL, &ts) == 0)
				break;
		}
		p->joined = true;
	}
	if (p->g) {
		guestfs_set_autosync(p->g, 0);
		guestfs_close(p->g);
		p->g = NULL;
	}
	if (p->out_created)
		unlink(p->out);
	pull_free(p);
}

/*
 * The early launch failed ("the appliance failed to start or crashed", seen twice in ~60 cells
 * under TCG with two guests running, never reproduced alone): once the guest has ended, launch
 * a fresh handle once more, in this thread, before calling it infra.
 */
static void relaunch(struct kl_pull *p)
{
	_cleanup_error_ struct kl_error *e = NULL;
	guestfs_close(p->g);
	p->g = NULL;
	p->launch_start = kl_now();
	int r = handle_setup(&p->o, p->tmpdir, &p->g, &e);
	if (r >= 0 && p->device) {
		uint64_t out_size = ((uint64_t)p->st.st_size + 511) & ~(uint64_t)511;
		r = add_output_drive(p->g, p->out, out_size, p->o.disk_path, &e);
	}
	if (r >= 0) {
		free(p->launch_error);
		p->launch_error = NULL;
		launch_main(p);
		return;
	}
	free(p->launch_error);
	p->launch_error = strdup(e && e->msg ? e->msg : "cannot set up the appliance again");
	p->launch_r = r;
}

static int finish_guarded(struct kl_pull *p, uint64_t expected_dump_size, double deadline_at,
			  struct kl_pull_result **ret, struct kl_error **err);

int kl_pull_finish(struct kl_pull *p, uint64_t expected_dump_size, double deadline_seconds,
		   struct kl_pull_result **ret, struct kl_error **err)
{
	struct kl_pull_watchdog w;
	_cleanup_error_ struct kl_error *e = NULL;
	p->o.deadline_seconds = deadline_seconds;
	if (kl_pull_watchdog_start(&w, p->tmpdir, deadline_seconds, p->o.interrupted) < 0) {
		kl_pull_abort(p);
		return kl_error_set(err, EAGAIN, "cannot start the pull watchdog");
	}
	double deadline_at = deadline_seconds > 0 ? kl_now() + deadline_seconds : 0;
	int r = finish_guarded(p, expected_dump_size, deadline_at, ret, &e);
	bool fired = kl_pull_watchdog_stop(&w);
	_cleanup_free_ char *disk = strdup(p->o.disk_path);
	if (r < 0 || fired)
		kl_pull_abort(p); /* joins the launch, removes a partial output */
	else
		pull_free(p);
	if (fired && r >= 0) {
		kl_pull_result_free(*ret);
		*ret = NULL;
	}
	if (w.interrupted || r == -EINTR)
		return kl_error_set(err, EINTR, "the pull of dump disk \"%s\" was interrupted",
				    disk ? disk : "?");
	if (fired)
		return kl_error_set(
			err, ETIMEDOUT,
			"the libguestfs appliance did not finish within %.0f s and was killed (disk \"%s\")",
			deadline_seconds, disk ? disk : "?");
	if (r < 0 && err && !*err)
		*err = TAKE_PTR(e);
	return r;
}

int kl_pull(const struct kl_pull_options *o, struct kl_pull_result **ret, struct kl_error **err)
{
	struct kl_pull *p = NULL;
	int r = kl_pull_start(o, &p, err);
	if (r < 0)
		return r;
	return kl_pull_finish(p, o->expected_dump_size, o->deadline_seconds, ret, err);
}

/*
 * Copy the manifest's first KL_PULL_SMALL_MAX bytes (a longer one arrives cut and fails its own
 * parser's size check). guestfs_download would copy whatever size the guest gave it.
 */
static int fetch_small(guestfs_h *g, const char *name, const char *to, const char *disk,
		       struct kl_error **err)
{
	int64_t size = guestfs_filesize(g, name);
	if (size < 0)
		return gerr(g, err, "cannot stat the manifest", disk);
	size_t want = size > KL_PULL_SMALL_MAX ? KL_PULL_SMALL_MAX : (size_t)size, got = 0;
	_cleanup_free_ char *data = want ? guestfs_pread(g, name, (int)want, 0, &got) : strdup("");
	if (!data)
		return gerr(g, err, "cannot read the manifest", disk);
	_cleanup_close_ int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, got) != (ssize_t)got)
		return kl_error_set(err, fd < 0 ? errno : EIO, "cannot write \"%s\"", to);
	return 0;
}

static int finish_guarded(struct kl_pull *p, uint64_t expected_dump_size, double deadline_at,
			  struct kl_pull_result **ret, struct kl_error **err)
{
	const struct kl_pull_options *o = &p->o;
	double t0 = kl_now();
	_cleanup_(kl_pull_result_freep) struct kl_pull_result *r = calloc(1, sizeof(*r));
	if (!r)
		return kl_error_set(err, ENOMEM, "pull");
	pthread_join(p->thread, NULL);
	p->joined = true;
	guestfs_h *g = p->g;
	char *out = p->out;
	bool device = p->device;
	struct stat st = p->st;
	if (p->launch_r < 0)
		relaunch(p);
	g = p->g;
	r->launch_seconds = p->launch_seconds;
	r->launch_wait_seconds = kl_now() - t0;
	if (p->launch_r < 0) {
		int code = p->launch_errno > 0 ? p->launch_errno : EIO;
		kl_error_set(
			err, code,
			"cannot launch the libguestfs appliance on dump disk \"%s\" (twice): %s",
			o->disk_path, p->launch_error ? p->launch_error : "?");
		return -code;
	}
	/* Launched while the guest still wrote the disk: the appliance's kernel may hold blocks of
	 * it read at boot (udev's probing). Drop them all before mounting; QEMU itself reads the
	 * image through the host page cache, which the guest's QEMU wrote through. */
	if (guestfs_blockdev_flushbufs(g, "/dev/sda") < 0 || guestfs_drop_caches(g, 3) < 0)
		return gerr(g, err, "cannot drop the appliance's caches", o->disk_path);

	uint64_t size = 0;
	int rr = inspect(g, o, r, &size, err);
	if (rr < 0)
		return rr;
	r->dump_size_mismatch = r->dump && expected_dump_size && size != expected_dump_size;
	/*
	 * A sparse file may claim any size, but no dump the saver writes is larger than the disk
	 * it wrote it to. Refused before a byte is copied: every copy below then writes at most
	 * the disk's size (the output drive and the block map are bounded by it too).
	 */
	if (r->dump && size > (uint64_t)st.st_size) {
		if (asprintf(&r->dump_refused,
			     "/" KL_DUMP_FILE " claims %" PRIu64
			     " bytes, more than the whole %" PRIu64 "-byte dump disk",
			     size, (uint64_t)st.st_size) < 0)
			return kl_error_set(err, ENOMEM, "pull");
	}
	bool pull_dump = r->dump && !r->dump_refused;

	double tt = kl_now();
	r->method = "none";
	_cleanup_free_ struct kl_block_run *blocks = NULL;
	size_t n_blocks = 0;
	_cleanup_close_ int disk_fd = open(o->disk_path, O_RDONLY | O_CLOEXEC);
	if (pull_dump && device && disk_fd >= 0 && !o->no_block_map) {
		n_blocks = load_blocks(g, disk_fd, size, (uint64_t)st.st_size, &blocks,
				       &r->block_map_rejected);
		if (n_blocks > 0) {
			r->method = "blocks";
			r->extents = n_blocks;
		}
	}
	if (pull_dump && device && n_blocks == 0) {
		_cleanup_free_ struct kl_extent *runs = calloc(KL_EXTENTS_MAX, sizeof(*runs));
		size_t n = runs ? read_extents(g, size, (uint64_t)st.st_size, runs) : 0;
		if (n > 0 && copy_extents(g, runs, n) == 0) {
			r->method = "extents";
			r->extents = n;
		} else if (guestfs_copy_file_to_device(g, "/" KL_DUMP_FILE, "/dev/sdb",
						       GUESTFS_COPY_FILE_TO_DEVICE_SPARSE, 1,
						       -1) == 0) {
			r->method = "device";
		} else {
			device = false; /* fall back below */
		}
	}
	if (pull_dump && !device) {
		unlink(out);
		/* Created here so a killed lab's partial download is found: guestfs_download
		 * truncates and writes this same inode. */
		_cleanup_close_ int ofd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (ofd < 0)
			return kl_error_set(err, errno, "cannot create \"%s\"", out);
		rr = kl_pull_dir_record_output(p->tmpdir, p->out, err);
		if (rr < 0) {
			unlink(out);
			return rr;
		}
		if (guestfs_download(g, "/" KL_DUMP_FILE, out) < 0) {
			unlink(out);
			return gerr(g, err, "cannot download /" KL_DUMP_FILE, o->disk_path);
		}
		r->method = "download";
	}
	if (r->manifest) {
		rr = fetch_small(g, "/" KL_MANIFEST_FILE, p->manifest, o->disk_path, err);
		if (rr < 0)
			return rr;
		r->manifest_path = strdup(p->manifest);
	}
	/* Shut down before touching the output: QEMU flushes the writable drive on exit. With the
	 * block map nothing was written to it and the disk is read-only, so the appliance is just
	 * stopped (no sync, no unmount: 0.4 s less). */
	if (n_blocks > 0) {
		guestfs_set_autosync(g, 0);
		guestfs_close(g);
		p->g = g = NULL;
	} else if (guestfs_shutdown(g) < 0) {
		return gerr(g, err, "cannot shut down the libguestfs appliance", o->disk_path);
	}
	if (n_blocks > 0) {
		rr = copy_blocks(o, deadline_at, disk_fd, out, blocks, n_blocks, err);
		if (rr < 0) {
			unlink(out);
			return rr;
		}
	}
	r->transfer_seconds = kl_now() - tt;

	if (!pull_dump) {
		unlink(out);
	} else {
		if (truncate(out, (off_t)size) < 0)
			return kl_error_set(err, errno,
					    "cannot truncate \"%s\" to %" PRIu64 " bytes", out,
					    size);
		struct stat ost;
		if (stat(out, &ost) < 0)
			return kl_error_set(err, errno, "cannot stat \"%s\"", out);
		r->dump_size = (uint64_t)ost.st_size;
		r->dump_allocated = (uint64_t)ost.st_blocks * 512;
		r->dump_path = strdup(out);
		if (!r->dump_path)
			return kl_error_set(err, ENOMEM, "pull");
	}
	r->seconds = kl_now() - t0;
	*ret = TAKE_PTR(r);
	return 0;
}
