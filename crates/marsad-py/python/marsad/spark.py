"""marsad on Spark: extract a DataFrame of articles on the workers and write the Hive-style
Parquet dataset that ``marsad export --partition-by month`` writes.

    from marsad.spark import extract_events, write_dataset
    articles = spark.read.json("corpus/*.jsonl")               # id, text, title, published, source, url
    events = extract_events(articles)                          # one row per event, export columns + id
    write_dataset(events, "events/", partition_by="month")     # year=2015/month=8/part-….parquet

Each worker runs ``marsad.extract_arrow`` on the Arrow batches Spark hands it
(``DataFrame.mapInArrow``): no JSON, no binary to ship, no scheduler of our own; the package
must be installed on the workers (``pip install``, or an archive in ``spark.archives``). The
knowledge base is compiled once per Python worker process. See docs/python.md.
"""

import json
import os
import shutil
import uuid

_FIELDS = ("id", "text", "title", "published", "source", "url")
_MARKER = "_marsad_dataset.json"
_FORMAT = "marsad-events-parquet/2"
_NULL = "__HIVE_DEFAULT_PARTITION__"


def spark_schema():
    """The Spark schema of ``extract_events``' rows (from ``marsad.event_schema()``)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    import marsad

    return from_arrow_schema(marsad.event_schema())


def _extractor(jobs):
    def run(batches):
        import pyarrow as pa

        import marsad

        for b in batches:
            if b.num_rows:
                # Spark gives integer ids as int64: the input contract takes numbers as ids
                yield marsad.extract_arrow(pa.Table.from_batches([b]), jobs=jobs)

    return run


def extract_events(df, jobs=1, **columns):
    """One row per event of the articles in ``df`` (a DataFrame with ``id`` and ``text`` and
    optionally ``title``, ``published``, ``source``, ``url``; other names by keyword:
    ``extract_events(df, text="body")``), in the columns and types of ``marsad export`` and
    then ``id``. ``jobs`` is the extraction threads per Spark task (Spark runs one task per
    core, so 1)."""
    names = {k: columns.get(k, k) for k in _FIELDS}
    unknown = set(columns) - set(_FIELDS)
    if unknown:
        raise ValueError(f"unknown column keyword(s) {sorted(unknown)}; the fields are {list(_FIELDS)}")
    for need in ("id", "text"):
        if names[need] not in df.columns:
            raise ValueError(f"the DataFrame has no `{names[need]}` column for `{need}` (it has: {', '.join(df.columns)})")
    from pyspark.sql import functions as F

    cols = []
    for k in _FIELDS:
        if names[k] in df.columns:
            c = F.col(names[k])
            if k == "published":
                # a timestamp or date column as ISO text, as in JSON Lines
                c = c.cast("string")
            cols.append(c.alias(k))
    return df.select(*cols).mapInArrow(_extractor(jobs), spark_schema())


def _is_local(path):
    return "://" not in path or path.startswith("file://")


def write_dataset(events, out, partition_by="month"):
    """Writes ``events`` (from ``extract_events``) as a Hive-style Parquet dataset under
    ``out``: ``year=YYYY/month=M/part-….parquet`` by ``date_start`` (the month without a
    leading zero), ``__HIVE_DEFAULT_PARTITION__`` for events with no time, uncompressed, rows
    in date order within each file, and ``_marsad_dataset.json`` (format, partition_by, rows,
    files, columns) as ``marsad export --partition-by`` writes. On a local path the dataset is
    written beside ``out`` and swapped in whole; an existing ``out`` is replaced only when it is
    empty or holds ``_marsad_dataset.json``. Returns the marker's contents."""
    from pyspark.sql import functions as F

    if partition_by not in ("year", "month"):
        raise ValueError(f"partition_by must be 'year' or 'month', not {partition_by!r}")
    keys = ["year"] if partition_by == "year" else ["year", "month"]
    df = events.withColumn("year", F.year("date_start"))
    if partition_by == "month":
        df = df.withColumn("month", F.month("date_start"))
    df = df.sortWithinPartitions("date_start", "event_date", "article_id", "trigger_start")
    local = _is_local(out)
    path = out[len("file://"):] if out.startswith("file://") else out
    if local:
        path = os.path.abspath(path.rstrip("/"))
        if os.path.exists(path):
            if not os.path.isdir(path) or (os.listdir(path) and not os.path.exists(os.path.join(path, _MARKER))):
                raise ValueError(f"{out}: exists and is not a marsad dataset (no {_MARKER}); refusing to replace it")
        target = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp-{uuid.uuid4().hex}")
    else:
        target = path
    (df.write.mode("overwrite").option("compression", "none").partitionBy(*keys).parquet(("file://" + target) if local else target))
    columns = [f.name for f in events.schema.fields]
    if not local:
        return {"format": _FORMAT, "partition_by": partition_by, "columns": columns}
    import pyarrow.parquet as pq

    files = []
    for root, dirs, names in os.walk(target):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(".parquet"):
                p = os.path.join(root, n)
                files.append([os.path.relpath(p, target), pq.ParquetFile(p).metadata.num_rows])
    files.sort()
    marker = {"format": _FORMAT, "partition_by": partition_by, "rows": sum(r for _, r in files), "files": files, "columns": columns, "written_by": "marsad.spark (one row per report, docs/python.md)"}
    for n in os.listdir(target):
        # Spark's own bookkeeping (_SUCCESS, .crc files)
        if n == "_SUCCESS":
            os.remove(os.path.join(target, n))
    for root, _, names in os.walk(target):
        for n in names:
            if n.endswith(".crc"):
                os.remove(os.path.join(root, n))
    with open(os.path.join(target, _MARKER), "w", encoding="utf-8") as f:
        json.dump(marker, f, ensure_ascii=False)
    if os.path.exists(path):
        old = f"{target}.old"
        os.rename(path, old)
        os.rename(target, path)
        shutil.rmtree(old)
    else:
        os.rename(target, path)
    return marker


def extract_to_dataset(df, out, partition_by="month", jobs=1, **columns):
    """``write_dataset(extract_events(df, …), out, partition_by)``."""
    return write_dataset(extract_events(df, jobs=jobs, **columns), out, partition_by=partition_by)
