/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "variant.h"

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') || c == '-'));
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool value_char(char c)
{
	return c >= 0x20 && c <= 0x7e && c != ':' && c != '@' && c != ',';
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -EINVAL)

int kl_variant_parse(const char *text, struct kl_variant *v, char *why, size_t whylen)
{
	memset(v, 0, sizeof(*v));
	size_t len = strlen(text);
	if (len == 0)
		return WHY("an empty name; expected NAME[:KEY=VALUE]...[@SOURCE]");
	if (len >= KL_VARIANT_TEXT_MAX)
		return WHY("\"%.40s...\" is %zu bytes; expected at most %d", text, len,
			   KL_VARIANT_TEXT_MAX - 1);

	const char *at = strrchr(text, '@'), *end = at ? at : text + len;
	if (at) {
		size_t n = len - (size_t)(at + 1 - text);
		if (n == 0 || n >= sizeof(v->source))
			return WHY("\"%s\": the source after '@' is %zu bytes; expected 1 to %zu",
				   text, n, sizeof(v->source) - 1);
		for (size_t i = 0; i < n; i++)
			if (at[1 + i] < 0x20 || at[1 + i] > 0x7e || at[1 + i] == ',')
				return WHY("\"%s\": the source has byte 0x%02x; expected printable "
					   "ASCII without ','",
					   text, (unsigned char)at[1 + i]);
		memcpy(v->source, at + 1, n);
	}

	const char *p = text;
	size_t n = strcspn(p, ":@");
	if (n == 0 || n >= sizeof(v->name))
		return WHY("\"%s\": the name is %zu bytes; expected 1 to %zu of a-z 0-9 -", text, n,
			   sizeof(v->name) - 1);
	for (size_t i = 0; i < n; i++)
		if (!name_char(p[i], i == 0))
			return WHY("\"%s\": the name has '%c' at %zu; expected a-z, then a-z 0-9 -",
				   text, p[i] >= 0x20 && p[i] <= 0x7e ? p[i] : '?', i);
	memcpy(v->name, p, n);
	p += n;

	while (p < end) {
		/* *p == ':' here: one KEY=VALUE up to the next ':' or the source. */
		p++;
		const char *next = memchr(p, ':', (size_t)(end - p));
		if (!next)
			next = end;
		const char *eq = memchr(p, '=', (size_t)(next - p));
		if (!eq)
			return WHY("\"%s\": parameter \"%.*s\" has no '='; expected KEY=VALUE",
				   text, (int)(next - p), p);
		size_t kn = (size_t)(eq - p), vn = (size_t)(next - eq - 1);
		if (v->n_params == KL_VARIANT_PARAMS_MAX)
			return WHY("\"%s\": more than %d parameters", text, KL_VARIANT_PARAMS_MAX);
		struct kl_variant_param *kv = &v->params[v->n_params];
		if (kn == 0 || kn >= sizeof(kv->key))
			return WHY("\"%s\": a parameter name is %zu bytes; expected 1 to %zu", text,
				   kn, sizeof(kv->key) - 1);
		for (size_t i = 0; i < kn; i++)
			if (!key_char(p[i]))
				return WHY("\"%s\": parameter name \"%.*s\"; expected a-z 0-9 _",
					   text, (int)kn, p);
		if (vn >= sizeof(kv->value))
			return WHY("\"%s\": the value of %.*s is %zu bytes; expected at most %zu",
				   text, (int)kn, p, vn, sizeof(kv->value) - 1);
		for (size_t i = 0; i < vn; i++)
			if (!value_char(eq[1 + i]))
				return WHY("\"%s\": the value of %.*s has byte 0x%02x; expected "
					   "printable ASCII without ':' '@' ','",
					   text, (int)kn, p, (unsigned char)eq[1 + i]);
		memcpy(kv->key, p, kn);
		memcpy(kv->value, eq + 1, vn);
		if (kl_variant_get(v, kv->key))
			return WHY("\"%s\": parameter %s is given twice", text, kv->key);
		v->n_params++;
		p = next;
	}
	return 0;
}

const char *kl_variant_get(const struct kl_variant *v, const char *key)
{
	for (unsigned i = 0; i < v->n_params; i++)
		if (strcmp(v->params[i].key, key) == 0)
			return v->params[i].value;
	return NULL;
}

int kl_variant_format(const struct kl_variant *v, char *buf, size_t len)
{
	size_t o = 0;
	int n = snprintf(buf, len, "%s", v->name);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	o = (size_t)n;
	for (unsigned i = 0; i < v->n_params; i++) {
		n = snprintf(buf + o, len - o, ":%s=%s", v->params[i].key, v->params[i].value);
		if (n < 0 || (size_t)n >= len - o)
			return -ENOSPC;
		o += (size_t)n;
	}
	if (v->source[0]) {
		n = snprintf(buf + o, len - o, "@%s", v->source);
		if (n < 0 || (size_t)n >= len - o)
			return -ENOSPC;
	}
	return 0;
}
