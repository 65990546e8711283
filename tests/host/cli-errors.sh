#!/bin/sh
# Host: bad input gets one clear error naming the value and what was expected, exit status 2,
# and nothing written (no output directory). usage: cli-errors.sh KDUMPLAB
set -u
kl=$1
work=$(mktemp -d /tmp/kdumplab-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
count=0

# expect_usage NAME NEEDLE ARGS...: exit 2, one stderr line containing NEEDLE, no $work/out.
expect_usage() {
	name=$1 needle=$2
	shift 2
	count=$((count + 1))
	"$kl" "$@" >"$work/stdout" 2>"$work/stderr"
	rc=$?
	# Progress lines ("images: ...") may precede it; the error itself is one "kdumplab" line.
	lines=$(grep -c "^kdumplab" "$work/stderr")
	if [ "$rc" -ne 2 ] || ! grep -qF -- "$needle" "$work/stderr" || [ "$lines" -ne 1 ] || [ -e "$work/out" ]; then
		echo "not ok - $name: rc=$rc lines=$lines (want 2, 1 line with '$needle'):"
		sed 's/^/#   /' "$work/stderr"
		failures=$((failures + 1))
	else
		echo "ok - $name"
		sed 's/^/#   /' "$work/stderr"
	fi
	rm -rf "$work/out"
}

printf '[cell a]\nmemroy = 1G\n' >"$work/typo.plan"
printf 'not a kernel' >"$work/vmlinuz"
# Hostile plans (issue 6): names that would be the output directory itself or a sibling's
# attempt directory, a scenario value that would add kernel parameters, a memory size that is
# not whole pages, a matrix whose ids would pass the file-name bound.
printf '[cell ..]\nmemory = 1G\n' >"$work/dotdot.plan"
printf '[cell .]\nmemory = 1G\n' >"$work/dot.plan"
printf '[cell a.attempt-1]\nmemory = 1G\n' >"$work/attempt.plan"
printf '[cell a]\nmemory = 1G\nscenario = sysrq init=/bin/sh\n' >"$work/inject.plan"
printf '[cell a]\nmemory = 1G\nfault = wrong-crash init=/bin/sh\n' >"$work/fault.plan"
printf '[cell a]\nmemory = 134217729B\n' >"$work/pages.plan"
long=$(printf '%060d' 0)
printf '[matrix m%s]\nkernel = local:/k/%s, local:/j/%s\ncrashkernel = 128M, 192M\nmemory = 1G\n' \
	"$long" "$long" "$long" >"$work/longid.plan"
common="--output $work/out --state $work/state --cache $work/cache"

expect_usage "unknown verb" '"frobnicate"' frobnicate
expect_usage "unknown option" '"--bogus"' run --bogus
expect_usage "memory 0" 'memory "0B"' run --memory 0 $common
expect_usage "memory unit" '"1X"' run --memory 1X $common
expect_usage "crashkernel >= memory" 'crashkernel "2G"' run --memory 1G --crashkernel 2G $common
expect_usage "plan typo" '"memroy"' run "$work/typo.plan" $common
expect_usage "missing plan" "$work/nope.plan" run "$work/nope.plan" $common
expect_usage "unknown kernel scheme" '"fedora:40"' run --kernel fedora:40 $common
expect_usage "unknown suite" '"debian:sid"' run --kernel debian:sid $common
expect_usage "missing local kernel" "$work/none/vmlinuz" run --kernel "local:$work/none/vmlinuz" $common
expect_usage "garbage local kernel" "$work/vmlinuz" run --kernel "local:$work/vmlinuz" $common
expect_usage "images without kernel" '--kernel' images --cache "$work/cache"
expect_usage "plan and options" 'both given' run "$work/typo.plan" --memory 1G $common
expect_usage "vcpus 0" '"0"' run --vcpus 0 $common
expect_usage "retries 6" '--retries "6"' run --retries 6 $common
expect_usage "capture-append control byte" 'byte 0x0a' run --capture-append "$(printf 'a\nb')" $common
expect_usage "cell named .." 'dotdot.plan:1' run "$work/dotdot.plan" $common
expect_usage "cell named ." '"."' run "$work/dot.plan" $common
expect_usage "cell named like an attempt" '".attempt-"' run "$work/attempt.plan" $common
expect_usage "scenario with kernel parameters" 'scenario "sysrq init=/bin/sh": the name has '"' '"' at 5' run "$work/inject.plan" $common
expect_usage "scenario parameter out of range" 'scenario "sysrq:cpu=7": cpu=7; expected a CPU from 0 to 1, or each' run --scenario sysrq:cpu=7 --vcpus 2 $common
expect_usage "scenario parameter unknown" 'nmi has no parameter "cpu"' run --scenario nmi:cpu=0 $common
expect_usage "unknown scenario option" 'unknown scenario "nope"; expected one of sysrq' run --scenario nope $common
expect_usage "fault with kernel parameters" 'unknown fault "wrong-crash init=/bin/sh"; expected one of trigger-noop, trigger-hang, capture-silent, saver-halfway, saver-no-marker, saver-corrupt, wrong-crash' run "$work/fault.plan" $common
expect_usage "unknown fault option" 'unknown fault "nope"; expected one of trigger-noop' run --fault nope $common
expect_usage "memory not whole pages" 'pages.plan:1' run "$work/pages.plan" $common
expect_usage "matrix id too long" 'longid.plan:1' run "$work/longid.plan" $common
# Cell keys as options (lab/plan/keys.c): the bounds a plan file gets, with the option's name.
expect_usage "expect not a verdict" 'expect "maybe"; expected "pass"' run --expect maybe $common
expect_usage "vcpus 65" '--vcpus "65": expected a number from 1 to 64' run --vcpus 65 $common
expect_usage "crashkernel not whole MiB" 'crashkernel "100K" is not a whole number of MiB' run --crashkernel 100K $common
expect_usage "memory too large" 'memory "2T" is too large; expected at most 1T' run --memory 2T $common
expect_usage "capture-append too long" 'capture_append is 300 bytes; expected 1 to 256' run --capture-append "$(printf '%0300d' 0)" $common
# Needs Debian's archive (the package lists), like every debian: kernel.
expect_usage "package that does not exist" 'linux-image-0.0.0-0-cloud-amd64-unsigned' run --kernel debian:bookworm:linux-image-0.0.0-0-cloud-amd64-unsigned $common

# Every plan key is a `kdumplab run` option (both come from one table): each key a plan error
# lists is in --help and accepted as --KEY (with - for _); --vcpus 0 then stops the run.
"$kl" run "$work/typo.plan" $common 2>"$work/keys.err"
keys=$(sed -n 's/.*expected one of //p' "$work/keys.err" | tr -d ',')
"$kl" run --help >"$work/help"
[ -n "$keys" ] || { echo "not ok - no key list in: $(cat "$work/keys.err")"; failures=$((failures + 1)); }
for k in $keys; do
	count=$((count + 1))
	opt=$(echo "$k" | tr _ -)
	"$kl" run "--$opt" "" --vcpus 0 $common >/dev/null 2>"$work/stderr"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "^  --$opt " "$work/help" && ! grep -q "unknown option" "$work/stderr"; then
		echo "ok - plan key $k is option --$opt"
	else
		echo "not ok - plan key $k: --$opt rc=$rc, in --help: $(grep -c -- "--$opt " "$work/help")"
		sed 's/^/#   /' "$work/stderr"
		failures=$((failures + 1))
	fi
	rm -rf "$work/out"
done

# A cell key's option must not take the name of a run option (getopt would silently give it to
# one of them): the synopsis, which lists both, names each option once.
count=$((count + 1))
dups=$(sed '/^$/q' "$work/help" | grep -oE -- '--[a-z][a-z-]*' | sort | uniq -d)
if [ -z "$dups" ]; then
	echo "ok - kdumplab run's synopsis names each option once"
else
	echo "not ok - options named twice in kdumplab run's synopsis: $dups"
	failures=$((failures + 1))
fi

echo "1..$count"
[ "$failures" -eq 0 ]
