#!/usr/bin/env python3
"""make-seeds.py OUTDIR NAME=DUMP...: small fuzz seeds (<= 64 KiB) from real dumps.

For an ELF dump NAME (raw /proc/vmcore copy or makedumpfile -E): NAME-headers is the file up
to the end of its note segment (the PT_LOADs point past the end: a truncated dump);
NAME-packed keeps every header and note but cuts each PT_LOAD to its first 4 KiB, repacked
right after the notes, so the structure is complete and consistent. For any other file
(kdump-compressed, flattened): NAME-head is its first 64 KiB.
"""
import os
import struct
import sys

LIMIT = 64 << 10
CUT = 4096


def elf_seeds(name, data, f, out):
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    phdrs = []
    f.seek(phoff)
    raw = f.read(phentsize * phnum)
    for i in range(phnum):
        phdrs.append(list(struct.unpack_from("<IIQQQQQQ", raw, i * phentsize)))
    notes = [p for p in phdrs if p[0] == 4]
    end = max(p[2] + p[5] for p in notes) if notes else phoff + phentsize * phnum
    f.seek(0)
    head = f.read(min(end, LIMIT))
    open(os.path.join(out, name + "-headers"), "wb").write(head)

    # packed: headers + notes as they are, then each PT_LOAD cut to CUT bytes
    first_load = min([p[2] for p in phdrs if p[0] == 1] or [end])
    f.seek(0)
    packed = bytearray(f.read(first_load))
    for i, p in enumerate(phdrs):
        if p[0] != 1:
            continue
        f.seek(p[2])
        chunk = f.read(min(p[5], CUT))
        while len(packed) % CUT:
            packed.append(0)
        p[2], p[5], p[6] = len(packed), len(chunk), len(chunk)  # offset, filesz, memsz
        packed += chunk
        struct.pack_into("<IIQQQQQQ", packed, phoff + i * phentsize, *p)
    if len(packed) <= LIMIT:
        open(os.path.join(out, name + "-packed"), "wb").write(packed)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        with open(path, "rb") as f:
            data = f.read(64)
            if data[:4] == b"\x7fELF":
                elf_seeds(name, data, f, out)
            else:
                f.seek(0)
                open(os.path.join(out, name + "-head"), "wb").write(f.read(LIMIT))


main()
