#!/usr/bin/env python3
"""Derives data/export/plover_cameo.tsv (marsad-serve export columns cameo_root, quad_class,
intensity) from ../shared/reference/plover/CAMEO2PLOVER-2021.txt and
../shared/reference/cameo/goldstein.tsv. Run from the repository root:

    python3 scripts/derive-cameo.py ../shared/reference > data/export/plover_cameo.tsv

For each PLOVER type, and each (type, mode) the table names, the CAMEO codes that map to it:
cameo_root is the root (two digits) most of them share (ties: the lowest), quad_class follows
from that root (01-05 verbal cooperation 1, 06-08 material cooperation 2, 09-13 verbal conflict
3, 14-20 material conflict 4), intensity is the mean Goldstein weight of all of them, rounded
to 0.1; codes lists them all, so a reader sees where the mapping is one-to-many.
"""
import collections, re, sys

ref = sys.argv[1] if len(sys.argv) > 1 else "../shared/reference"
gold = {}
for line in open(f"{ref}/cameo/goldstein.tsv", encoding="utf-8"):
    p = line.rstrip("\n").split("\t")
    if len(p) == 2 and p[0].isdigit():
        gold[p[0]] = float(p[1])
by = collections.defaultdict(list)
for line in open(f"{ref}/plover/CAMEO2PLOVER-2021.txt", encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    m = re.match(r"^(\d{3,4}):\s*(.*)$", line)
    if not m:
        continue
    code, rest = m.group(1), [x.strip() for x in m.group(2).split(",")]
    typ = rest[0].upper()
    mode = rest[1].lower() if len(rest) > 1 and rest[1] else "-"
    if not re.fullmatch(r"[A-Z]+", typ):
        continue
    by[(typ, "-")].append(code)
    if mode != "-":
        by[(typ, mode)].append(code)

def quad(root):
    r = int(root)
    return 1 if r <= 5 else 2 if r <= 8 else 3 if r <= 13 else 4

print("# plover_cameo.tsv — CAMEO root, QuadClass and Goldstein intensity per PLOVER type and mode")
print("# (marsad-serve export columns cameo_root, quad_class, intensity; docs/export.md).")
print("# Derived by scripts/derive-cameo.py from CAMEO2PLOVER-2021.txt (PLOVER, Open Event Data")
print("# Alliance, P. Schrodt; CC BY-SA 4.0 — this derived table is shared under the same licence) and")
print("# goldstein.tsv (Goldstein 1992 weights as published with GDELT's CAMEO lookup tables).")
print("# mode '-' is the type's row, used when the event's mode has none of its own. codes: every")
print("# CAMEO code mapped to the row (one-to-many where there are several roots).")
print("type\tmode\tcameo_root\tquad_class\tintensity\tcodes")
for (typ, mode) in sorted(by):
    codes = sorted(set(by[(typ, mode)]))
    roots = collections.Counter(c[:2] for c in codes)
    root = sorted(roots.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    ws = [gold[c] for c in codes if c in gold]
    inten = round(sum(ws) / len(ws), 1) if ws else ""
    print(f"{typ}\t{mode}\t{root}\t{quad(root)}\t{inten}\t{'|'.join(codes)}")
