#!/bin/sh
# Fuzz every parser of guest data for a bounded time (CI), or one for a long run by hand.
# Builds the fuzz-* targets with clang, libFuzzer, ASan and UBSan in their own build directory,
# replays each target's known reproducers (crashes/NAME/; fuzz-validate also the crashes/*-*
# files at the top), then fuzzes each target from seeds/NAME/ for SECONDS, JOBS targets at a
# time, and prints one line per target: executions, coverage (libFuzzer's cov: edges and ft:
# features), corpus size. Any crash, hang (> 5 s on one input), leak, RSS over 64 MiB or
# allocation over 64 MiB fails the test and leaves the reproducer in BUILD_DIR/artifacts/NAME/.
# usage: run.sh SOURCE_ROOT BUILD_DIR [SECONDS [NAME...]]
#   NAME: validate console facts manifest blockmap extents plan journal variant (default: all).
#   SECONDS: fuzzing time per target (or $KDUMPLAB_FUZZ_SECONDS). Without either (the host
#   test), the whole run, build and replays included, fits in $KDUMPLAB_FUZZ_BUDGET seconds of
#   wall time (default 85): what is left after the build is shared among the targets,
#   $KDUMPLAB_FUZZ_JOBS at a time (default 2), at least 5 s each.
#   A long run of one target by hand: tests/fuzz/run.sh . /tmp/fuzz-build 600 console
set -eu
src=$1
b=$2
secs=${3:-${KDUMPLAB_FUZZ_SECONDS:-}}
[ $# -gt 3 ] && shift 3 || set -- validate console facts manifest blockmap extents plan journal variant
jobs=${KDUMPLAB_FUZZ_JOBS:-2}
budget=${KDUMPLAB_FUZZ_BUDGET:-85}
here=$src/tests/fuzz

command -v clang >/dev/null || { echo "SKIP: clang is not installed (ci/setup installs it)"; exit 77; }
start=$(date +%s)
if [ ! -f "$b/build.ninja" ]; then
	# fuzzer-no-link instruments every object for coverage; the fuzz target adds the runtime.
	# clang counts vasprintf(fmt) in a _printf_ function as format-nonliteral; gcc does not.
	CC=clang CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -Wno-format-nonliteral" \
		meson setup "$b" "$src" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		>"$b.setup.log" 2>&1 || { cat "$b.setup.log"; exit 1; }
fi
targets=
for t; do targets="$targets tests/fuzz/fuzz-$t"; done
ninja -C "$b" $targets >"$b.build.log" 2>&1 || { tail -40 "$b.build.log"; exit 1; }

# ASan's own memory counts against the 64 MiB RSS limit: a 4 MiB quarantine (default 256)
# and 8-frame allocation stacks (default 30) keep its share small; see README "Fuzzing".
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:quarantine_size_mb=4:malloc_context_size=8
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
limits="-rss_limit_mb=64 -timeout=5"

# Reproducers of bugs found before must stay fixed.
for t; do
	set -f
	files="$here/crashes/$t/*"
	[ "$t" = validate ] && files="$files $here/crashes/crash-* $here/crashes/timeout-* $here/crashes/leak-* $here/crashes/oom-* $here/crashes/slow-unit-*"
	set +f
	for f in $files; do
		[ -f "$f" ] || continue
		echo "replaying fuzz-$t $(basename "$f")"
		"$b/tests/fuzz/fuzz-$t" $limits "$f" >"$b/replay.log" 2>&1 || {
			tail -40 "$b/replay.log"
			echo "FAIL: known reproducer $f fails again"
			exit 1
		}
	done
done

if [ -z "$secs" ]; then
	# rounds of JOBS targets; 3 s per round for libFuzzer's start, seed loading and exit
	rounds=$((($# + jobs - 1) / jobs))
	secs=$(((budget - ($(date +%s) - start)) / rounds - 3))
	[ "$secs" -ge 5 ] || secs=5
fi

fuzz_one() {
	t=$1
	rm -rf "$b/corpus/$t" "$b/artifacts/$t"
	mkdir -p "$b/corpus/$t" "$b/artifacts/$t"
	# console lines are cut at 8 KiB, manifest lines at 4 KiB and manifests at 64 KiB: let
	# inputs grow past those (libFuzzer's default is 4 KiB)
	extra=
	case $t in
	console | facts) extra=-max_len=32768 ;;
	manifest) extra=-max_len=69632 ;;
	esac
	rc=0
	"$b/tests/fuzz/fuzz-$t" $limits $extra -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$b/artifacts/$t/" "$b/corpus/$t" "$here/seeds/$t" \
		>"$b/$t.log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/$t.log" | tail -1)
	cov=$(grep -E '^#[0-9]+.*cov: ' "$b/$t.log" | tail -1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1 ft \2/p')
	peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$b/$t.log" | tail -1)
	echo "fuzz-$t: ${execs:-?} executions in $secs s, ${cov:-cov ?}, corpus $(ls "$b/corpus/$t" | wc -l) inputs, peak RSS ${peak:-?} MiB"
	if [ "$rc" != 0 ]; then
		grep -E -A30 '^==[0-9]+==ERROR|runtime error|ALARM|out-of-memory|malloc limit|deadly signal' "$b/$t.log" | head -60
		echo "FAIL: fuzz-$t: libFuzzer exited $rc; reproducer(s):"
		ls "$b/artifacts/$t"/* 2>/dev/null
		return 1
	fi
}

# JOBS targets at a time; each writes its own log, the summary lines come out in order.
fail=0
while [ $# -gt 0 ]; do
	pids=
	names=
	for i in $(seq "$jobs"); do
		[ $# -gt 0 ] || break
		fuzz_one "$1" >"$b/$1.summary" 2>&1 &
		pids="$pids $!"
		names="$names $1"
		shift
	done
	for p in $pids; do wait "$p" || fail=1; done
	for t in $names; do cat "$b/$t.summary"; done
done
echo "fuzz: done in $(($(date +%s) - start)) s wall"
exit $fail
