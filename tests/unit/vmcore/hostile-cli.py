#!/usr/bin/env python3
"""`kdumplab validate` on the hostile dumps of hostile_dumps.py (issue 6), TAP output.

usage: hostile-cli.py KDUMPLAB

Each input must give its exit status with its check failed, its --json output must be valid
UTF-8 that Python's json parses, and no string in it nor any line of the text output may hold
a control character (C0 but tab, DEL, C1). `--dmesg` on the VMCOREINFO with escape sequences
must print an escaped error line. Memory and time are bench/hostile-validate's business.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_dumps  # noqa: E402

kl = sys.argv[1]
BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
n = 0
failed = 0


def ok(cond, what, why=""):
    global n, failed
    n += 1
    print("%s %d - %s%s" % ("ok" if cond else "not ok", n, what, "" if cond else ": " + why))
    failed += not cond


def strings(j):
    if isinstance(j, str):
        yield j
    elif isinstance(j, dict):
        for k, v in j.items():
            yield k
            yield from strings(v)
    elif isinstance(j, list):
        for v in j:
            yield from strings(v)


def run(*args):
    p = subprocess.run([kl, "validate", *args], capture_output=True, timeout=300,
                       env=dict(os.environ, TMPDIR=tmp))
    return p.returncode, p.stdout, p.stderr


def clean_utf8(b):
    try:
        t = b.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, "not UTF-8 at byte %d" % e.start
    bad = [line for line in t.splitlines() if BAD.search(line)]
    return t, ("control character in %r" % bad[0]) if bad else None


with tempfile.TemporaryDirectory(prefix="hostile-cli-") as d:
    tmp = os.path.join(d, "tmp")
    os.mkdir(tmp)
    builders = [b for b in hostile_dumps.BUILDERS if b is not hostile_dumps.kdump_inflated]
    builders.append(lambda dd: hostile_dumps.kdump_inflated(dd, 1 << 16))
    builders.append(lambda dd: hostile_dumps.vmcoreinfo_claims(dd, bad_line=True))
    for build in builders:
        path, extra, want_exit, want_failed = build(d)
        name = os.path.basename(path)
        status, out, err = run(path, "--json", *extra)
        text, why = clean_utf8(out)
        ok(why is None, name + ": --json output is clean UTF-8", why or "")
        try:
            j = json.loads(text or "")
        except ValueError as e:
            j = None
            ok(False, name + ": Python's json parses it", str(e))
        else:
            ok(True, name + ": Python's json parses it")
        bad = [s for s in strings(j)
               if BAD.sub("", s.replace("\t", "")) != s.replace("\t", "")] if j else []
        ok(not bad, name + ": no control character in any JSON string", repr(bad[:1]))
        ok(status == want_exit, name + ": exit %d" % want_exit,
           "exit %d, stderr %r" % (status, err[-300:]))
        ids = {c["id"] for c in (j or {}).get("checks", []) if c["status"] == "failed"}
        ok(want_failed is None or want_failed in ids, name + ": %s failed" % want_failed,
           "failed: %s" % sorted(ids))
        status, out, err = run(path)
        ok(clean_utf8(out)[1] is None and clean_utf8(err)[1] is None,
           name + ": text output and stderr are clean", clean_utf8(out)[1] or "")
        # the temporary file of a flat reassembly is gone with the process
        ok(os.listdir(tmp) == [], name + ": nothing left in $TMPDIR", str(os.listdir(tmp)))
        os.unlink(path)
    # --dmesg prints the log raw, but its error line quotes VMCOREINFO: escaped
    path = hostile_dumps.vmcoreinfo_claims(d, bad_line=True)[0]
    status, out, err = run(path, "--dmesg")
    ok(status == 1 and clean_utf8(err)[1] is None and b"\\x1b]52" in err,
       "--dmesg error line quotes the bad line escaped", "exit %d, stderr %r" % (status, err))
print("1..%d" % n)
sys.exit(1 if failed else 0)
