#!/bin/sh
# real-dump.sh KDUMPLAB [KERNEL]: print the directory of a real dump cell (vmcore, facts.json,
# manifest) made by a real crash cycle of KERNEL (default debian:bookworm, sysrq, 1G, 192M).
# Tests that need a real dump share it: $KDUMPLAB_TEST_DUMPS/cells/<cell> when that run exists
# (e.g. the output of `kdumplab run scenarios/smoke.plan`), else a run cached under
# ${XDG_CACHE_HOME:-~/.cache}/kdumplab/test-dumps/, made once (one VM, about a minute).
# A failed crash cycle is an error (exit 1), not a reason to skip.
set -eu
kl=$1
kernel=${2:-debian:bookworm}
case $kernel in
debian:bookworm) cell=sysrq-1G-192M ;;
debian:trixie) cell=sysrq-trixie-1G-192M ;;
*) echo "real-dump.sh: unknown kernel $kernel" >&2; exit 2 ;;
esac
if [ -n "${KDUMPLAB_TEST_DUMPS:-}" ] && [ -s "$KDUMPLAB_TEST_DUMPS/cells/$cell/vmcore" ]; then
	echo "$KDUMPLAB_TEST_DUMPS/cells/$cell"
	exit 0
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kdumplab/test-dumps
dir=$cache/$cell
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$dir/cells/$cell/vmcore" ] || [ ! -s "$dir/cells/$cell/facts.json" ]; then
	rm -rf "$dir"
	plan=$(mktemp /tmp/kdumplab-real-dump.XXXXXX.plan)
	printf '[cell %s]\nkernel = %s\nscenario = sysrq\nvcpus = 2\nmemory = 1G\ncrashkernel = 192M\n' \
		"$cell" "$kernel" >"$plan"
	state=$(mktemp -d /tmp/kdumplab-real-dump-state.XXXXXX)
	if ! "$kl" run "$plan" --output "$dir" --state "$state" --quiet >&2 ||
	   [ ! -s "$dir/cells/$cell/vmcore" ]; then
		rm -rf "$plan" "$state" "$dir"
		echo "real-dump.sh: the crash cycle for $kernel did not produce a dump" >&2
		exit 1
	fi
	rm -rf "$plan" "$state"
fi
echo "$dir/cells/$cell"
