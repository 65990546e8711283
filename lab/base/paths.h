/* SPDX-License-Identifier: MIT */
/* Where things are: default directories, the guest programs, the lab program. */
#pragma once

#include "error.h"

/* The directory holding the running executable. */
int kl_self_dir(char **ret, struct kl_error **err);
/* Default directories: $XDG_CACHE_HOME/kdumplab, $XDG_STATE_HOME/kdumplab. */
int kl_default_cache_dir(char **ret, struct kl_error **err);
int kl_default_state_dir(char **ret, struct kl_error **err);
/* Paths of the static guest programs (next to the CLI in a build tree, or installed). */
int kl_guest_binaries(char **ret_loader, char **ret_saver, struct kl_error **err);
/* The program that runs cells (kdumplab-lab: the verbs that need libvirt and libguestfs). */
int kl_lab_program(char **ret, struct kl_error **err);
