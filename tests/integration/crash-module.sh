#!/bin/sh
# Integration: the crash module is built at image time for debian:bookworm's kernel (Debian's
# linux-headers packages through apt, kbuild with the host's gcc-12), its vermagic is the
# kernel's release, the system initramfs carries it in /kdumplab/modules, and a second prepare
# downloads and builds nothing.
# usage: crash-module.sh KDUMPLAB
set -eu
kl=$1

command -v make >/dev/null || { echo "SKIP: make is not installed (ci/setup installs it)"; exit 77; }
command -v modinfo >/dev/null || { echo "SKIP: modinfo (kmod) is not installed"; exit 77; }
work=$(mktemp -d /tmp/kdumplab-crash-module.XXXXXX)
trap 'rm -rf "$work"' EXIT
cache=$work/cache
mkdir -p "$cache"
# The kernel itself and its apt lists come from the shared cache when it has them (hard links,
# read only here), so only the headers are downloaded and only the module is built.
shared=${XDG_CACHE_HOME:-$HOME/.cache}/kdumplab
for d in apt/bookworm kernels; do
	if [ -d "$shared/$d" ]; then
		mkdir -p "$cache/$(dirname $d)"
		cp -al "$shared/$d" "$cache/$d" 2>/dev/null || cp -a "$shared/$d" "$cache/$d"
	fi
done

if ! "$kl" images --kernel debian:bookworm --cache "$cache" >"$work/out1" 2>"$work/err1"; then
	if grep -q "cannot fetch the package lists" "$work/err1"; then
		echo "SKIP: the Debian archive is unreachable: $(tail -1 "$work/err1")"
		exit 77
	fi
	cat "$work/err1"
	echo "FAIL: kdumplab images failed"
	exit 1
fi
cat "$work/err1" "$work/out1"
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

ko=$(sed -n 's/^crash module: *//p' "$work/out1")
release=$(sed -n 's/^release: *//p' "$work/out1")
case $ko in
unavailable:*) fail "the crash module was not built: $ko" ;;
*.ko) [ -f "$ko" ] || fail "'$ko' does not exist" ;;
*) fail "no crash module line in the output" ;;
esac
grep -q "building the crash module" "$work/err1" || fail "the first prepare did not build the module"
if [ -f "$ko" ]; then
	vermagic=$(modinfo -F vermagic "$ko")
	case $vermagic in
	"$release "*) echo "ok: vermagic '$vermagic' starts with the release '$release'" ;;
	*) fail "vermagic '$vermagic' does not start with the release '$release'" ;;
	esac
	name=$(modinfo -F name "$ko")
	[ "$name" = kdumplab_crash ] || fail "module name '$name', expected kdumplab_crash"
	modinfo -F parm "$ko" | grep -q "^crash:" || fail "the module has no 'crash' parameter"
fi
sys=$(sed -n 's/^system initrd: *//p' "$work/out1")
mkdir "$work/sys"
(cd "$work/sys" && cpio --quiet -i -d -f dev/console <"$sys")
cmp "$work/sys/kdumplab/modules/kdumplab_crash.ko" "$ko" ||
	fail "the system initramfs does not carry the built module as /kdumplab/modules/kdumplab_crash.ko"

# Second prepare: same answer, nothing downloaded or built.
"$kl" images --kernel debian:bookworm --cache "$cache" >"$work/out2" 2>"$work/err2" ||
	fail "the second prepare failed: $(cat "$work/err2")"
if grep -E "downloading|building|creating|apt-get update" "$work/err2"; then
	fail "the second prepare did work (lines above)"
fi
cmp -s "$work/out1" "$work/out2" || fail "the second prepare answered differently"
[ "$failures" -eq 0 ] || exit 1
echo "ok: built once, cached, vermagic matches"
