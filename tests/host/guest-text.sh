#!/bin/bash
# Host: guest text reaches results.json, junit.xml, facts.json and the terminal only as valid
# UTF-8 without control characters (docs/ARCHITECTURE.md, "Guest text"). Walks the guest
# fields through the real `kdumplab run` path against libvirt's test:///default driver: the
# domain never prints, so this test writes a console transcript into the cell's console file,
# which the lab tails as it would QEMU's. Each field gets every byte value (1..255 %XX-encoded
# in record values, 0..255 raw on console lines) and real escape sequences (OSC 52 clipboard
# write, CSI, 8-bit C1, C1 as UTF-8, bidi override).
#
#   transcript   guest fields it carries                                  verdict it ends in
#   loader       loader facts, module, error step/errname/detail; saver   error/loader-failed
#                facts, module, error (facts.json); junk before a record  (detail quotes step)
#   reservation  error detail                                             fail/no-reservation
#   saver        saver start, disk serial/dev, error step                 fail/saver-failed
#   raw          console lines of raw bytes (decisive tail lines)        fail/timeout(boot)
#
# and an error message that quotes guest bytes on stderr: `kdumplab validate --manifest` with
# the manifest a saver wrote, one line of every byte value and an OSC 52.
#
# usage: guest-text.sh KDUMPLAB
set -u
kl=$1
work=$(mktemp -d /tmp/kdumplab-guesttext.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait; rm -rf "$work"' EXIT
command -v xmllint >/dev/null || { echo "1..0 # SKIP xmllint (libxml2-utils) is not installed"; exit 77; }
echo "1..5"

python3 - "$work" <<'PY'
import sys
w = sys.argv[1]

ESC = [b"\x1b]52;c;aG9zdGlsZQ==\x07", b"\x1b]52;c;aG9zdGlsZQ==\x1b\\", b"\x9d52;c;eA==\x9c",
       b"\x1b[2J\x1b[H\x1b[31m", b"\x9b2J", b"\xc2\x9b2J", b"\xc2\x85", b"a\xe2\x80\xaecba",
       b"fail\rpass"]
raw = bytes(range(1, 256)) + b"".join(ESC)
H = "".join("%%%02X" % c for c in raw)  # one value carrying all of it
def rec(s):
    return s.replace("@", H).encode() + b"\n"
t = {}
t["loader"] = b"".join([
    rec("KDUMPLAB phase=start prog=loader version=@"),
    rec("KDUMPLAB phase=facts uname_r=@ uname_v=@ nodename=@ machine=@ cpus_list=@ boot_id=@"),
    rec("KDUMPLAB phase=module name=@ result=@"),
    rec("KDUMPLAB phase=trigger scenario=@ nonce=@"),
    bytes(range(0x80, 0x100)) + rec(" KDUMPLAB phase=error step=@ errno=1 errname=@ detail=@"),
    rec("KDUMPLAB phase=start prog=saver version=@"),
    rec("KDUMPLAB phase=disk serial=@ dev=@"),
    rec("KDUMPLAB phase=module name=@ result=@"),
    rec("KDUMPLAB phase=error step=@ errno=1 errname=@ detail=@"),
])
t["reservation"] = rec("KDUMPLAB phase=start prog=loader version=1") + \
    rec("KDUMPLAB phase=error step=reservation errno=1 errname=E detail=@")
t["saver"] = rec("KDUMPLAB phase=start prog=saver version=@") + \
    rec("KDUMPLAB phase=disk serial=@ dev=@") + \
    rec("KDUMPLAB phase=error step=@ errno=5 errname=EIO detail=@")
t["raw"] = b"".join([bytes(range(0, 10)) + bytes(range(11, 0x80)) + b"\n",
                     bytes(range(0x80, 0x100)) + b"\n",
                     b" ".join(ESC[:4]) + b"\n", b" ".join(ESC[4:]) + b"\n",
                     b"".join(bytes([0xc2, c]) for c in range(0x80, 0xa0)) + b"\n",
                     "kept: café € 💥 中文\n".encode()])
for k, v in t.items():
    open("%s/%s.transcript" % (w, k), "wb").write(v)
# What kl_text_safe makes of the %XX value: each byte of it alone is never valid UTF-8 (no
# two bytes of 0x80..0xff in a row form a sequence), so every byte but TAB and printable
# ASCII is an escape; the escape sequences' UTF-8 parts are C1 or bidi, escaped too.
safe = "".join(chr(c) if c == 9 or 0x20 <= c < 0x7f else "\\x%02x" % c for c in raw)
open(w + "/expected", "w").write(safe)
PY

"$(dirname "$0")/synthetic-kernel.sh" "$work"

# Build the images once, so the cells below start at once.
"$kl" images --kernel "local:$work/vmlinuz" --cache "$work/cache" >/dev/null 2>&1

# run_cell NAME: a cell whose console file gets NAME.transcript as soon as the domain starts.
run_cell() {
	local out=$work/$1
	"$kl" run --connect test:///default --tcg --timeout-scale 0.03 --retries 0 \
		--kernel "local:$work/vmlinuz" --memory 256M --output "$out" --state "$work/state-$1" \
		--cache "$work/cache" --quiet >"$out.stdout" 2>"$out.stderr" &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 600); do
		local f=$(ls "$out"/cells/*/console.log 2>/dev/null | head -1)
		if [ -n "$f" ]; then
			cat "$work/$1.transcript" >>"$f"
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
}

for t in loader reservation saver raw; do
	run_cell $t
done
wait

n=0
status=0
for t in loader reservation saver raw; do
	n=$((n + 1))
	xml=
	xmllint --noout "$work/$t/junit.xml" 2>"$work/xmllint.err" ||
		xml="xmllint: $(head -2 "$work/xmllint.err" | tr '\n' ' ')"
	python3 - "$work" "$t" "$n" "$xml" <<'PY' || status=1
import json, os, re, sys
work, t, n, xml = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
out = os.path.join(work, t)
safe = open(os.path.join(work, "expected")).read()
problems = [xml] if xml else []
# C0 but TAB, DEL, C1 (and LF/CR where the format itself has no line structure)
BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
BAD_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

def text(path, bad):
    try:
        s = open(path, "rb").read().decode("utf-8")  # strict
    except (OSError, UnicodeDecodeError) as e:
        problems.append("%s: %s" % (os.path.basename(path), e))
        return ""
    m = bad.search(s)
    if m:
        problems.append("%s: control character U+%04X" % (os.path.basename(path), ord(m.group())))
    return s

def strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)

def load_json(path):
    s = text(path, BAD_LINES)
    try:
        o = json.loads(s)
    except ValueError as e:
        problems.append("%s: %s" % (os.path.basename(path), e))
        return {}
    for v in strings(o):  # decoded: a \u001b escape would be ESC here
        m = BAD.search(v)
        if m:
            problems.append("%s: control character U+%04X in %r" %
                            (os.path.basename(path), ord(m.group()), v[:60]))
            break
    return o

res = load_json(os.path.join(out, "results.json"))
cells = res.get("cells") or [{}]
c = cells[0]
fp = (c.get("paths") or {}).get("facts")
facts = load_json(os.path.join(out, fp)) if fp else {}
if not fp:
    problems.append("no facts.json")
text(os.path.join(out, "junit.xml"), BAD_LINES)
term = text(out + ".stdout", BAD_LINES) + text(out + ".stderr", BAD_LINES)
got = "%s/%s" % (c.get("verdict"), c.get("cause"))
detail, decisive = c.get("detail") or "", c.get("decisive_lines") or []

def want(cond, what):
    if not cond:
        problems.append(what)

if t == "loader":
    want(got == "error/loader-failed", "got %s, expected error/loader-failed" % got)
    want(safe in detail, "detail does not quote the step as safe text: %r" % detail[:80])
    L, S = facts.get("loader", {}), facts.get("saver", {})
    for k in ("version", "uname_r", "uname_v", "nodename", "machine", "cpus_list", "boot_id",
              "trigger_scenario", "trigger_nonce"):
        want(L.get(k) == safe, "facts loader.%s is not the safe text" % k)
    for k in ("version", "disk_serial", "disk_dev"):
        want(S.get(k) == safe, "facts saver.%s is not the safe text" % k)
    for side in (L, S):
        for m in side.get("modules", [{}]):
            want(m.get("name") == safe and m.get("result") == safe, "module fact not safe")
        for e in side.get("errors", [{}]):
            want(e.get("step") == e.get("errname") == e.get("detail") == safe, "error fact not safe")
    want(decisive and decisive[0].startswith("\\x80\\x81"), "the decisive line lost its junk")
elif t == "reservation":
    want(got == "fail/no-reservation", "got %s, expected fail/no-reservation" % got)
    want(safe in detail, "detail does not quote the loader's detail as safe text")
elif t == "saver":
    want(got == "fail/saver-failed", "got %s, expected fail/saver-failed" % got)
    want(safe in detail, "detail does not quote the saver's step as safe text")
    want(facts.get("saver", {}).get("disk_serial") == safe, "facts saver.disk_serial not safe")
else:
    want(got == "fail/timeout(boot)", "got %s, expected fail/timeout(boot)" % got)
    joined = "\n".join(decisive)
    for s in ("\\x80\\x81", "\\xfe\\xff", "\\x9d52;c;eA==\\x9c", "\\xc2\\x9b2J",
              "a\\xe2\\x80\\xaecba", "kept: café € 💥 中文"):
        want(s in joined, "decisive lines lack %r" % s)
# The terminal shows the same text: the detail and decisive lines of an unexpected verdict.
want(detail[:40] in term, "the terminal does not show the detail")
print(("not ok %d - %s: " % (n, t) + "; ".join(problems)) if problems else
      "ok %d - %s: %s; results.json, facts.json, junit.xml, terminal are safe UTF-8" % (n, t, got))
sys.exit(1 if problems else 0)
PY
done
# 5: stderr. The manifest's bad line is quoted in the error; a hostile file name too.
python3 - "$work/manifest" <<'PY'
import sys
# the error quotes 80 bytes of the line: the escape sequences first, then bytes >= 0x80
open(sys.argv[1], "wb").write(b"\x1b]52;c;aG9zdGls\x07 \x01\x02\t\x1b[2J\x9b2J" +
                              bytes(range(0x80, 0x100)) + b"\n")
PY
"$kl" validate --manifest "$work/manifest" "$work/dump" >"$work/validate.stdout" 2>"$work/validate.stderr"
rc=$?
"$kl" validate "$(printf '%s/\033]52;c;eA==\007\377' "$work")" >>"$work/validate.stdout" 2>>"$work/validate.stderr"
rc2=$?
python3 - "$work" "$rc" "$rc2" <<'PY' || status=1
import re, sys
work, rc, rc2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
problems = []
if rc != 2 or rc2 != 2:
    problems.append("exit status %d and %d, expected 2" % (rc, rc2))
try:
    err = open(work + "/validate.stderr", "rb").read().decode("utf-8")
    m = re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", err)
    if m:
        problems.append("control character U+%04X on stderr" % ord(m.group()))
    for s in ("\\x1b]52;c;aG9zdGls\\x07", "\\x80\\x81", "\\x1b]52;c;eA==\\x07\\xff"):
        if s not in err:
            problems.append("stderr lacks %r" % s)
except UnicodeDecodeError as e:
    problems.append("stderr: %s" % e)
print(("not ok 5 - stderr: " + "; ".join(problems)) if problems else
      "ok 5 - stderr: a manifest line and a file name of guest bytes are printed as safe text")
sys.exit(1 if problems else 0)
PY

[ $status = 0 ] || for t in loader reservation saver raw; do sed "s/^/# $t: /" "$work/$t.stderr" | cat -v | head -5; done
exit $status
