#!/usr/bin/env python3
"""5-fold cross-validation of marsad's named-entity tagger on ANERcorp's dev part.

    python3 scripts/ner/cv.py [--bin target/release/marsad] [--shared ../shared] [--folds 5] [--keep DIR]

NewsFANE Gold (../shared/corpus/ner-train) annotates the same newswire text as ANERcorp's dev
part, so the tagger can only be scored there by cross-validation: the dev part's 425 chunks are
cut into five contiguous blocks; each NewsFANE sentence is placed in the chunk whose text holds
it (by its 16-letter pieces); for each block the tagger is trained (`marsad train-ner`, the defaults of the built-in model)
on the sentences of the other four blocks, marsad extracts the block's chunks with that model,
and score_ner.py scores them. The counts of the five blocks are summed; the same blocks are also
extracted without the tagger (`--ner-model off`) for the figure before. Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def norm(s):
    s = re.sub(r"[\u064B-\u065F\u0640ء]", "", s.translate(FOLD))
    return re.sub(r"[^\u0621-\u064A0-9]", "", s)


def read_conll(path):
    sents, cur = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if cur:
                    sents.append(cur)
                cur = []
            else:
                cur.append(line)
    if cur:
        sents.append(cur)
    return sents


def place(sents, chunks):
    """Chunk index of each sentence: the chunk holding most of its 16-letter pieces (the two
    corpora order their documents differently); a sentence with no piece found follows the
    one before it."""
    at = {}
    for ci, c in enumerate(chunks):
        t = norm(c["text"])
        for k in range(len(t) - 15):
            at.setdefault(t[k:k + 16], set()).add(ci)
    out, lost, prev = [], 0, 0
    for s in sents:
        t = norm("".join(l.split("\t")[0] for l in s))
        votes = {}
        for k in range(0, max(0, len(t) - 15), 4):
            for ci in at.get(t[k:k + 16], ()):
                votes[ci] = votes.get(ci, 0) + 1
        if votes:
            prev = max(sorted(votes), key=lambda ci: (votes[ci], -abs(ci - prev)))
        else:
            lost += 1
        out.append(prev)
    return out, lost


def counts(score_out):
    got = {}
    for line in score_out.splitlines():
        m = re.match(r"^(PERS|LOC|ORG)\s+P.*\(tp (\d+) fp (\d+) fn (\d+)\)", line)
        if m:
            got[m.group(1)] = [int(m.group(2)), int(m.group(3)), int(m.group(4))]
    return got


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="target/release/marsad")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--keep", help="keep the fold files and outputs in this folder")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--train-args", default="", help="extra arguments for marsad train-ner (to try settings)")
    a = ap.parse_args()
    conll = os.path.join(a.shared, "corpus/ner-train/newsfane-train.conll")
    dev = os.path.join(a.shared, "corpus/anercorp/anercorp_dev.jsonl")
    scorer = os.path.join(a.shared, "eval/score_ner.py")
    with open(dev, encoding="utf-8") as fh:
        chunks = [json.loads(l) for l in fh if l.strip()]
    sents = read_conll(conll)
    where, lost = place(sents, chunks)
    block = lambda c: c * a.folds // len(chunks)  # noqa: E731
    work = a.keep or tempfile.mkdtemp(prefix="marsad-ner-cv-")
    os.makedirs(work, exist_ok=True)
    total = {"tagger": {}, "off": {}, "alone": {}}
    per_fold = []
    for f in range(a.folds):
        train = os.path.join(work, f"train{f}.conll")
        test = os.path.join(work, f"test{f}.conll")
        with open(train, "w", encoding="utf-8") as fh, open(test, "w", encoding="utf-8") as th:
            n_train = 0
            for s, c in zip(sents, where):
                if block(c) != f:
                    fh.write("\n".join(s) + "\n\n")
                    n_train += 1
                else:
                    th.write("\n".join(s) + "\n\n")
        gold = os.path.join(work, f"gold{f}.jsonl")
        inp = os.path.join(work, f"input{f}.jsonl")
        held = [c for i, c in enumerate(chunks) if block(i) == f]
        with open(gold, "w", encoding="utf-8") as g, open(inp, "w", encoding="utf-8") as i:
            for c in held:
                g.write(json.dumps(c, ensure_ascii=False) + "\n")
                i.write(json.dumps({"id": c["id"], "text": c["text"]}, ensure_ascii=False) + "\n")
        model = os.path.join(work, f"model{f}.bin")
        ev = subprocess.run([a.bin, "train-ner", train, "--out", model, "--eval", test] + a.train_args.split(), check=True, stderr=subprocess.DEVNULL, capture_output=False, stdout=subprocess.PIPE, text=True).stdout
        row = {"fold": f, "train_sentences": n_train, "held_chunks": len(held)}
        for k, v in counts(ev).items():
            t = total.setdefault("alone", {}).setdefault(k, [0, 0, 0])
            for j in range(3):
                t[j] += v[j]
        for name, flag in (("tagger", model), ("off", "off")):
            out = os.path.join(work, f"out{f}.{name}.jsonl")
            with open(out, "w", encoding="utf-8") as fh:
                subprocess.run([a.bin, "--ner-model", flag, "extract", inp], check=True, stdout=fh, stderr=subprocess.DEVNULL)
            res = subprocess.run([sys.executable, scorer, "score", gold, out], check=True, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}).stdout
            cnt = counts(res)
            for k, v in cnt.items():
                t = total[name].setdefault(k, [0, 0, 0])
                for j in range(3):
                    t[j] += v[j]
            row[name] = round(prf(*[sum(v[j] for v in cnt.values()) for j in range(3)])[2], 3)
        per_fold.append(row)
    result = {"sentences_placed": len(sents) - lost, "sentences_unplaced": lost, "folds": per_fold}
    for name in ("off", "tagger", "alone"):
        t = total[name]
        micro = [sum(v[j] for v in t.values()) for j in range(3)]
        result[name] = {k: dict(zip(("P", "R", "F1"), (round(x, 3) for x in prf(*v)))) for k, v in sorted(t.items())}
        result[name]["micro"] = dict(zip(("P", "R", "F1"), (round(x, 3) for x in prf(*micro))))
    if a.json:
        print(json.dumps(result, indent=1))
        return
    print(f"sentences placed in chunks: {result['sentences_placed']} (too short to place, put with the sentence before: {lost})")
    for r in per_fold:
        print(f"fold {r['fold']}: train {r['train_sentences']} sentences, score {r['held_chunks']} chunks: micro F1 {r['off']:.3f} without tagger, {r['tagger']:.3f} with")
    for name, label in (("off", "without tagger"), ("tagger", "with tagger"), ("alone", "tagger alone*")):
        parts = "  ".join(f"{k} P {v['P']:.3f} R {v['R']:.3f} F1 {v['F1']:.3f}" for k, v in result[name].items())
        print(f"{label:15s} {parts}")
    print("* the tagger by itself on the held-out NewsFANE sentences: exact spans over marsad's tokens, NewsFANE's classes")


if __name__ == "__main__":
    main()
