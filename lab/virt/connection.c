/* SPDX-License-Identifier: MIT */
/*
 * Connections: open (with the leftovers of dead labs removed first), close (ending every domain
 * started through it), and a lost connection (libvirt's close callback or virConnectIsAlive).
 */
#include <libvirt/virterror.h>
#include <libxml/uri.h>
#include <pthread.h>
#include <string.h>

#include "base/fs.h"
#include "caps-cache.h"
#include "connection.h"
#include "embed-root.h"
#include "leftovers.h"
#include "pull.h"
#include "setup.h"
#include "virt-error.h"

struct kl_virt {
	virConnectPtr conn;
	char *uri;
	char *embed_root; /* set when we rooted the embedded driver ourselves */
	char *state_dir;
	bool caps_exported;
	bool local; /* the hypervisor runs on this host: pids can be found and killed */
	pthread_mutex_t lock;
	struct kl_virt_child *children; /* started through this connection and not yet ended */
	int lost;      /* set (atomically) by libvirt's close callback: the connection dropped */
	bool close_cb; /* the close callback is registered */
};

static bool path_is_uri_safe(const char *p)
{
	/* The root goes into a URI query unescaped and into QEMU command lines. */
	for (; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || strchr("/._-+", *p)))
			return false;
	return true;
}

static bool uri_is_local(const char *uri)
{
	xmlURIPtr u = xmlParseURI(uri);
	if (!u)
		return false;
	bool local = (!u->server || !*u->server) && u->scheme && !strchr(u->scheme, '+');
	xmlFreeURI(u);
	return local;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct kl_virt *v = opaque;
	__atomic_store_n(&v->lost, 1, __ATOMIC_SEQ_CST);
}

static void kl_virt_free(struct kl_virt *v)
{
	if (!v)
		return;
	if (v->conn && v->close_cb)
		virConnectUnregisterCloseCallback(v->conn, on_close);
	if (v->conn)
		virConnectClose(v->conn);
	if (v->embed_root)
		kl_embed_root_release();
	free(v->embed_root);
	free(v->state_dir);
	free(v->uri);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void kl_virt_freep(struct kl_virt **v)
{
	kl_virt_free(*v);
}

int kl_virt_open(const char *uri, const char *state_dir, struct kl_virt **ret,
		 struct kl_error **err)
{
	if (state_dir) {
		if (state_dir[0] != '/' || !path_is_uri_safe(state_dir))
			return kl_error_usage(
				err, EINVAL,
				"state directory \"%s\" must be an absolute path of [A-Za-z0-9/._+-]",
				state_dir);
		int r = kl_mkdir_p(state_dir, 0755, err);
		if (r < 0)
			return kl_error_wrap(err, "state directory");
	}
	int r = kl_virt_global_init(state_dir, err);
	if (r < 0)
		return r;
	/* What killed labs left: their QEMUs and roots, dump disks, pull directories. */
	if (state_dir) {
		kl_virt_reap(state_dir);
		r = kl_state_dir_own(state_dir, err);
		if (r < 0)
			return r;
	}
	kl_pull_reap();

	_cleanup_(kl_virt_freep) struct kl_virt *v = calloc(1, sizeof(*v));
	if (!v)
		return kl_error_set(err, ENOMEM, "kl_virt_open");
	pthread_mutex_init(&v->lock, NULL);

	if (!uri) {
		if (!state_dir || !*state_dir)
			return kl_error_usage(
				err, EINVAL,
				"the embedded QEMU driver needs a state directory, got none");
		v->state_dir = strdup(state_dir);
		if (!v->state_dir)
			return kl_error_set(err, ENOMEM, "kl_virt_open");
		r = kl_embed_root_acquire(state_dir, &v->embed_root, err);
		if (r < 0) {
			v->embed_root = NULL;
			return r;
		}
		kl_caps_import(state_dir, v->embed_root);
		r = kl_embed_write_config(v->embed_root, err);
		if (r < 0)
			return r;
		if (asprintf(&v->uri, "qemu:///embed?root=%s", v->embed_root) < 0)
			return kl_error_set(err, ENOMEM, "kl_virt_open");
	} else {
		v->uri = strdup(uri);
		if (!v->uri)
			return kl_error_set(err, ENOMEM, "kl_virt_open");
	}
	v->local = uri_is_local(v->uri);

	v->conn = virConnectOpen(v->uri);
	if (!v->conn)
		return kl_virt_error(err, "cannot connect to \"%s\"", v->uri);
	/* Remote drivers say when the connection drops; the others cannot drop (unsupported). */
	v->close_cb = virConnectRegisterCloseCallback(v->conn, on_close, v, NULL) == 0;
	virResetLastError();
	kl_reap_dead_domains(v->conn);
	*ret = TAKE_PTR(v);
	return 0;
}

static void child_unlink_locked(struct kl_virt *v, struct kl_virt_child *c)
{
	for (struct kl_virt_child **p = &v->children; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	c->next = NULL;
}

void kl_virt_child_add(struct kl_virt *v, struct kl_virt_child *c)
{
	pthread_mutex_lock(&v->lock);
	c->next = v->children;
	v->children = c;
	pthread_mutex_unlock(&v->lock);
}

void kl_virt_child_end(struct kl_virt *v, struct kl_virt_child *c)
{
	pthread_mutex_lock(&v->lock);
	c->end(c);
	child_unlink_locked(v, c);
	pthread_mutex_unlock(&v->lock);
}

void kl_virt_close(struct kl_virt *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	while (v->children) {
		struct kl_virt_child *c = v->children;
		c->end(c);
		child_unlink_locked(v, c);
	}
	pthread_mutex_unlock(&v->lock);
	kl_virt_free(v);
}

bool kl_virt_is_local(const struct kl_virt *v)
{
	return v->local;
}

const char *kl_virt_uri(const struct kl_virt *v)
{
	return v->uri;
}

bool kl_virt_is_embedded(const struct kl_virt *v)
{
	return v->embed_root != NULL;
}

virConnectPtr kl_virt_conn(const struct kl_virt *v)
{
	return v->conn;
}

const char *kl_virt_embed_root(const struct kl_virt *v)
{
	return v->embed_root;
}

void kl_virt_caps_export(struct kl_virt *v)
{
	if (!v->embed_root || v->caps_exported)
		return;
	v->caps_exported = true;
	kl_caps_export(v->embed_root, v->state_dir);
}

void kl_virt_mark_lost(struct kl_virt *v)
{
	__atomic_store_n(&v->lost, 1, __ATOMIC_SEQ_CST);
}

bool kl_virt_lost(struct kl_virt *v)
{
	if (__atomic_load_n(&v->lost, __ATOMIC_SEQ_CST))
		return true;
	/* Only remote drivers can lose their connection; IsAlive is 1 for the others. */
	int alive = virConnectIsAlive(v->conn);
	virResetLastError();
	return alive == 0;
}
