#!/usr/bin/env python3
"""Rank folded word forms by frequency over the (non-shipped) benchmark corpora, for hand review.

Used only to choose and rank candidates for common_words_selected.txt; the corpora are licensed for
research/benchmarks only, so neither their text nor this ranking is committed.

Usage: python3 scripts/lexicon/freq_rank.py [out.tsv]   (default /tmp/common_words_freq.tsv)
Output: folded form, count, commonest surface form; most frequent first.
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_common_words import fold  # noqa: E402

CORPORA = ['/work/shared/corpus/bulk/saudinewsnet-sample.jsonl',
           '/work/shared/corpus/bulk/ahdath-364.jsonl']


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else '/tmp/common_words_freq.tsv'
    cnt = collections.Counter()
    raw = collections.defaultdict(collections.Counter)
    for path in CORPORA:
        for line in open(path, encoding='utf-8'):
            for w in re.findall(r'[\u0621-\u064A\u0640\u064B-\u065F\u0670]+', json.loads(line)['text']):
                f = fold(w)
                if f:
                    cnt[f] += 1
                    raw[f][w.replace('\u0640', '')] += 1
    with open(out, 'w', encoding='utf-8') as o:
        for f, c in cnt.most_common():
            o.write(f'{f}\t{c}\t{raw[f].most_common(1)[0][0]}\n')
    print(len(cnt), 'forms,', sum(cnt.values()), 'tokens ->', out, file=sys.stderr)


if __name__ == '__main__':
    main()
