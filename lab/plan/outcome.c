/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "outcome.h"

static const char *const phase_names[KL_PHASE_COUNT] = {
	[KL_PHASE_PREPARE] = "prepare",	  [KL_PHASE_BOOT] = "boot",
	[KL_PHASE_LOAD] = "load",	  [KL_PHASE_TRIGGER] = "trigger",
	[KL_PHASE_CAPTURE] = "capture",	  [KL_PHASE_SAVE] = "save",
	[KL_PHASE_POWEROFF] = "poweroff", [KL_PHASE_PULL] = "pull",
	[KL_PHASE_VALIDATE] = "validate", [KL_PHASE_VERDICT] = "verdict",
};

static const char *const verdict_names[KL_VERDICT_COUNT] = {
	[KL_VERDICT_PASS] = "pass",
	[KL_VERDICT_FAIL] = "fail",
	[KL_VERDICT_ERROR] = "error",
};

/* README.md's list, in its order. */
static const char *const cause_names[KL_CAUSE_COUNT] = {
	[KL_CAUSE_NONE] = NULL,
	[KL_CAUSE_NO_RESERVATION] = "no-reservation",
	[KL_CAUSE_LOAD_FAILED] = "load-failed",
	[KL_CAUSE_LOADER_FAILED] = "loader-failed",
	[KL_CAUSE_TRIGGER_FAILED] = "trigger-failed",
	[KL_CAUSE_NO_SYSTEM_BOOT] = "no-system-boot",
	[KL_CAUSE_NO_CAPTURE_BOOT] = "no-capture-boot",
	[KL_CAUSE_CAPTURE_OOM] = "capture-oom",
	[KL_CAUSE_CAPTURE_PANIC] = "capture-panic",
	[KL_CAUSE_SAVER_FAILED] = "saver-failed",
	[KL_CAUSE_DUMP_INCOMPLETE] = "dump-incomplete",
	[KL_CAUSE_DUMP_INVALID] = "dump-invalid",
	[KL_CAUSE_WRONG_CRASH] = "wrong-crash",
	[KL_CAUSE_TIMEOUT] = "timeout",
	[KL_CAUSE_INFRA] = "infra",
	[KL_CAUSE_INTERRUPTED] = "interrupted",
	[KL_CAUSE_UNAVAILABLE] = "unavailable",
};

const char *kl_phase_name(enum kl_phase p)
{
	return (unsigned)p < KL_PHASE_COUNT ? phase_names[p] : "?";
}

int kl_phase_from_name(const char *s, enum kl_phase *ret)
{
	for (unsigned i = 0; s && i < KL_PHASE_COUNT; i++)
		if (streq(s, phase_names[i])) {
			*ret = (enum kl_phase)i;
			return 0;
		}
	return -EINVAL;
}

const char *kl_verdict_name(enum kl_verdict v)
{
	return (unsigned)v < KL_VERDICT_COUNT ? verdict_names[v] : "?";
}

int kl_verdict_from_name(const char *s, enum kl_verdict *ret)
{
	for (unsigned i = 0; s && i < KL_VERDICT_COUNT; i++)
		if (streq(s, verdict_names[i])) {
			*ret = (enum kl_verdict)i;
			return 0;
		}
	return -EINVAL;
}

const char *kl_cause_name(enum kl_cause c)
{
	return (unsigned)c < KL_CAUSE_COUNT ? cause_names[c] : NULL;
}

const char *kl_causes_help(void)
{
	static char help[512];
	if (help[0])
		return help;
	size_t n = 0;
	for (unsigned i = KL_CAUSE_NONE + 1; i < KL_CAUSE_COUNT; i++)
		n += (size_t)snprintf(help + n, sizeof(help) - n, "%s%s%s", n ? ", " : "",
				      cause_names[i], i == KL_CAUSE_TIMEOUT ? "(<phase>)" : "");
	return help;
}

/* "timeout(boot)" → timeout, boot; "no-reservation" → no-reservation. */
static int cause_parse(const char *s, enum kl_cause *ret_cause, enum kl_phase *ret_phase)
{
	const char *t = cause_names[KL_CAUSE_TIMEOUT];
	size_t tl = strlen(t), len = strlen(s);
	if (startswith(s, t) && s[tl] == '(' && len > tl + 2 && s[len - 1] == ')') {
		char phase[32];
		if (len - tl - 2 >= sizeof(phase))
			return -EINVAL;
		memcpy(phase, s + tl + 1, len - tl - 2);
		phase[len - tl - 2] = '\0';
		if (kl_phase_from_name(phase, ret_phase) < 0)
			return -EINVAL;
		*ret_cause = KL_CAUSE_TIMEOUT;
		return 0;
	}
	for (unsigned i = KL_CAUSE_NONE + 1; i < KL_CAUSE_COUNT; i++)
		if (i != KL_CAUSE_TIMEOUT && streq(s, cause_names[i])) {
			*ret_cause = (enum kl_cause)i;
			*ret_phase = KL_PHASE_PREPARE;
			return 0;
		}
	return -EINVAL;
}

int kl_outcome_parse(const char *s, struct kl_outcome *ret, struct kl_error **err)
{
	struct kl_outcome o = { KL_VERDICT_PASS, KL_CAUSE_NONE, KL_PHASE_PREPARE };
	if (!s)
		return kl_error_usage(
			err, 0,
			"no outcome; expected \"pass\", \"fail/<cause>\" or \"error/<cause>\"");
	if (streq(s, "pass")) {
		*ret = o;
		return 0;
	}
	if (startswith(s, "fail/"))
		o.verdict = KL_VERDICT_FAIL;
	else if (startswith(s, "error/"))
		o.verdict = KL_VERDICT_ERROR;
	else
		return kl_error_usage(
			err, 0, "\"%s\"; expected \"pass\", \"fail/<cause>\" or \"error/<cause>\"",
			s);
	const char *cause = strchr(s, '/') + 1;
	if (cause_parse(cause, &o.cause, &o.timeout_phase) < 0)
		return kl_error_usage(err, 0, "\"%s\": unknown cause \"%s\"; expected one of %s", s,
				      cause, kl_causes_help());
	*ret = o;
	return 0;
}

void kl_cause_format(enum kl_cause c, enum kl_phase timeout_phase, char *buf, size_t len)
{
	if (c == KL_CAUSE_TIMEOUT)
		snprintf(buf, len, "%s(%s)", cause_names[c], kl_phase_name(timeout_phase));
	else
		snprintf(buf, len, "%s", kl_cause_name(c) ? kl_cause_name(c) : "");
}

void kl_outcome_format(const struct kl_outcome *o, char *buf, size_t len)
{
	char cause[64];
	if (o->verdict == KL_VERDICT_PASS) {
		snprintf(buf, len, "pass");
		return;
	}
	kl_cause_format(o->cause, o->timeout_phase, cause, sizeof(cause));
	snprintf(buf, len, "%s/%s", kl_verdict_name(o->verdict), cause[0] ? cause : "?");
}

bool kl_outcome_eq(const struct kl_outcome *a, const struct kl_outcome *b)
{
	if (a->verdict != b->verdict)
		return false;
	if (a->verdict == KL_VERDICT_PASS)
		return true;
	return a->cause == b->cause &&
	       (a->cause != KL_CAUSE_TIMEOUT || a->timeout_phase == b->timeout_phase);
}
