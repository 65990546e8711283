/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "base/fs.h"
#include "images.h"
#include "kconfig.h"

struct kl_kconfig {
	size_t n;
	char **names;
	char **values;
};

/*
 * What one crash cycle needs from the kernel. The same bzImage boots as the system kernel and
 * as the capture kernel, so the union of both roles is required.
 */
static const struct requirement {
	const char *option;
	int module_ok; /* =m is fine: the capture initramfs loads it */
	const char *why;
} requirements[] = {
	{ "CONFIG_X86_64", 0, "guests are x86_64" },
	{ "CONFIG_RELOCATABLE", 0,
	  "the same bzImage must run as capture kernel inside the crashkernel= reservation" },
	{ "CONFIG_KEXEC_FILE", 0,
	  "the loader loads the capture kernel with kexec_file_load(KEXEC_FILE_ON_CRASH)" },
	{ "CONFIG_CRASH_DUMP", 0,
	  "the capture kernel must be able to boot on top of a crashed kernel (elfcorehdr=)" },
	{ "CONFIG_PROC_VMCORE", 0, "the saver copies /proc/vmcore" },
	{ "CONFIG_PROC_FS", 0, "/proc/iomem, /proc/vmcore and /proc/sysrq-trigger live in procfs" },
	{ "CONFIG_SYSFS", 0,
	  "/sys/kernel/kexec_crash_loaded, kexec_crash_size and disk serials are read from sysfs" },
	{ "CONFIG_MAGIC_SYSRQ", 0,
	  "the sysrq scenario crashes the kernel with echo c > /proc/sysrq-trigger" },
	{ "CONFIG_PRINTK", 0,
	  "validation reads the kernel log (nonce, panic signature) from the dump's printk ring" },
	{ "CONFIG_BLK_DEV_INITRD", 0,
	  "both kernels boot our initramfs (loader and saver are /init)" },
	{ "CONFIG_BINFMT_ELF", 0, "loader and saver are static ELF programs run as /init" },
	{ "CONFIG_DEVTMPFS", 0,
	  "/dev is populated by devtmpfs: there is no udev in our initramfs" },
	{ "CONFIG_SERIAL_8250", 0, "the guest->host protocol runs over the ttyS0 serial console" },
	{ "CONFIG_SERIAL_8250_CONSOLE", 0, "console=ttyS0 must work before any module is loaded" },
	{ "CONFIG_VIRTIO_PCI", 1, "the dump disk is a virtio-pci device" },
	{ "CONFIG_VIRTIO_BLK", 1, "the dump disk is a virtio block device" },
	{ "CONFIG_EXT4_FS", 1, "the dump disk holds an ext4 file system" },
};

void kl_kconfig_free(struct kl_kconfig *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->names[i]);
		free(c->values[i]);
	}
	free(c->names);
	free(c->values);
	free(c);
}

static int add(struct kl_kconfig *c, const char *name, size_t nlen, const char *value)
{
	char **n = reallocarray(c->names, c->n + 1, sizeof(char *));
	if (!n)
		return -ENOMEM;
	c->names = n;
	char **v = reallocarray(c->values, c->n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	c->values = v;
	c->names[c->n] = strndup(name, nlen);
	c->values[c->n] = strdup(value);
	if (!c->names[c->n] || !c->values[c->n]) {
		free(c->names[c->n]);
		free(c->values[c->n]);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

int kl_kconfig_load(const char *path, struct kl_kconfig **ret, struct kl_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r = kl_read_file(path, &text, NULL, err);
	if (r < 0)
		return r;
	_cleanup_(kl_kconfig_freep) struct kl_kconfig *c = calloc(1, sizeof(*c));
	if (!c)
		return kl_error_set(err, ENOMEM, "cannot read kernel config '%s'", path);
	size_t options = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Only "CONFIG_X=value" lines set something; "# CONFIG_X is not set" is unset. */
		if (!startswith(line, "CONFIG_"))
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		if (add(c, line, (size_t)(eq - line), eq + 1) < 0)
			return kl_error_set(err, ENOMEM, "cannot read kernel config '%s'", path);
		options++;
	}
	if (options == 0)
		return kl_error_set(err, 0,
				    "'%s' is not a kernel config: no CONFIG_ option is set in it",
				    path);
	*ret = TAKE_PTR(c);
	return 0;
}

const char *kl_kconfig_get(const struct kl_kconfig *c, const char *option)
{
	/* Later assignments win, as in Kconfig. */
	for (size_t i = c->n; i > 0; i--)
		if (streq(c->names[i - 1], option))
			return c->values[i - 1];
	return NULL;
}

const char *kl_kconfig_reason(const char *option)
{
	for (size_t i = 0; i < ELEMENTSOF(requirements); i++)
		if (streq(requirements[i].option, option))
			return requirements[i].why;
	return NULL;
}

int kl_kconfig_check(const char *config_path, char ***ret_missing, struct kl_error **err)
{
	_cleanup_(kl_kconfig_freep) struct kl_kconfig *c = NULL;
	int r = kl_kconfig_load(config_path, &c, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **missing = calloc(ELEMENTSOF(requirements) + 1, sizeof(char *));
	if (!missing)
		return kl_error_set(err, ENOMEM, "cannot check kernel config '%s'", config_path);
	size_t n = 0;
	for (size_t i = 0; i < ELEMENTSOF(requirements); i++) {
		const struct requirement *q = &requirements[i];
		const char *v = kl_kconfig_get(c, q->option);
		if (v && (streq(v, "y") || (q->module_ok && streq(v, "m"))))
			continue;
		if (asprintf(&missing[n], "%s=%s", q->option, q->module_ok ? "y|m" : "y") < 0) {
			missing[n] = NULL;
			return kl_error_set(err, ENOMEM, "cannot check kernel config '%s'",
					    config_path);
		}
		n++;
	}
	*ret_missing = TAKE_PTR(missing);
	return 0;
}
