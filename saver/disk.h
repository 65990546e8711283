/* SPDX-License-Identifier: MIT */
/* Finding the dump disk by the serial the host gave it. */
#pragma once

#include <stddef.h>

/*
 * Scan /sys/block/<name>/serial (virtio-blk) and /sys/block/<name>/device/serial (NVMe, some
 * SCSI) once for serial. Returns 0 and the block device name (e.g. "vdb") in name, or -ENODEV
 * with what was seen ("vda:abc sda:-") in seen, for the error message.
 */
int saver_disk_scan(const char *serial, char *name, size_t name_size, char *seen, size_t seen_size);
