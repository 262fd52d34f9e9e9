"""Reading pandas' HDF5 frames (PyTables layout) with h5py, without PyTables and without unpickling.

DeepLabCut stores its tables with ``DataFrame.to_hdf``; PyTables lays out a
frame under its key in one of two ways:

``format="table"`` (DeepLabCut's own ``to_hdf(..., format="table")``)
    one compound dataset ``table`` whose rows hold the index (field
    ``index``) and the values (fields ``values_block_0``, ... with one entry
    per column of that block). The column labels are pickled attributes:
    ``non_index_axes`` on the group (every label, in column order),
    ``values_block_<i>_kind`` on the table (the labels of block i) and
    ``info`` on the group (the level names). They are read as plain data by
    `poseio_dlc._pickle`, which runs nothing.

``format="fixed"`` (pandas' default, movement's ``to_dlc_file``)
    plain arrays: ``axis0_level<i>`` (the distinct values of column level i,
    named by its ``name`` attribute), ``axis0_label<i>`` (each column's code
    into it), ``axis1`` (the index; ``axis1_level<i>``/``axis1_label<i>``
    when it has several levels), and per block of columns
    ``block<i>_items_*`` (its columns, coded alike) and ``block<i>_values``
    (rows x columns when its ``transposed`` attribute is set, as pandas
    always sets it). Text columns would be pickled object arrays: they are
    refused, never unpickled.
"""

from __future__ import annotations

import os

import h5py
import numpy as np
import poseio
from poseio.hdf5 import check_dataset, location, reading, values

from poseio_dlc._build import Frame
from poseio_dlc._columns import MULTI_LEVELS, SINGLE_LEVELS, Columns, ColumnsError
from poseio_dlc._pickle import UnsafePickleError, plain_data

_NONE_PICKLE = b"N."  # PyTables stores a None attribute (an unnamed level) as this pickle


def frame_kind(group: h5py.Group) -> str | None:
    """``"table"`` or ``"fixed"``: how pandas stored the frame of a group; ``None`` when it is no frame."""
    kind = _text(group.attrs.get("pandas_type"))
    return {"frame_table": "table", "frame": "fixed"}.get(kind or "")


def _text(value: object) -> str | None:
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    return None


def _pickled(obj: h5py.HLObject, name: str) -> object:
    """A pickled PyTables attribute, decoded as plain data.

    Raises:
        UnsafePickleError: It is absent, not plain data or not a pickle.
    """
    if name not in obj.attrs:
        raise UnsafePickleError(f"the attribute {name!r} is missing")
    value = obj.attrs[name]
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, (bytes, np.bytes_)):
        data = bytes(value)
    elif isinstance(value, np.void):
        data = value.tobytes()
    elif isinstance(value, np.ndarray) and value.dtype == np.uint8:
        data = value.tobytes()
    else:
        raise UnsafePickleError(f"the attribute {name!r} is a {type(value).__name__}, not a pickle")
    return plain_data(data)


def _name(value: object) -> str:
    """A level name attribute: text, or "" for PyTables' pickled None."""
    if isinstance(value, (bytes, np.bytes_)) and bytes(value) == _NONE_PICKLE:
        return ""
    return _text(value) or ""


def level_names(group: h5py.Group, kind: str) -> tuple[str, ...]:
    """The names of the column levels, from attributes only (the sniffer uses this).

    Raises:
        UnsafePickleError: A table's ``info`` attribute is not plain data.
    """
    if kind == "table":
        info = _pickled(group, "info")
        axis = info.get(1) if isinstance(info, dict) else None
        names = axis.get("names") if isinstance(axis, dict) else None
        if not isinstance(names, (list, tuple)):
            labels = table_labels(group)
            return ("",) * (len(labels[0]) if labels and isinstance(labels[0], tuple) else 1)
        return tuple("" if n is None else str(n) for n in names)
    if _text(group.attrs.get("axis0_variety")) != "multi":
        return ("",)
    n_levels = int(np.asarray(group.attrs.get("axis0_nlevels", 0)).reshape(-1)[0])
    names = []
    for i in range(min(n_levels, 8)):
        level = group.get(f"axis0_level{i}")
        names.append(_name(level.attrs.get("name")) if isinstance(level, h5py.Dataset) else "")
    return tuple(names)


def is_dlc_frame(group: h5py.Group) -> bool:
    """Whether a pandas frame's column levels are DeepLabCut's (attributes only; unreadable labels: no)."""
    kind = frame_kind(group)
    if kind is None:
        return False
    try:
        return level_names(group, kind) in (SINGLE_LEVELS, MULTI_LEVELS)
    except UnsafePickleError:
        return False


def table_labels(group: h5py.Group) -> list:
    """The column labels of a ``format="table"`` frame, in column order (``non_index_axes``).

    Raises:
        UnsafePickleError: The attribute is not plain data or not as pandas writes it.
    """
    axes = _pickled(group, "non_index_axes")
    # [(1, [label, label, ...])]: the columns axis and its labels.
    if not (isinstance(axes, list) and len(axes) == 1 and isinstance(axes[0], tuple) and len(axes[0]) == 2):
        raise UnsafePickleError(f"non_index_axes is {type(axes).__name__}, not pandas' [(axis, labels)]")
    labels = axes[0][1]
    if not isinstance(labels, list):
        raise UnsafePickleError("non_index_axes holds no list of column labels")
    return labels


def read_frame(h5file: h5py.File, key: str, name: str) -> Frame:
    """The frame stored under ``key``, as arrays.

    Raises:
        ReadError: The frame is not a DeepLabCut table, is damaged, or holds
            pickled objects (which are never unpickled).
    """
    group = h5file[key]
    kind = frame_kind(group)
    where = f"{name}:/{key}"
    with reading(f"the pandas frame '{key}'", where):
        try:
            names = level_names(group, kind or "")
            frame = _read_table(group, names, where) if kind == "table" else _read_fixed(group, names, where)
        except UnsafePickleError as exc:
            raise poseio.ReadError(
                f"{where}: the column labels cannot be read safely: {exc}. poseio reads only plain lists and "
                "strings from pandas' pickled attributes and never runs a pickle; if the file is yours, write it "
                "again with pandas (DataFrame.to_hdf) or save it as CSV"
            ) from exc
        except ColumnsError as exc:
            raise poseio.ReadError(f"{where}: not a DeepLabCut table: {exc}") from exc
    frame.details.update({"hdf_key": key, "hdf_format": kind})
    return frame


def _read_table(group: h5py.Group, names: tuple[str, ...], where: str) -> Frame:
    table = group.get("table")
    if not isinstance(table, h5py.Dataset) or table.dtype.names is None or "index" not in table.dtype.names:
        raise poseio.ReadError(f"{where}: a pandas table without its 'table' dataset of rows; the file is damaged")
    levels = int(np.asarray(group.attrs.get("levels", 1)).reshape(-1)[0])
    if levels != 1:
        raise poseio.ReadError(f"{where}: a table with {levels} index levels; DeepLabCut tables have one")
    labels = table_labels(group)
    columns = Columns.from_labels(names, labels)
    position = {tuple(label): i for i, label in enumerate(labels)}
    block_names = _pickled(group, "values_cols")
    if not isinstance(block_names, list) or not all(isinstance(b, str) for b in block_names):
        raise UnsafePickleError("values_cols is not a list of block names")
    missing = [b for b in block_names if b not in table.dtype.names]
    if missing or set(table.dtype.names) - {"index", *block_names}:
        raise poseio.ReadError(
            f"{where}: the table's fields {list(table.dtype.names)} do not match its blocks {block_names} "
            "(pandas data_columns are not DeepLabCut's layout)"
        )
    block_columns = []
    for block in block_names:
        block_labels = _pickled(table, f"{block}_kind")
        if not isinstance(block_labels, list) or any(tuple(b) not in position for b in block_labels):
            raise poseio.ReadError(f"{where}: the labels of {block} are not among the table's columns")
        block_columns.append([position[tuple(b)] for b in block_labels])
    rows = table_fields(table)
    block_values = [_numbers(rows[b], where, b) for b in block_names]
    index = _index_values(rows["index"], _text(table.attrs.get("index_kind")), _encoding(group), where)
    block = _assemble(block_values, block_columns, table.shape[0], len(labels), where)
    return Frame(columns, block, index)


def _read_fixed(group: h5py.Group, names: tuple[str, ...], where: str) -> Frame:
    if int(np.asarray(group.attrs.get("ndim", 2)).reshape(-1)[0]) != 2:
        raise poseio.ReadError(f"{where}: a pandas object of other than two dimensions, not a DeepLabCut table")
    encoding = _encoding(group)
    labels = _axis(group, "axis0", encoding, where)
    columns = Columns.from_labels(names, labels)
    position = {label: i for i, label in enumerate(labels)}
    index = _axis(group, "axis1", encoding, where)
    n_levels = len(index[0]) if len(index) and isinstance(index[0], tuple) else 1
    if n_levels > 1:
        # DeepLabCut >= 2.2 labels: (labeled-data, video folder, image name) is one image path.
        index = ["/".join(part for part in row if part) for row in index]
    n_blocks = int(np.asarray(group.attrs.get("nblocks", 0)).reshape(-1)[0])
    block_values, block_columns = [], []
    for i in range(n_blocks):
        items = _axis(group, f"block{i}_items", encoding, where)
        if any(item not in position for item in items):
            raise poseio.ReadError(f"{where}: block {i} holds columns that are not among the frame's columns")
        block_values.append(_block(group, f"block{i}_values", len(index), len(items), where))
        block_columns.append([position[item] for item in items])
    if isinstance(index, np.ndarray):
        rows_index: np.ndarray | list[str] = index
    else:
        rows_index = [str(v) for v in index]
    frame = Frame(columns, _assemble(block_values, block_columns, len(index), len(labels), where), rows_index)
    frame.index_levels = n_levels
    return frame


def _encoding(group: h5py.Group) -> str:
    found = _text(group.attrs.get("encoding"))
    return found if found and found != "N." else "utf-8"


def _axis(group: h5py.Group, key: str, encoding: str, where: str) -> list | np.ndarray:
    """An axis (index or columns) of a fixed frame: an array, or a list of tuples when it has several levels."""
    variety = _text(group.attrs.get(f"{key}_variety"))
    if variety == "regular":
        return _index_node(group, key, encoding, where)
    if variety != "multi":
        raise poseio.ReadError(f"{where}: the axis {key} is stored as {variety!r}, which pandas does not write")
    n_levels = int(np.asarray(group.attrs.get(f"{key}_nlevels", 0)).reshape(-1)[0])
    if not 1 <= n_levels <= 8:
        raise poseio.ReadError(f"{where}: the axis {key} declares {n_levels} levels")
    parts = []
    for i in range(n_levels):
        level = np.asarray(_index_node(group, f"{key}_level{i}", encoding, where), dtype=object)
        codes = np.asarray(_dataset(group, f"{key}_label{i}", where), dtype=np.int64).reshape(-1)
        if len(codes) and (codes.max() >= len(level) or codes.min() < -1):
            raise poseio.ReadError(f"{where}: {key}_label{i} points past the {len(level)} values of its level")
        # Code -1 is pandas' missing value.
        parts.append(np.append(level, "")[codes].tolist())
    if len({len(p) for p in parts}) > 1:
        raise poseio.ReadError(f"{where}: the levels of {key} have different lengths")
    return list(zip(*parts))


def _dataset(group: h5py.Group, key: str, where: str) -> np.ndarray:
    node = group.get(key)
    if not isinstance(node, h5py.Dataset):
        raise poseio.ReadError(f"{where}: '{key}' is missing; the file is damaged or not a pandas frame")
    if "shape" in node.attrs and np.prod(node.attrs["shape"]) == 0:
        # pandas' stand-in for an empty array: one element, the real (empty) shape in an attribute.
        return np.empty(tuple(int(n) for n in node.attrs["shape"]))
    if node.dtype.kind not in "biufS":
        raise poseio.ReadError(
            f"{location(node)}: holds {node.dtype} values (pandas stores text and objects as pickles, which "
            "poseio never unpickles); a DeepLabCut table holds numbers and names"
        )
    return values(node)


def _index_node(group: h5py.Group, key: str, encoding: str, where: str) -> np.ndarray | list[str]:
    node = group.get(key)
    kind = _text(node.attrs.get("kind")) if isinstance(node, h5py.Dataset) else None
    return _index_values(_dataset(group, key, where).reshape(-1), kind, encoding, where)


def _index_values(data: np.ndarray, kind: str | None, encoding: str, where: str) -> np.ndarray | list[str]:
    """Index values as int64 frame numbers or ``str`` names."""
    if data.dtype.kind == "S" or kind == "string":
        try:
            return [bytes(v).decode(encoding) for v in data.tolist()]
        except (UnicodeDecodeError, LookupError) as exc:
            raise poseio.ReadError(f"{where}: names that are not {encoding} text ({exc})") from exc
    if kind not in (None, "integer", "float") or data.dtype.kind not in "iuf":
        raise poseio.ReadError(f"{where}: an index of kind {kind!r}; DeepLabCut indexes are frame numbers or paths")
    return data


def _numbers(data: np.ndarray, where: str, what: str) -> np.ndarray:
    if data.dtype.kind not in "biuf":
        raise poseio.ReadError(f"{where}: {what} holds {data.dtype} values, not numbers")
    return data.reshape(len(data), -1)


def _block(group: h5py.Group, key: str, n_rows: int, n_items: int, where: str) -> np.ndarray:
    data = _numbers(np.atleast_2d(_dataset(group, key, where)), where, key)
    if not bool(group[key].attrs.get("transposed", False)) or data.size == 0:
        data = data.T  # pandas transposes every non-empty block it writes
    if data.shape != (n_rows, n_items):
        raise poseio.ReadError(
            f"{where}: {key} is {data.shape[0]} x {data.shape[1]}, but the frame has {n_rows} rows of {n_items} "
            "columns in that block; the file is damaged"
        )
    return data


def _assemble(blocks: list[np.ndarray], columns: list[list[int]], n_rows: int, width: int, where: str) -> np.ndarray:
    """The blocks' values as one ``(n_rows, width)`` float64 array in column order (a view when it can be)."""
    if len(blocks) == 1 and columns[0] == list(range(width)) and blocks[0].dtype == np.float64:
        return blocks[0]
    if sorted(c for cols in columns for c in cols) != list(range(width)):
        raise poseio.ReadError(f"{where}: the blocks do not hold every column exactly once; the file is damaged")
    out = np.empty((n_rows, width))
    for block, cols in zip(blocks, columns):
        out[:, cols] = block
    return out


#: Rows read at a time through h5py when a table's chunks cannot be read straight from the file.
_SLAB_BYTES = 8 << 20


def table_rows(dataset: h5py.Dataset) -> np.ndarray:
    """Every row of a table dataset, as one structured array (see `table_fields`)."""
    check_dataset(dataset)
    rows = np.empty(dataset.shape[0], dtype=dataset.dtype)

    def put(start: int, stop: int, part: np.ndarray) -> None:
        rows[start:stop] = part

    _read_rows(dataset, put)
    return rows


def table_fields(dataset: h5py.Dataset) -> dict[str, np.ndarray]:
    """Every field of a table dataset as an array of its own: ``(n_rows, *field shape)``, C-contiguous.

    A table's rows interleave its fields (the index, then a block of values),
    so a field of the whole rows would be a strided view that every later step
    copies: the values are taken out of the rows a chunk at a time instead,
    and the whole rows are never held. `check_dataset` runs first (the sizes
    are the file's, within the memory budget).
    """
    check_dataset(dataset)
    n_rows, dtype = dataset.shape[0], dataset.dtype
    fields = {name: np.empty((n_rows, *dtype[name].shape), dtype=dtype[name].base) for name in dtype.names or ()}

    def put(start: int, stop: int, part: np.ndarray) -> None:
        for name, field in fields.items():
            field[start:stop] = part[name]

    _read_rows(dataset, put)
    return fields


def _read_rows(dataset: h5py.Dataset, put) -> None:
    """Hand every row of a 1-D table to ``put(start, stop, rows)``, a chunk or a slab at a time.

    PyTables stores a table in chunks of a few hundred rows, which h5py reads
    one by one through HDF5's type conversion: a fifth of a 100,000-frame
    file's reading time. An unfiltered chunk holds exactly the rows' bytes in
    the file's own layout, which is the dtype h5py reports; such chunks are
    read with one ``preadv`` each. Anything else (filters, missing or
    odd-sized chunks, text members, a file object) goes through h5py, a slab
    of rows at a time.
    """
    if _read_chunks(dataset, put):
        return
    n_rows = dataset.shape[0]
    step = max(1, _SLAB_BYTES // max(1, dataset.dtype.itemsize))
    for start in range(0, n_rows, step):
        stop = min(start + step, n_rows)
        put(start, stop, dataset[start:stop])


def _read_chunks(dataset: h5py.Dataset, put) -> bool:
    if dataset.chunks is None or dataset.ndim != 1 or not hasattr(dataset.id, "chunk_iter"):
        return False
    # Numbers only: HDF5 converts fixed-length strings (padding) on reading, which raw bytes would not be.
    fields = dataset.dtype.names or ()
    if not fields or any(dataset.dtype[f].base.kind not in "iuf" for f in fields) or dataset.file.driver != "sec2":
        return False
    if dataset.id.get_create_plist().get_nfilters() or dataset.id.get_type().get_size() != dataset.dtype.itemsize:
        return False
    filename = dataset.file.filename  # the sec2 driver: a file on disk, which HDF5 opened by this name
    if not os.path.isfile(filename):
        return False
    n_rows, chunk_rows, itemsize = dataset.shape[0], dataset.chunks[0], dataset.dtype.itemsize
    chunks: list = []
    try:
        dataset.id.chunk_iter(chunks.append)
    except Exception:  # noqa: BLE001 - an HDF5 library without H5Dchunk_iter, or a damaged index
        return False
    size = os.path.getsize(filename)
    chunks.sort(key=lambda c: c.chunk_offset[0])
    if [c.chunk_offset[0] for c in chunks] != list(range(0, n_rows, chunk_rows)) or any(
        c.filter_mask or c.size != chunk_rows * itemsize or c.byte_offset + c.size > size for c in chunks
    ):
        return False
    # Several chunks per read (they usually lie one after the other in the file), into one reused buffer.
    per_buffer = max(1, _SLAB_BYTES // (chunk_rows * itemsize))
    buffer = np.empty(min(n_rows, per_buffer * chunk_rows), dtype=dataset.dtype)
    memory = memoryview(buffer.view(np.uint8))
    descriptor = os.open(filename, os.O_RDONLY)
    try:
        for first in range(0, len(chunks), per_buffer):
            group = chunks[first : first + per_buffer]
            start = group[0].chunk_offset[0]
            stop = min(start + len(group) * chunk_rows, n_rows)  # the last chunk reaches past the table's end
            filled = 0
            for chunk in group:
                rows = min(chunk_rows, stop - chunk.chunk_offset[0])
                length = rows * itemsize
                if os.preadv(descriptor, [memory[filled : filled + length]], chunk.byte_offset) != length:
                    return False  # h5py reads the table again, every row, and says what is wrong
                filled += length
            put(start, stop, buffer[: stop - start])
    finally:
        os.close(descriptor)
    return True
