/* SPDX-License-Identifier: MIT */
/*
 * Throughput of kl_dump_hash_file: a file of data pages (mostly non-zero, some zero) in
 * the page cache, and a mostly-sparse file. Usage: bench-hash [MiB] (default 512).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/macro.h"
#include "guest/manifest.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *label, const char *path, uint64_t logical)
{
	uint64_t size, hash;
	struct kl_error *e = NULL;
	struct kl_hash_stats st = { 0 };
	double best = 1e9;
	/* The first pass warms the page cache; report the best of the next three. */
	for (int i = 0; i < 4; i++) {
		double t0 = now();
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		int r = fd < 0 ? -1 : kl_dump_hash_fd(fd, path, &size, &hash, &st, NULL, &e);
		if (fd >= 0)
			close(fd);
		if (r < 0) {
			fprintf(stderr, "%s\n", e ? e->msg : path);
			kl_error_free(e);
			return 1;
		}
		double dt = now() - t0;
		if (i > 0 && dt < best)
			best = dt;
	}
	printf("%-8s %6" PRIu64 " MiB logical, %" PRIu64 " MiB read, %" PRIu64
	       " data pages in %.3f s: %.2f GB/s logical, %.2f GB/s read (hash %016" PRIx64 ")\n",
	       label, logical >> 20, st.bytes_read >> 20, st.data_pages, best,
	       (double)logical / best / 1e9, (double)st.bytes_read / best / 1e9, hash);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 512, len = mib << 20;
	char dense[] = "/tmp/kl-bench-dense-XXXXXX", sparse[] = "/tmp/kl-bench-sparse-XXXXXX";
	int fd = mkstemp(dense), fs = mkstemp(sparse);
	if (fd < 0 || fs < 0)
		return 1;
	size_t chunk = 1 << 20;
	unsigned char *buf = malloc(chunk);
	for (uint64_t off = 0; off < len; off += chunk) {
		for (size_t i = 0; i < chunk; i += 8) {
			uint64_t v = (off + i) * 0x9E3779B97F4A7C15ULL;
			memcpy(buf + i, &v, 8);
		}
		/* One page in eight is zero, as in a real dump's data extents. */
		for (size_t p = 0; p < chunk; p += 8 * 4096)
			memset(buf + p, 0, 4096);
		if (pwrite(fd, buf, chunk, (off_t)off) != (ssize_t)chunk)
			return 1;
		/* The sparse file: 1 MiB of data every 64 MiB. */
		if (off % (64 << 20) == 0 && pwrite(fs, buf, chunk, (off_t)off) != (ssize_t)chunk)
			return 1;
	}
	if (ftruncate(fs, (off_t)len) < 0)
		return 1;
	close(fd);
	close(fs);
	int r = run("dense", dense, len) | run("sparse", sparse, len);
	unlink(dense);
	unlink(sparse);
	free(buf);
	return r;
}
