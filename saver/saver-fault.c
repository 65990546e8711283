/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <unistd.h>

#include "guest-fault.h"
#include "guest-report.h"
#include "protocol.h"
#include "saver-fault.h"

static bool is(const struct kl_fault *f, enum kl_fault_id id)
{
	return f && f->id == id;
}

uint64_t saver_fault_copy_size(const struct kl_fault *f, uint64_t size)
{
	if (!is(f, KL_FAULT_SAVER_HALFWAY))
		return size;
	uint64_t half = size / 2 / KL_HASH_PAGE * KL_HASH_PAGE;
	kl_report_fault(f,
			"copies %" PRIu64 " of %" PRIu64 " bytes to " KL_DUMP_FILE_TMP
			", fsyncs it, writes no manifest and no marker, and reports done",
			half, size);
	return half;
}

bool saver_fault_writes_marker(const struct kl_fault *f)
{
	if (!is(f, KL_FAULT_SAVER_NO_MARKER))
		return true;
	kl_report_fault(f, "the dump and its manifest are written, the " KL_DONE_FILE
			   " marker is not");
	return false;
}

int saver_fault_damage(const struct kl_fault *f, int fd, uint64_t size)
{
	if (!is(f, KL_FAULT_SAVER_CORRUPT))
		return 0;
	uint64_t phoff = size;
	off_t at = (off_t)offsetof(Elf64_Ehdr, e_phoff);
	if (pwrite(fd, &phoff, sizeof(phoff), at) != (ssize_t)sizeof(phoff) || fsync(fd) < 0)
		return kl_report_error("write", errno ? errno : EIO, "fault %s: overwrite e_phoff",
				       f->name);
	kl_report_fault(f,
			"e_phoff of the saved dump set to %" PRIu64 " (its size), at offset %lld",
			phoff, (long long)at);
	return 0;
}
