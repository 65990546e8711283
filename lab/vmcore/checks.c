/* SPDX-License-Identifier: MIT */
/*
 * The check table. Each check has a stable id, a severity, the loading stages it needs
 * (a check whose stage is missing is skipped; the check that owns the stage has failed
 * and says why), and a function that compares and writes a message naming both values.
 * Invariant numbers refer to shared/reference/vmcore-invariants.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>

#include "dump.h"
#include "facts.h"
#include "macro.h"
#include "manifest.h"

enum need {
	NEED_EHDR = 1 << 0,
	NEED_PHDRS = 1 << 1,
	NEED_NOTE_SEG = 1 << 2,
	NEED_NOTES = 1 << 3,
	NEED_VMCOREINFO_NOTE = 1 << 4,
	NEED_VMCOREINFO = 1 << 5,
};

struct ctx {
	struct kl_dump *d;
	const struct kl_validate_input *in;
	int expected_cpus; /* <= 0: unknown */
	struct kl_error **err;
};

/* A check returns 0 after setting r->status and r->message, or -errno on I/O errors. */
struct check {
	const char *id;
	enum kl_severity severity;
	unsigned needs;
	int (*run)(struct ctx *c, struct kl_check_result *r);
};

static int set(struct kl_check_result *r, enum kl_check_status st, const char *fmt, ...)
	_printf_(3, 4);
static int set(struct kl_check_result *r, enum kl_check_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->message);
	if (vasprintf(&r->message, fmt, ap) < 0)
		r->message = NULL;
	va_end(ap);
	r->status = st;
	return r->message ? 0 : -ENOMEM;
}
#define PASS(r, ...)	    set(r, KL_CHECK_PASSED, __VA_ARGS__)
#define FAIL(r, ...)	    set(r, KL_CHECK_FAILED, __VA_ARGS__)
#define SKIP(r, ...)	    set(r, KL_CHECK_SKIPPED, __VA_ARGS__)
#define CHECK(r, cond, ...) set(r, (cond) ? KL_CHECK_PASSED : KL_CHECK_FAILED, __VA_ARGS__)

/* ---- ELF header (invariants 6, 9) ---- */

static int check_ident(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_ehdr)
		return FAIL(r, "not a usable ELF64 file: %s", d->ehdr_error ? d->ehdr_error : "?");
	return PASS(r, "ELF64, little-endian, version 1, %" PRIu64 " bytes", d->size);
}

static int check_type(struct ctx *c, struct kl_check_result *r)
{
	unsigned t = c->d->ehdr.e_type;
	return CHECK(r, t == ET_CORE, "e_type is %u, expected %u (ET_CORE)", t, ET_CORE);
}

static int check_machine(struct ctx *c, struct kl_check_result *r)
{
	unsigned m = c->d->ehdr.e_machine;
	return CHECK(r, m == EM_X86_64, "e_machine is %u, expected %u (EM_X86_64)", m, EM_X86_64);
}

static int check_header(struct ctx *c, struct kl_check_result *r)
{
	const GElf_Ehdr *e = &c->d->ehdr;
	bool ok = e->e_version == EV_CURRENT && e->e_ehsize == sizeof(Elf64_Ehdr) &&
		  e->e_phentsize == sizeof(Elf64_Phdr) && e->e_phoff == sizeof(Elf64_Ehdr);
	return CHECK(
		r, ok,
		"e_version %u (expected 1), e_ehsize %u (expected 64), e_phentsize %u (expected 56), e_phoff %" PRIu64
		" (expected 64)",
		(unsigned)e->e_version, e->e_ehsize, e->e_phentsize, (uint64_t)e->e_phoff);
}

static int check_flags(struct ctx *c, struct kl_check_result *r)
{
	/* makedumpfile sets DUMP_ELF_INCOMPLETE (0x1) when it could not finish. */
	unsigned f = c->d->ehdr.e_flags;
	return CHECK(r, !(f & 1), "e_flags is %#x, expected the incomplete bit 0x1 clear", f);
}

/* ---- program headers (invariants 6, 7, 11, 12) ---- */

static int check_phdr_count(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_phdrs)
		return FAIL(r, "program headers unreadable: %s",
			    d->phdrs_error ? d->phdrs_error : "?");
	return CHECK(r, d->n_phdrs >= 2, "e_phnum is %zu, expected at least 2 (PT_NOTE + PT_LOAD)",
		     d->n_phdrs);
}

static int check_note_first(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	size_t n_note = 0, first = SIZE_MAX;
	for (size_t i = 0; i < d->n_phdrs; i++)
		if (d->phdrs[i].p_type == PT_NOTE) {
			n_note++;
			if (first == SIZE_MAX)
				first = i;
		}
	if (n_note == 0)
		return FAIL(r, "no PT_NOTE among %zu program headers, expected exactly one, first",
			    d->n_phdrs);
	return CHECK(
		r, n_note == 1 && first == 0,
		"%zu PT_NOTE headers, the first at index %zu; expected exactly one, at index 0",
		n_note, first);
}

static int check_types(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		unsigned t = d->phdrs[i].p_type;
		if (t != PT_LOAD && !(t == PT_NOTE && (int)i == d->note_index) && bad++ == 0)
			first = i;
	}
	if (bad)
		return FAIL(
			r,
			"%zu program headers are neither the PT_NOTE nor PT_LOAD; the first is index %zu with p_type %#x",
			bad, first, (unsigned)d->phdrs[first].p_type);
	return PASS(r, "1 PT_NOTE and %zu PT_LOAD headers", d->n_phdrs ? d->n_phdrs - 1 : 0);
}

static int check_note_bounds(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_note_seg)
		return FAIL(r, "%s",
			    d->note_seg_error ? d->note_seg_error : "note segment unreadable");
	return PASS(r,
		    "PT_NOTE at file offset %#" PRIx64 ", %" PRIu64
		    " bytes, within the file size %" PRIu64,
		    d->note_off, d->note_len, d->size);
}

static int check_load_bounds(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	uint64_t last_end = 0;
	size_t n = 0;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type != PT_LOAD)
			continue;
		n++;
		if (p->p_offset > d->size || p->p_filesz > d->size - p->p_offset) {
			/* Overflow-safe: the sum may wrap, so say it in parts. */
			uint64_t end = p->p_offset + p->p_filesz;
			bool wraps = end < p->p_offset;
			return FAIL(r,
				    "PT_LOAD %zu: p_offset %#" PRIx64 " + p_filesz %#" PRIx64
				    " %s the file size %#" PRIx64 " (%s)",
				    i, (uint64_t)p->p_offset, (uint64_t)p->p_filesz,
				    wraps ? "overflows 64 bits, beyond" : "ends beyond", d->size,
				    wraps ? "corrupt header" : "dump truncated or header corrupt");
		}
		if (p->p_offset + p->p_filesz > last_end)
			last_end = p->p_offset + p->p_filesz;
	}
	if (n == 0)
		return FAIL(r, "no PT_LOAD headers: the dump holds no memory");
	return PASS(r, "%zu PT_LOADs end by %#" PRIx64 ", within the file size %#" PRIx64, n,
		    last_end, d->size);
}

static int check_load_align(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	for (size_t i = 0; i < d->n_phdrs; i++) {
		const GElf_Phdr *p = &d->phdrs[i];
		if (p->p_type == PT_LOAD && (p->p_offset - p->p_paddr) % 4096 != 0)
			return FAIL(r,
				    "PT_LOAD %zu: p_offset %#" PRIx64 " and p_paddr %#" PRIx64
				    " differ by a non-multiple of 4096",
				    i, (uint64_t)p->p_offset, (uint64_t)p->p_paddr);
	}
	return PASS(r, "every PT_LOAD has p_offset and p_paddr congruent modulo 4096");
}

/* ---- notes (invariants 18-21) ---- */

static int check_notes_parse(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_notes)
		return FAIL(r, "%s", d->notes_error ? d->notes_error : "notes unreadable");
	return PASS(r, "%zu notes fill the %" PRIu64 "-byte PT_NOTE exactly", d->n_notes,
		    d->note_len);
}

static int check_vmcoreinfo_note(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	const struct kl_note *n = d->vmcoreinfo_note;
	if (d->n_vmcoreinfo_notes != 1)
		return FAIL(r, "%zu \"VMCOREINFO\" notes, expected exactly 1",
			    d->n_vmcoreinfo_notes);
	return CHECK(r, n->type == 0 && n->descsz > 0 && n->descsz <= KL_VMCOREINFO_MAX,
		     "one \"VMCOREINFO\" note: n_type %" PRIu32 " (expected 0), n_descsz %" PRIu32
		     " (expected 1..%d)",
		     n->type, n->descsz, KL_VMCOREINFO_MAX);
}

static int check_prstatus_size(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	size_t n = 0;
	for (size_t i = 0; i < d->n_notes; i++) {
		const struct kl_note *x = &d->notes[i];
		if (!kl_note_is(x, "CORE", NT_PRSTATUS))
			continue;
		n++;
		if (x->descsz != KL_X86_64_PRSTATUS_SIZE)
			return FAIL(r,
				    "NT_PRSTATUS note %zu at file offset %#" PRIx64
				    ": n_descsz %" PRIu32 ", expected %d (x86_64 elf_prstatus)",
				    n - 1, x->offset, x->descsz, KL_X86_64_PRSTATUS_SIZE);
	}
	return PASS(r, "%zu \"CORE\" NT_PRSTATUS notes of %d bytes", n, KL_X86_64_PRSTATUS_SIZE);
}

static int check_prstatus_count(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	size_t n = 0;
	for (size_t i = 0; i < d->n_notes; i++)
		if (kl_note_is(&d->notes[i], "CORE", NT_PRSTATUS))
			n++;
	if (c->expected_cpus <= 0)
		return SKIP(r, "%zu NT_PRSTATUS notes; the number of CPUs online is unknown", n);
	/* Fewer means a CPU did not answer the crash NMI (or was offline): still wrong here. */
	return CHECK(r, n == (size_t)c->expected_cpus,
		     "%zu NT_PRSTATUS notes, expected %d (CPUs online at the crash)", n,
		     c->expected_cpus);
}

/* ---- VMCOREINFO (invariants 25-28) ---- */

static int check_vmcoreinfo_parse(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_vmcoreinfo)
		return FAIL(r, "%s", d->vmcoreinfo_error ? d->vmcoreinfo_error : "unparsable");
	return PASS(r, "%zu KEY=value lines in %" PRIu32 " bytes", d->vmcoreinfo->n_entries,
		    d->vmcoreinfo_note->descsz);
}

static const struct kl_loader_facts *loader_facts(const struct ctx *c)
{
	return c->in && c->in->facts ? &c->in->facts->loader : NULL;
}

static int check_osrelease(struct ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "OSRELEASE");
	const struct kl_loader_facts *l = loader_facts(c);
	if (!v)
		return FAIL(r, "VMCOREINFO has no OSRELEASE");
	if (!l || !l->uname_r)
		return SKIP(r, "OSRELEASE=%s; the first kernel's uname -r is unknown", v);
	return CHECK(r, streq(v, l->uname_r), "OSRELEASE=%s, the first kernel's uname -r is %s", v,
		     l->uname_r);
}

static int parse_dec(const char *s, uint64_t *ret)
{
	if (!s || !*s || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	*ret = strtoull(s, NULL, 10);
	return 0;
}

static int check_pagesize(struct ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "PAGESIZE");
	const struct kl_loader_facts *l = loader_facts(c);
	uint64_t ps;
	if (!v)
		return FAIL(r, "VMCOREINFO has no PAGESIZE");
	if (parse_dec(v, &ps) < 0)
		return FAIL(r, "PAGESIZE=%s is not a decimal number", v);
	if (!l || l->page_size < 0)
		return CHECK(r, ps == 4096, "PAGESIZE=%s, expected 4096 on x86_64", v);
	return CHECK(r, ps == (uint64_t)l->page_size,
		     "PAGESIZE=%s, the first kernel's page size is %" PRId64, v, l->page_size);
}

static int check_crashtime(struct ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "CRASHTIME");
	uint64_t t;
	if (!v)
		return FAIL(
			r,
			"VMCOREINFO has no CRASHTIME: not written by a kernel crash (a QEMU dump?)");
	if (parse_dec(v, &t) < 0)
		return FAIL(r, "CRASHTIME=%s is not decimal seconds", v);
	return PASS(r, "CRASHTIME=%s", v);
}

static int check_crashtime_window(struct ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "CRASHTIME");
	const struct kl_loader_facts *l = loader_facts(c);
	unsigned before = c->in && c->in->crashtime_before ? c->in->crashtime_before : 10;
	unsigned after = c->in && c->in->crashtime_after ? c->in->crashtime_after : 600;
	uint64_t t;
	if (!v || parse_dec(v, &t) < 0)
		return SKIP(r, "no usable CRASHTIME (see vmcoreinfo.crashtime)");
	if (!l || l->trigger_time < 0)
		return SKIP(r, "CRASHTIME=%s; the trigger time is unknown", v);
	int64_t delta = (int64_t)t - l->trigger_time;
	return CHECK(r, delta >= -(int64_t)before && delta <= (int64_t)after,
		     "CRASHTIME=%s is %+" PRId64 " s from the trigger time %" PRId64
		     ", expected within [-%u, +%u] s",
		     v, delta, l->trigger_time, before, after);
}

/* ---- the saver's manifest (invariant 4) ---- */

static int check_manifest_size(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_manifest *m = c->in ? c->in->manifest : NULL;
	if (!m)
		return SKIP(r, "no manifest given");
	return CHECK(r, m->size == c->d->size,
		     "manifest size=%" PRIu64 ", the pulled file has %" PRIu64 " bytes", m->size,
		     c->d->size);
}

static int check_manifest_hash(struct ctx *c, struct kl_check_result *r)
{
	const struct kl_manifest *m = c->in ? c->in->manifest : NULL;
	uint64_t size, hash;
	if (!m)
		return SKIP(r, "no manifest given");
	int k = kl_dump_hash_fd(c->d->fd, c->d->path, &size, &hash, NULL, c->err);
	if (k < 0)
		return k;
	return CHECK(r, hash == m->hash,
		     "manifest hash=%016" PRIx64 ", the pulled file hashes to %016" PRIx64, m->hash,
		     hash);
}

#define E KL_SEVERITY_ERROR
#define W KL_SEVERITY_WARNING
static const struct check checks[] = {
	{ "elf.ident", E, 0, check_ident },
	{ "elf.type", E, NEED_EHDR, check_type },
	{ "elf.machine", E, NEED_EHDR, check_machine },
	{ "elf.header", E, NEED_EHDR, check_header },
	{ "elf.flags", E, NEED_EHDR, check_flags },
	{ "phdr.count", E, NEED_EHDR, check_phdr_count },
	{ "phdr.note-first", E, NEED_PHDRS, check_note_first },
	{ "phdr.types", E, NEED_PHDRS, check_types },
	{ "phdr.note-bounds", E, NEED_PHDRS, check_note_bounds },
	{ "phdr.load-bounds", E, NEED_PHDRS, check_load_bounds },
	{ "phdr.load-align", E, NEED_PHDRS, check_load_align },
	{ "notes.parse", E, NEED_NOTE_SEG, check_notes_parse },
	{ "notes.vmcoreinfo", E, NEED_NOTES, check_vmcoreinfo_note },
	{ "notes.prstatus-size", E, NEED_NOTES, check_prstatus_size },
	{ "notes.prstatus-count", E, NEED_NOTES, check_prstatus_count },
	{ "vmcoreinfo.parse", E, NEED_VMCOREINFO_NOTE, check_vmcoreinfo_parse },
	{ "vmcoreinfo.osrelease", E, NEED_VMCOREINFO, check_osrelease },
	{ "vmcoreinfo.pagesize", E, NEED_VMCOREINFO, check_pagesize },
	{ "vmcoreinfo.crashtime", E, NEED_VMCOREINFO, check_crashtime },
	{ "vmcoreinfo.crashtime-window", W, NEED_VMCOREINFO, check_crashtime_window },
	{ "manifest.size", E, 0, check_manifest_size },
	{ "manifest.hash", E, 0, check_manifest_hash },
};
#undef E
#undef W

const char *const *kl_vmcore_check_ids(void)
{
	static const char *ids[ELEMENTSOF(checks) + 1];
	for (size_t i = 0; i < ELEMENTSOF(checks); i++)
		ids[i] = checks[i].id;
	return ids;
}

/* Which stage is missing, and which check tells why. */
static const char *missing_stage(const struct kl_dump *d, unsigned needs)
{
	if ((needs & NEED_EHDR) && !d->have_ehdr)
		return "no usable ELF header (see elf.ident)";
	if ((needs & NEED_PHDRS) && !d->have_phdrs)
		return "no program headers (see phdr.count)";
	if ((needs & NEED_NOTE_SEG) && !d->have_note_seg)
		return "no readable PT_NOTE (see phdr.note-bounds)";
	if ((needs & NEED_NOTES) && !d->have_notes)
		return "notes do not parse (see notes.parse)";
	if ((needs & NEED_VMCOREINFO_NOTE) &&
	    (d->n_vmcoreinfo_notes != 1 || (!d->have_vmcoreinfo && !d->vmcoreinfo_error)))
		return "no single usable VMCOREINFO note (see notes.vmcoreinfo)";
	if ((needs & NEED_VMCOREINFO) && !d->have_vmcoreinfo)
		return "VMCOREINFO unusable (see notes.vmcoreinfo, vmcoreinfo.parse)";
	return NULL;
}

const char *kl_severity_name(enum kl_severity s)
{
	return s == KL_SEVERITY_WARNING ? "warning" : "error";
}

const char *kl_check_status_name(enum kl_check_status s)
{
	switch (s) {
	case KL_CHECK_PASSED:
		return "passed";
	case KL_CHECK_FAILED:
		return "failed";
	default:
		return "skipped";
	}
}

void kl_validation_free(struct kl_validation *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_results; i++)
		free(v->results[i].message);
	free(v->results);
	free(v->prstatus);
	kl_vmcoreinfo_free(v->vmcoreinfo);
	free(v);
}

static int collect_prstatus(struct kl_validation *v, const struct kl_dump *d)
{
	size_t n = 0;
	for (size_t i = 0; d->have_notes && i < d->n_notes; i++)
		n += kl_note_is(&d->notes[i], "CORE", NT_PRSTATUS);
	if (n == 0)
		return 0;
	v->prstatus = calloc(n, sizeof(*v->prstatus));
	if (!v->prstatus)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_notes; i++) {
		const struct kl_note *x = &d->notes[i];
		if (!kl_note_is(x, "CORE", NT_PRSTATUS))
			continue;
		struct kl_prstatus *p = &v->prstatus[v->n_prstatus++];
		p->note_offset = x->offset;
		p->pid = -1;
		if (x->descsz >= KL_PRSTATUS_PID_OFFSET + 4) {
			int32_t pid;
			memcpy(&pid, x->desc + KL_PRSTATUS_PID_OFFSET, sizeof(pid));
			p->pid = pid;
		}
	}
	return 0;
}

static int expected_cpus(const struct kl_validate_input *in)
{
	if (!in)
		return 0;
	if (in->expected_cpus > 0)
		return in->expected_cpus;
	if (in->facts && in->facts->loader.cpus_online > 0 &&
	    in->facts->loader.cpus_online <= 1 << 20)
		return (int)in->facts->loader.cpus_online;
	return 0;
}

int kl_vmcore_validate(const char *dump_path, const struct kl_validate_input *in,
		       struct kl_validation **ret, struct kl_error **err)
{
	_cleanup_(kl_dump_freep) struct kl_dump *d = NULL;
	_cleanup_(kl_validation_freep) struct kl_validation *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", dump_path);
	r = kl_dump_open(dump_path, &d, err);
	if (r < 0)
		return r;
	r = kl_dump_load_notes(d, err);
	if (r < 0)
		return r;
	kl_dump_load_vmcoreinfo(d);

	v->results = calloc(ELEMENTSOF(checks), sizeof(*v->results));
	if (!v->results)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", dump_path);
	struct ctx c = { .d = d, .in = in, .expected_cpus = expected_cpus(in), .err = err };
	for (size_t i = 0; i < ELEMENTSOF(checks); i++) {
		struct kl_check_result *res = &v->results[v->n_results++];
		const char *missing = missing_stage(d, checks[i].needs);
		res->id = checks[i].id;
		res->severity = checks[i].severity;
		r = missing ? SKIP(res, "%s", missing) : checks[i].run(&c, res);
		if (r == -ENOMEM)
			return kl_error_set(err, ENOMEM, "validating \"%s\"", dump_path);
		if (r < 0)
			return kl_error_wrap(err, "validating \"%s\" (%s)", dump_path, res->id);
		res->passed = res->status == KL_CHECK_PASSED;
		if (res->status == KL_CHECK_PASSED)
			v->n_passed++;
		else if (res->status == KL_CHECK_SKIPPED)
			v->n_skipped++;
		else if (res->severity == KL_SEVERITY_WARNING)
			v->n_warnings++;
		else
			v->n_failed++;
	}

	v->file_size = d->size;
	for (size_t i = 0; i < d->n_phdrs; i++)
		v->n_load += d->phdrs[i].p_type == PT_LOAD;
	if (collect_prstatus(v, d) < 0)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", dump_path);
	v->vmcoreinfo = TAKE_PTR(d->vmcoreinfo);
	*ret = TAKE_PTR(v);
	return 0;
}

bool kl_validation_ok(const struct kl_validation *v)
{
	return v && v->n_failed == 0;
}

const struct kl_check_result *kl_validation_find(const struct kl_validation *v, const char *id)
{
	for (size_t i = 0; i < v->n_results; i++)
		if (streq(v->results[i].id, id))
			return &v->results[i];
	return NULL;
}

const struct kl_check_result *kl_validation_first_failure(const struct kl_validation *v)
{
	const struct kl_check_result *warn = NULL;
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *x = &v->results[i];
		if (x->status != KL_CHECK_FAILED)
			continue;
		if (x->severity == KL_SEVERITY_ERROR)
			return x;
		if (!warn)
			warn = x;
	}
	return warn;
}

static int jadd(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v || json_object_object_add(o, k, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *kl_validation_to_json(const struct kl_validation *v)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *osr = kl_vmcoreinfo_get(v->vmcoreinfo, "OSRELEASE");
	const char *ct = kl_vmcoreinfo_get(v->vmcoreinfo, "CRASHTIME");

	if (!o || !a || jadd(o, "checks", a) < 0) {
		json_object_put(o);
		json_object_put(a);
		return NULL;
	}
	if (jadd(o, "ok", json_object_new_boolean(kl_validation_ok(v))) ||
	    jadd(o, "passed", json_object_new_int((int)v->n_passed)) ||
	    jadd(o, "failed", json_object_new_int((int)v->n_failed)) ||
	    jadd(o, "warnings", json_object_new_int((int)v->n_warnings)) ||
	    jadd(o, "skipped", json_object_new_int((int)v->n_skipped)) ||
	    jadd(o, "file_size", json_object_new_int64((int64_t)v->file_size)) ||
	    jadd(o, "loads", json_object_new_int((int)v->n_load)) ||
	    jadd(o, "cpus", json_object_new_int((int)v->n_prstatus)) ||
	    (osr && jadd(o, "osrelease", json_object_new_string(osr))) ||
	    (ct && jadd(o, "crashtime", json_object_new_string(ct)))) {
		json_object_put(o);
		return NULL;
	}
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *x = &v->results[i];
		struct json_object *e = json_object_new_object();
		if (!e || json_object_array_add(a, e) < 0) {
			json_object_put(e);
			json_object_put(o);
			return NULL;
		}
		/* e belongs to the array now: freeing o frees it. */
		if (jadd(e, "id", json_object_new_string(x->id)) ||
		    jadd(e, "severity", json_object_new_string(kl_severity_name(x->severity))) ||
		    jadd(e, "status", json_object_new_string(kl_check_status_name(x->status))) ||
		    jadd(e, "message", json_object_new_string(x->message ? x->message : ""))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}
