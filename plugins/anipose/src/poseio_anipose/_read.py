"""Reading Anipose pose-3d CSVs into Labels.

The header line is parsed with the csv module (`_columns`); the rows, all
numbers, by `poseio.csv.read_block` (pandas' C parser, in one call). Points,
scores, errors and camera counts are then views of pandas' float64 block:
nothing loops over rows, and nothing is copied when the columns are in
Anipose's order.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.csv import check_point_columns, first_lines, frame_numbers, read_block, source_of, split_rows, take_columns
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_anipose._columns import CENTER, FRAME, POSITION, ROTATION, Columns, ColumnsError, parse
from poseio_anipose._sniff import FORMAT, READ_OPTIONS

#: What the fnum column is, in messages.
FNUM = "frame number (fnum)"


def _read_rows(source: Path | io.BytesIO, columns: Columns, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The frame numbers, and the other columns as one float64 array, in the file's order (NaN in text columns).

    fnum stays out of the array: pandas keeps its whole numbers as int64 apart from the floats, and
    an array of every column would copy the whole table (see `poseio.csv.read_block`).

    Raises:
        ReadError: A row is cut short or wider than the header, a cell of Anipose's columns is not a
            number, or a frame number is not a whole number from 0 to 2**53 or has two rows.
    """
    fnum = columns.position(FRAME)  # parse insists on fnum
    block, frame = read_block(
        source,
        skip=1,
        width=len(columns.names),
        name=name,
        index_columns=0,
        text_columns=[columns.position(c) for c in columns.other],
        omit=[fnum],
        label=lambda c: repr(columns.names[c]),
    )
    # A copy (one number per row): the frame numbers go into the Labels' provenance, writable as the rest.
    return frame_numbers(frame[fnum].to_numpy(copy=True), name, column=FNUM), block


def _constant_or_rows(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """The rotation or center: one value when every row agrees (as Anipose writes it), else one per row."""
    if not len(values) or np.isnan(values).all():
        return None
    first = values[0]
    same = (values == first).all() or np.array_equal(values, np.broadcast_to(first, values.shape), equal_nan=True)
    return first.reshape(shape).copy() if same else values.reshape(len(values), *shape)


def read_anipose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read an Anipose pose-3d CSV (see ``docs/formats/anipose.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    video_name, fps = check_video(options.get("video"), FORMAT), check_fps(options.get("fps"), FORMAT)
    name = probe.name
    source = source_of(probe)
    line = first_lines(source, 1, name)
    try:
        columns = parse(split_rows(line, name)[0] if line else [])
    except ColumnsError as exc:
        raise poseio.ReadError(f"{name}: not an Anipose pose-3d CSV: {exc}") from exc
    check_point_columns(columns.point_columns(), name, required=POSITION, label=lambda i: repr(columns.names[i]))
    frames, block = _read_rows(source, columns, name)
    fnum = columns.position(FRAME)

    def take(positions: np.ndarray) -> np.ndarray:
        # The array has no fnum column: the columns after it sit one place to the left (-1 stays -1).
        return take_columns(block, positions - (positions > fnum), name)

    def values(*fields: str) -> np.ndarray:
        return take(np.array([columns.positions(f) for f in fields]).T)

    def constant(names: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray | None:
        return _constant_or_rows(take(np.array([[columns.position(c) for c in names]]))[:, 0], shape)

    points = values("x", "y", "z")
    n_frames = int(frames.max()) + 1 if len(frames) else 0
    k = len(columns.bodyparts)
    check_allocation(n_frames * k * 4 * 8, f"{n_frames} frames of {k} bodyparts", name)
    details: dict[str, Any] = {
        "fnum": frames,
        "error": values("error")[..., 0],
        "ncams": values("ncams")[..., 0],
        "M": constant(ROTATION, (3, 3)),
        "center": constant(CENTER, (3,)),
        "ignored_columns": list(columns.other),
    }
    video = poseio.Video(video_name or Path(name).stem, fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None)
    return poseio.Labels.from_numpy(
        points[:, None],
        video=video,
        skeleton=poseio.Skeleton(list(columns.bodyparts)),
        frame_inds=frames,
        point_scores=values("score")[..., 0][:, None],
        predicted=True,
        provenance={"anipose": details},
    )
