#!/bin/sh
# Host: `kdumplab` (validate, the CLI front) starts light. It must not link libvirt, libguestfs,
# libarchive, or the page codecs dlopen()ed on first use (lzo, snappy and the libstdc++ it
# brings, zstd): their loading would cost more than reading a kernel log (bench/validate), and
# the first three initialise at load time. usage: light-start.sh KDUMPLAB
kl=$1
command -v readelf >/dev/null || { echo "readelf is not installed (binutils)"; exit 77; }
needed=$(readelf -d "$kl" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
bad=$(echo "$needed" | grep -E '^lib(virt|guestfs|archive|lzo2|snappy|zstd|stdc\+\+)' || true)
if [ -n "$bad" ]; then
	echo "kdumplab links what it should load only when needed: $(echo $bad)"
	exit 1
fi
