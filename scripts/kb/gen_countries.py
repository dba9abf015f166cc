#!/usr/bin/env python3
"""Build data/kb/countries.tsv for marsad.

Draft sources (installed from PyPI: `pip install babel arwikicats pycountry`):
  * CLDR Arabic territory names via babel (`babel.Locale('ar').territories`) - Unicode licence.
  * arwikicats `jsons/nationalities/nationalities_data.json` (masculine nisba and plural forms) - MIT.
  * pycountry for alpha-2 -> alpha-3 codes and English names - LGPL-2.1 (codes/names only, facts).
Hand curation: scripts/kb/countries_extra.tsv (additions, removals, replacements) plus the tables
below. The output is deterministic: rows sorted by code, values in first-seen order, variants that
only differ by folding (diacritics, alef forms, ى/ي, ة/ه, doubled ي/و) kept once.

Usage: python3 scripts/kb/gen_countries.py [--out data/kb/countries.tsv]
"""
import argparse
import json
import os
import re
import sys

import babel
import pycountry

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# The 193 UN member states.
UN_MEMBERS = """
AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA
BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG COD CRI CIV HRV CUB CYP CZE DNK DJI
DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB GUY
HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR PRK KOR KWT KGZ LAO LVA LBN
LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MDA MCO MNG MNE MAR MOZ MMR
NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT ROU RUS RWA
KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE
SYR TJK TZA THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR USA URY UZB VUT VEN VNM YEM ZMB
ZWE
""".split()
# UN observer states and other entities the press reports as states, plus the Soviet Union.
OTHERS = ["VAT", "PSE", "XKX", "TWN", "ESH", "SUN"]
# alpha-3 -> CLDR key where pycountry has none.
CLDR_KEY = {"XKX": "XK", "SUN": None}

NAME_EN = {
    "BOL": "Bolivia", "BRN": "Brunei", "COD": "DR Congo", "COG": "Republic of the Congo",
    "CIV": "Ivory Coast", "CZE": "Czechia", "FSM": "Micronesia", "IRN": "Iran", "KOR": "South Korea",
    "PRK": "North Korea", "LAO": "Laos", "MDA": "Moldova", "PSE": "Palestine", "RUS": "Russia",
    "SYR": "Syria", "TZA": "Tanzania", "TUR": "Turkey", "VAT": "Vatican City", "VEN": "Venezuela",
    "VNM": "Vietnam", "XKX": "Kosovo", "TWN": "Taiwan", "SUN": "Soviet Union", "GBR": "United Kingdom",
    "USA": "United States", "ESH": "Western Sahara", "MKD": "North Macedonia", "SWZ": "Eswatini",
    "CPV": "Cape Verde", "TLS": "Timor-Leste", "NLD": "Netherlands",
}

# arwikicats nationality keys mapped by hand where the automatic match (its Arabic country name
# against CLDR, or its English name through pycountry) is wrong or missing; None = skip the entry.
ARWIKI_KEY = {
    "korean": None, "english": None, "scottish": None, "welsh": None, "bengali": None,
    "crimean": None, "abkhaz": None, "abkhazian": None, "americans": "USA", "congolese": None,
    "republic of congo": None, "democratic republic of congo": None, "macanese": None,
    "timorese": "TLS", "nasovietna": "SUN", "soviet": "SUN", "burmese": "MMR", "swazi": "SWZ",
    "irish": "IRL", "ivorian": "CIV", "czech": "CZE", "comorian": "COM", "macedonian": "MKD",
    "zaïrean": None, "yugoslav": None, "czechoslovak": None, "rhodesian": None, "zanzibari": None,
    "prussian": None, "bohemian": None, "moravian": None, "victorian": None, "parthian": None,
    "sasanian": None, "austrianhungarian": None, "african-american": None, "africanamerican": None,
    "antillean": None, "australasian": None, "caribbeans": None, "melanesian": None,
    "french guianan": None, "gibraltarian": None, "greenlandic": None, "guamanian": None,
    "martiniquais": None, "montserratian": None, "anguillan": None, "aruban": None,
    "faroese": None, "puerto rican": None,
}

DIACRITICS = re.compile("[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")


def clean(s):
    s = DIACRITICS.sub("", s)
    s = re.sub(r"\s*\(.*?\)\s*", " ", s)
    s = s.replace(" - ", " ").replace("-", " ")
    return re.sub(r"\s+", " ", s).strip()


def fold(s):
    s = DIACRITICS.sub("", s)
    s = s.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ئ": "ي",
                                   "ة": "ه", "ؤ": "و", "ک": "ك", "گ": "ك", "ی": "ي"}))
    s = re.sub("ي{2,}", "ي", s)
    s = re.sub("و{2,}", "و", s)
    return re.sub(r"\s+", " ", s).strip().lower()


def arwikicats_path():
    import importlib.util
    spec = importlib.util.find_spec("ArWikiCats") or importlib.util.find_spec("arwikicats")
    if spec is None:
        sys.exit("arwikicats is not installed: pip install arwikicats")
    base = list(spec.submodule_search_locations)[0]
    return os.path.join(base, "jsons", "nationalities", "nationalities_data.json")


class Row:
    def __init__(self, code):
        self.code = code
        self.name_en = ""
        self.cols = {"names": [], "adj": [], "plural": []}

    def add(self, col, value, prefer=False):
        """Append value unless a folding variant is there; prefer=True keeps this spelling."""
        value = clean(value)
        if not value:
            return
        for i, v in enumerate(self.cols[col]):
            if fold(v) == fold(value):
                if prefer:
                    self.cols[col][i] = value
                return
        self.cols[col].append(value)

    def remove(self, col, value):
        f = fold(value)
        self.cols[col] = [v for v in self.cols[col] if fold(v) != f]


def alpha2(code):
    if code in CLDR_KEY:
        return CLDR_KEY[code]
    c = pycountry.countries.get(alpha_3=code)
    return c.alpha_2 if c else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "data", "kb", "countries.tsv"))
    args = ap.parse_args()

    codes = sorted(set(UN_MEMBERS) | set(OTHERS))
    assert len(set(UN_MEMBERS)) == 193, len(set(UN_MEMBERS))
    rows = {c: Row(c) for c in codes}
    cldr = babel.Locale("ar").territories
    cldr_to_code = {}
    for code, row in rows.items():
        c = pycountry.countries.get(alpha_3=code)
        row.name_en = NAME_EN.get(code) or (getattr(c, "common_name", None) or c.name if c else code)
        a2 = alpha2(code)
        if a2 and a2 in cldr:
            row.add("names", cldr[a2])
            cldr_to_code[fold(clean(cldr[a2]))] = code

    data = json.load(open(arwikicats_path(), encoding="utf-8"))
    for key in sorted(data):
        v = data[key]
        if key in ARWIKI_KEY:
            code = ARWIKI_KEY[key]
        else:
            code = cldr_to_code.get(fold(clean(v["ar"])))
            if code is None:
                try:
                    code = pycountry.countries.lookup(v["en"]).alpha_3
                except LookupError:
                    code = None
        if code not in rows:
            continue
        row = rows[code]
        row.add("names", v["ar"])
        row.add("adj", v["male"])
        males = clean(v["males"])
        if males and not males.endswith("ون") and " " not in males:
            row.add("plural", males)

    extra = os.path.join(HERE, "countries_extra.tsv")
    for ln, line in enumerate(open(extra, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            sys.exit(f"{extra}:{ln}: expected 4 columns, got {len(parts)}")
        code = parts[0]
        if code not in rows:
            sys.exit(f"{extra}:{ln}: unknown code {code}")
        row = rows[code]
        for col, cell in zip(("names", "adj", "plural"), parts[1:]):
            if cell == ".":
                continue
            if cell.startswith("="):
                row.cols[col] = []
                cell = cell[1:]
                if cell == "-":
                    continue
            for value in cell.split("|"):
                if value.startswith("!"):
                    row.remove(col, value[1:])
                else:
                    row.add(col, value, prefer=True)
        # Hand spellings come first: move them to the front in the order given.
        for col, cell in zip(("names", "adj", "plural"), parts[1:]):
            if cell in (".",) or cell.startswith("="):
                continue
            want = [clean(v) for v in cell.split("|") if not v.startswith("!")]
            front = [v for v in row.cols[col] if fold(v) in {fold(w) for w in want}]
            front.sort(key=lambda v: [fold(w) for w in want].index(fold(v)))
            row.cols[col] = front + [v for v in row.cols[col] if v not in front]

    # Never let a general word through as a nisba.
    banned = {fold(w) for w in ["عربي", "أفريقي", "إفريقي", "أوروبي", "آسيوي", "غربي", "شرقي",
                                "خليجي", "مالي", "قمري", "مجري", "صحراوي", "إنجليزي", "كوري",
                                "كونغوي", "روماني قديم", "بن"]}
    for row in rows.values():
        row.cols["adj"] = [a for a in row.cols["adj"] if fold(a) not in banned]

    header = """# marsad knowledge base: countries (states and state-like entities as actors).
# Columns (TAB-separated): code  name_en  names_ar  adjectives_ar  plurals_ar
#   code: ISO 3166-1 alpha-3 (XKX Kosovo, PSE Palestine, SUN Soviet Union for history).
#   names_ar: press names with their own article; adjectives_ar: masculine singular nisba without
#   ال; plurals_ar: broken plurals of the people without ال; '|' between values, '-' for none.
# Generated by scripts/kb/gen_countries.py - do not edit by hand; edit
# scripts/kb/countries_extra.tsv (hand curation) and re-run the script.
# Sources: Unicode CLDR Arabic territory names via babel (Unicode License v3, (c) Unicode, Inc.);
#   arwikicats nationalities_data.json (MIT License); ISO codes and English names via pycountry;
#   hand curation for marsad (press spellings, removals of ambiguous forms).
# Licence: the compiled file is distributed under the repository's licence; third-party notices
#   in data/kb/NOTICE.md.
"""
    lines = []
    for code in codes:
        row = rows[code]
        if not row.cols["names"]:
            sys.exit(f"{code}: no Arabic name")
        cells = [code, row.name_en] + ["|".join(row.cols[c]) or "-" for c in ("names", "adj", "plural")]
        lines.append("\t".join(cells))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(lines)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
