/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kexec.h>

#include "fake.h"
#include "guest-report.h"
#include "guest-sys.h"
#include "kl-check.h"
#include "protocol.h"

struct fake fake;

static struct fake_call *record(const char *name, const char *path)
{
	ck_assert_uint_lt(fake.n_calls, FAKE_MAX_CALLS);
	struct fake_call *c = &fake.calls[fake.n_calls++];
	memset(c, 0, sizeof(*c));
	c->cpu = -1;
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (path) {
		size_t rl = strlen(fake.root);
		/* Every path the programs use must be under the root prefix. */
		ck_assert_msg(strncmp(path, fake.root, rl) == 0, "%s outside the fake root: %s",
			      name, path);
		snprintf(c->path, sizeof(c->path), "%s", path + rl);
	}
	return c;
}

static int f_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
		   const void *data)
{
	struct fake_call *c = record("mount", target);
	snprintf(c->data, sizeof(c->data), "%s %s", fstype, source);
	c->flags = flags;
	return fake.mount_result;
}

static int f_umount(const char *target)
{
	record("umount", target);
	return 0;
}

static int f_finit_module(int fd, const char *params, int flags)
{
	char link[64], target[512];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	struct fake_call *c = record("finit_module", target);
	c->flags = (unsigned long)flags;
	snprintf(c->data, sizeof(c->data), "%s", params);
	const char *base = strrchr(c->path, '/') + 1;
	if (fake.failing_module &&
	    strncmp(base, fake.failing_module, strlen(fake.failing_module)) == 0)
		return -ENOEXEC;
	if (fake.eexist_module &&
	    strncmp(base, fake.eexist_module, strlen(fake.eexist_module)) == 0)
		return -EEXIST;
	return 0;
}

static int f_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
			     const char *cmdline, unsigned long flags)
{
	struct fake_call *c = record("kexec_file_load", NULL);
	char k[64] = "", i[64] = "";
	/* The fds must be the capture kernel and initrd: check their contents. */
	ck_assert_int_gt(pread(kernel_fd, k, sizeof(k) - 1, 0), 0);
	ck_assert_int_gt(pread(initrd_fd, i, sizeof(i) - 1, 0), 0);
	snprintf(c->path, sizeof(c->path), "%s|%s", k, i);
	ck_assert_uint_eq(cmdline_len, strlen(cmdline) + 1);
	snprintf(c->data, sizeof(c->data), "%s", cmdline);
	c->flags = flags;
	if (fake.kexec_result == 0 && fake.crash_loaded_after)
		fake_write("/sys/kernel/kexec_crash_loaded", fake.crash_loaded_after);
	return fake.kexec_result;
}

static int f_write_ctl(const char *path, const void *buf, size_t len)
{
	struct fake_call *c = record("write_ctl", path);
	snprintf(c->data, sizeof(c->data), "%.*s", (int)len, (const char *)buf);
	return 0;
}

static int f_sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set)
{
	struct fake_call *c = record("sched_setaffinity", NULL);
	ck_assert_int_eq(CPU_COUNT_S(size, set), 1);
	for (int i = 0; i < 1024; i++)
		if (CPU_ISSET_S(i, size, set))
			c->cpu = i;
	return 0;
}

/* Run the child inline: its lines and calls are recorded like the parent's. */
static int f_spawn_wait(int (*fn)(void *arg), void *arg, int *ret_status)
{
	record("spawn", NULL);
	*ret_status = fn(arg);
	return 0;
}

static void f_sync(void)
{
	record("sync", NULL);
}

static int f_reboot(int cmd)
{
	record("reboot", NULL)->flags = (unsigned long)cmd;
	return 0;
}

static void f_sleep_ms(unsigned ms)
{
	record("sleep", NULL)->flags = ms;
	if (fake.sleep_escape && fake_count_calls("sleep") >= fake.sleep_escape_after)
		longjmp(*fake.sleep_escape, 1);
}

void fake_setup(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.crash_loaded_after = "1";
	snprintf(fake.root, sizeof(fake.root), "/tmp/kdumplab-guest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fake.root));
	char console[300];
	snprintf(console, sizeof(console), "%s.console", fake.root);
	fake.console_fd = open(console, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fake.console_fd, 0);
	unlink(console);

	kl_root = fake.root;
	kl_console_fd = fake.console_fd;
	kl_sys = (struct kl_sys){
		.mount = f_mount,
		.umount = f_umount,
		.finit_module = f_finit_module,
		.kexec_file_load = f_kexec_file_load,
		.write_ctl = f_write_ctl,
		.sched_setaffinity = f_sched_setaffinity,
		.spawn_wait = f_spawn_wait,
		.sync = f_sync,
		.reboot = f_reboot,
		.sleep_ms = f_sleep_ms,
	};
}

void fake_teardown(void)
{
	char cmd[400];
	kl_sys_reset();
	kl_console_fd = -1;
	close(fake.console_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake.root);
	ck_assert_int_eq(system(cmd), 0);
}

static void full_path(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s%s", fake.root, path);
}

void fake_mkdir(const char *path)
{
	char full[600];
	full_path(full, sizeof(full), path);
	for (char *p = full + strlen(fake.root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(full, 0755);
			*p = '/';
		}
	mkdir(full, 0755);
}

void fake_write_bytes(const char *path, const void *buf, size_t len)
{
	char full[600], dir[600];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (dir[0])
		fake_mkdir(dir);
	full_path(full, sizeof(full), path);
	int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

void fake_write(const char *path, const char *text)
{
	fake_write_bytes(path, text, strlen(text));
}

char *fake_read(const char *path, size_t *ret_len)
{
	char full[600];
	full_path(full, sizeof(full), path);
	FILE *f = fopen(full, "rb");
	if (!f)
		return NULL;
	char *buf = kl_check_read_all(f, ret_len);
	fclose(f);
	return buf;
}

int fake_exists(const char *path)
{
	char full[600];
	struct stat st;
	full_path(full, sizeof(full), path);
	return stat(full, &st) == 0;
}

static char console_buf[1 << 20];

const char *fake_console(void)
{
	ssize_t n = pread(fake.console_fd, console_buf, sizeof(console_buf) - 1, 0);
	ck_assert_int_ge(n, 0);
	console_buf[n] = '\0';
	return console_buf;
}

static char line_buf[8192];

static const char *nth_line(const char *phase, unsigned *count, unsigned want)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), KL_PROTO_PREFIX "phase=%s", phase);
	*count = 0;
	for (const char *l = fake_console(); *l;) {
		size_t len = strcspn(l, "\n");
		size_t pl = strlen(prefix);
		if (len >= pl && strncmp(l, prefix, pl) == 0 && (len == pl || l[pl] == ' ')) {
			if ((*count)++ == want) {
				snprintf(line_buf, sizeof(line_buf), "%.*s", (int)len, l);
				return line_buf;
			}
		}
		l += len + (l[len] == '\n');
	}
	return NULL;
}

const char *fake_line(const char *phase)
{
	unsigned count;
	return nth_line(phase, &count, 0);
}

unsigned fake_count_lines(const char *phase)
{
	unsigned count;
	nth_line(phase, &count, ~0u);
	return count;
}

const char *fake_field(const char *line, const char *key)
{
	static char val[4096];
	char pat[80];
	if (!line)
		return NULL;
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	snprintf(val, sizeof(val), "%.*s", (int)strcspn(p, " "), p);
	ck_assert_int_ge(kl_value_decode(val), 0);
	return val;
}

const struct fake_call *fake_call(const char *name, unsigned nth)
{
	for (unsigned i = 0; i < fake.n_calls; i++)
		if (strcmp(fake.calls[i].name, name) == 0 && nth-- == 0)
			return &fake.calls[i];
	return NULL;
}

unsigned fake_count_calls(const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < fake.n_calls; i++)
		n += strcmp(fake.calls[i].name, name) == 0;
	return n;
}

void fake_system_guest(const char *cmdline)
{
	fake_write("/proc/cmdline", cmdline);
	fake_write("/proc/sys/kernel/kptr_restrict", "1\n");
	fake_write("/proc/sys/kernel/random/boot_id", "0b7f5a0e-1111-2222-3333-444455556666\n");
	fake_write("/sys/devices/system/cpu/online", "0-3\n");
	fake_write("/sys/kernel/kexec_crash_size", "201326592\n");
	fake_write("/sys/kernel/kexec_crash_loaded", "0\n");
	fake_write("/proc/iomem", "00000000-00000fff : Reserved\n"
				  "00001000-0009fbff : System RAM\n"
				  "000a0000-000bffff : PCI Bus 0000:00\n"
				  "00100000-3ffdcfff : System RAM\n"
				  "  19000000-1a001fff : Kernel code\n"
				  "  2c000000-37ffffff : Crash kernel\n"
				  "3ffdd000-3fffffff : Reserved\n"
				  "100000000-13fffffff : System RAM\n"
				  "  100000000-1000fffff : Some driver\n");
	fake_write("/proc/kallsyms", "0000000000000000 A fixed_percpu_data\n"
				     "ffffffff81000000 T _text\n"
				     "ffffffff81000000 T _stext\n"
				     "ffffffff82a00000 D init_uts_ns\n"
				     "ffffffff82a10000 d prb\n"
				     "ffffffff83000000 B _end\n"
				     "ffffffffc0000000 t prb\t[fake_module]\n");
	fake_write("/capture/vmlinuz", "KERNEL-IMAGE");
	fake_write("/capture/initrd.img", "INITRD-IMAGE");
	fake_mkdir("/dev");
}
