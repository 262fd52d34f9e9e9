"""poseio's own values in an NWB file: what ndx-pose has no field for, in one long DynamicTable.

The values (each video's shape and rate, skeleton symmetries, renamed
skeletons, the track of a lone container, an export's frame map) form small
tables, one per kind (``poseio_videos``, ``poseio_tracks``, ...). They are
stored in one DynamicTable, ``poseio_metadata``, one row per value, in three
text columns: ``record`` (the kind and the row within it, ``poseio_videos/0``),
``field`` and ``value``. One table of many rows rather than many tables of
one: nwbinspector asks for no table of a single row (``check_single_row``), no
column of NaN (``check_col_not_nan``) and no integer column of 0 and 1
(``check_column_binary_capability``), so an unknown value is simply absent and
every column is text. The first row records the layout
(``poseio``, ``layout``, ``2``).

Files written before this layout hold one DynamicTable per kind, named after
it; `rows_of_file_table` reads both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import h5py
import numpy as np
from poseio.hdf5 import read_strings, text, values

#: The DynamicTable that holds every value poseio writes besides ndx-pose's.
METADATA_TABLE = "poseio_metadata"
COLUMNS = ("record", "field", "value")
#: The row that says which layout the table follows.
LAYOUT_ROW = ("poseio", "layout", "2")

Rows = list[dict[str, str]]


def append_rows(module, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Add ``rows`` (values in ``columns`` order) to poseio's table ``name`` in the processing module.

    A float NaN is an unknown value and is not written.
    """
    table = module.data_interfaces.get(METADATA_TABLE)
    if table is None:
        from hdmf.common import DynamicTable

        table = DynamicTable(
            name=METADATA_TABLE,
            description="Values poseio keeps that ndx-pose has no field for: one row per value of poseio's small "
            "tables (videos, tracks, skeleton symmetries and names, frame map), see poseio's NWB format docs.",
        )
        for column in COLUMNS:
            table.add_column(name=column, description=f"the {column} of a value")
        module.add(table)
        table.add_row(**dict(zip(COLUMNS, LAYOUT_ROW)))
    taken = [_record(text(r))[1] for r in table["record"].data[:] if _record(text(r))[0] == name]
    start = max(taken, default=-1) + 1
    for offset, row in enumerate(rows):
        for column, value in zip(columns, row):
            if isinstance(value, float) and np.isnan(value):
                continue
            table.add_row(record=f"{name}/{start + offset}", field=column, value=str(value))


def rows_in_module(module, name: str) -> Rows:
    """The rows of poseio's table ``name`` in a pynwb processing module (being written or appended to)."""
    table = module.data_interfaces.get(METADATA_TABLE)
    if table is None:
        return []
    return _grouped(*([text(v) for v in table[c].data[:]] for c in COLUMNS)).get(name, [])


def rows_of_file_table(table: h5py.Group) -> dict[str, Rows]:
    """Each poseio table's rows in a DynamicTable of a file: ``poseio_metadata``, or an older per-kind table."""
    name = table.name.rsplit("/", 1)[-1]
    if name == METADATA_TABLE:
        return _grouped(*(read_strings(table[c]) for c in COLUMNS))
    columns = [c for c in table if isinstance(table[c], h5py.Dataset) and c != "id"]
    data = {c: [_as_text(v) for v in np.asarray(values(table[c])).reshape(-1)] for c in columns}
    n_rows = min((len(v) for v in data.values()), default=0)
    return {name: [{c: data[c][i] for c in columns} for i in range(n_rows)]}


def _record(record: str) -> tuple[str, int]:
    """``("poseio_videos", 0)`` from ``"poseio_videos/0"``; the layout row is ``("poseio", -1)``."""
    kind, _, row = record.rpartition("/")
    return (kind, int(row)) if kind and row.isdigit() else (record, -1)


def _grouped(records: list[str], fields: list[str], texts: list[str]) -> dict[str, Rows]:
    found: dict[str, dict[int, dict[str, str]]] = {}
    for record, field, value in zip(records, fields, texts):
        kind, row = _record(record)
        found.setdefault(kind, {}).setdefault(row, {})[field] = value
    return {kind: [by_row[r] for r in sorted(by_row)] for kind, by_row in found.items() if kind != LAYOUT_ROW[0]}


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return "nan"
    return str(value.item() if isinstance(value, np.generic) else value)
