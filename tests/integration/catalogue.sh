#!/bin/sh
# Integration: the scenario catalogue (scenarios/catalogue.plan) on a real kernel. Every cell
# must end as its plan expects; every passing cell's dump must hold the nonce and the scenario's
# signature (crash.nonce, crash.signature), with the PID checks the scenario's context allows
# (crash.trigger-pid for the trigger's own task, crash.cpu-pid always); with the kernel's debug
# vmlinux, crash(8)'s backtrace of the panicking task must name the scenario's function.
# Prints the catalogue's wall time and each cell's.
# usage: catalogue.sh KDUMPLAB SOURCE_ROOT
set -eu
kl=$1
src=$2
work=$(mktemp -d /tmp/kdumplab-catalogue.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Scenario module needs "your" module: the crash module built for the kernel, loaded with
# crash=bug, crashes in the trigger's own insmod.
ko=$("$kl" images --kernel debian:bookworm 2>/dev/null | sed -n 's/^crash module: *//p')
[ -f "$ko" ] || { echo "FAIL: no crash module for debian:bookworm: $ko"; exit 1; }
cp "$src/scenarios/catalogue.plan" "$work/catalogue.plan"
cat >>"$work/catalogue.plan" <<EOF
[cell module]
scenario = module:args=crash=bug
module = $ko
expect_panic = kernel BUG at kdumplab_crash.c
EOF

start=$(date +%s)
rc=0
"$kl" run "$work/catalogue.plan" --output "$work/run" --jobs 2 || rc=$?
end=$(date +%s)
echo "catalogue: exit $rc, $((end - start)) s wall"

# The scenarios where something other than the trigger's task panics (scenario.h).
other=$(grep -l 'KL_CONTEXT_OTHER,' "$src"/scenarios/*.c | xargs -n1 basename | sed 's/\.c$//')
python3 - "$work/run/results.json" $other <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = []
# Where the trigger's own task panics, its PID is on its CPU's NT_PRSTATUS.
other = set(sys.argv[2:])
for c in r["cells"]:
    name = c["scenario"].split(":")[0]
    print("%-16s %-22s %6.1fs  %s" % (c["id"], c["verdict"] + ("/" + c["cause"] if c["cause"] else ""),
                                     c["total_seconds"], c["detail"] or ""))
    if not c["expected"]:
        bad.append("%s: %s/%s, expected %s: %s" % (c["id"], c["verdict"], c["cause"], c["expect"], c["detail"]))
        continue
    if c["verdict"] != "pass":
        continue
    checks = {x["id"]: x for x in c["validation"]["checks"]}
    want = {"crash.nonce": "passed", "crash.signature": "passed", "crash.cpu-pid": "passed",
            "crash.trigger-pid": "skipped" if name in other else "passed"}
    for k, v in want.items():
        got = checks.get(k, {}).get("status")
        if got != v:
            bad.append("%s: %s is %s, expected %s: %s" % (c["id"], k, got, v, checks.get(k, {}).get("message")))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
[ "$rc" -eq 0 ] || { echo "FAIL: kdumplab run exited $rc"; exit 1; }

# The backtrace, where the debug vmlinux can be had (crash(8) installed, -dbg package fetched).
command -v crash >/dev/null || { echo "catalogue: no crash(8): backtraces not checked"; exit 0; }
first=$(ls -d "$work"/run/cells/*/ | head -1)
vrc=0
vmlinux=$("$src/tests/integration/debug-vmlinux.sh" --facts "$first/facts.json" bookworm) || vrc=$?
[ "$vrc" -eq 0 ] || { echo "catalogue: no debug vmlinux: backtraces not checked"; exit 0; }
fails=0
# Two at a time: crash(8) spends most of its ~10 s reading the vmlinux's DWARF.
for cell in "$work"/run/cells/*/; do
	[ -s "$cell/vmcore" ] && basename "$cell"
done | KL="$kl" W="$work" V="$vmlinux" xargs -P 2 -I{} sh -c \
	'"$KL" validate "$W/run/cells/{}/vmcore" --facts "$W/run/cells/{}/facts.json" \
		--vmlinux "$V" --json >"$W/{}.deep.json" 2>"$W/{}.deep.err" || true'
deep_end=$(date +%s)
echo "catalogue: backtraces checked in $((deep_end - end)) s"
for f in "$work"/*.deep.json; do
	python3 - "$f" <<'PY' || fails=$((fails + 1))
import json, os, sys
id = os.path.basename(sys.argv[1])[:-len(".deep.json")]
d = json.load(open(sys.argv[1])).get("deep") or {}
want = d.get("backtrace_expected")
if not d.get("ok"):
    print("FAIL: %s: crash could not open the dump: %s" % (id, d.get("error"))); sys.exit(1)
if want and not d.get("backtrace_found"):
    print("FAIL: %s: %s is not in the backtrace:\n%s" % (id, want, d.get("bt"))); sys.exit(1)
print("%-16s backtrace has %s (crash ran %.1f s)" % (id, want or "(no expectation)", d["seconds"]))
PY
done
[ "$fails" -eq 0 ] || exit 1
echo "catalogue: all cells as expected, signatures and backtraces found"
