"""The measuring half of scripts/bench-all.sh (run that, not this): times `marsad extract`,
`marsad ingest` (SQLite, PostgreSQL with 1, 2 and 4 processes) and start-up, counts
instructions per byte with callgrind, and prints one Markdown table of medians."""

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

BIN = os.environ["BENCH_BIN"]
CORPUS = os.environ["BENCH_CORPUS"]
BULK = os.environ["BENCH_BULK"]
TMP = os.environ["BENCH_TMP"]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PG = os.environ.get("BENCH_PG", "")
PG_DIR = os.environ.get("BENCH_PG_DIR", "")
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))


def timed(cmd, stdin=None):
    """Runs cmd under GNU time; returns (wall s, user+sys s, peak RSS MiB, stdout)."""
    tf = os.path.join(TMP, "time.txt")
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fin:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf] + cmd, stdin=fin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} exited with {p.returncode}")
    e, u, s, m = open(tf).read().split()[-4:]
    return float(e), float(u) + float(s), int(m) / 1024, p.stdout


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def text_bytes(path):
    n, b = 0, 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                n += 1
                b += len(json.loads(line)["text"].encode())
    return n, b


rows = []  # (measure, value, unit, note)


def row(measure, value, unit, note=""):
    rows.append((measure, value, unit, note))


# ---- extraction -------------------------------------------------------------------------
n_art, n_bytes = text_bytes(CORPUS)
one, rss1, cpu1 = [], [], []
for _ in range(RUNS):
    w, cpu, rss, _ = timed(["taskset", "-c", "0", BIN, "extract", "--jobs", "1", CORPUS])
    one.append(w)
    cpu1.append(cpu)
    rss1.append(rss)
all_cores, rss_all = [], []
for _ in range(RUNS):
    w, _, rss, _ = timed([BIN, "extract", CORPUS])
    all_cores.append(w)
    rss_all.append(rss)
mb = n_bytes / 1e6
row("extract, one core (taskset -c 0, --jobs 1)", f"{mb / median(one):.1f}", "MB/s",
    f"{n_art / median(one):.0f} articles/s; {mb / median(cpu1):.1f} MB per CPU-second (what an idle core gives); {mb:.1f} MB of text, {n_art} articles")
row(f"extract, all {os.cpu_count()} cores", f"{mb / median(all_cores):.1f}", "MB/s", f"{n_art / median(all_cores):.0f} articles/s")
row("extract peak RSS (one core / all cores)", f"{median(rss1):.0f} / {median(rss_all):.0f}", "MiB")

# ---- instructions per byte (callgrind) ---------------------------------------------------
if "callgrind" not in SKIP and shutil.which("valgrind"):
    # a 2 MB slice against its first record: the difference is per-byte work, without start-up
    slice_path, first_path = os.path.join(TMP, "slice.jsonl"), os.path.join(TMP, "first.jsonl")
    with open(CORPUS, encoding="utf-8") as fh, open(slice_path, "w", encoding="utf-8") as out, open(first_path, "w", encoding="utf-8") as first:
        size = 0
        for i, line in enumerate(fh):
            if i == 0:
                first.write(line)
            out.write(line)
            size += len(line.encode())
            if size >= 2_000_000:
                break

    def instructions(path, args=("extract", "--jobs", "1")):
        outf = os.path.join(TMP, "callgrind.out")
        # (with MIMALLOC_PURGE_DELAY set, `extract` and `ingest` do not execute themselves
        # again to set it, which would leave callgrind counting nothing)
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={outf}", BIN, *args, path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
            env={**os.environ, "MIMALLOC_PURGE_DELAY": "0"},
        )
        m = re.search(r"^(?:summary|totals):\s+(\d+)", open(outf).read(), re.M)
        return int(m.group(1))

    _, b_slice = text_bytes(slice_path)
    _, b_first = text_bytes(first_path)
    ir = (instructions(slice_path) - instructions(first_path)) / (b_slice - b_first)
    row("extract instructions per byte (callgrind)", f"{ir:.0f}", "Ir/byte", f"{b_slice / 1e6:.1f} MB slice minus its first record (start-up excluded)")
    # ingest: the first 1,500 bulk records into a fresh store, minus an ingest of one record
    # (start-up, opening the store), per article: the load-independent measure of the whole
    # pipeline (reader, workers, writer and SQLite)
    bulk_recs = [l for f in sorted(os.listdir(BULK)) if f.endswith(".jsonl") for l in open(os.path.join(BULK, f), encoding="utf-8") if l.strip()]
    sub, one_rec = os.path.join(TMP, "ingest-sub.jsonl"), os.path.join(TMP, "ingest-one.jsonl")
    with open(sub, "w", encoding="utf-8") as out:
        out.writelines(bulk_recs[:1500])
    with open(one_rec, "w", encoding="utf-8") as out:
        out.writelines(bulk_recs[:1])

    def ingest_instructions(path):
        db = os.path.join(TMP, "callgrind.db")
        for sfx in ("", "-wal", "-shm"):
            if os.path.exists(db + sfx):
                os.remove(db + sfx)
        return instructions(path, ("ingest", "--quiet", "--db", db))

    ir_art = (ingest_instructions(sub) - ingest_instructions(one_rec)) / 1499
    row("ingest instructions per article (callgrind)", f"{ir_art / 1e6:.2f}", "M Ir/article", "first 1,500 bulk records into a fresh SQLite store, minus a one-record ingest (start-up excluded)")
else:
    row("extract instructions per byte (callgrind)", "-", "", "valgrind not installed (apt-get install valgrind)")

# ---- start-up ----------------------------------------------------------------------------
loads = []
for _ in range(max(RUNS, 5)):
    out = subprocess.run([BIN, "kb", "stats"], stdout=subprocess.PIPE, text=True, check=True).stdout
    m = re.search(r"load and compile: ([\d.]+) ms", out)
    loads.append(float(m.group(1)))
empty = os.path.join(TMP, "empty.jsonl")
open(empty, "w").close()
walls = [timed([BIN, "extract", empty])[0] * 1000 for _ in range(max(RUNS, 5))]
row("start-up: knowledge base load and compile", f"{median(loads):.0f}", "ms", f"whole `marsad extract` of nothing: {median(walls):.0f} ms")

# ---- ingest ------------------------------------------------------------------------------
bulk_files = sorted(os.path.join(BULK, f) for f in os.listdir(BULK) if f.endswith(".jsonl"))
bulk_n = sum(text_bytes(f)[0] for f in bulk_files)


def ingest_sqlite():
    db = os.path.join(TMP, "bench.db")
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(db + sfx):
            os.remove(db + sfx)
    w, cpu, rss, out = timed([BIN, "ingest", "--json", "--db", db] + bulk_files)
    j = json.loads(out)
    return (j["read"] + j["failed"]) / j["seconds"], cpu, rss, j["read"] + j["failed"]


sq = [ingest_sqlite() for _ in range(RUNS)]
row("ingest into SQLite, fresh store, all cores", f"{median([x[0] for x in sq]):.0f}", "articles/s",
    f"{bulk_n} bulk records; process CPU {median([x[1] for x in sq]):.1f} s ({bulk_n / median([x[1] for x in sq]) * os.cpu_count():.0f} articles/s if all {os.cpu_count()} cores were busy with it alone); peak RSS {median([x[2] for x in sq]):.0f} MiB")


def pg_server_cpu():
    """CPU seconds of the cluster's exited backends (the postmaster's children), or None."""
    try:
        pid = open(os.path.join(PG_DIR, "data", "postmaster.pid")).readline().strip()
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def pg_db(name):
    base = PG.rsplit("/", 1)[0]
    subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, stderr=subprocess.DEVNULL)
    subprocess.run(["psql", PG, "-qc", f"CREATE DATABASE {name}"], check=True)
    return f"{base}/{name}"


def ingest_pg(procs, k):
    """procs processes, each on its own shard of the bulk records, into one fresh database;
    returns (articles/s all together, server CPU s)."""
    url = pg_db(f"bench_{procs}_{k}")
    recs = [l for f in bulk_files for l in open(f, encoding="utf-8") if l.strip()]
    shards = []
    for i in range(procs):
        p = os.path.join(TMP, f"shard{i}.jsonl")
        with open(p, "w", encoding="utf-8") as out:
            out.writelines(recs[i::procs])
        shards.append(p)
    # one process opens (creates) the schema first, as a real deployment would
    subprocess.run([BIN, "stats", "--db", url], stdout=subprocess.DEVNULL, check=True)
    s0 = pg_server_cpu()
    t = time.monotonic()
    tf = os.path.join(TMP, "time{}.txt")
    ps = [
        subprocess.Popen(["/usr/bin/time", "-f", "%U %S", "-o", tf.format(i), BIN, "ingest", "--json", "--db", url, s], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for i, s in enumerate(shards)
    ]
    n, client = 0, 0.0
    for i, p in enumerate(ps):
        out, _ = p.communicate()
        j = json.loads(out)
        n += j["read"] + j["failed"]
        client += sum(float(x) for x in open(tf.format(i)).read().split()[-2:])
    wall = time.monotonic() - t
    time.sleep(0.5)
    s1 = pg_server_cpu()
    subprocess.run(["psql", PG, "-qc", f"DROP DATABASE bench_{procs}_{k}"], check=True)
    return n / wall, (s1 - s0) if s0 is not None and s1 is not None else float("nan"), client


if PG and "pg" not in SKIP:
    fsync = os.environ.get("MARSAD_PG_FSYNC", "off")
    for procs in (1, 2, 4):
        r = [ingest_pg(procs, k) for k in range(RUNS)]
        total = median([x[0] for x in r])
        row(f"ingest into PostgreSQL, {procs} process{'es' if procs > 1 else ''}", f"{total / procs:.0f}", "articles/s per process",
            f"{total:.0f} articles/s together; CPU: client {median([x[2] for x in r]):.1f} s, server {median([x[1] for x in r]):.1f} s; fsync {fsync}")
else:
    row("ingest into PostgreSQL", "-", "", "no PostgreSQL (apt-get install postgresql) or skipped")

# ---- the table ---------------------------------------------------------------------------
print("| measure | value | unit | notes |")
print("|---|---:|---|---|")
for m, v, u, n in rows:
    print(f"| {m} | {v} | {u} | {n} |")
cpu = platform.processor() or ""
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass
print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores ({cpu}); load average {os.getloadavg()[0]:.1f} at the end; medians of {RUNS} runs")
