/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "base/macro.h"
#include "guest-fault.h"
#include "guest-sys.h"
#include "guest-util.h"
#include "loader-fault.h"
#include "protocol.h"

static bool is(const struct kl_fault *f, enum kl_fault_id id)
{
	return f && f->id == id;
}

static int append(char *out, size_t size, size_t *len, const char *tok)
{
	size_t n = strlen(tok);
	if (*len + (*len ? 1 : 0) + n + 1 > size)
		return -E2BIG;
	if (*len)
		out[(*len)++] = ' ';
	memcpy(out + *len, tok, n + 1);
	*len += n;
	return 0;
}

int loader_fault_capture_cmdline(const struct kl_fault *f, char *buf, size_t size)
{
	static char out[4096];
	char tok[KL_PATH_MAX];
	const char *cur = buf;
	size_t len = 0;
	int r;

	if (!is(f, KL_FAULT_CAPTURE_SILENT))
		return 0;
	if (size > sizeof(out))
		size = sizeof(out);
	out[0] = '\0';
	r = append(out, size, &len, "console=tty0");
	while (r >= 0 && (r = kl_cmdline_next(&cur, tok, sizeof(tok))) > 0)
		if (!startswith(tok, "console="))
			r = append(out, size, &len, tok);
	if (r >= 0)
		r = append(out, size, &len, "rdinit=" LOADER_FAULT_NO_INIT);
	if (r < 0)
		return r;
	memcpy(buf, out, len + 1);
	kl_report_fault(
		f,
		"capture kernel loaded with console=tty0 instead of the serial console and rdinit=%s, which does not exist",
		LOADER_FAULT_NO_INIT);
	return 0;
}

void loader_fault_kmsg_nonce(const struct kl_fault *f, const char *nonce, char out[17])
{
	memcpy(out, nonce, 16);
	out[16] = '\0';
	if (!is(f, KL_FAULT_WRONG_CRASH))
		return;
	/* Every hex digit changed: the reported nonce is nowhere in the kernel log. */
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < 16; i++) {
		const char *p = strchr(hex, out[i]);
		out[i] = hex[((p && *p ? p - hex : 0) + 8) & 15];
	}
	kl_report_fault(f, "reported nonce=%s, wrote nonce=%s to /dev/kmsg", nonce, out);
}

bool loader_fault_trigger(const struct kl_fault *f)
{
	if (is(f, KL_FAULT_TRIGGER_NOOP)) {
		kl_report_fault(f, "the trigger child returns without running the trigger");
		return true;
	}
	if (!is(f, KL_FAULT_TRIGGER_HANG))
		return false;
	kl_report_fault(f, "the trigger child sleeps instead of running the trigger");
	for (;;)
		kl_sys.sleep_ms(60 * 1000);
}
