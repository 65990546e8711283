/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/size.h"
#include "fault.h"
#include "keys.h"
#include "outcome.h"
#include "scenario.h"

#define FIELD(c, k, type)  ((type *)((char *)(c) + (k)->offset))
#define CFIELD(c, k, type) ((const type *)((const char *)(c) + (k)->offset))

/* A known scenario with known parameters (scenarios/scenario.h), checked against the cell's
 * vCPUs (cpu=N); "cpu=each" is expanded by kl_plan_add. */
static int check_scenario(const struct kl_cell_key *k, const struct kl_cell_spec *c,
			  struct kl_error **err)
{
	char why[1024];
	if (kl_scenario_parse(c->scenario, c->vcpus, NULL, NULL, why, sizeof(why)) == 0)
		return 0;
	return kl_error_usage(err, 0, "cell \"%s\": %s", c->id, why);
}

static int check_memory(const struct kl_cell_key *k, const struct kl_cell_spec *c,
			struct kl_error **err)
{
	char a[32];
	if (c->memory % 4096 != 0)
		return kl_error_usage(err, 0,
				      "cell \"%s\": memory %" PRIu64
				      " bytes is not a whole number of 4 KiB pages",
				      c->id, c->memory);
	kl_size_format(c->memory, a, sizeof(a));
	if (c->memory < ((uint64_t)128 << 20))
		return kl_error_usage(
			err, 0, "cell \"%s\": memory \"%s\" is too small; expected at least 128M",
			c->id, a);
	if (c->memory > ((uint64_t)1 << 40))
		return kl_error_usage(
			err, 0, "cell \"%s\": memory \"%s\" is too large; expected at most 1T",
			c->id, a);
	return 0;
}

static int check_crashkernel(const struct kl_cell_key *k, const struct kl_cell_spec *c,
			     struct kl_error **err)
{
	char a[32], b[32];
	kl_size_format(c->crashkernel, a, sizeof(a));
	kl_size_format(c->memory, b, sizeof(b));
	if (c->crashkernel >= c->memory)
		return kl_error_usage(
			err, 0,
			"cell \"%s\": crashkernel \"%s\" is not smaller than memory \"%s\"; the kernel rejects such a reservation",
			c->id, a, b);
	if (c->crashkernel % ((uint64_t)1 << 20) != 0)
		return kl_error_usage(
			err, 0, "cell \"%s\": crashkernel \"%s\" is not a whole number of MiB",
			c->id, a);
	return 0;
}

static int check_range(const struct kl_cell_key *k, const struct kl_cell_spec *c,
		       struct kl_error **err)
{
	unsigned v = *CFIELD(c, k, unsigned);
	if (v < k->min || v > k->max)
		return kl_error_usage(err, 0,
				      "cell \"%s\": %s \"%u\" out of range; expected %u to %u",
				      c->id, k->name, v, k->min, k->max);
	return 0;
}

/* The loader decodes it into a 4 KiB buffer and adds it to a kernel command line. */
static int check_capture_append(const struct kl_cell_key *k, const struct kl_cell_spec *c,
				struct kl_error **err)
{
	size_t n = strlen(c->capture_append);
	for (size_t i = 0; i < n; i++)
		if (c->capture_append[i] < 0x20 || c->capture_append[i] > 0x7e)
			return kl_error_usage(
				err, 0,
				"cell \"%s\": capture_append has byte 0x%02x at %zu; expected printable ASCII",
				c->id, (unsigned char)c->capture_append[i], i);
	if (n == 0 || n > KL_CAPTURE_APPEND_MAX)
		return kl_error_usage(err, 0,
				      "cell \"%s\": capture_append is %zu bytes; expected 1 to %d",
				      c->id, n, KL_CAPTURE_APPEND_MAX);
	return 0;
}

static int check_fault(const struct kl_cell_key *k, const struct kl_cell_spec *c,
		       struct kl_error **err)
{
	char names[256];
	if (kl_fault_find(c->fault))
		return 0;
	return kl_error_usage(err, 0, "cell \"%s\": unknown fault \"%s\"; expected one of %s",
			      c->id, c->fault, kl_fault_names(names, sizeof(names)));
}

static int check_expect(const struct kl_cell_key *k, const struct kl_cell_spec *c,
			struct kl_error **err)
{
	/* expect is one outcome (outcome.h): a verdict and a cause of the list. */
	struct kl_outcome expect;
	if (kl_outcome_parse(c->expect, &expect, NULL) == 0)
		return 0;
	return kl_error_usage(
		err, 0,
		"cell \"%s\": expect \"%s\"; expected \"pass\", \"fail/<cause>\" or \"error/<cause>\", a cause one of %s",
		c->id, c->expect, kl_causes_help());
}

/* Scenario "module" is the user's module and its signature: both keys, or neither. */
static int check_module(const struct kl_cell_key *k, const struct kl_cell_spec *c,
			struct kl_error **err)
{
	size_t n = strlen(c->module);
	if (!c->scenario || strncmp(c->scenario, "module", 6) != 0 ||
	    (c->scenario[6] && c->scenario[6] != ':'))
		return kl_error_usage(
			err, 0,
			"cell \"%s\": module \"%s\" is given, but scenario is \"%s\"; "
			"expected scenario module",
			c->id, c->module, c->scenario ? c->scenario : "");
	if (n < 4 || strcmp(c->module + n - 3, ".ko") != 0 || access(c->module, R_OK) < 0)
		return kl_error_usage(err, 0,
				      "cell \"%s\": module \"%s\": expected a readable FILE.ko",
				      c->id, c->module);
	if (!c->expect_panic)
		return kl_error_usage(err, 0,
				      "cell \"%s\": module \"%s\" has no signature; expected "
				      "expect_panic = REGEX (--expect-panic) too",
				      c->id, c->module);
	return 0;
}

static int check_expect_panic(const struct kl_cell_key *k, const struct kl_cell_spec *c,
			      struct kl_error **err)
{
	regex_t re;
	if (strlen(c->expect_panic) > 1024 ||
	    regcomp(&re, c->expect_panic, REG_EXTENDED | REG_NOSUB) != 0)
		return kl_error_usage(
			err, 0,
			"cell \"%s\": expect_panic \"%.64s\": expected a POSIX extended regex of at "
			"most 1024 bytes",
			c->id, c->expect_panic);
	regfree(&re);
	return 0;
}

#define OFF(f) offsetof(struct kl_cell_spec, f)

/*
 * The cell keys, in plan order: the order of --help, of the key list in messages, and of the
 * values in a matrix's cell ids (NAME-<memory>-<crashkernel>-...).
 */
const struct kl_cell_key kl_cell_keys[] = {
	{
		.name = "kernel",
		.option = "kernel",
		.json = "kernel",
		.json_resolved = "release",
		.metavar = "SPEC",
		.help = "kernel: debian:SUITE[:ABI|:PACKAGE] or local:VMLINUZ[,MODULES_DIR]",
		.type = KL_KEY_STRING,
		.offset = OFF(kernel),
		.dflt = KL_DEFAULT_KERNEL,
	},
	{
		.name = "memory",
		.option = "memory",
		.json = "memory",
		.metavar = "SIZE",
		.help = "guest memory, 128M to 1T in whole 4 KiB pages",
		.type = KL_KEY_SIZE,
		.offset = OFF(memory),
		.required = true,
		.option_dflt = "1G",
		.check = check_memory,
	},
	{
		.name = "vcpus",
		.option = "vcpus",
		.json = "vcpus",
		.metavar = "N",
		.help = "virtual CPUs",
		.type = KL_KEY_UINT,
		.offset = OFF(vcpus),
		.dflt = "2",
		.min = 1,
		.max = 64,
		.check = check_range,
	},
	{
		.name = "crashkernel",
		.option = "crashkernel",
		.json = "crashkernel",
		.metavar = "SIZE",
		.help = "crashkernel= reservation in whole MiB, below memory; 0 for none",
		.type = KL_KEY_SIZE,
		.offset = OFF(crashkernel),
		.dflt = "0",
		.option_dflt = "192M",
		.check = check_crashkernel,
	},
	{
		.name = "scenario",
		.option = "scenario",
		.json = "scenario",
		.metavar = "NAME[:KEY=VALUE]...",
		.help = "crash scenario with its parameters (kdumplab scenarios lists them), e.g. sysrq:cpu=1",
		.type = KL_KEY_STRING,
		.offset = OFF(scenario),
		.dflt = KL_DEFAULT_SCENARIO,
		.check = check_scenario,
	},
	{
		.name = "expect",
		.option = "expect",
		.json = "expect",
		.json_last = true,
		.metavar = "pass|fail/CAUSE",
		.help = "the verdict the cell should get: pass, fail/CAUSE or error/CAUSE",
		.type = KL_KEY_STRING,
		.offset = OFF(expect),
		.dflt = "pass",
		.check = check_expect,
	},
	{
		.name = "capture_append",
		.option = "capture-append",
		.json = "capture_append",
		.metavar = "ARGS",
		.help = "added to the capture kernel's command line (printable ASCII, 1-256 bytes)",
		.type = KL_KEY_STRING,
		.offset = OFF(capture_append),
		.check = check_capture_append,
	},
	{
		.name = "module",
		.option = "module",
		.json = "module",
		.metavar = "FILE.ko",
		.help = "scenario module: your module, loaded by the trigger (with module:args=...)",
		.type = KL_KEY_STRING,
		.offset = OFF(module),
		.check = check_module,
	},
	{
		.name = "expect_panic",
		.option = "expect-panic",
		.json = "expect_panic",
		.metavar = "REGEX",
		.help = "the crash's signature in the dumped log (POSIX ERE), instead of the scenario's",
		.type = KL_KEY_STRING,
		.offset = OFF(expect_panic),
		.check = check_expect_panic,
	},
	{
		.name = "fault",
		.option = "fault",
		.json = "fault",
		.metavar = "NAME",
		.help = "a fault the loader or saver commits on purpose, to test the verdicts (common/fault.c): trigger-noop, trigger-hang, capture-silent, saver-halfway, saver-no-marker, saver-corrupt, wrong-crash",
		.type = KL_KEY_STRING,
		.offset = OFF(fault),
		.check = check_fault,
	},
};
const size_t kl_cell_keys_count = ELEMENTSOF(kl_cell_keys);
_Static_assert(ELEMENTSOF(kl_cell_keys) <= KL_CELL_KEYS_MAX, "raise KL_CELL_KEYS_MAX");

const struct kl_cell_key *kl_cell_key_find(const char *name)
{
	for (size_t i = 0; i < kl_cell_keys_count; i++)
		if (streq(kl_cell_keys[i].name, name))
			return &kl_cell_keys[i];
	return NULL;
}

const char *kl_cell_key_names(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < kl_cell_keys_count && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      kl_cell_keys[i].name);
	return buf;
}

/* strtoul's syntax (as plans and options always had); an option must be in range at once, a
 * plan's value up to 16 times the maximum parses and kl_cell_spec_check names the cell. */
static int parse_uint(const struct kl_cell_key *k, const char *what, const char *s,
		      enum kl_key_from from, unsigned *ret, struct kl_error **err)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	bool bad = !*s || *end;
	if (from == KL_KEY_FROM_OPTION)
		bad = bad || v < k->min || v > k->max;
	else
		bad = bad || v > 16UL * k->max;
	if (bad)
		return kl_error_usage(err, 0, "%s \"%s\": expected a number from %u to %u", what, s,
				      k->min, k->max);
	*ret = (unsigned)v;
	return 0;
}

int kl_cell_key_set(const struct kl_cell_key *k, struct kl_cell_spec *c, const char *value,
		    enum kl_key_from from, struct kl_error **err)
{
	char what[64];
	snprintf(what, sizeof(what), "%s%s", from == KL_KEY_FROM_OPTION ? "--" : "",
		 from == KL_KEY_FROM_OPTION ? k->option : k->name);
	switch (k->type) {
	case KL_KEY_STRING: {
		char *s = strdup(value);
		if (!s)
			return kl_error_set(err, ENOMEM, "%s", what);
		free(*FIELD(c, k, char *));
		*FIELD(c, k, char *) = s;
		return 0;
	}
	case KL_KEY_SIZE:
		return kl_size_parse(value, what, FIELD(c, k, uint64_t), err);
	case KL_KEY_UINT:
		return parse_uint(k, what, value, from, FIELD(c, k, unsigned), err);
	}
	return kl_error_set(err, EINVAL, "%s: unknown key type %d", what, (int)k->type);
}

const char *kl_cell_key_string(const struct kl_cell_key *k, const struct kl_cell_spec *c)
{
	return k->type == KL_KEY_STRING ? *CFIELD(c, k, char *) : NULL;
}

static void key_json(struct json_object *o, const struct kl_cell_key *k,
		     const struct kl_cell_spec *c)
{
	char h[32], hk[80];
	switch (k->type) {
	case KL_KEY_STRING: {
		const char *s = kl_cell_key_string(k, c);
		json_object_object_add(o, k->json, s ? json_object_new_string(s) : NULL);
		break;
	}
	case KL_KEY_SIZE: {
		uint64_t v = *CFIELD(c, k, uint64_t);
		json_object_object_add(o, k->json, json_object_new_uint64(v));
		kl_size_format(v, h, sizeof(h));
		snprintf(hk, sizeof(hk), "%s_h", k->json);
		json_object_object_add(o, hk, json_object_new_string(h));
		break;
	}
	case KL_KEY_UINT:
		json_object_object_add(o, k->json, json_object_new_int64(*CFIELD(c, k, unsigned)));
		break;
	}
}

void kl_cell_keys_json(struct json_object *o, const struct kl_cell_spec *c, const char *release)
{
	json_object_object_add(o, "id", json_object_new_string(c->id));
	for (int last = 0; last <= 1; last++)
		for (size_t i = 0; i < kl_cell_keys_count; i++) {
			const struct kl_cell_key *k = &kl_cell_keys[i];
			if (k->json_last != last)
				continue;
			key_json(o, k, c);
			if (k->json_resolved)
				json_object_object_add(o, k->json_resolved,
						       release ? json_object_new_string(release)
							       : NULL);
		}
}

static bool key_matches(struct json_object *o, const struct kl_cell_key *k,
			const struct kl_cell_spec *c)
{
	struct json_object *v;
	bool present = json_object_object_get_ex(o, k->json, &v);
	if (k->type == KL_KEY_STRING) {
		const char *want = kl_cell_key_string(k, c);
		if (!want)
			return !present || json_object_is_type(v, json_type_null);
		return present && json_object_is_type(v, json_type_string) &&
		       streq(json_object_get_string(v), want);
	}
	uint64_t want = k->type == KL_KEY_SIZE ? *CFIELD(c, k, uint64_t) : *CFIELD(c, k, unsigned);
	return present && json_object_is_type(v, json_type_int) &&
	       json_object_get_uint64(v) == want;
}

bool kl_cell_keys_match(struct json_object *o, const struct kl_cell_spec *c)
{
	for (size_t i = 0; i < kl_cell_keys_count; i++)
		if (kl_cell_keys[i].resume == KL_RESUME_EQUAL &&
		    !key_matches(o, &kl_cell_keys[i], c))
			return false;
	return true;
}
