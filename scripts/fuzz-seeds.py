#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs and dictionaries (docs/fuzzing.md) from real text:
the samples, the ingest fixtures, the knowledge base's lexicons and ../shared/corpus.

    python3 scripts/fuzz-seeds.py OUT_DIR

writes OUT_DIR/{extract,extract_long,ingest,query}/ (seeds) and fuzz/dict/*.dict. The
committed corpora under fuzz/corpus/ are these seeds plus what the fuzzers found, minimised with
`cargo fuzz cmin`; this script is how they started, rerun it only to start afresh.
"""
import collections
import hashlib
import json
import os
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
OUT = pathlib.Path(sys.argv[1])


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def devset(n):
    out = []
    p = SHARED / "devset" / "articles.jsonl"
    if p.exists():
        for line in p.read_text(encoding="utf-8").splitlines()[:n]:
            out.append(json.loads(line))
    return out


samples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples").glob("*.txt"))]
articles = devset(8)
texts = samples + [a["text"] for a in articles]
sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!؟])\s+|\n+", t) if len(s.strip()) > 40]

# extract: whole articles (cut to 6 KB), single sentences, and the audit's shapes in small
for t in texts:
    put("extract", t.encode()[:6000].decode("utf-8", "ignore"))
for s in sentences[::7][:40]:
    put("extract", s)
put("extract", "\n" * 3000)
put("extract", " ".join(s.rstrip(".") for s in sentences[:30]))
put("extract", "،".join(sentences[:10]))

# extract_long: a spec byte (size code in the low 3 bits, shape in the next 2) and real sentences
for i, (size, shape) in enumerate([(0, 0), (1, 1), (2, 2), (3, 3), (4, 1), (5, 0), (6, 1), (7, 1), (3, 0), (5, 1), (2, 3), (7, 0)]):
    unit = " ".join(sentences[(i * 5) % len(sentences):(i * 5) % len(sentences) + 1 + i % 3])
    put("extract_long", bytes([size | shape << 3]) + unit.encode())

# ingest: a spec byte (Content-Type in the low 3 bits, charset in the next 3: fuzz/src/lib.rs)
# and a body: the fixtures under the Content-Type they were served as, and as sniffed
CT = {".html": 1, ".rss": 2, ".atom": 3, ".jsonl": 4, ".txt": 5}
fx = ROOT / "crates" / "ingest" / "tests" / "fixtures"
for p in sorted(list(fx.glob("*")) + list((fx / "bad").glob("*"))):
    if p.is_file():
        b = p.read_bytes()[:20000]
        put("ingest", bytes([CT.get(p.suffix, 0)]) + b)
        put("ingest", bytes([0]) + b)
charset = {"page-windows-1256.html": 2, "page-iso-8859-6.html": 3, "report-utf16.txt": 4}
for name, c in charset.items():
    put("ingest", bytes([CT[pathlib.Path(name).suffix] | c << 3]) + (fx / name).read_bytes()[:20000])
put("ingest", bytes([4]) + "\n".join(json.dumps({"id": a["id"], "text": a["text"][:1500]}, ensure_ascii=False) for a in articles[:3]).encode())
put("ingest", bytes([5 | 1 << 3]) + samples[0].encode())
put("ingest", bytes([0]) + samples[1].encode("utf-16-le"))

# query: an endpoint byte (fuzz/src/lib.rs ENDPOINTS) and a query string, or a subscription body
queries = [
    (0, "actor=RUS&limit=5"), (0, "dyad=RUS-KAZ&from=2025-09&to=2025-12-31&sort=-mentions"), (0, "q=لافروف&type=CONSULT&modality=asserted"),
    (0, "country=KAZ&mode=visit&offset=20"), (0, "source=الأناضول&article=3"), (1, "type=ASSAULT&sort=-date&limit=10"), (2, "actor=IGO:UN&limit=20"),
    (3, "interval=year&from=2025"), (4, "interval=exact-month&dyad=RUS-KAZ"), (5, "limit=2000&actor=RUS"), (6, "limit=500&country=SAU"),
    (7, "format=parquet&sort=-date&type=COOPERATE"), (8, "actor=NSA:HAMAS"), (9, "q=\"وزير الخارجية\" OR كازاخستان&limit=3&offset=1"),
    (9, "q=السعودية -إيران"), (10, "top=100"), (12, ""), (13, ""),
]
for e, q in queries:
    put("query", bytes([e]) + q.encode())
put("query", bytes([11]) + b"\n" + json.dumps({"name": "روسيا", "filter": {"actor": "RUS", "type": "CONSULT"}, "webhook": "https://example.org/hook"}, ensure_ascii=False).encode())
put("query", bytes([11]) + b"\n" + b'{"filter":{"from":2025,"dyad":"RUS-KAZ"}}')

# dictionaries: libFuzzer's format, one quoted token a line, bytes over 0x7e escaped
def dict_line(tok):
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\' else "\\x%02X" % b for b in tok.encode()) + '"'


def write_dict(name, toks):
    d = ROOT / "fuzz" / "dict"
    d.mkdir(parents=True, exist_ok=True)
    seen, lines = set(), []
    for t in toks:
        if t and t not in seen:
            seen.add(t)
            lines.append(dict_line(t))
    (d / name).write_text("# written by scripts/fuzz-seeds.py\n" + "\n".join(lines) + "\n")


lex = []
for f in ["triggers.tsv", "modality.tsv", "roles.tsv", "date_words.tsv", "months.tsv", "number_words.tsv", "units.tsv", "anaphors.tsv"]:
    for line in (ROOT / "data" / "lexicon" / f).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lex.append(re.split(r"[\t|/]", line)[0].strip())
words = collections.Counter(w for t in texts for w in re.findall(r"[\u0600-\u06FF]+", t))
punct = [".", "،", "؛", "؟", "!", "\n", "\n\n", "«", "»", "\"", "(", ")", "-", "ـ", "\u200f", "\u00a0", "ً", "ّ", "2025", "١٤٤٦"]
write_dict("extract.dict", punct + [w for w, _ in words.most_common(300)] + lex[:700])
markup = ["<html>", "</html>", "<head>", "<title>", "</title>", "<meta charset=\"windows-1256\">", "<meta property=\"og:site_name\" content=\"", "<article>",
          "</article>", "<p>", "</p>", "<script>", "<![CDATA[", "]]>", "<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<rss version=\"2.0\">", "<channel>",
          "<item>", "</item>", "<guid>", "<link>", "<pubDate>", "<description>", "<feed xmlns=\"http://www.w3.org/2005/Atom\">", "<entry>", "<content type=\"html\">",
          "&amp;", "&#1604;", "&lt;", "{\"id\":", "\"text\":", "\"title\":", "\"published\":", "\"source\":", "\"url\":", "\xef\xbb\xbf", "\xff\xfe", "\xfe\xff"]
write_dict("ingest.dict", markup + [w for w, _ in words.most_common(60)])
params = ["q=", "actor=", "dyad=", "type=", "mode=", "modality=", "country=", "from=", "to=", "source=", "article=", "limit=", "offset=", "sort=", "interval=",
          "format=", "top=", "&", "%D9%84", "%", "+", "-date", "-mentions", "-id", "exact-month", "exact-year", "csv", "jsonl", "parquet", "asserted",
          "planned", "CONSULT", "ASSAULT", "IGO:UN", "NSA:", "RUS-KAZ", "2025-02-29", "2025-02-31", "\"name\":", "\"filter\":", "\"webhook\":", "https://", "OR", "NEAR", "\"", "*"]
write_dict("query.dict", params + [w for w, _ in words.most_common(20)])
print("seeds in", OUT, {t: len(list((OUT / t).iterdir())) for t in ["extract", "extract_long", "ingest", "query"]})
