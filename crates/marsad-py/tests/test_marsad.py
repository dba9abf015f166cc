"""The Python package against the command line: the same records, the export's columns and
types, bad input named, the GIL released."""

import json
import subprocess
import sys
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import marsad
from conftest import REPO, bulk_slice, cli_extract, marsad_bin

DONE_WHEN = "التقى أردوغان بوتين في أنقرة"


def test_the_done_when_line_prints_the_consult_event():
    # literally the check, in a fresh interpreter
    r = subprocess.run([sys.executable, "-c", "import marsad; print(marsad.extract('التقى أردوغان بوتين في أنقرة')['events'])"], capture_output=True, timeout=120, check=True)
    out = r.stdout.decode()
    assert "'type': 'CONSULT'" in out and "'actor': 'TUR'" in out and "'actor': 'RUS'" in out, out
    ev = marsad.extract(DONE_WHEN)["events"]
    assert [(e["type"], e["source"]["actor"], e["target"]["actor"]) for e in ev] == [("CONSULT", "TUR", "RUS")]


def test_extract_is_exactly_the_cli_record(tmp_path):
    # text only, with a publication date, with a title and the other fields, a numeric id
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "samples").glob("*.txt"))]
    cases = [
        dict(id="0", text=DONE_WHEN),
        dict(id="pub", text=DONE_WHEN, published="2024-05-02"),
        dict(id="s0", text=texts[0], published="2025-10-22", title="عنوان الخبر", source="TASS", url="https://example.org/a"),
        dict(id=7, text=texts[1]),
        *[dict(id=f"sample{i}", text=t) for i, t in enumerate(texts[2:])],
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    want = cli_extract([path])
    got = [marsad.extract(c["text"], c.get("published"), c.get("title"), id=c["id"], source=c.get("source"), url=c.get("url")) for c in cases]
    assert len(want) == len(cases)
    for c, g, w in zip(cases, got, want):
        assert g == w, c["id"]
    # the same types and key order as the command's JSON, not only equal values
    assert [json.dumps(g, ensure_ascii=False) for g in got] == [json.dumps(w, ensure_ascii=False) for w in want]
    assert marsad.extract(DONE_WHEN) == want[0]


def test_extract_many_equals_the_cli_in_input_order_on_any_number_of_threads(tmp_path):
    path, recs = bulk_slice(120, tmp_path)
    want = cli_extract([path])
    for jobs in (None, 1, 2, 3):
        got = marsad.extract_many(recs, jobs=jobs)
        assert [g["id"] for g in got] == [r["id"] for r in recs]
        assert got == want, f"jobs={jobs}"
    # the same types too (an int is not a float), the same key order, the tagger's f32 scores
    dumps = lambda recs: [json.dumps(r, ensure_ascii=False) for r in recs]  # noqa: E731
    assert dumps(got) == dumps(want)
    assert any("score" in m for r in want for m in r["mentions"]), "the slice should have tagger mentions"
    # any iterable, strings as texts (their id is their position)
    gen = marsad.extract_many(r["text"] for r in recs[:3])
    assert [g["id"] for g in gen] == ["0", "1", "2"] and [g["events"] for g in gen] == [w["events"] for w in want[:3]]
    assert marsad.extract_many([]) == []


@pytest.mark.parametrize(
    "records, error, words",
    [
        ([{"id": "a", "text": "x"}, {"id": "b"}], ValueError, ["record 1 (b)", "missing field `text`"]),
        ([{"text": "x"}], ValueError, ["record 0", "missing field `id`"]),
        ([{"id": "c", "text": "x", "published": "yesterday"}], ValueError, ["record 0 (c)", "`published`", "ISO date"]),
        ([{"id": "d", "text": ["x"]}], ValueError, ["record 0 (d)", "`text` must be a string"]),
        ([{"id": "e", "text": "x", "title": 3}], ValueError, ["record 0 (e)", "`title` must be a string"]),
        ([{"id": "", "text": "x"}], ValueError, ["record 0", "`id` must be a non-empty string or a number"]),
        ([{"id": "f", "text": "ا" * (4 << 20 + 1)}], ValueError, ["record 0 (f)", "larger than the 8 MiB limit"]),
        ([3.5], TypeError, ["record 0", "not float"]),
    ],
)
def test_bad_records_are_named_and_refused(records, error, words):
    with pytest.raises(error) as e:
        marsad.extract_many(records)
    for w in words:
        assert w in str(e.value), str(e.value)


def test_bad_single_texts_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="ISO date"):
        marsad.extract(DONE_WHEN, published="22/10/2025")
    with pytest.raises(ValueError, match="`text` must be a string"):
        marsad.extract(None)


def test_the_gil_is_released_while_extracting(tmp_path):
    _, recs = bulk_slice(400, tmp_path)
    marsad.load()
    span = {}

    def work():
        span["start"] = time.perf_counter()
        marsad.extract_many(recs, jobs=1)
        span["end"] = time.perf_counter()

    t = threading.Thread(target=work)
    ticks = []
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    start, end = span["start"], span["end"]
    inside = [x for x in ticks if start + 0.1 * (end - start) < x < end - 0.1 * (end - start)]
    # held, the GIL would stop this thread for the whole call
    assert end - start > 0.05 and len(inside) >= 10, (end - start, len(inside))


def cli_export_schema(tmp_path):
    """The schema of `marsad export --format parquet` on a store of the samples."""
    db = tmp_path / "m.db"
    out = tmp_path / "e.parquet"
    b = marsad_bin()
    subprocess.run([b, "ingest", "--db", str(db), str(REPO / "samples")], capture_output=True, timeout=300, check=True)
    subprocess.run([b, "export", "--db", str(db), "--format", "parquet", "--out", str(out)], capture_output=True, timeout=300, check=True)
    return pq.read_schema(out)


def test_extract_arrow_has_the_export_columns_and_types_and_one_row_per_event(tmp_path):
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "samples").glob("*.txt"))]
    ids = [f"s{i}" for i in range(len(texts))] + ["done"]
    table = pa.table({"id": ids, "text": texts + [DONE_WHEN], "published": ["2025-10-22"] * len(texts) + [None]})
    batch = marsad.extract_arrow(table)
    assert isinstance(batch, pa.RecordBatch)
    export = cli_export_schema(tmp_path)
    assert batch.schema.names == export.names + ["id"]
    for f in export:
        assert batch.schema.field(f.name).type == f.type, f.name
    assert batch.schema.field("date_start").type == pa.date32()
    assert marsad.event_schema() == batch.schema
    # one row per event of extract_many, in order, with the record's fields
    recs = marsad.extract_many([{"id": i, "text": t, "published": p} for i, t, p in zip(ids, table["text"].to_pylist(), table["published"].to_pylist())])
    want = [(r["id"], e["type"], e["source"]["actor"], e["target"]["actor"], e["start"], e["end"], e["trigger"], e["evidence"], e["gloss"]) for r in recs for e in r["events"]]
    d = batch.to_pydict()
    got = list(zip(d["id"], d["event_type"], d["actor1_code"], d["actor2_code"], d["trigger_start"], d["trigger_end"], d["trigger"], d["sentence"], d["gloss"]))
    assert got == want and len(got) >= 5
    assert set(d["num_mentions"]) == {1} and len(set(d["event_id"])) == len(got)
    # a RecordBatch works as well as a Table, and extra columns are ignored
    again = marsad.extract_arrow(table.append_column("other", pa.array([1] * table.num_rows)).to_batches()[0])
    assert again.equals(batch)
    # a date32 or timestamp `published` column is read as its ISO text
    import datetime

    for typ in (pa.date32(), pa.timestamp("s")):
        days = [datetime.date(2025, 10, 22) if p else None for p in table["published"].to_pylist()]
        typed = table.set_column(2, "published", pa.array(days, pa.date32()).cast(typ))
        got = pa.Table.from_batches([marsad.extract_arrow(typed)])
        # the events are the same; `published` is the text given, as the command keeps it
        assert got.drop_columns(["published"]).equals(pa.Table.from_batches([batch]).drop_columns(["published"])), typ
        assert set(got["published"].to_pylist()) - {None} == ({"2025-10-22"} if typ == pa.date32() else {"2025-10-22T00:00:00"}), typ


def test_extract_arrow_loads_in_pandas_and_duckdb_with_the_export_types():
    import duckdb

    batch = marsad.extract_arrow(pa.table({"id": ["a", "b"], "text": [DONE_WHEN, "قتل 12 شخصا في هجوم شنته القوات الإسرائيلية على غزة"], "published": ["2024-05-02", "2024-01-10"]}))
    df = batch.to_pandas()
    assert len(df) == batch.num_rows >= 1
    assert str(df["event_id"].dtype) == "int64" and str(df["trigger_start"].dtype) == "int64"
    assert str(df["intensity"].dtype) == "float64"
    assert df.loc[0, "event_type"] == "CONSULT" and df.loc[0, "actor1_code"] == "TUR"
    con = duckdb.connect()
    con.register("ev", batch)
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ev)").fetchall())
    assert types["date_start"] == "DATE" and types["event_id"] == "BIGINT" and types["action_geo_lat"] == "DOUBLE" and types["event_type"] == "VARCHAR"
    assert con.execute("SELECT actor1_code || '-' || actor2_code, date_start FROM ev WHERE event_type = 'CONSULT'").fetchall() == [("TUR-RUS", __import__("datetime").date(2024, 5, 2))]


@pytest.mark.parametrize(
    "table, words",
    [
        (pa.table({"text": ["x"]}), ["no `id` column"]),
        (pa.table({"id": ["a"]}), ["no `text` column"]),
        (pa.table({"id": ["a", "b"], "text": ["x", None]}), ["record 1 (b)", "missing field `text`"]),
        (pa.table({"id": ["a"], "text": ["x"], "published": ["soon"]}), ["record 0 (a)", "ISO date"]),
    ],
)
def test_extract_arrow_names_the_bad_column_or_row(table, words):
    with pytest.raises(ValueError) as e:
        marsad.extract_arrow(table)
    for w in words:
        assert w in str(e.value), str(e.value)
    with pytest.raises(TypeError):
        marsad.extract_arrow([{"id": "a", "text": "x"}])
