/* SPDX-License-Identifier: MIT */
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "paths.h"

int kl_self_dir(char **ret, struct kl_error **err)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n < 0)
		return kl_error_set(err, errno, "readlink /proc/self/exe");
	buf[n] = '\0';
	char *d = strdup(dirname(buf));
	if (!d)
		return kl_error_set(err, ENOMEM, "self dir");
	*ret = d;
	return 0;
}

static int xdg_dir(const char *env, const char *fallback, char **ret, struct kl_error **err)
{
	const char *base = getenv(env), *home = getenv("HOME");
	char *s;
	int n;
	if (base && *base == '/')
		n = asprintf(&s, "%s/kdumplab", base);
	else
		n = asprintf(&s, "%s/%s/kdumplab", home && *home ? home : "/root", fallback);
	if (n < 0)
		return kl_error_set(err, ENOMEM, "directories");
	*ret = s;
	return 0;
}

int kl_default_cache_dir(char **ret, struct kl_error **err)
{
	return xdg_dir("XDG_CACHE_HOME", ".cache", ret, err);
}

int kl_default_state_dir(char **ret, struct kl_error **err)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state", ret, err);
}

int kl_guest_binaries(char **ret_loader, char **ret_saver, struct kl_error **err)
{
	_cleanup_free_ char *self = NULL, *l = NULL, *s = NULL;
	int r = kl_self_dir(&self, err);
	if (r < 0)
		return r;
	/* A build tree: build/kdumplab next to build/loader/ and build/saver/. */
	if (asprintf(&l, "%s/loader/kdumplab-loader", self) < 0 ||
	    asprintf(&s, "%s/saver/kdumplab-saver", self) < 0)
		return kl_error_set(err, ENOMEM, "paths");
	if (access(l, X_OK) < 0 || access(s, X_OK) < 0) {
		free(l);
		free(s);
		l = s = NULL;
		if (asprintf(&l, "%s/kdumplab-loader", KL_LIBEXECDIR) < 0 ||
		    asprintf(&s, "%s/kdumplab-saver", KL_LIBEXECDIR) < 0)
			return kl_error_set(err, ENOMEM, "paths");
		if (access(l, X_OK) < 0 || access(s, X_OK) < 0)
			return kl_error_set(
				err, ENOENT,
				"the guest programs are neither in \"%s/loader\" and \"%s/saver\" nor in \"%s\"; build the project first (ninja -C build)",
				self, self, KL_LIBEXECDIR);
	}
	*ret_loader = TAKE_PTR(l);
	*ret_saver = TAKE_PTR(s);
	return 0;
}

int kl_lab_program(char **ret, struct kl_error **err)
{
	_cleanup_free_ char *self = NULL, *p = NULL;
	int r = kl_self_dir(&self, err);
	if (r < 0)
		return r;
	/* A build tree: build/kdumplab-lab next to build/kdumplab; else installed. */
	if (asprintf(&p, "%s/kdumplab-lab", self) < 0)
		return kl_error_set(err, ENOMEM, "paths");
	if (access(p, X_OK) < 0) {
		free(p);
		if (asprintf(&p, "%s/kdumplab-lab", KL_LIBEXECDIR) < 0)
			return kl_error_set(err, ENOMEM, "paths");
		if (access(p, X_OK) < 0)
			return kl_error_set(
				err, ENOENT,
				"the lab program is neither \"%s/kdumplab-lab\" nor \"%s\"; build the project first (ninja -C build)",
				self, p);
	}
	*ret = TAKE_PTR(p);
	return 0;
}
