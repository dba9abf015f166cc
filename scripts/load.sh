#!/usr/bin/env bash
# Load benchmark of `marsad serve` on loopback: 200 concurrent clients (wrk) for a bounded time on
# a mix of API calls and the page, then the latency of search alone (one client, varied queries).
#
#   scripts/load.sh [DB] [SECONDS] [CONNECTIONS]
#
# DB defaults to a store of the five samples built in a temporary directory. To measure search
# over 100,000 articles, build such a store first (outside the repository):
#   python3 scripts/make-bulk.py 100000 > /tmp/bulk100k.jsonl
#   target/release/marsad ingest /tmp/bulk100k.jsonl --db /tmp/big.db
#   scripts/load.sh /tmp/big.db
# Needs wrk (apt-get install wrk), curl and python3. Traffic goes to 127.0.0.1 only; everything
# it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-}
SECS=${2:-15}
CONNS=${3:-200}
BIN=target/release/marsad
command -v wrk >/dev/null || { echo "load.sh: wrk is missing (apt-get install wrk)" >&2; exit 2; }
[ -x "$BIN" ] || cargo build --release -q
TMP=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
if [ -z "$DB" ]; then
  DB=$TMP/samples.db
  "$BIN" ingest samples/ --db "$DB" >/dev/null
fi
ulimit -n 8192 2>/dev/null || true
"$BIN" serve --db "$DB" --addr 127.0.0.1:0 > "$TMP/serve.out" 2> "$TMP/serve.err" &
SERVER=$!
for _ in $(seq 1 600); do grep -q http:// "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.out" | head -1)
[ -n "$BASE" ] || { echo "load.sh: the server did not start" >&2; cat "$TMP/serve.err" >&2; exit 1; }
ART=$(curl -s "$BASE/api/events?limit=1&sort=-mentions" | python3 -c 'import json,sys; e=json.load(sys.stdin)["events"]; print(e[0]["article_id"] if e else 1)')
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
cat > "$TMP/mix.lua" <<LUA
local paths = {
  "/api/events?dyad=RUS-KAZ&type=CONSULT&from=2025-10-01&to=2025-10-31",
  "/api/events?actor=RUS&limit=20",
  "/api/search?q=$(enc لافروف)",
  "/api/search?q=$(enc السعودية)&limit=10",
  "/api/timeline?interval=month",
  "/api/graph?limit=50",
  "/api/articles/$ART",
  "/api/stats",
  "/",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
echo "== $CONNS clients for ${SECS}s on a mix of 9 endpoints ($DB: $(curl -s "$BASE/api/stats" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["articles"], "articles,", s["events"], "events")'))"
wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -s "$TMP/mix.lua" "$BASE" | tee "$TMP/wrk.txt"
if grep -qE "Non-2xx|Socket errors" "$TMP/wrk.txt"; then echo "load.sh: ERRORS under load" >&2; FAIL=1; fi
echo "== search latency, one client, varied queries"
python3 - "$BASE" <<'PY'
import sys, time, urllib.parse, urllib.request
base = sys.argv[1]
words = ["لافروف", "كازاخستان", "الرياض", "السعودية", "وزير الخارجية", "النفط", "الأمم المتحدة", "مجلس الأمن", "إيران",
         "اليمن", "الحوثيين", "أستانة", "موسكو", "تركيا", "الاقتصاد", "الملك سلمان", "الرئيس", "اتفاقية", "زيارة رسمية", "قمة",
         "الإرهاب", "داعش", "سوريا", "العراق", "مصر", "الكويت", "البحرين", "قطر", "الإمارات", "عمان", "الأردن", "لبنان",
         "فلسطين", "إسرائيل", "الولايات المتحدة", "أوباما", "بوتين", "أردوغان", "الصين", "الهند"]
lat = []
bad = 0
for rnd in range(5):
    for w in words:
        for page in ("", "&offset=20"):
            url = f"{base}/api/search?q={urllib.parse.quote(w)}&limit=20{page}"
            t = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                r.read()
                bad += r.status != 200
            lat.append((time.perf_counter() - t) * 1000)
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100 * len(lat) + 0.5)) - 1)]
print(f"search: {len(lat)} requests, errors {bad}, p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms, max {lat[-1]:.1f} ms")
sys.exit(1 if bad else 0)
PY
exit ${FAIL:-0}
