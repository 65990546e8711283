/* SPDX-License-Identifier: MIT */
/*
 * What killed labs leave behind, and the locks that tell a dead lab from a live one. kl_virt_reap()
 * (virt.h) removes the files and QEMUs of dead labs under a state directory; kl_pull_reap()
 * (pull.h) their libguestfs pull directories.
 */
#pragma once

#include <libvirt/libvirt.h>

#include "base/error.h"

/*
 * Take <state_dir>/lab-<pid>.lock for the rest of the process's life (once per state
 * directory), first removing disks a dead process with our pid left.
 */
int kl_state_dir_own(const char *state_dir, struct kl_error **err);
/* Destroy kdumplab-* domains on conn whose owner (on this host) is dead. Returns how many. */
int kl_reap_dead_domains(virConnectPtr conn);
