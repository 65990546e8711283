"""Hostile dump files for `kdumplab validate` (issue 6): each is small on disk (sparse) and
claims something large. Used by bench/hostile-validate (RSS, bytes written, time) and by
hostile-cli.py (the verdicts). Every builder takes a directory and returns
(path, extra validate arguments, expected exit status, check id that must fail or None)."""
import os
import struct

PAGE = 4096


def ehdr(phnum, shoff=0, shnum=0, shentsize=64, phoff=64):
    return (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) +
            struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, shoff, 0, 64, 56, phnum,
                        shentsize, shnum, 0))


def phdr(ptype, off, filesz, paddr=0, vaddr=0, memsz=None, align=PAGE):
    return struct.pack("<IIQQQQQQ", ptype, 7, off, vaddr, paddr, filesz,
                       filesz if memsz is None else memsz, align)


def shdr(size=0, info=0, stype=0):
    return struct.pack("<IIQQQQIIQQ", 0, stype, 0, 0, 0, size, 0, info, 0, 0)


def note(name, ntype, desc):
    n = name + b"\0"
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def write(path, parts, size):
    """parts: [(offset, bytes)]; the file is size bytes, sparse elsewhere."""
    with open(path, "wb") as f:
        for off, data in parts:
            f.seek(off)
            f.write(data)
        f.truncate(size)
    return path


def shnum(d):
    """The issue's input: e_shnum 0, section 0's sh_size 2 M, the table inside a sparse file."""
    shoff = PAGE
    size = shoff + (2 << 20) * 64
    return (write(os.path.join(d, "shnum-2M"),
                  [(0, ehdr(2, shoff=shoff) + phdr(4, 2 * PAGE, 0) + phdr(1, 3 * PAGE, PAGE)),
                   (shoff, shdr(size=2 << 20))], size), [], 1, "elf.sections")


def pn_xnum_huge(d):
    """e_phnum PN_XNUM, section 0's sh_info 0xffffffff."""
    return (write(os.path.join(d, "pn-xnum-4G"),
                  [(0, ehdr(0xffff, shoff=PAGE, shnum=1)), (PAGE, shdr(size=1, info=0xffffffff))],
                  1 << 30), [], 1, "phdr.count")


def pn_xnum_max(d):
    """PN_XNUM with sh_info at the bound (131072 program headers, all PT_NULL, read)."""
    n = 1 << 17
    return (write(os.path.join(d, "pn-xnum-131072"),
                  [(0, ehdr(0xffff, shoff=64 + n * 56, shnum=1)), (64 + n * 56, shdr(1, n))],
                  1 << 30), [], 1, "phdr.note-first")


def many_notes(d):
    """A 16 MiB PT_NOTE of 1 M empty notes (16 bytes each)."""
    seg = note(b"", 0, b"") * (1 << 20)
    off = PAGE
    return (write(os.path.join(d, "notes-1M"),
                  [(0, ehdr(2) + phdr(4, off, len(seg), align=4) +
                    phdr(1, off + len(seg), PAGE)), (off, seg)], off + len(seg) + PAGE),
            [], 1, "notes.parse")


def vmcoreinfo_claims(d, bad_line=False):
    """VMCOREINFO whose values claim huge sizes, counts and offsets; escape sequences too
    (with bad_line, in a line that does not parse, which error messages quote)."""
    vi = (b"\x1b]52;c;aGk=\x07\x9b\xff=1\n" if bad_line else b"") + (b"OSRELEASE=6.1\x1b]52;c;aGk=\x07\x9b\xff\xc0\xaf\n"
          b"PAGESIZE=18446744073709551615\nCRASHTIME=99999999999999999999\n"
          b"SYMBOL(prb)=ffffffffffffffff\nSIZE(printk_ringbuffer)=4294967295\n"
          b"LENGTH(mem_section)=18446744073709551615\nNUMBER(phys_base)=-1\n"
          b"SYMBOL(init_top_pgt)=ffffffff81010000\nSIZE(prb_desc)=4096\n"
          b"OFFSET(printk_ringbuffer.desc_ring)=4294967295\n")
    seg = note(b"VMCOREINFO", 0, vi)
    return (write(os.path.join(d, "vmcoreinfo-bad-line" if bad_line else "vmcoreinfo-claims"),
                  [(0, ehdr(2) + phdr(4, PAGE, len(seg), align=4) +
                    phdr(1, 2 * PAGE, 1 << 30, paddr=0x1000000, vaddr=0xffffffff81000000)),
                   (PAGE, seg)], 2 * PAGE + (1 << 30)), [], 1,
            "vmcoreinfo.parse" if bad_line else "vmcoreinfo.pagesize")


def flat_holes(d):
    """makedumpfile -F: a 1 GiB record whose payload is a hole of the file, then (-1, -1)."""
    hdr = b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)
    hole = 1 << 30
    rec = struct.pack(">qq", 0, hole)
    end = struct.pack(">qq", -1, -1)
    pos = PAGE + 16 + hole
    return (write(os.path.join(d, "flat-hole-1G"),
                  [(0, hdr), (PAGE, rec), (pos, end)], pos + 16), [], 1, "format.detect")


def flat_data_holes(d):
    """makedumpfile -F: 4 MiB of data, then a 1 GiB record in a hole written over it and past
    it: the temporary file holds the 4 MiB at most, and ends up all holes."""
    hdr = b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)
    data = bytes((i * 7 + 1) % 251 + 1 for i in range(4 << 20))
    hole = 1 << 30
    pos = PAGE + 16 + len(data)
    end = pos + 16 + hole
    return (write(os.path.join(d, "flat-data-hole-1G"),
                  [(0, hdr), (PAGE, struct.pack(">qq", 0, len(data)) + data),
                   (pos, struct.pack(">qq", 0, hole)), (end, struct.pack(">qq", -1, -1))],
                  end + 16), [], 1, "format.detect")


def kdump_header(bitmap_blocks, max_mapnr, sub_blocks=1):
    b = bytearray(PAGE)
    b[0:8] = b"KDUMP   "
    struct.pack_into("<i", b, 8, 6)
    b[12:17] = b"Linux"
    struct.pack_into("<IiiIIIIIIi", b, 424, 0, PAGE, sub_blocks, bitmap_blocks,
                     min(max_mapnr, 0xffffffff), 0, 0, 0, 0, 1)
    sub = bytearray(PAGE)
    struct.pack_into("<Q", sub, 96, max_mapnr)  # max_mapnr_64
    return bytes(b) + bytes(sub)


def kdump_bitmap(d, gib=16):
    """kdump-compressed with two sparse bitmaps of gib GiB each (4 GiB: the largest index)."""
    blocks = 2 * (gib << 18)  # gib GiB of 4 KiB blocks per bitmap
    mapnr = (blocks // 2) * PAGE * 8
    size = (2 + blocks) * PAGE
    return (write(os.path.join(d, "kdump-bitmap-%dG" % gib), [(0, kdump_header(blocks, mapnr))],
                  size), [], 1, "kdump.bitmap-size" if gib > 4 else "kdump.notes")


def kdump_bitmap_max(d):
    return kdump_bitmap(d, 4)


def kdump_inflated(d, n_pages=2 << 20):
    """kdump-compressed whose 2nd bitmap dumps n_pages pfns, every descriptor pointing at one
    shared zero page: each check walks every descriptor."""
    bm_len = n_pages // 8
    blocks = 2 * ((bm_len + PAGE - 1) // PAGE)
    bm_off = 2 * PAGE
    desc_off = bm_off + blocks * PAGE
    zero = desc_off + n_pages * 24
    desc = struct.pack("<QIIQ", zero, PAGE, 0, 0)
    path = os.path.join(d, "kdump-inflated-%dM" % (n_pages >> 20))
    with open(path, "wb") as f:
        f.write(kdump_header(blocks, n_pages))
        f.seek(bm_off)
        f.write(b"\xff" * (blocks // 2 * PAGE) * 2)
        f.seek(desc_off)
        chunk = desc * 65536
        for _ in range(n_pages // 65536):
            f.write(chunk)
        f.truncate(zero + PAGE)
    return path, [], 1, "kdump.notes"


BUILDERS = [shnum, pn_xnum_huge, pn_xnum_max, many_notes, vmcoreinfo_claims, flat_holes,
            flat_data_holes, kdump_bitmap, kdump_bitmap_max, kdump_inflated]
