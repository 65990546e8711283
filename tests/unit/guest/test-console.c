/* SPDX-License-Identifier: MIT */
#include "kl-check.h"
#include <errno.h>
#include <string.h>

#include "base/macro.h"
#include "guest/console.h"

/* Everything the parser reported, flattened to one string per line for comparison. */
struct collect {
	char *out[64];
	size_t n;
	int stop_at; /* return -ECANCELED on this line number (0: never) */
};

static int collect_line(const struct kl_console_line *l, void *userdata)
{
	struct collect *c = userdata;
	char buf[16384];
	int o = snprintf(buf, sizeof(buf), "%s|%lu|%s%s|%s", kl_kernel_name(l->kernel), l->lineno,
			 l->truncated ? "T" : "", l->banner ? "B" : "", l->text);
	if (l->record) {
		ck_assert_uint_eq(l->record->lineno, l->lineno);
		ck_assert_int_eq(l->record->kernel, l->kernel);
		ck_assert_str_eq(l->record->raw, l->text);
		o += snprintf(buf + o, sizeof(buf) - (size_t)o, "|R:%s", l->record->phase);
		for (size_t i = 0; i < l->record->n_fields; i++)
			o += snprintf(buf + o, sizeof(buf) - (size_t)o, " %s=[%s]",
				      l->record->fields[i].key, l->record->fields[i].value);
	}
	if (l->record_error)
		snprintf(buf + o, sizeof(buf) - (size_t)o, "|E:%s", l->record_error);
	ck_assert_uint_lt(c->n, ELEMENTSOF(c->out));
	c->out[c->n++] = strdup(buf);
	if (c->stop_at && (int)l->lineno == c->stop_at)
		return -ECANCELED;
	return 0;
}

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->out[i]);
	c->n = 0;
}

static const char transcript[] =
	"\x1b[2J\x1b[01;01HSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n"
	"Booting from ROM..\r\n"
	"[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP\r\n"
	"[    0.000000] Command line: console=ttyS0 crashkernel=192M\r\n"
	"KDUMPLAB phase=start prog=loader version=0.1.0\r\n"
	"KDUMPLAB phase=facts uname_r=6.1.0-56-cloud-amd64 uname_v=#1%20SMP%20PREEMPT_DYNAMIC cpus_online=2\r\n"
	"[    2.345678] random: crng init done\r\n"
	"[    2.4] virtio_blk virtio1: [vda] 8192 512-byte blocksKDUMPLAB phase=iomem type=ram start=0x100000 end=0x7ffdffff\r\n"
	"KDUMPLAB phase=trigger scenario=sysrq pid=123 cpu=1 nonce=abcdef time=1700000000\r\n"
	"[    3.000000] sysrq: Trigger a crash\r\n"
	"[    3.000001] Kernel panic - not syncing: sysrq triggered crash\r\n"
	"[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP\r\n"
	"KDUMPLAB phase=start prog=saver elfcorehdr=0x2c000000\r\n"
	"\0\0KDUMPLAB phase=done\r\n"
	"unterminated tail";

static void feed_split(struct collect *c, size_t split)
{
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	size_t len = sizeof(transcript) - 1;
	ck_assert_ptr_nonnull(con);
	ck_assert_int_eq(kl_console_feed(con, transcript, split, collect_line, c), 0);
	ck_assert_int_eq(kl_console_feed(con, transcript + split, len - split, collect_line, c), 0);
	ck_assert_int_eq(kl_console_finish(con, collect_line, c), 0);
	ck_assert_int_eq(kl_console_kernel(con), KL_KERNEL_CAPTURE);
	ck_assert_uint_eq(kl_console_banners(con), 2);
	ck_assert_uint_eq(kl_console_records(con), 6);
	ck_assert_uint_eq(kl_console_malformed(con), 0);
}

START_TEST(console_transcript)
{
	struct collect c = { 0 };
	feed_split(&c, 0);
	static const char *const want[] = {
		"firmware|1||SeaBIOS (version 1.16.2-debian-1.16.2-1)",
		"firmware|2||Booting from ROM..",
		"system|3|B|[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP",
		"system|4||[    0.000000] Command line: console=ttyS0 crashkernel=192M",
		"system|5||KDUMPLAB phase=start prog=loader version=0.1.0|R:start phase=[start] prog=[loader] version=[0.1.0]",
		"system|6||KDUMPLAB phase=facts uname_r=6.1.0-56-cloud-amd64 uname_v=#1%20SMP%20PREEMPT_DYNAMIC cpus_online=2|R:facts phase=[facts] uname_r=[6.1.0-56-cloud-amd64] uname_v=[#1 SMP PREEMPT_DYNAMIC] cpus_online=[2]",
		"system|7||[    2.345678] random: crng init done",
		"system|8||[    2.4] virtio_blk virtio1: [vda] 8192 512-byte blocksKDUMPLAB phase=iomem type=ram start=0x100000 end=0x7ffdffff|R:iomem phase=[iomem] type=[ram] start=[0x100000] end=[0x7ffdffff]",
		"system|9||KDUMPLAB phase=trigger scenario=sysrq pid=123 cpu=1 nonce=abcdef time=1700000000|R:trigger phase=[trigger] scenario=[sysrq] pid=[123] cpu=[1] nonce=[abcdef] time=[1700000000]",
		"system|10||[    3.000000] sysrq: Trigger a crash",
		"system|11||[    3.000001] Kernel panic - not syncing: sysrq triggered crash",
		"capture|12|B|[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP",
		"capture|13||KDUMPLAB phase=start prog=saver elfcorehdr=0x2c000000|R:start phase=[start] prog=[saver] elfcorehdr=[0x2c000000]",
		"capture|14||KDUMPLAB phase=done|R:done phase=[done]",
		"capture|15||unterminated tail",
	};
	ck_assert_uint_eq(c.n, ELEMENTSOF(want));
	for (size_t i = 0; i < c.n; i++)
		ck_assert_str_eq(c.out[i], want[i]);
	collect_free(&c);
}
END_TEST

/* Wherever the stream is cut, the result is the same as feeding it whole. */
START_TEST(console_split_every_byte)
{
	struct collect whole = { 0 };
	feed_split(&whole, 0);
	for (size_t split = 1; split < sizeof(transcript) - 1; split++) {
		struct collect c = { 0 };
		feed_split(&c, split);
		ck_assert_uint_eq(c.n, whole.n);
		for (size_t i = 0; i < c.n; i++)
			ck_assert_msg(streq(c.out[i], whole.out[i]), "split at %zu, line %zu: %s",
				      split, i, c.out[i]);
		collect_free(&c);
	}
	/* And one byte at a time. */
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	struct collect c = { 0 };
	for (size_t i = 0; i < sizeof(transcript) - 1; i++)
		ck_assert_int_eq(kl_console_feed(con, transcript + i, 1, collect_line, &c), 0);
	ck_assert_int_eq(kl_console_finish(con, collect_line, &c), 0);
	ck_assert_uint_eq(c.n, whole.n);
	for (size_t i = 0; i < c.n; i++)
		ck_assert_str_eq(c.out[i], whole.out[i]);
	collect_free(&c);
	collect_free(&whole);
}
END_TEST

static void feed_all(struct collect *c, const char *s, size_t len)
{
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	ck_assert_int_eq(kl_console_feed(con, s, len, collect_line, c), 0);
	ck_assert_int_eq(kl_console_finish(con, collect_line, c), 0);
}

START_TEST(console_junk)
{
	/* CRLF, LF CR, NULs, BEL, a colour sequence in a record, an OSC title, a lone ESC. */
	static const char in[] = "a\r\nb\n\rc\0\0d\a\n"
				 "KDUMPLAB \x1b[1;31mphase=x\x1b[0m k=v\n"
				 "\x1b]0;title\x07tail\n"
				 "x\x1b"
				 "7y\n";
	struct collect c = { 0 };
	feed_all(&c, in, sizeof(in) - 1);
	static const char *const want[] = {
		"firmware|1||a",    "firmware|2||b",
		"firmware|3||cd",   "firmware|4||KDUMPLAB phase=x k=v|R:x phase=[x] k=[v]",
		"firmware|5||tail", "firmware|6||xy",
	};
	ck_assert_uint_eq(c.n, ELEMENTSOF(want));
	for (size_t i = 0; i < c.n; i++)
		ck_assert_str_eq(c.out[i], want[i]);
	collect_free(&c);
}
END_TEST

START_TEST(console_escape_cut_by_newline)
{
	/* An escape sequence never swallows a line end, and a runaway one ends. */
	char in[400];
	int n = snprintf(in, sizeof(in), "a\x1b[12\nb\n\x1b[");
	memset(in + n, '1', 200);
	memcpy(in + n + 200, "zc\n", 3);
	struct collect c = { 0 };
	feed_all(&c, in, (size_t)n + 203);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.out[0], "firmware|1||a");
	ck_assert_str_eq(c.out[1], "firmware|2||b");
	/* The sequence gave up after its bound: what follows is text again. */
	ck_assert_ptr_nonnull(strstr(c.out[2], "zc"));
	collect_free(&c);
}
END_TEST

START_TEST(console_overlong)
{
	size_t big = 3 * KL_CONSOLE_LINE_MAX;
	_cleanup_free_ char *in = malloc(big + 64);
	memset(in, 'x', big);
	memcpy(in + big, "\nshort\n", 7);
	struct collect c = { 0 };
	feed_all(&c, in, big + 7);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(strlen(c.out[0]), strlen("firmware|1|T|") + KL_CONSOLE_LINE_MAX);
	ck_assert_str_eq(c.out[1], "firmware|2||short");
	collect_free(&c);

	/* A record cut by the bound keeps its complete fields and drops the cut one. */
	size_t o = (size_t)sprintf(in, "KDUMPLAB phase=loaded crash_loaded=1 cmdline=");
	memset(in + o, 'y', big - o);
	in[big] = '\n';
	feed_all(&c, in, big + 1);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_ptr_nonnull(strstr(c.out[0], "|R:loaded phase=[loaded] crash_loaded=[1]"));
	ck_assert_ptr_null(strstr(c.out[0], "cmdline=["));
	ck_assert_ptr_nonnull(strstr(c.out[0], "|T|"));
	collect_free(&c);
}
END_TEST

START_TEST(console_decoding)
{
	static const char in[] =
		"KDUMPLAB phase=loaded cmdline=irqpoll%20nr_cpus=1%20a%25b%3d empty=\n";
	struct collect c = { 0 };
	feed_all(&c, in, sizeof(in) - 1);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_ptr_nonnull(strstr(
		c.out[0], "|R:loaded phase=[loaded] cmdline=[irqpoll nr_cpus=1 a%b=] empty=[]"));
	collect_free(&c);
}
END_TEST

START_TEST(console_malformed)
{
	static const struct {
		const char *line, *error;
	} bad[] = {
		{ "KDUMPLAB phase=x loose", "field without key=value form" },
		{ "KDUMPLAB prog=loader", "no phase= field" },
		{ "KDUMPLAB phase=", "no phase= field" },
		{ "KDUMPLAB phase=Start", "phase with a character outside [a-z0-9_]" },
		{ "KDUMPLAB phase=x k=%ZZ", "malformed %XX escape in value" },
		{ "KDUMPLAB phase=x k=%4", "malformed %XX escape in value" },
		{ "KDUMPLAB phase=x k=1 k=2", "duplicate key" },
		{ "KDUMPLAB phase=x Key=1", "key with a character outside [a-z0-9_]" },
		{ "KDUMPLAB phase=x =1", "field without key=value form" },
		{ "KDUMPLAB phase=x k=\xc3\xa9",
		  "value with a byte that should have been %-encoded" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct collect c = { 0 };
		char in[256];
		int n = snprintf(in, sizeof(in), "%s\n", bad[i].line);
		feed_all(&c, in, (size_t)n);
		ck_assert_uint_eq(c.n, 1);
		char want[300];
		snprintf(want, sizeof(want), "firmware|1||%s|E:%s", bad[i].line, bad[i].error);
		ck_assert_str_eq(c.out[0], want);
		collect_free(&c);
	}
	/* Not records at all: no prefix, or the prefix without its space. */
	static const char none[] = "kdumplab phase=x\nKDUMPLABphase=x\nXKDUMPLAB\n";
	struct collect c = { 0 };
	feed_all(&c, none, sizeof(none) - 1);
	ck_assert_uint_eq(c.n, 3);
	for (size_t i = 0; i < c.n; i++)
		ck_assert_ptr_null(strchr(c.out[i] + strlen("firmware|1||"), '|'));
	collect_free(&c);
	/* Junk that itself ends in the prefix: the next occurrence is the record. */
	static const char twice[] = "KDUMPLAB KDUMPLAB phase=a k=1\n";
	feed_all(&c, twice, sizeof(twice) - 1);
	ck_assert_ptr_nonnull(strstr(c.out[0], "|R:a phase=[a] k=[1]"));
	collect_free(&c);
}
END_TEST

/* Hostile lines (issue 6): each is parsed in O(len) and classified, never more. */
START_TEST(console_hostile_lines)
{
	_cleanup_free_ char *line = malloc(KL_CONSOLE_LINE_MAX + 2);
	ck_assert_ptr_nonnull(line);
	/* 910 prefixes: only the first few are tried, each fails on its own. */
	size_t o = 0;
	while (o + 9 <= KL_CONSOLE_LINE_MAX - 20)
		o += (size_t)sprintf(line + o, "KDUMPLAB ");
	o += (size_t)sprintf(line + o, "phase=late\n");
	struct collect c = { 0 };
	feed_all(&c, line, o);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_ptr_nonnull(strstr(c.out[0], "|E:field without key=value form"));
	collect_free(&c);
	/* Junk with four prefixes before the record: the record is past the tries. */
	static const char five[] = "KDUMPLAB KDUMPLAB KDUMPLAB KDUMPLAB KDUMPLAB phase=a\n";
	feed_all(&c, five, sizeof(five) - 1);
	ck_assert_ptr_null(strstr(c.out[0], "|R:"));
	collect_free(&c);
	/* Fields: 64 are accepted, the 65th makes the record malformed. */
	o = (size_t)sprintf(line, "KDUMPLAB phase=x");
	for (int i = 1; i < 64; i++)
		o += (size_t)sprintf(line + o, " k%d=1", i);
	line[o++] = '\n';
	feed_all(&c, line, o);
	ck_assert_ptr_nonnull(strstr(c.out[0], "|R:x"));
	collect_free(&c);
	o--;
	o += (size_t)sprintf(line + o, " k64=1\n");
	feed_all(&c, line, o);
	ck_assert_ptr_nonnull(strstr(c.out[0], "|E:too many fields"));
	collect_free(&c);
	/* 4000 one-letter fields: refused at the 65th without looking at the rest. */
	o = (size_t)sprintf(line, "KDUMPLAB phase=x");
	while (o + 4 < KL_CONSOLE_LINE_MAX)
		o += (size_t)sprintf(line + o, " a=");
	line[o++] = '\n';
	feed_all(&c, line, o);
	ck_assert_ptr_nonnull(strstr(c.out[0], "|E:"));
	collect_free(&c);
}
END_TEST

START_TEST(console_callback_stops)
{
	static const char in[] = "a\nb\nc\n";
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	struct collect c = { .stop_at = 2 };
	ck_assert_int_eq(kl_console_feed(con, in, sizeof(in) - 1, collect_line, &c), -ECANCELED);
	ck_assert_uint_eq(c.n, 2);
	collect_free(&c);
}
END_TEST

START_TEST(console_banner_anchored)
{
	/* A user-space line mentioning the phrase is not a boot; syslog-level prefixes are. */
	static const char in[] = "echo Linux version 1\n<5>[    0.000000] Linux version 6.12.0\n"
				 "Linux version 6.1.0 (no timestamp)\n[ 1.0]Linux version x\n";
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	ck_assert_int_eq(kl_console_feed(con, in, sizeof(in) - 1, NULL, NULL), 0);
	ck_assert_uint_eq(kl_console_banners(con), 3);
	ck_assert_int_eq(kl_console_kernel(con), KL_KERNEL_EXTRA);
	ck_assert_uint_eq(kl_console_lines(con), 4);
}
END_TEST

START_TEST(record_get_u64)
{
	struct kl_field f[] = { { "phase", "x", 1 },	 { "a", "0x2d000000", 10 },
				{ "b", "201326592", 9 }, { "c", "-1", 2 },
				{ "d", "0x", 2 },	 { "e", "99999999999999999999", 20 },
				{ "g", "12abc", 5 },	 { "h", "0XFF", 4 } };
	struct kl_record r = { .phase = "x", .fields = f, .n_fields = ELEMENTSOF(f) };
	uint64_t v = 7;
	ck_assert_int_eq(kl_record_get_u64(&r, "a", &v), 0);
	ck_assert_uint_eq(v, 0x2d000000);
	ck_assert_int_eq(kl_record_get_u64(&r, "b", &v), 0);
	ck_assert_uint_eq(v, 201326592);
	ck_assert_int_eq(kl_record_get_u64(&r, "h", &v), 0);
	ck_assert_uint_eq(v, 255);
	v = 7;
	ck_assert_int_eq(kl_record_get_u64(&r, "c", &v), -EINVAL);
	ck_assert_int_eq(kl_record_get_u64(&r, "d", &v), -EINVAL);
	ck_assert_int_eq(kl_record_get_u64(&r, "e", &v), -ERANGE);
	ck_assert_int_eq(kl_record_get_u64(&r, "g", &v), -EINVAL);
	ck_assert_int_eq(kl_record_get_u64(&r, "zz", &v), -ENOENT);
	ck_assert_uint_eq(v, 7);
}
END_TEST

static int check_bounds(const struct kl_console_line *l, void *userdata)
{
	unsigned long *n = userdata;
	ck_assert_uint_le(l->len, KL_CONSOLE_LINE_MAX);
	ck_assert_uint_eq(strlen(l->text), l->len);
	if (l->record)
		for (size_t i = 0; i < l->record->n_fields; i++)
			ck_assert_uint_le(l->record->fields[i].value_len, l->len);
	(*n)++;
	return 0;
}

/* Random bytes, biased towards the characters the parser cares about. */
START_TEST(console_fuzz)
{
	static const char alphabet[] = "KDUMPLAB phase=%0a\r\n\x1b[]\0 =x";
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	unsigned long lines = 0;
	unsigned char buf[4096];
	srand(4242);
	for (int iter = 0; iter < 2000; iter++) {
		size_t len = (size_t)rand() % sizeof(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = rand() % 2
					 ? (unsigned char)alphabet[rand() % (sizeof(alphabet) - 1)]
					 : (unsigned char)rand();
		if (iter % 100 == 0)
			memcpy(buf, "\nKDUMPLAB phase=ok k=v\n", len < 23 ? len : 23);
		if (iter % 100 == 50)
			memcpy(buf, "\nKDUMPLAB phase=ok k=%zz\n", len < 26 ? len : 26);
		ck_assert_int_eq(kl_console_feed(con, buf, len, check_bounds, &lines), 0);
	}
	ck_assert_int_eq(kl_console_finish(con, check_bounds, &lines), 0);
	ck_assert_uint_eq(lines, kl_console_lines(con));
	ck_assert_uint_gt(kl_console_records(con), 0);
	ck_assert_uint_gt(kl_console_malformed(con), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { console_transcript,    console_split_every_byte,
				       console_junk,	      console_escape_cut_by_newline,
				       console_overlong,      console_decoding,
				       console_malformed,     console_callback_stops,
				       console_hostile_lines, console_banner_anchored,
				       record_get_u64,	      console_fuzz };
	return kl_check_main("console", 60, tests, KL_CHECK_N(tests));
}
