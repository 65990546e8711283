/* SPDX-License-Identifier: MIT */
/*
 * kdumplab: the CLI entry point. The verbs are the table in verbs.c, each in cmd-<verb>.c.
 *
 * Two programs: `kdumplab` itself runs `validate` and links only what reading dumps needs:
 * loading libvirt and libguestfs costs ~8 ms per start here and libarchive's dependencies
 * (libxml2, ICU) ~1 ms more, while makedumpfile prints a whole kernel log in ~1.5 ms. The other
 * verbs (run, doctor, images) are executed from `kdumplab-lab` (main-lab.c) with the same
 * arguments.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/paths.h"
#include "cli.h"

/*
 * libguestfs' library constructor calls virInitialize() before kdumplab-lab's main() runs, and
 * libvirt reads its log outputs (LIBVIRT_LOG_OUTPUTS) from the environment only then; without
 * them its embedded driver writes warnings and a version banner to our stderr. So they are set
 * here, before kdumplab-lab is executed (a user's own setting is left alone).
 */
static void route_libvirt_logs(void)
{
	_cleanup_free_ char *state = NULL, *value = NULL;
	if (getenv("LIBVIRT_LOG_OUTPUTS") || kl_default_state_dir(&state, NULL) < 0)
		return;
	if (kl_mkdir_p(state, 0755, NULL) < 0 ||
	    asprintf(&value, "3:file:%s/libvirt.log", state) < 0)
		return;
	setenv("LIBVIRT_LOG_OUTPUTS", value, 1);
}

/* The VM verbs run in kdumplab-lab; returns only on failure. */
static int exec_lab(char **argv, struct kl_error **err)
{
	_cleanup_free_ char *lab = NULL;
	int r = kl_lab_program(&lab, err);
	if (r < 0)
		return r;
	route_libvirt_logs();
	execv(lab, argv);
	return kl_error_set(err, errno, "cannot execute \"%s\"", lab);
}

int main(int argc, char **argv)
{
	static const struct cli_program front = { .name = "kdumplab", .exec_lab = exec_lab };
	return cli_main(&front, argc, argv);
}
