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

#include "base/macro.h"
#include "base/stop.h"
#include "base/text.h"
#include "checks.h"
#include "dump.h"
#include "guest/facts.h"
#include "guest/manifest.h"
#include "mem.h"
#include "scenario.h"

/*
 * Messages quote strings read out of the dump (uts names, VMCOREINFO values, log text): a
 * corrupt or hostile dump must not put control characters or invalid UTF-8 into terminals
 * and JSON reports, so every message goes through text.h (bytes outside printable ASCII as
 * \xNN).
 */
int kl_check_set(struct kl_check_result *r, enum kl_check_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->message);
	if (vasprintf(&r->message, fmt, ap) < 0)
		r->message = NULL;
	va_end(ap);
	if (r->message && kl_text_escape_inplace(&r->message, false) < 0) {
		free(r->message);
		r->message = NULL;
	}
	r->status = st;
	return r->message ? 0 : -ENOMEM;
}

/* ---- ELF header (invariants 6, 9) ---- */

int kl_check_elf_ident(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_ehdr)
		return FAIL(r, "not a usable ELF64 file: %s", d->ehdr_error ? d->ehdr_error : "?");
	return PASS(r, "ELF64, little-endian, version 1, %" PRIu64 " bytes", d->size);
}

int kl_check_elf_type(struct kl_check_ctx *c, struct kl_check_result *r)
{
	unsigned t = c->d->ehdr.e_type;
	return CHECK(r, t == ET_CORE, "e_type is %u, expected %u (ET_CORE)", t, ET_CORE);
}

int kl_check_elf_machine(struct kl_check_ctx *c, struct kl_check_result *r)
{
	unsigned m = c->d->ehdr.e_machine;
	return CHECK(r, m == EM_X86_64, "e_machine is %u, expected %u (EM_X86_64)", m, EM_X86_64);
}

int kl_check_elf_header(struct kl_check_ctx *c, struct kl_check_result *r)
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

int kl_check_elf_flags(struct kl_check_ctx *c, struct kl_check_result *r)
{
	/* makedumpfile sets DUMP_ELF_INCOMPLETE (0x1) when it could not finish. */
	unsigned f = c->d->ehdr.e_flags;
	return CHECK(r, !(f & 1), "e_flags is %#x, expected the incomplete bit 0x1 clear", f);
}

/* A vmcore has no sections (fs/proc/vmcore.c, makedumpfile -E); elf.c read at most
 * section 0, to resolve extended numbering, and gave libelf none of them. */
int kl_check_elf_sections(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	const GElf_Ehdr *e = &d->ehdr;
	if (d->sections_error)
		return FAIL(r, "%s", d->sections_error);
	if (e->e_shoff == 0)
		return PASS(r, "no section header table (e_shoff 0, e_shnum 0)");
	return PASS(r,
		    "only the SHT_NULL section 0 of extended numbering (sh_info %" PRIu32
		    " program headers)",
		    (uint32_t)d->shdr0.sh_info);
}

/* ---- program headers (invariants 6, 7, 11, 12) ---- */

int kl_check_elf_phdr_count(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_phdrs)
		return FAIL(r, "program headers unreadable: %s",
			    d->phdrs_error ? d->phdrs_error : "?");
	return CHECK(r, d->n_phdrs >= 2, "e_phnum is %zu, expected at least 2 (PT_NOTE + PT_LOAD)",
		     d->n_phdrs);
}

int kl_check_elf_note_first(struct kl_check_ctx *c, struct kl_check_result *r)
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

int kl_check_elf_types(struct kl_check_ctx *c, struct kl_check_result *r)
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

int kl_check_elf_note_bounds(struct kl_check_ctx *c, struct kl_check_result *r)
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

int kl_check_elf_load_bounds(struct kl_check_ctx *c, struct kl_check_result *r)
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

int kl_check_elf_load_align(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	/* makedumpfile -E packs segments back to back: nothing to align (layout.c). */
	if (c->makedumpfile_elf)
		return PASS(r, "makedumpfile -E layout: segments are packed, not page-aligned");
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

int kl_check_notes_parse(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_notes)
		return FAIL(r, "%s", d->notes_error ? d->notes_error : "notes unreadable");
	return PASS(r, "%zu notes fill the %" PRIu64 "-byte note area exactly", d->n_notes,
		    d->note_len);
}

int kl_check_vmcoreinfo_note(struct kl_check_ctx *c, struct kl_check_result *r)
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

int kl_check_prstatus_size(struct kl_check_ctx *c, struct kl_check_result *r)
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

size_t kl_dump_count_prstatus(const struct kl_dump *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_notes; i++)
		n += kl_note_is(&d->notes[i], "CORE", NT_PRSTATUS);
	return n;
}

int kl_check_prstatus_count(struct kl_check_ctx *c, struct kl_check_result *r)
{
	size_t n = kl_dump_count_prstatus(c->d);
	if (c->expected_cpus <= 0)
		return SKIP(r, "%zu NT_PRSTATUS notes; the number of CPUs online is unknown", n);
	/* Fewer means a CPU did not answer the crash NMI (or was offline): still wrong here. */
	return CHECK(r, n == (size_t)c->expected_cpus,
		     "%zu NT_PRSTATUS notes, expected %d (CPUs online at the crash)", n,
		     c->expected_cpus);
}

/* ---- VMCOREINFO (invariants 25-28) ---- */

int kl_check_vmcoreinfo_parse(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump *d = c->d;
	if (!d->have_vmcoreinfo)
		return FAIL(r, "%s", d->vmcoreinfo_error ? d->vmcoreinfo_error : "unparsable");
	return PASS(r, "%zu KEY=value lines in %" PRIu32 " bytes", d->vmcoreinfo->n_entries,
		    d->vmcoreinfo_note->descsz);
}

const struct kl_loader_facts *kl_check_facts(const struct kl_check_ctx *c)
{
	return c->in && c->in->facts ? &c->in->facts->loader : NULL;
}

int kl_check_osrelease(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "OSRELEASE");
	const struct kl_loader_facts *l = kl_check_facts(c);
	if (!v)
		return FAIL(r, "VMCOREINFO has no OSRELEASE");
	if (!l || !l->uname_r)
		return SKIP(r, "OSRELEASE=%s; the first kernel's uname -r is unknown", v);
	return CHECK(r, streq(v, l->uname_r), "OSRELEASE=%s, the first kernel's uname -r is %s", v,
		     l->uname_r);
}

int kl_check_parse_dec(const char *s, uint64_t *ret)
{
	if (!s || !*s || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	*ret = strtoull(s, NULL, 10);
	return 0;
}

int kl_check_pagesize(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "PAGESIZE");
	const struct kl_loader_facts *l = kl_check_facts(c);
	uint64_t ps;
	if (!v)
		return FAIL(r, "VMCOREINFO has no PAGESIZE");
	if (kl_check_parse_dec(v, &ps) < 0)
		return FAIL(r, "PAGESIZE=%s is not a decimal number", v);
	if (!l || l->page_size < 0)
		return CHECK(r, ps == 4096, "PAGESIZE=%s, expected 4096 on x86_64", v);
	return CHECK(r, ps == (uint64_t)l->page_size,
		     "PAGESIZE=%s, the first kernel's page size is %" PRId64, v, l->page_size);
}

int kl_check_crashtime(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "CRASHTIME");
	uint64_t t;
	if (!v)
		return FAIL(
			r,
			"VMCOREINFO has no CRASHTIME: not written by a kernel crash (a QEMU dump?)");
	if (kl_check_parse_dec(v, &t) < 0)
		return FAIL(r, "CRASHTIME=%s is not decimal seconds", v);
	return PASS(r, "CRASHTIME=%s", v);
}

int kl_check_crashtime_window(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "CRASHTIME");
	const struct kl_loader_facts *l = kl_check_facts(c);
	unsigned before = c->in && c->in->crashtime_before ? c->in->crashtime_before : 10;
	unsigned after = c->in && c->in->crashtime_after ? c->in->crashtime_after : 600;
	uint64_t t;
	if (!v || kl_check_parse_dec(v, &t) < 0)
		return SKIP(r, "no usable CRASHTIME (see vmcoreinfo.crashtime)");
	if (!l || l->trigger_time < 0)
		return SKIP(r, "CRASHTIME=%s; the trigger time is unknown", v);
	int64_t delta = (int64_t)t - l->trigger_time;
	return CHECK(r, delta >= -(int64_t)before && delta <= (int64_t)after,
		     "CRASHTIME=%s is %+" PRId64 " s from the trigger time %" PRId64
		     ", expected within [-%u, +%u] s",
		     v, delta, l->trigger_time, before, after);
}

int kl_check_vi_dec(const struct kl_check_ctx *c, const char *key, uint64_t *ret)
{
	return kl_check_parse_dec(kl_vmcoreinfo_get(c->d->vmcoreinfo, key), ret);
}

/*
 * NUMBER(x) values are printed with "%ld" (kernel/vmcore_info.c VMCOREINFO_NUMBER): signed.
 * phys_base is negative whenever KASLR puts the kernel below its link address (seen here:
 * NUMBER(phys_base)=-190840832). Returned as the two's complement.
 */
int kl_check_vi_number(const struct kl_check_ctx *c, const char *key, uint64_t *ret)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, key);
	uint64_t mag;
	if (!v)
		return -EINVAL;
	bool neg = v[0] == '-';
	if (kl_check_parse_dec(neg ? v + 1 : v, &mag) < 0 || mag > (uint64_t)INT64_MAX)
		return -EINVAL;
	*ret = neg ? (uint64_t)0 - mag : mag;
	return 0;
}

int kl_check_vi_hex(const struct kl_check_ctx *c, const char *key, uint64_t *ret)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, key);
	if (!v || !*v || strlen(v) > 16 || strspn(v, "0123456789abcdefABCDEF") != strlen(v))
		return -EINVAL;
	*ret = strtoull(v, NULL, 16);
	return 0;
}

/* ---- VMCOREINFO keys and symbols (invariants 29-31) ---- */

int kl_check_build_id(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const char *v = kl_vmcoreinfo_get(c->d->vmcoreinfo, "BUILD-ID");
	/* BUILD-ID exists since "kdump: append kernel build-id string to VMCOREINFO" (in
	 * v5.9); it is the hex of the GNU build-id note. */
	if (!v)
		return FAIL(r, "VMCOREINFO has no BUILD-ID (every kernel since 5.9 writes one)");
	size_t n = strlen(v);
	return CHECK(r, n == 40 && strspn(v, "0123456789abcdef") == n,
		     "BUILD-ID=%s: %zu characters, expected 40 lower-case hex digits", v, n);
}

int kl_check_keys(struct kl_check_ctx *c, struct kl_check_result *r)
{
	/* What translation needs without debuginfo (invariant 30); OSRELEASE, PAGESIZE and
	 * CRASHTIME have their own checks, the printk keys dmesg.parse. */
	static const char *const keys[] = {
		"SYMBOL(swapper_pg_dir)", "SYMBOL(init_uts_ns)",  "SYMBOL(_stext)",
		"NUMBER(phys_base)",	  "SYMBOL(init_top_pgt)", "NUMBER(pgtable_l5_enabled)",
		"KERNELOFFSET",
	};
	char missing[512] = "";
	size_t n = 0, len = 0;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (!kl_vmcoreinfo_get(c->d->vmcoreinfo, keys[i])) {
			n++;
			int k = snprintf(missing + len, sizeof(missing) - len, " %s", keys[i]);
			if (k > 0 && (size_t)k < sizeof(missing) - len)
				len += (size_t)k;
		}
	bool mem_section = kl_vmcoreinfo_get(c->d->vmcoreinfo, "SYMBOL(mem_section)") &&
			   kl_vmcoreinfo_get(c->d->vmcoreinfo, "LENGTH(mem_section)");
	if (n || !mem_section)
		return FAIL(r, "VMCOREINFO lacks%s%s", missing,
			    mem_section ? "" : " SYMBOL(mem_section)/LENGTH(mem_section)");
	return PASS(r, "the %zu keys translation needs are present, and the SPARSEMEM keys",
		    ELEMENTSOF(keys));
}

int kl_check_symbols(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_loader_facts *l = kl_check_facts(c);
	static const char *const keys[] = { "SYMBOL(_stext)", "SYMBOL(init_uts_ns)",
					    "SYMBOL(prb)" };
	uint64_t v, ko;
	if (!l || !l->sym_text)
		return SKIP(r, "the first kernel's /proc/kallsyms addresses are unknown");
	const uint64_t want[] = { l->sym_stext, l->sym_init_uts_ns, l->sym_prb };
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		if (!want[i])
			continue;
		if (kl_check_vi_hex(c, keys[i], &v) < 0)
			return FAIL(r, "%s=%s is not a hex address", keys[i],
				    kl_vmcoreinfo_get(c->d->vmcoreinfo, keys[i]) ?: "(absent)");
		if (v != want[i])
			return FAIL(r,
				    "%s=%#" PRIx64 ", the first kernel's kallsyms says %#" PRIx64,
				    keys[i], v, want[i]);
	}
	/* KERNELOFFSET is kaslr_offset() = _text - __START_KERNEL (arch/x86/include/asm/setup.h)
	 * with the default CONFIG_PHYSICAL_START of 16 MiB. */
	if (kl_check_vi_hex(c, "KERNELOFFSET", &ko) < 0)
		return FAIL(r, "KERNELOFFSET=%s is not hex",
			    kl_vmcoreinfo_get(c->d->vmcoreinfo, "KERNELOFFSET") ?: "(absent)");
	uint64_t want_ko = l->sym_text - 0xffffffff81000000ULL;
	return CHECK(
		r, ko == want_ko,
		"SYMBOL(_stext), SYMBOL(init_uts_ns), SYMBOL(prb) equal kallsyms; KERNELOFFSET=%" PRIx64
		", kallsyms _text %#" PRIx64 " - 0xffffffff81000000 = %" PRIx64,
		ko, l->sym_text, want_ko);
}

/* ---- the saver's manifest (invariant 4) ---- */

/* The manifest describes the pulled file: for a flattened dump the file before reassembly. */
int kl_check_manifest_size(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_manifest *m = c->in ? c->in->manifest : NULL;
	if (!m)
		return SKIP(r, "no manifest given");
	return CHECK(r, m->size == c->pulled_size,
		     "manifest size=%" PRIu64 ", the %s has %" PRIu64 " bytes", m->size,
		     c->pulled_what, c->pulled_size);
}

int kl_check_manifest_hash(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_manifest *m = c->in ? c->in->manifest : NULL;
	uint64_t size, hash;
	if (!m)
		return SKIP(r, "no manifest given");
	int k = kl_dump_hash_fd(c->pulled_fd, c->pulled_path, &size, &hash, NULL, &c->stop, c->err);
	if (k < 0)
		return k;
	return CHECK(r, hash == m->hash,
		     "manifest hash=%016" PRIx64 ", the %s hashes to %016" PRIx64, m->hash,
		     c->pulled_what, hash);
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
	kl_printk_log_free(v->log);
	free(v);
}

int kl_validation_collect_prstatus(struct kl_validation *v, const struct kl_dump *d)
{
	size_t n = d && d->have_notes ? kl_dump_count_prstatus(d) : 0;
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

int kl_validate_expected_cpus(const struct kl_validate_input *in)
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

void kl_check_ctx_done(struct kl_check_ctx *c)
{
	kl_mem_free(c->mem);
	free(c->mem_error);
	kl_printk_log_free(c->log);
	free(c->log_error);
	free(c->uts_error);
	if (c->have_expect_re)
		regfree(&c->expect_re);
}

char *kl_check_error_text(struct kl_error *e, const char *fallback)
{
	return strdup(e && e->msg ? e->msg : fallback);
}

/* The expected crash: --expect-panic, else the facts' scenario from the catalogue. */
int kl_check_setup_expect(struct kl_check_ctx *c, struct kl_error **err)
{
	const struct kl_loader_facts *l = kl_check_facts(c);
	if (l && l->trigger_scenario)
		c->scenario_def = kl_scenario_find(l->trigger_scenario);
	if (c->in && c->in->expect_panic) {
		int k = regcomp(&c->expect_re, c->in->expect_panic, REG_EXTENDED | REG_NOSUB);
		if (k != 0)
			return kl_error_usage(err, EINVAL,
					      "expected panic \"%s\" is not a POSIX extended regex",
					      c->in->expect_panic);
		c->have_expect_re = true;
		return 0;
	}
	if (l && l->trigger_scenario) {
		const struct kl_scenario *s = kl_scenario_find(l->trigger_scenario);
		c->scenario = l->trigger_scenario;
		c->scenario_def = s;
		if (s)
			c->expect = s->expect;
	}
	return 0;
}

void kl_validation_count(struct kl_validation *v, struct kl_check_result *res, int delta)
{
	res->passed = res->status == KL_CHECK_PASSED;
	unsigned *n = res->status == KL_CHECK_PASSED	     ? &v->n_passed
		      : res->status == KL_CHECK_SKIPPED	     ? &v->n_skipped
		      : res->severity == KL_SEVERITY_WARNING ? &v->n_warnings
							     : &v->n_failed;
	*n = (unsigned)((int)*n + delta);
}

static bool is_crash_check(const struct kl_check_result *x)
{
	return startswith(x->id, "crash.");
}

bool kl_validation_only_crash_failed(const struct kl_validation *v)
{
	bool any = false;
	for (size_t i = 0; i < v->n_results; i++) {
		const struct kl_check_result *x = &v->results[i];
		if (x->status != KL_CHECK_FAILED || x->severity != KL_SEVERITY_ERROR)
			continue;
		if (!is_crash_check(x))
			return false;
		any = true;
	}
	return any;
}

const struct kl_check_result *kl_validation_wrong_crash(const struct kl_validation *v)
{
	if (!v || !v->wrong_crash)
		return NULL;
	for (size_t i = 0; i < v->n_results; i++)
		if (v->results[i].status == KL_CHECK_FAILED && is_crash_check(&v->results[i]))
			return &v->results[i];
	return NULL;
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
	/* VMCOREINFO values are the dump's bytes: escaped like messages (text.h). */
	_cleanup_free_ char *osr =
		kl_text_escape(kl_vmcoreinfo_get(v->vmcoreinfo, "OSRELEASE"), false);
	_cleanup_free_ char *ct =
		kl_text_escape(kl_vmcoreinfo_get(v->vmcoreinfo, "CRASHTIME"), false);

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
	    jadd(o, "wrong_crash", json_object_new_boolean(v->wrong_crash)) ||
	    (v->layout && jadd(o, "layout", json_object_new_string(v->layout))) ||
	    (v->log && jadd(o, "log_records", json_object_new_int64((int64_t)v->log->n_records))) ||
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
