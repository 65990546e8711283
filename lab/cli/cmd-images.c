/* SPDX-License-Identifier: MIT */
/* kdumplab images: prepare (and cache) the kernel and initramfs images for a kernel spec. */
#include <getopt.h>
#include <string.h>

#include "base/paths.h"
#include "cli.h"
#include "images.h"
#include "run/run.h"

static void progress(void *userdata, const char *msg)
{
	cli_note("images: %s", msg);
}

int cmd_images(int argc, char **argv, struct kl_error **err)
{
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "cache", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *spec = NULL, *cache_opt = NULL;
	_cleanup_free_ char *cache = NULL;
	int c, r;

	optind = 1;
	opterr = 0; /* we report unknown options ourselves, once */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'k')
			spec = optarg;
		else if (c == 'c')
			cache_opt = optarg;
		else if (c == 'h') {
			printf("kdumplab images --kernel SPEC [--cache DIR]\n"
			       "  SPEC: debian:bookworm | debian:bookworm-backports | debian:trixie |\n"
			       "        local:VMLINUZ[,MODULES_DIR]\n");
			return 0;
		} else
			return kl_error_usage(err, 0,
					      "unknown option \"%s\" (see kdumplab images --help)",
					      argv[optind - 1]);
	}
	if (optind < argc)
		return kl_error_usage(err, 0, "unexpected argument \"%s\"", argv[optind]);
	if (!spec)
		return kl_error_usage(err, 0,
				      "--kernel SPEC is required, e.g. --kernel debian:bookworm");
	if (cache_opt)
		cache = strdup(cache_opt);
	else if ((r = kl_default_cache_dir(&cache, err)) < 0)
		return r;
	struct kl_images *im = NULL;
	if ((r = kl_run_images_prepare(cache, spec, NULL, progress, NULL, &im, err)) < 0)
		return r;
	printf("kernel:          %s\n", im->spec);
	printf("release:         %s\n", im->release);
	if (im->package)
		printf("package:         %s\n", im->package);
	printf("id:              %s\n", im->id);
	printf("vmlinuz:         %s\n", im->vmlinuz);
	printf("system initrd:   %s\n", im->system_initrd);
	printf("capture initrd:  %s\n", im->capture_initrd);
	printf("modules:         %s\n", im->modules_dir);
	printf("config:          %s (kdump options present)\n", im->config);
	printf("capture modules:");
	for (char **m = im->capture_modules; m && *m; m++)
		printf(" %s", *m);
	printf("\n");
	if (im->crash_module)
		printf("crash module:    %s\n", im->crash_module);
	else
		printf("crash module:    unavailable: %s\n", im->crash_module_unavailable);
	kl_images_free(im);
	return 0;
}
