/* SPDX-License-Identifier: MIT */
/*
 * The check engine: detect the format (format.c's table), load the headers with the format's
 * loader, derive what the kernel-level checks read (memory, the kernel log, the uts name),
 * then run every row of the one check table (checks-table.c) that applies to what the
 * validation is made of. A check whose loading stage is missing is skipped with the reason
 * (the check that owns the stage has failed and says why). A flattened file is reassembled
 * first and its content validated as a dump of the format it holds, after flat.*.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "base/stop.h"
#include "checks.h"
#include "dump.h"
#include "flat.h"
#include "format.h"
#include "kdump.h"
#include "mem.h"
#include "printk.h"
#include "uts.h"
#include "vmcore.h"

/* ---- loading stages: which is missing, and which check tells why ---- */

struct stage {
	unsigned need;
	const char *(*missing)(const struct kl_check_ctx *c);
};

static const char *no_ehdr(const struct kl_check_ctx *c)
{
	return c->d->have_ehdr ? NULL : "no usable ELF header (see elf.ident)";
}

static const char *no_phdrs(const struct kl_check_ctx *c)
{
	return c->d->have_phdrs ? NULL : "no program headers (see phdr.count)";
}

static const char *no_header(const struct kl_check_ctx *c)
{
	return c->k->have_header ? NULL : "no disk_dump_header (see kdump.header)";
}

static const char *no_block(const struct kl_check_ctx *c)
{
	return c->k->have_header && !c->k->header_error
		       ? NULL
		       : "no usable block_size (see kdump.block-size)";
}

static const char *no_sub(const struct kl_check_ctx *c)
{
	return c->k->have_sub ? NULL : "no usable sub-header (see kdump.sub-header)";
}

static const char *no_note_bytes(const struct kl_check_ctx *c)
{
	if (c->k)
		return c->d ? NULL : "notes out of bounds (see kdump.notes)";
	return c->d->have_note_seg ? NULL : "no readable PT_NOTE (see phdr.note-bounds)";
}

static const char *no_notes(const struct kl_check_ctx *c)
{
	return c->d && c->d->have_notes ? NULL : "notes do not parse (see notes.parse)";
}

static const char *no_vmcoreinfo_note(const struct kl_check_ctx *c)
{
	const struct kl_dump *d = c->d;
	if (!d || !d->have_notes || d->n_vmcoreinfo_notes != 1 ||
	    (!d->have_vmcoreinfo && !d->vmcoreinfo_error))
		return "no single usable VMCOREINFO note (see notes.vmcoreinfo)";
	return NULL;
}

static const char *no_vmcoreinfo(const struct kl_check_ctx *c)
{
	return c->d && c->d->have_vmcoreinfo
		       ? NULL
		       : "VMCOREINFO unusable (see notes.vmcoreinfo, vmcoreinfo.parse)";
}

static const char *no_layout(const struct kl_check_ctx *c)
{
	return c->k->have_layout ? NULL : "bitmaps unusable (see kdump.bitmap-size)";
}

static const char *no_index(const struct kl_check_ctx *c)
{
	if (c->k->have_index)
		return NULL;
	return c->k->index_error ? c->k->index_error : "bitmaps unusable (see kdump.bitmap-size)";
}

static const char *no_mem(const struct kl_check_ctx *c)
{
	if (c->mem)
		return NULL;
	return c->mem_error ? c->mem_error : "the dump's memory is not readable";
}

static const char *no_log(const struct kl_check_ctx *c)
{
	if (!c->mem || c->log)
		return no_mem(c);
	return c->log_unsupported ? "no lockless printk ring (see dmesg.parse)"
				  : "the kernel log could not be extracted (see dmesg.parse)";
}

static const struct stage stages[] = {
	{ KL_NEED_EHDR, no_ehdr },
	{ KL_NEED_PHDRS, no_phdrs },
	{ KL_NEED_HEADER, no_header },
	{ KL_NEED_BLOCK, no_block },
	{ KL_NEED_SUB, no_sub },
	{ KL_NEED_NOTE_BYTES, no_note_bytes },
	{ KL_NEED_NOTES, no_notes },
	{ KL_NEED_VMCOREINFO_NOTE, no_vmcoreinfo_note },
	{ KL_NEED_VMCOREINFO, no_vmcoreinfo },
	{ KL_NEED_LAYOUT, no_layout },
	{ KL_NEED_INDEX, no_index },
	{ KL_NEED_MEM, no_mem },
	{ KL_NEED_LOG, no_log },
};

static const char *missing_stage(const struct kl_check_ctx *c, unsigned needs)
{
	for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
		const char *why = needs & stages[i].need ? stages[i].missing(c) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

static bool applies(const struct kl_check *k, unsigned formats)
{
	return (k->formats & formats) != 0;
}

const char *const *kl_vmcore_check_ids(void)
{
	static const char *ids[KL_CHECKS_MAX + 1];
	size_t n = 0;
	for (size_t i = 0; i < kl_n_checks; i++)
		if (applies(&kl_checks[i], KL_CHECK_FMT(KL_DUMP_FORMAT_ELF)))
			ids[n++] = kl_checks[i].id;
	return ids;
}

/* ---- what the kernel-level checks read ---- */

/* Memory, the kernel log and the uts name, over the content format's kl_mem. Failures are
 * recorded for the checks to report; only ENOMEM and the stop codes fail. */
static int derive(struct kl_check_ctx *c, const struct kl_dump_format *f)
{
	_cleanup_error_ struct kl_error *e = NULL;
	if (!f->check_mem)
		return 0;
	int r = f->check_mem(c, &c->mem, &e);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		c->mem_error = kl_check_error_text(e, "the dump's memory is not readable");
		return c->mem_error ? 0 : -ENOMEM;
	}
	if (!c->mem)
		return 0;
	const struct kl_vmcoreinfo *vi = c->d->vmcoreinfo;
	c->mem->stop = &c->stop;
	r = kl_printk_extract(c->mem, vi, &c->log, &e);
	if (r == -ENOMEM)
		return r;
	if (kl_stop_code(r)) {
		if (c->err && !*c->err)
			*c->err = TAKE_PTR(e);
		return r;
	}
	if (r < 0) {
		c->log_unsupported = r == -EOPNOTSUPP;
		c->log_error = kl_check_error_text(e, "cannot extract the kernel log");
		if (!c->log_error)
			return -ENOMEM;
		kl_error_freep(&e);
	}
	r = kl_uts_read(c->mem, vi, &c->uts, &e);
	if (r == -ENOMEM)
		return r;
	c->have_uts = r == 0;
	if (r < 0 && !(c->uts_error = kl_check_error_text(e, "cannot read init_uts_ns")))
		return -ENOMEM;
	return 0;
}

/* ---- the engine ---- */

static int run_checks(struct kl_check_ctx *c, struct kl_validation *v, const char *path)
{
	struct kl_error **err = c->err;
	for (size_t i = 0; i < kl_n_checks; i++) {
		const struct kl_check *k = &kl_checks[i];
		if (!applies(k, c->formats))
			continue;
		struct kl_check_result *nr =
			reallocarray(v->results, v->n_results + 1, sizeof(*nr));
		if (!nr)
			return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
		v->results = nr;
		struct kl_check_result *res = &nr[v->n_results];
		*res = (struct kl_check_result){ .id = k->id, .severity = k->severity };
		int r = kl_stop_poll(&c->stop, "starting the checks", err);
		if (r < 0)
			return kl_error_wrap(err, "validating \"%s\" (%s)", path, res->id);
		v->n_results++;
		const char *missing = missing_stage(c, k->needs);
		r = missing ? SKIP(res, "%s", missing) : k->run(c, res);
		if (r == -ENOMEM)
			return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
		if (r < 0)
			return kl_error_wrap(err, "validating \"%s\" (%s)", path, res->id);
		kl_validation_count(v, res, +1);
	}
	return 0;
}

static void ctx_done(struct kl_check_ctx *c)
{
	kl_check_ctx_done(c);
	if (c->k)
		kl_kdump_free(c->k); /* it owns c->d, its notes */
	else
		kl_dump_free(c->d);
}

/* What the dump itself says, for reports: moved from c into v. */
static int summarise(struct kl_check_ctx *c, struct kl_validation *v)
{
	v->file_size = c->pulled_size;
	v->layout = c->layout;
	for (size_t i = 0; c->d && i < c->d->n_phdrs; i++)
		v->n_load += c->d->phdrs[i].p_type == PT_LOAD;
	v->wrong_crash = kl_validation_only_crash_failed(v);
	v->log = TAKE_PTR(c->log);
	if (kl_validation_collect_prstatus(v, c->d) < 0)
		return -ENOMEM;
	if (c->d && c->d->have_vmcoreinfo) {
		v->vmcoreinfo = TAKE_PTR(c->d->vmcoreinfo);
		c->d->have_vmcoreinfo = false;
	}
	return 0;
}

/* Load what the format f reads at path into c, derive, run the checks into v. */
static int check_dump(struct kl_check_ctx *c, const struct kl_dump_format *f, const char *path,
		      struct kl_validation *v)
{
	struct kl_error **err = c->err;
	int r = 0;
	c->path = path;
	c->formats |= KL_CHECK_FMT(f->id);
	if (f->load) {
		r = f->load(c, path, err);
		if (r < 0)
			return r;
		r = kl_check_setup_expect(c, err);
		if (r == 0 && (r = derive(c, f)) == -ENOMEM)
			return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
		if (r < 0)
			return kl_error_wrap(err, "validating \"%s\"", path);
	}
	if (c->pulled_fd < 0) { /* not a container's content: the manifest describes this file */
		c->pulled_path = path;
		c->pulled_fd = c->fd;
		c->pulled_size = c->size;
	}
	return run_checks(c, v, path);
}

/* The first bytes and size of an unknown file, for format.detect's message. */
static int read_head(struct kl_check_ctx *c, int fd, const char *path, struct kl_error **err)
{
	struct stat st;
	ssize_t n = kl_pread_full(fd, c->head, sizeof(c->head), 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the start of \"%s\"", path);
	if (fstat(fd, &st) < 0)
		return kl_error_set(err, errno, "stat dump \"%s\"", path);
	c->head_len = (size_t)n;
	c->size = (uint64_t)st.st_size;
	return 0;
}

/* A flattened file: reassembled into an unlinked file, whose content is then validated (even
 * from a broken stream: its own checks then say which structure the missing records left
 * broken). The manifest describes the flattened file. */
static int check_flat(struct kl_check_ctx *c, const struct kl_dump_format *f, const char *path,
		      struct kl_validation *v)
{
	_cleanup_(kl_flat_info_done) struct kl_flat_info fi = { 0 };
	_cleanup_close_ int fd = -1, pulled = -1;
	unsigned char head[KL_DUMP_FORMAT_PROBE_BYTES];
	char inner[64];
	int r = f->reassemble(path, &c->stop, &fd, &fi, c->err);
	if (r < 0)
		return r;
	c->flat = &fi;
	c->formats |= KL_CHECK_FMT(f->id);
	ssize_t n = kl_pread_full(fd, head, sizeof(head), 0);
	if (n < 0)
		return kl_error_set(c->err, (int)-n, "reading the reassembled \"%s\"", path);
	pulled = open(path, O_RDONLY | O_CLOEXEC);
	if (pulled < 0)
		return kl_error_set(c->err, errno, "cannot open \"%s\"", path);
	c->pulled_path = path;
	c->pulled_fd = pulled;
	c->pulled_size = fi.in_size;
	c->pulled_what = "pulled (flattened) file";
	if (fi.header_error || n == 0) /* nothing to validate inside */
		r = run_checks(c, v, path);
	else {
		snprintf(inner, sizeof(inner), "/proc/self/fd/%d", fd);
		const struct kl_dump_format *in =
			&kl_dump_formats[kl_dump_format_probe(head, (size_t)n)];
		if (in->load && !in->reassemble)
			c->inner = in;
		else if ((r = read_head(c, fd, inner, c->err)) < 0)
			return r;
		r = check_dump(c, c->inner ? c->inner : &kl_dump_formats[KL_DUMP_FORMAT_UNKNOWN],
			       inner, v);
		if (r < 0)
			return kl_error_wrap(c->err, "validating the reassembled \"%s\"", path);
	}
	c->flat = NULL;
	return r;
}

/* The input's deadline and flag (none when in is NULL). */
static struct kl_stop stop_from(const struct kl_validate_input *in)
{
	if (!in)
		return (struct kl_stop){ 0 };
	return (struct kl_stop){ .deadline = in->deadline, .interrupted = in->interrupted };
}

static int validate(const char *path, const struct kl_validate_input *in,
		    const struct kl_dump_format *f, unsigned formats, struct kl_validation **ret,
		    struct kl_error **err)
{
	_cleanup_(kl_validation_freep) struct kl_validation *v = calloc(1, sizeof(*v));
	_cleanup_(ctx_done) struct kl_check_ctx c = {
		.formats = formats,
		.format = f->id == KL_DUMP_FORMAT_UNKNOWN ? NULL : f,
		.fd = -1,
		.pulled_fd = -1,
		.pulled_what = "pulled file",
		.in = in,
		.expected_cpus = kl_validate_expected_cpus(in),
		.err = err,
		.stop = stop_from(in),
		.nonce_idx = -1
	};
	int r;
	if (!v)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	if (f->reassemble)
		r = check_flat(&c, f, path, v);
	else if (!f->load) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return kl_error_set(err, errno, "opening dump \"%s\"", path);
		r = read_head(&c, fd, path, err);
		if (r == 0)
			r = check_dump(&c, f, path, v);
	} else
		r = check_dump(&c, f, path, v);
	if (r == 0 && summarise(&c, v) < 0)
		r = kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	return 0;
}

int kl_vmcore_validate(const char *dump_path, const struct kl_validate_input *in,
		       struct kl_validation **ret, struct kl_error **err)
{
	return validate(dump_path, in, &kl_dump_formats[KL_DUMP_FORMAT_ELF], 0, ret, err);
}

int kl_vmcore_validate_any(const char *path, const struct kl_validate_input *in,
			   struct kl_validation **ret, struct kl_error **err)
{
	enum kl_dump_format_id f;
	int r = kl_dump_format_detect(path, &f, err);
	if (r < 0)
		return r;
	return validate(path, in, &kl_dump_formats[f], KL_CHECK_DETECTED, ret, err);
}
