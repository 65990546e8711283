/* SPDX-License-Identifier: MIT */
/*
 * bench/hostile-console: what hostile console lines cost the parser (issue 6), as a ratio to an
 * ordinary record line measured in the same run. Prints one line per input: its name, bytes,
 * microseconds per line (median of 9 rounds) and nanoseconds per byte. A linear parser keeps
 * every crafted 8 KiB line within a small multiple of the ordinary line's ns/byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest/console.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int count(const struct kl_console_line *l, void *userdata)
{
	(*(unsigned long *)userdata) += l->record != NULL;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median seconds per line over 9 rounds of n feeds. */
static double per_line(const char *line, size_t len, unsigned n)
{
	double t[9];
	for (int k = 0; k < 9; k++) {
		struct kl_console *c = kl_console_new();
		unsigned long recs = 0;
		double t0 = now();
		for (unsigned i = 0; i < n; i++)
			kl_console_feed(c, line, len, count, &recs);
		t[k] = (now() - t0) / n;
		kl_console_free(c);
	}
	qsort(t, 9, sizeof(t[0]), cmp);
	return t[4];
}

static size_t fill(char *buf, size_t max, const char *head, const char *unit, const char *tail)
{
	size_t o = (size_t)snprintf(buf, max, "%s", head);
	size_t ul = strlen(unit), tl = strlen(tail);
	while (o + ul + tl + 1 < max) {
		memcpy(buf + o, unit, ul);
		o += ul;
	}
	memcpy(buf + o, tail, tl);
	o += tl;
	buf[o++] = '\n';
	return o;
}

/* "KDUMPLAB phase=x" then distinct two- and three-letter keys: the duplicate-key check's worst
 * case when the field count is unbounded. */
static size_t distinct_keys(char *buf, size_t max)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	size_t o = (size_t)snprintf(buf, max, "KDUMPLAB phase=x");
	for (unsigned k = 0; o + 7 < max; k++) {
		unsigned n = sizeof(a) - 1;
		if (k < n * n)
			o += (size_t)snprintf(buf + o, max - o, " %c%c=", a[k / n], a[k % n]);
		else
			o += (size_t)snprintf(buf + o, max - o, " %c%c%c=", a[k / n / n % n],
					      a[k / n % n], a[k % n]);
	}
	buf[o++] = '\n';
	return o;
}

int main(void)
{
	static char buf[KL_CONSOLE_LINE_MAX];
	static const struct {
		const char *name, *head, *unit, *tail;
	} in[] = {
		{ "prefix-repeated", "", "KDUMPLAB ", "phase=x" },
		{ "prefix-fields", "", "KDUMPLAB phase=x a=1 ", "" },
		{ "many-fields", "KDUMPLAB phase=x", " a=1", "" },
		{ "many-distinct-keys", "KDUMPLAB phase=x", " k=", "" },
		{ "escapes", "KDUMPLAB phase=x v=", "%41", "" },
		{ "ansi", "", "\x1b[1;31m", "KDUMPLAB phase=x" },
	};
	const char normal[] = "KDUMPLAB phase=facts uname_r=6.1.0-56-cloud-amd64 cpus_online=2 "
			      "page_size=4096 kexec_crash_size=201326592\n";
	double base = per_line(normal, sizeof(normal) - 1, 20000);
	double base_nb = base * 1e9 / (double)(sizeof(normal) - 1);
	printf("%-20s %6s %10s %8s %8s\n", "input", "bytes", "us/line", "ns/byte", "ratio");
	printf("%-20s %6zu %10.2f %8.2f %8.2f\n", "ordinary-record", sizeof(normal) - 1, base * 1e6,
	       base_nb, 1.0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t len = fill(buf, sizeof(buf), in[i].head, in[i].unit, in[i].tail);
		double t = per_line(buf, len, 500);
		double nb = t * 1e9 / (double)len;
		printf("%-20s %6zu %10.2f %8.2f %8.2f\n", in[i].name, len, t * 1e6, nb,
		       nb / base_nb);
	}
	size_t len = distinct_keys(buf, sizeof(buf));
	double t = per_line(buf, len, 50);
	printf("%-20s %6zu %10.2f %8.2f %8.2f\n", "distinct-keys", len, t * 1e6,
	       t * 1e9 / (double)len, t * 1e9 / (double)len / base_nb);
	return 0;
}
