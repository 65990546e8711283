/* SPDX-License-Identifier: MIT */
/*
 * The crashed kernel's uts name (uname), read through the dump's own address translation:
 * SYMBOL(init_uts_ns) + OFFSET(uts_namespace.name) is a struct new_utsname, six
 * NUL-padded fields of __NEW_UTS_LEN + 1 = 65 bytes (include/uapi/linux/utsname.h).
 * VMCOREINFO carries OFFSET(uts_namespace.name) since Linux commit 55d9e11398a4
 * ("kdump: append uts_namespace.name offset to VMCOREINFO"); the 6.1 and 6.12 dumps we
 * test export it as 0 (name is the first member once the struct kref moved into
 * ns_common). Kernels without the key began struct uts_namespace with a struct kref
 * (4 bytes; the char arrays need no padding): that offset is assumed then, and flagged.
 */
#pragma once

#include <stdbool.h>

#include "base/error.h"

#define KL_UTS_FIELD_LEN 65

struct kl_mem;
struct kl_vmcoreinfo;

struct kl_utsname {
	char sysname[KL_UTS_FIELD_LEN], nodename[KL_UTS_FIELD_LEN], release[KL_UTS_FIELD_LEN];
	char version[KL_UTS_FIELD_LEN], machine[KL_UTS_FIELD_LEN], domainname[KL_UTS_FIELD_LEN];
	bool offset_assumed; /* OFFSET(uts_namespace.name) absent: the kref layout was assumed */
};

/* Read it. -EBADMSG naming the key or the field that is not a NUL-terminated string;
 * -ENOENT/-EIO/-EFAULT when the memory is not in the dump. */
int kl_uts_read(const struct kl_mem *m, const struct kl_vmcoreinfo *vi, struct kl_utsname *ret,
		struct kl_error **err);
