/* SPDX-License-Identifier: MIT */
/*
 * One transient domain and its serial console.
 *
 * The console is drained by a stream callback on libvirt's event loop thread into a buffer that
 * grows as needed up to KL_CONBUF_MAX unread bytes (conbuf.h: past that, while the reader lags,
 * the guest's bytes are dropped and one note marks the gap), so a guest never blocks on a full PTY
 * while the caller is busy, and a reader waits on a condition variable (no polling: the 2 host
 * cores run TCG guests).
 *
 * Local connections: QEMU writes the console to a file we tail. It cannot be told to stop at a
 * size, so once the reader is past the cap (KL_CONSOLE_LOG_MAX) the blocks it has read beyond it
 * are punched out (the file is sparse there), and when the domain is gone the file is cut at the
 * cap and ends with caplog.h's note.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caplog.h"
#include "conbuf.h"
#include "connection.h"
#include "emergency.h"
#include "owner.h"
#include "proc.h"
#include "virt-error.h"

/* Shared by the kl_vm and the stream callback; the last of the two to let go frees it. */
struct console {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;
	virStreamPtr st;
	struct kl_conbuf buf; /* bounded: conbuf.h */
	bool ended;	      /* EOF or stream error: nothing more will come */
	bool watching;	      /* the event callback is registered */
};

struct kl_vm {
	struct kl_virt_child child; /* on virt's list while virt is set */
	struct kl_virt *virt;	    /* NULL once the connection was closed */
	virDomainPtr dom;
	char *name;
	pid_t pid;
	struct console *console;
	int console_fd; /* console_file mode: the file QEMU writes, else -1 */
	uint64_t console_max, console_read, console_punched; /* console_file mode */
	char *destroy_note; /* what the last kl_vm_destroy() had to do, or NULL */
};

static bool lost(struct kl_vm *vm)
{
	return vm->virt && kl_virt_lost(vm->virt);
}

static void console_unref(void *opaque)
{
	struct console *c = opaque;
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (c->st)
		virStreamFree(c->st);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	kl_conbuf_done(&c->buf);
	free(c);
}

static void console_event(virStreamPtr st, int events, void *opaque)
{
	struct console *c = opaque;
	char tmp[16384];
	bool stop = false;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		int n = virStreamRecv(st, tmp, sizeof(tmp));
		if (n > 0) {
			kl_conbuf_append(&c->buf, tmp, (size_t)n);
			continue;
		}
		if (n == -2 && !(events & (VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR)))
			break; /* drained */
		/* 0 is EOF; -1 is how a PTY whose QEMU exited ends (EIO): both end the console. */
		virResetLastError();
		c->ended = true;
		stop = c->watching;
		c->watching = false;
		break;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (stop) {
		virStreamEventRemoveCallback(st);
		virResetLastError();
	}
}

static int console_open(struct kl_vm *vm, virConnectPtr conn, struct kl_error **err)
{
	struct console *c = calloc(1, sizeof(*c));
	if (!c)
		return kl_error_set(err, ENOMEM, "console of \"%s\"", vm->name);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&c->lock, NULL);
	c->refs = 1;
	vm->console = c;

	c->st = virStreamNew(conn, VIR_STREAM_NONBLOCK);
	if (!c->st)
		return kl_virt_error(err, "cannot create a console stream for \"%s\"", vm->name);
	if (virDomainOpenConsole(vm->dom, NULL, c->st, 0) < 0)
		return kl_virt_error(err, "cannot open the console of \"%s\"", vm->name);
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL); /* the callback's reference */
	c->watching = true;
	if (virStreamEventAddCallback(c->st,
				      VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
					      VIR_STREAM_EVENT_HANGUP,
				      console_event, c, console_unref) < 0) {
		c->watching = false;
		__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
		return kl_virt_error(err, "cannot watch the console of \"%s\"", vm->name);
	}
	return 0;
}

static void console_close(struct console *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	bool stop = c->watching;
	c->watching = false;
	c->ended = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (stop)
		virStreamEventRemoveCallback(c->st); /* drops the callback's reference later */
	if (c->st)
		virStreamAbort(c->st);
	virResetLastError();
	console_unref(c);
}

/* What was read past the cap gives its blocks back (the file keeps its size, QEMU its offset). */
static ssize_t console_file_consumed(struct kl_vm *vm, ssize_t n)
{
	if (n <= 0)
		return n;
	vm->console_read += (uint64_t)n;
	uint64_t from =
		vm->console_punched > vm->console_max ? vm->console_punched : vm->console_max;
	/* A MiB at a time: punching every small read would cost more than it saves. */
	if (vm->console_read > from + (1 << 20) &&
	    fallocate(vm->console_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from,
		      (off_t)(vm->console_read - from)) == 0)
		vm->console_punched = vm->console_read;
	return n;
}

/* The domain is gone: a console file past the cap is cut there and ends with the note. */
static void console_file_finish(struct kl_vm *vm)
{
	struct stat st;
	if (vm->console_fd < 0 || fstat(vm->console_fd, &st) < 0 ||
	    (uint64_t)st.st_size <= vm->console_max)
		return;
	char note[96];
	int k = snprintf(note, sizeof(note), KL_CONSOLE_LOG_CUT,
			 (unsigned long long)vm->console_max);
	if (ftruncate(vm->console_fd, (off_t)vm->console_max) == 0 && k > 0)
		(void)!pwrite(vm->console_fd, note, (size_t)k, (off_t)vm->console_max);
}

/* Tail the console file: data, or 0 after timeout_ms, or -EPIPE once the domain ended and
 * everything it wrote was read. */
static ssize_t read_console_file(struct kl_vm *vm, char *buf, size_t len, int timeout_ms)
{
	for (int waited = 0;; waited += 50) {
		ssize_t n = read(vm->console_fd, buf, len);
		if (n > 0)
			return console_file_consumed(vm, n);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		bool running = true;
		int r = kl_vm_is_running(vm, &running, NULL);
		if (r == -ECONNRESET)
			return r;
		if (r == 0 && !running) {
			n = read(vm->console_fd, buf, len); /* what it wrote before it ended */
			return n > 0 ? console_file_consumed(vm, n) : -EPIPE;
		}
		if (waited >= timeout_ms)
			return 0;
		usleep(50 * 1000);
	}
}

ssize_t kl_vm_read_console(struct kl_vm *vm, char *buf, size_t len, int timeout_ms)
{
	if (vm->console_fd >= 0)
		return read_console_file(vm, buf, len, timeout_ms);
	struct console *c = vm->console;
	if (!c)
		return -ENOTCONN;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}

	pthread_mutex_lock(&c->lock);
	while (kl_conbuf_unread(&c->buf) == 0 && !c->ended) {
		int r = timeout_ms < 0 ? pthread_cond_wait(&c->cond, &c->lock)
				       : pthread_cond_timedwait(&c->cond, &c->lock, &deadline);
		if (r == ETIMEDOUT)
			break;
	}
	ssize_t n;
	if (kl_conbuf_unread(&c->buf) > 0) {
		n = (ssize_t)kl_conbuf_take(&c->buf, buf, len);
	} else {
		n = c->ended ? -EPIPE : 0;
	}
	pthread_mutex_unlock(&c->lock);
	/* A stream also ends when the connection under it drops: not the domain's end. */
	if (n == -EPIPE && lost(vm))
		return -ECONNRESET;
	return n;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

/* SIGKILL the QEMU and wait (up to ~2 s) until it is gone. */
static bool kill_qemu(pid_t pid)
{
	if (kill(pid, SIGKILL) < 0 && errno == ESRCH)
		return true;
	for (int i = 0; i < 100; i++) {
		if (kl_proc_gone(pid))
			return true; /* gone, or a zombie: dead, its parent reaps it */
		usleep(20 * 1000);
	}
	return false;
}

int kl_vm_destroy(struct kl_vm *vm)
{
	if (!vm || !vm->dom)
		return 0;
	char why[512] = "";
	if (lost(vm)) {
		snprintf(why, sizeof(why), "the libvirt connection was lost");
	} else if (virDomainDestroy(vm->dom) < 0) {
		int code = kl_virt_last_error_code();
		/* Already gone (transient domains vanish when they end) or not running: done. */
		if (code != VIR_ERR_NO_DOMAIN && code != VIR_ERR_OPERATION_INVALID)
			snprintf(why, sizeof(why), "%s", virGetLastErrorMessage());
		virResetLastError();
	}
	int r = 0;
	if (why[0]) {
		/* libvirt could not: the guest still runs unless its QEMU is killed here. */
		bool killed = vm->pid > 0 && kill_qemu(vm->pid);
		free(vm->destroy_note);
		if (asprintf(
			    &vm->destroy_note,
			    killed ? "destroying domain \"%s\" failed (%s); its QEMU (pid %d) was "
				     "killed instead"
				   : "destroying domain \"%s\" failed (%s); it may still run (QEMU "
				     "pid %d)",
			    vm->name, why, (int)vm->pid) < 0)
			vm->destroy_note = NULL;
		r = killed ? 0 : -EIO;
	}
	if (r == 0) {
		kl_emergency_forget(vm->pid);
		vm->pid = 0;
	}
	return r;
}

const char *kl_vm_destroy_note(const struct kl_vm *vm)
{
	return vm ? vm->destroy_note : NULL;
}

/* kl_virt_child.end: destroy, and forget the connection (which unlinks us). */
static void vm_end(struct kl_virt_child *c)
{
	struct kl_vm *vm = (struct kl_vm *)((char *)c - offsetof(struct kl_vm, child));
	kl_vm_destroy(vm);
	vm->virt = NULL;
}

void kl_vm_free(struct kl_vm *vm)
{
	if (!vm)
		return;
	if (vm->virt) {
		kl_virt_child_end(vm->virt, &vm->child);
	} else {
		kl_vm_destroy(vm);
	}
	console_close(vm->console);
	console_file_finish(vm);
	if (vm->console_fd >= 0)
		close(vm->console_fd);
	if (vm->dom)
		virDomainFree(vm->dom);
	free(vm->name);
	free(vm->destroy_note);
	free(vm);
}

int kl_vm_start(struct kl_virt *v, const struct kl_domain_config *c, struct kl_vm **ret,
		struct kl_error **err)
{
	struct kl_domain_config cc = *c;
	if (!cc.owner)
		cc.owner = kl_self_owner();
	_cleanup_free_ char *xml = NULL;
	int r = kl_domain_xml(&cc, &xml, err);
	if (r < 0)
		return r;

	_cleanup_(kl_vm_freep) struct kl_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return kl_error_set(err, ENOMEM, "domain \"%s\"", c->name);
	vm->child.end = vm_end;
	vm->console_fd = -1;
	vm->console_max = c->console_max ? c->console_max : KL_CONSOLE_LOG_MAX;
	if (!(vm->name = strdup(c->name)))
		return kl_error_set(err, ENOMEM, "domain \"%s\"", c->name);
	if (c->console_file) {
		/* Ours to create (empty), so reading starts at the guest's first byte. */
		vm->console_fd =
			open(c->console_file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (vm->console_fd < 0)
			return kl_error_set(err, errno, "cannot create the console file \"%s\"",
					    c->console_file);
	}
	bool stream = !c->no_console && !c->console_file;

	/* Paused: the console must be open before the guest prints its first byte. Without a
	 * console there is nothing to wait for (and the test driver cannot start paused). */
	vm->dom = virDomainCreateXML(kl_virt_conn(v), xml, stream ? VIR_DOMAIN_START_PAUSED : 0);
	if (!vm->dom)
		return kl_virt_error(err, "cannot start domain \"%s\"", c->name);
	vm->virt = v;
	kl_virt_child_add(v, &vm->child);

	if (kl_virt_is_local(v)) {
		const char *type = virConnectGetType(kl_virt_conn(v));
		if (type && streq(type, "QEMU")) {
			vm->pid = kl_find_qemu_pid(vm->name, kl_virt_embed_root(v));
			kl_emergency_add(vm->pid);
		}
		virResetLastError();
	}

	if (stream) {
		r = console_open(vm, kl_virt_conn(v), err);
		if (r < 0)
			return r;
	}
	if (stream && virDomainResume(vm->dom) < 0)
		return kl_virt_error(err, "cannot resume domain \"%s\"", c->name);
	kl_virt_caps_export(v);
	*ret = TAKE_PTR(vm);
	return 0;
}

const char *kl_vm_name(const struct kl_vm *vm)
{
	return vm->name;
}

pid_t kl_vm_pid(const struct kl_vm *vm)
{
	return vm->pid;
}

int kl_vm_is_running(struct kl_vm *vm, bool *ret_running, struct kl_error **err)
{
	int state = VIR_DOMAIN_NOSTATE, reason = 0;
	if (lost(vm))
		return kl_error_set(err, ECONNRESET, "the libvirt connection to \"%s\" was lost",
				    kl_virt_uri(vm->virt));
	if (virDomainGetState(vm->dom, &state, &reason, 0) < 0) {
		if (kl_virt_last_error_code() == VIR_ERR_NO_DOMAIN) {
			virResetLastError();
			*ret_running = false;
			return 0;
		}
		if (lost(vm)) {
			virResetLastError();
			return kl_error_set(err, ECONNRESET,
					    "the libvirt connection to \"%s\" was lost",
					    kl_virt_uri(vm->virt));
		}
		return kl_virt_error(err, "cannot get the state of domain \"%s\"", vm->name);
	}
	*ret_running = state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_CRASHED &&
		       state != VIR_DOMAIN_NOSTATE;
	return 0;
}

int kl_vm_inject_nmi(struct kl_vm *vm, struct kl_error **err)
{
	if (virDomainInjectNMI(vm->dom, 0) < 0)
		return kl_virt_error(err, "cannot inject an NMI into domain \"%s\"", vm->name);
	return 0;
}

int kl_vm_wait_ended(struct kl_vm *vm, int timeout_ms, bool *ret_ended, struct kl_error **err)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool running;
		int r = kl_vm_is_running(vm, &running, err);
		if (r < 0)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (!running || ms >= timeout_ms) {
			*ret_ended = !running;
			return 0;
		}
		/* libvirt notices QEMU's exit through its monitor a little after the console EOF. */
		usleep(20 * 1000);
	}
}
