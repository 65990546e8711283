#!/bin/sh
# Integration: the deep check (crash(8) with Debian's debug vmlinux) on a real 6.1 dump.
# It must open the dump and report the sysrq PANIC line and the panicking task's bt; on a
# truncated copy it must fail quoting crash's own words. The -dbg package (283 MB) is fetched
# once with apt-get download into the kdumplab cache; only its vmlinux is kept (debug-vmlinux.sh).
# usage: deep-crash.sh DEEP_CHECK KDUMPLAB SOURCE_ROOT
set -eu
deep=$1
kl=$2
src=$3

command -v crash >/dev/null || { echo "SKIP: crash(8) is not installed"; exit 77; }
cell=$("$src/tests/corrupt/real-dump.sh" "$kl" debian:bookworm)
dump=$cell/vmcore

# The kernel that crashed, from the loader's facts: uname -r and the Debian version in uname -v.
read -r release version <<EOT
$(python3 -c '
import json, re, sys
l = json.load(open(sys.argv[1]))["loader"]
m = re.search(r"Debian (\S+)", l["uname_v"])
print(l["uname_r"], m.group(1) if m else "")' "$cell/facts.json")
EOT
rc=0
vmlinux=$("$src/tests/integration/debug-vmlinux.sh" "$release" "$version" bookworm) || rc=$?
[ "$rc" = 77 ] && { echo "$vmlinux"; exit 77; }
[ "$rc" = 0 ] || { echo "FAIL: no debug vmlinux for $release"; exit 1; }

work=$(mktemp -d /tmp/kdumplab-deep.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "deep check of $dump"
rc=0
"$deep" "$dump" "$vmlinux" 600 >"$work/ok.json" || rc=$?
cat "$work/ok.json"
python3 - "$work/ok.json" "$rc" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def fail(m): print("FAIL:", m); sys.exit(1)
if sys.argv[2] != "0" or not r["ok"]: fail("deep check failed: %s" % r["error"])
if "sysrq" not in (r["panic"] or ""): fail("PANIC line %r does not mention sysrq" % r["panic"])
if not r["bt"] or not r["bt"].startswith("PID: "): fail("no bt of the panicking task: %r" % r["bt"])
if "sysrq_handle_crash" not in r["bt"]: fail("bt lacks sysrq_handle_crash: %r" % r["bt"])
print("ok: PANIC %r in %.1fs" % (r["panic"], r["seconds"]))
PY

# A copy cut inside the first PT_LOAD: crash reads the headers, then cannot read the
# per-CPU data it needs and gives up.
cp --sparse=always "$dump" "$work/trunc"
truncate -s 100M "$work/trunc"
rc=0
"$deep" "$work/trunc" "$vmlinux" 600 >"$work/trunc.json" || rc=$?
cat "$work/trunc.json"
python3 - "$work/trunc.json" "$rc" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def fail(m): print("FAIL:", m); sys.exit(1)
if sys.argv[2] != "1" or r["ok"]: fail("a truncated dump passed the deep check (exit %s)" % sys.argv[2])
e = r["error"] or ""
if "crash: " not in e and "WARNING: " not in e: fail("error does not quote crash: %r" % e)
print("ok: truncated copy rejected:", e.splitlines()[0])
PY

# The same through the CLI: `kdumplab validate --vmlinux` reports the deep check in its JSON
# and fails the dump when crash cannot open it.
rc=0
"$kl" validate "$dump" --facts "$cell/facts.json" --vmlinux "$vmlinux" --json >"$work/cli-ok.json" || rc=$?
rc2=0
"$kl" validate "$work/trunc" --vmlinux "$vmlinux" --json >"$work/cli-trunc.json" || rc2=$?
python3 - "$work/cli-ok.json" "$rc" "$work/cli-trunc.json" "$rc2" <<'PY'
import json, sys
def fail(m): print("FAIL:", m); sys.exit(1)
ok, trunc = json.load(open(sys.argv[1])), json.load(open(sys.argv[3]))
if sys.argv[2] != "0" or not ok.get("deep", {}).get("ok"):
    fail("kdumplab validate --vmlinux on the real dump: exit %s, deep %s" % (sys.argv[2], ok.get("deep")))
if "sysrq" not in ok["deep"]["panic"]: fail("CLI PANIC line %r" % ok["deep"]["panic"])
if sys.argv[4] != "1" or trunc.get("deep", {}).get("ok") is not False:
    fail("kdumplab validate --vmlinux on the truncated copy: exit %s, deep %s" % (sys.argv[4], trunc.get("deep")))
print("ok: kdumplab validate --vmlinux: PANIC %r; truncated copy exit 1, deep.ok false" % ok["deep"]["panic"])
PY
