/* SPDX-License-Identifier: MIT */
/*
 * watchdog: softdog loaded with soft_panic=1 and a 2 s margin; the trigger opens
 * /dev/watchdog, which starts the timer, and never feeds it. drivers/watchdog/softdog.c
 * softdog_fire() (an hrtimer callback) logs "softdog: Initiating panic" and calls
 * panic("Software Watchdog Timer expired").
 */
#include "scenario.h"

#ifdef KL_GUEST
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "guest-sys.h"
#include "guest-util.h"

static int trigger(const struct kl_trigger *t)
{
	char path[KL_PATH_MAX];
	(void)t;
	/* devtmpfs makes the node when softdog registers; give udev-less /dev a moment. */
	int fd = -1;
	for (int i = 0; i < 20 && fd < 0; i++) {
		fd = open(kl_path(path, sizeof(path), "/dev/watchdog"), O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			kl_sys.sleep_ms(100);
	}
	if (fd < 0)
		return -errno;
	kl_sys.sleep_ms(30000); /* never fed: the timer fires after soft_margin */
	close(fd);
	return 0;
}
#endif

const struct kl_scenario kl_scenario_watchdog = {
	.name = "watchdog",
	.description = "softdog with soft_panic=1 is opened and never fed",
	.trigger_text = "modprobe softdog soft_panic=1 soft_margin=2; exec 3>/dev/watchdog; sleep",
	.kconfig = (const char *const[]){ "CONFIG_SOFT_WATCHDOG=y|m", NULL },
	.module = "softdog",
	.module_params = "soft_panic=1 soft_margin=2",
	.expect =
		(const char *const[]){
			"softdog: Initiating panic",
			"Kernel panic - not syncing: Software Watchdog Timer expired", NULL },
	.context = KL_CONTEXT_OTHER,
	.proof =
		"softdog's hrtimer callback panics in interrupt context: the log's \"CPU: N PID: M\" line agrees with CPU N's NT_PRSTATUS",
	.backtrace = "softdog_fire",
	.trigger = KL_GUEST_FN(trigger),
};
