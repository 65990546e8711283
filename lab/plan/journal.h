/* SPDX-License-Identifier: MIT */
/*
 * The journal: every finished cell leaves <out>/cells/<id>/cell.json (written atomically).
 * A rerun of the same plan into the same output directory skips cells whose cell.json
 * records the same parameters, so an interrupted run resumes where it stopped.
 */
#pragma once

#include <json-c/json.h>

#include "base/error.h"
#include "plan.h"

/* The stored result of spec in out_dir if it matches spec's parameters, the images booted
 * (kl_images.id: kernel build, initramfs, loader and saver) and the lab's version, else NULL. */
struct json_object *kl_journal_load(const char *out_dir, const struct kl_cell_spec *spec,
				    const char *images_id, const char *lab_version);
int kl_journal_store(const char *out_dir, const char *id, struct json_object *cell,
		     struct kl_error **err);
