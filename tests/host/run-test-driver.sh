#!/bin/bash
# Host: the whole `kdumplab run` path against libvirt's test:///default driver (no QEMU): a
# synthetic local kernel, a domain that "runs" but never prints, so the cell must end
# fail/timeout(boot) at its (scaled) deadline, with reports written and exit status 1.
# usage: run-test-driver.sh KDUMPLAB
set -u
kl=$1
work=$(mktemp -d /tmp/kdumplab-testdrv.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "1..1"

# A synthetic bzImage (setup header with a version string) and a config with what kdump needs,
# built in, so no modules directory is needed.
python3 - "$work/vmlinuz" <<'PY'
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
cat >"$work/config-6.1.0-test" <<'CFG'
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

start=$(date +%s)
"$kl" run --connect test:///default --tcg --timeout-scale 0.05 --kernel "local:$work/vmlinuz" \
	--memory 1G --output "$work/out" --state "$work/state" --cache "$work/cache" --quiet \
	>"$work/stdout" 2>"$work/stderr"
rc=$?
took=$(($(date +%s) - start))
sed 's/^/# /' "$work/stdout" "$work/stderr"
python3 - "$work/out" "$rc" "$took" <<'PY'
import json, os, sys
out, rc, took = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
res = json.load(open(os.path.join(out, "results.json")))
c = res["cells"][0]
problems = []
if rc != 1:
    problems.append("exit status %d, expected 1" % rc)
if (c["verdict"], c["cause"], c["phase"]) != ("fail", "timeout(boot)", "boot"):
    problems.append("got %s/%s in %s, expected fail/timeout(boot) in boot" % (c["verdict"], c["cause"], c["phase"]))
if took > 30:
    problems.append("took %d s; the scaled boot deadline is 3 s" % took)
if not os.path.exists(os.path.join(out, "junit.xml")):
    problems.append("no junit.xml")
if not os.path.exists(os.path.join(out, "cells", c["id"], "cell.json")):
    problems.append("no journal entry")
print(("not ok 1 - " + "; ".join(problems)) if problems else "ok 1 - fail/timeout(boot) after %d s" % took)
sys.exit(1 if problems else 0)
PY
