/* SPDX-License-Identifier: MIT */
/* The ELF header and program headers of a dump, through libelf, sizes checked first. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "macro.h"

char *kl_strdupf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Returns the bytes read (short only at end of file) or -errno. */
void kl_dump_free(struct kl_dump *d)
{
	if (!d)
		return;
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d->ehdr_error);
	free(d->phdrs);
	free(d->phdrs_error);
	free(d->note_buf);
	free(d->note_seg_error);
	free(d->notes);
	free(d->notes_error);
	kl_vmcoreinfo_free(d->vmcoreinfo);
	free(d->vmcoreinfo_error);
	free(d);
}

static bool ident_ok(const struct kl_dump *d)
{
	return d->ident_len == EI_NIDENT && !memcmp(d->ident, ELFMAG, SELFMAG) &&
	       d->ident[EI_CLASS] == ELFCLASS64 && d->ident[EI_DATA] == ELFDATA2LSB &&
	       d->ident[EI_VERSION] == EV_CURRENT;
}

static void load_ehdr(struct kl_dump *d)
{
	if (d->size < sizeof(Elf64_Ehdr)) {
		d->ehdr_error =
			kl_strdupf("file is %" PRIu64 " bytes, shorter than an ELF64 header (%zu)",
				   d->size, sizeof(Elf64_Ehdr));
		return;
	}
	if (!ident_ok(d)) {
		d->ehdr_error = kl_strdupf("e_ident is not ELF64 little-endian version 1");
		return;
	}
	/* ELF_C_READ reads headers on demand with pread: a multi-GiB dump is never mapped. */
	d->elf = elf_begin(d->fd, ELF_C_READ, NULL);
	if (!d->elf || elf_kind(d->elf) != ELF_K_ELF) {
		d->ehdr_error = kl_strdupf("libelf cannot open it: %s", elf_errmsg(-1));
		return;
	}
	if (!gelf_getehdr(d->elf, &d->ehdr)) {
		d->ehdr_error = kl_strdupf("libelf cannot read the ELF header: %s", elf_errmsg(-1));
		return;
	}
	d->have_ehdr = true;
}

static void load_phdrs(struct kl_dump *d)
{
	const GElf_Ehdr *e = &d->ehdr;
	uint64_t table;

	if (e->e_phentsize != sizeof(Elf64_Phdr)) {
		d->phdrs_error = kl_strdupf("e_phentsize is %u, expected %zu", e->e_phentsize,
					    sizeof(Elf64_Phdr));
		return;
	}
	if (e->e_phnum == PN_XNUM) {
		d->phdrs_error =
			kl_strdupf("e_phnum is PN_XNUM (extended numbering), which no vmcore uses");
		return;
	}
	table = (uint64_t)e->e_phnum * sizeof(Elf64_Phdr);
	if (e->e_phoff > d->size || table > d->size - e->e_phoff) {
		d->phdrs_error = kl_strdupf("program header table (e_phoff %" PRIu64
					    ", %u entries) ends past the file size %" PRIu64,
					    (uint64_t)e->e_phoff, e->e_phnum, d->size);
		return;
	}
	size_t n;
	if (elf_getphdrnum(d->elf, &n) < 0 || n != e->e_phnum) {
		d->phdrs_error =
			kl_strdupf("libelf cannot count program headers: %s", elf_errmsg(-1));
		return;
	}
	d->phdrs = calloc(n ? n : 1, sizeof(*d->phdrs));
	if (!d->phdrs) {
		d->phdrs_error = kl_strdupf("out of memory for %zu program headers", n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!gelf_getphdr(d->elf, (int)i, &d->phdrs[i])) {
			d->phdrs_error = kl_strdupf("libelf cannot read program header %zu: %s", i,
						    elf_errmsg(-1));
			return;
		}
	d->n_phdrs = n;
	d->have_phdrs = true;
}

int kl_dump_open(const char *path, struct kl_dump **ret, struct kl_error **err)
{
	_cleanup_(kl_dump_freep) struct kl_dump *d = calloc(1, sizeof(*d));
	struct stat st;

	if (!d)
		return kl_error_set(err, ENOMEM, "opening dump \"%s\"", path);
	d->fd = -1;
	d->note_index = -1;
	d->path = strdup(path);
	if (!d->path)
		return kl_error_set(err, ENOMEM, "opening dump \"%s\"", path);
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0)
		return kl_error_set(err, errno, "opening dump \"%s\"", path);
	if (fstat(d->fd, &st) < 0)
		return kl_error_set(err, errno, "stat dump \"%s\"", path);
	if (!S_ISREG(st.st_mode))
		return kl_error_set(err, EINVAL, "dump \"%s\" is not a regular file", path);
	d->size = (uint64_t)st.st_size;

	ssize_t n = kl_pread_full(d->fd, d->ident, EI_NIDENT, 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading dump \"%s\"", path);
	d->ident_len = (size_t)n;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return kl_error_set(err, ENOTSUP, "libelf refuses ELF version %d", EV_CURRENT);
	load_ehdr(d);
	if (d->have_ehdr)
		load_phdrs(d);
	*ret = TAKE_PTR(d);
	return 0;
}
