#!/bin/sh
# Run a test with KDUMPLAB_TEST_KERNEL/_MODULES pointing at the default kernel from the
# kdumplab cache (prepared here if needed), so it runs on any machine ci/setup prepared.
# usage: with-kernel.sh KDUMPLAB TEST [ARGS...]
kl=$1
shift
if [ -z "${KDUMPLAB_TEST_KERNEL:-}" ]; then
	info=$("$kl" images --kernel debian:bookworm 2>/dev/null) || {
		echo "1..0 # SKIP cannot prepare the debian:bookworm kernel (no access to Debian's archive?)"
		exit 77
	}
	KDUMPLAB_TEST_KERNEL=$(echo "$info" | sed -n 's/^vmlinuz: *//p')
	KDUMPLAB_TEST_MODULES=$(echo "$info" | sed -n 's/^modules: *//p')
	export KDUMPLAB_TEST_KERNEL KDUMPLAB_TEST_MODULES
fi
exec "$@"
