#!/bin/sh
# Integration: scenarios/faults.plan through the scheduler with two jobs. Each cell's guest
# program commits one fault (common/fault.c); each must end with the fault's cause, its decisive
# lines must name the fault (its KDUMPLAB phase=fault line) and hold the evidence that decided
# the cause, and nothing may reach stderr but the lab's own notices.
# usage: fault-causes.sh KDUMPLAB SOURCE_ROOT
set -u
work=$(mktemp -d /tmp/kdumplab-faults.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
"$1" run "$2/scenarios/faults.plan" --jobs 2 --output "$work/out" --state "$work/state" \
	--quiet 2>"$work/stderr"
rc=$?
echo "kdumplab run exited $rc after $(($(date +%s) - start)) s (wall)"
python3 - "$work/out" <<'PY' || exit 1
import json, os, sys
out = sys.argv[1]
cells = {c["id"]: c for c in json.load(open(os.path.join(out, "results.json")))["cells"]}
def log(c, key):
    return open(os.path.join(out, c["paths"][key]), errors="replace").read()
# cell: (verdict, cause, phase, the evidence that decided it)
want = {
    # the loader's error record is a decisive line
    "trigger-noop": ("fail", "trigger-failed", "trigger",
                     lambda c, d: any("step=trigger errno=125 errname=ECANCELED" in l for l in d)),
    # the last lines before the deadline: the trigger record, and no crash after it
    "trigger-hang": ("fail", "timeout(trigger)", "trigger",
                     lambda c, d: any("KDUMPLAB phase=trigger " in l for l in d)
                     and "Kernel panic" not in log(c, "system")),
    # the first kernel crashed (its log), and not one line of a capture kernel was seen
    "capture-silent": ("fail", "no-capture-boot", "trigger",
                       lambda c, d: "Kernel panic - not syncing: sysrq triggered crash"
                       in log(c, "system") and log(c, "capture") == ""),
    # the dump disk's listing: a partial dump, no manifest, no DONE
    "saver-halfway": ("fail", "dump-incomplete", "pull",
                      lambda c, d: any(l.endswith(" vmcore.incomplete") for l in d)
                      and not any(l.endswith((" DONE", " manifest", " vmcore")) for l in d)),
    # the listing: dump and manifest, no DONE
    "saver-no-marker": ("fail", "dump-incomplete", "pull",
                        lambda c, d: any(l.endswith(" manifest") for l in d)
                        and any(l.endswith(" vmcore") for l in d)
                        and not any(l.endswith(" DONE") for l in d)),
    # the failed check
    "saver-corrupt": ("fail", "dump-invalid", "validate",
                      lambda c, d: any(l.startswith("elf.header: ") and "e_phoff" in l for l in d)),
    "wrong-crash": ("fail", "wrong-crash", "validate",
                    lambda c, d: any(l.startswith("crash.") for l in d)),
}
bad = 0
for cid, (verdict, cause, phase, evidence) in want.items():
    c = cells[cid]
    lines = c["decisive_lines"]
    print(cid, c["verdict"], c["cause"], c["phase"], "%.0fs" % c["total_seconds"], c["detail"])
    for l in lines:
        print("   |", l)
    fault = [l for l in lines if "KDUMPLAB phase=fault name=%s prog=" % cid in l]
    others = [l for l in lines if l not in fault]
    ok = ((c["verdict"], c["cause"], c["phase"]) == (verdict, cause, phase) and c["expected"]
          and len(fault) == 1 and evidence(c, others))
    if not ok:
        print("FAIL: %s: expected %s/%s in phase %s, one decisive line naming the fault, and "
              "the evidence" % (cid, verdict, cause, phase))
        bad += 1
sys.exit(1 if bad else 0)
PY
[ $rc -eq 0 ] || { echo "FAIL: kdumplab run exited $rc, expected 0 (every cell as expected)"; exit 1; }
if grep -v -E '^(kdumplab: |accel: |images: |resuming: )' "$work/stderr"; then
	echo "FAIL: unexpected lines on stderr (above)"
	exit 1
fi
echo ok
