/* SPDX-License-Identifier: MIT */
/* libvirt's last error (per thread) turned into a kl_error with an errno. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdarg.h>

#include "virt-error.h"

int kl_virt_last_error_code(void)
{
	return virGetLastErrorCode();
}

static int errno_from_virt(int code)
{
	switch (code) {
	case VIR_ERR_NO_DOMAIN:
		return ENOENT;
	case VIR_ERR_NO_SUPPORT:
		return EOPNOTSUPP;
	case VIR_ERR_OPERATION_INVALID:
	case VIR_ERR_INVALID_ARG:
	case VIR_ERR_XML_ERROR:
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return EINVAL;
	case VIR_ERR_OPERATION_DENIED:
	case VIR_ERR_AUTH_FAILED:
		return EACCES;
	case VIR_ERR_OPERATION_TIMEOUT:
		return ETIMEDOUT;
	case VIR_ERR_NO_CONNECT:
		return ENOTCONN;
	default:
		return EIO;
	}
}

int kl_virt_error(struct kl_error **err, const char *fmt, ...)
{
	int code = errno_from_virt(virGetLastErrorCode());
	_cleanup_free_ char *what = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		what = NULL;
	/* code 0: no strerror() suffix; the libvirt message says more. */
	kl_error_set(err, 0, "%s: %s", what ? what : "libvirt", virGetLastErrorMessage());
	if (err && *err)
		(*err)->code = code;
	virResetLastError();
	return -code;
}
