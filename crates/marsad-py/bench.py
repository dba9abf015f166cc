"""Articles per second on one core: `marsad extract --jobs 1` against `marsad.extract_many(jobs=1)`
and `marsad.extract_arrow(jobs=1)` on the same JSON Lines file (default: the bulk corpus).

    python3 crates/marsad-py/bench.py [--bin target/release/marsad] [--rounds 3] [FILE.jsonl…]

Runs are interleaved and the best of each is kept. Time is CPU time (user + system, of the
child process for the command, of this process for the package), which a machine shared with
other builds changes far less than wall time; on an idle machine with one thread the two agree.
The command's time is taken without its start-up (the same command on an empty file), as the
package's is taken after `marsad.load()`. The command reads its JSON Lines file and writes
every record (JSON text, to /dev/null); the functions take records already in memory (dicts
for extract_many, a pyarrow Table for extract_arrow, as a Python pipeline holds them) and
return every record (dicts; one record batch of events). Reading the file into dicts with
Python's json is shown apart.
"""

import argparse
import json
import pathlib
import resource
import subprocess
import tempfile
import time

import pyarrow as pa

import marsad

REPO = pathlib.Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", default=[str(REPO.parent / "shared/corpus/bulk/ahdath-364.jsonl"), str(REPO.parent / "shared/corpus/bulk/saudinewsnet-sample.jsonl")])
    ap.add_argument("--bin", default=str(REPO / "target/release/marsad"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    recs = [json.loads(line) for f in a.files for line in open(f, encoding="utf-8") if line.strip()]
    mb = sum(len(r["text"].encode()) for r in recs) / 1e6
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "all.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
        empty = pathlib.Path(d) / "empty.jsonl"
        empty.write_text("")
        load = marsad.load()
        best = {}

        def keep(name, secs):
            best[name] = min(best.get(name, float("inf")), secs)

        def child():
            r = resource.getrusage(resource.RUSAGE_CHILDREN)
            return r.ru_utime + r.ru_stime

        for _ in range(a.rounds):
            t = child()
            subprocess.run([a.bin, "extract", "--jobs", "1", str(empty)], stdout=subprocess.DEVNULL, check=True)
            start = child() - t
            t = child()
            subprocess.run([a.bin, "extract", "--jobs", "1", str(path)], stdout=subprocess.DEVNULL, check=True)
            keep("cli --jobs 1", child() - t - start)
            t = time.process_time()
            rows = [json.loads(line) for line in open(path, encoding="utf-8")]
            keep("(reading the file into dicts)", time.process_time() - t)
            t = time.process_time()
            marsad.extract_many(rows, jobs=1)
            keep("extract_many(jobs=1)", time.process_time() - t)
            table = pa.Table.from_pylist(rows)
            t = time.process_time()
            marsad.extract_arrow(table, jobs=1)
            keep("extract_arrow(jobs=1)", time.process_time() - t)
    print(f"{len(recs)} articles, {mb:.1f} MB of text; knowledge base loaded in {load:.2f} s; best of {a.rounds}")
    cli = len(recs) / best["cli --jobs 1"]
    for name, secs in best.items():
        rate = len(recs) / secs
        print(f"{name:24} {secs:7.2f} s CPU  {rate:7.0f} articles/s per core  {rate / cli * 100:5.1f} % of the command")


if __name__ == "__main__":
    main()
