#!/usr/bin/env bash
# Every speed figure of issue 11 in one table: extraction MB/s and articles/s (one core with
# taskset -c 0, and all cores), instructions per byte (callgrind, when valgrind is installed),
# ingest articles/s into a fresh SQLite store and into PostgreSQL with 1, 2 and 4 concurrent
# processes (when Debian's postgresql is installed; a throwaway cluster from
# scripts/pg-cluster.sh, removed at the end), start-up ms and peak RSS.
#
#   scripts/bench-all.sh [TARGET_MB] [RUNS]     # defaults: 40 MB, 3 runs (medians reported)
#
# Extraction reads ../shared/corpus/bulk repeated to TARGET_MB (ids made unique, as
# scripts/bench.sh); ingest reads the bulk corpus itself (5,519 records, 21 MB). Environment:
# MARSAD_PG_FSYNC=on|off (default off, as the tests; `on` is PostgreSQL's durable default),
# BENCH_SKIP=callgrind,pg to leave parts out. Benchmarks, not tests: nothing here fails on a
# slow machine. Report the machine and its load with the figures (printed below the table).
set -euo pipefail
cd "$(dirname "$0")/.."
target_mb=${1:-40}
runs=${2:-3}
bulk=../shared/corpus/bulk
tmp=$(mktemp -d "${TMPDIR:-/tmp}/marsad-bench-all.XXXXXX")
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then scripts/pg-cluster.sh stop "$pg_dir"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
cargo build --release -q -p marsad
bin=$PWD/target/release/marsad
corpus=${TMPDIR:-/tmp}/marsad-bench-${target_mb}.jsonl
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
PY
fi
pg_url=""
case ",${BENCH_SKIP:-}," in
  *,pg,*) ;;
  *)
    if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
      eval "$(scripts/pg-cluster.sh start)"
      pg_dir=$MARSAD_PG_DIR
      pg_url=$MARSAD_TEST_PG
    fi
    ;;
esac
BENCH_BIN=$bin BENCH_CORPUS=$corpus BENCH_BULK=$bulk BENCH_TMP=$tmp BENCH_RUNS=$runs BENCH_PG=$pg_url BENCH_PG_DIR=$pg_dir \
  python3 scripts/bench_all.py
