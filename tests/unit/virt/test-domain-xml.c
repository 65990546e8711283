/* SPDX-License-Identifier: MIT */
/*
 * Domain XML: golden files for the shapes the lab generates, and escaping of hostile names and
 * paths. KL_UPDATE_GOLDEN=1 rewrites the golden files (review the diff by hand).
 */
#include "kl-check.h"
#include <libxml/parser.h>
#include <string.h>

#include "virt/virt.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = kl_check_read_all(f, NULL);
	fclose(f);
	return buf;
}

static void check_golden(const char *name, const char *actual)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("KL_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "we");
		ck_assert_ptr_nonnull(f);
		fputs(actual, f);
		fclose(f);
		return;
	}
	char *expected = slurp(path);
	ck_assert_msg(expected, "golden file %s missing: run with KL_UPDATE_GOLDEN=1", path);
	ck_assert_str_eq(actual, expected);
	free(expected);
}

static const struct kl_domain_owner owner = {
	.host = "labhost",
	.pid = 4242,
	.starttime = 123456,
	.boot_id = "0f0e0d0c-0000-4000-8000-000000000001",
};

static const struct kl_domain_config tcg = {
	.name = "kdumplab-c0001",
	.kernel = "/var/cache/kdumplab/kernels/6.1.0-56-cloud-amd64/vmlinuz",
	.initrd = "/var/cache/kdumplab/initrd/system-0123abcd.img",
	.cmdline =
		"console=ttyS0 crashkernel=192M panic=-1 kdumplab.scenario=sysrq kdumplab.disk=kdumplab-dump",
	.memory_mib = 1024,
	.vcpus = 2,
	.disk_path = "/var/lib/kdumplab/run/c0001/dump.img",
	.disk_serial = "kdumplab-dump",
	.owner = &owner,
};

START_TEST(golden_tcg)
{
	char *xml = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_domain_xml(&tcg, &xml, &e), 0);
	ck_assert_ptr_null(e);
	check_golden("domain-tcg.xml", xml);
	free(xml);
}
END_TEST

START_TEST(golden_kvm_no_disk)
{
	struct kl_domain_config c = tcg;
	c.name = "kdumplab-kvm-probe-1";
	c.kvm = true;
	c.disk_path = NULL;
	c.disk_serial = NULL;
	c.owner = NULL;
	c.memory_mib = 256;
	c.vcpus = 1;
	c.cmdline = "console=ttyS0 panic=-1 kdumplab.scenario=none";
	char *xml = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_domain_xml(&c, &xml, &e), 0);
	check_golden("domain-kvm-nodisk.xml", xml);
	/* No metadata without an owner, no disk without a path. */
	ck_assert_ptr_null(strstr(xml, "<metadata"));
	ck_assert_ptr_null(strstr(xml, "<disk"));
	ck_assert_ptr_nonnull(strstr(xml, "<cpu mode=\"host-passthrough\"/>"));
	free(xml);
}
END_TEST

/* Parse xml back and return the text of the first element called name (caller frees). */
static char *element_text(const char *xml, const char *name)
{
	xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "d.xml", NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(doc);
	char *out = NULL;
	for (xmlNodePtr stack[16] = { xmlDocGetRootElement(doc) }, *n = stack; n && *n;) {
		/* depth-first walk without recursion: good enough for a 4-level document */
		xmlNodePtr cur = *n;
		if (cur->type == XML_ELEMENT_NODE && streq((const char *)cur->name, name)) {
			xmlChar *t = xmlNodeGetContent(cur);
			out = strdup((char *)t);
			xmlFree(t);
			break;
		}
		if (cur->children) {
			*++n = cur->children;
			continue;
		}
		while (n >= stack && !(*n)->next)
			n--;
		if (n < stack)
			break;
		*n = (*n)->next;
	}
	xmlFreeDoc(doc);
	return out;
}

START_TEST(escaping_round_trips)
{
	struct kl_domain_config c = tcg;
	c.name = "kdumplab-<a&b>'\"é";
	c.kernel = "/tmp/x y/<vmlinuz>&'\"";
	c.cmdline = "console=ttyS0 kdumplab.capture_append=a%20b&c<d>";
	c.disk_path = "/tmp/d]]>isk.img";
	char *xml = NULL;
	struct kl_error *e = NULL;
	ck_assert_int_eq(kl_domain_xml(&c, &xml, &e), 0);
	char *t;
	ck_assert_str_eq((t = element_text(xml, "name")), c.name);
	free(t);
	ck_assert_str_eq((t = element_text(xml, "kernel")), c.kernel);
	free(t);
	ck_assert_str_eq((t = element_text(xml, "cmdline")), c.cmdline);
	free(t);
	ck_assert_ptr_nonnull(strstr(xml, "/tmp/d]]&gt;isk.img"));
	free(xml);
}
END_TEST

START_TEST(rejects_bad_input)
{
	static const struct {
		const char *name, *kernel, *path;
		unsigned mem, vcpus;
		const char *expect;
	} bad[] = {
		{ "cell1", "/k", NULL, 512, 1, "must start with \"kdumplab-\"" },
		{ "kdumplab-", "/k", NULL, 512, 1, "must start with" },
		{ NULL, "/k", NULL, 512, 1, "(null)" },
		{ "kdumplab-a/b", "/k", NULL, 512, 1, "must not contain" },
		{ "kdumplab-a,b", "/k", NULL, 512, 1, "must not contain" },
		{ "kdumplab-x", NULL, NULL, 512, 1, "has no kernel" },
		{ "kdumplab-x", "/k", NULL, 8, 1, "memory 8 MiB" },
		{ "kdumplab-x", "/k", NULL, 512, 0, "0 vCPUs" },
		{ "kdumplab-x", "/k\x01", NULL, 512, 1, "control character 0x01" },
		{ "kdumplab-x", "/k", "/d\xff.img", 512, 1, "not valid UTF-8" },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct kl_domain_config c = { .name = bad[i].name,
					      .kernel = bad[i].kernel,
					      .disk_path = bad[i].path,
					      .memory_mib = bad[i].mem,
					      .vcpus = bad[i].vcpus };
		char *xml = NULL;
		struct kl_error *e = NULL;
		ck_assert_int_eq(kl_domain_xml(&c, &xml, &e), -EINVAL);
		ck_assert_ptr_null(xml);
		ck_assert_ptr_nonnull(e);
		ck_assert_msg(strstr(e->msg, bad[i].expect), "case %zu: \"%s\" lacks \"%s\"", i,
			      e->msg, bad[i].expect);
		ck_assert_int_eq(e->exit_code, 2);
		kl_error_free(e);
	}
}
END_TEST

START_TEST(cpu_models)
{
	struct kl_domain_config c = tcg;
	char *xml = NULL;
	struct kl_error *e = NULL;
	c.cpu_model = "maximum";
	ck_assert_int_eq(kl_domain_xml(&c, &xml, &e), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<cpu mode=\"maximum\"/>"));
	free(xml);
	c.cpu_model = "Skylake-Client";
	ck_assert_int_eq(kl_domain_xml(&c, &xml, &e), 0);
	ck_assert_ptr_nonnull(strstr(xml, "<model fallback=\"forbid\">Skylake-Client</model>"));
	free(xml);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = { golden_tcg, golden_kvm_no_disk, escaping_round_trips,
				       rejects_bad_input, cpu_models };
	return kl_check_main("domain-xml", 0, tests, KL_CHECK_N(tests));
}
