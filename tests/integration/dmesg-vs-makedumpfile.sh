#!/bin/sh
# Integration: the kernel log kdumplab reads out of real dumps (6.1 and 6.12) has exactly the
# message text of `makedumpfile --dump-dmesg` on the same files, prefixes aside; the same log
# comes out of makedumpfile's -c, -l, -E and -F conversions of them; and the crash checks pass
# with the run's facts. Prints both tools' times and their ratio.
#
# The dumps come from a fresh run of the two sysrq cells of the smoke plan, into a temp dir;
# KL_REUSE_RUN=DIR reuses the output directory of an earlier `kdumplab run` of smoke.plan.
# usage: dmesg-vs-makedumpfile.sh KDUMPLAB
set -eu
kl=$1
if ! command -v makedumpfile >/dev/null 2>&1; then
	echo "1..0 # SKIP makedumpfile is not installed"
	exit 77
fi
work=$(mktemp -d /tmp/kdumplab-dmesg.XXXXXX)
trap 'rm -rf "$work"' EXIT

out=${KL_REUSE_RUN:-}
if [ -z "$out" ] || [ ! -f "$out/results.json" ]; then
	out=$work/out
	cat >"$work/dmesg.plan" <<'EOF'
[defaults]
scenario = sysrq
vcpus = 2
memory = 1G
crashkernel = 192M

[cell sysrq-1G-192M]
kernel = debian:bookworm

[cell sysrq-trixie-1G-192M]
kernel = debian:trixie
EOF
	set +e
	"$kl" run "$work/dmesg.plan" --output "$out" --state "$work/state" --quiet
	echo "kdumplab run exited $?"
	set -e
fi

python3 - "$kl" "$out" "$work" <<'PY'
import json, os, re, subprocess, sys, time
kl, out, work = sys.argv[1:4]
res = json.load(open(os.path.join(out, "results.json")))
cells = {c["id"]: c for c in res["cells"]}

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

PREFIX = re.compile(r"^\[\s*\d+\.\d+\] (\[\s*[TC]\d+\] )?")

def messages(text):
    """Message text per line: the timestamp (and caller id) prefix removed, continuation
    lines' indentation (the prefix's width) removed."""
    msgs, width = [], 0
    for line in text.split("\n")[:-1]:
        m = PREFIX.match(line)
        if m:
            width = m.end()
            msgs.append(line[width:])
        elif line[:width].strip() == "":
            msgs.append(line[width:])
        else:
            msgs.append(line)
    return msgs

def best_of(n, fn):
    t = None
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        t = dt if t is None else min(t, dt)
    return t

seen = 0
for cid, release in (("sysrq-1G-192M", "6.1."), ("sysrq-trixie-1G-192M", "6.12.")):
    c = cells.get(cid) or fail("cell %s missing from %s" % (cid, out))
    if c["verdict"] != "pass":
        fail("%s: %s/%s: %s" % (cid, c["verdict"], c["cause"], c["detail"]))
    if not (c["release"] or "").startswith(release):
        fail("%s booted %s, expected %s*" % (cid, c["release"], release))
    dump = os.path.join(out, c["paths"]["dump"])
    facts = os.path.join(out, c["paths"]["facts"])

    ours = subprocess.run([kl, "validate", dump, "--dmesg"], capture_output=True, text=True,
                          errors="replace")
    if ours.returncode != 0:
        fail("%s: kdumplab validate --dmesg exited %d: %s" % (cid, ours.returncode, ours.stderr))
    n = [0]
    def mkd():
        n[0] += 1
        p = os.path.join(work, "%s-%d.txt" % (cid, n[0]))
        r = subprocess.run(["makedumpfile", "--dump-dmesg", dump, p], capture_output=True,
                           text=True)
        if r.returncode != 0:
            fail("%s: makedumpfile --dump-dmesg exited %d: %s" % (cid, r.returncode, r.stderr))
        return p
    theirs = open(mkd(), errors="replace").read()

    a, b = messages(ours.stdout), messages(theirs)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            fail("%s: line %d differs:\n  kdumplab:     %r\n  makedumpfile: %r" % (cid, i + 1, x, y))
    if len(a) != len(b):
        fail("%s: kdumplab printed %d lines, makedumpfile %d" % (cid, len(a), len(b)))
    if not any("Kernel panic - not syncing: sysrq triggered crash" in x for x in a):
        fail("%s: the panic is not in the log" % cid)

    t_ours = best_of(9, lambda: subprocess.run([kl, "validate", dump, "--dmesg"],
                                               stdout=subprocess.DEVNULL, check=True))
    t_mkd = best_of(9, mkd)
    # kdumplab links libvirt and libguestfs: its start-up alone is most of its time here.
    t_start = best_of(9, lambda: subprocess.run([kl, "--version"], stdout=subprocess.DEVNULL,
                                                check=True))
    print("%s (%s): %d lines identical (%s); kdumplab %.1f ms (%.1f ms without its %.1f ms start-up), makedumpfile %.1f ms; ratio %.2f (%.2f without start-up)"
          % (cid, c["release"], len(a), "byte-identical" if ours.stdout == theirs else
             "prefixes differ", t_ours * 1e3, (t_ours - t_start) * 1e3, t_start * 1e3,
             t_mkd * 1e3, t_ours / t_mkd, max(t_ours - t_start, 0) / t_mkd))

    # The same log out of makedumpfile's other formats (read through their own kl_mem).
    for opt in ("-c", "-l", "-E", "-F"):
        conv = os.path.join(work, "%s%s.dump" % (cid, opt))
        if opt == "-F":  # the flattened format goes to stdout
            with open(conv, "wb") as fo:
                r = subprocess.run(["makedumpfile", "-F", "-d", "31", dump], stdout=fo,
                                   stderr=subprocess.PIPE)
        else:
            r = subprocess.run(["makedumpfile", opt, "-d", "31", dump, conv],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            fail("%s: makedumpfile %s exited %d: %s" % (cid, opt, r.returncode, r.stderr[-300:]))
        o2 = subprocess.run([kl, "validate", conv, "--dmesg"], capture_output=True)
        if o2.returncode != 0 or o2.stdout.decode(errors="replace") != ours.stdout:
            fail("%s: the log read from makedumpfile %s output differs (exit %d): %s"
                 % (cid, opt, o2.returncode, o2.stderr[-300:]))
        os.unlink(conv)
        print("%s: makedumpfile %s -d 31 output gives the same log" % (cid, opt))

    v = subprocess.run([kl, "validate", dump, "--facts", facts, "--json"], capture_output=True,
                       text=True)
    j = json.loads(v.stdout)
    bad = [x for x in j["checks"] if x["status"] == "failed"]
    if v.returncode != 0 or bad:
        fail("%s: validate --facts: exit %d, failed %s" % (cid, v.returncode, bad))
    for cid2 in ("dmesg.parse", "crash.nonce", "crash.signature", "crash.uts", "crash.trigger-pid",
                 "crash.cpu-pid"):
        st = [x["status"] for x in j["checks"] if x["id"] == cid2]
        if st != ["passed"]:
            fail("%s: %s is %s" % (cid, cid2, st))
    seen += 1
print("ok: %d dumps" % seen)
PY
