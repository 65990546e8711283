/* SPDX-License-Identifier: MIT */
/*
 * vmcore checks on synthetic cores: a small writer lays out what /proc/vmcore looks like
 * (ELF header, PT_NOTE first with N NT_PRSTATUS notes and VMCOREINFO, page-aligned
 * PT_LOADs, sparse), then each corruption must fail exactly the expected checks.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts.h"
#include "macro.h"
#include "manifest.h"
#include "protocol.h"
#include "vmcore.h"

#define PAGE	     4096u
#define OSRELEASE    "6.1.0-56-cloud-amd64"
#define TRIGGER_TIME 1700000000

struct core {
	uint16_t e_type, e_machine;
	uint32_t e_flags;
	int ncpus;
	uint32_t prstatus_descsz;
	int n_loads;
	int vmcoreinfo_notes;	       /* how many VMCOREINFO notes */
	const char *vmcoreinfo;	       /* NULL: a good default */
	bool note_second;	       /* PT_LOAD at index 0, PT_NOTE at 1 */
	bool null_phdr;		       /* the last PT_LOAD becomes PT_NULL */
	int64_t note_filesz_delta;     /* added to PT_NOTE p_filesz */
	uint32_t last_descsz_delta;    /* added to the last note's n_descsz */
	uint64_t load_offset_override; /* last PT_LOAD's p_offset when non-zero */
	uint64_t truncate_by;	       /* bytes cut off the end of the file */
	uint16_t phnum_override;
	uint64_t paddr_misalign;
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

static const char default_vmcoreinfo[] = "OSRELEASE=" OSRELEASE "\n"
					 "BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
					 "PAGESIZE=4096\n"
					 "SYMBOL(init_uts_ns)=ffffffff82e1a3a0\n"
					 "SYMBOL(prb)=ffffffff82c5b0e8\n"
					 "OFFSET(printk_ringbuffer.desc_ring)=0\n"
					 "SIZE(page)=64\n"
					 "NUMBER(phys_base)=0\n"
					 "KERNELOFFSET=0\n"
					 "CRASHTIME=1700000003\n";

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

/* Write the core to a new temp file; returns its path (caller frees and unlinks). */
static char *write_core(const struct core *c)
{
	char *path = strdup("/tmp/kl-core-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);

	int phnum = 1 + c->n_loads;
	uint64_t note_off = (64 + 56 * (uint64_t)phnum + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	static unsigned char notes[64 * 1024];
	size_t nl = 0;
	const char *vi = c->vmcoreinfo ? c->vmcoreinfo : default_vmcoreinfo;
	int total_notes = c->ncpus + c->vmcoreinfo_notes, k = 0;

	memset(notes, 0, sizeof(notes));
	for (int i = 0; i < c->ncpus; i++, k++) {
		unsigned char prs[512] = { 0 };
		int32_t pid = 100 + i;
		memcpy(prs + 32, &pid, 4);
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
			       .p_memsz = nl,
			       .p_align = 4 };
	for (int i = 0, li = 0; i < phnum; i++) {
		if (i == ni)
			continue;
		uint64_t paddr = 0x1000000ULL * (uint64_t)(li + 1), len = 2 * PAGE;
		ph[i] = (Elf64_Phdr){ .p_type = PT_LOAD,
				      .p_flags = PF_R | PF_W | PF_X,
				      .p_offset = off,
				      .p_paddr = paddr + (li == 1 ? c->paddr_misalign : 0),
				      .p_vaddr = li == 0 ? 0xffffffff81000000ULL
							 : 0xffff888000000000ULL + paddr,
				      .p_filesz = len,
				      .p_memsz = len };
		/* Memory contents: one data page, one zero page (left as a hole). */
		unsigned char page[PAGE];
		memset(page, 0x40 + li, sizeof(page));
		ck_assert_int_eq(pwrite(fd, page, PAGE, (off_t)off), PAGE);
		off += len;
		li++;
	}
	uint64_t size = off - c->truncate_by;
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
	f->loader.uname_r = strdup(OSRELEASE);
	f->loader.page_size = 4096;
	f->loader.cpus_online = 2;
	f->loader.trigger_time = TRIGGER_TIME;
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
	ck_assert_str_eq(kl_vmcoreinfo_get(v->vmcoreinfo, "SYMBOL(prb)"), "ffffffff82c5b0e8");

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
	static const char *const skipped[] = { "notes.prstatus-count", "vmcoreinfo.osrelease",
					       "vmcoreinfo.crashtime-window", "manifest.size",
					       "manifest.hash" };
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
	  "phdr.types",
	  .message = "index 3 with p_type 0" },
	{ "load beyond EOF",
	  { GOOD, .truncate_by = PAGE + 1 },
	  "phdr.load-bounds manifest.size manifest.hash",
	  .message = "ends beyond the file size" },
	{ "load offset overflow",
	  { GOOD, .load_offset_override = UINT64_MAX - 4095 },
	  "phdr.load-bounds",
	  .message = "overflows 64 bits" },
	{ "load misaligned", { GOOD, .paddr_misalign = 0x10 }, "phdr.load-align" },
	{ "phnum beyond file",
	  { GOOD, .phnum_override = 60000 },
	  "phdr.count",
	  .message = "ends past the file size" },
	{ "one phdr",
	  { GOOD, .phnum_override = 1 },
	  "phdr.count phdr.load-bounds",
	  .message = "e_phnum is 1, expected at least 2" },
	{ "note beyond EOF",
	  { GOOD, .note_filesz_delta = 1 << 20 },
	  "phdr.note-bounds",
	  .message = "ends past the file size" },
	{ "note segment too short",
	  { GOOD, .note_filesz_delta = -8 },
	  "notes.parse",
	  .message = "runs past the segment end" },
	{ "truncated note",
	  { GOOD, .last_descsz_delta = 64 },
	  "notes.parse",
	  .message = "note 2 at file offset 0x12c8: n_namesz 11 + n_descsz" },
	{ "trailing padding",
	  { GOOD, .note_filesz_delta = 16 },
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
	  "notes.prstatus-count",
	  .message = "1 NT_PRSTATUS notes, expected 2" },
	{ "wrong CPU count",
	  { GOOD },
	  "notes.prstatus-count",
	  .expected_cpus = 4,
	  .message = "2 NT_PRSTATUS notes, expected 4" },
	{ "wrong OSRELEASE",
	  { GOOD },
	  "vmcoreinfo.osrelease",
	  .facts_uname_r = "6.12.9-amd64",
	  .message = "OSRELEASE=" OSRELEASE ", the first kernel's uname -r is 6.12.9-amd64" },
	{ "wrong page size",
	  { GOOD },
	  "vmcoreinfo.pagesize",
	  .facts_page_size = 16384,
	  .message = "PAGESIZE=4096, the first kernel's page size is 16384" },
	{ "no CRASHTIME",
	  { GOOD, .vmcoreinfo = "OSRELEASE=" OSRELEASE "\nPAGESIZE=4096\n" },
	  "vmcoreinfo.crashtime",
	  .message = "no CRASHTIME" },
	{ "no OSRELEASE",
	  { GOOD, .vmcoreinfo = "PAGESIZE=4096\nCRASHTIME=1700000001\n" },
	  "vmcoreinfo.osrelease" },
	{ "CRASHTIME far off",
	  { GOOD, .vmcoreinfo = "OSRELEASE=" OSRELEASE "\nPAGESIZE=4096\nCRASHTIME=1600000000\n" },
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
	struct kl_validate_input in = { .facts = f,
					.manifest = m,
					.expected_cpus = x->expected_cpus };
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

/* A real dump when one is around (from an integration run): structure must pass. */
START_TEST(real_dump)
{
	const char *path = getenv("KL_REAL_VMCORE");
	if (!path || access(path, R_OK) < 0)
		return; /* nothing to check here; the synthetic cores cover the logic */
	_cleanup_(kl_validation_freep) struct kl_validation *v = validate(path, NULL);
	dump_results(v);
	ck_assert(kl_validation_ok(v));
}
END_TEST

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
	tcase_add_test(t, vmcoreinfo_parse_api);
	tcase_add_test(t, real_dump);
	suite_add_tcase(s, t);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
