/* SPDX-License-Identifier: MIT */
/*
 * vmcore checks on synthetic cores: a small writer lays out what /proc/vmcore looks like
 * (ELF header, PT_NOTE first with N NT_PRSTATUS notes and VMCOREINFO, page-aligned
 * PT_LOADs, sparse), then each corruption must fail exactly the expected checks.
 */
#include "kl-check.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/macro.h"
#include "guest/facts.h"
#include "guest/manifest.h"
#include "protocol.h"
#include "synth.h"
#include "vmcore/format.h"
#include "vmcore/printk.h"
#include "vmcore/vmcore.h"

#define PAGE	     4096u
#define OSRELEASE    SYN_OSRELEASE
#define TRIGGER_TIME 1700000000
#define RAM1_PADDR   0x100000ULL
#define RAM1_SIZE    0x1000000ULL /* ends at 0x1100000, where the crash kernel starts */
#define CRASH_START  0x1100000ULL
#define RAM2_PADDR   0x2000000ULL
#define RAM2_SIZE    (2ULL * PAGE)

struct core {
	uint16_t e_type, e_machine;
	uint32_t e_flags;
	int ncpus;
	uint32_t prstatus_descsz;
	int n_loads;
	int vmcoreinfo_notes;	       /* how many VMCOREINFO notes */
	const char *vmcoreinfo;	       /* NULL: syn_vmcoreinfo(vi_drop, vi_set) */
	const char *vi_drop, *vi_set;  /* see syn_vmcoreinfo */
	struct syn_opts mem;	       /* the kernel memory in the dump */
	bool note_second;	       /* PT_LOAD at index 0, PT_NOTE at 1 */
	bool null_phdr;		       /* the last PT_LOAD becomes PT_NULL */
	int64_t note_filesz_delta;     /* added to PT_NOTE p_filesz */
	uint32_t last_descsz_delta;    /* added to the last note's n_descsz */
	uint64_t load_offset_override; /* last PT_LOAD's p_offset when non-zero */
	uint64_t truncate_by;	       /* bytes cut off the end of the file */
	uint16_t phnum_override;
	uint64_t paddr_misalign;
	bool swap_ram_loads;	   /* the two RAM PT_LOADs in descending order */
	bool split_ram1;	   /* the first RAM range as two adjacent PT_LOADs */
	uint64_t ram2_extra;	   /* bytes added to the last RAM PT_LOAD */
	uint64_t ram2_memsz_delta; /* added to the last RAM PT_LOAD's p_memsz only */
	uint64_t ram2_vaddr_delta; /* added to the last RAM PT_LOAD's p_vaddr */
	uint64_t note_align;	   /* PT_NOTE p_align when non-zero (default 4) */
	uint64_t note_memsz_delta; /* added to PT_NOTE p_memsz */
	uint64_t truncate_to;	   /* the file's size when non-zero */
	uint64_t extend_by;	   /* bytes added to the end of the file */
	int32_t pid_cpu0;	   /* CPU 0's pr_pid when non-zero (default 100) */
	uint64_t rip;		   /* every CPU's rip when non-zero (default in the kernel text) */
};

static struct core good_core(void)
{
	return (struct core){ .e_type = ET_CORE,
			      .e_machine = EM_X86_64,
			      .ncpus = 2,
			      .prstatus_descsz = 336,
			      .n_loads = 3,
			      .vmcoreinfo_notes = 1 };
}

static size_t put_note(unsigned char *p, const char *name, uint32_t type, const void *desc,
		       uint32_t descsz, uint32_t descsz_hdr)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz_hdr, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + 12, name, namesz);
	size_t o = 12 + ((namesz + 3) & ~3u);
	memcpy(p + o, desc, descsz);
	return o + ((descsz + 3) & ~3u);
}

/* Write the synthetic memory pages that fall inside a PT_LOAD at its file offset. */
static void write_mem(int fd, const struct synth *m, const Elf64_Phdr *ph)
{
	for (size_t i = 0; i < m->n; i++) {
		uint64_t pa = m->pages[i].paddr;
		if (pa < ph->p_paddr || pa + PAGE > ph->p_paddr + ph->p_filesz)
			continue;
		ck_assert_int_eq(pwrite(fd, m->pages[i].data, PAGE,
					(off_t)(ph->p_offset + pa - ph->p_paddr)),
				 PAGE);
	}
}

struct load {
	uint64_t paddr, vaddr, size;
};

/* The PT_LOADs /proc/vmcore would have: kernel text, RAM below the crash kernel, above it. */
static int core_loads(const struct core *c, struct load *v)
{
	int n = 0;
	v[n++] = (struct load){ SYN_TEXT_PADDR, SYN_TEXT, SYN_TEXT_SIZE };
	struct load ram1 = { RAM1_PADDR, SYN_PAGE_OFFSET + RAM1_PADDR, RAM1_SIZE };
	struct load ram2 = { RAM2_PADDR, SYN_PAGE_OFFSET + RAM2_PADDR + c->ram2_vaddr_delta,
			     RAM2_SIZE + c->ram2_extra };
	if (c->swap_ram_loads)
		v[n++] = ram2;
	if (c->split_ram1) {
		uint64_t half = RAM1_SIZE / 2;
		v[n++] = (struct load){ ram1.paddr, ram1.vaddr, half };
		v[n++] = (struct load){ ram1.paddr + half, ram1.vaddr + half, RAM1_SIZE - half };
	} else {
		v[n++] = ram1;
	}
	if (!c->swap_ram_loads)
		v[n++] = ram2;
	v[n - 1].paddr += c->paddr_misalign;
	return n;
}

/* Write the core to a new temp file; returns its path (caller frees and unlinks). */
static char *write_core(const struct core *c)
{
	char *path = strdup("/tmp/kl-core-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(c->n_loads, 3);

	static struct synth mem;
	syn_build(&mem, &c->mem);
	_cleanup_free_ char *vi_default = syn_vmcoreinfo(c->vi_drop, c->vi_set);
	const char *vi = c->vmcoreinfo ? c->vmcoreinfo : vi_default;
	struct load loads[8];
	int n_loads = core_loads(c, loads);

	int phnum = 1 + n_loads;
	uint64_t note_off = (64 + 56 * (uint64_t)phnum + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	static unsigned char notes[64 * 1024];
	size_t nl = 0;
	int total_notes = c->ncpus + c->vmcoreinfo_notes, k = 0;

	memset(notes, 0, sizeof(notes));
	for (int i = 0; i < c->ncpus; i++, k++) {
		unsigned char prs[512] = { 0 };
		int32_t pid = i == 0 && c->pid_cpu0 ? c->pid_cpu0 : 100 + i;
		uint64_t rip = c->rip ? c->rip : SYN_TEXT + 0x1000;
		memcpy(prs + 32, &pid, 4);
		memcpy(prs + 240, &rip, 8);
		uint32_t ds = c->prstatus_descsz;
		nl += put_note(notes + nl, "CORE", NT_PRSTATUS, prs, ds,
			       ds + (k == total_notes - 1 ? c->last_descsz_delta : 0));
	}
	for (int i = 0; i < c->vmcoreinfo_notes; i++, k++) {
		uint32_t ds = (uint32_t)strlen(vi);
		nl += put_note(notes + nl, "VMCOREINFO", 0, vi, ds,
			       ds + (k == total_notes - 1 ? c->last_descsz_delta : 0));
	}

	Elf64_Phdr ph[8] = { 0 };
	uint64_t off = note_off + ((nl + PAGE - 1) & ~(uint64_t)(PAGE - 1));
	int ni = c->note_second ? 1 : 0;
	ph[ni] = (Elf64_Phdr){ .p_type = PT_NOTE,
			       .p_offset = note_off,
			       .p_filesz = (uint64_t)((int64_t)nl + c->note_filesz_delta),
			       .p_memsz = nl + c->note_memsz_delta,
			       .p_align = c->note_align ? c->note_align : 4 };
	for (int i = 0, li = 0; i < phnum; i++) {
		if (i == ni)
			continue;
		const struct load *l = &loads[li];
		ph[i] = (Elf64_Phdr){ .p_type = PT_LOAD,
				      .p_flags = PF_R | PF_W | PF_X,
				      .p_offset = off,
				      .p_paddr = l->paddr,
				      .p_vaddr = l->vaddr,
				      .p_filesz = l->size,
				      .p_memsz = l->size };
		write_mem(fd, &mem, &ph[i]);
		if (l->paddr == RAM2_PADDR) {
			/* Some data that is not kernel structures (left sparse elsewhere). */
			unsigned char page[PAGE];
			memset(page, 0x42, sizeof(page));
			ck_assert_int_eq(pwrite(fd, page, PAGE, (off_t)off), PAGE);
			ph[i].p_memsz += c->ram2_memsz_delta;
		}
		off += (l->paddr + l->size + PAGE - 1) / PAGE * PAGE - l->paddr / PAGE * PAGE;
		li++;
	}
	uint64_t size = off - c->truncate_by + c->extend_by;
	if (c->truncate_to)
		size = c->truncate_to;
	if (c->load_offset_override)
		ph[phnum - 1].p_offset = c->load_offset_override;
	if (c->null_phdr)
		ph[phnum - 1].p_type = PT_NULL;

	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = c->e_type;
	eh.e_machine = c->e_machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = 64;
	eh.e_flags = c->e_flags;
	eh.e_ehsize = 64;
	eh.e_phentsize = 56;
	eh.e_phnum = c->phnum_override ? c->phnum_override : (uint16_t)phnum;

	ck_assert_int_eq(pwrite(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
	ck_assert_int_eq(pwrite(fd, ph, 56 * (size_t)phnum, 64), 56 * phnum);
	ck_assert_int_eq(pwrite(fd, notes, nl, (off_t)note_off), (ssize_t)nl);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
	return path;
}

static struct kl_facts *good_facts(void)
{
	struct kl_facts *f = kl_facts_new();
	struct kl_loader_facts *l = &f->loader;
	l->uname_r = strdup(OSRELEASE);
	l->uname_v = strdup(SYN_UTS_VERSION);
	l->nodename = strdup("(none)");
	l->cpus_list = strdup("0-1");
	l->page_size = 4096;
	l->cpus_online = 2;
	l->trigger_time = TRIGGER_TIME;
	l->trigger_pid = SYN_TRIGGER_PID;
	l->trigger_cpu = SYN_TRIGGER_CPU;
	l->trigger_nonce = strdup(SYN_NONCE);
	l->trigger_scenario = strdup("sysrq");
	l->sym_text = l->sym_stext = SYN_TEXT;
	l->sym_end = SYN_TEXT + SYN_TEXT_SIZE;
	l->sym_init_uts_ns = SYN_UTS;
	l->sym_prb = SYN_PRB;
	l->ram = calloc(2, sizeof(*l->ram));
	l->ram[0] = (struct kl_range){ 0x1000, 0x9fbff };
	l->ram[1] = (struct kl_range){ RAM1_PADDR, RAM2_PADDR + RAM2_SIZE - 1 };
	l->n_ram = 2;
	l->crash = calloc(1, sizeof(*l->crash));
	l->crash[0] = (struct kl_range){ CRASH_START, RAM2_PADDR - 1 };
	l->n_crash = 1;
	return f;
}

/* A manifest as the saver would write for this file. */
static struct kl_manifest *manifest_for(const char *path, uint64_t size_delta, uint64_t hash_xor)
{
	uint64_t size, hash;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_dump_hash_file(path, &size, &hash, &e), 0);
	char text[128];
	int n = snprintf(text, sizeof(text), "size=%" PRIu64 "\nhash=%016" PRIx64 "\n",
			 size + size_delta, hash ^ hash_xor);
	struct kl_manifest *m = NULL;
	ck_assert_int_eq(kl_manifest_parse(text, (size_t)n, &m, &e), 0);
	return m;
}

static struct kl_validation *validate(const char *path, const struct kl_validate_input *in)
{
	struct kl_validation *v = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_vmcore_validate(path, in, &v, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_ptr_nonnull(v);
	return v;
}

/* The ids of failed error checks, space-separated. */
static void failed_ids(const struct kl_validation *v, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < v->n_results; i++)
		if (v->results[i].status == KL_CHECK_FAILED) {
			if (buf[0])
				strncat(buf, " ", len - strlen(buf) - 1);
			strncat(buf, v->results[i].id, len - strlen(buf) - 1);
		}
}

static void dump_results(const struct kl_validation *v)
{
	for (size_t i = 0; i < v->n_results; i++)
		fprintf(stderr, "# %-28s %-7s %s\n", v->results[i].id,
			kl_check_status_name(v->results[i].status), v->results[i].message);
}

START_TEST(valid_core_passes)
{
	struct core c = good_core();
	_cleanup_free_ char *path = write_core(&c);
	_cleanup_(kl_facts_freep) struct kl_facts *f = good_facts();
	_cleanup_(kl_manifest_freep) struct kl_manifest *m = manifest_for(path, 0, 0);
	struct kl_validate_input in = { .facts = f, .manifest = m };
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path, &in);

	if (!kl_validation_ok(v) || v->n_skipped || v->n_warnings)
		dump_results(v);
	ck_assert(kl_validation_ok(v));
	ck_assert_uint_eq(v->n_failed, 0);
	ck_assert_uint_eq(v->n_warnings, 0);
	ck_assert_uint_eq(v->n_skipped, 0);
	ck_assert_uint_eq(v->n_passed, v->n_results);
	ck_assert_ptr_null(kl_validation_first_failure(v));
	ck_assert_uint_eq(v->n_load, 3);
	ck_assert_uint_eq(v->n_prstatus, 2);
	ck_assert_int_eq(v->prstatus[0].pid, 100);
	ck_assert_int_eq(v->prstatus[1].pid, 101);
	ck_assert_str_eq(kl_vmcoreinfo_get(v->vmcoreinfo, "OSRELEASE"), OSRELEASE);
	ck_assert_str_eq(kl_vmcoreinfo_get(v->vmcoreinfo, "SYMBOL(prb)"), "ffffffff81021000");

	/* Every check id ran, once, in table order, and messages name the values. */
	const char *const *ids = kl_vmcore_check_ids();
	size_t n = 0;
	for (; ids[n]; n++)
		ck_assert_str_eq(v->results[n].id, ids[n]);
	ck_assert_uint_eq(n, v->n_results);
	ck_assert_ptr_nonnull(
		strstr(kl_validation_find(v, "vmcoreinfo.osrelease")->message, OSRELEASE));
	ck_assert_ptr_nonnull(strstr(kl_validation_find(v, "notes.prstatus-count")->message,
				     "2 NT_PRSTATUS notes, expected 2"));

	/* JSON for results.json. */
	struct json_object *o = kl_validation_to_json(v), *x;
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "ok", &x) && json_object_get_boolean(x));
	ck_assert(json_object_object_get_ex(o, "checks", &x));
	ck_assert_uint_eq(json_object_array_length(x), v->n_results);
	ck_assert(json_object_object_get_ex(o, "osrelease", &x));
	ck_assert_str_eq(json_object_get_string(x), OSRELEASE);
	json_object_put(o);
	unlink(path);
}
END_TEST

START_TEST(structure_only)
{
	/* No facts, no manifest: the fact checks skip, everything else passes. */
	struct core c = good_core();
	_cleanup_free_ char *path = write_core(&c);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path, NULL);
	ck_assert(kl_validation_ok(v));
	static const char *const skipped[] = {
		"notes.prstatus-count",
		"vmcoreinfo.osrelease",
		"vmcoreinfo.crashtime-window",
		"vmcoreinfo.symbols",
		"load.ram",
		"load.ram-count",
		"crash.trigger-pid",
		"crash.nonce",
		"crash.signature",
		"manifest.size",
		"manifest.hash",
	};
	ck_assert_uint_eq(v->n_skipped, ELEMENTSOF(skipped));
	for (size_t i = 0; i < ELEMENTSOF(skipped); i++)
		ck_assert_int_eq(kl_validation_find(v, skipped[i])->status, KL_CHECK_SKIPPED);
	/* PAGESIZE falls back to the x86_64 value. */
	ck_assert_int_eq(kl_validation_find(v, "vmcoreinfo.pagesize")->status, KL_CHECK_PASSED);
	unlink(path);
}
END_TEST

struct corruption {
	const char *name;
	struct core c;
	const char *failed; /* exactly these checks fail, in table order */
	int expected_cpus;
	uint64_t manifest_size_delta, manifest_hash_xor;
	const char *facts_uname_r;
	int64_t facts_page_size;
	const char *facts_nonce;
	const char *expect_panic;
	const char *message; /* a substring of the first failure's message */
};

/* Each row starts from GOOD and overrides one field: that is the point of the table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#define GOOD                                                                                       \
	.e_type = ET_CORE, .e_machine = EM_X86_64, .ncpus = 2, .prstatus_descsz = 336,             \
	.n_loads = 3, .vmcoreinfo_notes = 1

static const struct corruption corruptions[] = {
	{ "wrong type",
	  { GOOD, .e_type = ET_EXEC },
	  "elf.type",
	  .message = "e_type is 2, expected 4" },
	{ "wrong machine",
	  { GOOD, .e_machine = EM_AARCH64 },
	  "elf.machine",
	  .message = "e_machine is 183" },
	{ "incomplete flag", { GOOD, .e_flags = 1 }, "elf.flags" },
	{ "note not first",
	  { GOOD, .note_second = true },
	  "phdr.note-first",
	  .message = "1 PT_NOTE headers, the first at index 1" },
	{ "stray phdr type",
	  { GOOD, .null_phdr = true },
	  "phdr.types phdr.file-size load.ram load.ram-count",
	  .message = "index 3 with p_type 0" },
	{ "load beyond EOF",
	  { GOOD, .truncate_by = PAGE + 1 },
	  "phdr.load-bounds phdr.file-size manifest.size manifest.hash",
	  .message = "ends beyond the file size" },
	{ "load offset overflow",
	  { GOOD, .load_offset_override = UINT64_MAX - 4095 },
	  "phdr.load-bounds phdr.load-order",
	  .message = "overflows 64 bits" },
	/* The last RAM PT_LOAD moves by 16 bytes: its RAM and direct-map delta change too. */
	{ "load misaligned",
	  { GOOD, .paddr_misalign = 0x10 },
	  "phdr.load-align load.ram load.direct-map mem.translate" },
	{ "phnum beyond file",
	  { GOOD, .phnum_override = 60000, .truncate_to = 1 << 20 },
	  "phdr.count",
	  .message = "ends past the file size" },
	{ "one phdr",
	  { GOOD, .phnum_override = 1 },
	  "phdr.count phdr.load-bounds phdr.file-size load.kernel-text load.ram load.ram-count mem.translate dmesg.parse",
	  .message = "e_phnum is 1, expected at least 2" },
	{ "note beyond EOF",
	  { GOOD, .note_filesz_delta = 1 << 20, .truncate_to = 1 << 20 },
	  "phdr.note-bounds phdr.load-bounds",
	  .message = "ends past the file size" },
	{ "note segment too short",
	  { GOOD, .note_filesz_delta = -8, .note_memsz_delta = (uint64_t)-8 },
	  "notes.parse",
	  .message = "runs past the segment end" },
	{ "truncated note",
	  { GOOD, .last_descsz_delta = 64 },
	  "notes.parse",
	  .message = "note 2 at file offset 0x12c8: n_namesz 11 + n_descsz" },
	{ "trailing padding",
	  { GOOD, .note_filesz_delta = 16, .note_memsz_delta = 16 },
	  "notes.parse",
	  .message = "n_namesz is 0" },
	{ "missing VMCOREINFO",
	  { GOOD, .vmcoreinfo_notes = 0 },
	  "notes.vmcoreinfo",
	  .message = "0 \"VMCOREINFO\" notes, expected exactly 1" },
	{ "two VMCOREINFO",
	  { GOOD, .vmcoreinfo_notes = 2 },
	  "notes.vmcoreinfo",
	  .message = "2 \"VMCOREINFO\" notes" },
	{ "prstatus size",
	  { GOOD, .prstatus_descsz = 332 },
	  "notes.prstatus-size",
	  .message = "n_descsz 332, expected 336" },
	{ "fewer CPUs",
	  { GOOD, .ncpus = 1 },
	  "notes.prstatus-count crash.trigger-pid crash.cpu-pid",
	  .message = "1 NT_PRSTATUS notes, expected 2" },
	{ "wrong CPU count",
	  { GOOD },
	  "notes.prstatus-count",
	  .expected_cpus = 4,
	  .message = "2 NT_PRSTATUS notes, expected 4" },
	{ "wrong OSRELEASE",
	  { GOOD },
	  "vmcoreinfo.osrelease crash.uts",
	  .facts_uname_r = "6.12.9-amd64",
	  .message = "OSRELEASE=" OSRELEASE ", the first kernel's uname -r is 6.12.9-amd64" },
	{ "wrong page size",
	  { GOOD },
	  "vmcoreinfo.pagesize",
	  .facts_page_size = 16384,
	  .message = "PAGESIZE=4096, the first kernel's page size is 16384" },
	{ "no CRASHTIME",
	  { GOOD, .vi_drop = "CRASHTIME" },
	  "vmcoreinfo.crashtime",
	  .message = "no CRASHTIME" },
	{ "no OSRELEASE", { GOOD, .vi_drop = "OSRELEASE" }, "vmcoreinfo.osrelease" },
	{ "CRASHTIME far off",
	  { GOOD, .vi_set = "CRASHTIME=1600000000" },
	  "vmcoreinfo.crashtime-window",
	  .message = "-100000000 s from the trigger time" },
	{ "VMCOREINFO bad line",
	  { GOOD, .vmcoreinfo = "OSRELEASE=" OSRELEASE "\nnot a pair\n" },
	  "vmcoreinfo.parse",
	  .message = "line 2 \"not a pair\"" },
	{ "VMCOREINFO no newline",
	  { GOOD, .vmcoreinfo = "OSRELEASE=x" },
	  "vmcoreinfo.parse",
	  .message = "does not end with a newline" },
	/* layout (invariants 8, 10-17) */
	{ "note memsz differs",
	  { GOOD, .note_memsz_delta = 4 },
	  "phdr.note-layout",
	  .message = "expected p_filesz == p_memsz" },
	{ "note align", { GOOD, .note_align = 8 }, "phdr.note-align", .message = "p_align 8" },
	{ "load memsz beyond filesz",
	  { GOOD, .ram2_memsz_delta = PAGE },
	  "phdr.load-filesz phdr.file-size load.ram",
	  .message = "expected p_filesz == p_memsz" },
	{ "load offsets overlap",
	  { GOOD, .load_offset_override = 0x2000 },
	  "phdr.load-order",
	  .message = "is before the end of PT_LOAD 2" },
	{ "file longer than its segments",
	  { GOOD, .extend_by = PAGE },
	  "phdr.file-size",
	  .message = "expected 17055744" },
	{ "KERNELOFFSET wrong",
	  { GOOD, .vi_set = "KERNELOFFSET=200000" },
	  "vmcoreinfo.symbols load.kernel-text",
	  .message = "KERNELOFFSET=200000, kallsyms _text 0xffffffff81000000" },
	{ "RAM beyond System RAM",
	  { GOOD, .ram2_extra = PAGE },
	  "load.ram",
	  .message =
		  "RAM range 1 is [0x2000000, 0x2003000) in the dump, expected [0x2000000, 0x2002000)" },
	{ "RAM loads descending",
	  { GOOD, .swap_ram_loads = true },
	  "load.ram",
	  .message = "expected ascending and disjoint" },
	{ "direct map bases differ",
	  { GOOD, .ram2_vaddr_delta = 1ULL << 30 },
	  "load.direct-map mem.translate",
	  .message = "the page tables from SYMBOL(init_top_pgt) do not map the last page" },
	{ "RAM split in two",
	  { GOOD, .split_ram1 = true },
	  "load.ram-count",
	  .message = "3 RAM PT_LOADs, expected 2" },
	{ "page tables disagree",
	  { GOOD, .mem.bad_direct_map = true },
	  "mem.translate",
	  .message =
		  "the page tables map the first RAM PT_LOAD (0xffff888000100000) to paddr 0x40100000, the PT_LOADs to 0x100000" },
	/* VMCOREINFO (invariants 29-31) */
	{ "BUILD-ID malformed",
	  { GOOD, .vi_set = "BUILD-ID=3B43FAD5" },
	  "vmcoreinfo.build-id",
	  .message = "BUILD-ID=3B43FAD5: 8 characters" },
	{ "key missing",
	  { GOOD, .vi_drop = "SYMBOL(swapper_pg_dir)" },
	  "vmcoreinfo.keys",
	  .message = "lacks SYMBOL(swapper_pg_dir)" },
	{ "symbol differs from kallsyms",
	  { GOOD, .vi_set = "SYMBOL(_stext)=ffffffff81000010" },
	  "vmcoreinfo.symbols",
	  .message =
		  "SYMBOL(_stext)=0xffffffff81000010, the first kernel's kallsyms says 0xffffffff81000000" },
	/* the kernel log (invariant 34) */
	{ "data block of another descriptor",
	  { GOOD, .mem.bad_block_id = true },
	  "dmesg.parse",
	  .message = "1 data blocks with another descriptor's id" },
	{ "head beyond the ring",
	  { GOOD, .mem.head_far = true },
	  "dmesg.parse",
	  .message = "is not within 16 descriptors of tail_id" },
	{ "printk offsets do not fit",
	  { GOOD, .vi_set = "OFFSET(prb_desc_ring.tail_id)=4000" },
	  "dmesg.parse",
	  .message = "do not fit in SIZE(printk_ringbuffer)=88" },
	/* the crash is ours (invariants 22, 32, 35, 36): verdict wrong-crash */
	{ "trigger PID on two CPUs",
	  { GOOD, .pid_cpu0 = SYN_TRIGGER_PID },
	  "crash.trigger-pid",
	  .message = "2 of 2 NT_PRSTATUS notes have pr_pid 101" },
	/* The module area counts only for a scenario that loads a module (sysrq does not). */
	{ "rip in the module area, scenario without a module",
	  { GOOD, .rip = 0xffffffffc0438015ull },
	  "crash.trigger-pid",
	  .message = "rip 0xffffffffc0438015 is outside the kernel text" },
	{ "uts release differs",
	  { GOOD, .mem.uts_release = "6.12.9-amd64" },
	  "crash.uts",
	  .message =
		  "init_uts_ns release \"6.12.9-amd64\", VMCOREINFO OSRELEASE \"" OSRELEASE "\"" },
	{ "another nonce",
	  { GOOD },
	  "crash.nonce",
	  .facts_nonce = "ffffffffffffffff",
	  .message = "\"kdumplab: nonce=ffffffffffffffff \": not the crash we injected" },
	{ "no panic after the nonce",
	  { GOOD, .mem.log =
			  (const char *const[]){
				  "sysrq: Trigger a crash",
				  "Kernel panic - not syncing: sysrq triggered crash",
				  "kdumplab: nonce=" SYN_NONCE " scenario=sysrq pid=101", NULL } },
	  "crash.signature",
	  .message =
		  "\"sysrq: Trigger a crash\" (scenario sysrq) is not in the log after the nonce" },
	{ "expected panic regex",
	  { GOOD },
	  "crash.signature",
	  .expect_panic = "BUG: kernel NULL pointer dereference",
	  .message = "no record after the nonce matches the expected panic" },
	{ "panicking CPU disagrees",
	  { GOOD,
	    .mem.log =
		    (const char *const[]){ "kdumplab: nonce=" SYN_NONCE " scenario=sysrq pid=101",
					   "sysrq: Trigger a crash",
					   "Kernel panic - not syncing: sysrq triggered crash",
					   "CPU: 0 PID: 101 Comm: loader Not tainted", NULL } },
	  "crash.cpu-pid",
	  .message = "record 3 names CPU 0 PID 101; that CPU's NT_PRSTATUS has pr_pid 100" },
	{ "manifest size",
	  { GOOD },
	  "manifest.size",
	  .manifest_size_delta = 4096,
	  .message = "manifest size=" },
	{ "manifest hash",
	  { GOOD },
	  "manifest.hash",
	  .manifest_hash_xor = 1,
	  .message = "manifest hash=" },
};
#pragma GCC diagnostic pop

START_TEST(corruption_fails_expected_check)
{
	const struct corruption *x = &corruptions[_i];
	_cleanup_free_ char *path = write_core(&x->c);
	_cleanup_(kl_facts_freep) struct kl_facts *f = good_facts();
	_cleanup_(kl_manifest_freep) struct kl_manifest *m =
		manifest_for(path, x->manifest_size_delta, x->manifest_hash_xor);
	if (x->c.truncate_by) {
		/* The saver's manifest describes the whole file, before it was cut. */
		struct core whole = x->c;
		whole.truncate_by = 0;
		_cleanup_free_ char *p2 = write_core(&whole);
		kl_manifest_free(m);
		m = manifest_for(p2, 0, 0);
		unlink(p2);
	}
	if (x->facts_uname_r) {
		free(f->loader.uname_r);
		f->loader.uname_r = strdup(x->facts_uname_r);
	}
	if (x->facts_page_size)
		f->loader.page_size = x->facts_page_size;
	if (x->facts_nonce) {
		free(f->loader.trigger_nonce);
		f->loader.trigger_nonce = strdup(x->facts_nonce);
	}
	struct kl_validate_input in = { .facts = f,
					.manifest = m,
					.expected_cpus = x->expected_cpus,
					.expect_panic = x->expect_panic };
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path, &in);

	char got[512];
	failed_ids(v, got, sizeof(got));
	const char *want = x->failed;
	if (!streq(got, want))
		dump_results(v);
	ck_assert_msg(streq(got, want), "%s: failed [%s], expected [%s]", x->name, got, want);
	const struct kl_check_result *first = kl_validation_first_failure(v);
	ck_assert_ptr_nonnull(first);
	if (x->message)
		ck_assert_msg(strstr(first->message, x->message), "%s: message \"%s\" lacks \"%s\"",
			      x->name, first->message, x->message);
	ck_assert(kl_validation_ok(v) == (first->severity == KL_SEVERITY_WARNING));
	/* wrong-crash exactly when only crash.* error checks failed */
	bool only_crash = !kl_validation_ok(v);
	for (size_t i = 0; i < v->n_results; i++)
		if (v->results[i].status == KL_CHECK_FAILED &&
		    v->results[i].severity == KL_SEVERITY_ERROR &&
		    !startswith(v->results[i].id, "crash."))
			only_crash = false;
	ck_assert_msg(v->wrong_crash == only_crash, "%s: wrong_crash %d", x->name, v->wrong_crash);
	if (v->wrong_crash)
		ck_assert(startswith(kl_validation_wrong_crash(v)->id, "crash."));
	else
		ck_assert_ptr_null(kl_validation_wrong_crash(v));
	unlink(path);
}
END_TEST

static char *write_bytes(const void *data, size_t len)
{
	char *path = strdup("/tmp/kl-junk-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(not_elf)
{
	static const struct {
		const char *data;
		size_t len;
		const char *message;
	} junk[] = {
		{ "", 0, "shorter than an ELF64 header" },
		{ "\x7f"
		  "ELF",
		  4, "shorter than an ELF64 header" },
		{ "KDUMP   and a lot more bytes to pass the header size check", 80,
		  "e_ident is not ELF64" },
		{ "\x7f"
		  "ELF\x01\x01\x01 32-bit ELF",
		  80, "e_ident is not ELF64" },
	};
	for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
		char padded[128] = { 0 }; /* zero-padded to len */
		memcpy(padded, junk[i].data, strlen(junk[i].data));
		_cleanup_free_ char *path = write_bytes(padded, junk[i].len);
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path, NULL);
		const struct kl_check_result *r = kl_validation_find(v, "elf.ident");
		ck_assert_int_eq(r->status, KL_CHECK_FAILED);
		ck_assert_msg(strstr(r->message, junk[i].message), "%s", r->message);
		ck_assert(!kl_validation_ok(v));
		ck_assert_uint_eq(v->n_failed, 1);
		ck_assert_ptr_eq(kl_validation_first_failure(v), r);
		unlink(path);
	}
	struct kl_validation *v = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_vmcore_validate("/nonexistent/vmcore", NULL, &v, &e), -ENOENT);
	ck_assert_ptr_null(v);
	ck_assert_ptr_nonnull(strstr(e->msg, "/nonexistent/vmcore"));
}
END_TEST

/* Random damage to the headers and notes never crashes, hangs or fails with -errno. */
START_TEST(fuzz_headers)
{
	struct core c = good_core();
	_cleanup_free_ char *path = write_core(&c);
	int fd = open(path, O_RDWR);
	unsigned char orig[PAGE * 2];
	ck_assert_int_eq(pread(fd, orig, sizeof(orig), 0), (ssize_t)sizeof(orig));
	srand(12345);
	unsigned failed = 0;
	for (int iter = 0; iter < 3000; iter++) {
		unsigned char buf[sizeof(orig)];
		memcpy(buf, orig, sizeof(buf));
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++) {
			/* Mostly the ELF/phdr header, sometimes the note headers. */
			size_t at =
				rand() % 3 ? (size_t)rand() % 240 : PAGE + (size_t)rand() % 1200;
			buf[at] = (unsigned char)rand();
		}
		ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		struct kl_validation *v = NULL;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_msg(kl_vmcore_validate(path, NULL, &v, &e) == 0, "%s", e ? e->msg : "");
		failed += !kl_validation_ok(v);
		struct json_object *o = kl_validation_to_json(v);
		ck_assert_ptr_nonnull(o);
		json_object_put(o);
		kl_validation_free(v);
	}
	/* Most random damage is detected (some flips hit don't-care bytes). */
	ck_assert_uint_gt(failed, 1500);
	close(fd);
	unlink(path);
}
END_TEST

/* Random damage to the kernel memory the checks read (page tables, the printk ring,
 * init_uts_ns) never crashes, hangs or fails with -errno; the log is bounded by its ring. */
START_TEST(fuzz_memory)
{
	struct core c = good_core();
	_cleanup_free_ char *path = write_core(&c);
	int fd = open(path, O_RDWR);
	static struct synth mem;
	syn_build(&mem, &c.mem);
	/* where each kernel page sits in the file: the image in the kernel-text PT_LOAD (at
	 * 0x2000 behind one page of notes), everything in the first RAM PT_LOAD after it */
	const uint64_t text_off = 0x2000, ram1_off = text_off + SYN_TEXT_SIZE;
	srand(54321);
	unsigned failed = 0;
	for (int iter = 0; iter < 400; iter++) {
		for (size_t i = 0; i < mem.n; i++) {
			uint64_t pa = mem.pages[i].paddr;
			ck_assert_int_eq(pwrite(fd, mem.pages[i].data, PAGE,
						(off_t)(ram1_off + pa - RAM1_PADDR)),
					 PAGE);
			if (pa >= SYN_TEXT_PADDR && pa < SYN_TEXT_PADDR + SYN_TEXT_SIZE)
				ck_assert_int_eq(pwrite(fd, mem.pages[i].data, PAGE,
							(off_t)(text_off + pa - SYN_TEXT_PADDR)),
						 PAGE);
		}
		int flips = 1 + rand() % 8;
		for (int k = 0; k < flips; k++) {
			const struct syn_page *pg = &mem.pages[(size_t)rand() % mem.n];
			uint64_t pa = pg->paddr + (uint64_t)(rand() % 512);
			bool image = pa >= SYN_TEXT_PADDR && pa < SYN_TEXT_PADDR + SYN_TEXT_SIZE;
			uint64_t at = image && rand() % 2 ? text_off + pa - SYN_TEXT_PADDR
							  : ram1_off + pa - RAM1_PADDR;
			unsigned char b = (unsigned char)rand();
			ck_assert_int_eq(pwrite(fd, &b, 1, (off_t)at), 1);
		}
		_cleanup_(kl_facts_freep) struct kl_facts *f = good_facts();
		struct kl_validate_input in = { .facts = f };
		struct kl_validation *v = NULL;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_msg(kl_vmcore_validate(path, &in, &v, &e) == 0, "%s", e ? e->msg : "");
		failed += !kl_validation_ok(v);
		if (v->log)
			ck_assert_uint_le(v->log->n_records, 16);
		kl_validation_free(v);
	}
	ck_assert_uint_gt(failed, 50); /* many flips hit bytes no check reads */
	close(fd);
	unlink(path);
}
END_TEST

/* Before 5.10 the log is a struct printk_log array: reported as skipped, not failed. */
START_TEST(log_buf_kernel_skips)
{
	struct core c = good_core();
	c.vi_drop = "SYMBOL(prb)";
	c.vi_set = "SYMBOL(log_buf)=ffffffff81030000";
	_cleanup_free_ char *path = write_core(&c);
	_cleanup_(kl_facts_freep) struct kl_facts *f = good_facts();
	f->loader.sym_prb = 0; /* such a kernel has no prb in kallsyms either */
	struct kl_validate_input in = { .facts = f };
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path, &in);
	if (!kl_validation_ok(v))
		dump_results(v);
	ck_assert(kl_validation_ok(v));
	const struct kl_check_result *r = kl_validation_find(v, "dmesg.parse");
	ck_assert_int_eq(r->status, KL_CHECK_SKIPPED);
	ck_assert_ptr_nonnull(strstr(r->message, "before 5.10"));
	static const char *const skipped[] = { "crash.nonce", "crash.signature", "crash.cpu-pid" };
	for (size_t i = 0; i < ELEMENTSOF(skipped); i++)
		ck_assert_int_eq(kl_validation_find(v, skipped[i])->status, KL_CHECK_SKIPPED);
	ck_assert_ptr_null(v->log);
	unlink(path);
}
END_TEST

START_TEST(vmcoreinfo_parse_api)
{
	static const char ok[] =
		"OSRELEASE=6.1\nSYMBOL(prb)=ffff\nNUMBER(KERNEL_IMAGE_SIZE)=1\n"
		"OFFSET(prb_desc.state_var)=0\nBUILD-ID=ab\nLENGTH(mem_section)=2\n"
		"empty=\n";
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = NULL;
	ck_assert_int_eq(kl_vmcoreinfo_parse(ok, sizeof(ok) - 1, &vi, NULL), 0);
	ck_assert_uint_eq(vi->n_entries, 7);
	ck_assert_str_eq(kl_vmcoreinfo_get(vi, "OFFSET(prb_desc.state_var)"), "0");
	ck_assert_str_eq(kl_vmcoreinfo_get(vi, "empty"), "");
	ck_assert_ptr_null(kl_vmcoreinfo_get(vi, "OSREL"));

	static const char *const bad[] = { "=x\n", "A B=1\n", "A\n", "A=1\n\n", "A=1\0B=2\n" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct kl_vmcoreinfo *x = NULL;
		_cleanup_error_ struct kl_error *e = NULL;
		size_t len = i == 4 ? 8 : strlen(bad[i]);
		ck_assert_int_eq(kl_vmcoreinfo_parse(bad[i], len, &x, &e), -EBADMSG);
		ck_assert_ptr_null(x);
	}
	char big[KL_VMCOREINFO_MAX + 2];
	memset(big, 'A', sizeof(big));
	big[1] = '=';
	big[sizeof(big) - 1] = '\n';
	struct kl_vmcoreinfo *x = NULL;
	ck_assert_int_eq(kl_vmcoreinfo_parse(big, sizeof(big), &x, NULL), -EBADMSG);
}
END_TEST

/* Overwrite len bytes of path at off (extending it sparsely when off is past its end). */
static void patch(const char *path, uint64_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void patch16(const char *path, uint64_t off, uint16_t v)
{
	v = htole16(v);
	patch(path, off, &v, sizeof(v));
}

static void patch64(const char *path, uint64_t off, uint64_t v)
{
	v = htole64(v);
	patch(path, off, &v, sizeof(v));
}

/* Section 0 at off: SHT_NULL with sh_size and sh_info as given. */
static void put_shdr0(const char *path, uint64_t off, uint64_t sh_size, uint32_t sh_info,
		      uint32_t type)
{
	Elf64_Shdr sh = { .sh_type = htole32(type), .sh_size = htole64(sh_size) };
	sh.sh_info = htole32(sh_info);
	patch(path, off, &sh, sizeof(sh));
	patch64(path, offsetof(Elf64_Ehdr, e_shoff), off);
	patch16(path, offsetof(Elf64_Ehdr, e_shentsize), sizeof(Elf64_Shdr));
}

static struct kl_validation *validate_any(const char *path)
{
	struct kl_validation *v = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_vmcore_validate_any(path, NULL, &v, &e) == 0, "%s", e ? e->msg : "");
	return v;
}

static const struct kl_check_result *must_find(const struct kl_validation *v, const char *id)
{
	const struct kl_check_result *r = kl_validation_find(v, id);
	ck_assert_msg(r != NULL, "no result %s", id);
	return r;
}

/*
 * Issue 6 (2): libelf sized its section array from e_shnum / section 0's sh_size before
 * anything checked them (a 128 MiB sparse file with 2 M sections took 400 MB). Every count
 * in the ELF header is ours to bound now, and a section table is a failed elf.sections.
 */
START_TEST(hostile_section_counts)
{
	struct core c = good_core();
	/* e_shnum 0, section 0's sh_size 2 M, the whole table inside a sparse file */
	{
		_cleanup_free_ char *path = write_core(&c);
		struct stat st;
		ck_assert_int_eq(stat(path, &st), 0);
		uint64_t shoff = ((uint64_t)st.st_size + 4095) & ~4095ULL;
		put_shdr0(path, shoff, 2u << 20, 0, SHT_NULL);
		ck_assert_int_eq(truncate(path, (off_t)(shoff + (2ULL << 20) * 64)), 0);
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate_any(path);
		const struct kl_check_result *r = must_find(v, "elf.sections");
		ck_assert_int_eq(r->status, KL_CHECK_FAILED);
		ck_assert_ptr_nonnull(strstr(r->message, "claims 2097152 sections"));
		ck_assert(!kl_validation_ok(v));
		/* the program headers were still read (from our bounded copy) */
		ck_assert_int_eq(must_find(v, "phdr.count")->status, KL_CHECK_PASSED);
		unlink(path);
	}
	/* e_shnum 65535 with e_shoff 0, and e_shnum 65535 with a table in the file */
	for (int in_file = 0; in_file < 2; in_file++) {
		_cleanup_free_ char *path = write_core(&c);
		patch16(path, offsetof(Elf64_Ehdr, e_shnum), 65535);
		if (in_file)
			put_shdr0(path, 1024, 0, 0, SHT_NULL);
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate_any(path);
		ck_assert_int_eq(must_find(v, "elf.sections")->status, KL_CHECK_FAILED);
		ck_assert(!kl_validation_ok(v));
		unlink(path);
	}
	/* e_shoff past the end of the file */
	{
		_cleanup_free_ char *path = write_core(&c);
		patch64(path, offsetof(Elf64_Ehdr, e_shoff), 1ULL << 62);
		patch16(path, offsetof(Elf64_Ehdr, e_shentsize), sizeof(Elf64_Shdr));
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate_any(path);
		const struct kl_check_result *r = must_find(v, "elf.sections");
		ck_assert_int_eq(r->status, KL_CHECK_FAILED);
		ck_assert_ptr_nonnull(strstr(r->message, "is not inside the"));
		unlink(path);
	}
}
END_TEST

/* 70000 empty notes (16 bytes each) in a 1.1 MB PT_NOTE: indexed up to 65536, then notes.parse
 * fails (an index of 16 MiB of such notes would cost 40 MiB). */
START_TEST(hostile_note_count)
{
	struct core c = good_core();
	_cleanup_free_ char *path = write_core(&c);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	const size_t n = 70000;
	_cleanup_free_ unsigned char *seg = calloc(n, 16);
	for (size_t i = 0; i < n; i++)
		seg[i * 16] = 1; /* n_namesz 1 (""), n_descsz 0, n_type 0 */
	uint64_t off = ((uint64_t)st.st_size + 4095) & ~4095ULL;
	patch(path, off, seg, n * 16);
	patch64(path, 64 + offsetof(Elf64_Phdr, p_offset), off); /* PT_NOTE is phdr 0 */
	patch64(path, 64 + offsetof(Elf64_Phdr, p_filesz), n * 16);
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate_any(path);
	const struct kl_check_result *r = must_find(v, "notes.parse");
	ck_assert_int_eq(r->status, KL_CHECK_FAILED);
	ck_assert_msg(strstr(r->message, "more than 65536 notes"), "%s", r->message);
	unlink(path);
}
END_TEST

/* Extended numbering: e_phnum == PN_XNUM takes the count from section 0's sh_info, bounded. */
START_TEST(hostile_pn_xnum)
{
	struct core c = good_core();
	int phnum = 4; /* PT_NOTE + 3 PT_LOADs (write_core) */
	/* A well-formed PN_XNUM header (as Linux and QEMU write it) reads the same dump. */
	{
		_cleanup_free_ char *path = write_core(&c);
		_cleanup_(kl_validation_freep) struct kl_validation *want = validate_any(path);
		patch16(path, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM);
		patch16(path, offsetof(Elf64_Ehdr, e_shnum), 1);
		put_shdr0(path, 1024, 1, (uint32_t)phnum, SHT_NULL); /* in the header padding */
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate_any(path);
		ck_assert_int_eq(must_find(v, "elf.sections")->status, KL_CHECK_PASSED);
		ck_assert_int_eq(must_find(v, "phdr.count")->status, KL_CHECK_PASSED);
		ck_assert_uint_eq(v->n_load, want->n_load);
		ck_assert_uint_eq(v->n_failed, want->n_failed);
		unlink(path);
	}
	/* sh_info huge, sh_info past the file, and no section 0 at all */
	static const struct {
		uint32_t sh_info;
		bool no_shdr;
		uint64_t truncate_to;
		const char *message;
	} bad[] = {
		{ 0xffffffffu, false, 0, "expected at most" },
		{ 100000, false, 1 << 20, "ends past the file size" },
		{ 0, true, 0, "section 0 is not readable" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_free_ char *path = write_core(&c);
		patch16(path, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM);
		if (!bad[i].no_shdr) {
			patch16(path, offsetof(Elf64_Ehdr, e_shnum), 1);
			put_shdr0(path, 1024, 1, bad[i].sh_info, SHT_NULL);
		}
		if (bad[i].truncate_to)
			ck_assert_int_eq(truncate(path, (off_t)bad[i].truncate_to), 0);
		_cleanup_(kl_validation_freep) struct kl_validation *v = validate_any(path);
		const struct kl_check_result *r = must_find(v, "phdr.count");
		ck_assert_int_eq(r->status, KL_CHECK_FAILED);
		ck_assert_msg(strstr(r->message, bad[i].message), "%zu: %s", i, r->message);
		ck_assert(!kl_validation_ok(v));
		unlink(path);
	}
}
END_TEST

/* Issue 6 (4): a deadline in the past or the interrupt flag stops a raw ELF validation too. */
START_TEST(deadline_and_interrupt_stop_elf)
{
	struct core c = good_core();
	_cleanup_free_ char *path = write_core(&c);
	for (int how = 0; how < 2; how++) {
		volatile sig_atomic_t flag = how == 1;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		struct kl_validate_input in = { .deadline = how == 0 ? (double)ts.tv_sec - 1 : 0,
						.interrupted = &flag };
		_cleanup_error_ struct kl_error *e = NULL;
		struct kl_validation *v = NULL;
		int r = kl_vmcore_validate_any(path, &in, &v, &e);
		ck_assert_int_eq(r, how == 0 ? -ETIMEDOUT : -EINTR);
		ck_assert_ptr_null(v);
		ck_assert_msg(strstr(e->msg, how == 0 ? "reached its deadline" : "interrupted"),
			      "%s", e->msg);
		ck_assert_msg(strstr(e->msg, path), "%s", e->msg);
	}
	unlink(path);
}
END_TEST

/*
 * Issue 6 (7): dump bytes reach check messages and the JSON only as valid UTF-8 without
 * control characters (C0 but tab, DEL, C1). Every byte value and real escape sequences go
 * through VMCOREINFO values, a VMCOREINFO key, log records and the uts release.
 */
static bool clean_text(const char *s, bool allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		int n;
		if (*p < 0x80) {
			cp = *p, n = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f, n = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f, n = 3;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07, n = 4;
		} else {
			return false;
		}
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false; /* overlong, out of range, surrogate */
		if ((cp < 0x20 && cp != '\t' && !(allow_newline && cp == '\n')) || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f))
			return false;
		p += n;
	}
	return true;
}

static void assert_clean_validation(const struct kl_validation *v, const char *what, FILE *docs)
{
	for (size_t i = 0; i < v->n_results; i++)
		ck_assert_msg(clean_text(v->results[i].message, false), "%s: %s message \"%s\"",
			      what, v->results[i].id, v->results[i].message);
	struct json_object *o = kl_validation_to_json(v);
	ck_assert_ptr_nonnull(o);
	/* as `kdumplab validate --json` prints it */
	const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_msg(clean_text(js, true), "%s: JSON %s", what, js);
	fputs(js, docs); /* for Python's json, NUL-separated */
	fputc('\0', docs);
	json_object_put(o);
}

START_TEST(dump_bytes_escaped)
{
	char all[256];
	size_t n = 0;
	for (int b = 1; b < 256; b++)
		if (b != '\n')
			all[n++] = (char)b;
	all[n] = '\0';
	const char *const payloads[] = {
		all,
		"6.1\x1b]52;c;aGk=\x07",
		"\x1b[2J\x1b[31mred",
		"\x9b"
		"31m",
		"\xff\xfe",
		"\xc0\xaf",
		"\xed\xa0\x80 surrogate",
		"tab\tand\x7f",
	};
	const char *const keys[] = { "OSRELEASE",
				     "CRASHTIME",
				     "PAGESIZE",
				     "BUILD-ID",
				     "SYMBOL(prb)",
				     "NUMBER(phys_base)",
				     "SYMBOL(init_uts_ns)",
				     "KERNELOFFSET",
				     "SYMBOL(_stext)" };
	_cleanup_(kl_facts_freep) struct kl_facts *f = good_facts();
	char *docs_buf = NULL;
	size_t docs_len = 0;
	FILE *docs = open_memstream(&docs_buf, &docs_len);
	ck_assert_ptr_nonnull(docs);
	for (size_t i = 0; i < ELEMENTSOF(payloads); i++) {
		for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
			_cleanup_free_ char *set = NULL;
			ck_assert_int_ge(asprintf(&set, "%s=%s", keys[k], payloads[i]), 0);
			struct core c = good_core();
			c.vi_set = set;
			_cleanup_free_ char *path = write_core(&c);
			struct kl_validate_input in = { .facts = f };
			_cleanup_(kl_validation_freep) struct kl_validation *v =
				validate(path, &in);
			char what[64];
			snprintf(what, sizeof(what), "payload %zu in %s", i, keys[k]);
			assert_clean_validation(v, what, docs);
			unlink(path);
		}
		/* as a key (vmcoreinfo.parse quotes the line), in the log and the uts release */
		_cleanup_free_ char *key = NULL;
		ck_assert_int_ge(asprintf(&key, "%s=1", payloads[i]), 0);
		const char *const log[] = { "Linux version " SYN_OSRELEASE, payloads[i],
					    "kdumplab: nonce=" SYN_NONCE " scenario=sysrq pid=101",
					    payloads[i], NULL };
		char rel[65];
		snprintf(rel, sizeof(rel), "%s", payloads[i]);
		for (int where = 0; where < 2; where++) {
			struct core c = good_core();
			if (where == 0)
				c.vi_set = key;
			else
				c.mem = (struct syn_opts){ .log = log, .uts_release = rel };
			_cleanup_free_ char *path = write_core(&c);
			struct kl_validate_input in = { .facts = f };
			_cleanup_(kl_validation_freep) struct kl_validation *v =
				validate(path, &in);
			assert_clean_validation(v, where == 0 ? "key" : "log and uts", docs);
			if (where == 0)
				ck_assert_int_eq(kl_validation_find(v, "vmcoreinfo.parse")->status,
						 KL_CHECK_FAILED);
			unlink(path);
		}
	}
	/* Python's json parses every document, as `kdumplab validate --json` prints it (one
	 * python3 for all: skipped where there is none) */
	ck_assert_int_eq(fclose(docs), 0);
	FILE *py = popen(
		"command -v python3 >/dev/null || exit 0; exec python3 -c 'import json,sys\n"
		"for d in sys.stdin.buffer.read().split(b\"\\0\")[:-1]: json.loads(d.decode())'",
		"w");
	ck_assert_ptr_nonnull(py);
	ck_assert_uint_eq(fwrite(docs_buf, 1, docs_len, py), docs_len);
	ck_assert_msg(pclose(py) == 0, "python3's json rejects a validation's JSON");
	free(docs_buf);
}
END_TEST

/* A real dump when one is around (from an integration run): structure must pass. */
int main(void)
{
	Suite *s = suite_create("vmcore");
	TCase *t = tcase_create("all");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, valid_core_passes);
	tcase_add_test(t, structure_only);
	tcase_add_loop_test(t, corruption_fails_expected_check, 0, (int)ELEMENTSOF(corruptions));
	tcase_add_test(t, not_elf);
	tcase_add_test(t, fuzz_headers);
	tcase_add_test(t, fuzz_memory);
	tcase_add_test(t, log_buf_kernel_skips);
	tcase_add_test(t, vmcoreinfo_parse_api);
	tcase_add_test(t, hostile_section_counts);
	tcase_add_test(t, hostile_pn_xnum);
	tcase_add_test(t, hostile_note_count);
	tcase_add_test(t, deadline_and_interrupt_stop_elf);
	tcase_add_test(t, dump_bytes_escaped);
	suite_add_tcase(s, t);
	return kl_check_run(s);
}
