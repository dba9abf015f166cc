"""Shared fixtures: the repository, the `marsad` command line to compare with, the bulk corpus."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"


def marsad_bin():
    """The command line the package must agree with: $MARSAD_BIN, else the workspace's build
    (.ci/run has built target/debug/marsad by the time the Python tests run)."""
    if os.environ.get("MARSAD_BIN"):
        return os.environ["MARSAD_BIN"]
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "marsad"
        if p.exists():
            return str(p)
    pytest.fail("no marsad binary: build it (cargo build -p marsad) or set MARSAD_BIN")


def cli_extract(paths, jobs=2):
    """`marsad extract PATH…` as a list of records."""
    r = subprocess.run([marsad_bin(), "extract", "--jobs", str(jobs), *map(str, paths)], capture_output=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr.decode()
    return [json.loads(line) for line in r.stdout.decode().splitlines() if line.strip()]


def bulk_slice(n, tmp_path, name="slice.jsonl"):
    """The first `n` records (None: all) of the bulk corpus (Ahdath first, then SaudiNewsNet), as a JSON
    Lines file and as dicts; fails when the corpus is missing (CI has ../shared)."""
    bulk = SHARED / "corpus" / "bulk"
    if not bulk.exists():
        pytest.fail(f"the bulk corpus is missing: {bulk}")
    recs = []
    for f in ("ahdath-364.jsonl", "saudinewsnet-sample.jsonl"):
        with open(bulk / f, encoding="utf-8") as fh:
            for line in fh:
                if n is not None and len(recs) >= n:
                    break
                if line.strip():
                    recs.append(json.loads(line))
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path, recs
