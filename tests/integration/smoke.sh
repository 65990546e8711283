#!/bin/sh
# Integration: the shipped smoke plan on real VMs (libvirt embedded driver + QEMU TCG, real
# libguestfs, real dumps). The sysrq cell must pass with a validated dump; the crashkernel=0
# cell must end fail/no-reservation well within its deadline; no QEMU may be left behind.
# usage: smoke.sh KDUMPLAB SOURCE_ROOT
set -eu
kl=$1
src=$2
work=$(mktemp -d /tmp/kdumplab-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

set +e
"$kl" run "$src/scenarios/smoke.plan" --jobs 2 --output "$work/out" --state "$work/state" --quiet
rc=$?
set -e
echo "kdumplab run exited $rc"

python3 - "$work/out" <<'PY'
import json, os, sys
out = sys.argv[1]
res = json.load(open(os.path.join(out, "results.json")))
cells = {c["id"]: c for c in res["cells"]}
def fail(msg):
    print("FAIL:", msg); sys.exit(1)

def check_pass(cid, release_prefix):
    c = cells.get(cid) or fail("cell %s missing" % cid)
    print(cid, c["verdict"], c["cause"], c["release"], "%.1fs" % c["total_seconds"], c["seconds"])
    if c["verdict"] != "pass":
        fail("%s: %s/%s: %s %s" % (cid, c["verdict"], c["cause"], c["detail"], c["decisive_lines"]))
    if not (c["release"] or "").startswith(release_prefix):
        fail("%s booted %s, expected %s*" % (cid, c["release"], release_prefix))
    v = c["validation"] or fail("no validation")
    if not v.get("ok") or v.get("failed"):
        fail("%s: validation not ok" % cid)
    if c["dump_bytes"] < (700 << 20):
        fail("dump of %d bytes is too small for a 1G guest" % c["dump_bytes"])
    for k in ("console", "system", "capture", "dump", "manifest", "facts"):
        p = c["paths"][k]
        if not p or not os.path.exists(os.path.join(out, p)):
            fail("missing %s file %s" % (k, p))
    cap = open(os.path.join(out, c["paths"]["capture"]), errors="replace").read()
    if "KDUMPLAB phase=done" not in cap:
        fail("capture log lacks the saver's done line")
    sysl = open(os.path.join(out, c["paths"]["system"]), errors="replace").read()
    if "sysrq: Trigger a crash" not in sysl:
        fail("system log lacks the sysrq trigger")
    # The saver's block map was checked and used: the host read the dump from the disk image.
    pull = c["pull"]
    if pull["method"] != "blocks" or pull["block_map_rejected"]:
        fail("%s pulled by %s, expected blocks (rejected: %s)"
             % (cid, pull["method"], pull["block_map_rejected"]))
    if c.get("attempts", 1) != 1:
        print("%s: needed %d attempts: %s" % (cid, c["attempts"], c["earlier_attempts"]))

check_pass("sysrq-1G-192M", "6.1.")
check_pass("sysrq-trixie-1G-192M", "6.12.")

n = cells.get("no-reservation") or fail("no-reservation cell missing")
print("no-reservation cell:", n["verdict"], n["cause"], "%.1fs" % n["total_seconds"])
if (n["verdict"], n["cause"]) != ("fail", "no-reservation"):
    fail("expected fail/no-reservation, got %s/%s" % (n["verdict"], n["cause"]))
if not n["decisive_lines"] or "reservation" not in " ".join(n["decisive_lines"]):
    fail("no decisive console line for no-reservation: %s" % n["decisive_lines"])
if n["total_seconds"] > 60:
    fail("no-reservation took %.1fs; the loader reports it right after boot" % n["total_seconds"])
if res["summary"]["unexpected"] != 0:
    fail("unexpected cells: %s" % res["summary"])
if not os.path.exists(os.path.join(out, "junit.xml")):
    fail("junit.xml missing")
print("ok")
PY
[ "$rc" -eq 0 ] || { echo "FAIL: kdumplab run exited $rc, expected 0"; exit 1; }
if pgrep -f "kdumplab-.*$work" >/dev/null 2>&1; then
	echo "FAIL: QEMU processes left behind"; pgrep -af "$work"; exit 1
fi
