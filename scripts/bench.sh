#!/usr/bin/env bash
# Whole-process throughput of `marsad extract` on tens of MB of Arabic news.
# Builds a corpus by repeating ../shared/corpus/bulk (ids made unique), then reports MB/s,
# articles/s and peak memory (GNU time). Usage: scripts/bench.sh [TARGET_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
target_mb=${1:-50}
bulk=../shared/corpus/bulk
corpus=${TMPDIR:-/tmp}/marsad-bench-${target_mb}.jsonl
cargo build --release -q
if [ ! -s "$corpus" ]; then
  python3 - "$bulk" "$corpus" "$target_mb" <<'PY'
import json, os, sys
bulk, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
recs = []
for f in sorted(os.listdir(bulk)):
    if f.endswith(".jsonl"):
        with open(os.path.join(bulk, f), encoding="utf-8") as fh:
            recs += [json.loads(l) for l in fh if l.strip()]
size, n, rep = 0, 0, 0
with open(out, "w", encoding="utf-8") as fh:
    while size < mb * 1_000_000:
        for r in recs:
            line = json.dumps({"id": f"{r['id']}-{rep}", "text": r["text"]}, ensure_ascii=False) + "\n"
            fh.write(line); size += len(line.encode()); n += 1
        rep += 1
print(f"corpus: {out}: {n} articles, {size/1e6:.1f} MB", file=sys.stderr)
PY
fi
bytes=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].encode()) for l in open(sys.argv[1], encoding='utf-8')))" "$corpus")
articles=$(wc -l < "$corpus")
log=$(mktemp)
/usr/bin/time -v target/release/marsad extract --jobs 1 "$corpus" > /dev/null 2> "$log"
secs=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
rss=$(grep "Maximum resident set size" "$log" | awk '{print $NF}')
python3 - "$bytes" "$articles" "$secs" "$rss" <<'PY'
import sys
b, n, s, rss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"text {b/1e6:.1f} MB in {n} articles, {s:.2f} s wall, one thread")
print(f"throughput: {b/1e6/s:.1f} MB/s, {n/s:.0f} articles/s; peak RSS {rss/1024:.0f} MiB")
PY
/usr/bin/time -v target/release/marsad extract "$corpus" > /dev/null 2> "$log"
secs=$(grep "Elapsed (wall clock)" "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
python3 - "$bytes" "$articles" "$secs" "$(nproc)" <<'PY'
import sys
b, n, s, cores = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(f"all {cores} cores (--jobs default): {b/1e6/s:.1f} MB/s, {n/s:.0f} articles/s")
PY
target/release/marsad kb stats | tail -1
rm -f "$log"
