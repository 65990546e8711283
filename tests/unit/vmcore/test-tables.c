/* SPDX-License-Identifier: MIT */
/*
 * The extension tables of lab/vmcore: the dump-format table (format.c) and the check table
 * (checks-table.c). Every row is well formed, the probes claim disjoint sets of files, and
 * the one check list yields, for each format, exactly the ids and order reports have always
 * had (results.json and `kdumplab compare` key on them).
 */
#include "kl-check.h"
#include <elf.h>
#include <string.h>

#include "base/macro.h"
#include "vmcore/checks.h"
#include "vmcore/format.h"
#include "vmcore/kdump.h"

/* clang-format off */
/* The ids every dump format ends with: the kernel behind the memory, then the manifest. */
#define KERNEL_IDS "dmesg.parse", "crash.trigger-pid", "crash.uts", "crash.nonce", \
	"crash.signature", "crash.cpu-pid", "manifest.size", "manifest.hash", NULL

/* The ids a raw ELF dump has always had, in order (kl_vmcore_validate(): no format.detect). */
static const char *const elf_ids[] = {
	"elf.ident", "elf.type", "elf.machine", "elf.header", "elf.flags", "elf.sections",
	"phdr.count", "phdr.note-first", "phdr.types", "phdr.note-bounds", "phdr.note-layout",
	"phdr.note-align", "phdr.load-bounds", "phdr.load-align", "phdr.load-filesz",
	"phdr.load-order", "phdr.file-size", "notes.parse", "notes.vmcoreinfo",
	"notes.prstatus-size", "notes.prstatus-count", "vmcoreinfo.parse", "vmcoreinfo.osrelease",
	"vmcoreinfo.pagesize", "vmcoreinfo.crashtime", "vmcoreinfo.crashtime-window",
	"vmcoreinfo.build-id", "vmcoreinfo.keys", "vmcoreinfo.symbols", "load.kernel-text",
	"load.ram", "load.direct-map", "load.ram-count", "mem.translate", KERNEL_IDS
};

/* ... and a kdump-compressed one. */
static const char *const kdump_ids[] = {
	"kdump.signature", "kdump.header", "kdump.block-size", "kdump.compression",
	"kdump.incomplete", "kdump.decompressor", "kdump.sub-header", "kdump.split", "kdump.notes",
	"notes.parse", "notes.vmcoreinfo", "notes.prstatus-size", "notes.prstatus-count",
	"kdump.nr-cpus", "kdump.vmcoreinfo", "vmcoreinfo.parse", "vmcoreinfo.osrelease",
	"vmcoreinfo.pagesize", "vmcoreinfo.crashtime", "vmcoreinfo.crashtime-window",
	"kdump.timestamp", "kdump.utsname", "kdump.bitmap-size", "kdump.bitmap-subset",
	"kdump.descs", "kdump.desc-order", "kdump.pages", "kdump.eraseinfo", KERNEL_IDS
};

static const char *const warnings[] = { "phdr.note-align", "vmcoreinfo.crashtime-window",
	"load.direct-map", "load.ram-count", "kdump.decompressor", "kdump.desc-order", NULL };
/* clang-format on */

/* The rows a validation made of `formats` runs, in order, against prefix + want. */
static void assert_ids(unsigned formats, const char *const *prefix, const char *const *want)
{
	size_t n = 0, p = 0;
	for (size_t i = 0; i < kl_n_checks; i++) {
		if (!(kl_checks[i].formats & formats))
			continue;
		const char *w = prefix && prefix[p] ? prefix[p++] : want[n++];
		ck_assert_msg(w, "extra check %s for formats %#x", kl_checks[i].id, formats);
		ck_assert_str_eq(kl_checks[i].id, w);
	}
	ck_assert_msg(!want[n], "check %s missing for formats %#x", want[n], formats);
}

START_TEST(check_order_per_format)
{
	static const char *const detect[] = { "format.detect", NULL };
	static const char *const flat[] = { "format.detect", "flat.header", "flat.records", NULL };
	static const char *const none[] = { NULL };
	for (enum kl_dump_format_id f = KL_DUMP_FORMAT_ELF; f <= KL_DUMP_FORMAT_MAKEDUMPFILE_ELF;
	     f++) {
		assert_ids(KL_CHECK_FMT(f), NULL, elf_ids);
		assert_ids(KL_CHECK_FMT(f) | KL_CHECK_DETECTED, detect, elf_ids);
		assert_ids(KL_CHECK_FMT(f) | KL_CHECK_DETECTED | KL_CHECK_FLAT, flat, elf_ids);
	}
	for (enum kl_dump_format_id f = KL_DUMP_FORMAT_KDUMP; f <= KL_DUMP_FORMAT_DISKDUMP; f++) {
		assert_ids(KL_CHECK_FMT(f) | KL_CHECK_DETECTED, detect, kdump_ids);
		assert_ids(KL_CHECK_FMT(f) | KL_CHECK_DETECTED | KL_CHECK_FLAT, flat, kdump_ids);
	}
	/* unknown content: only format.detect; a flat file with none: format.detect, flat.* */
	assert_ids(KL_CHECK_FMT(KL_DUMP_FORMAT_UNKNOWN) | KL_CHECK_DETECTED, detect, none);
	assert_ids(KL_CHECK_DETECTED | KL_CHECK_FLAT, flat, none);
	/* kl_vmcore_check_ids() is the ELF list */
	const char *const *ids = kl_vmcore_check_ids();
	for (size_t i = 0; elf_ids[i] || ids[i]; i++) {
		ck_assert_ptr_nonnull(ids[i]);
		ck_assert_ptr_nonnull(elf_ids[i]);
		ck_assert_str_eq(ids[i], elf_ids[i]);
	}
}
END_TEST

START_TEST(check_rows_well_formed)
{
	const unsigned known_needs = (KL_NEED_LOG << 1) - 1;
	const unsigned known_formats = KL_CHECK_DUMP | KL_CHECK_FLAT | KL_CHECK_DETECTED;
	ck_assert_uint_le(kl_n_checks, KL_CHECKS_MAX);
	for (size_t i = 0; i < kl_n_checks; i++) {
		const struct kl_check *k = &kl_checks[i];
		ck_assert_ptr_nonnull(k->id);
		ck_assert_msg(k->run, "%s has no function", k->id);
		ck_assert_msg(k->formats && !(k->formats & ~known_formats), "%s: formats %#x",
			      k->id, k->formats);
		ck_assert_msg(!(k->needs & ~known_needs), "%s: needs %#x", k->id, k->needs);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(!streq(kl_checks[j].id, k->id), "%s listed twice", k->id);
		bool warning = false;
		for (size_t j = 0; warnings[j]; j++)
			warning |= streq(warnings[j], k->id);
		ck_assert_int_eq(k->severity, warning ? KL_SEVERITY_WARNING : KL_SEVERITY_ERROR);
	}
}
END_TEST

START_TEST(format_rows_well_formed)
{
	for (size_t i = 0; i < KL_DUMP_FORMAT_N; i++) {
		const struct kl_dump_format *f = &kl_dump_formats[i];
		ck_assert_int_eq(f->id, i);
		ck_assert_ptr_nonnull(f->name);
		ck_assert_ptr_nonnull(f->description);
		ck_assert_str_eq(kl_dump_format_name(f->id), f->name);
		if (f->id == KL_DUMP_FORMAT_UNKNOWN)
			continue;
		ck_assert_msg(f->probe, "%s has no probe", f->name);
		/* a content format has a loader (and memory for the kernel checks), a container
		 * reassembles: never both */
		ck_assert_msg(!f->load != !f->reassemble, "%s: load xor reassemble", f->name);
		ck_assert_msg(!f->load == !f->check_mem, "%s: load and check_mem", f->name);
	}
	ck_assert_str_eq(kl_dump_format_name(KL_DUMP_FORMAT_N), "unknown");
	/* the old diskdump facility is recognised for kdump.signature, its memory never read */
	ck_assert_ptr_null(kl_dump_formats[KL_DUMP_FORMAT_DISKDUMP].open_mem);
	ck_assert_ptr_nonnull(kl_dump_formats[KL_DUMP_FORMAT_FLAT].open_mem);
}
END_TEST

/* An ELF64 core header with one PT_NOTE at note_off, right after the header + 2 phdrs. */
static void elf_head(unsigned char *h, size_t len, uint64_t note_off)
{
	Elf64_Ehdr e = { .e_type = ET_CORE,
			 .e_machine = EM_X86_64,
			 .e_version = EV_CURRENT,
			 .e_phoff = sizeof(Elf64_Ehdr),
			 .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr),
			 .e_phnum = 2 };
	Elf64_Phdr p = { .p_type = PT_NOTE, .p_offset = note_off };
	memset(h, 0, len);
	memcpy(e.e_ident, ELFMAG, SELFMAG);
	e.e_ident[EI_CLASS] = ELFCLASS64;
	e.e_ident[EI_DATA] = ELFDATA2LSB;
	e.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(h, &e, sizeof(e));
	memcpy(h + sizeof(e), &p, sizeof(p));
}

START_TEST(probes_are_disjoint)
{
	static unsigned char h[KL_DUMP_FORMAT_N + 1][4096];
	const enum kl_dump_format_id want[] = {
		KL_DUMP_FORMAT_ELF,   KL_DUMP_FORMAT_MAKEDUMPFILE_ELF,
		KL_DUMP_FORMAT_KDUMP, KL_DUMP_FORMAT_DISKDUMP,
		KL_DUMP_FORMAT_FLAT,  KL_DUMP_FORMAT_UNKNOWN,
	};
	elf_head(h[0], sizeof(h[0]), 4096);
	elf_head(h[1], sizeof(h[1]), sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr));
	memcpy(h[2], KL_KDUMP_SIGNATURE, KL_KDUMP_SIG_LEN);
	memcpy(h[3], KL_DISKDUMP_SIGNATURE, KL_KDUMP_SIG_LEN);
	memcpy(h[4], "makedumpfile", 12);
	memcpy(h[5], "not a dump", 10);
	for (size_t s = 0; s < ELEMENTSOF(want); s++) {
		size_t claims = 0;
		for (size_t i = 0; i < KL_DUMP_FORMAT_N; i++) {
			const struct kl_dump_format *f = &kl_dump_formats[i];
			if (f->probe && f->probe(h[s], sizeof(h[s]))) {
				claims++;
				ck_assert_msg(f->id == want[s], "sample %zu claimed by %s", s,
					      f->name);
			}
		}
		ck_assert_uint_eq(claims, want[s] != KL_DUMP_FORMAT_UNKNOWN);
		ck_assert_int_eq(kl_dump_format_probe(h[s], sizeof(h[s])), want[s]);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { check_order_per_format, check_rows_well_formed,
				       format_rows_well_formed, probes_are_disjoint };
	return kl_check_main("tables", 0, tests, KL_CHECK_N(tests));
}
