#!/bin/sh
# Corrupt-dump test on a real dump of KERNEL (see corrupt.py), TAP output.
# usage: corrupt.sh KDUMPLAB SOURCE_ROOT KERNEL
set -eu
kl=$1
src=$2
kernel=$3
if ! cell=$("$src/tests/corrupt/real-dump.sh" "$kl" "$kernel"); then
	echo "Bail out! no real dump of $kernel (the crash cycle failed, see stderr)"
	exit 1
fi
exec python3 "$src/tests/corrupt/corrupt.py" "$kl" "$cell" --list
