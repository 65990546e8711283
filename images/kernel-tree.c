/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs.h"
#include "kernel-tree.h"

/* One line of a System.map is ~60 bytes; the stub's is ~100. */
#define MAP_LINE_MAX 256

bool kl_system_map_is_real(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[MAP_LINE_MAX + 1];
	ssize_t n = fd < 0 ? -1 : kl_pread_full(fd, buf, MAP_LINE_MAX, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (!nl)
		return false;
	*nl = '\0';
	/* ADDRESS (hex) TYPE (one letter) SYMBOL (no spaces) */
	size_t addr = strspn(buf, "0123456789abcdefABCDEF");
	if (addr == 0 || buf[addr] != ' ' || !isalpha((unsigned char)buf[addr + 1]) ||
	    buf[addr + 2] != ' ')
		return false;
	const char *sym = buf + addr + 3;
	return *sym && !strchr(sym, ' ');
}

static bool valid_release(const char *r)
{
	return *r && strlen(r) <= KL_KERNEL_RELEASE_MAX && !strchr(r, '/') && !streq(r, ".") &&
	       !streq(r, "..");
}

/*
 * The one entry of dir whose name starts with prefix (the rest returned), of type want
 * (DT_REG or DT_DIR); 0 with *ret NULL when there is none, -EEXIST when there are several.
 */
static int only_entry(const char *dir, const char *prefix, unsigned char want, char **ret,
		      struct kl_error **err)
{
	*ret = NULL;
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : kl_error_set(err, errno, "cannot read '%s'", dir);
	_cleanup_free_ char *found = NULL;
	for (struct dirent *de; (de = readdir(d));) {
		if (!startswith(de->d_name, prefix) || streq(de->d_name, ".") ||
		    streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *p = kl_path_join(dir, de->d_name);
		struct stat st;
		if (!p)
			return kl_error_set(err, ENOMEM, "cannot read '%s'", dir);
		if (lstat(p, &st) < 0 ||
		    (want == DT_DIR ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		if (found)
			return kl_error_set(err, EEXIST, "'%s' holds both '%s%s' and '%s'", dir,
					    prefix, found, de->d_name);
		if (!(found = strdup(de->d_name + strlen(prefix))))
			return kl_error_set(err, ENOMEM, "cannot read '%s'", dir);
	}
	*ret = TAKE_PTR(found);
	return 0;
}

/* rename root/from to root/to; from missing is fine unless required. */
static int move(const char *root, const char *from, const char *to, bool required,
		struct kl_error **err)
{
	_cleanup_free_ char *src = kl_path_join(root, from), *dst = kl_path_join(root, to);
	if (!src || !dst)
		return kl_error_set(err, ENOMEM, "cannot move '%s'", from);
	if (!kl_exists(src))
		return required
			       ? kl_error_set(err, ENOENT, "the kernel packages have no '%s'", from)
			       : 0;
	if (kl_exists(dst))
		return kl_error_set(err, EEXIST, "the kernel packages have both '%s' and '%s'",
				    from, to);
	if (rename(src, dst) < 0)
		return kl_error_set(err, errno, "cannot move '%s' to '%s'", src, dst);
	return 0;
}

/* 7.x: lib/modules/REL/{vmlinuz.unsigned or vmlinuz, config, System.map} -> boot/. */
static int move_into_boot(const char *root, const char *rel, struct kl_error **err)
{
	_cleanup_free_ char *boot = kl_path_join(root, "boot"), *m = NULL, *unsig = NULL,
			    *vmlinuz = NULL, *config = NULL, *map = NULL, *map_to = NULL;
	if (!boot || asprintf(&m, "lib/modules/%s", rel) < 0 ||
	    asprintf(&unsig, "%s/vmlinuz.unsigned", m) < 0 ||
	    asprintf(&vmlinuz, "boot/vmlinuz-%s", rel) < 0 ||
	    asprintf(&config, "boot/config-%s", rel) < 0 ||
	    asprintf(&map, "%s/System.map", m) < 0 ||
	    asprintf(&map_to, "boot/System.map-%s", rel) < 0)
		return kl_error_set(err, ENOMEM, "cannot lay out kernel %s", rel);
	int r = kl_mkdir_p(boot, 0755, err);
	_cleanup_free_ char *unsig_path = kl_path_join(root, unsig);
	if (r < 0 || !unsig_path)
		return r < 0 ? r : kl_error_set(err, ENOMEM, "cannot lay out kernel %s", rel);
	_cleanup_free_ char *from = NULL, *cfg_from = NULL;
	if (asprintf(&from, "%s/%s", m, kl_exists(unsig_path) ? "vmlinuz.unsigned" : "vmlinuz") <
		    0 ||
	    asprintf(&cfg_from, "%s/config", m) < 0)
		return kl_error_set(err, ENOMEM, "cannot lay out kernel %s", rel);
	if ((r = move(root, from, vmlinuz, true, err)) < 0 ||
	    (r = move(root, cfg_from, config, false, err)) < 0)
		return r;
	/* The signed twin, when both were unpacked, is the same kernel: keep one. */
	_cleanup_free_ char *signed_path = NULL;
	if (asprintf(&signed_path, "%s/%s/vmlinuz", root, m) < 0)
		return kl_error_set(err, ENOMEM, "cannot lay out kernel %s", rel);
	unlink(signed_path);
	_cleanup_free_ char *map_path = kl_path_join(root, map);
	if (!map_path)
		return kl_error_set(err, ENOMEM, "cannot lay out kernel %s", rel);
	if (kl_exists(map_path) && !kl_system_map_is_real(map_path))
		return unlink(map_path) < 0 && errno != ENOENT
			       ? kl_error_set(err, errno, "cannot remove '%s'", map_path)
			       : 0;
	return move(root, map, map_to, false, err);
}

int kl_kernel_tree_normalise(const char *root, char **ret_release, struct kl_error **err)
{
	_cleanup_free_ char *boot = kl_path_join(root, "boot"),
			    *modules = kl_path_join(root, "lib/modules");
	if (!boot || !modules)
		return kl_error_set(err, ENOMEM, "cannot read '%s'", root);
	_cleanup_free_ char *rel = NULL;
	int r = only_entry(boot, "vmlinuz-", DT_REG, &rel, err);
	if (r < 0)
		return kl_error_wrap(err, "more than one kernel in the packages");
	bool split = !rel;
	if (split && (r = only_entry(modules, "", DT_DIR, &rel, err)) < 0)
		return kl_error_wrap(err, "more than one kernel in the packages");
	if (!rel)
		return kl_error_set(
			err, 0,
			"the packages hold no kernel: neither boot/vmlinuz-RELEASE nor lib/modules/RELEASE/");
	if (!valid_release(rel))
		return kl_error_set(err, EINVAL, "invalid kernel release '%s' in the packages",
				    rel);
	if (split && (r = move_into_boot(root, rel, err)) < 0)
		return r;
	_cleanup_free_ char *mods = NULL, *config = NULL, *map = NULL;
	if (asprintf(&mods, "%s/lib/modules/%s", root, rel) < 0 ||
	    asprintf(&config, "%s/boot/config-%s", root, rel) < 0 ||
	    asprintf(&map, "%s/boot/System.map-%s", root, rel) < 0)
		return kl_error_set(err, ENOMEM, "cannot read '%s'", root);
	if (!kl_exists(mods))
		return kl_error_set(err, ENOENT, "the kernel packages have no lib/modules/%s", rel);
	if (!kl_exists(config))
		return kl_error_set(err, ENOENT, "the kernel packages have no config for %s", rel);
	if (kl_exists(map) && !kl_system_map_is_real(map) && unlink(map) < 0)
		return kl_error_set(err, errno, "cannot remove '%s'", map);
	*ret_release = TAKE_PTR(rel);
	return 0;
}
