/* SPDX-License-Identifier: MIT */
/*
 * A connection's internals for the other files of lab/virt/ (and tests): its libvirt handle,
 * its embedded root, and the domains started through it. The public half is in virt.h.
 */
#pragma once

#include <libvirt/libvirt.h>

#include "virt.h"

/* The libvirt connection under v. */
virConnectPtr kl_virt_conn(const struct kl_virt *v);
/* The embedded driver root kl_virt_open() set up, or NULL for any other URI. */
const char *kl_virt_embed_root(const struct kl_virt *v);
/* A domain started on v: share the embedded driver's QEMU capabilities cache (once). */
void kl_virt_caps_export(struct kl_virt *v);

/* Tests: behave as if libvirt had reported the connection closed (its close callback). */
void kl_virt_mark_lost(struct kl_virt *v);

/*
 * Something started through a connection that must end when the connection closes (vm.c: a
 * domain). Embedded in its owner's struct; linked to one connection at a time.
 */
struct kl_virt_child {
	struct kl_virt_child *next;
	/* End it (destroy the domain) and forget the connection. Called once, with the
	 * connection's lock held, by kl_virt_child_end() or kl_virt_close(). */
	void (*end)(struct kl_virt_child *c);
};
/* Link c to v: kl_virt_close(v) will end it unless kl_virt_child_end() did first. */
void kl_virt_child_add(struct kl_virt *v, struct kl_virt_child *c);
/* End c now (c->end under v's lock) and unlink it from v. */
void kl_virt_child_end(struct kl_virt *v, struct kl_virt_child *c);
