"""``apology-lint audit --parquet``: ``messages.jsonl`` again as ``messages.parquet``, for
a team's own analysis (pandas, DuckDB, Spark read it with its types).

Written from the finished ``messages.jsonl`` in batches, with a fixed schema (one column
per ``MessageRow`` field), so memory stays flat at any archive size and an empty list in
the first batch cannot give a column the wrong type. Written under a temporary name and
renamed, as the other outputs are.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from .models import MessageRow

PARQUET_FILE = "messages.parquet"
_BATCH = 10_000


def _schema() -> Any:
    import pyarrow as pa

    text, names = pa.string(), pa.list_(pa.string())
    when = pa.timestamp("us", tz="UTC")
    return pa.schema([
        ("provider", text), ("file", text), ("incident", text), ("impact", text),
        ("started_at", when), ("index", pa.int32()), ("ts", when), ("line", pa.int32()),
        ("status", text), ("kind", text), ("score", pa.int16()), ("band", text),
        ("elements", names), ("rules", names), ("findings", pa.int32()),
        ("thread_rules", names), ("next_update_promise", pa.bool_()),
    ])


def require_pyarrow() -> None:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise InputError("--parquet needs pyarrow: pip install 'apology-lint[parquet]' "
                         "(or pyarrow)") from None


def write_parquet(out_dir: str | Path, jsonl_name: str = "messages.jsonl") -> Path:
    """``out_dir/messages.parquet`` from ``out_dir/messages.jsonl``; returns its path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(out_dir)
    target = folder / PARQUET_FILE
    temporary = folder / f".{PARQUET_FILE}.tmp"
    schema = _schema()
    if set(schema.names) != set(MessageRow.model_fields):  # a new field needs a column
        raise AssertionError("the Parquet schema and MessageRow disagree")
    rows: list[dict[str, Any]] = []
    try:
        with pq.ParquetWriter(temporary, schema) as writer, \
                open(folder / jsonl_name, encoding="utf-8") as lines:
            for line in lines:
                rows.append(MessageRow.model_validate_json(line).model_dump())
                if len(rows) >= _BATCH:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    rows.clear()
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()
    return target
