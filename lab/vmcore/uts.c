/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "mem.h"
#include "uts.h"
#include "vmcore.h"

/* struct uts_namespace before v5.11 began with a struct kref (one refcount_t). */
#define UTS_NAME_OFFSET_KREF 4

int kl_uts_read(const struct kl_mem *m, const struct kl_vmcoreinfo *vi, struct kl_utsname *ret,
		struct kl_error **err)
{
	const char *sym = kl_vmcoreinfo_get(vi, "SYMBOL(init_uts_ns)");
	const char *off = kl_vmcoreinfo_get(vi, "OFFSET(uts_namespace.name)");
	char raw[6 * KL_UTS_FIELD_LEN];
	struct kl_utsname u = { 0 };
	uint64_t addr, o = UTS_NAME_OFFSET_KREF;
	char *end;

	if (!sym)
		return kl_error_set(err, EBADMSG, "VMCOREINFO has no SYMBOL(init_uts_ns)");
	errno = 0;
	addr = strtoull(sym, &end, 16);
	if (!*sym || *end || errno)
		return kl_error_set(err, EBADMSG, "SYMBOL(init_uts_ns)=%s is not hex", sym);
	if (off) {
		o = strtoull(off, &end, 10);
		if (!*off || *end || o > 4096)
			return kl_error_set(err, EBADMSG,
					    "OFFSET(uts_namespace.name)=%s, expected 0..4096", off);
	} else {
		u.offset_assumed = true;
	}
	int r = kl_mem_read_vaddr(m, addr + o, raw, sizeof(raw));
	if (r < 0)
		return kl_error_set(
			err, -r, "reading init_uts_ns.name (%zu bytes) at %#" PRIx64 " + %" PRIu64,
			sizeof(raw), addr, o);
	char *fields[] = { u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname };
	static const char *const names[] = { "sysname", "nodename", "release",
					     "version", "machine",  "domainname" };
	for (size_t i = 0; i < 6; i++) {
		const char *f = raw + i * KL_UTS_FIELD_LEN;
		if (!memchr(f, '\0', KL_UTS_FIELD_LEN))
			return kl_error_set(err, EBADMSG,
					    "init_uts_ns.name.%s at %#" PRIx64
					    " is not NUL-terminated within %d bytes",
					    names[i], addr + o + i * KL_UTS_FIELD_LEN,
					    KL_UTS_FIELD_LEN);
		memcpy(fields[i], f, KL_UTS_FIELD_LEN);
	}
	*ret = u;
	return 0;
}
