#!/usr/bin/env python3
"""Check data/kb/persons.tsv: 5 TAB columns, valid actor/role codes, valid dates with from <= to,
no alias or un-~ short form shared by two persons after folding (README folding rules)."""
import os, re, sys
from collections import defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "kb", "persons.tsv")
CODE = re.compile(r"^(?:[A-Z]{3}|(?:IGO|NSA):[A-Z][A-Z0-9_]*)$")
DATE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
ROLE = re.compile(r"^[a-z][a-z0-9 '\-]*$")
ARABIC = re.compile(r"^[\u0600-\u06ff ]+$")
_DIAC = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

def fold(s):
    s = _DIAC.sub("", s)
    for a in "أإآٱ":
        s = s.replace(a, "ا")
    return " ".join(s.replace("ى", "ي").replace("ة", "ه").split())

def main():
    errs, warns = [], []
    strong = defaultdict(set)   # folded alias / un-~ short -> persons
    weak = defaultdict(set)     # folded ~short -> persons
    n = aliases = shorts = 0
    names = set()
    for ln, line in enumerate(open(PATH, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        where = f"line {ln}"
        if len(cols) != 5:
            errs.append(f"{where}: {len(cols)} columns")
            continue
        name, actor, al, sh, roles = cols
        n += 1
        if name in names:
            errs.append(f"{where}: duplicate name_en {name}")
        names.add(name)
        if not CODE.match(actor):
            errs.append(f"{where}: bad actor {actor!r}")
        if al == "-":
            errs.append(f"{where}: no alias")
        seen = set()
        for a in al.split("|"):
            if not ARABIC.match(a) or a != a.strip():
                errs.append(f"{where}: bad alias {a!r}")
            f = fold(a)
            if f in seen:
                errs.append(f"{where}: alias repeated after folding {a}")
            seen.add(f)
            strong[f].add(name)
            aliases += 1
        if sh != "-":
            for s in sh.split("|"):
                t = s[1:] if s.startswith("~") else s
                if not ARABIC.match(t):
                    errs.append(f"{where}: bad short {s!r}")
                f = fold(t)
                if f in seen:
                    errs.append(f"{where}: short repeats alias {s}")
                seen.add(f)
                shorts += 1
                (weak if s.startswith("~") else strong)[f].add(name)
        if roles == "-":
            warns.append(f"{where}: no roles ({name})")
            continue
        for r in roles.split(";"):
            m = re.match(r"^((?:IGO|NSA):[^:]+|[^:]+):([^:]+):([^:]*):([^:]*)$", r)
            if not m:
                errs.append(f"{where}: bad role {r!r}")
                continue
            code, role, fr, to = m.groups()
            if not CODE.match(code):
                errs.append(f"{where}: bad role code {code!r}")
            if not ROLE.match(role):
                errs.append(f"{where}: bad role name {role!r}")
            if not DATE.match(fr):
                errs.append(f"{where}: bad from date {fr!r} in {r}")
            if to and not DATE.match(to):
                errs.append(f"{where}: bad to date {to!r} in {r}")
            if fr and to and DATE.match(fr) and DATE.match(to):
                # compare on the common precision
                k = min(len(fr), len(to))
                if fr[:k] > to[:k]:
                    errs.append(f"{where}: from > to in {r}")
    for f, ps in strong.items():
        if len(ps) > 1:
            errs.append(f"collision: {f} -> {sorted(ps)}")
    for f, ps in weak.items():
        other = strong.get(f, set()) - ps
        if other:
            warns.append(f"~short {f} of {sorted(ps)} is a full form of {sorted(other)}")
    for w in warns:
        print("warning:", w)
    for e in errs:
        print("error:", e)
    print(f"{n} persons, {aliases} aliases, {shorts} short forms, {len(errs)} errors, {len(warns)} warnings")
    sys.exit(1 if errs else 0)

if __name__ == "__main__":
    main()
