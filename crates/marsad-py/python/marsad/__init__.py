"""marsad: Arabic news in, structured international-relations event data out.

``extract(text, published=None, title=None)`` returns exactly the JSON record that
``marsad extract`` writes for one article, as a dict; ``extract_many(records, jobs=None)``
does the same for many records on all cores with the GIL released; ``extract_arrow(table)``
returns a pyarrow RecordBatch with one row per event in the columns and types of
``marsad export`` (docs/export.md) and the article's ``id``. ``marsad.spark`` runs it on a
Spark cluster. The knowledge base is compiled once per process, on first use (or ``load()``).
See docs/python.md.
"""

from ._marsad import __version__, extract, extract_arrow, extract_many, load

__all__ = ["extract", "extract_many", "extract_arrow", "load", "event_schema", "__version__"]


def event_schema():
    """The pyarrow schema of ``extract_arrow``'s batches (the export's columns, then ``id``)."""
    import pyarrow as pa

    return extract_arrow(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())})).schema
