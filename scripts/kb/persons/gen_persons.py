#!/usr/bin/env python3
"""Generate data/kb/persons.tsv from the hand-curated sources in scripts/kb/persons/src/*.txt.

Source format, one person a line, fields separated by " / ":
    name_en / actor / aliases_ar (|) / short_ar (| or -) / roles (;)
actor "." means the code of the first role. In roles the role may be abbreviated:
p president, pm prime minister, fm foreign minister, dm defence minister, vp vice president,
k king, cp crown prince, e emir, s sultan, sl supreme leader, sg secretary-general,
sp spokesperson, l leader, ch chairman, dpm deputy prime minister.
Aliases and short forms that fold to the same string (README folding) are written once.
"""
import glob, os, re, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(ROOT, "data", "kb", "persons.tsv")

ABBR = {"p": "president", "pm": "prime minister", "fm": "foreign minister", "dm": "defence minister",
        "vp": "vice president", "k": "king", "cp": "crown prince", "e": "emir", "s": "sultan",
        "sl": "supreme leader", "sg": "secretary-general", "sp": "spokesperson", "l": "leader",
        "ch": "chairman", "dpm": "deputy prime minister", "im": "interior minister"}

HEADER = """\
# marsad kb/persons.tsv — people that Arabic international news of 2000–2026 names: heads of state and
# government, foreign and defence ministers, spokespersons, heads of international organisations and
# leaders of armed and political groups, each with dated roles.
# Columns (TAB-separated): name_en  actor  aliases_ar  short_ar  roles
#   actor: ISO 3166-1 alpha-3 code, or IGO:/NSA: code, the person is best known for.
#   aliases_ar: full Arabic names as the press writes them, `|`-separated (always safe to match).
#   short_ar: short forms identifying the person alone; `~` marks a form that is also an ordinary word
#     or common name (matched only after a full mention in the same article); `-` for none.
#   roles: `;`-separated CODE:role:from:to, dates YYYY, YYYY-MM or YYYY-MM-DD, `to` empty while ongoing.
# Curated by hand (marsad contributors), generated from scripts/kb/persons/src/*.txt by
# scripts/kb/persons/gen_persons.py; checked by scripts/kb/check_persons.py.
# Sources: the curators' own knowledge of public facts (names, offices, dates); Arabic spellings checked
# against the ArWikiCats package (people/peoples.json, MIT licence, https://pypi.org/project/arwikicats/)
# and, for a few spellings and office dates, the Universal-PETRARCH Arabic actor dictionary
# (actor_dict_ar_v4.txt), which carries this licence:
#   MIT License
#   Copyright (c) 2016 Open Event Data Alliance
#   Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
#   associated documentation files (the "Software"), to deal in the Software without restriction,
#   including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense,
#   and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so,
#   subject to the following conditions: The above copyright notice and this permission notice shall be
#   included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS",
#   WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
#   MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
#   COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
#   CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR
#   OTHER DEALINGS IN THE SOFTWARE.
# ArWikiCats (people/peoples.json) is likewise under the MIT licence.
# No entry was copied from either source as is: codes, dates and spellings were reviewed one by one.
"""

_DIAC = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

def fold(s):
    s = _DIAC.sub("", s)
    s = s.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace("ٱ", "ا")
    s = s.replace("ى", "ي").replace("ة", "ه")
    # the rest of marsad's matching form (crates/text: fold_char): hamza seats and Persian letters
    s = s.replace("ئ", "ي").replace("ؤ", "و").replace("ی", "ي").replace("ک", "ك").replace("ۀ", "ه")
    return " ".join(s.split())

def uniq(forms):
    out, seen = [], set()
    for f in forms:
        f = " ".join(f.strip().split())
        if not f or f == "-":
            continue
        key = fold(f.lstrip("~"))
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out

def main():
    rows, errs = [], []
    for path in sorted(glob.glob(os.path.join(HERE, "src", "*.txt"))):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" / ")]
            if len(parts) != 5:
                errs.append(f"{os.path.basename(path)}:{n}: {len(parts)} fields: {line}")
                continue
            name, actor, aliases, short, roles = parts
            rl = []
            for r in roles.split(";"):
                r = r.strip()
                if not r:
                    continue
                f = r.split(":")
                if f[0] in ("IGO", "NSA"):
                    f = [f[0] + ":" + f[1]] + f[2:]
                if len(f) == 3:
                    f.append("")
                if len(f) != 4:
                    errs.append(f"{os.path.basename(path)}:{n}: bad role {r}")
                    continue
                f[1] = ABBR.get(f[1], f[1])
                rl.append(":".join(f))
            if actor == ".":
                actor = rl[0].rsplit(":", 3)[0] if rl else "-"
            al = uniq(aliases.split("|"))
            alf = {fold(a) for a in al}
            sh = [s for s in uniq(short.split("|")) if fold(s.lstrip("~")) not in alf]
            rows.append("\t".join([name, actor, "|".join(al) or "-", "|".join(sh) or "-", ";".join(rl) or "-"]))
    if errs:
        print("\n".join(errs), file=sys.stderr)
        sys.exit(1)
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for r in rows:
            fh.write(r + "\n")
    print(f"wrote {len(rows)} persons to {OUT}")

if __name__ == "__main__":
    main()
