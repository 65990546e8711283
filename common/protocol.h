/* SPDX-License-Identifier: MIT */
/*
 * The guest -> host protocol: one fact per console line.
 *
 *   KDUMPLAB phase=<phase> key=value key=value ...
 *
 * The line starts with KL_PROTO_PREFIX (the host also accepts it after junk, because
 * kernel messages can interleave on the serial console). Keys are [a-z0-9_]+.
 * Values are printable ASCII without spaces; any other byte and '%' are written as
 * %XX (two upper-case hex digits). Unknown keys are ignored by the host.
 *
 * Phases and keys (v1). Addresses are 0x-prefixed hex, sizes decimal bytes.
 *
 * loader (system kernel, /init of the system initramfs):
 *   start      prog=loader version=<KL_VERSION>
 *   facts      uname_r uname_v nodename machine cpus_online cpus_list page_size
 *              kexec_crash_size boot_id
 *   iomem      type=ram|crash start=0x.. end=0x..   (end inclusive, as /proc/iomem)
 *   kallsyms   _text _stext _end init_uts_ns prb     (0x.., missing when unreadable)
 *   module     name=<name> result=ok|<errno name>
 *   reservation base=0x.. size=N
 *   loaded     crash_loaded=1 cmdline=<capture kernel command line>
 *   trigger    scenario=<name> pid=N cpu=N nonce=<hex> time=<unix seconds>
 *   fault      name=<fault> prog=loader provokes=<outcome> detail=<text>  (fault.h)
 *   error      step=<step> errno=N errname=E... detail=<text>
 *   poweroff
 *
 * saver (capture kernel, /init of the capture initramfs):
 *   start      prog=saver version=<KL_VERSION> elfcorehdr=0x..
 *   module     name=<name> result=ok|<errno name>
 *   disk       serial=<serial> dev=/dev/<name>
 *   vmcore     size=N
 *   progress   bytes=N total=N
 *   note       step=<step> detail=<text>   (informational, e.g. no block map; not an error)
 *   saved      bytes=N allocated=N zero_pages=N data_pages=N hash=<16 hex> seconds=F
 *   fault      name=<fault> prog=saver provokes=<outcome> detail=<text>   (fault.h)
 *   done
 *   error      step=<step> errno=N errname=E... detail=<text>
 *   poweroff
 *
 * Kernel command line keys the host passes (first kernel; the loader copies every
 * kdumplab.* key to the capture command line):
 *   kdumplab.scenario=<name>  kdumplab.cpu=<n>  kdumplab.disk=<serial>
 *   kdumplab.capture_append=<%XX-encoded extra capture args>
 *   kdumplab.fault=<name>     (a fault the loader or saver commits on purpose: fault.h)
 *   kdumplab.saver_read=mmap|pread  (how the saver reads /proc/vmcore; default mmap,
 *                                    measured 2.6x faster under TCG)
 *
 * The dump disk (ext4, created by the host) after a successful save holds:
 *   vmcore       the raw ELF copy of /proc/vmcore, all-zero pages left as holes
 *   extents      "OFFSET LENGTH" lines, the dump's data runs (the host copies only these)
 *   blocks       "LOGICAL PHYSICAL LENGTH" lines: where vmcore's data lies on the disk (FIEMAP),
 *                so the host reads it straight from the image; absent when unmappable
 *   manifest     key=value lines (KL_MANIFEST_*), written after vmcore is fsynced
 *   DONE         completion marker, written after manifest is fsynced
 *
 * Manifest keys (v1, added with the saver; unknown keys are ignored by the host):
 *   size            bytes of vmcore on the dump disk (its st_size)
 *   allocated       st_blocks * 512 of vmcore (smaller than size: zero pages are holes)
 *   zero_pages      4096-byte pages of /proc/vmcore that were all zero (not written)
 *   data_pages      pages that were written (a final partial page counts as one)
 *   hash            16 lower-case hex digits: the page-hash sum (see kl_page_hash)
 *   read_seconds    time reading /proc/vmcore and scanning pages (total minus writing)
 *   write_seconds   time in pwrite, ftruncate and fsync of vmcore
 *   total_seconds   from opening /proc/vmcore to the renamed, fsynced vmcore
 *   vmcore_size     st_size of /proc/vmcore in the capture kernel
 *   kernel_release  uname -r of the capture kernel
 *   elfcorehdr      the elfcorehdr= value of the capture kernel's command line
 *   read_mode       mmap or pread: how /proc/vmcore was read
 *   saver_version   KL_VERSION of the saver
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define KL_PROTO_PREFIX	 "KDUMPLAB "
#define KL_PROTO_VERSION 1

#define KL_DUMP_FILE	       "vmcore"
#define KL_DUMP_FILE_TMP       "vmcore.incomplete"
#define KL_MANIFEST_FILE       "manifest"
#define KL_EXTENTS_FILE	       "extents" /* "OFFSET LENGTH" lines: where the dump has data */
#define KL_BLOCKS_FILE	       "blocks"	 /* "LOGICAL PHYSICAL LENGTH": vmcore's disk blocks */
#define KL_DONE_FILE	       "DONE"
#define KL_DEFAULT_DISK_SERIAL "kdumplab-dump"

/* Paths inside the system initramfs. */
#define KL_CAPTURE_KERNEL "/capture/vmlinuz"
#define KL_CAPTURE_INITRD "/capture/initrd.img"
#define KL_MODULES_LIST	  "/etc/kdumplab/modules" /* one .ko path per line, load order */
/* The modules scenarios load by name (NAME.ko, decompressed, flat). */
#define KL_SCENARIO_MODULES_DIR "/kdumplab/modules"
/* In that directory: "NAME DEP..." lines, the modules to load before NAME, in load order. */
#define KL_SCENARIO_MODULES_ORDER "order"

/*
 * Encode src (len bytes) for use as a value: returns the number of bytes written to dst
 * (excluding the NUL), or -1 when dst (size dstlen) is too small.
 */
int kl_value_encode(const char *src, size_t len, char *dst, size_t dstlen);
/* Decode %XX in place; returns the new length, or -1 on a malformed escape. */
int kl_value_decode(char *s);

/*
 * The page hash: sum (mod 2^64) over all pages that are not entirely zero of
 * kl_page_hash(page, page_offset_in_file). All-zero pages contribute nothing, so a sparse
 * copy can be hashed without reading its holes. Page size is fixed at 4096.
 */
#define KL_HASH_PAGE 4096
uint64_t kl_page_hash(const void *page, uint64_t offset);
/*
 * A final partial page (file size not a multiple of 4096) is hashed as if zero-padded to
 * 4096 bytes, at its offset.
 */

/* True when the 4096-byte page is all zero. */
int kl_page_is_zero(const void *page);

/* Manifest keys (see the header comment). */
#define KL_MANIFEST_SIZE	   "size"
#define KL_MANIFEST_ALLOCATED	   "allocated"
#define KL_MANIFEST_ZERO_PAGES	   "zero_pages"
#define KL_MANIFEST_DATA_PAGES	   "data_pages"
#define KL_MANIFEST_HASH	   "hash"
#define KL_MANIFEST_READ_SECONDS   "read_seconds"
#define KL_MANIFEST_WRITE_SECONDS  "write_seconds"
#define KL_MANIFEST_TOTAL_SECONDS  "total_seconds"
#define KL_MANIFEST_VMCORE_SIZE	   "vmcore_size"
#define KL_MANIFEST_KERNEL_RELEASE "kernel_release"
#define KL_MANIFEST_ELFCOREHDR	   "elfcorehdr"
#define KL_MANIFEST_READ_MODE	   "read_mode"
#define KL_MANIFEST_SAVER_VERSION  "saver_version"
#define KL_MANIFEST_EXTENTS	   "extents" /* number of lines in the extents file */
#define KL_MANIFEST_BLOCKS	   "blocks"  /* lines in the blocks file, 0 when not written */
