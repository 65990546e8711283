/* SPDX-License-Identifier: MIT */
/*
 * VMCOREINFO: the "VMCOREINFO" note (type 0) whose descriptor is the text the kernel
 * built with vmcoreinfo_append_str(): "KEY=value\n" lines, at most VMCOREINFO_BYTES
 * (one page) (kernel/vmcore_info.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "dump.h"

void kl_vmcoreinfo_free(struct kl_vmcoreinfo *vi)
{
	if (!vi)
		return;
	for (size_t i = 0; i < vi->n_entries; i++) {
		free(vi->entries[i].key);
		free(vi->entries[i].value);
	}
	free(vi->entries);
	free(vi);
}

const char *kl_vmcoreinfo_get(const struct kl_vmcoreinfo *vi, const char *key)
{
	for (size_t i = 0; vi && i < vi->n_entries; i++)
		if (streq(vi->entries[i].key, key))
			return vi->entries[i].value;
	return NULL;
}

static bool key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '(' || c == ')' || c == '.' || c == '-';
}

int kl_vmcoreinfo_parse(const char *buf, size_t len, struct kl_vmcoreinfo **ret,
			struct kl_error **err)
{
	_cleanup_(kl_vmcoreinfo_freep) struct kl_vmcoreinfo *vi = calloc(1, sizeof(*vi));
	unsigned lineno = 0;

	if (!vi)
		return kl_error_set(err, ENOMEM, "parsing VMCOREINFO");
	if (len == 0 || len > KL_VMCOREINFO_MAX)
		return kl_error_set(err, EBADMSG, "VMCOREINFO is %zu bytes, expected 1..%d", len,
				    KL_VMCOREINFO_MAX);
	if (memchr(buf, '\0', len))
		return kl_error_set(err, EBADMSG, "VMCOREINFO has a NUL byte at offset %zu",
				    (size_t)((const char *)memchr(buf, '\0', len) - buf));
	if (buf[len - 1] != '\n')
		return kl_error_set(err, EBADMSG, "VMCOREINFO does not end with a newline");

	/* Every line ends with '\n' (checked above), so each has at least one byte. */
	size_t cap = 0;
	for (size_t pos = 0; pos < len;) {
		const char *line = buf + pos;
		size_t llen = (size_t)((const char *)memchr(line, '\n', len - pos) - line);
		size_t klen = 0;
		pos += llen + 1;
		lineno++;
		while (klen < llen && key_char(line[klen]))
			klen++;
		if (klen == 0 || klen == llen || line[klen] != '=')
			return kl_error_set(
				err, EBADMSG,
				"VMCOREINFO line %u \"%.*s\" is not KEY=value with KEY in [A-Za-z0-9_().-]",
				lineno, (int)(llen > 80 ? 80 : llen), line);
		if (vi->n_entries == cap) {
			cap = cap ? cap * 2 : 128;
			struct kl_vmcoreinfo_entry *nv =
				reallocarray(vi->entries, cap, sizeof(*nv));
			if (!nv)
				return kl_error_set(err, ENOMEM, "parsing VMCOREINFO");
			vi->entries = nv;
		}
		struct kl_vmcoreinfo_entry e = { strndup(line, klen),
						 strndup(line + klen + 1, llen - klen - 1) };
		if (!e.key || !e.value) {
			free(e.key);
			free(e.value);
			return kl_error_set(err, ENOMEM, "parsing VMCOREINFO");
		}
		vi->entries[vi->n_entries++] = e;
	}
	*ret = TAKE_PTR(vi);
	return 0;
}

void kl_dump_load_vmcoreinfo(struct kl_dump *d)
{
	if (!d->have_notes)
		return;
	for (size_t i = 0; i < d->n_notes; i++)
		if (d->notes[i].namesz == sizeof("VMCOREINFO") &&
		    streq(d->notes[i].name, "VMCOREINFO")) {
			if (!d->vmcoreinfo_note)
				d->vmcoreinfo_note = &d->notes[i];
			d->n_vmcoreinfo_notes++;
		}
	const struct kl_note *n = d->vmcoreinfo_note;
	if (d->n_vmcoreinfo_notes != 1 || n->type != 0 || n->descsz == 0 ||
	    n->descsz > KL_VMCOREINFO_MAX)
		return; /* notes.vmcoreinfo says why */

	_cleanup_error_ struct kl_error *e = NULL;
	if (kl_vmcoreinfo_parse((const char *)n->desc, n->descsz, &d->vmcoreinfo, &e) < 0) {
		d->vmcoreinfo_error = e && e->msg ? strdup(e->msg) : NULL;
		return;
	}
	d->have_vmcoreinfo = true;
}
