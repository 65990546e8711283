/* SPDX-License-Identifier: MIT */
/*
 * Owners: this process (host, pid, pid start time, boot id) as written into a domain's
 * <kdumplab:owner> metadata element, that element read back, and whether its process lives.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "owner.h"
#include "proc.h"

static char boot_id_buf[64];
static pthread_once_t boot_id_once = PTHREAD_ONCE_INIT;

static void boot_id_init(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && fgets(boot_id_buf, sizeof(boot_id_buf), f))
		boot_id_buf[strcspn(boot_id_buf, "\n")] = 0;
}

const char *kl_boot_id(void)
{
	pthread_once(&boot_id_once, boot_id_init);
	return boot_id_buf;
}

static struct kl_domain_owner self_owner;
static char self_host[256];
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static pid_t self_pid;

static void self_owner_init(void)
{
	if (gethostname(self_host, sizeof(self_host) - 1) < 0)
		snprintf(self_host, sizeof(self_host), "localhost");
	self_pid = getpid();
	self_owner = (struct kl_domain_owner){
		.host = self_host,
		.pid = self_pid,
		.starttime = kl_proc_starttime(self_pid),
		.boot_id = kl_boot_id(),
	};
}

const struct kl_domain_owner *kl_self_owner(void)
{
	pthread_once(&self_once, self_owner_init);
	/* After fork() the child is a different owner. */
	if (getpid() != self_pid) {
		self_pid = getpid();
		self_owner.pid = self_pid;
		self_owner.starttime = kl_proc_starttime(self_pid);
	}
	return &self_owner;
}

bool kl_owner_alive(const char *host, pid_t pid, uint64_t starttime, const char *boot_id)
{
	const struct kl_domain_owner *me = kl_self_owner();
	if (!host || !streq(host, me->host))
		return true; /* another host: we cannot tell, so never touch it */
	if (boot_id && *boot_id && *me->boot_id && !streq(boot_id, me->boot_id))
		return false;
	if (pid <= 0)
		return true;
	uint64_t st = kl_proc_starttime(pid);
	if (st == 0 || kl_proc_gone(pid))
		return false;
	return starttime == 0 || st == starttime;
}

void kl_owner_meta_done(struct kl_owner_meta *m)
{
	free(m->host);
	free(m->boot_id);
}

int kl_owner_parse(const char *xml, struct kl_owner_meta *ret)
{
	xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "owner.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EINVAL;
	xmlNodePtr n = xmlDocGetRootElement(doc);
	struct kl_owner_meta m = {};
	xmlChar *pid = n ? xmlGetProp(n, BAD_CAST "pid") : NULL;
	xmlChar *st = n ? xmlGetProp(n, BAD_CAST "starttime") : NULL;
	m.host = n ? (char *)xmlGetProp(n, BAD_CAST "host") : NULL;
	m.boot_id = n ? (char *)xmlGetProp(n, BAD_CAST "boot_id") : NULL;
	m.pid = pid ? (pid_t)strtol((char *)pid, NULL, 10) : 0;
	m.starttime = st ? strtoull((char *)st, NULL, 10) : 0;
	xmlFree(pid);
	xmlFree(st);
	xmlFreeDoc(doc);
	if (!m.host) {
		kl_owner_meta_done(&m);
		return -EINVAL;
	}
	*ret = m;
	return 0;
}
