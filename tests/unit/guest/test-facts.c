/* SPDX-License-Identifier: MIT */
#include "kl-check.h"
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/macro.h"
#include "base/text.h"
#include "guest/console.h"
#include "guest/facts.h"

struct fold {
	struct kl_facts *f;
	int errors;
	char last_error[512];
};

static int fold_line(const struct kl_console_line *l, void *userdata)
{
	struct fold *x = userdata;
	_cleanup_error_ struct kl_error *e = NULL;
	if (l->record && kl_facts_apply(x->f, l->record, &e) < 0) {
		x->errors++;
		snprintf(x->last_error, sizeof(x->last_error), "%s", e ? e->msg : "?");
	}
	return 0;
}

static const char run_log[] =
	"[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org)\n"
	"KDUMPLAB phase=start prog=loader version=0.1.0\n"
	"KDUMPLAB phase=facts uname_r=6.1.0-56-cloud-amd64 uname_v=#1%20SMP%20PREEMPT_DYNAMIC%20Debian "
	"nodename=kdumplab machine=x86_64 cpus_online=2 cpus_list=0-1 page_size=4096 "
	"kexec_crash_size=201326592 boot_id=0f1e2d3c-aaaa-bbbb-cccc-123456789abc\n"
	"KDUMPLAB phase=iomem type=ram start=0x1000 end=0x9fbff\n"
	"KDUMPLAB phase=iomem type=ram start=0x100000 end=0x7ffdffff\n"
	"KDUMPLAB phase=iomem type=crash start=0x2d000000 end=0x38ffffff\n"
	"KDUMPLAB phase=kallsyms _text=0xffffffff81000000 _stext=0xffffffff81000000 "
	"_end=0xffffffff83400000 init_uts_ns=0xffffffff82e1a3a0 prb=0xffffffff82c5b0e8\n"
	"KDUMPLAB phase=module name=virtio_blk result=ok\n"
	"KDUMPLAB phase=reservation base=0x2d000000 size=201326592\n"
	"KDUMPLAB phase=loaded crash_loaded=1 cmdline=irqpoll%20nr_cpus=1%20reset_devices\n"
	"KDUMPLAB phase=trigger scenario=sysrq pid=123 cpu=1 nonce=c0ffee time=1700000000\n"
	"[    3.0] Kernel panic - not syncing: sysrq triggered crash\n"
	"[    0.000000] Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org)\n"
	"KDUMPLAB phase=start prog=saver version=0.1.0 elfcorehdr=0x38000000\n"
	"KDUMPLAB phase=module name=ext4 result=ENOENT\n"
	"KDUMPLAB phase=disk serial=kdumplab-dump dev=/dev/vdb\n"
	"KDUMPLAB phase=vmcore size=2147483648\n"
	"KDUMPLAB phase=progress bytes=1048576 total=2147483648\n"
	"KDUMPLAB phase=saved bytes=2147483648 allocated=104857600 zero_pages=500000 "
	"data_pages=24288 hash=0123456789ABCDEF seconds=3.25\n"
	"KDUMPLAB phase=error step=fsync errno=5 errname=EIO detail=write%20failed\n"
	"KDUMPLAB phase=done\n"
	"KDUMPLAB phase=shiny_new_phase x=1\n"
	"KDUMPLAB phase=poweroff\n";

static struct kl_facts *fold_log(const char *log, struct fold *x)
{
	_cleanup_(kl_console_freep) struct kl_console *con = kl_console_new();
	x->f = kl_facts_new();
	ck_assert_ptr_nonnull(x->f);
	ck_assert_int_eq(kl_console_feed(con, log, strlen(log), fold_line, x), 0);
	ck_assert_int_eq(kl_console_finish(con, fold_line, x), 0);
	return x->f;
}

static void assert_full(const struct kl_facts *f)
{
	const struct kl_loader_facts *l = &f->loader;
	const struct kl_saver_facts *s = &f->saver;
	ck_assert_str_eq(l->version, "0.1.0");
	ck_assert_str_eq(l->uname_r, "6.1.0-56-cloud-amd64");
	ck_assert_str_eq(l->uname_v, "#1 SMP PREEMPT_DYNAMIC Debian");
	ck_assert_str_eq(l->nodename, "kdumplab");
	ck_assert_str_eq(l->machine, "x86_64");
	ck_assert_int_eq(l->cpus_online, 2);
	ck_assert_str_eq(l->cpus_list, "0-1");
	ck_assert_int_eq(l->page_size, 4096);
	ck_assert_int_eq(l->kexec_crash_size, 201326592);
	ck_assert_str_eq(l->boot_id, "0f1e2d3c-aaaa-bbbb-cccc-123456789abc");
	ck_assert_uint_eq(l->n_ram, 2);
	ck_assert_uint_eq(l->ram[1].start, 0x100000);
	ck_assert_uint_eq(l->ram[1].end, 0x7ffdffff);
	ck_assert_uint_eq(l->n_crash, 1);
	ck_assert_uint_eq(l->crash[0].start, 0x2d000000);
	ck_assert_uint_eq(l->sym_text, 0xffffffff81000000ULL);
	ck_assert_uint_eq(l->sym_end, 0xffffffff83400000ULL);
	ck_assert_uint_eq(l->sym_prb, 0xffffffff82c5b0e8ULL);
	ck_assert_uint_eq(l->sym_init_uts_ns, 0xffffffff82e1a3a0ULL);
	ck_assert_uint_eq(l->reservation_base, 0x2d000000);
	ck_assert_int_eq(l->reservation_size, 201326592);
	ck_assert_int_eq(l->crash_loaded, 1);
	ck_assert_str_eq(l->capture_cmdline, "irqpoll nr_cpus=1 reset_devices");
	ck_assert_str_eq(l->trigger_scenario, "sysrq");
	ck_assert_int_eq(l->trigger_pid, 123);
	ck_assert_int_eq(l->trigger_cpu, 1);
	ck_assert_str_eq(l->trigger_nonce, "c0ffee");
	ck_assert_int_eq(l->trigger_time, 1700000000);
	ck_assert_uint_eq(l->n_modules, 1);
	ck_assert_str_eq(l->modules[0].name, "virtio_blk");
	ck_assert_uint_eq(l->n_errors, 0);
	ck_assert(l->started);
	ck_assert(!l->poweroff); /* the poweroff came from the saver */

	ck_assert_str_eq(s->version, "0.1.0");
	ck_assert_uint_eq(s->elfcorehdr, 0x38000000);
	ck_assert_str_eq(s->disk_serial, "kdumplab-dump");
	ck_assert_str_eq(s->disk_dev, "/dev/vdb");
	ck_assert_int_eq(s->vmcore_size, 2147483648LL);
	ck_assert_int_eq(s->progress_bytes, 1048576);
	ck_assert_int_eq(s->saved_bytes, 2147483648LL);
	ck_assert_int_eq(s->allocated, 104857600);
	ck_assert_int_eq(s->zero_pages, 500000);
	ck_assert_int_eq(s->data_pages, 24288);
	ck_assert_str_eq(s->hash, "0123456789abcdef");
	ck_assert(s->seconds > 3.24 && s->seconds < 3.26);
	ck_assert_uint_eq(s->n_modules, 1);
	ck_assert_str_eq(s->modules[0].result, "ENOENT");
	ck_assert_uint_eq(s->n_errors, 1);
	ck_assert_str_eq(s->errors[0].step, "fsync");
	ck_assert_int_eq(s->errors[0].errno_value, 5);
	ck_assert_str_eq(s->errors[0].errname, "EIO");
	ck_assert_str_eq(s->errors[0].detail, "write failed");
	ck_assert(s->started && s->done && s->poweroff);
	ck_assert_uint_eq(f->n_records, 20);
	ck_assert_uint_eq(f->n_unknown, 1);
}

START_TEST(facts_fold_run)
{
	struct fold x = { 0 };
	_cleanup_(kl_facts_freep) struct kl_facts *f = fold_log(run_log, &x);
	ck_assert_msg(x.errors == 0, "%s", x.last_error);
	assert_full(f);
}
END_TEST

START_TEST(facts_unset_by_default)
{
	_cleanup_(kl_facts_freep) struct kl_facts *f = kl_facts_new();
	ck_assert_int_eq(f->loader.cpus_online, KL_FACT_UNSET);
	ck_assert_int_eq(f->loader.kexec_crash_size, KL_FACT_UNSET);
	ck_assert_int_eq(f->loader.trigger_time, KL_FACT_UNSET);
	ck_assert_int_eq(f->saver.vmcore_size, KL_FACT_UNSET);
	ck_assert(f->saver.seconds < 0);
	ck_assert_ptr_null(f->loader.uname_r);
}
END_TEST

START_TEST(facts_bad_values)
{
	struct fold x = { 0 };
	_cleanup_(kl_facts_freep) struct kl_facts *f =
		fold_log("[ 0.0] Linux version 6.1\n"
			 "KDUMPLAB phase=facts uname_r=6.1 cpus_online=two page_size=4096\n"
			 "KDUMPLAB phase=iomem type=rom start=0x0 end=0x1\n"
			 "KDUMPLAB phase=iomem type=ram start=0x10 end=0x1\n"
			 "KDUMPLAB phase=trigger pid=-5 time=1700000000\n",
			 &x);
	ck_assert_int_eq(x.errors, 4);
	/* The bad value stays unset, the good ones of the same record are applied. */
	ck_assert_int_eq(f->loader.cpus_online, KL_FACT_UNSET);
	ck_assert_int_eq(f->loader.page_size, 4096);
	ck_assert_str_eq(f->loader.uname_r, "6.1");
	ck_assert_uint_eq(f->loader.n_ram, 0);
	ck_assert_int_eq(f->loader.trigger_pid, KL_FACT_UNSET);
	ck_assert_int_eq(f->loader.trigger_time, 1700000000);
	ck_assert_ptr_nonnull(strstr(x.last_error, "line 5"));
	ck_assert_ptr_nonnull(strstr(x.last_error, "pid=\"-5\""));

	/* Each message names line, key and value. */
	struct kl_field fl[] = { { "phase", "facts", 5 }, { "cpus_online", "two", 3 } };
	struct kl_record r = { .phase = "facts", .fields = fl, .n_fields = 2, .lineno = 9 };
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_facts_apply(f, &r, &e), -EINVAL);
	ck_assert_str_eq(
		e->msg,
		"console line 9: phase=facts cpus_online=\"two\" is not a non-negative number");
}
END_TEST

START_TEST(facts_routing_without_banners)
{
	/* A log with no banners (kernel unknown): the last start record routes. */
	struct fold x = { 0 };
	_cleanup_(kl_facts_freep) struct kl_facts *f =
		fold_log("KDUMPLAB phase=start prog=loader\n"
			 "KDUMPLAB phase=error step=kexec errno=99 errname=EADDRNOTAVAIL detail=x\n"
			 "KDUMPLAB phase=start prog=saver\n"
			 "KDUMPLAB phase=error step=mount errno=2 errname=ENOENT detail=y\n"
			 "KDUMPLAB phase=poweroff\n",
			 &x);
	ck_assert_int_eq(x.errors, 0);
	ck_assert_uint_eq(f->loader.n_errors, 1);
	ck_assert_str_eq(f->loader.errors[0].errname, "EADDRNOTAVAIL");
	ck_assert_uint_eq(f->loader.errors[0].lineno, 2);
	ck_assert_uint_eq(f->saver.n_errors, 1);
	ck_assert_str_eq(f->saver.errors[0].step, "mount");
	ck_assert(f->saver.poweroff && !f->loader.poweroff);
}
END_TEST

START_TEST(facts_bounds)
{
	_cleanup_(kl_facts_freep) struct kl_facts *f = kl_facts_new();
	struct kl_field fl[] = { { "phase", "iomem", 5 },
				 { "type", "ram", 3 },
				 { "start", "0x1000", 6 },
				 { "end", "0x1fff", 6 } };
	struct kl_record r = {
		.phase = "iomem", .fields = fl, .n_fields = 4, .kernel = KL_KERNEL_SYSTEM
	};
	for (int i = 0; i < KL_FACTS_MAX_RANGES; i++)
		ck_assert_int_eq(kl_facts_apply(f, &r, NULL), 0);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_facts_apply(f, &r, &e), -E2BIG);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(f->loader.n_ram, KL_FACTS_MAX_RANGES);
}
END_TEST

static char *tmpdir(void)
{
	char *d = strdup("/tmp/kl-facts-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static char *json_of(const struct kl_facts *f)
{
	struct json_object *o = kl_facts_to_json(f);
	ck_assert_ptr_nonnull(o);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

START_TEST(facts_json_roundtrip)
{
	struct fold x = { 0 };
	_cleanup_(kl_facts_freep) struct kl_facts *f = fold_log(run_log, &x);
	_cleanup_free_ char *dir = tmpdir(), *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/facts.json", dir), 0);

	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_facts_write_json(f, path, &e) == 0, "%s", e ? e->msg : "");
	_cleanup_(kl_facts_freep) struct kl_facts *g = NULL;
	ck_assert_msg(kl_facts_read_json(path, &g, &e) == 0, "%s", e ? e->msg : "");
	assert_full(g);
	_cleanup_free_ char *a = json_of(f), *b = json_of(g);
	ck_assert_str_eq(a, b);
	/* Atomic write: no temp file is left behind. */
	_cleanup_free_ char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "test $(ls %s | wc -l) = 1 && rm -r %s", dir, dir), 0);
	ck_assert_int_eq(system(cmd), 0);

	/* Empty facts round-trip to unset values. */
	_cleanup_(kl_facts_freep) struct kl_facts *empty = kl_facts_new(), *back = NULL;
	struct json_object *o = kl_facts_to_json(empty);
	ck_assert_int_eq(kl_facts_from_json(o, &back, &e), 0);
	json_object_put(o);
	ck_assert_int_eq(back->loader.cpus_online, KL_FACT_UNSET);
	ck_assert_ptr_null(back->loader.uname_r);
	ck_assert(back->saver.seconds < 0);
}
END_TEST

/* The largest facts a guest can make (every list full, every string the longest a console line
 * carries, all escapes) still fit the bound kl_facts_read_json() reads back. */
START_TEST(facts_json_fits_its_read_bound)
{
	_cleanup_(kl_facts_freep) struct kl_facts *f = kl_facts_new();
	char v[KL_CONSOLE_LINE_MAX / 3];
	memset(v, 0x1b, sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	struct kl_field mod[] = { { "phase", "module", 6 }, { "name", v, 0 }, { "result", v, 0 } };
	struct kl_field err[] = {
		{ "phase", "error", 5 }, { "step", v, 0 }, { "errname", v, 0 }, { "detail", v, 0 }
	};
	struct kl_field facts[] = { { "phase", "facts", 5 }, { "uname_r", v, 0 },
				    { "uname_v", v, 0 },     { "nodename", v, 0 },
				    { "machine", v, 0 },     { "cpus_list", v, 0 },
				    { "boot_id", v, 0 } };
	for (int k = KL_KERNEL_SYSTEM; k <= KL_KERNEL_CAPTURE; k++) {
		struct kl_record rm = {
			.phase = "module", .fields = mod, .n_fields = 3, .kernel = k
		};
		struct kl_record re = {
			.phase = "error", .fields = err, .n_fields = 4, .kernel = k
		};
		struct kl_record rf = {
			.phase = "facts", .fields = facts, .n_fields = 7, .kernel = k
		};
		for (int i = 0; i < KL_FACTS_MAX_MODULES; i++)
			ck_assert_int_eq(kl_facts_apply(f, &rm, NULL), 0);
		for (int i = 0; i < KL_FACTS_MAX_ERRORS; i++)
			ck_assert_int_eq(kl_facts_apply(f, &re, NULL), 0);
		ck_assert_int_eq(kl_facts_apply(f, &rf, NULL), 0);
	}
	ck_assert_uint_eq(f->saver.n_modules, KL_FACTS_MAX_MODULES);
	_cleanup_free_ char *dir = tmpdir(), *path = NULL, *cmd = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/facts.json", dir), 0);
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_msg(kl_facts_write_json(f, path, &e) == 0, "%s", e ? e->msg : "");
	_cleanup_(kl_facts_freep) struct kl_facts *g = NULL;
	ck_assert_msg(kl_facts_read_json(path, &g, &e) == 0, "%s", e ? e->msg : "");
	ck_assert_str_eq(g->loader.modules[0].name, f->loader.modules[0].name);
	ck_assert_uint_le(strlen(g->loader.modules[0].name), KL_FACT_TEXT_MAX);
	ck_assert_int_ge(asprintf(&cmd, "rm -r %s", dir), 0);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static int read_text(const char *text, struct kl_facts **ret, struct kl_error **e)
{
	_cleanup_free_ char *dir = tmpdir(), *path = NULL, *cmd = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/facts.json", dir), 0);
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	int r = kl_facts_read_json(path, ret, e);
	ck_assert_int_ge(asprintf(&cmd, "rm -r %s", dir), 0);
	ck_assert_int_eq(system(cmd), 0);
	return r;
}

START_TEST(facts_json_bad)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{", "invalid JSON" },
		{ "[]", "\"loader\" and \"saver\"" },
		{ "{\"loader\":{}}", "\"loader\" and \"saver\"" },
		{ "{\"loader\":{\"cpus_online\":\"2\"},\"saver\":{}}", "loader.cpus_online" },
		{ "{\"loader\":{\"cpus_online\":-3},\"saver\":{}}", "loader.cpus_online" },
		{ "{\"loader\":{\"sym_text\":\"0xzz\"},\"saver\":{}}", "loader.sym_text" },
		{ "{\"loader\":{\"ram\":[{\"start\":\"0x10\",\"end\":\"0x1\"}]},\"saver\":{}}",
		  "loader.ram" },
		{ "{\"loader\":{},\"saver\":{\"hash\":\"xyz\"}}", "saver.hash" },
		{ "{\"loader\":{},\"saver\":{\"errors\":[{\"step\":1}]}}", "saver.errors" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct kl_facts *f = NULL;
		_cleanup_error_ struct kl_error *e = NULL;
		ck_assert_int_lt(read_text(bad[i].text, &f, &e), 0);
		ck_assert_ptr_null(f);
		ck_assert_msg(strstr(e->msg, bad[i].msg), "%s: %s", bad[i].text, e->msg);
	}
	struct kl_facts *f = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(kl_facts_read_json("/nonexistent/facts.json", &f, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e->msg, "/nonexistent/facts.json"));
}
END_TEST

/* %XX of bytes 1..255 (a decoded %00 would end the value), then an OSC 52 clipboard write. */
static const char osc52[] = "\x1b]52;c;aG9zdGlsZQ==\x07";

static char *hostile_value(void)
{
	char *v = malloc(3 * 255 + 3 * sizeof(osc52) + 1), *p = v;
	for (unsigned b = 1; b < 256; b++)
		p += sprintf(p, "%%%02X", b);
	for (size_t i = 0; i + 1 < sizeof(osc52); i++)
		p += sprintf(p, "%%%02X", (unsigned char)osc52[i]);
	return v;
}

static char *hostile_safe(void)
{
	char raw[255 + sizeof(osc52)];
	for (unsigned b = 1; b < 256; b++)
		raw[b - 1] = (char)b;
	memcpy(raw + 255, osc52, sizeof(osc52) - 1);
	return kl_text_safe(raw, 255 + sizeof(osc52) - 1, KL_TEXT_MAX);
}

/* Every string fact a guest sends is stored, and written to facts.json, as safe text. */
START_TEST(facts_guest_text_is_safe)
{
	static const char *const lines[] = {
		"KDUMPLAB phase=start prog=loader version=@\n",
		"KDUMPLAB phase=facts uname_r=@ uname_v=@ nodename=@ machine=@ "
		"cpus_list=@ boot_id=@\n",
		"KDUMPLAB phase=module name=@ result=@\n",
		"KDUMPLAB phase=loaded crash_loaded=1 cmdline=@\n",
		"KDUMPLAB phase=trigger scenario=@ nonce=@\n",
		"KDUMPLAB phase=error step=@ errno=1 errname=@ detail=@\n",
		"KDUMPLAB phase=start prog=saver version=@\n",
		"KDUMPLAB phase=disk serial=@ dev=@\n",
		"KDUMPLAB phase=module name=@ result=@\n",
		"KDUMPLAB phase=error step=@ errno=1 errname=@ detail=@\n",
	};
	_cleanup_free_ char *v = hostile_value(), *want = hostile_safe(), *log = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&log, &len);
	for (size_t i = 0; i < ELEMENTSOF(lines); i++)
		for (const char *c = lines[i]; *c; c++) /* '@' stands for the value */
			*c == '@' ? fputs(v, m) : fputc(*c, m);
	fclose(m);

	struct fold x = { 0 };
	_cleanup_(kl_facts_freep) struct kl_facts *f = fold_log(log, &x);
	const struct kl_loader_facts *l = &f->loader;
	const struct kl_saver_facts *sv = &f->saver;
	const char *got[] = {
		l->version,	      l->uname_r,
		l->uname_v,	      l->nodename,
		l->machine,	      l->cpus_list,
		l->boot_id,	      l->capture_cmdline,
		l->trigger_scenario,  l->trigger_nonce,
		sv->version,	      sv->disk_serial,
		sv->disk_dev,	      l->modules[0].name,
		l->modules[0].result, l->errors[0].step,
		l->errors[0].errname, l->errors[0].detail,
		sv->modules[0].name,  sv->modules[0].result,
		sv->errors[0].step,   sv->errors[0].errname,
		sv->errors[0].detail,
	};
	for (size_t i = 0; i < ELEMENTSOF(got); i++) {
		ck_assert_msg(got[i], "fact %zu unset", i);
		ck_assert_str_eq(got[i], want);
	}
	ck_assert_ptr_nonnull(strstr(want, "\\x1b]52;c;aG9zdGlsZQ==\\x07"));
	_cleanup_free_ char *j = json_of(f);
	ck_assert(kl_text_is_safe(j, strlen(j)));
	ck_assert_ptr_null(strstr(j, "\\u00")); /* no control character escaped by json-c */

	/* A facts.json from elsewhere (`validate --facts`): decoded controls, raw 0xff. */
	struct kl_facts *g = NULL;
	_cleanup_error_ struct kl_error *e = NULL;
	ck_assert_int_eq(read_text("{\"loader\":{\"uname_r\":\"a\\u001b]52;c;eA==\\u0007\xff\","
				   "\"errors\":[{\"step\":\"\\u009b2J\",\"errno\":1,"
				   "\"errname\":\"E\",\"detail\":\"\\u202e\"}]},\"saver\":{}}",
				   &g, &e),
			 0);
	ck_assert_str_eq(g->loader.uname_r, "a\\x1b]52;c;eA==\\x07\\xff");
	ck_assert_str_eq(g->loader.errors[0].step, "\\xc2\\x9b2J");
	ck_assert_str_eq(g->loader.errors[0].detail, "\\xe2\\x80\\xae");
	kl_facts_free(g);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { facts_fold_run,
				       facts_unset_by_default,
				       facts_bad_values,
				       facts_routing_without_banners,
				       facts_bounds,
				       facts_json_roundtrip,
				       facts_json_bad,
				       facts_guest_text_is_safe,
				       facts_json_fits_its_read_bound };
	return kl_check_main("facts", 0, tests, KL_CHECK_N(tests));
}
