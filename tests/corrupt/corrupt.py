#!/usr/bin/env python3
"""Corrupt-dump test (TAP): every corruption of a real dump is rejected with a specific check.

usage: corrupt.py KDUMPLAB CELL_DIR [--list]

CELL_DIR holds a real raw ELF dump (vmcore), the loader's facts.json and the saver's manifest.
The unmodified dump must pass (with facts and manifest). Then a sparse copy is corrupted one way
at a time: truncations at every structural boundary (ELF header, program header table, note
segment start/middle/end, each PT_LOAD's start/middle/end) and bit flips in the ELF header,
program headers, note headers, VMCOREINFO text and the memory the log checks read. Each must
make `kdumplab validate --json --facts` exit 1 with the expected check among the failed ones.
The same is done to kdump-compressed copies made with `makedumpfile -c -d 31`: truncations at the header,
sub-header, notes, bitmaps, descriptors and page data, and flips in the header, sub-header,
bitmaps, page descriptors and compressed pages; and the dump's `makedumpfile -l`, `-E` and
`-F` conversions must pass.
The expected ids are the table below; --list prints what each case fails as well. A CRASHTIME
outside the run's window is a warning (invariant W: clocks drift), so that case expects exit 0
with the warning.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

kl, cell = sys.argv[1], sys.argv[2]
listing = "--list" in sys.argv
dump = os.path.join(cell, "vmcore")
facts = os.path.join(cell, "facts.json")
manifest = os.path.join(cell, "manifest")
PAGE = 4096


def validate(path, *extra):
    cmd = [kl, "validate", path, "--json", "--facts", facts, *extra]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    err = p.stderr.decode(errors="replace").strip()
    try:
        out = p.stdout.decode()  # strict: reports must stay valid UTF-8 whatever the dump holds
    except UnicodeDecodeError as e:
        out = p.stdout.decode(errors="replace")
        err = ("JSON output is not valid UTF-8 at byte %d: %r (a message quotes dump bytes "
               "unescaped)" % (e.start, p.stdout[max(e.start - 60, 0):e.start + 8])) + err
        return 99, None, err
    try:
        j = json.loads(out)
    except ValueError:
        j = None
    return p.returncode, j, err


# ---- the dump's layout ----
with open(dump, "rb") as f:
    ehdr = f.read(64)
    phoff, = struct.unpack_from("<Q", ehdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
    f.seek(phoff)
    ph = [struct.unpack_from("<IIQQQQQQ", f.read(phentsize)) for _ in range(phnum)]
    size = os.fstat(f.fileno()).st_size
    note = next(p for p in ph if p[0] == 4)
    n_off, n_len = note[2], note[5]
    f.seek(n_off)
    nbuf = f.read(n_len)

loads = [(i, p) for i, p in enumerate(ph) if p[0] == 1]
PH = lambda i, field: phoff + i * phentsize + {"type": 0, "flags": 4, "offset": 8, "vaddr": 16,
                                                "paddr": 24, "filesz": 32, "memsz": 40,
                                                "align": 48}[field]

# notes: (file offset of header, namesz, descsz, type, name, desc offset)
notes = []
o = 0
while o + 12 <= len(nbuf):
    namesz, descsz, ntype = struct.unpack_from("<III", nbuf, o)
    name = nbuf[o + 12:o + 12 + namesz].rstrip(b"\0").decode(errors="replace")
    desc = o + 12 + (namesz + 3) // 4 * 4
    notes.append((n_off + o, namesz, descsz, ntype, name, n_off + desc))
    o = desc + (descsz + 3) // 4 * 4
prstatus = [n for n in notes if n[4] == "CORE" and n[3] == 1]
vmci = next(n for n in notes if n[4] == "VMCOREINFO")
with open(dump, "rb") as f:
    f.seek(vmci[5])
    vtext = f.read(vmci[2])


def vmci_value_at(key):
    """File offset of the first byte of key's value in VMCOREINFO."""
    i = vtext.index(b"\n" + key.encode() + b"=") + 1 if not vtext.startswith(key.encode() + b"=") else 0
    return vmci[5] + i + len(key) + 1


def vaddr_to_offset(va):
    for _, p in loads:
        if p[3] <= va < p[3] + p[5]:
            return p[2] + va - p[3]
    return None


# ---- cases: (name, kind, argument, expected check id) ----
# kind "trunc": the file cut to argument bytes; "write": bytes written at an offset;
# "xor": one byte at an offset XORed with a mask; "u64"/"u32"/"u16": a field set to a value.
cases = []
T = lambda name, at, want: cases.append((name, "trunc", at, want))
X = lambda name, at, mask, want: cases.append((name, "xor", (at, mask), want))
U = lambda name, width, arg, want: cases.append((name, width, arg, want))
W = lambda name, at, data, want: cases.append((name, "write", (at, data), want))

# truncations at every structural boundary
T("trunc-empty", 0, "format.detect")  # nothing to detect
T("trunc-ident", 8, "elf.ident")
T("trunc-ehdr-middle", 40, "elf.ident")
T("trunc-ehdr-end", 64, "phdr.count")
T("trunc-phdrs-middle", phoff + phentsize * phnum // 2, "phdr.count")
T("trunc-phdrs-end", phoff + phentsize * phnum, "phdr.note-bounds")
T("trunc-note-start", n_off, "phdr.note-bounds")
T("trunc-note-middle", n_off + n_len // 2, "phdr.note-bounds")
T("trunc-note-end", n_off + n_len, "phdr.load-bounds")
for k, (i, p) in enumerate(loads):
    T("trunc-load%d-start" % k, p[2], "phdr.load-bounds")
    T("trunc-load%d-middle" % k, p[2] + p[5] // 2 // PAGE * PAGE, "phdr.load-bounds")
    T("trunc-load%d-last-page" % k, p[2] + p[5] - PAGE, "phdr.load-bounds")
cases.append(("grown-one-page", "grow", PAGE, "phdr.file-size"))

# ELF header
X("ehdr-class", 4, 0x03, "elf.ident")        # ELFCLASS64 -> ELFCLASS32 / none
X("ehdr-data", 5, 0x03, "elf.ident")         # little-endian -> big-endian
X("ehdr-ident-version", 6, 0x02, "elf.ident")
X("ehdr-magic", 1, 0x20, "format.detect")  # no longer an ELF file
U("ehdr-type", "u16", (16, 2), "elf.type")              # ET_EXEC
U("ehdr-machine", "u16", (18, 3), "elf.machine")        # EM_386
U("ehdr-version", "u32", (20, 2), "elf.header")
U("ehdr-phoff", "u64", (32, phoff + 8), "elf.header")
U("ehdr-ehsize", "u16", (52, 52), "elf.header")
U("ehdr-phentsize", "u16", (54, 32), "elf.header")
U("ehdr-phnum-zero", "u16", (56, 0), "phdr.count")
U("ehdr-phnum-one", "u16", (56, 1), "phdr.count")
U("ehdr-phnum-huge", "u16", (56, 0xfffe), "phdr.types")  # reads data pages as headers
X("ehdr-flags-incomplete", 48, 0x01, "elf.flags")

# program headers
ni = ph.index(note)
U("phdr-note-type-load", "u32", (PH(ni, "type"), 1), "phdr.note-first")
U("phdr-note-offset-past-eof", "u64", (PH(ni, "offset"), size + PAGE), "phdr.note-bounds")
U("phdr-note-filesz-huge", "u64", (PH(ni, "filesz"), 1 << 40), "phdr.note-bounds")
U("phdr-note-filesz-short", "u64", (PH(ni, "filesz"), n_len - 16), "notes.parse")
i0, p0 = loads[0]
iN, pN = loads[-1]
U("phdr-load0-type-note", "u32", (PH(i0, "type"), 4), "phdr.note-first")
U("phdr-load0-type-unknown", "u32", (PH(i0, "type"), 0x1234), "phdr.types")
U("phdr-load0-offset-unaligned", "u64", (PH(i0, "offset"), p0[2] + 8), "phdr.load-align")
U("phdr-loadN-offset-past-eof", "u64", (PH(iN, "offset"), size), "phdr.load-bounds")
U("phdr-loadN-filesz-grown", "u64", (PH(iN, "filesz"), pN[5] + PAGE), "phdr.load-bounds")
U("phdr-load0-memsz", "u64", (PH(i0, "memsz"), p0[6] + PAGE), "phdr.load-filesz")
U("phdr-load1-offset-overlap", "u64", (PH(loads[1][0], "offset"), p0[2]), "phdr.load-order")
X("phdr-load0-vaddr-bit", PH(i0, "vaddr") + 3, 0x10, "load.kernel-text")
X("phdr-loadN-paddr-bit", PH(iN, "paddr") + 3, 0x01, "load.ram")

# note headers
pr0 = prstatus[0]
U("note-prstatus-namesz", "u32", (pr0[0], 200), "notes.parse")
U("note-prstatus-descsz-huge", "u32", (pr0[0] + 4, 0x7ffffff0), "notes.parse")
U("note-prstatus-descsz-small", "u32", (pr0[0] + 4, 328), "notes.parse")  # stream misaligned
U("note-prstatus-type", "u32", (pr0[0] + 8, 2), "notes.prstatus-count")
X("note-prstatus-name", pr0[0] + 12, 0x20, "notes.prstatus-count")   # "CORE" -> "cORE"
X("note-vmcoreinfo-name", vmci[0] + 12, 0x20, "notes.vmcoreinfo")
U("note-vmcoreinfo-type", "u32", (vmci[0] + 8, 1), "notes.vmcoreinfo")
U("note-vmcoreinfo-descsz-huge", "u32", (vmci[0] + 4, 0x10000), "notes.parse")
U("note-vmcoreinfo-descsz-zero", "u32", (vmci[0] + 4, 0), "notes.parse")

# VMCOREINFO text
X("vmci-osrelease", vmci_value_at("OSRELEASE"), 0x01, "vmcoreinfo.osrelease")
W("vmci-pagesize", vmci_value_at("PAGESIZE"), b"8192", "vmcoreinfo.pagesize")
W("vmci-crashtime-letter", vmci_value_at("CRASHTIME"), b"x", "vmcoreinfo.crashtime")
W("vmci-crashtime-year-later", vmci_value_at("CRASHTIME"), b"2", "vmcoreinfo.crashtime-window")
W("vmci-nul-byte", vmci[5] + vmci[2] // 2, b"\0", "vmcoreinfo.parse")
# "PAGESIZE=4096 SYMBOL(init_uts_ns)=..." is still a well-formed line; its value is not
W("vmci-newline-lost", vmci_value_at("PAGESIZE") + 4, b" ", "vmcoreinfo.pagesize")
W("vmci-build-id-upper", vmci_value_at("BUILD-ID"), b"G", "vmcoreinfo.build-id")
X("vmci-symbol-prb", vmci_value_at("SYMBOL(prb)") + 12, 0x01, "vmcoreinfo.symbols")
X("vmci-symbol-init-uts-ns", vmci_value_at("SYMBOL(init_uts_ns)") + 13, 0x01, "vmcoreinfo.symbols")
W("vmci-key-lost", vmci_value_at("SYMBOL(swapper_pg_dir)") - 3, b"X", "vmcoreinfo.keys")

# memory the checks read: the trigger's PID in NT_PRSTATUS, the uts name, the log's nonce
facts_j = json.load(open(facts))["loader"]
cpu = facts_j.get("trigger_cpu", 0)
if cpu < len(prstatus):
    X("mem-prstatus-pid", prstatus[cpu][5] + 32, 0x40, "crash.trigger-pid")
uts = vaddr_to_offset(int(facts_j["sym_init_uts_ns"], 16))
if uts is not None:
    with open(dump, "rb") as f:
        f.seek(uts)
        blob = f.read(4096)
    rel = facts_j["uname_r"].encode()
    if rel in blob:
        X("mem-uts-release", uts + blob.index(rel), 0x01, "crash.uts")
        # bytes that are not text: the check must say so without breaking the report
        W("mem-uts-release-binary", uts + blob.index(rel), b"\xe0\x98\xff\x10", "crash.uts")
nonce = facts_j.get("trigger_nonce", "").encode()


def find_all_in_loads(needle, most=64):
    """File offsets of needle's occurrences in the PT_LOADs' data (at most `most`)."""
    found = []
    with open(dump, "rb") as f:
        for _, p in loads:
            pos = p[2]
            while pos < p[2] + p[5] and len(found) < most:
                f.seek(pos)
                chunk = f.read(min(4 << 20, p[2] + p[5] - pos))
                k = chunk.find(needle)
                while k >= 0 and len(found) < most:
                    found.append(pos + k)
                    k = chunk.find(needle, k + 1)
                if len(chunk) <= len(needle):
                    break
                pos += len(chunk) - len(needle) + 1
    return sorted(set(found))


# The nonce text is in the printk ring and may also be in other memory (the loader's buffer,
# the /dev/kmsg write path): corrupt every copy, so the ring's is surely among them.
if nonce:
    ats = find_all_in_loads(nonce)
    if ats:
        cases.append(("mem-log-nonce", "xorall", (ats, 0x01), "crash.nonce"))


# ---- running ----
def sparse_copy(src, dst, limit=None):
    """Copy src to dst keeping holes (SEEK_DATA), at most limit bytes."""
    with open(src, "rb") as s, open(dst, "wb") as d:
        end = os.fstat(s.fileno()).st_size if limit is None else limit
        pos = 0
        while pos < end:
            try:
                data = os.lseek(s.fileno(), pos, os.SEEK_DATA)
            except OSError:
                break
            if data >= end:
                break
            hole = min(os.lseek(s.fileno(), data, os.SEEK_HOLE), end)
            s.seek(data)
            d.seek(data)
            left = hole - data
            while left:
                b = s.read(min(left, 8 << 20))
                d.write(b)
                left -= len(b)
            pos = hole
        d.truncate(end)


def apply(path, kind, arg):
    """Corrupt path; return a function that undoes it (None: path must be re-copied)."""
    if kind == "trunc":
        return None
    with open(path, "r+b") as f:
        if kind == "grow":
            old_size = os.fstat(f.fileno()).st_size
            f.truncate(old_size + arg)
            return lambda: os.truncate(path, old_size)
        if kind == "xorall":
            ats, mask = arg
            olds = []
            for at in ats:
                f.seek(at)
                old = f.read(1)
                olds.append((at, old))
                f.seek(at)
                f.write(bytes([old[0] ^ mask]))

            def undo_all():
                with open(path, "r+b") as g:
                    for at, old in olds:
                        g.seek(at)
                        g.write(old)

            return undo_all
        at, val = arg
        if kind == "xor":
            f.seek(at)
            old = f.read(1)
            new = bytes([old[0] ^ val])
        elif kind == "write":
            f.seek(at)
            old = f.read(len(val))
            new = val
        else:
            fmt = {"u16": "<H", "u32": "<I", "u64": "<Q"}[kind]
            f.seek(at)
            old = f.read(struct.calcsize(fmt))
            new = struct.pack(fmt, val)
        assert old != new, "no-op corruption"
        f.seek(at)
        f.write(new)

    def undo():
        with open(path, "r+b") as g:
            g.seek(at)
            g.write(old)
    return undo


# ---- kdump-compressed (makedumpfile -c) ----
def kdump_cases(path):
    """Cases for the kdump-compressed file at path (layout: lab/vmcore/kdump.h)."""
    kc = []
    KT = lambda name, at, want: kc.append((name, "trunc", at, want))
    KX = lambda name, at, mask, want: kc.append((name, "xor", (at, mask), want))
    KU = lambda name, width, arg, want: kc.append((name, width, arg, want))
    with open(path, "rb") as f:
        h = f.read(464)
        st, bs, subsz, bb, mapnr, _, _, _, _, ncpu = struct.unpack_from("<10i", h, 424)
        f.seek(bs)
        sub = struct.unpack_from("<QiiQQQQQQQQQQQ", f.read(104))
        bm1 = (1 + subsz) * bs
        half = bb * bs // 2
        f.seek(bm1)
        bitmaps = f.read(2 * half)
        descs = bm1 + 2 * half
        ndesc = sum(bin(b).count("1") for b in bitmaps[half:])
        f.seek(descs)
        dtab = f.read(24 * ndesc)
        fsize = os.fstat(f.fileno()).st_size
    off_vi, size_vi, off_note, size_note = sub[5], sub[6], sub[7], sub[8]
    # a compressed page (flags bit 0: zlib) to spoil, and where the page data starts
    comp = next(i for i in range(ndesc) if struct.unpack_from("<QIIQ", dtab, 24 * i)[2] & 1
                and struct.unpack_from("<QIIQ", dtab, 24 * i)[1] > 64)
    c_off, c_size, _, _ = struct.unpack_from("<QIIQ", dtab, 24 * comp)
    data0 = min(struct.unpack_from("<Q", dtab, 24 * i)[0] for i in range(ndesc))
    # a pfn in memory the dump left out (1st bitmap set, 2nd clear), and one in no memory
    out = next(p for p in range(mapnr) if bitmaps[p // 8] >> (p % 8) & 1
               and not bitmaps[half + p // 8] >> (p % 8) & 1)
    hole = next(p for p in range(256, mapnr) if not bitmaps[p // 8] >> (p % 8) & 1)

    KT("kdump-trunc-signature", 4, "format.detect")  # no longer a kdump file
    KT("kdump-trunc-header", 200, "kdump.header")
    KT("kdump-trunc-header-end", 464, "kdump.sub-header")
    KT("kdump-trunc-sub-header", bs + 52, "kdump.sub-header")
    KT("kdump-trunc-notes", off_note + size_note // 2, "kdump.notes")
    KT("kdump-trunc-bitmap1", bm1 + half // 2, "kdump.bitmap-size")
    KT("kdump-trunc-bitmap2", bm1 + half + half // 2, "kdump.bitmap-size")
    KT("kdump-trunc-descs", descs + 24 * (ndesc // 2), "kdump.descs")
    KT("kdump-trunc-pages", data0 + (fsize - data0) // 2, "kdump.pages")
    KT("kdump-trunc-last-byte", fsize - 1, "kdump.pages")
    # header
    KX("kdump-signature", 0, 0x20, "format.detect")
    KU("kdump-header-version", "u32", (8, 99), "kdump.header")
    KU("kdump-block-size", "u32", (428, 1000), "kdump.block-size")
    KX("kdump-status-incomplete", 424, 0x08, "kdump.incomplete")
    KU("kdump-status-two-compressions", "u32", (424, st | 0x02), "kdump.compression")
    KU("kdump-sub-hdr-size-huge", "u32", (432, 1 << 24), "kdump.sub-header")
    KU("kdump-bitmap-blocks", "u32", (436, bb + 2), "kdump.descs")
    # (the 32-bit max_mapnr is not a case: version 6 readers use the sub-header's max_mapnr_64)
    KU("kdump-nr-cpus", "u32", (460, ncpu + 1), "kdump.nr-cpus")
    KU("kdump-timestamp", "u64", (408, 12345), "kdump.timestamp")
    KX("kdump-utsname-release", 12 + 2 * 65, 0x01, "kdump.utsname")
    # sub-header
    KU("kdump-sub-split", "u32", (bs + 12, 1), "kdump.split")
    KU("kdump-sub-vmcoreinfo-offset", "u64", (bs + 32, fsize + 4096), "kdump.vmcoreinfo")
    KU("kdump-sub-vmcoreinfo-size", "u64", (bs + 40, 1 << 20), "kdump.vmcoreinfo")
    KU("kdump-sub-note-offset", "u64", (bs + 48, fsize + 4096), "kdump.notes")
    KU("kdump-sub-note-size", "u64", (bs + 56, 1 << 30), "kdump.notes")
    kc.append(("kdump-sub-eraseinfo-past-eof", "write",
               (bs + 64, struct.pack("<QQ", fsize + 4096, 4096)), "kdump.eraseinfo"))
    KU("kdump-sub-max-mapnr-64", "u64", (bs + 96, mapnr * 4), "kdump.bitmap-size")
    # bitmaps
    KX("kdump-bitmap2-outside-bitmap1", bm1 + half + hole // 8, 1 << (hole % 8), "kdump.bitmap-subset")
    KX("kdump-bitmap2-extra-page", bm1 + half + out // 8, 1 << (out % 8), "kdump.descs")
    # page descriptors
    d = descs + 24 * comp
    KU("kdump-desc-offset-past-eof", "u64", (d, fsize + 4096), "kdump.descs")
    KU("kdump-desc-size-zero", "u32", (d + 8, 0), "kdump.descs")
    KU("kdump-desc-size-huge", "u32", (d + 8, 1 << 20), "kdump.descs")
    KU("kdump-desc-flags-unknown", "u32", (d + 12, 0x80), "kdump.descs")
    KU("kdump-desc-flags-other-compression", "u32", (d + 12, 0x02), "kdump.pages")
    # the compressed page itself
    KX("kdump-page-data", c_off + c_size // 2, 0xff, "kdump.pages")
    return kc


def run_cases(src, cs, n):
    """Run cases cs on copies of src; print TAP from test number n + 1. (n, failures)."""
    failures = 0
    work = tempfile.mkdtemp(prefix="kdumplab-corrupt.")
    try:
        copy = os.path.join(work, "copy")
        sparse_copy(src, copy)
        for name, kind, arg, want in cs:
            n += 1
            if kind == "trunc":
                target = os.path.join(work, "trunc")
                sparse_copy(src, target, arg)
                undo = lambda: os.unlink(target)
            else:
                target = copy
                undo = apply(copy, kind, arg)
            try:
                rc, j, errtext = validate(target)
            finally:
                undo()
            checks = (j or {}).get("checks", [])
            failed = [c["id"] for c in checks if c["status"] == "failed"]
            msg = {c["id"]: c["message"] for c in checks}.get(want, "")
            if listing:
                print("# %-32s exit %d failed %s" % (name, rc, failed or errtext))
            if rc == 1 and want in failed:
                print("ok %d - %s: %s: %s" % (n, name, want, msg))
            elif rc == 0 and want.endswith("-window") and want in failed:
                print("ok %d - %s: %s (warning): %s" % (n, name, want, msg))
            else:
                failures += 1
                print("not ok %d - %s: expected %s to fail; exit %d, failed %s %s"
                      % (n, name, want, rc, failed, errtext))
    finally:
        shutil.rmtree(work)
    return n, failures


def passes(n, path, label, *extra):
    rc, j, errtext = validate(path, *extra)
    bad = [c["id"] for c in (j or {}).get("checks", []) if c["status"] == "failed"]
    if rc != 0 or not j or not j["ok"]:
        print("not ok %d - %s is rejected: exit %d %s %s" % (n, label, rc, bad, errtext))
        return 1
    print("ok %d - %s passes (%d checks)" % (n, label, j["passed"]))
    return 0


def main():
    failures = passes(1, dump, "the real dump", "--manifest", manifest)
    n, f = run_cases(dump, cases, 1)
    failures += f
    work = tempfile.mkdtemp(prefix="kdumplab-corrupt-mkd.", dir="/var/tmp")
    try:
        conv = {}
        for opt, name in (("-c", "kdump-zlib"), ("-l", "kdump-lzo"), ("-E", "elf-E")):
            conv[name] = os.path.join(work, name)
            subprocess.run(["makedumpfile", opt, "-d", "31", dump, conv[name]], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conv["flat"] = os.path.join(work, "flat")
        with open(conv["flat"], "wb") as o:
            subprocess.run(["makedumpfile", "-F", "-d", "31", dump], check=True, stdout=o,
                           stderr=subprocess.DEVNULL)
        for name, path in conv.items():
            n += 1
            failures += passes(n, path, "makedumpfile %s of the real dump" % name)
        n, f = run_cases(conv["kdump-zlib"], kdump_cases(conv["kdump-zlib"]), n)
        failures += f
    finally:
        shutil.rmtree(work)
    print("1..%d" % n)
    return 1 if failures else 0


sys.exit(main())
