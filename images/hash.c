/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>

#include "hash.h"

void kl_sha256_init(struct kl_sha256 *s)
{
	sha256_init(&s->ctx);
}

void kl_sha256_update(struct kl_sha256 *s, const void *data, size_t len)
{
	sha256_update(&s->ctx, len, data);
}

void kl_sha256_final_hex(struct kl_sha256 *s, char out[KL_SHA256_HEX_LEN + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&s->ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int kl_sha256_update_file(struct kl_sha256 *s, const char *path, struct kl_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kl_error_set(err, errno, "cannot open '%s'", path);
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kl_error_set(err, errno, "cannot read '%s'", path);
		if (n == 0)
			return 0;
		kl_sha256_update(s, buf, (size_t)n);
	}
}

int kl_sha256_file(const char *path, char out[KL_SHA256_HEX_LEN + 1], struct kl_error **err)
{
	struct kl_sha256 s;
	kl_sha256_init(&s);
	int r = kl_sha256_update_file(&s, path, err);
	if (r < 0)
		return r;
	kl_sha256_final_hex(&s, out);
	return 0;
}
