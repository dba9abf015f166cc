#!/usr/bin/env python3
"""Quick consistency check for data/kb/countries.tsv and data/kb/orgs.tsv.

Checks: column counts, '-' for empty cells, no empty values, codes well formed, every contract
IGO/NSA code present in orgs.tsv, no Arabic alias shorter than 3 letters (Latin acronyms are
fine), and no alias (after folding diacritics, alef forms, ى/ي, ة/ه, doubled ي/و) listed twice
within a file or mapped to two different codes across both files. In countries.tsv a name that
equals a nisba of the same code (تشيلي, جيبوتي) is allowed and only counted.
Exit status 1 on any error.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from gen_countries import fold  # noqa: E402

CONTRACT = ("IGO:UN IGO:OTS IGO:CICA IGO:SCO IGO:CSTO IGO:EAEU IGO:CIS IGO:OIC IGO:ASEAN IGO:NATO "
            "IGO:EU IGO:AU IGO:ARABLEAGUE IGO:GCC IGO:OPEC IGO:BRICS IGO:G20 IGO:IMF IGO:WB IGO:WTO "
            "IGO:OSCE IGO:IAEA IGO:WHO NSA:ISIL NSA:ALQAEDA NSA:FETO NSA:HAMAS NSA:HEZBOLLAH NSA:PKK "
            "NSA:YPG NSA:TALIBAN NSA:HOUTHIS").split()
ARABIC = re.compile("[\u0621-\u064A]")


def rows(path, ncols, errors):
    out = []
    for ln, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != ncols:
            errors.append(f"{path}:{ln}: {len(parts)} columns")
            continue
        for p in parts:
            if p == "" or p != p.strip():
                errors.append(f"{path}:{ln}: empty or padded cell {p!r}")
        out.append((ln, parts))
    return out


def main():
    errors, notes = [], []
    cpath = os.path.join(ROOT, "data", "kb", "countries.tsv")
    opath = os.path.join(ROOT, "data", "kb", "orgs.tsv")
    owner = {}  # folded alias -> (code, file, line)
    stats = {}

    def add(alias, code, where, same_code_ok=False):
        if alias == "-":
            return
        if "" in alias.split(" ") or not alias.strip():
            errors.append(f"{where}: bad value {alias!r}")
        n_ar = len(ARABIC.findall(alias))
        if n_ar and n_ar < 3:
            errors.append(f"{where}: alias shorter than 3 Arabic letters: {alias}")
        if not n_ar and not re.fullmatch(r"[A-Z0-9+]{2,}|[A-Z][A-Za-z0-9]+", alias):
            errors.append(f"{where}: odd non-Arabic alias {alias!r}")
        f = fold(alias)
        if f in owner:
            ocode, owhere = owner[f]
            if ocode != code:
                errors.append(f"{where}: {alias} -> {code} collides with {owhere} -> {ocode}")
            elif same_code_ok and owhere.split(":")[0] == where.split(":")[0]:
                notes.append(f"{where}: {alias} is both name and nisba of {code}")
            else:
                errors.append(f"{where}: {alias} listed twice (also {owhere})")
        else:
            owner[f] = (code, where)

    crow = rows(cpath, 5, errors)
    codes = set()
    n = 0
    for ln, (code, name_en, names, adjs, plurals) in crow:
        if not re.fullmatch(r"[A-Z]{3}", code) or code in codes:
            errors.append(f"countries:{ln}: bad or repeated code {code}")
        codes.add(code)
        if names == "-":
            errors.append(f"countries:{ln}: no names")
        for col in (names, adjs, plurals):
            for a in col.split("|"):
                add(a, code, f"countries:{ln}", same_code_ok=True)
                n += a != "-"
    stats["countries"] = (len(crow), n)

    orow = rows(opath, 4, errors)
    n = 0
    actors = set()
    for ln, (actor, name_en, kind, aliases) in orow:
        if not (actor == "-" or actor in codes or re.fullmatch(r"(IGO|NSA):[A-Z0-9]+", actor)):
            errors.append(f"orgs:{ln}: bad actor {actor}")
        actors.add(actor)
        for a in aliases.split("|"):
            if a == "-":
                errors.append(f"orgs:{ln}: no aliases")
            add(a, actor, f"orgs:{ln}")
            n += 1
    stats["orgs"] = (len(orow), n)
    for c in CONTRACT:
        if c not in actors:
            errors.append(f"orgs: contract code {c} missing")

    for k, (r, a) in stats.items():
        print(f"{k}: {r} rows, {a} aliases")
    print(f"{len(notes)} name=nisba identities (allowed)")
    for e in errors:
        print("ERROR", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
