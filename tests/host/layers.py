#!/usr/bin/env python3
"""Host: the layers of docs/ARCHITECTURE.md hold in the built code, and no source files form a cycle.

usage: layers.py --source SOURCE_ROOT --build BUILD_ROOT
       layers.py --self-test

From the objects of the built static libraries (build/**/lib*.a, `nm`) and of the programs built
from the layered folders (build/*.p/*.o: the CLI), each object mapped back to its source file
through build/compile_commands.json, it checks (TAP, one point each, every violation listed):

 1. no cycle between source files: a.c uses a function or table defined in b.c and b.c uses one
    of a.c, or a longer ring (the strongly connected components of the "uses" graph); each is
    named by its files and the symbols on every edge inside it;
 2. each file uses (by symbol) only files of its own folder or of folders on lower lines of the
    ```layers block (folders on one line do not use each other);
 3. the same rule for includes: every `#include "..."` of a C file or header in a layered folder
    is resolved (the file's own folder, then the -I directories of its compile command) and must
    name a header of its own folder or a lower line.

A source file in no folder of the block is a violation too: a new folder gets its line.
--self-test builds a synthetic tree (tiny C files compiled into archives and a program object,
with a 2-file and a 3-file cycle, an upward and a sideways use and an upward include) and
asserts that exactly those are reported.
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

# nm -P types of symbols an object defines for others (global/weak/common/unique/indirect).
DEFINED = set("ABCDGRSTVWiu")
# References to a symbol defined elsewhere (undefined, weak undefined).
UNDEFINED = set("Uvw")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
LIBS = ""  # the link unit of the static libraries
# Folders whose archives and objects are not the product (tests, fixtures, benchmarks).
NOT_PRODUCT = ("tests", "bench")


class Error(Exception):
    pass


def parse_layers(arch_md):
    """The ```layers block: [(line name, [folders])], lowest first."""
    with open(arch_md, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^```layers\n(.*?)^```", text, re.M | re.S)
    if not m:
        raise Error("%s: no ```layers block" % arch_md)
    lines = []
    for raw in m.group(1).splitlines():
        if not raw.strip():
            continue
        name, sep, folders = raw.partition(":")
        if not sep or not folders.split():
            raise Error('%s: layers line "%s": expected "name: folder..."' % (arch_md, raw))
        lines.append((name.strip(), [x.strip("/") for x in folders.split()]))
    return lines


class Layers:
    def __init__(self, lines):
        self.lines = lines
        self.rank = {}
        for i, (name, folders) in enumerate(lines):
            for d in folders:
                if d in self.rank:
                    raise Error('folder "%s" is on two layers lines' % d)
                self.rank[d] = i

    def folder(self, path):
        """The listed folder holding a source path (longest match), or None."""
        best = None
        for d in self.rank:
            if (path == d or path.startswith(d + "/")) and (best is None or len(d) > len(best)):
                best = d
        return best

    def describe(self, folder):
        return "%s (%s)" % (folder, self.lines[self.rank[folder]][0])

    def allowed(self, a, b):
        """May code in folder a use code in folder b?"""
        return a == b or self.rank[b] < self.rank[a]

    def why(self, a, b):
        return "a higher layer" if self.rank[b] > self.rank[a] else "its own line"


def run(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.PIPE, text=True).stdout


def parse_nm(out, default_member=None):
    """{member: (defined set, undefined set)} from `nm -P` of an archive or one object."""
    objs = {}
    cur = None
    for line in out.splitlines():
        if line.endswith("]:") and "[" in line:
            cur = line[line.index("[") + 1 : -2]
            objs.setdefault(cur, (set(), set()))
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        if cur is None:
            cur = default_member
            objs.setdefault(cur, (set(), set()))
        name, typ = parts[0], parts[1]
        if typ in DEFINED:
            objs[cur][0].add(name)
        elif typ in UNDEFINED:
            objs[cur][1].add(name)
    return objs


def rel(path, root):
    return os.path.relpath(os.path.normpath(path), os.path.normpath(root))


def product(path):
    return path.split("/", 1)[0] not in NOT_PRODUCT


class Tree:
    """The built objects of a source tree: per source file, symbols defined and used."""

    def __init__(self, source, build, layers):
        self.source, self.build = os.path.abspath(source), os.path.abspath(build)
        self.layers = layers
        with open(os.path.join(self.build, "compile_commands.json"), encoding="utf-8") as f:
            self.commands = json.load(f)
        self.src_of = {}  # object path relative to build -> source path relative to source
        self.cmd_of = {}  # source path -> a compile command (for -I)
        for c in self.commands:
            out = rel(os.path.join(c["directory"], c["output"]), self.build)
            src = rel(os.path.join(c["directory"], c["file"]), self.source)
            self.src_of[out] = src
            if product(out):
                self.cmd_of.setdefault(src, c)
        # Link units: LIBS (every product archive, resolved among themselves) and each program
        # (its own objects first, then the libraries: the guest programs define names the host
        # libraries define too, e.g. kl_read_file). unit -> {source: (defined, undefined)}.
        self.units = {}
        self.objects = 0
        self._collect()

    def _object(self, archive, member):
        """The output path (relative to build) of an archive member: thin archives (meson's)
        name it whole, others by its base name."""
        if member in self.src_of:
            return member
        near = os.path.normpath(os.path.join(os.path.dirname(archive), member))
        if near in self.src_of:
            return near
        same = [o for o in self.src_of
                if o.startswith(archive + ".p/") and os.path.basename(o) == member]
        if len(same) != 1:
            raise Error('object "%s" of %s: not in compile_commands.json' % (member, archive))
        return same[0]

    def _add(self, unit, member, defined, undefined):
        d, u = self.units.setdefault(unit, {}).setdefault(self.src_of[member], (set(), set()))
        d.update(defined)
        u.update(undefined)
        self.objects += 1

    def _collect(self):
        seen = set()
        for a in sorted(glob.glob(os.path.join(self.build, "**", "lib*.a"), recursive=True)):
            a = rel(a, self.build)
            # Skip test archives, and archives of targets the build no longer has (a stale
            # file left in the build directory after a folder moved).
            if not product(a) or not any(o.startswith(a + ".p/") for o in self.src_of):
                continue
            # From the build directory, nm names a thin archive's members as meson does.
            for member, (d, u) in parse_nm(run(["nm", "-P", a], self.build)).items():
                member = self._object(a, member)
                seen.add(member)
                self._add(LIBS, member, d, u)
        # Programs built from layered folders (the CLI has no library of its own; the guest
        # programs are built from common/ and scenarios/ sources).
        for out, src in sorted(self.src_of.items()):
            if out in seen or not product(out) or not self.layers.folder(src):
                continue
            path = os.path.join(self.build, out)
            if os.path.exists(path):
                program = out.split(".p/")[0] if ".p/" in out else os.path.dirname(out)
                for _, (d, u) in parse_nm(run(["nm", "-P", path]), out).items():
                    self._add(program, out, d, u)
        if not self.objects:
            raise Error("%s: no built objects (build first)" % self.build)

    def graph(self):
        """{a: {b: sorted symbols of b that a uses}} between distinct source files."""
        owners = {}
        for unit, files in self.units.items():
            for src, (defined, _) in files.items():
                for s in defined:
                    owners.setdefault(unit, {}).setdefault(s, set()).add(src)
        g = {}
        for unit, files in self.units.items():
            # A program's own objects, then the libraries; a library's symbol found in no
            # library but in a program is a use of that program's code.
            order = [unit] + ([LIBS] if unit != LIBS else sorted(u for u in owners if u != LIBS))
            for a, (_, used) in files.items():
                edges = g.setdefault(a, {})
                for s in used:
                    for u in order:
                        found = owners.get(u, {}).get(s)
                        if found:
                            for b in found - {a}:
                                edges.setdefault(b, set()).add(s)
                            break
        for a in g:
            for b in g[a]:
                g[a][b] = sorted(g[a][b])
            g[a] = dict(g[a])
        return g

    def includes(self):
        """[(file, include text, resolved path)] for the C files and headers of layered folders."""
        roots = []
        for c in self.commands:
            for d in include_dirs(c):
                r = rel(d, self.source)
                if not r.startswith("..") and r not in roots:
                    roots.append(r)
        found = []
        for folder in self.layers.rank:
            for path in sorted(glob.glob(os.path.join(self.source, folder, "**", "*.[ch]"),
                                         recursive=True)):
                f = rel(path, self.source)
                if self.layers.folder(f) != folder:
                    continue  # a deeper listed folder owns it
                c = self.cmd_of.get(f)
                search = [os.path.dirname(f)]
                search += [rel(d, self.source) for d in include_dirs(c)] if c else roots
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                for inc in INCLUDE.findall(text):
                    for d in search:
                        cand = os.path.normpath(os.path.join(d, inc))
                        if not cand.startswith("..") and os.path.isfile(
                                os.path.join(self.source, cand)):
                            found.append((f, inc, cand))
                            break
        return found


def include_dirs(c):
    argv = c["arguments"] if "arguments" in c else shlex.split(c["command"])
    dirs = []
    for i, a in enumerate(argv):
        if a == "-I" and i + 1 < len(argv):
            d = argv[i + 1]
        elif a.startswith("-I"):
            d = a[2:]
        else:
            continue
        dirs.append(os.path.normpath(os.path.join(c["directory"], d)))
    return dirs


def cycles(g):
    """Strongly connected components of more than one file (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(g.get(w, {})))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def check(source, build, arch_md=None):
    """[(point, [violation lines])] for the three points."""
    layers = Layers(parse_layers(arch_md or os.path.join(source, "docs", "ARCHITECTURE.md")))
    tree = Tree(source, build, layers)
    g = tree.graph()

    cyc = []
    for comp in cycles(g):
        cyc.append("cycle of %d files: %s" % (len(comp), " ".join(comp)))
        for a in comp:
            for b in comp:
                if b in g[a]:
                    cyc.append("  %s uses %s: %s" % (a, b, ", ".join(g[a][b])))

    uses = []
    for a in sorted(g):
        fa = layers.folder(a)
        if fa is None:
            uses.append("%s: in no folder of the ```layers block" % a)
            continue
        for b in sorted(g[a]):
            fb = layers.folder(b)
            if fb is not None and not layers.allowed(fa, fb):
                uses.append("%s [%s] uses %s [%s], %s: %s" % (
                    a, layers.describe(fa), b, layers.describe(fb), layers.why(fa, fb),
                    ", ".join(g[a][b])))

    incs = []
    for f, inc, target in tree.includes():
        fa, fb = layers.folder(f), layers.folder(target)
        if fb is not None and not layers.allowed(fa, fb):
            incs.append('%s [%s] includes "%s" = %s [%s], %s' % (
                f, layers.describe(fa), inc, target, layers.describe(fb), layers.why(fa, fb)))
        elif fb is None and not target.startswith(os.path.relpath(build, source)):
            incs.append('%s [%s] includes "%s" = %s, in no folder of the ```layers block' % (
                f, layers.describe(fa), inc, target))

    return [
        ("no cycle between source files (%d files, %d objects)" % (len(g), tree.objects), cyc),
        ("every file uses (symbols) only its own folder or lower layers", uses),
        ("every file includes only headers of its own folder or lower layers", incs),
    ]


def report(results):
    print("1..%d" % len(results))
    bad = 0
    for i, (what, violations) in enumerate(results, 1):
        print("%s %d - %s" % ("not ok" if violations else "ok", i, what))
        for v in violations:
            print("#   " + v)
        bad += bool(violations)
    return 1 if bad else 0


# ---- self-test: a synthetic tree with known violations ----

SELF_LAYERS = """# test
<!-- layers -->
```layers
tiny: lab/tiny
low: lab/low
top: lab/top lab/side
```
"""

# path -> source; "uses" are calls or reads of a table defined in another file.
SELF_FILES = {
    # a.c <-> b.c: a function one way, a table the other way.
    "lab/low/a.h": "int a_fn(void);\n",
    "lab/low/a.c": '#include "a.h"\nextern const int b_table[];\n'
                   "int a_fn(void) { return b_table[0]; }\n",
    "lab/low/b.c": '#include "low/a.h"\nconst int b_table[] = { 1 };\n'
                   "int b_fn(void);\nint b_fn(void) { return a_fn(); }\n",
    # d.c -> e.c -> f.c -> d.c
    "lab/low/d.c": "int e_fn(void);\nint d_fn(void);\nint d_fn(void) { return e_fn(); }\n",
    "lab/low/e.c": "int f_fn(void);\nint e_fn(void);\nint e_fn(void) { return f_fn(); }\n",
    "lab/low/f.c": "int d_fn(void);\nint f_fn(void);\nint f_fn(void) { return d_fn() + 1; }\n",
    # c.c uses the layer above (by symbol and by include).
    "lab/low/c.c": '#include "top/t.h"\nint c_fn(void);\nint c_fn(void) { return top_fn(); }\n',
    # t.c uses low (fine) and side, which is on its own line (not fine).
    "lab/top/t.h": "int top_fn(void);\n",
    "lab/top/t.c": '#include "t.h"\n#include "low/a.h"\nint side_fn(void);\n'
                   "int top_fn(void) { return a_fn() + side_fn(); }\n",
    # In a program, not a library (like lab/cli).
    "lab/side/s.c": "int side_fn(void);\nint side_fn(void) { return 2; }\n",
    # A program of its own (like the guest programs) defining a name a library defines too:
    # g1.c uses its program's dup_fn, not t.c's.
    "lab/tiny/g1.c": "int dup_fn(void);\nint g1(void);\nint g1(void) { return dup_fn(); }\n",
    "lab/tiny/g2.c": "int dup_fn(void);\nint dup_fn(void) { return 3; }\n",
    "lab/top/dup.c": "int dup_fn(void);\nint dup_fn(void) { return 4; }\n",
}
# Folders built into programs (objects named as meson names them), not into libraries.
SELF_PROGRAMS = {"lab/side": "prog", "lab/tiny": "guest"}

SELF_EXPECT = [
    [
        "cycle of 2 files: lab/low/a.c lab/low/b.c",
        "  lab/low/a.c uses lab/low/b.c: b_table",
        "  lab/low/b.c uses lab/low/a.c: a_fn",
        "cycle of 3 files: lab/low/d.c lab/low/e.c lab/low/f.c",
        "  lab/low/d.c uses lab/low/e.c: e_fn",
        "  lab/low/e.c uses lab/low/f.c: f_fn",
        "  lab/low/f.c uses lab/low/d.c: d_fn",
    ],
    [
        "lab/low/c.c [lab/low (low)] uses lab/top/t.c [lab/top (top)], a higher layer: top_fn",
        "lab/top/t.c [lab/top (top)] uses lab/side/s.c [lab/side (top)], its own line: side_fn",
    ],
    [
        'lab/low/c.c [lab/low (low)] includes "top/t.h" = lab/top/t.h [lab/top (top)], '
        "a higher layer",
    ],
]


def self_test():
    for tool in ("cc", "ar", "nm"):
        if not shutil.which(tool):
            print("1..0 # SKIP %s is not installed" % tool)
            return 77
    with tempfile.TemporaryDirectory(prefix="kdumplab-layers.") as tmp:
        src, build = os.path.join(tmp, "src"), os.path.join(tmp, "src", "build")
        for path, text in dict(SELF_FILES, **{"docs/ARCHITECTURE.md": SELF_LAYERS}).items():
            os.makedirs(os.path.dirname(os.path.join(src, path)), exist_ok=True)
            with open(os.path.join(src, path), "w") as f:
                f.write(text)
        commands = []
        archives = {}
        for path in sorted(p for p in SELF_FILES if p.endswith(".c")):
            folder = os.path.dirname(path)
            if folder in SELF_PROGRAMS:
                out = SELF_PROGRAMS[folder] + ".p/" + path.replace("/", "_") + ".o"
            else:
                lib = "%s/lib%s.a" % (folder, os.path.basename(folder))
                out = "%s.p/%s.o" % (lib, os.path.basename(path))
                archives.setdefault(lib, []).append(out)
            os.makedirs(os.path.dirname(os.path.join(build, out)), exist_ok=True)
            argv = ["cc", "-I../lab", "-I../lab/" + os.path.basename(folder), "-c",
                    "../" + path, "-o", out]
            subprocess.run(argv, cwd=build, check=True)
            commands.append({"directory": build, "arguments": argv, "file": "../" + path,
                             "output": out})
        # A test's archive is not the product: its use of lab/top must not count.
        os.makedirs(os.path.join(build, "tests"))
        with open(os.path.join(build, "tests", "fake.c"), "w") as f:
            f.write("int top_fn(void);\nint fake(void);\nint fake(void) { return top_fn(); }\n")
        subprocess.run(["cc", "-c", "fake.c", "-o", "fake.o"], cwd=os.path.join(build, "tests"),
                       check=True)
        subprocess.run(["ar", "rcs", "tests/libfake.a", "tests/fake.o"], cwd=build, check=True)
        for lib, objs in archives.items():
            subprocess.run(["ar", "rcs", lib] + objs, cwd=build, check=True)
        with open(os.path.join(build, "compile_commands.json"), "w") as f:
            json.dump(commands, f)

        results = check(src, build)
        print("1..%d" % (len(SELF_EXPECT) + 1))
        bad = 0
        for i, ((what, got), want) in enumerate(zip(results, SELF_EXPECT), 1):
            good = got == want
            print("%s %d - self-test: %s" % ("ok" if good else "not ok", i, what))
            if not good:
                for line in got:
                    print("#   got:  " + line)
                for line in want:
                    print("#   want: " + line)
            bad += not good
        # Without the violations, nothing is reported: drop the uses and the include.
        for path in ("lab/low/b.c", "lab/low/f.c", "lab/low/c.c", "lab/side/s.c"):
            os.remove(os.path.join(src, path))
        for c in list(commands):
            if not os.path.exists(os.path.join(src, c["file"][3:])):
                commands.remove(c)
        with open(os.path.join(build, "compile_commands.json"), "w") as f:
            json.dump(commands, f)
        for lib, objs in archives.items():
            os.remove(os.path.join(build, lib))
            keep = [o for o in objs if any(c["output"] == o for c in commands)]
            subprocess.run(["ar", "rcs", lib] + keep, cwd=build, check=True)
        os.remove(os.path.join(build, "prog.p", "lab_side_s.c.o"))
        clean = [v for _, vs in check(src, build) for v in vs]
        n = len(SELF_EXPECT) + 1
        print("%s %d - self-test: a tree without them reports nothing" % (
            "not ok" if clean else "ok", n))
        for line in clean:
            print("#   got:  " + line)
        bad += bool(clean)
        return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source")
    p.add_argument("--build")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    try:
        if a.self_test:
            return self_test()
        if not a.source or not a.build:
            p.error("--source and --build are required (or --self-test)")
        if not shutil.which("nm"):
            print("1..0 # SKIP nm is not installed (binutils)")
            return 77
        return report(check(a.source, a.build))
    except (Error, OSError, subprocess.CalledProcessError) as e:
        print("Bail out! %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
