"""marsad.spark in PySpark local mode (local[2], every socket on 127.0.0.1): a slice of the bulk
corpus extracted through mapInArrow and written as the Hive Parquet layout of
`marsad export --partition-by month`; the events must be the command line's for the same input."""

import collections
import json
import os

import pyarrow.dataset as ds
import pytest

from conftest import bulk_slice, cli_extract

# the whole bulk corpus (Ahdath's 364 articles and SaudiNewsNet's 5,155: SPA datelines with
# Hijri dates, dated and undated events, many months); MARSAD_SPARK_ARTICLES=N takes the first N
SLICE = int(os.environ.get("MARSAD_SPARK_ARTICLES", "0")) or None


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # every socket of the driver and its block manager on loopback
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"

    s = (
        SparkSession.builder.master("local[2]")
        .appName("marsad-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "200")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield s
    s.stop()


def key_of_cli(rec, e):
    place = e.get("place") or {}
    return (
        rec["id"], e["type"], e.get("mode"), e["modality"], e["source"].get("actor"), e["target"].get("actor"),
        e["source"].get("agent"), e["target"].get("agent"), e["trigger"], e["start"], e["end"], e["evidence"], e["gloss"],
        e.get("date_start"), e.get("date_end"), e["date_source"], place.get("name") or place.get("text"),
    )


def key_of_row(r):
    day = lambda d: d.isoformat() if d is not None else None  # noqa: E731
    return (
        r["id"], r["event_type"], r["event_mode"], r["modality"], r["actor1_code"], r["actor2_code"],
        r["actor1_agent"], r["actor2_agent"], r["trigger"], r["trigger_start"], r["trigger_end"], r["sentence"], r["gloss"],
        day(r["date_start"]), day(r["date_end"]), r["date_source"], r["action_geo_fullname"],
    )


def test_spark_writes_the_partitioned_dataset_of_the_cli_events(spark, tmp_path):
    from marsad.spark import extract_to_dataset

    path, recs = bulk_slice(SLICE, tmp_path, "articles.jsonl")
    articles = spark.read.json(str(path)).repartition(4)
    out = tmp_path / "events"
    marker = extract_to_dataset(articles, str(out), partition_by="month")

    want = [key_of_cli(r, e) for r in cli_extract([path]) for e in r["events"]]
    assert len(want) >= 200, f"the slice should carry events: {len(want)}"
    table = ds.dataset(str(out), format="parquet", partitioning="hive").to_table()
    rows = table.to_pylist()
    assert collections.Counter(key_of_row(r) for r in rows) == collections.Counter(want)

    # the layout of `marsad export --partition-by month`
    assert marker["rows"] == len(rows) == json.loads((out / "_marsad_dataset.json").read_text())["rows"]
    assert marker["format"] == "marsad-events-parquet/2" and marker["partition_by"] == "month"
    assert sum(n for _, n in marker["files"]) == len(rows) and all(f.endswith(".parquet") for f, _ in marker["files"])
    folders = {os.path.dirname(f) for f, _ in marker["files"]}
    for f in folders:
        y, m = f.split("/")
        assert y.startswith("year=") and m.startswith("month=")
        if y == "year=__HIVE_DEFAULT_PARTITION__":
            assert m == "month=__HIVE_DEFAULT_PARTITION__"
        else:
            assert not m[len("month="):].startswith("0"), f
    assert any(f.startswith("year=__HIVE_DEFAULT_PARTITION__") for f in folders), "undated events have their partition"
    assert len([f for f in folders if not f.startswith("year=__")]) >= 3, folders
    for r in rows:
        if r["date_start"] is None:
            assert r["year"] is None and r["month"] is None
        else:
            assert (r["year"], r["month"]) == (r["date_start"].year, r["date_start"].month)
    assert not [n for n in os.listdir(out) if n == "_SUCCESS" or n.endswith(".crc")]
    # the export's columns and types, then the input id; the partition keys read as integers
    import marsad

    schema = marsad.event_schema()
    for f in schema:
        assert table.schema.field(f.name).type == f.type, f.name
    assert str(table.schema.field("year").type) == "int32" and str(table.schema.field("month").type) == "int32"
    import duckdb

    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out}/**/*.parquet', hive_partitioning = true) WHERE month IS NOT NULL AND year >= 2009").fetchone()[0]
    assert n == sum(1 for r in rows if r["month"] is not None and r["year"] >= 2009)

    # written again over itself: replaced whole; a folder that is not a dataset is refused
    again = extract_to_dataset(articles, str(out), partition_by="year")
    assert again["rows"] == len(rows) and all(f.startswith("year=") and f.count("/") == 1 for f, _ in again["files"])
    other = tmp_path / "not-a-dataset"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a marsad dataset"):
        extract_to_dataset(articles, str(other))
    assert (other / "keep.txt").read_text() == "mine"


def test_spark_names_a_missing_column(spark):
    from marsad.spark import extract_events

    df = spark.createDataFrame([("a", "x")], ["id", "body"])
    with pytest.raises(ValueError, match="no `text` column"):
        extract_events(df)
    # other column names by keyword
    rows = extract_events(df.selectExpr("id", "'التقى أردوغان بوتين في أنقرة' AS body"), text="body").collect()
    assert [(r.event_type, r.actor1_code, r.actor2_code, r.id) for r in rows] == [("CONSULT", "TUR", "RUS", "a")]
