#!/bin/sh
# Integration: every dump format makedumpfile writes, made from real 6.1 and 6.12 dumps,
# validates (kl_vmcore_validate_any through the validate-any driver) and yields the same
# kernel log as `makedumpfile --dump-dmesg` on the raw dump; corrupted copies are rejected by
# the specific check id.
# usage: formats.sh VALIDATE_ANY KDUMPLAB SOURCE_ROOT
set -eu
va=$1
kl=$2
src=$3

command -v makedumpfile >/dev/null || { echo "SKIP: makedumpfile is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
work=$(mktemp -d /tmp/kdumplab-formats.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# Codecs of the installed makedumpfile (1.7.2 on Debian 12: zlib and lzo; -z without zstd
# silently writes uncompressed pages, so it is only tried where `makedumpfile -v` says so).
codecs="-c"
mv=$(makedumpfile -v 2>&1 || true)
echo "$mv" | grep -q "^lzo[[:space:]]*enabled" && codecs="$codecs -l"
echo "$mv" | grep -q "^snappy[[:space:]]*enabled" && codecs="$codecs -p"
echo "$mv" | grep -q "^zstd[[:space:]]*enabled" && codecs="$codecs -z"
echo "makedumpfile codecs: $codecs (plus no compression)"

# expect_valid FILE FACTS REF_DMESG WHAT
expect_valid() {
	rc=0
	"$va" "$1" "$2" >"$work/out" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		fail "$4: exit $rc, expected 0"
		grep -v "^passed" "$work/out" || true
		return
	fi
	fmt=$(sed -n 's/^passed *format.detect *//p' "$work/out")
	echo "ok: $4 valid ($(tail -1 "$work/out" | cut -d: -f2-); $fmt)"
	rc=0
	"$va" --dmesg "$1" >"$work/dmesg" 2>"$work/dmesg.err" || rc=$?
	if [ "$rc" != 0 ]; then
		fail "$4: --dmesg exit $rc: $(cat "$work/dmesg.err")"
	elif ! cmp -s "$work/dmesg" "$3"; then
		fail "$4: kernel log differs from makedumpfile --dump-dmesg of the raw dump"
		diff "$3" "$work/dmesg" | head -5
	fi
}

# expect_failed FILE FACTS ID WHAT
expect_failed() {
	rc=0
	"$va" "$1" "$2" >"$work/out" 2>&1 || rc=$?
	if [ "$rc" != 1 ]; then
		fail "$4: exit $rc, expected 1 (invalid)"
		cat "$work/out"
	elif ! grep -q "^failed  *$3 " "$work/out"; then
		fail "$4: $3 did not fail"
		grep -v "^passed" "$work/out"
	else
		echo "ok: $4 rejected: $(grep "^failed  *$3 " "$work/out" | head -1 | cut -c1-160)"
	fi
}

# corrupt IN OUT KIND: a copy of the kdump-compressed IN with one structure broken.
corrupt() {
	python3 - "$@" <<'PY'
import shutil, struct, sys
src, dst, kind = sys.argv[1:4]
shutil.copyfile(src, dst)
f = open(dst, "r+b")
h = f.read(464)
bs, shs, bb = struct.unpack_from("<iiI", h, 428)
bm1 = (1 + shs) * bs
bm2 = bm1 + bb // 2 * bs
desc = bm2 + bb // 2 * bs
f.seek(bs)
sub = f.read(104)
maxmapnr = struct.unpack_from("<Q", sub, 96)[0]
def put(off, fmt, *v):
    f.seek(off); f.write(struct.pack(fmt, *v))
def desc_of(i):
    f.seek(desc + 24 * i)
    return struct.unpack("<QIIQ", f.read(24))
if kind == "incomplete":
    put(424, "<I", struct.unpack_from("<I", h, 424)[0] | 8)
elif kind == "nr-cpus":
    put(460, "<i", struct.unpack_from("<i", h, 460)[0] + 1)
elif kind == "utsname":
    put(12 + 130, "<B", ord("9"))
elif kind == "bitmap-subset":
    f.seek(bm1); b1 = f.read(maxmapnr // 8)
    i = next(i for i, x in enumerate(b1) if x != 0xff)
    bit = next(k for k in range(8) if not (b1[i] >> k) & 1)
    f.seek(bm2 + i); x = f.read(1)[0]
    put(bm2 + i, "<B", x | (1 << bit))
elif kind == "desc-size":
    put(desc + 24 * 100 + 8, "<I", bs + 1)
elif kind == "page-data":
    i = next(i for i in range(100, 10000) if desc_of(i)[2] != 0)
    off, size, flags, _ = desc_of(i)
    f.seek(off); f.write(b"\xa5" * size)
elif kind == "truncate-descs":
    f.truncate(desc + 24 * 100 + 7)
elif kind == "osrelease":
    f.seek(0); data = f.read(64 << 10)
    at = data.index(b"OSRELEASE=") + len(b"OSRELEASE=")
    put(at, "<B", ord("9"))
else:
    sys.exit("unknown corruption " + kind)
PY
}

for kernel in debian:bookworm debian:trixie; do
	cell=$("$src/tests/corrupt/real-dump.sh" "$kl" "$kernel")
	dump=$cell/vmcore
	facts=$cell/facts.json
	echo "== $kernel: $dump"
	rm -f "$work/ref.dmesg" # makedumpfile never overwrites
	makedumpfile --dump-dmesg "$dump" "$work/ref.dmesg" >/dev/null 2>&1 ||
		{ fail "$kernel: makedumpfile --dump-dmesg failed"; continue; }
	expect_valid "$dump" "$facts" "$work/ref.dmesg" "$kernel raw /proc/vmcore copy"
	for level in 31 0; do
		for c in $codecs none; do
			opt=$c
			[ "$c" = none ] && opt=
			out=$work/kdump
			rm -f "$out"
			# shellcheck disable=SC2086 # $opt is one option or none
			makedumpfile $opt -d "$level" "$dump" "$out" >/dev/null 2>&1 ||
				{ fail "$kernel: makedumpfile $opt -d $level failed"; continue; }
			expect_valid "$out" "$facts" "$work/ref.dmesg" "$kernel makedumpfile ${opt:-(no compression)} -d $level"
			if [ "$level" = 31 ] && [ "$c" = -c ]; then
				cp "$out" "$work/c31"
			fi
		done
		rm -f "$work/elf"
		makedumpfile -E -d "$level" "$dump" "$work/elf" >/dev/null 2>&1 ||
			fail "$kernel: makedumpfile -E -d $level failed"
		expect_valid "$work/elf" "$facts" "$work/ref.dmesg" "$kernel makedumpfile -E -d $level"
		rm -f "$work/elf"
		makedumpfile -F -c -d "$level" "$dump" >"$work/flat" 2>/dev/null ||
			fail "$kernel: makedumpfile -F -c -d $level failed"
		expect_valid "$work/flat" "$facts" "$work/ref.dmesg" "$kernel makedumpfile -F -c -d $level"
		[ "$level" = 31 ] && cp "$work/flat" "$work/f31"
	done
	makedumpfile -F -E -d 31 "$dump" >"$work/flat" 2>/dev/null ||
		fail "$kernel: makedumpfile -F -E -d 31 failed"
	expect_valid "$work/flat" "$facts" "$work/ref.dmesg" "$kernel makedumpfile -F -E -d 31"
	rm -f "$work/flat"

	# Corrupted copies of the -c -d 31 output: each is rejected by its own check.
	for k in incomplete:kdump.incomplete nr-cpus:kdump.nr-cpus utsname:kdump.utsname \
		bitmap-subset:kdump.bitmap-subset desc-size:kdump.descs page-data:kdump.pages \
		truncate-descs:kdump.descs osrelease:vmcoreinfo.osrelease; do
		corrupt "$work/c31" "$work/bad" "${k%%:*}"
		expect_failed "$work/bad" "$facts" "${k#*:}" "$kernel -c -d 31 with ${k%%:*}"
	done
	size=$(stat -c %s "$work/f31")
	head -c $((size / 2)) "$work/f31" >"$work/bad"
	expect_failed "$work/bad" "$facts" flat.records "$kernel -F cut in half"
	printf 'not a dump at all' >"$work/bad"
	expect_failed "$work/bad" "$facts" format.detect "a text file"
	rm -f "$work/bad" "$work/c31" "$work/f31"
done

if [ "$failures" -gt 0 ]; then
	echo "$failures failures"
	exit 1
fi
echo "all formats valid, all corruptions rejected"
