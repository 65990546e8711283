#!/bin/sh
# Print the path of the debug vmlinux of the kernel a cell crashed (its facts.json: uname -r and
# the Debian version in uname -v), fetching linux-image-RELEASE-dbg (~300 MB) once with
# apt-get download into the kdumplab cache and keeping only its vmlinux. Exit 77 (with the
# reason on stderr) when the package cannot be fetched.
# usage: debug-vmlinux.sh FACTS_JSON
set -eu
read -r release version <<EOT
$(python3 -c '
import json, re, sys
l = json.load(open(sys.argv[1]))["loader"]
m = re.search(r"Debian (\S+)", l["uname_v"])
print(l["uname_r"], m.group(1) if m else "")' "$1")
EOT
pkg=linux-image-$release-dbg
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kdumplab/debug/$pkg
vmlinux=$cache/usr/lib/debug/boot/vmlinux-$release
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$vmlinux" ]; then
	echo "fetching $pkg=$version into $cache" >&2
	( cd "$cache" && rm -f ./*.deb && apt-get download -q "$pkg${version:+=$version}" >&2 ) ||
		{ echo "SKIP: apt-get download $pkg=$version failed: no debug vmlinux for $release" >&2; exit 77; }
	dpkg-deb --fsys-tarfile "$cache"/*.deb |
		tar -x -C "$cache" --wildcards "./usr/lib/debug/boot/vmlinux-*"
	rm -f "$cache"/*.deb
fi
flock -u 9
[ -s "$vmlinux" ] || { echo "FAIL: $vmlinux missing after extraction" >&2; exit 1; }
echo "$vmlinux"
