#!/bin/sh
# Integration: scenarios/failures.plan — each cell must end with its own cause (load-failed,
# capture-oom, capture-panic, saver-failed), with the deciding console line, and nothing on stderr but the
# lab's own notices (an aborted libguestfs launch must not print). usage: failure-causes.sh KDUMPLAB SOURCE_ROOT
set -u
work=$(mktemp -d /tmp/kdumplab-fail.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$1" run "$2/scenarios/failures.plan" --jobs 2 --output "$work/out" --state "$work/state" --quiet \
	2>"$work/stderr"
rc=$?
python3 - "$work/out/results.json" <<'PY' || exit 1
import json, sys
cells = {c["id"]: c for c in json.load(open(sys.argv[1]))["cells"]}
want = {"reservation-too-small": ("load-failed", "EADDRNOTAVAIL"),
        "capture-oom": ("capture-oom", "oom-kill"),
        "capture-panic": ("capture-panic", "Kernel panic - not syncing: VFS: Unable to mount root fs"),
        "saver-no-disk": ("saver-failed", "step=find-disk errno=19 errname=ENODEV")}
for cid, (cause, line) in want.items():
    c = cells[cid]
    print(cid, c["verdict"], c["cause"], c["decisive_lines"][:1])
    assert (c["verdict"], c["cause"]) == ("fail", cause), (cid, c["verdict"], c["cause"])
    assert any(line in l for l in c["decisive_lines"]), (cid, c["decisive_lines"])
PY
[ $rc -eq 0 ] || { echo "FAIL: kdumplab run exited $rc, expected 0 (every cell as expected)"; exit 1; }
if grep -v -E '^(kdumplab: |accel: |images: |resuming: )' "$work/stderr"; then
	echo "FAIL: unexpected lines on stderr (above)"
	exit 1
fi
echo ok
