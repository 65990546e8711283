/* SPDX-License-Identifier: MIT */
/*
 * The lockless printk ring (Linux commit 896fbe20b4e2 "printk: use the lockless ringbuffer",
 * in v5.10) read through VMCOREINFO: kernel/printk/printk.c log_buf_vmcoreinfo_setup()
 * exports every offset used here. See printk.h for what is checked.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "base/macro.h"
#include "base/stop.h"
#include "bytes.h"
#include "mem.h"
#include "printk.h"
#include "vmcore.h"

/* kernel/printk/printk_ringbuffer.h: the state sits in the top 2 bits of state_var. */
#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK	 (~(3ULL << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED	 1
#define DESC_FINALIZED	 2
/* Descriptors and infos are read this many at a time (ids are consecutive). */
#define WINDOW 256
/* A field we read as u64 must lie inside a structure of at most this size. */
#define MAX_STRUCT 4096

struct layout {
	uint64_t prb_sym;
	uint64_t rb_size, desc_ring, text_data_ring;
	uint64_t count_bits, descs, infos, head_id, tail_id;
	uint64_t desc_size, state_var, text_blk_lpos, lpos_begin, lpos_next;
	uint64_t info_size, seq, ts_nsec, text_len, caller_id;
	uint64_t size_bits, data;
	uint64_t counter;
};

static int get_num(const struct kl_vmcoreinfo *vi, const char *key, bool hex, uint64_t *ret,
		   struct kl_error **err)
{
	const char *v = kl_vmcoreinfo_get(vi, key);
	char *end;
	if (!v)
		return kl_error_set(err, EBADMSG, "VMCOREINFO has no %s", key);
	errno = 0;
	uint64_t x = strtoull(v, &end, hex ? 16 : 10);
	if (!*v || *end || errno || *v == '-' || *v == '+' || isspace((unsigned char)*v))
		return kl_error_set(err, EBADMSG, "%s=%s is not a %s number", key, v,
				    hex ? "hex" : "decimal");
	*ret = x;
	return 0;
}

static int read_layout(const struct kl_vmcoreinfo *vi, struct layout *l, struct kl_error **err)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define K(k, f) { k, offsetof(struct layout, f) }
		K("SIZE(printk_ringbuffer)", rb_size),
		K("OFFSET(printk_ringbuffer.desc_ring)", desc_ring),
		K("OFFSET(printk_ringbuffer.text_data_ring)", text_data_ring),
		K("OFFSET(prb_desc_ring.count_bits)", count_bits),
		K("OFFSET(prb_desc_ring.descs)", descs),
		K("OFFSET(prb_desc_ring.infos)", infos),
		K("OFFSET(prb_desc_ring.head_id)", head_id),
		K("OFFSET(prb_desc_ring.tail_id)", tail_id),
		K("SIZE(prb_desc)", desc_size),
		K("OFFSET(prb_desc.state_var)", state_var),
		K("OFFSET(prb_desc.text_blk_lpos)", text_blk_lpos),
		K("OFFSET(prb_data_blk_lpos.begin)", lpos_begin),
		K("OFFSET(prb_data_blk_lpos.next)", lpos_next),
		K("SIZE(printk_info)", info_size),
		K("OFFSET(printk_info.seq)", seq),
		K("OFFSET(printk_info.ts_nsec)", ts_nsec),
		K("OFFSET(printk_info.text_len)", text_len),
		K("OFFSET(printk_info.caller_id)", caller_id),
		K("OFFSET(prb_data_ring.size_bits)", size_bits),
		K("OFFSET(prb_data_ring.data)", data),
		K("OFFSET(atomic_long_t.counter)", counter),
#undef K
	};
	if (!kl_vmcoreinfo_get(vi, "SYMBOL(prb)")) {
		if (kl_vmcoreinfo_get(vi, "SYMBOL(log_buf)"))
			return kl_error_set(
				err, EOPNOTSUPP,
				"VMCOREINFO has SYMBOL(log_buf) but no SYMBOL(prb): a kernel before 5.10 (struct printk_log records), which kdumplab does not read");
		return kl_error_set(err, EBADMSG,
				    "VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)");
	}
	int r = get_num(vi, "SYMBOL(prb)", true, &l->prb_sym, err);
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(keys); i++) {
		uint64_t *f = (uint64_t *)((char *)l + keys[i].off);
		r = get_num(vi, keys[i].key, false, f, err);
		if (r == 0 && *f > MAX_STRUCT)
			r = kl_error_set(err, EBADMSG, "%s=%" PRIu64 ", expected at most %d",
					 keys[i].key, *f, MAX_STRUCT);
	}
	return r;
}

/* Field [off, off+width) of a structure of size bytes. */
static bool fits(uint64_t off, uint64_t width, uint64_t size)
{
	return off <= size && width <= size - off;
}

/* A window of WINDOW consecutive elements of a ring array in the dump. */
struct window {
	const struct kl_mem *m;
	uint64_t base; /* vaddr of element 0 */
	size_t elem;
	uint32_t count;
	unsigned char *buf;
	uint32_t first, n; /* elements [first, first + n) are in buf */
};

/* Element idx, or NULL with *r set (-ENOENT/-EIO). */
static const unsigned char *window_get(struct window *w, uint32_t idx, int *r)
{
	if (w->n == 0 || idx < w->first || idx - w->first >= w->n) {
		uint32_t n = w->count - idx < WINDOW ? w->count - idx : WINDOW;
		*r = kl_mem_read_vaddr(w->m, w->base + (uint64_t)idx * w->elem, w->buf,
				       (size_t)n * w->elem);
		/* Part of the window may be missing (a filtered page): try this one alone. */
		if (*r < 0 && n > 1) {
			n = 1;
			*r = kl_mem_read_vaddr(w->m, w->base + (uint64_t)idx * w->elem, w->buf,
					       w->elem);
		}
		if (*r < 0) {
			w->n = 0;
			return NULL;
		}
		w->first = idx;
		w->n = n;
	}
	return w->buf + (size_t)(idx - w->first) * w->elem;
}

void kl_printk_log_free(struct kl_printk_log *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->n_records; i++)
		free(log->records[i].text);
	free(log->records);
	free(log);
}

struct walk {
	const struct kl_mem *m;
	const struct layout *l;
	struct window descs, infos;
	uint64_t data; /* vaddr of the text data ring */
	uint64_t size; /* its bytes, a power of two */
	size_t text_total;
	size_t cap;
	unsigned char *text_buf; /* 8 + 65535 bytes: a block's id and the longest text */
	/* The whole text data ring when it could be read in one piece (it is one allocation;
	 * measured: one read instead of one per record took `validate --dmesg` from ~400 to
	 * a handful of preads), else NULL and blocks are read one by one. */
	unsigned char *ring;
	struct kl_printk_log *log;
};

/* Up to this size the text data ring is read whole (Debian's default is 128 KiB). */
#define RING_CACHE_MAX (4u << 20)

/* Block bytes [begin, begin + len) of the data ring (begin + len <= size, checked by caller). */
static int read_block(struct walk *w, uint64_t begin, size_t len)
{
	if (w->ring) {
		memcpy(w->text_buf, w->ring + begin, len);
		return 0;
	}
	return kl_mem_read_vaddr(w->m, w->data + begin, w->text_buf, len);
}

static int add_record(struct walk *w, const struct kl_printk_record *rec)
{
	struct kl_printk_log *log = w->log;
	if (log->n_records == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 1024;
		struct kl_printk_record *nv = reallocarray(log->records, ncap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		log->records = nv;
		w->cap = ncap;
	}
	log->records[log->n_records++] = *rec;
	return 0;
}

/* One descriptor id: append its record, or count why it has none. -ENOMEM only. */
static int walk_one(struct walk *w, uint64_t id)
{
	const struct layout *l = w->l;
	struct kl_printk_log *log = w->log;
	uint32_t idx = (uint32_t)(id % log->count);
	int r;

	const unsigned char *desc = window_get(&w->descs, idx, &r);
	if (!desc) {
		log->n_unreadable++;
		return 0;
	}
	uint64_t sv = kl_le64(desc + l->state_var + l->counter);
	unsigned state = (unsigned)(sv >> DESC_FLAGS_SHIFT);
	if ((sv & DESC_ID_MASK) != id || (state != DESC_COMMITTED && state != DESC_FINALIZED)) {
		log->n_not_final++;
		return 0;
	}
	uint64_t lbegin = kl_le64(desc + l->text_blk_lpos + l->lpos_begin);
	uint64_t lnext = kl_le64(desc + l->text_blk_lpos + l->lpos_next);
	uint64_t begin = lbegin % w->size, next = lnext % w->size;
	if (begin == next)
		return 0; /* a data-less record (e.g. an empty continuation) */
	if (begin > next)
		begin = 0; /* the block wrapped: its data starts at the ring's beginning */
	if (next - begin < sizeof(uint64_t)) {
		log->n_bad_block++;
		return 0;
	}

	const unsigned char *info = window_get(&w->infos, idx, &r);
	if (!info) {
		log->n_unreadable++;
		return 0;
	}
	size_t text_len = kl_le16(info + l->text_len);
	if (text_len > next - begin - sizeof(uint64_t))
		text_len = (size_t)(next - begin - sizeof(uint64_t)); /* truncated message */
	if (begin + sizeof(uint64_t) + text_len > w->size ||
	    read_block(w, begin, sizeof(uint64_t) + text_len) < 0) {
		log->n_unreadable++;
		return 0;
	}
	/* The block starts with the id of the descriptor that owns it (data_alloc()). */
	if (kl_le64(w->text_buf) != id) {
		log->n_bad_id++;
		return 0;
	}
	if (w->text_total + text_len + KL_PRINTK_RECORD_COST > KL_PRINTK_MAX_TEXT) {
		log->truncated = true;
		return 0;
	}

	struct kl_printk_record rec = {
		.seq = kl_le64(info + l->seq),
		.ts_nsec = kl_le64(info + l->ts_nsec),
		.caller_id = kl_le32(info + l->caller_id),
		.facility = -1,
		.level = -1,
		.text_len = text_len,
	};
	/* VMCOREINFO has no offsets for facility and level. Since v5.10 struct printk_info is
	 * { u16 text_len; u8 facility; u8 flags:5, level:3; u32 caller_id; }: trust that
	 * layout only when caller_id sits right where it says. */
	if (l->caller_id == l->text_len + 4) {
		rec.facility = info[l->text_len + 2];
		rec.level = info[l->text_len + 3] >> 5;
	}
	rec.text = malloc(text_len + 1);
	if (!rec.text)
		return -ENOMEM;
	memcpy(rec.text, w->text_buf + sizeof(uint64_t), text_len);
	rec.text[text_len] = '\0';
	if (add_record(w, &rec) < 0) {
		free(rec.text);
		return -ENOMEM;
	}
	w->text_total += text_len + KL_PRINTK_RECORD_COST;
	return 0;
}

/* Read the ring header: prb pointer, struct printk_ringbuffer, sizes checked. */
static int read_header(struct walk *w, struct kl_error **err)
{
	const struct layout *l = w->l;
	unsigned char rb[MAX_STRUCT];
	uint64_t prb;
	int r;

	/* Every value is at most MAX_STRUCT (read_layout), so these sums cannot wrap. */
	if (!fits(l->desc_ring + l->tail_id + l->counter, 8, l->rb_size) ||
	    !fits(l->desc_ring + l->head_id + l->counter, 8, l->rb_size) ||
	    !fits(l->desc_ring + l->count_bits, 4, l->rb_size) ||
	    !fits(l->desc_ring + l->descs, 8, l->rb_size) ||
	    !fits(l->desc_ring + l->infos, 8, l->rb_size) ||
	    !fits(l->text_data_ring + l->size_bits, 4, l->rb_size) ||
	    !fits(l->text_data_ring + l->data, 8, l->rb_size))
		return kl_error_set(
			err, EBADMSG,
			"VMCOREINFO printk_ringbuffer offsets do not fit in SIZE(printk_ringbuffer)=%" PRIu64,
			l->rb_size);
	if (!fits(l->state_var + l->counter, 8, l->desc_size) ||
	    !fits(l->text_blk_lpos + l->lpos_begin, 8, l->desc_size) ||
	    !fits(l->text_blk_lpos + l->lpos_next, 8, l->desc_size))
		return kl_error_set(
			err, EBADMSG,
			"VMCOREINFO prb_desc offsets do not fit in SIZE(prb_desc)=%" PRIu64,
			l->desc_size);
	if (!fits(l->seq, 8, l->info_size) || !fits(l->ts_nsec, 8, l->info_size) ||
	    !fits(l->text_len, 4, l->info_size) || !fits(l->caller_id, 4, l->info_size))
		return kl_error_set(
			err, EBADMSG,
			"VMCOREINFO printk_info offsets do not fit in SIZE(printk_info)=%" PRIu64,
			l->info_size);

	r = kl_mem_read_u64(w->m, l->prb_sym, &prb);
	if (r < 0)
		return kl_error_set(err, -r, "reading the pointer prb at SYMBOL(prb)=%#" PRIx64,
				    l->prb_sym);
	r = kl_mem_read_vaddr(w->m, prb, rb, l->rb_size);
	if (r < 0)
		return kl_error_set(err, -r,
				    "reading struct printk_ringbuffer (%" PRIu64
				    " bytes) at %#" PRIx64,
				    l->rb_size, prb);
	const unsigned char *dr = rb + l->desc_ring, *tr = rb + l->text_data_ring;
	uint32_t count_bits = kl_le32(dr + l->count_bits), size_bits = kl_le32(tr + l->size_bits);
	if (count_bits > KL_PRINTK_MAX_COUNT_BITS || size_bits > KL_PRINTK_MAX_SIZE_BITS ||
	    size_bits < 3)
		return kl_error_set(err, EBADMSG,
				    "printk ring at %#" PRIx64 ": count_bits %" PRIu32
				    " (expected 0..%d), size_bits %" PRIu32 " (expected 3..%d)",
				    prb, count_bits, KL_PRINTK_MAX_COUNT_BITS, size_bits,
				    KL_PRINTK_MAX_SIZE_BITS);
	w->log->count = 1u << count_bits;
	w->size = w->log->data_size = 1ULL << size_bits;
	w->data = kl_le64(tr + l->data);
	w->log->tail_id = kl_le64(dr + l->tail_id + l->counter) & DESC_ID_MASK;
	w->log->head_id = kl_le64(dr + l->head_id + l->counter) & DESC_ID_MASK;
	w->descs = (struct window){ w->m, kl_le64(dr + l->descs), l->desc_size, w->log->count };
	w->infos = (struct window){ w->m, kl_le64(dr + l->infos), l->info_size, w->log->count };
	if (w->size <= RING_CACHE_MAX) {
		w->ring = malloc(w->size);
		if (w->ring && kl_mem_read_vaddr(w->m, w->data, w->ring, w->size) < 0) {
			free(w->ring); /* e.g. a filtered page inside: read block by block */
			w->ring = NULL;
		}
	}
	return 0;
}

int kl_printk_extract(const struct kl_mem *m, const struct kl_vmcoreinfo *vi,
		      struct kl_printk_log **ret, struct kl_error **err)
{
	_cleanup_(kl_printk_log_freep) struct kl_printk_log *log = calloc(1, sizeof(*log));
	_cleanup_free_ unsigned char *text_buf = malloc(sizeof(uint64_t) + 65536);
	_cleanup_free_ unsigned char *dbuf = NULL, *ibuf = NULL;
	struct layout l;
	int r;

	if (!log || !text_buf)
		return kl_error_set(err, ENOMEM, "extracting the kernel log");
	r = read_layout(vi, &l, err);
	if (r < 0)
		return r;
	struct walk w = { .m = m, .l = &l, .log = log, .text_buf = text_buf };
	r = read_header(&w, err);
	if (r < 0)
		return r;
	_cleanup_free_ unsigned char *ring = w.ring;
	w.descs.buf = dbuf = malloc(WINDOW * l.desc_size);
	w.infos.buf = ibuf = malloc(WINDOW * l.info_size);
	if (!dbuf || !ibuf)
		return kl_error_set(err, ENOMEM, "extracting the kernel log");

	/* tail_id .. head_id inclusive; a consistent ring has head - tail < count, and a
	 * corrupt one must not make us loop: at most count iterations. */
	uint64_t id = log->tail_id;
	for (uint32_t i = 0; i < log->count; i++) {
		if (i % KL_STOP_EVERY == 0 &&
		    (r = kl_stop_poll(m->stop, "walking the printk ring", err)) < 0)
			return r;
		if (walk_one(&w, id) < 0)
			return kl_error_set(err, ENOMEM, "extracting the kernel log");
		if (id == log->head_id)
			break;
		id = (id + 1) & DESC_ID_MASK;
	}
	if (id != log->head_id)
		return kl_error_set(err, EBADMSG,
				    "printk ring: head_id %#" PRIx64 " is not within %" PRIu32
				    " descriptors of tail_id %#" PRIx64,
				    log->head_id, log->count, log->tail_id);
	*ret = TAKE_PTR(log);
	return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...) _printf_(4, 5);
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return 0;
		}
		size_t ncap = *cap * 2 + (size_t)n;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
}

char *kl_printk_format(const struct kl_printk_record *rec)
{
	size_t len = 0, cap = 64 + rec->text_len * 2;
	char *buf = malloc(cap);
	int indent;
	if (!buf)
		return NULL;
	if (append(&buf, &len, &cap, "[%5" PRIu64 ".%06" PRIu64 "] ", rec->ts_nsec / 1000000000,
		   rec->ts_nsec % 1000000000 / 1000) < 0)
		goto fail;
	indent = (int)len;
	for (size_t i = 0; i < rec->text_len; i++) {
		unsigned char ch = (unsigned char)rec->text[i];
		int r;
		if (ch == '\n')
			r = append(&buf, &len, &cap, "\n%-*s", indent, "");
		else if (isprint(ch) || isspace(ch))
			r = append(&buf, &len, &cap, "%c", ch);
		else
			r = append(&buf, &len, &cap, "\\x%02x", ch);
		if (r < 0)
			goto fail;
	}
	if (append(&buf, &len, &cap, "\n") < 0)
		goto fail;
	return buf;
fail:
	free(buf);
	return NULL;
}

long kl_printk_rfind(const struct kl_printk_log *log, size_t before, const char *needle)
{
	if (before > log->n_records)
		before = log->n_records;
	for (size_t i = before; i-- > 0;)
		if (memmem(log->records[i].text, log->records[i].text_len, needle, strlen(needle)))
			return (long)i;
	return -1;
}
