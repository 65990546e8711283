/* SPDX-License-Identifier: MIT */
/*
 * Domain XML: direct kernel boot, serial console, one raw virtio-blk dump disk, nothing else.
 * Every device QEMU does not need costs boot time under TCG, so there is no network, USB,
 * graphics, video or balloon. Built with libxml2 so names, paths and command lines with any
 * byte come out escaped.
 */
#include <inttypes.h>
#include <libxml/tree.h>
#include <libxml/xmlstring.h>
#include <string.h>

#include "virt.h"

static void xmlFreeDocp(xmlDocPtr *d)
{
	if (*d)
		xmlFreeDoc(*d);
}

static xmlNodePtr child(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void prop(xmlNodePtr n, const char *name, const char *value)
{
	xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

/* libvirt needs well-formed XML 1.0: UTF-8 and no control characters, which no escaping fixes. */
static int check_text(const char *domain, const char *what, const char *value,
		      struct kl_error **err)
{
	if (!value)
		return 0;
	if (!xmlCheckUTF8(BAD_CAST value))
		return kl_error_usage(err, EINVAL, "domain \"%s\": %s \"%s\" is not valid UTF-8",
				      domain, what, value);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return kl_error_usage(
				err, EINVAL,
				"domain \"%s\": %s \"%s\" contains control character 0x%02x",
				domain, what, value, *p);
	return 0;
}

static int check_config(const struct kl_domain_config *c, struct kl_error **err)
{
	if (!c->name || !startswith(c->name, KL_DOMAIN_PREFIX) ||
	    !c->name[strlen(KL_DOMAIN_PREFIX)])
		return kl_error_usage(err, EINVAL,
				      "domain name \"%s\" must start with \"" KL_DOMAIN_PREFIX
				      "\" and name a cell",
				      c->name ? c->name : "(null)");
	/* libvirt rejects '/' in names; QEMU's -name splits at ','. */
	if (strpbrk(c->name, "/,\n"))
		return kl_error_usage(err, EINVAL,
				      "domain name \"%s\" must not contain '/', ',' or a newline",
				      c->name);
	int r = check_text(c->name, "name", c->name, err);
	if (r < 0)
		return r;
	const struct {
		const char *what, *value;
	} texts[] = {
		{ "kernel", c->kernel },	   { "initrd", c->initrd },
		{ "cmdline", c->cmdline },	   { "disk path", c->disk_path },
		{ "disk serial", c->disk_serial }, { "cpu model", c->cpu_model },
	};
	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		r = check_text(c->name, texts[i].what, texts[i].value, err);
		if (r < 0)
			return r;
	}
	if (!c->kernel || !*c->kernel)
		return kl_error_usage(err, EINVAL, "domain \"%s\" has no kernel", c->name);
	if (c->memory_mib < 16)
		return kl_error_usage(
			err, EINVAL,
			"domain \"%s\": memory %u MiB is too small, expected at least 16", c->name,
			c->memory_mib);
	if (c->vcpus < 1 || c->vcpus > 64)
		return kl_error_usage(err, EINVAL, "domain \"%s\": %u vCPUs, expected 1..64",
				      c->name, c->vcpus);
	return 0;
}

int kl_domain_xml(const struct kl_domain_config *c, char **ret_xml, struct kl_error **err)
{
	int r = check_config(c, err);
	if (r < 0)
		return r;

	char num[32];
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return kl_error_set(err, ENOMEM, "domain XML");
	xmlNodePtr dom = xmlNewNode(NULL, BAD_CAST "domain");
	xmlDocSetRootElement(doc, dom);
	prop(dom, "type", c->kvm ? "kvm" : "qemu");
	child(dom, "name", c->name);

	if (c->owner) {
		xmlNodePtr md = child(dom, "metadata", NULL);
		xmlNodePtr o = xmlNewChild(md, NULL, BAD_CAST "owner", NULL);
		xmlNsPtr ns = xmlNewNs(o, BAD_CAST KL_OWNER_NS, BAD_CAST KL_OWNER_NS_PREFIX);
		xmlSetNs(o, ns);
		prop(o, "host", c->owner->host ? c->owner->host : "");
		snprintf(num, sizeof(num), "%d", (int)c->owner->pid);
		prop(o, "pid", num);
		snprintf(num, sizeof(num), "%" PRIu64, c->owner->starttime);
		prop(o, "starttime", num);
		prop(o, "boot_id", c->owner->boot_id ? c->owner->boot_id : "");
	}

	snprintf(num, sizeof(num), "%u", c->memory_mib);
	prop(child(dom, "memory", num), "unit", "MiB");
	snprintf(num, sizeof(num), "%u", c->vcpus);
	child(dom, "vcpu", num);

	xmlNodePtr os = child(dom, "os", NULL);
	xmlNodePtr type = child(os, "type", "hvm");
	prop(type, "arch", "x86_64");
	prop(type, "machine", "pc");
	child(os, "kernel", c->kernel);
	if (c->initrd)
		child(os, "initrd", c->initrd);
	if (c->cmdline)
		child(os, "cmdline", c->cmdline);

	/* ACPI: without it the guest's reboot(RB_POWER_OFF) halts instead of ending the domain. */
	xmlNodePtr features = child(dom, "features", NULL);
	child(features, "acpi", NULL);

	xmlNodePtr cpu = child(dom, "cpu", NULL);
	const char *model = c->cpu_model ? c->cpu_model : (c->kvm ? "host-passthrough" : "qemu64");
	if (streq(model, "host-passthrough") || streq(model, "maximum")) {
		prop(cpu, "mode", model);
	} else {
		prop(cpu, "mode", "custom");
		prop(cpu, "match", "exact");
		prop(child(cpu, "model", model), "fallback", "forbid");
		/*
		 * QEMU 7.2's TCG and Linux 6.12 (Debian bookworm-backports and trixie): with cx16
		 * advertised the kernel dies at early boot with a double fault on a cmpxchg16b in
		 * kmem_cache_alloc (seen here with qemu64 and max). 6.1 is unaffected. Without cx16
		 * both boot; the kernel falls back to its generic paths.
		 */
		if (!c->kvm && streq(model, "qemu64")) {
			xmlNodePtr f = child(cpu, "feature", NULL);
			prop(f, "policy", "disable");
			prop(f, "name", "cx16");
		}
	}

	prop(child(dom, "clock", NULL), "offset", "utc");
	/* Any end of the guest ends the domain: the cell reads it as "the phase is over". */
	child(dom, "on_poweroff", "destroy");
	child(dom, "on_reboot", "destroy");
	child(dom, "on_crash", "destroy");

	xmlNodePtr devs = child(dom, "devices", NULL);
	if (c->disk_path) {
		xmlNodePtr disk = child(devs, "disk", NULL);
		prop(disk, "type", "file");
		prop(disk, "device", "disk");
		xmlNodePtr drv = child(disk, "driver", NULL);
		prop(drv, "name", "qemu");
		prop(drv, "type", "raw");
		/* The host reads the disk only after QEMU exited, through the same page cache, so
		 * the guest's flushes need not reach the platter: "unsafe" saves an fdatasync per
		 * fsync. */
		prop(drv, "cache", "unsafe");
		prop(child(disk, "source", NULL), "file", c->disk_path);
		xmlNodePtr target = child(disk, "target", NULL);
		prop(target, "dev", "vda");
		prop(target, "bus", "virtio");
		if (c->disk_serial)
			child(disk, "serial", c->disk_serial);
	}
	const char *ctype = c->console_file ? "file" : "pty";
	xmlNodePtr serial = child(devs, "serial", NULL);
	prop(serial, "type", ctype);
	if (c->console_file)
		prop(child(serial, "source", NULL), "path", c->console_file);
	prop(child(serial, "target", NULL), "port", "0");
	xmlNodePtr console = child(devs, "console", NULL);
	prop(console, "type", ctype);
	if (c->console_file)
		prop(child(console, "source", NULL), "path", c->console_file);
	xmlNodePtr ctarget = child(console, "target", NULL);
	prop(ctarget, "type", "serial");
	prop(ctarget, "port", "0");
	xmlNodePtr usb = child(devs, "controller", NULL);
	prop(usb, "type", "usb");
	prop(usb, "model", "none");
	prop(child(devs, "memballoon", NULL), "model", "none");

	xmlChar *out = NULL;
	int len = 0;
	xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
	if (!out)
		return kl_error_set(err, ENOMEM, "domain XML");
	char *s = strdup((char *)out);
	xmlFree(out);
	if (!s)
		return kl_error_set(err, ENOMEM, "domain XML");
	*ret_xml = s;
	return 0;
}
