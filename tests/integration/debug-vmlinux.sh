#!/bin/sh
# debug-vmlinux.sh RELEASE VERSION [SUITE]: print the path of the debug vmlinux of Debian kernel
# RELEASE (uname -r) at package VERSION, from its linux-image-RELEASE-dbg package, fetched once
# with apt-get download into ${XDG_CACHE_HOME:-~/.cache}/kdumplab/debug/<package>/ (only the
# vmlinux is kept). SUITE selects kdumplab's private apt tree of that suite ($cache/apt/SUITE,
# made by any `kdumplab images --kernel debian:SUITE`); without it, or before that tree exists,
# the host's apt sources are used.
#
# Both package layouts: up to 6.x the file is usr/lib/debug/boot/vmlinux-RELEASE; from 7.x it is
# usr/lib/debug/lib/modules/RELEASE/vmlinux, and boot/vmlinux-RELEASE a symlink to it.
# Exit 77 (with the reason on stdout) when the package cannot be downloaded.
set -eu
release=$1
version=$2
suite=${3:-}
base=${XDG_CACHE_HOME:-$HOME/.cache}/kdumplab
pkg=linux-image-$release-dbg
cache=$base/debug/$pkg
old=$cache/usr/lib/debug/boot/vmlinux-$release
new=$cache/usr/lib/debug/lib/modules/$release/vmlinux

found() {
	if [ -f "$new" ] && [ -s "$new" ]; then echo "$new"; return 0; fi
	if [ -f "$old" ] && [ ! -L "$old" ] && [ -s "$old" ]; then echo "$old"; return 0; fi
	return 1
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
found && exit 0

set --
tree=$base/apt/$suite
if [ -n "$suite" ] && [ -f "$tree/sources.list" ]; then
	# The same -o options as images/debian.c's private apt tree.
	set -- -o "Dir::Etc::sourcelist=$tree/sources.list" \
		-o "Dir::Etc::sourceparts=$tree/sources.list.d" \
		-o "Dir::Etc::preferences=$tree/preferences" \
		-o "Dir::Etc::preferencesparts=$tree/preferences.d" \
		-o "Dir::State=$tree/state" -o "Dir::State::status=$tree/state/status" \
		-o "Dir::Cache=$tree/cache" -o "Dir::Cache::pkgcache=$tree/cache/pkgcache.bin" \
		-o "Dir::Cache::srcpkgcache=$tree/cache/srcpkgcache.bin"
	[ "$(id -u)" = 0 ] && set -- "$@" -o APT::Sandbox::User=root
fi
echo "fetching $pkg=$version into $cache" >&2
(cd "$cache" && rm -f ./*.deb && apt-get download -q "$@" "$pkg${version:+=$version}" >&2) || {
	echo "SKIP: apt-get download $pkg=$version failed: no debug vmlinux for $release"
	exit 77
}
# tar exits 2 for the pattern of the other layout ("Not found in archive"): whether the
# vmlinux came out is what decides.
dpkg-deb --fsys-tarfile "$cache"/*.deb |
	tar -x -C "$cache" --wildcards "./usr/lib/debug/boot/vmlinux-$release" \
		"./usr/lib/debug/lib/modules/$release/vmlinux" 2>/dev/null || true
rm -f "$cache"/*.deb
found || { echo "FAIL: $pkg has neither $old nor $new" >&2; exit 1; }
