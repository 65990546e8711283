/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "guest-fault.h"
#include "guest-report.h"
#include "guest-util.h"

int kl_guest_fault(const char *cmdline, enum kl_fault_prog prog, const struct kl_fault **ret)
{
	char name[64], names[256];
	*ret = NULL;
	if (!kl_cmdline_get(cmdline, "kdumplab.fault", name, sizeof(name)))
		return 0;
	const struct kl_fault *f = kl_fault_find(name);
	if (!f)
		return kl_report_error("fault", ENOENT, "kdumplab.fault='%s': expected one of %s",
				       name, kl_fault_names(names, sizeof(names)));
	if (f->prog == prog)
		*ret = f;
	return 0;
}

void kl_report_fault(const struct kl_fault *f, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);

	struct kl_line l;
	kl_line_begin(&l, "fault");
	kl_line_add(&l, "name", f->name);
	kl_line_add(&l, "prog", kl_fault_prog_name(f->prog));
	kl_line_add(&l, "provokes", f->provokes);
	kl_line_add(&l, "detail", detail);
	kl_line_emit(&l);
}
