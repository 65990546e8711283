#!/bin/sh
# Host: both programs dispatch through the one verb table (lab/cli/verbs.c). `kdumplab --help`
# lists every verb once with its synopsis; kdumplab runs validate itself and executes
# kdumplab-lab for run, images and doctor (a kdumplab copied away from kdumplab-lab still
# validates but cannot run those); kdumplab-lab runs the VM verbs and refuses validate.
# usage: cli-verbs.sh KDUMPLAB KDUMPLAB_LAB
set -u
kl=$1 lab=$2
work=$(mktemp -d /tmp/kdumplab-verbs.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0 failures=0

# point DESCRIPTION WANT_RC NEEDLE CMD...: exit status WANT_RC, NEEDLE in stdout+stderr.
point() {
	what=$1 want=$2 needle=$3
	shift 3
	"$@" >"$work/out" 2>&1
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ] && grep -qF -- "$needle" "$work/out"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what: rc=$rc (want $want), output (want '$needle'):"
		sed 's/^/#   /' "$work/out"
		failures=$((failures + 1))
	fi
}

"$kl" --help >"$work/help"
for verb in run images validate scenarios doctor; do
	n=$((n + 1))
	if [ "$(grep -c "^  $verb " "$work/help")" -eq 1 ] && grep -q "^            kdumplab $verb" "$work/help"; then
		echo "ok $n - --help lists $verb with its synopsis"
	else
		echo "not ok $n - --help lists $verb with its synopsis:"
		sed 's/^/#   /' "$work/help"
		failures=$((failures + 1))
	fi
done
for verb in run images validate scenarios doctor; do
	point "kdumplab $verb --help" 0 "kdumplab $verb" "$kl" $verb --help
done
point "kdumplab-lab runs run" 0 "kdumplab run" "$lab" run --help
point "kdumplab-lab runs images" 0 "kdumplab images" "$lab" images --help
point "kdumplab-lab runs doctor" 0 "kdumplab doctor" "$lab" doctor --help
point "kdumplab scenarios lists the catalogue" 0 "nmi                the host injects an NMI" "$kl" scenarios
point "kdumplab-lab refuses validate" 2 \
	'kdumplab-lab: unknown verb "validate"; expected one of run, images, scenarios, doctor' "$lab" validate x
point "unknown verb lists the table" 2 'expected one of run, images, validate, scenarios, doctor' "$kl" nope

# Alone, kdumplab has no kdumplab-lab next to it (and none installed, else this proves nothing).
cp "$kl" "$work/kdumplab"
if "$work/kdumplab" images --help 2>&1 | grep -q "lab program is neither"; then
	point "alone: validate runs in kdumplab" 0 "kdumplab validate" "$work/kdumplab" validate --help
	for verb in run images scenarios doctor; do
		point "alone: $verb needs kdumplab-lab" 1 "lab program is neither" "$work/kdumplab" $verb --help
	done
else
	echo "ok $((n + 1)) # SKIP a kdumplab-lab is installed: cannot run kdumplab without one"
	n=$((n + 1))
fi
echo "1..$n"
[ "$failures" -eq 0 ]
