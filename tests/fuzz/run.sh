#!/bin/sh
# Fuzz the validator for a bounded time (CI): build fuzz-validate with clang, libFuzzer,
# ASan and UBSan in its own build directory, replay the known reproducers in crashes/, then
# fuzz from the seeds (real dump headers, see make-seeds.py) and print the total executions.
# Any crash, hang (> 5 s on one input), leak or allocation over the limits fails the test and
# leaves the reproducer in BUILD_DIR/artifacts/.
# usage: run.sh SOURCE_ROOT BUILD_DIR [SECONDS]   (SECONDS default: $KDUMPLAB_FUZZ_SECONDS or 60)
set -eu
src=$1
b=$2
secs=${3:-${KDUMPLAB_FUZZ_SECONDS:-60}}
here=$src/tests/fuzz

command -v clang >/dev/null || { echo "SKIP: clang is not installed (ci/setup installs it)"; exit 77; }
if [ ! -f "$b/build.ninja" ]; then
	# fuzzer-no-link instruments every object for coverage; the fuzz target adds the runtime.
	# clang counts vasprintf(fmt) in a _printf_ function as format-nonliteral; gcc does not.
	CC=clang CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -Wno-format-nonliteral" \
		meson setup "$b" "$src" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		>"$b.setup.log" 2>&1 || { cat "$b.setup.log"; exit 1; }
fi
ninja -C "$b" tests/fuzz/fuzz-validate >"$b.build.log" 2>&1 || { tail -40 "$b.build.log"; exit 1; }
fuzz=$b/tests/fuzz/fuzz-validate

# A smaller quarantine keeps ASan itself well under the RSS limit.
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:quarantine_size_mb=64
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
limits="-rss_limit_mb=512 -malloc_limit_mb=256 -timeout=5"

# Reproducers of bugs found before must stay fixed.
set -- "$here"/crashes/crash-* "$here"/crashes/timeout-* "$here"/crashes/leak-* \
	"$here"/crashes/oom-* "$here"/crashes/slow-unit-*
for f; do
	[ -f "$f" ] || continue
	echo "replaying $(basename "$f")"
	"$fuzz" $limits "$f" >"$b.replay.log" 2>&1 || {
		tail -40 "$b.replay.log"
		echo "FAIL: known reproducer $f fails again"
		exit 1
	}
done

rm -rf "$b/corpus" "$b/artifacts"
mkdir -p "$b/corpus" "$b/artifacts"
rc=0
"$fuzz" $limits -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$b/artifacts/" \
	"$b/corpus" "$here/seeds" >"$b.fuzz.log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b.fuzz.log" | tail -1)
echo "fuzz-validate: ${execs:-?} executions in ${secs} s, corpus $(ls "$b/corpus" | wc -l) inputs"
if [ "$rc" != 0 ]; then
	grep -E -A30 '^==[0-9]+==ERROR|runtime error|ALARM|out-of-memory|malloc limit' "$b.fuzz.log" | head -60
	echo "FAIL: libFuzzer exited $rc; reproducer(s):"
	ls "$b/artifacts"/* 2>/dev/null
	exit 1
fi
