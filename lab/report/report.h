/* SPDX-License-Identifier: MIT */
/*
 * Run reports: results.json (one object per cell) and junit.xml, both written atomically and
 * rebuilt after every cell, so an interrupted run always leaves consistent reports.
 */
#pragma once

#include <json-c/json.h>

#include "base/error.h"
#include "plan/result.h"

/* Write <dir>/results.json and <dir>/junit.xml for cells (a json array of cell objects). */
int kl_report_write(const char *dir, struct json_object *cells, struct kl_error **err);
/* JUnit XML text for cells (golden-tested). */
int kl_junit_render(struct json_object *cells, char **ret, struct kl_error **err);
