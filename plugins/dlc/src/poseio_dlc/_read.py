"""Reading DeepLabCut files: CSV with pandas' C parser, HDF5 with h5py.

The CSV header rows are parsed with the csv module (`poseio_dlc._header`),
the rows below them by `poseio.csv.read_block`: pandas' C parser in one call,
the very parser DeepLabCut reads its CSVs with, so every value is the float
DeepLabCut sees. The values come out as one block, from which
`poseio_dlc._build` takes points and likelihoods as views.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import poseio
from poseio.csv import first_lines, read_block, source_of, split_rows
from poseio.options import FPS_SOURCES

from poseio_dlc._build import FORMAT, Frame, check_read_options, labels_of
from poseio_dlc._columns import ColumnsError
from poseio_dlc._header import MAX_ROWS, Header, parse
from poseio_dlc._meta import recorded_fps

if TYPE_CHECKING:
    import h5py
    import pandas as pd


def read_dlc(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a DeepLabCut CSV or HDF5 file (see ``docs/formats/dlc.md``)."""
    checked = check_read_options(options)
    if probe.is_hdf5:
        frame = _read_hdf5(probe, checked.get("key"))
    else:
        if checked.get("key") is not None:
            raise poseio.InvalidOptionError(f"{probe.name}: key= names an HDF5 group, but this is a CSV", format=FORMAT)
        frame = read_csv_frame(source_of(probe), probe.name)
    labels = labels_of(frame, probe.name, checked)
    if checked.get("fps") is None and probe.path is not None and labels.provenance["dlc"]["layout"] == "video":
        found = recorded_fps(probe.path)
        if found is not None:
            # The rate of the analysed video, as DeepLabCut recorded it; where it came from is said.
            labels.videos[0].fps = found[0]
            labels.provenance[FPS_SOURCES] = {labels.videos[0].filename: str(found[1])}
    return labels


# -- HDF5 ----------------------------------------------------------------------------------------


def _read_hdf5(probe: poseio.Probe, key: str | None) -> Frame:
    return read_hdf5_frame(probe.h5, probe.name, key, probe.path)


def read_hdf5_frame(h5file: h5py.File, name: str, key: str | None, path: Path | None = None) -> Frame:
    """The DeepLabCut table of an open HDF5 file: the frame under ``key``, else the only one.

    Raises:
        InvalidOptionError: ``key`` names no pandas frame, or the file holds several
            DeepLabCut frames and ``key`` does not say which.
        ReadError: The file holds no pandas frame, or not a DeepLabCut one.
    """
    from poseio_dlc._hdf import frame_kind, is_dlc_frame, read_frame
    from poseio_dlc._sniff import pandas_groups

    keys = pandas_groups(h5file)
    if key is not None:
        if key not in keys:
            raise poseio.InvalidOptionError(
                f"{name}: no pandas frame is stored under key={key!r}; the file has {keys or 'none'}",
                format=FORMAT,
            )
        keys = [key]
    frames = [k for k in keys if frame_kind(h5file[k]) is not None]
    if not frames:
        raise poseio.ReadError(
            f"{name}: not a DeepLabCut HDF5 file: it holds no pandas frame (a group with a 'pandas_type' "
            "attribute, such as DeepLabCut's 'df_with_missing')",
            path=path,
        )
    if key is None:
        # Several DeepLabCut tables in one file (a video's 'df_with_missing' and its 'tracks', say) are
        # different data: reading one silently would drop the others, so the user chooses.
        tables = [k for k in frames if is_dlc_frame(h5file[k])]
        if len(tables) > 1:
            raise poseio.InvalidOptionError(
                f"{name}: the file holds {len(tables)} DeepLabCut tables, under the keys "
                f"{', '.join(repr(k) for k in tables)}; pass key= to choose one (poseio.load(path, key={tables[0]!r}))",
                format=FORMAT,
            )
        frames = tables or frames
    return read_frame(h5file, frames[0], name)


# -- CSV -----------------------------------------------------------------------------------------


def read_header(source: Path | io.BytesIO, name: str) -> Header:
    """The header of a CSV.

    Raises:
        ReadError: The first rows are not a DeepLabCut header, or not text.
    """
    # A single-animal header has three rows; its fourth line, data, is not looked at.
    lines = first_lines(source, MAX_ROWS, name)
    if not lines:
        raise poseio.ReadError(f"{name}: the file is empty, not a DeepLabCut CSV")
    try:
        return parse(split_rows(lines, name))
    except ColumnsError as exc:
        raise poseio.ReadError(
            f"{name}: not a DeepLabCut CSV: {exc}. DeepLabCut CSVs start with the rows scorer, [individuals,] "
            "bodyparts and coords"
        ) from exc


def read_csv_frame(source: Path | io.BytesIO, name: str) -> Frame:
    """A DeepLabCut CSV as a `Frame`.

    Raises:
        ReadError: The header or the rows are not a DeepLabCut table's.
    """
    header = read_header(source, name)
    columns = header.columns

    def label(column: int) -> str:
        i = column - header.n_index
        return "/".join(filter(None, (columns.individual(i), columns.bodyparts[i], columns.coords[i])))

    # Several index columns are the parts of an image path; one is a frame number or a path.
    block, table = read_block(
        source, skip=header.rows, width=header.width, name=name, index_columns=header.n_index, label=label
    )
    return Frame(columns, block, _index(table, header.n_index, name), index_levels=header.n_index)


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
