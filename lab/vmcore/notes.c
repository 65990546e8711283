/* SPDX-License-Identifier: MIT */
/*
 * The PT_NOTE segment: one merged stream of ELF notes (fs/proc/vmcore.c
 * merge_note_headers_elf64 rewrites the per-CPU segments into one with an exact
 * p_filesz), each `12 + align4(n_namesz) + align4(n_descsz)` bytes.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/macro.h"
#include "bytes.h"
#include "dump.h"

bool kl_note_is(const struct kl_note *n, const char *name, uint32_t type)
{
	return n->type == type && n->namesz == strlen(name) + 1 && streq(n->name, name);
}

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

/* Read the first PT_NOTE segment if it is sane in size and position. */
static int load_segment(struct kl_dump *d, struct kl_error **err)
{
	for (size_t i = 0; i < d->n_phdrs; i++)
		if (d->phdrs[i].p_type == PT_NOTE) {
			d->note_index = (int)i;
			break;
		}
	if (d->note_index < 0) {
		d->note_seg_error = kl_strdupf("no PT_NOTE program header");
		return 0;
	}
	const GElf_Phdr *p = &d->phdrs[d->note_index];
	if (p->p_filesz == 0 || p->p_filesz > KL_DUMP_NOTES_MAX) {
		d->note_seg_error = kl_strdupf("PT_NOTE p_filesz is %" PRIu64 ", expected 1..%u",
					       (uint64_t)p->p_filesz, KL_DUMP_NOTES_MAX);
		return 0;
	}
	if (p->p_offset > d->size || p->p_filesz > d->size - p->p_offset) {
		d->note_seg_error =
			kl_strdupf("PT_NOTE p_offset %#" PRIx64 " + p_filesz %#" PRIx64
				   " ends past the file size %#" PRIx64,
				   (uint64_t)p->p_offset, (uint64_t)p->p_filesz, d->size);
		return 0;
	}
	d->note_buf = malloc(p->p_filesz);
	if (!d->note_buf)
		return kl_error_set(err, ENOMEM, "reading %" PRIu64 " bytes of notes",
				    (uint64_t)p->p_filesz);
	ssize_t n = kl_pread_full(d->fd, d->note_buf, p->p_filesz, p->p_offset);
	if (n < 0)
		return kl_error_set(err, (int)-n, "reading the notes of \"%s\"", d->path);
	if ((uint64_t)n != p->p_filesz)
		return kl_error_set(err, EIO, "\"%s\" shrank while reading its notes", d->path);
	d->note_off = p->p_offset;
	d->note_len = p->p_filesz;
	d->have_note_seg = true;
	return 0;
}

static int add_note(struct kl_dump *d, const struct kl_note *n, size_t *cap)
{
	if (d->n_notes == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct kl_note *nv = reallocarray(d->notes, ncap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		d->notes = nv;
		*cap = ncap;
	}
	d->notes[d->n_notes++] = *n;
	return 0;
}

/* Each iteration consumes at least 12 bytes, so the loop ends within note_len / 12. */
static int split_notes(struct kl_dump *d, struct kl_error **err)
{
	const unsigned char *b = d->note_buf;
	uint64_t len = d->note_len, pos = 0;
	size_t cap = 0;

	while (pos < len) {
		uint64_t at = d->note_off + pos;
		if (len - pos < 12) {
			d->notes_error =
				kl_strdupf("note %zu at file offset %#" PRIx64 ": only %" PRIu64
					   " bytes left, a note header needs 12",
					   d->n_notes, at, len - pos);
			return 0;
		}
		struct kl_note n = {
			.namesz = kl_le32(b + pos),
			.descsz = kl_le32(b + pos + 4),
			.type = kl_le32(b + pos + 8),
			.offset = at,
		};
		uint64_t body = align4(n.namesz) + align4(n.descsz);
		if (n.namesz == 0) {
			d->notes_error = kl_strdupf(
				"note %zu at file offset %#" PRIx64
				": n_namesz is 0 (padding or garbage inside the segment)",
				d->n_notes, at);
			return 0;
		}
		if (body > len - pos - 12) {
			d->notes_error =
				kl_strdupf("note %zu at file offset %#" PRIx64 ": n_namesz %" PRIu32
					   " + n_descsz %" PRIu32
					   " runs past the segment end (%" PRIu64 " bytes left)",
					   d->n_notes, at, n.namesz, n.descsz, len - pos - 12);
			return 0;
		}
		n.name = (const char *)b + pos + 12;
		n.desc = b + pos + 12 + align4(n.namesz);
		if (n.name[n.namesz - 1] != '\0' ||
		    memchr(n.name, '\0', n.namesz) != n.name + n.namesz - 1) {
			d->notes_error =
				kl_strdupf("note %zu at file offset %#" PRIx64 ": name of %" PRIu32
					   " bytes is not one NUL-terminated string",
					   d->n_notes, at, n.namesz);
			return 0;
		}
		if (d->n_notes == KL_DUMP_NOTES_COUNT_MAX) {
			d->notes_error =
				kl_strdupf("note %zu at file offset %#" PRIx64
					   ": more than %u notes (one per CPU is expected)",
					   d->n_notes, at, KL_DUMP_NOTES_COUNT_MAX);
			return 0;
		}
		if (add_note(d, &n, &cap) < 0)
			return kl_error_set(err, ENOMEM, "splitting notes");
		pos += 12 + body;
	}
	d->have_notes = true;
	return 0;
}

int kl_dump_load_notes(struct kl_dump *d, struct kl_error **err)
{
	if (!d->have_phdrs)
		return 0;
	int r = load_segment(d, err);
	if (r < 0 || !d->have_note_seg)
		return r;
	return split_notes(d, err);
}
