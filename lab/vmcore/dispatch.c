/* SPDX-License-Identifier: MIT */
/*
 * Validation of any dump format: detect from content, then run the format's checks. Every
 * validation starts with "format.detect", which names the format found (or fails).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "base/stop.h"
#include "checks.h"
#include "dump.h"
#include "flat.h"
#include "format.h"
#include "guest/manifest.h"
#include "kdump.h"
#include "vmcore.h"

static const char *format_description(enum kl_dump_format f)
{
	switch (f) {
	case KL_DUMP_FORMAT_ELF:
		return "ELF core, /proc/vmcore layout";
	case KL_DUMP_FORMAT_MAKEDUMPFILE_ELF:
		return "ELF core written by makedumpfile -E (notes right after the program headers)";
	case KL_DUMP_FORMAT_KDUMP:
		return "kdump-compressed (\"KDUMP   \" header)";
	case KL_DUMP_FORMAT_DISKDUMP:
		return "old diskdump (\"DISKDUMP\" header)";
	case KL_DUMP_FORMAT_FLAT:
		return "makedumpfile flattened stream (\"makedumpfile\" header)";
	default:
		return "unknown";
	}
}

/* Insert a result at index at (shifting the rest) and count it. */
static int insert(struct kl_validation *v, size_t at, const char *id, enum kl_severity sev,
		  enum kl_check_status st, const char *fmt, ...) _printf_(6, 7);
static int insert(struct kl_validation *v, size_t at, const char *id, enum kl_severity sev,
		  enum kl_check_status st, const char *fmt, ...)
{
	struct kl_check_result *nr = reallocarray(v->results, v->n_results + 1, sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	v->results = nr;
	memmove(nr + at + 1, nr + at, (v->n_results - at) * sizeof(*nr));
	v->n_results++;
	struct kl_check_result *res = &nr[at];
	*res = (struct kl_check_result){ .id = id, .severity = sev, .status = st };
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&res->message, fmt, ap) < 0)
		res->message = NULL;
	va_end(ap);
	kl_validation_count(v, res, +1);
	return res->message ? 0 : -ENOMEM;
}

static int add_detect(struct kl_validation *v, enum kl_dump_format f)
{
	return insert(v, 0, "format.detect", KL_SEVERITY_ERROR, KL_CHECK_PASSED, "%s: %s",
		      kl_dump_format_name(f), format_description(f));
}

static int validate_kdump(const char *path, const struct kl_validate_input *in,
			  struct kl_validation **ret, struct kl_error **err)
{
	_cleanup_(kl_kdump_freep) struct kl_kdump *k = NULL;
	_cleanup_(kl_validation_freep) struct kl_validation *v = calloc(1, sizeof(*v));
	if (!v)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	struct kl_stop stop = kl_stop_from(in);
	int r = kl_kdump_open(path, &stop, &k, err);
	if (r < 0)
		return r;
	r = kl_kdump_validate(k, in, v, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	return 0;
}

static int validate_unknown(const char *path, struct kl_validation **ret, struct kl_error **err)
{
	_cleanup_(kl_validation_freep) struct kl_validation *v = calloc(1, sizeof(*v));
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned char head[8] = { 0 };
	char hex[3 * sizeof(head) + 1] = "";
	if (!v)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	if (!f)
		return kl_error_set(err, errno, "opening dump \"%s\"", path);
	size_t n = fread(head, 1, sizeof(head), f);
	for (size_t i = 0; i < n; i++)
		snprintf(hex + (i ? 3 * i - 1 : 0), 4, "%s%02x", i ? " " : "", head[i]);
	if (fseeko(f, 0, SEEK_END) == 0)
		v->file_size = (uint64_t)ftello(f);
	int r = insert(
		v, 0, "format.detect", KL_SEVERITY_ERROR, KL_CHECK_FAILED,
		"the file starts with [%s] (%" PRIu64
		" bytes): expected ELF \"\\x7fELF\", kdump-compressed \"KDUMP   \" or flattened \"makedumpfile\"",
		hex, v->file_size);
	if (r < 0)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	*ret = TAKE_PTR(v);
	return 0;
}

/* ---- flattened: reassemble, then validate what it holds ---- */

static int flat_results(struct kl_validation *v, size_t at, const struct kl_flat_info *fi)
{
	const enum kl_severity E = KL_SEVERITY_ERROR;
	const enum kl_check_status OK = KL_CHECK_PASSED, BAD = KL_CHECK_FAILED,
				   SKIP = KL_CHECK_SKIPPED;
	int r;
	if (fi->header_error)
		return insert(v, at, "flat.header", E, BAD, "%s", fi->header_error)
			       ?: insert(v, at + 1, "flat.records", E, SKIP,
					 "no usable flattened header (see flat.header)");
	r = insert(v, at, "flat.header", E, OK, "\"%s\" header, type 1, version 1 (%d bytes)",
		   KL_FLAT_SIGNATURE, KL_FLAT_HEADER_SIZE);
	if (r < 0)
		return r;
	if (fi->records_error)
		return insert(v, at + 1, "flat.records", E, BAD, "%s", fi->records_error);
	return insert(v, at + 1, "flat.records", E, fi->trailing ? BAD : OK,
		      "%" PRIu64 " records, %" PRIu64 " bytes of data reassembled into %" PRIu64
		      " bytes, end record at %#" PRIx64 "%s",
		      fi->n_records, fi->data_bytes, fi->out_size,
		      fi->in_size - fi->trailing - KL_FLAT_RECORD_HEADER,
		      fi->trailing ? ", followed by bytes makedumpfile never writes" : "");
}

/* The saver's manifest describes the file that was pulled, i.e. the flattened one. */
static int flat_manifest(struct kl_validation *v, const char *path,
			 const struct kl_validate_input *in, uint64_t flat_size,
			 struct kl_error **err)
{
	if (!in || !in->manifest)
		return 0;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot open \"%s\"", path);
	for (size_t i = 0; i < v->n_results; i++) {
		struct kl_check_result *res = &v->results[i];
		bool is_size = streq(res->id, "manifest.size");
		if (!is_size && !streq(res->id, "manifest.hash"))
			continue;
		kl_validation_count(v, res, -1);
		int r = is_size ? kl_check_manifest_size(in, flat_size, "pulled (flattened) file",
							 res)
				: kl_check_manifest_hash(in, fd, path, "pulled (flattened) file",
							 res, err);
		if (r < 0)
			return r;
		kl_validation_count(v, res, +1);
	}
	return 0;
}

static int validate_flat(const char *path, const struct kl_validate_input *in,
			 struct kl_validation **ret, struct kl_error **err)
{
	_cleanup_(kl_flat_info_done) struct kl_flat_info fi = { 0 };
	_cleanup_(kl_validation_freep) struct kl_validation *v = NULL;
	_cleanup_close_ int fd = -1;
	unsigned char head[KL_DUMP_FORMAT_PROBE_BYTES];
	char inner[64];
	struct kl_stop stop = kl_stop_from(in);
	int r = kl_flat_reassemble_tmp(path, &stop, &fd, &fi, err);
	if (r < 0)
		return r;

	/* Validate whatever was reassembled, even from a broken stream: its own checks then
	 * say which structure the missing records left broken. */
	ssize_t n = kl_pread_full(fd, head, sizeof(head), 0);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the reassembled \"%s\"", path);
	enum kl_dump_format f = kl_dump_format_probe(head, (size_t)n);
	struct kl_validate_input in2 = in ? *in : (struct kl_validate_input){ 0 };
	in2.manifest = NULL;
	snprintf(inner, sizeof(inner), "/proc/self/fd/%d", fd);
	if (fi.header_error || n == 0) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	} else if (f == KL_DUMP_FORMAT_ELF || f == KL_DUMP_FORMAT_MAKEDUMPFILE_ELF) {
		r = kl_vmcore_validate(inner, &in2, &v, err);
	} else if (f == KL_DUMP_FORMAT_KDUMP || f == KL_DUMP_FORMAT_DISKDUMP) {
		r = validate_kdump(inner, &in2, &v, err);
	} else {
		r = validate_unknown(inner, &v, err);
		f = KL_DUMP_FORMAT_UNKNOWN;
	}
	if (r < 0)
		return kl_error_wrap(err, "validating the reassembled \"%s\"", path);
	size_t at = 0;
	if (f != KL_DUMP_FORMAT_UNKNOWN) {
		/* "format.detect" names the content; the flat.* results follow it. */
		r = insert(v, 0, "format.detect", KL_SEVERITY_ERROR, KL_CHECK_PASSED,
			   "flat: makedumpfile flattened stream of %s: %s", kl_dump_format_name(f),
			   format_description(f));
		at = 1;
	} else if (v->n_results == 0) {
		r = insert(v, 0, "format.detect", KL_SEVERITY_ERROR, KL_CHECK_PASSED, "flat: %s",
			   format_description(KL_DUMP_FORMAT_FLAT));
		at = 1;
	} else {
		at = 1; /* after validate_unknown()'s failed format.detect */
	}
	if (r < 0 || flat_results(v, at, &fi) < 0)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	if (flat_manifest(v, path, in, fi.in_size, err) < 0)
		return kl_error_wrap(err, "validating \"%s\"", path);
	v->file_size = fi.in_size;
	*ret = TAKE_PTR(v);
	return 0;
}

int kl_vmcore_validate_any(const char *path, const struct kl_validate_input *in,
			   struct kl_validation **ret, struct kl_error **err)
{
	_cleanup_(kl_validation_freep) struct kl_validation *v = NULL;
	enum kl_dump_format f;
	int r = kl_dump_format_detect(path, &f, err);
	if (r < 0)
		return r;
	switch (f) {
	case KL_DUMP_FORMAT_ELF:
	case KL_DUMP_FORMAT_MAKEDUMPFILE_ELF:
		r = kl_vmcore_validate(path, in, &v, err);
		break;
	case KL_DUMP_FORMAT_KDUMP:
	case KL_DUMP_FORMAT_DISKDUMP:
		r = validate_kdump(path, in, &v, err);
		break;
	case KL_DUMP_FORMAT_FLAT:
		return validate_flat(path, in, ret, err);
	default:
		return validate_unknown(path, ret, err);
	}
	if (r < 0)
		return r;
	if (add_detect(v, f) < 0)
		return kl_error_set(err, ENOMEM, "validating \"%s\"", path);
	*ret = TAKE_PTR(v);
	return 0;
}
