/* SPDX-License-Identifier: MIT */
/*
 * Process-wide libvirt setup: virInitialize(), errors reported through kl_error instead of
 * stderr, libvirt's own log sent to a file, and the event loop thread the embedded driver and
 * console streams need.
 */
#include <dlfcn.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "setup.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_init_result;
static char global_init_msg[256];
static char global_log_outputs[4096];

static void silent_error_func(void *opaque, virErrorPtr error)
{
	/* libvirt prints every error to stderr by default; we report them through kl_error. */
}

static void *event_loop_thread(void *arg)
{
	/* The embedded driver and console streams need a running event loop; it lives as long
	 * as the process (libvirt offers no way to unregister the default implementation). */
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			usleep(100 * 1000);
	return NULL;
}

static void global_init_once(void)
{
	/*
	 * libvirt's logger (separate from its error reporting) writes warnings and errors to
	 * stderr unless told otherwise, and only reads its outputs from the environment, once,
	 * in virInitialize(). A user's own LIBVIRT_LOG_OUTPUTS wins.
	 */
	bool ours = !getenv("LIBVIRT_LOG_OUTPUTS");
	if (ours)
		setenv("LIBVIRT_LOG_OUTPUTS", global_log_outputs, 1);
	if (virInitialize() < 0) {
		global_init_result = -EIO;
		snprintf(global_init_msg, sizeof(global_init_msg), "virInitialize() failed");
		return;
	}
	virSetErrorFunc(NULL, silent_error_func);
	/*
	 * libguestfs.so calls virInitialize() from a constructor, before main(), so libvirt has
	 * usually read its environment already. virLogSetFromEnv() (libvirt's private ABI, so
	 * looked up, never linked) makes it read our setting again; without it libvirt keeps
	 * logging warnings to stderr, which is noise, not breakage.
	 */
	int (*log_from_env)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "virLogSetFromEnv");
	if (ours && log_from_env)
		log_from_env();
	if (virEventRegisterDefaultImpl() < 0) {
		global_init_result = -EIO;
		snprintf(global_init_msg, sizeof(global_init_msg),
			 "cannot register libvirt's event loop: %s", virGetLastErrorMessage());
		return;
	}
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, event_loop_thread, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		global_init_result = -r;
		snprintf(global_init_msg, sizeof(global_init_msg),
			 "cannot start libvirt's event loop thread: %s", strerror(r));
	}
}

int kl_virt_global_init(const char *state_dir, struct kl_error **err)
{
	/* Read only by the first call's global_init_once(). */
	if (!global_log_outputs[0] && state_dir)
		snprintf(global_log_outputs, sizeof(global_log_outputs), "3:file:%s/libvirt.log",
			 state_dir);
	else if (!global_log_outputs[0])
		snprintf(global_log_outputs, sizeof(global_log_outputs), "4:file:/dev/null");
	pthread_once(&global_once, global_init_once);
	if (global_init_result < 0)
		return kl_error_set(err, -global_init_result, "%s", global_init_msg);
	return 0;
}
