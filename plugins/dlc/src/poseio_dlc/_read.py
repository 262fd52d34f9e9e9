"""Reading DeepLabCut files: CSV with pandas' C parser, HDF5 with h5py.

The CSV header rows are parsed with the csv module (`poseio_dlc._header`),
the rows below them by pandas in one call with the data columns typed as
float64: pandas' fastest path, and the very parser DeepLabCut reads its CSVs
with, so every value is the float DeepLabCut sees. The values come out as one
block, from which `poseio_dlc._build` takes points and likelihoods as views.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import poseio

from poseio_dlc._build import FORMAT, Frame, check_read_options, labels_of
from poseio_dlc._columns import ColumnsError
from poseio_dlc._header import MAX_ROWS, Header, parse, rows_of

if TYPE_CHECKING:
    import pandas as pd

#: A header row longer than this is not a header (a file of one endless line, say).
MAX_HEADER_LINE = 64 * 2**20


def read_dlc(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a DeepLabCut CSV or HDF5 file (see ``docs/formats/dlc.md``)."""
    checked = check_read_options(options)
    if probe.is_hdf5:
        frame = _read_hdf5(probe, checked.get("key"))
    else:
        if checked.get("key") is not None:
            raise poseio.InvalidOptionError(f"{probe.name}: key= names an HDF5 group, but this is a CSV", format=FORMAT)
        frame = read_csv_frame(_source_of(probe), probe.name)
    return labels_of(frame, probe.name, checked)


# -- HDF5 ----------------------------------------------------------------------------------------


def _read_hdf5(probe: poseio.Probe, key: str | None) -> Frame:
    from poseio_dlc._hdf import frame_kind, read_frame
    from poseio_dlc._sniff import pandas_groups

    h5file = probe.h5
    keys = pandas_groups(h5file)
    if key is not None:
        if key not in keys:
            raise poseio.InvalidOptionError(
                f"{probe.name}: no pandas frame is stored under key={key!r}; the file has {keys or 'none'}",
                format=FORMAT,
            )
        keys = [key]
    frames = [k for k in keys if frame_kind(h5file[k]) is not None]
    if not frames:
        raise poseio.ReadError(
            f"{probe.name}: not a DeepLabCut HDF5 file: it holds no pandas frame (a group with a 'pandas_type' "
            "attribute, such as DeepLabCut's 'df_with_missing')",
            path=probe.path,
        )
    return read_frame(h5file, frames[0], probe.name)


# -- CSV -----------------------------------------------------------------------------------------


def _source_of(probe: poseio.Probe) -> Path | io.BytesIO:
    """The file to parse: its path, or the bytes of a file object (read once, from the start)."""
    if probe.path is not None:
        return probe.path
    stream = probe.source
    stream.seek(0)
    return io.BytesIO(stream.read())


def _open(source: Path | io.BytesIO) -> io.BufferedIOBase:
    if isinstance(source, Path):
        return open(source, "rb")  # noqa: SIM115 - closed by the callers' with
    source.seek(0)
    return io.BytesIO(source.getbuffer())


def read_header(source: Path | io.BytesIO, name: str) -> Header:
    """The header of a CSV.

    Raises:
        ReadError: The first rows are not a DeepLabCut header, or not text.
    """
    lines = []
    try:
        with _open(source) as stream:
            for _ in range(MAX_ROWS):
                line = stream.readline(MAX_HEADER_LINE)
                if not line:
                    break
                if len(line) == MAX_HEADER_LINE and not line.endswith(b"\n"):
                    raise poseio.ReadError(f"{name}: its first row is over {MAX_HEADER_LINE >> 20} MB long: no header")
                lines.append(line.decode("utf-8-sig" if not lines else "utf-8"))
    except UnicodeDecodeError as exc:
        raise poseio.ReadError(f"{name}: its header is not UTF-8 text ({exc}); is it a CSV?") from exc
    except OSError as exc:
        raise poseio.ReadError(f"{name}: cannot be read ({exc})") from exc
    if not lines:
        raise poseio.ReadError(f"{name}: the file is empty, not a DeepLabCut CSV")
    try:
        # A single-animal header has three rows; its fourth line, data, is not looked at.
        return parse(rows_of(lines))
    except ColumnsError as exc:
        raise poseio.ReadError(
            f"{name}: not a DeepLabCut CSV: {exc}. DeepLabCut CSVs start with the rows scorer, [individuals,] "
            "bodyparts and coords"
        ) from exc


def _check_last_row(source: Path | io.BytesIO, width: int, name: str) -> None:
    """Refuse a file whose last row was cut short: pandas writes a line end after every row.

    Raises:
        ReadError: The last row has fewer fields than the header and no line end.
    """
    with _open(source) as stream:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(max(0, size - 2**16))
        tail = stream.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return
    fields = rows_of([tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")])
    if fields and len(fields[0]) < width:
        raise poseio.ReadError(
            f"{name}: its last row has {len(fields[0])} of {width} fields and no line end: the file looks "
            "truncated. Copy or export it again"
        )


def read_csv_frame(source: Path | io.BytesIO, name: str) -> Frame:
    """A DeepLabCut CSV as a `Frame`.

    Raises:
        ReadError: The header or the rows are not a DeepLabCut table's.
    """
    header = read_header(source, name)
    _check_last_row(source, header.width, name)
    n_index = header.n_index
    data = range(n_index, header.width)
    # Several index columns are the parts of an image path; one is a frame number or a path.
    types: dict[int, Any] = {c: np.float64 for c in data} | ({c: str for c in range(n_index)} if n_index > 1 else {})
    try:
        table = _parse(source, header, types, name)
    except ValueError:
        # A cell that is not a number: parse again untyped, to say which.
        _raise_bad_cell(_parse(source, header, {c: str for c in range(n_index)}, name), header, name)
        raise
    block = _writable(table.iloc[:, n_index:].to_numpy(dtype=np.float64))
    return Frame(header.columns, block, _index(table, n_index, name), index_levels=n_index)


def _parse(source: Path | io.BytesIO, header: Header, types: dict[int, Any], name: str) -> pd.DataFrame:
    """The rows below the header as a frame with columns ``0 .. width-1``.

    Raises:
        ReadError: pandas cannot parse the rows, or they are wider than the header.
        ValueError: A typed column holds a cell that is not a number.
    """
    import pandas as pd

    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        table = pd.read_csv(
            source, header=None, skiprows=header.rows, names=list(range(header.width)), dtype=types, engine="c"
        )
    except pd.errors.ParserError as exc:
        raise poseio.ReadError(
            f"{name}: its rows cannot be parsed ({str(exc).strip()}); the file is damaged or not a DeepLabCut CSV"
        ) from exc
    except (UnicodeDecodeError, OverflowError) as exc:
        raise poseio.ReadError(f"{name}: its rows cannot be parsed ({type(exc).__name__}: {exc})") from exc
    if not isinstance(table.index, pd.RangeIndex):
        # Every row had more fields than the header, and pandas made the extra ones an index.
        raise poseio.ReadError(f"{name}: its rows have more fields than its header ({header.width}); it is damaged")
    return table


def _raise_bad_cell(table: pd.DataFrame, header: Header, name: str) -> None:
    import pandas as pd

    columns = header.columns
    for column in range(header.n_index, header.width):
        cells = table[column]
        bad = (pd.to_numeric(cells, errors="coerce").isna() & cells.notna()).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            i = column - header.n_index
            label = "/".join(filter(None, (columns.individual(i), columns.bodyparts[i], columns.coords[i])))
            raise poseio.ReadError(
                f"{name}: {cells.iloc[row]!r} in column {label or column + 1} (data row {row + 1}, line "
                f"{row + header.rows + 1}) is not a number; the file is damaged or not a DeepLabCut CSV"
            )


def _writable(values: np.ndarray) -> np.ndarray:
    """The array, writable: pandas hands out read-only views of its blocks, but its frame is dropped here."""
    if not values.flags.writeable:
        try:
            values.flags.writeable = True
        except ValueError:
            values = values.copy()
    return values


def _index(table: pd.DataFrame, n_index: int, name: str) -> np.ndarray | list[str]:
    """Frame numbers (a numeric index) or image paths (the index columns joined by '/')."""
    first = table[0]
    if n_index == 1 and (first.dtype.kind in "iuf" or not len(table)):
        return first.to_numpy()
    parts = [table[c].to_numpy(dtype=object) for c in range(n_index)]
    paths = []
    for row, cells in enumerate(zip(*parts)):
        path = "/".join(str(c) for c in cells if isinstance(c, str) and c)
        if not path:
            raise poseio.ReadError(f"{name}: data row {row + 1} has no index (no frame number or image path)")
        paths.append(path)
    return paths
