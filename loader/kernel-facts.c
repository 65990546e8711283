/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest-report.h"
#include "guest-util.h"
#include "kernel-facts.h"

static int parse_hex(const char **p, uint64_t *ret)
{
	char *end;
	if (!isxdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*ret = strtoull(*p, &end, 16);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

/* "  00100000-bffdffff : System RAM" → depth 1, start, end, name. */
static int iomem_line(const char *line, size_t len, unsigned *depth, uint64_t *start, uint64_t *end,
		      const char **name, size_t *name_len)
{
	const char *p = line, *stop = line + len;
	size_t spaces = 0;

	while (p < stop && *p == ' ') {
		p++;
		spaces++;
	}
	if (parse_hex(&p, start) < 0 || p >= stop || *p++ != '-' || parse_hex(&p, end) < 0)
		return -EINVAL;
	if (stop - p < 3 || memcmp(p, " : ", 3) != 0 || *end < *start)
		return -EINVAL;
	*depth = (unsigned)(spaces / 2);
	*name = p + 3;
	*name_len = (size_t)(stop - *name);
	return 0;
}

static int name_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

size_t loader_iomem_parse(const char *text, struct loader_iomem_range *ranges, size_t max)
{
	size_t n = 0;

	for (const char *line = text; *line && n < max;) {
		size_t len = strcspn(line, "\n");
		unsigned depth;
		uint64_t start, end;
		const char *name;
		size_t name_len;

		if (iomem_line(line, len, &depth, &start, &end, &name, &name_len) == 0) {
			if (depth == 0 && name_is(name, name_len, "System RAM"))
				ranges[n++] =
					(struct loader_iomem_range){ LOADER_IOMEM_RAM, start, end };
			else if (name_is(name, name_len, "Crash kernel"))
				ranges[n++] = (struct loader_iomem_range){ LOADER_IOMEM_CRASH,
									   start, end };
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return n;
}

const char *const loader_kallsyms_names[LOADER_KALLSYMS_COUNT] = {
	"_text", "_stext", "_end", "init_uts_ns", "prb",
};

/* "ffffffff81000000 T _text" (module symbols carry a trailing "\t[mod]": never ours). */
static void kallsyms_line(const char *line, size_t len, uint64_t addrs[], unsigned *found)
{
	const char *p = line, *stop = line + len;
	uint64_t addr;

	if (parse_hex(&p, &addr) < 0 || stop - p < 4 || p[0] != ' ' || p[2] != ' ')
		return;
	const char *name = p + 3;
	for (unsigned i = 0; i < LOADER_KALLSYMS_COUNT; i++)
		if (addrs[i] == 0 &&
		    name_is(name, (size_t)(stop - name), loader_kallsyms_names[i])) {
			addrs[i] = addr;
			(*found)++;
		}
}

int loader_kallsyms_read(const char *path, uint64_t addrs[LOADER_KALLSYMS_COUNT])
{
	char full[KL_PATH_MAX], buf[65536];
	_cleanup_close_ int fd = open(kl_path(full, sizeof(full), path), O_RDONLY | O_CLOEXEC);
	size_t have = 0;
	unsigned found = 0;

	memset(addrs, 0, sizeof(uint64_t) * LOADER_KALLSYMS_COUNT);
	if (fd < 0)
		return -errno;
	/* Stream it: kallsyms is megabytes, and _end sits near the end of the core symbols. */
	while (found < LOADER_KALLSYMS_COUNT) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		have += (size_t)n;
		size_t off = 0;
		for (char *nl; (nl = memchr(buf + off, '\n', have - off));
		     off = (size_t)(nl - buf) + 1)
			kallsyms_line(buf + off, (size_t)(nl - (buf + off)), addrs, &found);
		/* A line longer than the buffer is dropped rather than split. */
		if (off == 0 && have == sizeof(buf))
			off = have;
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	return 0;
}

static void report_facts(const struct loader_facts *f, const char *cpus_list)
{
	struct utsname u;
	char boot_id[64] = "";
	struct kl_line l;

	uname(&u);
	(void)kl_read_file("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	kl_line_begin(&l, "facts");
	kl_line_add(&l, "uname_r", u.release);
	kl_line_add(&l, "uname_v", u.version);
	kl_line_add(&l, "nodename", u.nodename);
	kl_line_add(&l, "machine", u.machine);
	kl_line_addf(&l, "cpus_online", "%u", f->cpus_online);
	kl_line_add(&l, "cpus_list", cpus_list);
	kl_line_addf(&l, "page_size", "%ld", sysconf(_SC_PAGESIZE));
	kl_line_addf(&l, "kexec_crash_size", "%llu", (unsigned long long)f->crash_size);
	if (boot_id[0])
		kl_line_add(&l, "boot_id", boot_id);
	kl_line_emit(&l);
}

static void report_iomem(const struct loader_facts *f)
{
	for (size_t i = 0; i < f->n_ranges; i++) {
		const struct loader_iomem_range *r = &f->ranges[i];
		struct kl_line l;
		kl_line_begin(&l, "iomem");
		kl_line_add(&l, "type", r->type == LOADER_IOMEM_RAM ? "ram" : "crash");
		kl_line_addf(&l, "start", "0x%llx", (unsigned long long)r->start);
		kl_line_addf(&l, "end", "0x%llx", (unsigned long long)r->end);
		kl_line_emit(&l);
	}
}

static void report_kallsyms(void)
{
	uint64_t addrs[LOADER_KALLSYMS_COUNT];
	struct kl_line l;

	(void)loader_kallsyms_read("/proc/kallsyms", addrs);
	kl_line_begin(&l, "kallsyms");
	for (unsigned i = 0; i < LOADER_KALLSYMS_COUNT; i++)
		if (addrs[i])
			kl_line_addf(&l, loader_kallsyms_names[i], "0x%llx",
				     (unsigned long long)addrs[i]);
	kl_line_emit(&l);
}

int loader_report_facts(struct loader_facts *ret)
{
	static char iomem[1 << 16];
	char cpus_list[1024];
	int r;

	r = kl_read_file("/sys/devices/system/cpu/online", cpus_list, sizeof(cpus_list));
	if (r < 0)
		return kl_report_error("facts", r, "read /sys/devices/system/cpu/online");
	r = kl_cpulist_parse(cpus_list, &ret->cpus_online, &ret->cpu_highest);
	if (r < 0)
		return kl_report_error(
			"facts", r,
			"/sys/devices/system/cpu/online holds '%s', expected a CPU list like 0-3",
			cpus_list);
	r = kl_read_u64("/sys/kernel/kexec_crash_size", &ret->crash_size);
	if (r < 0)
		return kl_report_error(
			"facts", r,
			"read /sys/kernel/kexec_crash_size (a kernel without CONFIG_KEXEC_CORE?)");
	r = kl_read_file("/proc/iomem", iomem, sizeof(iomem));
	if (r < 0)
		return kl_report_error("facts", r, "read /proc/iomem");
	ret->n_ranges = loader_iomem_parse(iomem, ret->ranges, LOADER_IOMEM_MAX);

	report_facts(ret, cpus_list);
	report_iomem(ret);
	report_kallsyms();
	return 0;
}
