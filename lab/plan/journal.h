/* SPDX-License-Identifier: MIT */
/*
 * The journal: every finished cell leaves <out>/cells/<id>/cell.json (written atomically), its
 * typed result as results.json lists it (result-json.c). A rerun of the same plan into the
 * same output directory skips cells whose cell.json records the same parameters, so an
 * interrupted run resumes where it stopped, with the stored result read back typed.
 */
#pragma once

#include "base/error.h"
#include "plan.h"
#include "result.h"

/* cell.json is ours, but a file on disk: larger than this is not resumed. */
#define KL_JOURNAL_MAX (16U << 20)

/* The stored result of spec in out_dir if it matches spec's parameters, the images booted
 * (kl_images.id: kernel build, initramfs, loader and saver) and the lab's version, and reads
 * back as a whole result; else NULL (the cell runs again). */
struct kl_cell_result *kl_journal_load(const char *out_dir, const struct kl_cell_spec *spec,
				       const char *images_id, const char *lab_version);
int kl_journal_store(const char *out_dir, const struct kl_cell_result *r, struct kl_error **err);
