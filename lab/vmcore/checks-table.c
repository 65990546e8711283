/* SPDX-License-Identifier: MIT */
/*
 * The one list of checks, in report order, run by validate.c over a dump of any format.
 * Each row: a stable id, a severity, the formats it applies to (a validation runs the rows
 * whose mask shares a bit with what it is made of: its format, a flattened container, and
 * whether the format was detected), the loading stages it needs (a check whose stage is
 * missing is skipped; the check that owns the stage has failed and says why), and a
 * function that compares and writes a message naming both values. The format-independent
 * rows (notes.*, vmcoreinfo.*, dmesg.parse, crash.*, manifest.*) keep one id across formats
 * so reports compare. Invariant numbers refer to shared/reference/vmcore-invariants.md.
 * Severity is error unless a row says W (a warning: reported, never fails the dump). Adding
 * a check is one row here plus its function.
 */
#include "base/macro.h"
#include "checks.h"

#define W	 KL_SEVERITY_WARNING
#define ALL	 KL_CHECK_DUMP
#define ELF	 KL_CHECK_ELF
#define KDUMP	 KL_CHECK_KDUMP
#define FLAT	 KL_CHECK_FLAT
#define DETECTED KL_CHECK_DETECTED
/* stages (enum kl_check_need) */
#define EHDR		KL_NEED_EHDR
#define PHDRS		KL_NEED_PHDRS
#define HEADER		KL_NEED_HEADER
#define BLOCK		KL_NEED_BLOCK
#define SUB		KL_NEED_SUB
#define NOTE_BYTES	KL_NEED_NOTE_BYTES
#define NOTES		KL_NEED_NOTES
#define VMCOREINFO_NOTE KL_NEED_VMCOREINFO_NOTE
#define VMCOREINFO	KL_NEED_VMCOREINFO
#define LAYOUT		KL_NEED_LAYOUT
#define INDEX		KL_NEED_INDEX
#define MEM		KL_NEED_MEM
#define LOG		KL_NEED_LOG

/* One row per check: */
/* clang-format off */
const struct kl_check kl_checks[] = {
	/* what the file is, and the flattened container around it */
	{ .id = "format.detect", .formats = DETECTED, .run = kl_check_format_detect },
	{ .id = "flat.header", .formats = FLAT, .run = kl_check_flat_header },
	{ .id = "flat.records", .formats = FLAT, .run = kl_check_flat_records },
	/* kdump-compressed: disk_dump_header, sub-header (40, 41, 43, 44) */
	{ .id = "kdump.signature", .formats = KDUMP, .run = kl_check_kdump_signature },
	{ .id = "kdump.header", .formats = KDUMP, .run = kl_check_kdump_header },
	{ .id = "kdump.block-size", .formats = KDUMP, .needs = HEADER, .run = kl_check_kdump_block_size },
	{ .id = "kdump.compression", .formats = KDUMP, .needs = HEADER, .run = kl_check_kdump_compression },
	{ .id = "kdump.incomplete", .formats = KDUMP, .needs = HEADER, .run = kl_check_kdump_incomplete },
	{ .id = "kdump.decompressor", .formats = KDUMP, .needs = HEADER, .severity = W, .run = kl_check_kdump_decompressor },
	{ .id = "kdump.sub-header", .formats = KDUMP, .needs = BLOCK, .run = kl_check_kdump_sub_header },
	{ .id = "kdump.split", .formats = KDUMP, .needs = SUB, .run = kl_check_kdump_split },
	{ .id = "kdump.notes", .formats = KDUMP, .needs = SUB, .run = kl_check_kdump_notes },
	/* ELF: header (6, 9) and program headers (6-8, 10-13) */
	{ .id = "elf.ident", .formats = ELF, .run = kl_check_elf_ident },
	{ .id = "elf.type", .formats = ELF, .needs = EHDR, .run = kl_check_elf_type },
	{ .id = "elf.machine", .formats = ELF, .needs = EHDR, .run = kl_check_elf_machine },
	{ .id = "elf.header", .formats = ELF, .needs = EHDR, .run = kl_check_elf_header },
	{ .id = "elf.flags", .formats = ELF, .needs = EHDR, .run = kl_check_elf_flags },
	{ .id = "elf.sections", .formats = ELF, .needs = EHDR, .run = kl_check_elf_sections },
	{ .id = "phdr.count", .formats = ELF, .needs = EHDR, .run = kl_check_elf_phdr_count },
	{ .id = "phdr.note-first", .formats = ELF, .needs = PHDRS, .run = kl_check_elf_note_first },
	{ .id = "phdr.types", .formats = ELF, .needs = PHDRS, .run = kl_check_elf_types },
	{ .id = "phdr.note-bounds", .formats = ELF, .needs = PHDRS, .run = kl_check_elf_note_bounds },
	{ .id = "phdr.note-layout", .formats = ELF, .needs = NOTE_BYTES, .run = kl_check_note_layout },
	{ .id = "phdr.note-align", .formats = ELF, .needs = NOTE_BYTES, .severity = W, .run = kl_check_note_align },
	{ .id = "phdr.load-bounds", .formats = ELF, .needs = PHDRS, .run = kl_check_elf_load_bounds },
	{ .id = "phdr.load-align", .formats = ELF, .needs = PHDRS, .run = kl_check_elf_load_align },
	{ .id = "phdr.load-filesz", .formats = ELF, .needs = PHDRS, .run = kl_check_load_filesz },
	{ .id = "phdr.load-order", .formats = ELF, .needs = NOTE_BYTES, .run = kl_check_load_order },
	{ .id = "phdr.file-size", .formats = ELF, .needs = NOTE_BYTES, .run = kl_check_file_size },
	/* notes (18-21, 42) */
	{ .id = "notes.parse", .formats = ALL, .needs = NOTE_BYTES, .run = kl_check_notes_parse },
	{ .id = "notes.vmcoreinfo", .formats = ALL, .needs = NOTES, .run = kl_check_vmcoreinfo_note },
	{ .id = "notes.prstatus-size", .formats = ALL, .needs = NOTES, .run = kl_check_prstatus_size },
	{ .id = "notes.prstatus-count", .formats = ALL, .needs = NOTES, .run = kl_check_prstatus_count },
	{ .id = "kdump.nr-cpus", .formats = KDUMP, .needs = NOTES, .run = kl_check_kdump_nr_cpus },
	{ .id = "kdump.vmcoreinfo", .formats = KDUMP, .needs = VMCOREINFO_NOTE, .run = kl_check_kdump_vmcoreinfo },
	/* VMCOREINFO (25-31, 43) */
	{ .id = "vmcoreinfo.parse", .formats = ALL, .needs = VMCOREINFO_NOTE, .run = kl_check_vmcoreinfo_parse },
	{ .id = "vmcoreinfo.osrelease", .formats = ALL, .needs = VMCOREINFO, .run = kl_check_osrelease },
	{ .id = "vmcoreinfo.pagesize", .formats = ALL, .needs = VMCOREINFO, .run = kl_check_pagesize },
	{ .id = "vmcoreinfo.crashtime", .formats = ALL, .needs = VMCOREINFO, .run = kl_check_crashtime },
	{ .id = "vmcoreinfo.crashtime-window", .formats = ALL, .needs = VMCOREINFO, .severity = W, .run = kl_check_crashtime_window },
	{ .id = "kdump.timestamp", .formats = KDUMP, .needs = VMCOREINFO, .run = kl_check_kdump_timestamp },
	{ .id = "kdump.utsname", .formats = KDUMP, .needs = VMCOREINFO, .run = kl_check_kdump_utsname },
	{ .id = "vmcoreinfo.build-id", .formats = ELF, .needs = VMCOREINFO, .run = kl_check_build_id },
	{ .id = "vmcoreinfo.keys", .formats = ELF, .needs = VMCOREINFO, .run = kl_check_keys },
	{ .id = "vmcoreinfo.symbols", .formats = ELF, .needs = VMCOREINFO, .run = kl_check_symbols },
	/* ELF: PT_LOADs against the first kernel's /proc/iomem (14-17), translation */
	{ .id = "load.kernel-text", .formats = ELF, .needs = VMCOREINFO, .run = kl_check_kernel_text },
	{ .id = "load.ram", .formats = ELF, .needs = PHDRS, .run = kl_check_ram },
	{ .id = "load.direct-map", .formats = ELF, .needs = PHDRS, .severity = W, .run = kl_check_direct_map },
	{ .id = "load.ram-count", .formats = ELF, .needs = PHDRS, .severity = W, .run = kl_check_ram_count },
	{ .id = "mem.translate", .formats = ELF, .needs = MEM, .run = kl_check_translate },
	/* kdump-compressed: bitmaps, page descriptors, pages (45-48) */
	{ .id = "kdump.bitmap-size", .formats = KDUMP, .needs = SUB, .run = kl_check_kdump_bitmap_size },
	{ .id = "kdump.bitmap-subset", .formats = KDUMP, .needs = LAYOUT, .run = kl_check_kdump_bitmap_subset },
	{ .id = "kdump.descs", .formats = KDUMP, .needs = INDEX, .run = kl_check_kdump_descs },
	{ .id = "kdump.desc-order", .formats = KDUMP, .needs = INDEX, .severity = W, .run = kl_check_kdump_desc_order },
	{ .id = "kdump.pages", .formats = KDUMP, .needs = INDEX, .run = kl_check_kdump_pages },
	{ .id = "kdump.eraseinfo", .formats = KDUMP, .needs = SUB, .run = kl_check_kdump_eraseinfo },
	/* the kernel behind the memory: its log and "the crash is ours" (22, 32, 34-36) */
	{ .id = "dmesg.parse", .formats = ALL, .needs = MEM, .run = kl_check_dmesg_parse },
	{ .id = "crash.trigger-pid", .formats = ALL, .needs = NOTES, .run = kl_check_trigger_pid },
	{ .id = "crash.uts", .formats = ALL, .needs = MEM, .run = kl_check_uts },
	{ .id = "crash.nonce", .formats = ALL, .needs = LOG, .run = kl_check_nonce },
	{ .id = "crash.signature", .formats = ALL, .needs = LOG, .run = kl_check_signature },
	{ .id = "crash.cpu-pid", .formats = ALL, .needs = LOG, .run = kl_check_cpu_pid },
	/* the saver's manifest against the pulled file (4) */
	{ .id = "manifest.size", .formats = ALL, .run = kl_check_manifest_size },
	{ .id = "manifest.hash", .formats = ALL, .run = kl_check_manifest_hash },
};
/* clang-format on */

const size_t kl_n_checks = ELEMENTSOF(kl_checks);
_Static_assert(ELEMENTSOF(kl_checks) <= KL_CHECKS_MAX, "raise KL_CHECKS_MAX");
