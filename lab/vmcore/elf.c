/* SPDX-License-Identifier: MIT */
/*
 * The ELF header and program headers of a dump. We read the ELF header ourselves and
 * bound every count in it (e_phnum, e_shnum, and their extended-numbering values in
 * section 0) against the file size and KL_DUMP_PHNUM_MAX; libelf then reads the program
 * headers from a copy that has only those (elf_memory), never from the file.
 *
 * Sections: a vmcore has none. A section header table is refused (check elf.sections,
 * an error) except the single SHT_NULL section 0 of extended numbering; it is never read
 * beyond section 0 and never reaches libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "bytes.h"
#include "dump.h"

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
	free(d->hdr_image);
	free(d->sections_error);
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

/* The ELF header as the file has it (little-endian, checked by ident_ok). */
static void decode_ehdr(const unsigned char *b, GElf_Ehdr *e)
{
	memcpy(e->e_ident, b, EI_NIDENT);
	e->e_type = kl_le16(b + 16);
	e->e_machine = kl_le16(b + 18);
	e->e_version = kl_le32(b + 20);
	e->e_entry = kl_le64(b + 24);
	e->e_phoff = kl_le64(b + 32);
	e->e_shoff = kl_le64(b + 40);
	e->e_flags = kl_le32(b + 48);
	e->e_ehsize = kl_le16(b + 52);
	e->e_phentsize = kl_le16(b + 54);
	e->e_phnum = kl_le16(b + 56);
	e->e_shentsize = kl_le16(b + 58);
	e->e_shnum = kl_le16(b + 60);
	e->e_shstrndx = kl_le16(b + 62);
}

static void load_ehdr(struct kl_dump *d)
{
	unsigned char b[sizeof(Elf64_Ehdr)];

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
	/* Read by us, not by elf_begin(): libelf sizes its section array from e_shnum (or
	 * section 0's sh_size) before anyone can check it (2 M sections cost 400 MB). */
	ssize_t n = kl_pread_full(d->fd, b, sizeof(b), 0);
	if (n != (ssize_t)sizeof(b)) {
		d->ehdr_error = kl_strdupf("cannot read the ELF header: %s",
					   n < 0 ? strerror((int)-n) : "file shrank");
		return;
	}
	decode_ehdr(b, &d->ehdr);
	d->have_ehdr = true;
}

/* Section 0 and the section count (extended numbering: ELF gABI "Section Header Table"):
 * read only to learn the real counts; the sections themselves are never read. */
static void load_sections(struct kl_dump *d)
{
	const GElf_Ehdr *e = &d->ehdr;
	unsigned char b[sizeof(Elf64_Shdr)];

	d->shnum = e->e_shnum;
	if (e->e_shoff == 0) {
		if (e->e_shnum != 0 || e->e_phnum == PN_XNUM)
			d->sections_error = kl_strdupf(
				"e_shoff is 0 but e_shnum is %u and e_phnum %#x: expected no section header table (e_shnum 0) and e_phnum below PN_XNUM",
				e->e_shnum, e->e_phnum);
		return;
	}
	if (e->e_shentsize != sizeof(Elf64_Shdr) || e->e_shoff > d->size ||
	    d->size - e->e_shoff < sizeof(b)) {
		d->sections_error = kl_strdupf("section header table at e_shoff %" PRIu64
					       " (e_shentsize %u) is not inside the %" PRIu64
					       "-byte file; a vmcore has no sections",
					       (uint64_t)e->e_shoff, e->e_shentsize, d->size);
		return;
	}
	ssize_t n = kl_pread_full(d->fd, b, sizeof(b), (off_t)e->e_shoff);
	if (n != (ssize_t)sizeof(b)) {
		d->sections_error = kl_strdupf("cannot read section 0 at e_shoff %" PRIu64,
					       (uint64_t)e->e_shoff);
		return;
	}
	GElf_Shdr *s = &d->shdr0;
	s->sh_name = kl_le32(b);
	s->sh_type = kl_le32(b + 4);
	s->sh_flags = kl_le64(b + 8);
	s->sh_addr = kl_le64(b + 16);
	s->sh_offset = kl_le64(b + 24);
	s->sh_size = kl_le64(b + 32);
	s->sh_link = kl_le32(b + 40);
	s->sh_info = kl_le32(b + 44);
	s->sh_addralign = kl_le64(b + 48);
	s->sh_entsize = kl_le64(b + 56);
	d->have_shdr0 = true;
	if (e->e_shnum == 0)
		d->shnum = s->sh_size;
	/* Linux (fs/binfmt_elf.c fill_extnum_info) and QEMU write exactly this for PN_XNUM:
	 * one SHT_NULL section whose sh_info holds the program header count. */
	if (e->e_phnum == PN_XNUM && d->shnum == 1 && s->sh_type == SHT_NULL)
		return;
	d->sections_error = kl_strdupf(
		"section header table at e_shoff %" PRIu64 " claims %" PRIu64
		" sections (e_shnum %u, section 0 sh_size %" PRIu64
		"); a vmcore has none (only a PN_XNUM dump may have its SHT_NULL section 0); they are not read",
		(uint64_t)e->e_shoff, d->shnum, e->e_shnum, (uint64_t)s->sh_size);
}

/* The program header count: e_phnum, or section 0's sh_info under PN_XNUM. */
static int phdr_count(struct kl_dump *d, uint64_t *ret)
{
	const GElf_Ehdr *e = &d->ehdr;
	if (e->e_phnum != PN_XNUM) {
		*ret = e->e_phnum;
		return 0;
	}
	if (!d->have_shdr0) {
		d->phdrs_error = kl_strdupf("e_phnum is PN_XNUM (extended numbering) but section 0 "
					    "is not readable at e_shoff %" PRIu64,
					    (uint64_t)e->e_shoff);
		return -EBADMSG;
	}
	*ret = d->shdr0.sh_info;
	return 0;
}

/*
 * libelf over a copy: the ELF header with e_phoff 64, no section header table, and the
 * bounded program header table after it (plus a section 0 carrying the count when it is
 * PN_XNUM or more, as the gABI says).
 */
static int open_image(struct kl_dump *d, uint64_t n, const unsigned char *table)
{
	size_t tlen = (size_t)n * sizeof(Elf64_Phdr), shoff = sizeof(Elf64_Ehdr) + tlen;
	bool xnum = n >= PN_XNUM;
	size_t len = shoff + (xnum ? sizeof(Elf64_Shdr) : 0);
	Elf64_Ehdr eh;

	d->hdr_image = calloc(1, len);
	if (!d->hdr_image)
		return -ENOMEM;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, d->ident, EI_NIDENT);
	eh.e_type = htole16((uint16_t)d->ehdr.e_type);
	eh.e_machine = htole16((uint16_t)d->ehdr.e_machine);
	eh.e_version = htole32(EV_CURRENT);
	eh.e_phoff = htole64(sizeof(Elf64_Ehdr));
	eh.e_ehsize = htole16(sizeof(Elf64_Ehdr));
	eh.e_phentsize = htole16(sizeof(Elf64_Phdr));
	eh.e_phnum = htole16(xnum ? PN_XNUM : (uint16_t)n);
	if (xnum) {
		Elf64_Shdr sh = { .sh_type = SHT_NULL, .sh_size = htole64(1) };
		sh.sh_info = htole32((uint32_t)n);
		eh.e_shoff = htole64(shoff);
		eh.e_shentsize = htole16(sizeof(Elf64_Shdr));
		eh.e_shnum = htole16(1);
		memcpy(d->hdr_image + shoff, &sh, sizeof(sh));
	}
	memcpy(d->hdr_image, &eh, sizeof(eh));
	memcpy(d->hdr_image + sizeof(eh), table, tlen);
	d->elf = elf_memory((char *)d->hdr_image, len);
	return d->elf ? 0 : -EBADMSG;
}

static void load_phdrs(struct kl_dump *d)
{
	const GElf_Ehdr *e = &d->ehdr;
	uint64_t n, table;

	if (e->e_phentsize != sizeof(Elf64_Phdr)) {
		d->phdrs_error = kl_strdupf("e_phentsize is %u, expected %zu", e->e_phentsize,
					    sizeof(Elf64_Phdr));
		return;
	}
	if (phdr_count(d, &n) < 0)
		return;
	if (n > KL_DUMP_PHNUM_MAX) {
		d->phdrs_error = kl_strdupf("%" PRIu64 " program headers%s, expected at most %u", n,
					    e->e_phnum == PN_XNUM ? " (section 0's sh_info)" : "",
					    KL_DUMP_PHNUM_MAX);
		return;
	}
	table = n * sizeof(Elf64_Phdr);
	if (e->e_phoff > d->size || table > d->size - e->e_phoff) {
		d->phdrs_error = kl_strdupf("program header table (e_phoff %" PRIu64 ", %" PRIu64
					    " entries) ends past the file size %" PRIu64,
					    (uint64_t)e->e_phoff, n, d->size);
		return;
	}
	_cleanup_free_ unsigned char *buf = malloc(table ? table : 1);
	if (!buf) {
		d->phdrs_error = kl_strdupf("out of memory for %" PRIu64 " program headers", n);
		return;
	}
	ssize_t got = kl_pread_full(d->fd, buf, table, (off_t)e->e_phoff);
	if (got != (ssize_t)table) {
		d->phdrs_error = kl_strdupf("cannot read the program header table");
		return;
	}
	if (open_image(d, n, buf) < 0) {
		d->phdrs_error =
			kl_strdupf("libelf cannot open the program headers: %s", elf_errmsg(-1));
		return;
	}
	size_t cnt;
	if (elf_kind(d->elf) != ELF_K_ELF || elf_getphdrnum(d->elf, &cnt) < 0 || cnt != n) {
		d->phdrs_error =
			kl_strdupf("libelf cannot count program headers: %s", elf_errmsg(-1));
		return;
	}
	d->phdrs = calloc(n ? n : 1, sizeof(*d->phdrs));
	if (!d->phdrs) {
		d->phdrs_error = kl_strdupf("out of memory for %" PRIu64 " program headers", n);
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

	if (!d)
		return kl_error_set(err, ENOMEM, "opening dump \"%s\"", path);
	d->fd = -1;
	d->note_index = -1;
	d->path = strdup(path);
	if (!d->path)
		return kl_error_set(err, ENOMEM, "opening dump \"%s\"", path);
	int r = kl_open_regular(path, "dump", &d->fd, &d->size, err);
	if (r < 0)
		return r;

	ssize_t n = kl_pread_full(d->fd, d->ident, EI_NIDENT, 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading dump \"%s\"", path);
	d->ident_len = (size_t)n;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return kl_error_set(err, ENOTSUP, "libelf refuses ELF version %d", EV_CURRENT);
	load_ehdr(d);
	if (d->have_ehdr) {
		load_sections(d);
		load_phdrs(d);
	}
	*ret = TAKE_PTR(d);
	return 0;
}
