#!/bin/sh
# A synthetic kernel for host tests that need no QEMU (libvirt's test:///default driver):
# DIR/vmlinuz, a bzImage setup header with a version string, and DIR/config-6.1.0-test with
# everything kdump needs built in, so no modules directory is needed.
# usage: synthetic-kernel.sh DIR
set -eu
python3 - "$1/vmlinuz" <<'PY'
import sys
b = bytearray(0x4000)
b[0x1fe:0x200] = b"\x55\xaa"
b[0x202:0x206] = b"HdrS"
b[0x206:0x208] = b"\x0f\x02"
b[0x20e:0x210] = b"\x00\x10"
v = b"6.1.0-test (kdumplab) #1 SMP"
b[0x1200:0x1200 + len(v)] = v
open(sys.argv[1], "wb").write(b)
PY
cat >"$1/config-6.1.0-test" <<'CFG'
CONFIG_X86_64=y
CONFIG_RELOCATABLE=y
CONFIG_KEXEC_FILE=y
CONFIG_CRASH_DUMP=y
CONFIG_PROC_VMCORE=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_MAGIC_SYSRQ=y
CONFIG_PRINTK=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_BINFMT_ELF=y
CONFIG_DEVTMPFS=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_EXT4_FS=y
CFG
