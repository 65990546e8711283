/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the validator on an arbitrary file, through the any-format entry point
 * (format detection, raw and makedumpfile ELF, kdump-compressed, flattened). The dump is
 * untrusted input (a crashed or malicious guest wrote it), so no input may crash, hang, leak
 * or make it allocate without bound. The input becomes a memfd the validator opens by its
 * /proc/self/fd path, exactly as it opens a dump on disk (positional reads, size from fstat).
 * Built only with -Dfuzz=true and clang; run by tests/fuzz/run.sh.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmcore/format.h"
#include "vmcore/vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-vmcore", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return 0;
		}
		off += (size_t)n;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct kl_validation *v = NULL;
	struct kl_error *err = NULL;
	if (kl_vmcore_validate_any(path, NULL, &v, &err) == 0) {
		/* everything a report does with a result */
		kl_validation_ok(v);
		kl_validation_first_failure(v);
		struct json_object *j = kl_validation_to_json(v);
		json_object_put(j);
		kl_validation_free(v);
	}
	kl_error_free(err);
	close(fd);
	return 0;
}
