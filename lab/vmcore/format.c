/* SPDX-License-Identifier: MIT */
/*
 * Format detection from the first bytes of a dump. The signatures are makedumpfile's
 * (diskdump_mod.h KDUMP_SIGNATURE / DISK_DUMP_SIGNATURE, makedumpfile.h
 * MAKEDUMPFILE_SIGNATURE); the raw-vs-makedumpfile ELF rule is the one layout.c applies:
 * makedumpfile -E writes the notes right after the program headers, /proc/vmcore at their
 * page-rounded end (fs/proc/vmcore.c).
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "base/macro.h"
#include "dump.h"
#include "flat.h"
#include "format.h"
#include "kdump.h"

const char *kl_dump_format_name(enum kl_dump_format f)
{
	switch (f) {
	case KL_DUMP_FORMAT_ELF:
		return "elf";
	case KL_DUMP_FORMAT_MAKEDUMPFILE_ELF:
		return "makedumpfile-elf";
	case KL_DUMP_FORMAT_KDUMP:
		return "kdump";
	case KL_DUMP_FORMAT_DISKDUMP:
		return "diskdump";
	case KL_DUMP_FORMAT_FLAT:
		return "flat";
	default:
		return "unknown";
	}
}

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

enum kl_dump_format kl_dump_format_probe(const unsigned char *head, size_t len)
{
	if (len >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG))
		return is_makedumpfile_elf(head, len) ? KL_DUMP_FORMAT_MAKEDUMPFILE_ELF
						      : KL_DUMP_FORMAT_ELF;
	if (len >= KL_KDUMP_SIG_LEN && !memcmp(head, KL_KDUMP_SIGNATURE, KL_KDUMP_SIG_LEN))
		return KL_DUMP_FORMAT_KDUMP;
	if (len >= KL_KDUMP_SIG_LEN && !memcmp(head, KL_DISKDUMP_SIGNATURE, KL_KDUMP_SIG_LEN))
		return KL_DUMP_FORMAT_DISKDUMP;
	if (kl_flat_probe(head, len))
		return KL_DUMP_FORMAT_FLAT;
	return KL_DUMP_FORMAT_UNKNOWN;
}

int kl_dump_format_detect(const char *path, enum kl_dump_format *ret, struct kl_error **err)
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
