#!/bin/bash
# Integration: nothing outlives the lab. (1) SIGINT during a cell: the lab destroys its domain,
# writes its reports with verdict error/interrupted and exits 130; a rerun into the same output
# runs the interrupted cell again. (2) SIGKILL while the capture kernel saves: the embedded
# driver's QEMU outlives the lab (libvirt 9 refuses AUTODESTROY there), and the dump disk, the
# pull's directory (kdumplab-pull.<pid>.*) and its partial vmcore stay; the next lab start must
# remove every one of them.
# usage: interrupt.sh KDUMPLAB
set -u
kl=$1
work=$(mktemp -d /tmp/kdumplab-int.XXXXXX)
trap 'pkill -9 -f "$work" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
qemus() { pgrep -f "qemu-system.*$work" | wc -l; }

# wait_for FILE PATTERN SECONDS
wait_for() {
	for _ in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

args=(run --memory 1G --crashkernel 192M --output "$work/out" --state "$work/state")

# (1) SIGINT while the guest boots.
"$kl" "${args[@]}" >"$work/run1.out" 2>"$work/run1.err" &
pid=$!
wait_for "$work/run1.err" "\] load" 120 || fail "the cell never started booting: $(cat "$work/run1.err")"
sleep 0.2
[ "$(qemus)" -ge 1 ] || fail "no QEMU running during boot"
t0=$(date +%s.%N)
kill -INT $pid
wait $pid
rc=$?
t1=$(date +%s.%N)
echo "SIGINT: exit $rc after $(echo "$t1 - $t0" | bc) s"
[ $rc -eq 130 ] || fail "exit status $rc after SIGINT, expected 130"
[ "$(qemus)" -eq 0 ] || fail "QEMU left running after SIGINT"
python3 - "$work/out/results.json" <<'PY' || exit 1
import json, sys
c = json.load(open(sys.argv[1]))["cells"][0]
assert (c["verdict"], c["cause"]) == ("error", "interrupted"), (c["verdict"], c["cause"])
print("interrupted cell recorded in phase", c["phase"])
PY
[ ! -e "$work/out/cells/sysrq-1G-192M-2c/cell.json" ] || fail "an interrupted cell was journaled"

# (1b) SIGINT while the capture kernel saves: the guest and the libguestfs appliance that is
# already booting for the pull (its QEMU names the output file) both go.
"$kl" "${args[@]}" --rerun >"$work/run1b.out" 2>"$work/run1b.err" &
pid=$!
wait_for "$work/run1b.err" "\] save" 120 || fail "the cell never reached save: $(cat "$work/run1b.err")"
[ "$(qemus)" -ge 2 ] || fail "expected the guest and the appliance running during save, found $(qemus) QEMU"
t0=$(date +%s.%N)
kill -INT $pid
wait $pid
rc=$?
echo "SIGINT in save: exit $rc after $(echo "$(date +%s.%N) - $t0" | bc) s"
[ $rc -eq 130 ] || fail "exit status $rc after SIGINT in save, expected 130"
[ "$(qemus)" -eq 0 ] || fail "QEMU left running after SIGINT in save: $(pgrep -af "qemu-system.*$work")"
for d in /tmp/kdumplab-pull.*; do
	[ -d "$d" ] && pgrep -f "$d" >/dev/null && fail "an appliance of $d still runs"
done

# (2) SIGKILL while the capture kernel saves: the domain survives the lab ...
"$kl" "${args[@]}" --rerun >"$work/run2.out" 2>"$work/run2.err" &
pid=$!
wait_for "$work/run2.err" "\] save" 120 || fail "second run never reached save: $(cat "$work/run2.err")"
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.2
n=$(qemus)
disks=$(ls "$work/state/disks/"*"-$pid.img" 2>/dev/null | wc -l)
pulls=$(ls -d "${TMPDIR:-/tmp}/kdumplab-pull.$pid."* 2>/dev/null | wc -l)
echo "after SIGKILL: $n QEMU process(es), $disks dump disk(s), $pulls pull dir(s) left by the killed lab"
[ "$disks" -ge 1 ] && [ "$pulls" -ge 1 ] || fail "expected the killed lab's disk and pull dir to be there"
[ -e "$work/out/cells/sysrq-1G-192M-2c/vmcore" ] || fail "expected the killed lab's partial vmcore"
# ... and the next lab start removes them. It writes to another output directory, so the
# killed lab's cell directory (which a rerun there would empty anyway) is left to the reaper.
"$kl" run --memory 1G --crashkernel 192M --output "$work/out3" --state "$work/state" \
	>"$work/run3.out" 2>"$work/run3.err"
rc=$?
cat "$work/run3.out"
[ "$(qemus)" -eq 0 ] || fail "QEMU of the killed lab still running after the next start"
ls "$work/state/disks/"*"-$pid.img" 2>/dev/null && fail "the killed lab's dump disk is still there"
ls -d "${TMPDIR:-/tmp}/kdumplab-pull.$pid."* 2>/dev/null && fail "the killed lab's pull dir is still there"
[ -e "$work/out/cells/sysrq-1G-192M-2c/vmcore" ] && fail "the killed lab's partial vmcore is still there"
pgrep -f "kdumplab-pull.$pid." >/dev/null && fail "an appliance of the killed lab still runs"
[ $rc -eq 0 ] || fail "the next run exited $rc: $(tail -5 "$work/run3.err")"
echo ok
