/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <string.h>

#include "debian.h"
#include "kernel-spec.h"

void kl_kernel_spec_free(struct kl_kernel_spec *s)
{
	if (!s)
		return;
	free(s->normalised);
	free(s->suite);
	free(s->package);
	free(s->vmlinuz);
	free(s->modules_dir);
	free(s);
}

/* Debian package names: [a-z0-9][a-z0-9+.-]+ (Debian policy 5.6.1). */
static int valid_package_chars(const char *s)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("+.-", *p)))
			return 0;
	return 1;
}

static int parse_debian(const char *spec, const char *rest, struct kl_kernel_spec *s,
			struct kl_error **err)
{
	const char *colon = strchr(rest, ':');
	s->source = KL_KERNEL_DEBIAN;
	s->suite = colon ? strndup(rest, (size_t)(colon - rest)) : strdup(rest);
	if (!s->suite)
		return -ENOMEM;
	if (!kl_debian_suite_find(s->suite))
		return kl_error_usage(
			err, EINVAL,
			"unknown Debian suite '%s' in kernel spec '%s' (known suites: %s; accepted forms: %s)",
			s->suite, spec, KL_DEBIAN_SUITES, KL_KERNEL_SPEC_FORMS);
	if (!colon) {
		if (asprintf(&s->normalised, "debian:%s", s->suite) < 0)
			return -ENOMEM;
		return 0;
	}
	const char *pkg = colon + 1;
	if (!valid_package_chars(pkg))
		return kl_error_usage(
			err, EINVAL,
			"invalid Debian package or ABI '%s' in kernel spec '%s' (accepted forms: %s)",
			pkg, spec, KL_KERNEL_SPEC_FORMS);
	if (startswith(pkg, "linux-image-"))
		s->package = strdup(pkg);
	else if (asprintf(&s->package, "linux-image-%s-cloud-amd64-unsigned", pkg) < 0)
		s->package = NULL;
	if (!s->package)
		return -ENOMEM;
	if (asprintf(&s->normalised, "debian:%s:%s", s->suite, s->package) < 0)
		return -ENOMEM;
	return 0;
}

static int absolute(const char *spec, const char *path, char **ret, struct kl_error **err)
{
	char buf[PATH_MAX];
	if (!*path)
		return kl_error_usage(err, EINVAL,
				      "empty path in kernel spec '%s' (accepted forms: %s)", spec,
				      KL_KERNEL_SPEC_FORMS);
	if (!realpath(path, buf))
		return kl_error_usage(err, errno, "cannot use '%s' from kernel spec '%s'", path,
				      spec);
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

static int parse_local(const char *spec, const char *rest, struct kl_kernel_spec *s,
		       struct kl_error **err)
{
	const char *comma = strchr(rest, ',');
	_cleanup_free_ char *vmlinuz = comma ? strndup(rest, (size_t)(comma - rest)) : strdup(rest);
	if (!vmlinuz)
		return -ENOMEM;
	s->source = KL_KERNEL_LOCAL;
	int r = absolute(spec, vmlinuz, &s->vmlinuz, err);
	if (r < 0)
		return r;
	if (comma) {
		r = absolute(spec, comma + 1, &s->modules_dir, err);
		if (r < 0)
			return r;
	}
	if (s->modules_dir)
		r = asprintf(&s->normalised, "local:%s,%s", s->vmlinuz, s->modules_dir);
	else
		r = asprintf(&s->normalised, "local:%s", s->vmlinuz);
	return r < 0 ? -ENOMEM : 0;
}

int kl_kernel_spec_parse(const char *spec, struct kl_kernel_spec **ret, struct kl_error **err)
{
	_cleanup_(kl_kernel_spec_freep) struct kl_kernel_spec *s = calloc(1, sizeof(*s));
	int r;
	if (!s)
		return kl_error_set(err, ENOMEM, "cannot parse kernel spec '%s'", spec);
	if (!spec || !*spec)
		return kl_error_usage(err, EINVAL, "empty kernel spec (accepted forms: %s)",
				      KL_KERNEL_SPEC_FORMS);
	if (startswith(spec, "debian:"))
		r = parse_debian(spec, spec + strlen("debian:"), s, err);
	else if (startswith(spec, "local:"))
		r = parse_local(spec, spec + strlen("local:"), s, err);
	else
		return kl_error_usage(err, EINVAL, "unknown kernel spec '%s' (accepted forms: %s)",
				      spec, KL_KERNEL_SPEC_FORMS);
	if (r == -ENOMEM)
		return kl_error_set(err, ENOMEM, "cannot parse kernel spec '%s'", spec);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}
