/* SPDX-License-Identifier: MIT */
/*
 * The kernel log read out of a dump from the lockless printk ring buffer (Linux >= 5.10,
 * kernel/printk/printk_ringbuffer.c), using VMCOREINFO only: no debuginfo. Any dump format
 * works: every read goes through struct kl_mem.
 *
 * The walk follows makedumpfile's printk.c dump_lockless_dmesg (tail_id .. head_id
 * inclusive, committed and finalized descriptors only, wrapped blocks start at 0, text_len
 * clamped to the block) so the text is the same, and adds what an untrusted dump needs: at
 * most `count` iterations, every size checked before use, and each data block's embedded
 * descriptor id compared with the descriptor's (a mismatch is counted, not printed).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct kl_mem;
struct kl_vmcoreinfo;

/* Bounds for untrusted rings. Linux caps log_buf_len at 2^31 (LOG_BUF_LEN_MAX) and uses
 * count_bits = size_bits - 5 (PRB_AVGBITS); real dumps have size_bits 17..25. */
#define KL_PRINTK_MAX_SIZE_BITS	 25
#define KL_PRINTK_MAX_COUNT_BITS 22
/* Memory the extracted log may take: its text plus KL_PRINTK_RECORD_COST per record (the
 * record and its allocation), so 4 M tiny records (a hostile ring of 8-byte blocks) cannot
 * cost 300 MB; such a ring costs ~35 MB of RSS now. A full ring of real messages fits up to
 * log_buf_len=16M; a full 32 MiB ring is cut (dmesg.parse says so). */
#define KL_PRINTK_MAX_TEXT    (32u << 20)
#define KL_PRINTK_RECORD_COST (sizeof(struct kl_printk_record) + 32)

struct kl_printk_record {
	uint64_t seq;
	uint64_t ts_nsec;
	uint32_t caller_id;  /* bit 31 set: CPU number in the rest, else a task id */
	int facility, level; /* -1 when the layout does not tell (see printk.c) */
	char *text;	     /* text_len bytes, NUL-terminated for convenience */
	size_t text_len;
};

struct kl_printk_log {
	struct kl_printk_record *records; /* ring order (tail to head) */
	size_t n_records;
	uint64_t tail_id, head_id;
	uint32_t count;	    /* descriptors */
	uint64_t data_size; /* bytes of the text data ring */
	/* Anomalies seen on the walk (invariant 34); all zero on a consistent ring. */
	unsigned n_bad_id;     /* data block id differs from its descriptor's id */
	unsigned n_bad_block;  /* block lpos outside the ring or shorter than its id */
	unsigned n_unreadable; /* records whose memory is not in the dump */
	unsigned n_not_final;  /* descriptors neither committed nor finalized (skipped) */
	bool truncated;	       /* KL_PRINTK_MAX_TEXT reached; later records dropped */
};

/*
 * Extract the log. -EOPNOTSUPP when VMCOREINFO describes the pre-5.10 log_buf instead of the
 * lockless ring (message says so), -EBADMSG naming the key or field when VMCOREINFO or the
 * ring header is unusable, -ENOENT/-EIO when the ring's memory is not in the dump,
 * -ETIMEDOUT/-EINTR when m->stop says so.
 */
int kl_printk_extract(const struct kl_mem *m, const struct kl_vmcoreinfo *vi,
		      struct kl_printk_log **ret, struct kl_error **err);
void kl_printk_log_free(struct kl_printk_log *log);
static inline void kl_printk_log_freep(struct kl_printk_log **log)
{
	kl_printk_log_free(*log);
}

/*
 * One record as makedumpfile --dump-dmesg writes it: "[%5lu.%06lu] text\n", an embedded
 * newline followed by the prefix's width of spaces, other unprintable bytes as \xNN.
 * Returns a new string or NULL on ENOMEM.
 */
char *kl_printk_format(const struct kl_printk_record *r);

/* The index of the last record whose text contains needle, searching before `before`
 * (n_records for all); -1 when none. */
long kl_printk_rfind(const struct kl_printk_log *log, size_t before, const char *needle);
