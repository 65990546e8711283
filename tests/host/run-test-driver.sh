#!/bin/bash
# Host: the whole `kdumplab run` path against libvirt's test:///default driver (no QEMU): a
# synthetic local kernel, a domain that "runs" but never prints, so the cell must end
# fail/timeout(boot) at its (scaled) deadline, with reports written and exit status 1. A first
# kernel that never reaches the loader is run again once by default (--retries 1), the first
# attempt's files kept in cells/<id>.attempt-1; --retries 0 runs it once.
# usage: run-test-driver.sh KDUMPLAB
set -u
kl=$1
work=$(mktemp -d /tmp/kdumplab-testdrv.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "1..3"

"$(dirname "$0")/synthetic-kernel.sh" "$work"

# run_cell OUT [OPTIONS...]: rc and seconds taken in $rc and $took
run_cell() {
	local out=$1
	shift
	local start=$(date +%s)
	"$kl" run --connect test:///default --tcg --timeout-scale 0.05 --kernel "local:$work/vmlinuz" \
		--memory 1G --output "$out" --state "$work/state" --cache "$work/cache" --quiet "$@" \
		>"$out.stdout" 2>"$out.stderr"
	rc=$?
	took=$(($(date +%s) - start))
	sed 's/^/# /' "$out.stdout" "$out.stderr"
}

check() {
	python3 - "$@" <<'PY'
import json, os, sys
n, out, rc, took, retries = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
res = json.load(open(os.path.join(out, "results.json")))
c = res["cells"][0]
problems = []
want_rc = 0 if c["expect"] == "fail/timeout(boot)" else 1
if rc != want_rc:
    problems.append("exit status %d, expected %d" % (rc, want_rc))
if (c["verdict"], c["cause"], c["phase"]) != ("fail", "timeout(boot)", "boot"):
    problems.append("got %s/%s in %s, expected fail/timeout(boot) in boot" % (c["verdict"], c["cause"], c["phase"]))
if took > 15 * (retries + 1):
    problems.append("took %d s for %d attempt(s); the scaled boot deadline is 3 s" % (took, retries + 1))
if not os.path.exists(os.path.join(out, "junit.xml")):
    problems.append("no junit.xml")
if not os.path.exists(os.path.join(out, "cells", c["id"], "cell.json")):
    problems.append("no journal entry")
if c.get("attempts") != retries + 1:
    problems.append("attempts %r, expected %d" % (c.get("attempts"), retries + 1))
earlier = c.get("earlier_attempts", [])
if len(earlier) != retries:
    problems.append("%d earlier attempts recorded, expected %d" % (len(earlier), retries))
for a in earlier:
    if a.get("ended") != "fail/timeout(boot)" or not a.get("dir") or \
            not os.path.exists(os.path.join(out, a["dir"], "console.log")):
        problems.append("earlier attempt %r: expected fail/timeout(boot) with its console.log kept" % a)
stdout = open(out + ".stdout").read()
if retries and "attempt 1 ended fail/timeout(boot)" not in stdout:
    problems.append("the report does not mention the first attempt")
print(("not ok %d - " % n + "; ".join(problems)) if problems else
      "ok %d - fail/timeout(boot) after %d attempt(s), %d s" % (n, retries + 1, took))
sys.exit(1 if problems else 0)
PY
}

status=0
run_cell "$work/out"
check 1 "$work/out" "$rc" "$took" 1 || status=1
# Run again with --retries 0 into the same output: the old attempt directory goes.
run_cell "$work/out" --retries 0 --rerun
check 2 "$work/out" "$rc" "$took" 0 || status=1
[ -e "$work/out/cells/$(ls "$work/out/cells" | head -1 | sed 's/\.attempt-.*//')".attempt-1 ] &&
	{ echo "# a stale attempt directory survived a rerun"; status=1; }
# A plan that expects the stall gets it at once: no retry.
run_cell "$work/out3" --expect 'fail/timeout(boot)'
check 3 "$work/out3" "$rc" "$took" 0 || status=1
exit $status
