/* SPDX-License-Identifier: MIT */
/*
 * Owners: which process started a domain. Every domain the lab starts carries a
 * <kdumplab:owner host= pid= starttime= boot_id=> metadata element (domain-xml.c writes it);
 * leftovers.c reads it back to find domains of dead labs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "virt.h"

/* This process as an owner (cached strings; never freed). */
const struct kl_domain_owner *kl_self_owner(void);
/* Whether owner (as read back from metadata) is a live process on this host. */
bool kl_owner_alive(const char *host, pid_t pid, uint64_t starttime, const char *boot_id);
/* The current boot id (cached), "" when unreadable. */
const char *kl_boot_id(void);

/* An owner element as read back from a domain's metadata. */
struct kl_owner_meta {
	char *host, *boot_id;
	pid_t pid;
	uint64_t starttime;
};
/* Parse the owner element xml (virDomainGetMetadata's text); -EINVAL without a host. */
int kl_owner_parse(const char *xml, struct kl_owner_meta *ret);
void kl_owner_meta_done(struct kl_owner_meta *m);
