"""Writing a DeepLabCut table as pandas' ``format="fixed"`` HDF5 frame, with h5py alone.

``pandas.read_hdf`` (and so DeepLabCut and movement) reads a frame that
PyTables laid out like this under its key (see `poseio_dlc._hdf` for the
layout): the group's attributes say it is a pandas ``frame`` and how its axes
are stored, each axis is plain arrays of level values and codes, and the
values are one float64 array of rows x columns. Everything here is a number or
a byte string; the only pickle is PyTables' ``N.`` for a level without a name,
which is what PyTables itself writes for ``None``. No PyTables is needed.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from poseio_dlc._write import Table

_NONE = np.bytes_(b"N.")  # PyTables' pickled None (an unnamed index level), an ASCII string as PyTables writes it
# PyTables writes text attributes as UTF-8 strings and reads them back as str (ASCII ones come back as bytes,
# which pandas does not take); an empty text is an attribute with no data.
_EMPTY_TEXT = h5py.Empty(h5py.string_dtype("utf-8", 1))


def _set(obj: h5py.HLObject, **attrs: object) -> None:
    """Set attributes as PyTables writes them: text as UTF-8 strings, None as its pickle, numbers as they are."""
    for name, value in attrs.items():
        if value is None:
            obj.attrs[name] = _NONE
        elif isinstance(value, str):
            data = value.encode("utf-8")
            if data:
                obj.attrs.create(name, np.array(data), dtype=h5py.string_dtype("utf-8", len(data)))
            else:
                obj.attrs[name] = _EMPTY_TEXT
        else:
            obj.attrs[name] = value


_GROUP_ATTRS = {"CLASS": "GROUP", "TITLE": "", "VERSION": "1.0"}
_ARRAY_ATTRS = {"CLASS": "ARRAY", "FLAVOR": "numpy", "TITLE": "", "VERSION": "2.4"}


def _array(group: h5py.Group, key: str, data: np.ndarray, **attrs: object) -> None:
    """One PyTables array; an empty one as pandas stores it (a one-element stand-in and its real shape)."""
    if data.size == 0:
        dataset = group.create_dataset(key, data=np.zeros((1,) * data.ndim))
        _set(dataset, **_ARRAY_ATTRS, value_type=str(data.dtype), shape=np.array(data.shape, dtype=np.int64))
    else:
        dataset = group.create_dataset(key, data=data)
        _set(dataset, **_ARRAY_ATTRS, transposed=np.uint8(1))
    _set(dataset, **attrs)


def _strings(values: list[str]) -> np.ndarray:
    encoded = [v.encode("utf-8") for v in values]
    return np.array(encoded, dtype=f"S{max([1, *map(len, encoded)])}")


def _codes(codes: np.ndarray, n_values: int) -> np.ndarray:
    # pandas stores a level's codes in the smallest integers that hold them.
    for dtype in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(dtype).max:
            return codes.astype(dtype)
    return codes.astype(np.int64)


def _multi(group: h5py.Group, key: str, rows: list[tuple[str, ...]], names: list[str | None]) -> None:
    """An axis of several levels: each level's sorted distinct values and every entry's codes into them."""
    _set(group, **{f"{key}_variety": "multi", f"{key}_nlevels": np.int64(len(names))})
    for i, name in enumerate(names):
        column = [row[i] for row in rows]
        level = sorted(set(column))
        code = {value: n for n, value in enumerate(level)}
        # pandas also names the level in an attribute whose name holds the name.
        extra = {f"{key}_name{name}": name}
        _array(group, f"{key}_level{i}", _strings(level), kind="string", name=name, nan_rep="", **extra)
        _array(group, f"{key}_label{i}", _codes(np.array([code[v] for v in column], dtype=np.int64), len(level)))


def write_fixed(table: Table, path: Path, key: str) -> None:
    """Write the table as the pandas frame ``key`` of a new HDF5 file."""
    with h5py.File(path, "w") as f:
        _set(f, **_GROUP_ATTRS, PYTABLES_FORMAT_VERSION="2.1")
        group = f.create_group(key)
        _set(group, **_GROUP_ATTRS, pandas_type="frame", pandas_version="0.15.2", encoding="UTF-8", errors="strict")
        _set(group, ndim=np.int64(2), nblocks=np.int64(1))
        names = list(table.levels)
        _multi(group, "axis0", table.labels, names)
        _multi(group, "block0_items", table.labels, names)
        if table.index_levels > 1:
            _multi(group, "axis1", table.path_parts(), [None] * table.index_levels)
        else:
            _set(group, axis1_variety="regular")
            if isinstance(table.index, np.ndarray):
                _array(group, "axis1", table.index.astype(np.int64), kind="integer", name=None)
            else:
                _array(group, "axis1", _strings(table.index), kind="string", name=None, nan_rep="")
        # pandas keeps a block as columns x rows and writes it transposed: rows x columns, as here.
        block = table.block
        _array(group, "block0_values", block if block.size else np.empty((block.shape[1], block.shape[0])))
