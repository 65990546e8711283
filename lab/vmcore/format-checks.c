/* SPDX-License-Identifier: MIT */
/*
 * What the file is: format.detect names the format found (or the bytes that matched none),
 * and flat.header / flat.records judge a flattened (makedumpfile -F) container before its
 * content is validated as a dump of the format it holds.
 */
#include <inttypes.h>
#include <stdio.h>

#include "checks.h"
#include "flat.h"
#include "format.h"

int kl_check_format_detect(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_dump_format *f = c->format, *in = c->inner;
	char hex[3 * sizeof(c->head) + 1] = "";

	if (f && f->id == KL_DUMP_FORMAT_FLAT && in)
		return PASS(r, "flat: makedumpfile flattened stream of %s: %s", in->name,
			    in->description);
	if (f && f->id == KL_DUMP_FORMAT_FLAT && !c->path)
		return PASS(r, "flat: %s", f->description); /* no content (see flat.header) */
	if (f && f->id != KL_DUMP_FORMAT_FLAT)
		return PASS(r, "%s: %s", f->name, f->description);
	/* unknown content, or a flat file's unknown content */
	for (size_t i = 0; i < c->head_len; i++)
		snprintf(hex + (i ? 3 * i - 1 : 0), 4, "%s%02x", i ? " " : "", c->head[i]);
	return FAIL(
		r,
		"the file starts with [%s] (%" PRIu64
		" bytes): expected ELF \"\\x7fELF\", kdump-compressed \"KDUMP   \" or flattened \"makedumpfile\"",
		hex, c->size);
}

int kl_check_flat_header(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_flat_info *fi = c->flat;
	if (fi->header_error)
		return FAIL(r, "%s", fi->header_error);
	return PASS(r, "\"%s\" header, type 1, version 1 (%d bytes)", KL_FLAT_SIGNATURE,
		    KL_FLAT_HEADER_SIZE);
}

int kl_check_flat_records(struct kl_check_ctx *c, struct kl_check_result *r)
{
	const struct kl_flat_info *fi = c->flat;
	if (fi->header_error)
		return SKIP(r, "no usable flattened header (see flat.header)");
	if (fi->records_error)
		return FAIL(r, "%s", fi->records_error);
	return CHECK(r, !fi->trailing,
		     "%" PRIu64 " records, %" PRIu64 " bytes of data reassembled into %" PRIu64
		     " bytes, end record at %#" PRIx64 "%s",
		     fi->n_records, fi->data_bytes, fi->out_size,
		     fi->in_size - fi->trailing - KL_FLAT_RECORD_HEADER,
		     fi->trailing ? ", followed by bytes makedumpfile never writes" : "");
}
