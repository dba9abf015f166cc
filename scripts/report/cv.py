#!/usr/bin/env python3
"""5-fold cross-validation of marsad's report check on the GSR dev half.

    python3 scripts/report/cv.py [--bin target/release/marsad] [--shared ../shared] [--folds 5]
                                 [--configs "threshold=0.3" ...] [--devset]

The report check (crates/extract/src/report.rs) is trained on the Arabic PLOVER gold-standard
records (../shared/corpus/gsr, both files), so it can only be scored there by cross-validation:
records are cut into folds by a hash of their id; for each fold `marsad train-report` learns from
the other folds, marsad extracts the fold's sentences with that model, and score_gsr.py scores the
five folds' outputs together, for each configuration given (settings lines of the model file,
e.g. "threshold=0.2,PROTEST|threshold=0.05,ASSAULT|domestic=0.5"; without one, the built-in
model's own settings). The same sentences extracted with
`--report-model off` give the figure without the check. With --devset, also prints the devset's
events and event dates for the built-in model and without the check (score.py). Standard library only.
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile

TYPES = ("protest", "assault")


def fold_of(rid, folds):
    return int(hashlib.md5(rid.encode()).hexdigest(), 16) % folds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/marsad")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--configs", nargs="*", default=None)
    ap.add_argument("--devset", action="store_true")
    a = ap.parse_args()
    gsr = os.path.join(a.shared, "corpus", "gsr")
    csvs = [os.path.join(gsr, f"{k}_gsr_dev.csv") for k in TYPES]
    rows = {k: list(csv.DictReader(open(p, newline="", encoding="utf-8"))) for k, p in zip(TYPES, csvs)}
    builtin = [l for l in open("data/report/model.tsv", encoding="utf-8").read().splitlines() if l.startswith("threshold\t") or l.split("\t")[0].endswith(("|threshold", "|domestic"))]
    ths = a.configs or [",".join(l.replace("\t", "=") for l in builtin)]
    with tempfile.TemporaryDirectory() as t:
        ths_ids = {th: i for i, th in enumerate(ths)}
        def extract(records, model, out):
            inp = os.path.join(t, "in.jsonl")
            with open(inp, "w", encoding="utf-8") as fh:
                for r in records:
                    fh.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
            with open(out, "a", encoding="utf-8") as fh:
                subprocess.run([a.bin, "--report-model", model, "extract", inp], stdout=fh, stderr=subprocess.DEVNULL, check=True)

        outs = {(k, th): os.path.join(t, f"{k}-{ths_ids[th]}.jsonl") for k in TYPES for th in ths}
        for k in TYPES:
            extract(rows[k], "off", os.path.join(t, f"{k}-off.jsonl"))
        for f in range(a.folds):
            ex = os.path.join(t, "exclude.txt")
            with open(ex, "w") as fh:
                for k in TYPES:
                    for r in rows[k]:
                        if fold_of(r["id"], a.folds) == f:
                            fh.write(r["id"] + "\n")
            model = os.path.join(t, "model.tsv")
            subprocess.run([a.bin, "--report-model", "off", "train-report", *csvs, "--out", model, "--exclude", ex], check=True, stderr=subprocess.DEVNULL)
            text = [l for l in open(model, encoding="utf-8").read().splitlines() if not (l.startswith("threshold\t") or l.split("\t")[0].endswith(("|threshold", "|domestic")))]
            for th in ths:
                m2 = os.path.join(t, "model-cfg.tsv")
                with open(m2, "w", encoding="utf-8") as fh:
                    fh.write("\n".join([kv.replace("=", "\t", 1) for kv in th.split(",")] + text) + "\n")
                for k in TYPES:
                    extract([r for r in rows[k] if fold_of(r["id"], a.folds) == f], m2, outs[(k, th)])
        score = os.path.join(a.shared, "eval", "score_gsr.py")
        for k, p in zip(TYPES, csvs):
            line = subprocess.run([sys.executable, score, "score", p, os.path.join(t, f"{k}-off.jsonl")], capture_output=True, text=True).stdout.splitlines()[-2]
            print(f"without the check        {line}")
            for th in ths:
                line = subprocess.run([sys.executable, score, "score", p, outs[(k, th)]], capture_output=True, text=True).stdout.splitlines()[-2]
                print(f"{a.folds}-fold CV, {th}\n    {line}")
        if a.devset:
            dev = os.path.join(a.shared, "corpus", "devset", "articles.jsonl")
            gold = os.path.join(a.shared, "eval", "devset-gold.json")
            for model in ("off", None):
                out = os.path.join(t, "dev.jsonl")
                args = [a.bin] + (["--report-model", model] if model else []) + ["extract", dev]
                with open(out, "w") as fh:
                    subprocess.run(args, stdout=fh, stderr=subprocess.DEVNULL, check=True)
                res = subprocess.run([sys.executable, os.path.join(a.shared, "eval", "score.py"), gold, out, "--by-type"], capture_output=True, text=True).stdout
                pick = [l for l in res.splitlines() if l.startswith(("events", "event_dates", "  ASSAULT", "  PROTEST"))]
                print(f"devset, {'without the check' if model else 'built-in model'}:\n  " + "\n  ".join(pick))


if __name__ == "__main__":
    main()
