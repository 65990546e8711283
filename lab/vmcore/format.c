/* SPDX-License-Identifier: MIT */
/*
 * The dump-format table: for each format, its probe, its memory reader and the loader of the
 * headers the checks read. Adding a format is one row of kl_dump_formats[] plus its own file.
 *
 * Formats are detected from the first bytes of a dump. The signatures are makedumpfile's
 * (diskdump_mod.h KDUMP_SIGNATURE / DISK_DUMP_SIGNATURE, makedumpfile.h
 * MAKEDUMPFILE_SIGNATURE); the raw-vs-makedumpfile ELF rule is the one layout.c applies:
 * makedumpfile -E writes the notes right after the program headers, /proc/vmcore at their
 * page-rounded end (fs/proc/vmcore.c).
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "checks.h"
#include "dump.h"
#include "flat.h"
#include "format.h"
#include "kdump.h"
#include "mem.h"

static bool is_makedumpfile_elf(const unsigned char *head, size_t len)
{
	Elf64_Ehdr e;
	Elf64_Phdr p;

	if (len < sizeof(e) || head[EI_CLASS] != ELFCLASS64 || head[EI_DATA] != ELFDATA2LSB)
		return false;
	memcpy(&e, head, sizeof(e));
	uint64_t phoff = le64toh(e.e_phoff), phnum = le16toh(e.e_phnum);
	if (le16toh(e.e_phentsize) != sizeof(p) || phnum == 0 || phoff > len ||
	    phnum * sizeof(p) > len - phoff)
		return false;
	memcpy(&p, head + phoff, sizeof(p));
	if (le32toh(p.p_type) != PT_NOTE)
		return false;
	uint64_t end = sizeof(e) + phnum * sizeof(p);
	return le64toh(p.p_offset) == end && end % KL_KDUMP_PAGE_SIZE_MIN != 0;
}

static bool elf_probe(const unsigned char *head, size_t len)
{
	return len >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG) && !is_makedumpfile_elf(head, len);
}

static bool makedumpfile_elf_probe(const unsigned char *head, size_t len)
{
	return len >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG) && is_makedumpfile_elf(head, len);
}

static bool kdump_probe(const unsigned char *head, size_t len)
{
	return len >= KL_KDUMP_SIG_LEN && !memcmp(head, KL_KDUMP_SIGNATURE, KL_KDUMP_SIG_LEN);
}

static bool diskdump_probe(const unsigned char *head, size_t len)
{
	return len >= KL_KDUMP_SIG_LEN && !memcmp(head, KL_DISKDUMP_SIGNATURE, KL_KDUMP_SIG_LEN);
}

/* ---- loaders of the headers the checks read ---- */

static int elf_load(struct kl_check_ctx *c, const char *path, struct kl_error **err)
{
	int r = kl_dump_open(path, &c->d, err);
	if (r < 0)
		return r;
	r = kl_dump_load_notes(c->d, err);
	if (r < 0)
		return r;
	kl_dump_load_vmcoreinfo(c->d);
	c->fd = c->d->fd;
	c->size = c->d->size;
	/* From the whole program header table, not the probe's first bytes (layout.c). */
	c->makedumpfile_elf = kl_layout_is_makedumpfile_elf(c->d);
	c->layout = c->makedumpfile_elf ? "makedumpfile-elf" : "proc-vmcore";
	return 0;
}

static int elf_check_mem(struct kl_check_ctx *c, struct kl_mem **ret, struct kl_error **err)
{
	*ret = NULL;
	return c->d->have_vmcoreinfo ? kl_dump_mem_new(c->d, false, ret, err) : 0;
}

static int kdump_load(struct kl_check_ctx *c, const char *path, struct kl_error **err)
{
	int r = kl_kdump_open(path, &c->stop, &c->k, err);
	if (r < 0)
		return r;
	c->d = c->k->notes; /* the notes as a struct kl_dump: NULL when out of bounds */
	c->fd = c->k->fd;
	c->size = c->k->size;
	c->layout = "kdump";
	return 0;
}

static int kdump_check_mem(struct kl_check_ctx *c, struct kl_mem **ret, struct kl_error **err)
{
	*ret = NULL;
	if (!c->d || !c->d->have_vmcoreinfo || !c->k->have_index)
		return 0; /* the stage's own check names the cause */
	return kl_kdump_mem_new(c->k, false, ret, err);
}

/* ---- flattened: reassembled, then read as what it holds ---- */

static int flat_open_mem(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
			 struct kl_error **err)
{
	_cleanup_(kl_flat_info_done) struct kl_flat_info info = { 0 };
	_cleanup_close_ int fd = -1;
	char inner[64];
	unsigned char head[KL_MEM_PROBE_BYTES];

	int r = kl_flat_reassemble_tmp(path, NULL, &fd, &info, err);
	if (r < 0)
		return r;
	if (info.header_error || info.records_error || !info.ended)
		return kl_error_set(err, EBADMSG, "flattened stream unusable: %s",
				    info.header_error	 ? info.header_error
				    : info.records_error ? info.records_error
							 : "no end record");
	ssize_t n = kl_pread_full(fd, head, sizeof(head), 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the reassembled dump");
	/* The backend opens its own descriptor of the unlinked file; ours closes after. */
	snprintf(inner, sizeof(inner), "/proc/self/fd/%d", fd);
	const struct kl_dump_format *f = &kl_dump_formats[kl_dump_format_probe(head, (size_t)n)];
	if (!f->open_mem || f->reassemble)
		return kl_error_set(
			err, EBADMSG,
			"the reassembled flattened stream is neither kdump-compressed nor ELF");
	return f->open_mem(inner, ret, ret_vi, err);
}

/* Indexed by id; probes claim disjoint sets of files, so their order does not matter. */
const struct kl_dump_format kl_dump_formats[KL_DUMP_FORMAT_N] = {
	[KL_DUMP_FORMAT_UNKNOWN] = {
		.id = KL_DUMP_FORMAT_UNKNOWN,
		.name = "unknown",
		.description = "unknown",
	},
	[KL_DUMP_FORMAT_ELF] = {
		.id = KL_DUMP_FORMAT_ELF,
		.name = "elf",
		.description = "ELF core, /proc/vmcore layout",
		.probe = elf_probe,
		.open_mem = kl_dump_open_mem,
		.load = elf_load,
		.check_mem = elf_check_mem,
	},
	[KL_DUMP_FORMAT_MAKEDUMPFILE_ELF] = {
		.id = KL_DUMP_FORMAT_MAKEDUMPFILE_ELF,
		.name = "makedumpfile-elf",
		.description = "ELF core written by makedumpfile -E (notes right after the program headers)",
		.probe = makedumpfile_elf_probe,
		.open_mem = kl_dump_open_mem,
		.load = elf_load,
		.check_mem = elf_check_mem,
	},
	[KL_DUMP_FORMAT_KDUMP] = {
		.id = KL_DUMP_FORMAT_KDUMP,
		.name = "kdump",
		.description = "kdump-compressed (\"KDUMP   \" header)",
		.probe = kdump_probe,
		.open_mem = kl_kdump_open_mem,
		.load = kdump_load,
		.check_mem = kdump_check_mem,
	},
	[KL_DUMP_FORMAT_DISKDUMP] = {
		/* Recognised so that kdump.signature says what it is; its memory is not read. */
		.id = KL_DUMP_FORMAT_DISKDUMP,
		.name = "diskdump",
		.description = "old diskdump (\"DISKDUMP\" header)",
		.probe = diskdump_probe,
		.load = kdump_load,
		.check_mem = kdump_check_mem,
	},
	[KL_DUMP_FORMAT_FLAT] = {
		.id = KL_DUMP_FORMAT_FLAT,
		.name = "flat",
		.description = "makedumpfile flattened stream (\"makedumpfile\" header)",
		.probe = kl_flat_probe,
		.open_mem = flat_open_mem,
		.reassemble = kl_flat_reassemble_tmp,
	},
};

const char *kl_dump_format_name(enum kl_dump_format_id f)
{
	return f < KL_DUMP_FORMAT_N ? kl_dump_formats[f].name : "unknown";
}

enum kl_dump_format_id kl_dump_format_probe(const unsigned char *head, size_t len)
{
	for (size_t i = 0; i < KL_DUMP_FORMAT_N; i++)
		if (kl_dump_formats[i].probe && kl_dump_formats[i].probe(head, len))
			return kl_dump_formats[i].id;
	return KL_DUMP_FORMAT_UNKNOWN;
}

int kl_dump_format_detect(const char *path, enum kl_dump_format_id *ret, struct kl_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ unsigned char *head = malloc(KL_DUMP_FORMAT_PROBE_BYTES);

	if (!head)
		return kl_error_set(err, ENOMEM, "reading the start of \"%s\"", path);
	if (fd < 0)
		return kl_error_set(err, errno, "opening dump \"%s\"", path);
	ssize_t n = kl_pread_full(fd, head, KL_DUMP_FORMAT_PROBE_BYTES, 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the start of \"%s\"", path);
	*ret = kl_dump_format_probe(head, (size_t)n);
	return 0;
}

int kl_mem_open(const char *path, struct kl_mem **ret, struct kl_vmcoreinfo **ret_vi,
		const char **ret_format, struct kl_error **err)
{
	unsigned char head[KL_MEM_PROBE_BYTES];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "opening dump \"%s\"", path);
	ssize_t n = kl_pread_full(fd, head, sizeof(head), 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading dump \"%s\"", path);
	const struct kl_dump_format *f = &kl_dump_formats[kl_dump_format_probe(head, (size_t)n)];
	if (!f->open_mem)
		return kl_error_set(
			err, EPROTONOSUPPORT,
			"\"%s\" is not a dump format kdumplab reads (ELF, kdump-compressed, flattened)",
			path);
	int r = f->open_mem(path, ret, ret_vi, err);
	if (r < 0)
		return kl_error_wrap(err, "reading \"%s\" as %s", path, f->name);
	if (ret_format)
		*ret_format = f->name;
	return 0;
}
