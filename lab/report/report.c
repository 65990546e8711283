/* SPDX-License-Identifier: MIT */
/* The table of report formats, and writing them all. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/fs.h"
#include "report.h"

const struct kl_report_format kl_report_formats[] = {
	{ .name = "json", .file = "results.json", .render = kl_report_render_json },
	{ .name = "junit", .file = "junit.xml", .render = kl_report_render_junit },
	{},
};

int kl_report_write(const char *dir, const struct kl_report *rep, struct kl_error **err)
{
	struct kl_report now = *rep;
	char when[32];

	if (!now.written) {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		now.written = when;
	}
	for (const struct kl_report_format *f = kl_report_formats; f->name; f++) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		int r = f->render(&now, &text, err);
		if (r < 0)
			return r;
		if (asprintf(&path, "%s/%s", dir, f->file) < 0)
			return kl_error_set(err, ENOMEM, "report");
		r = kl_write_file_atomic(path, text, strlen(text), 0644, err);
		if (r < 0)
			return r;
	}
	return 0;
}
