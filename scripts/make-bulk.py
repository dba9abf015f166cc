#!/usr/bin/env python3
"""Writes N articles (default 100,000) to stdout as JSON Lines by repeating the bulk corpus
(../shared/corpus/bulk/*.jsonl) with unique ids and a copy number appended to each text, so each
copy is a distinct article (another content hash) of the same story. For benchmarks only: the
output stays outside the repository."""
import glob, json, os, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
here = os.path.dirname(os.path.abspath(__file__))
files = sorted(glob.glob(os.path.join(here, "../../shared/corpus/bulk/*.jsonl")))
recs = []
for f in files:
    with open(f, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                r = json.loads(line)
                if r.get("text"):
                    recs.append(r)
if not recs:
    sys.exit("no bulk corpus found beside the repository (../shared/corpus/bulk)")
out = sys.stdout
i = 0
copy = 0
while i < n:
    for r in recs:
        if i >= n:
            break
        d = dict(r)
        d["id"] = f"{r['id']}#copy{copy}"
        if copy:
            d["text"] = f"{r['text']}\n\nنسخة {copy} {i}"
        out.write(json.dumps(d, ensure_ascii=False) + "\n")
        i += 1
    copy += 1
