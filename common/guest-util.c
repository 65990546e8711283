/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/macro.h"
#include "guest-sys.h"
#include "guest-util.h"

const char *kl_path(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s%s", kl_root, path);
	return buf;
}

int kl_read_file(const char *path, char *buf, size_t size)
{
	char full[KL_PATH_MAX];
	_cleanup_close_ int fd = open(kl_path(full, sizeof(full), path), O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= size)
			return -EFBIG;
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	buf[len] = '\0';
	return 0;
}

int kl_parse_u64(const char *s, int base, uint64_t *ret)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int kl_read_u64(const char *path, uint64_t *ret)
{
	char buf[64];
	int r = kl_read_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	return kl_parse_u64(buf, 10, ret);
}

int kl_cmdline_next(const char **cursor, char *tok, size_t size)
{
	const char *p = *cursor;
	size_t n = 0;
	int quoted = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*cursor = p;
		return 0;
	}
	for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
		if (*p == '"')
			quoted = !quoted;
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		tok[n++] = *p;
	}
	tok[n] = '\0';
	*cursor = p;
	return 1;
}

int kl_cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	char tok[KL_PATH_MAX];
	size_t klen = strlen(key);
	int found = 0, r;

	while ((r = kl_cmdline_next(&cmdline, tok, sizeof(tok))) != 0) {
		if (r < 0)
			continue; /* an absurdly long token cannot be one of ours */
		if (strncmp(tok, key, klen) != 0 || tok[klen] != '=')
			continue;
		/* key="a b" → a b, as the kernel strips the quotes around a value. */
		const char *v = tok + klen + 1;
		size_t vlen = strlen(v);
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
			v++;
			vlen -= 2;
		}
		if (vlen >= size)
			continue;
		memcpy(val, v, vlen);
		val[vlen] = '\0';
		found = 1;
	}
	return found;
}

int kl_cpulist_parse(const char *list, unsigned *ret_count, unsigned *ret_highest)
{
	unsigned count = 0, highest = 0;
	const char *p = list;

	if (!*p)
		return -EINVAL;
	for (;;) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (b < a || b > 1u << 20)
			return -EINVAL;
		count += (unsigned)(b - a + 1);
		if (b > highest)
			highest = (unsigned)b;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	*ret_count = count;
	*ret_highest = highest;
	return 0;
}

double kl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
