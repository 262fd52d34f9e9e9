"""Reading Anipose pose-3d CSVs into Labels.

The header line is parsed with the csv module (`_columns`); the rows, all
numbers, with pandas' C parser in one call. Points, scores, errors and camera
counts are then views of pandas' float64 block: nothing loops over rows, and
nothing is copied when the columns are in Anipose's order.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import poseio
from poseio.limits import check_allocation

from poseio_anipose._columns import CENTER, FRAME, ROTATION, Columns, ColumnsError, parse, split_line

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "anipose"
READ_OPTIONS = ("fps", "video")
#: A header line longer than this is not a header.
MAX_HEADER_LINE = 64 * 2**20


def check_read_options(options: dict[str, Any]) -> tuple[str | None, float | None]:
    """The ``video`` and ``fps`` read options, checked.

    Raises:
        InvalidOptionError: An unknown option, or a value of the wrong kind.
    """
    unknown = sorted(set(options) - set(READ_OPTIONS))
    if unknown:
        raise poseio.InvalidOptionError(
            f"{FORMAT} does not know the read options {unknown}; it accepts {list(READ_OPTIONS)}", format=FORMAT
        )
    video, fps = options.get("video"), options.get("fps")
    if video is not None and not isinstance(video, (str, Path)):
        raise poseio.InvalidOptionError(f"video= must be a path, not {type(video).__name__}", format=FORMAT)
    if fps is not None:
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
            raise poseio.InvalidOptionError(f"fps= must be a positive number of frames per second, not {fps!r}")
        fps = float(fps)
    return (None if video is None else str(video)), fps


def _open(probe: poseio.Probe) -> Path | io.BytesIO:
    if probe.path is not None:
        return probe.path
    probe.source.seek(0)
    return io.BytesIO(probe.source.read())


def _header_and_tail(source: Path | io.BytesIO, name: str) -> tuple[str, bytes]:
    """The header line and the file's last bytes (to tell a truncated last row)."""
    stream = open(source, "rb") if isinstance(source, Path) else source  # noqa: SIM115 - closed below
    try:
        stream.seek(0)
        line = stream.readline(MAX_HEADER_LINE)
        if len(line) == MAX_HEADER_LINE and not line.endswith(b"\n"):
            raise poseio.ReadError(f"{name}: its first line is over {MAX_HEADER_LINE >> 20} MB long: not a header")
        size = stream.seek(0, io.SEEK_END)
        stream.seek(max(len(line), size - 2**16))
        tail = stream.read()
        return line.decode("utf-8-sig"), tail
    except UnicodeDecodeError as exc:
        raise poseio.ReadError(f"{name}: its header is not UTF-8 text ({exc}); is it a CSV?") from exc
    except OSError as exc:
        raise poseio.ReadError(f"{name}: cannot be read ({exc})") from exc
    finally:
        if isinstance(source, Path):
            stream.close()


def _rows(source: Path | io.BytesIO, columns: Columns, tail: bytes, name: str) -> pd.DataFrame:
    """The rows below the header line, parsed, with columns ``0 .. width-1``.

    Raises:
        ReadError: A row is cut short or wider than the header, or a cell of Anipose's columns is not a number.
    """
    import pandas as pd

    width = len(columns.names)
    if tail and not tail.endswith((b"\n", b"\r")):
        last = split_line(tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace"))
        if len(last) < width:
            raise poseio.ReadError(
                f"{name}: its last row has {len(last)} of {width} fields and no line end: the file looks truncated. "
                "Copy it again, or run anipose triangulate again"
            )
    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        # The columns' types are inferred: forcing float64 makes pandas' parser slower.
        frame = pd.read_csv(source, header=None, skiprows=1, names=list(range(width)), engine="c")
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:  # pandas' ParserError is a ValueError
        raise poseio.ReadError(
            f"{name}: its rows cannot be parsed ({type(exc).__name__}: {str(exc).strip()}); the file may be damaged"
        ) from exc
    if not isinstance(frame.index, pd.RangeIndex):
        raise poseio.ReadError(f"{name}: its rows have more fields than its header ({width}); the file is damaged")
    kinds = [d.kind for d in frame.dtypes.tolist()]  # one Series, not one per column
    for i, column in enumerate(columns.names):
        if column not in columns.other and kinds[i] not in "iuf" and len(frame):
            values = frame[i]
            row = int(np.argmax((pd.to_numeric(values, errors="coerce").isna() & values.notna()).to_numpy()))
            raise poseio.ReadError(
                f"{name}: {values.iloc[row]!r} in column {column!r} (data row {row + 1}, line {row + 2}) "
                "is not a number; the file is damaged or not an Anipose CSV"
            )
    return frame


def columns_of(frame: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """``(n, k, F)`` values of the ``(k, F)`` column positions, NaN where a position is -1.

    pandas keeps columns of one type in one block; the span of columns asked
    for is then a view of it (no copy), and `take` makes a view of that span.
    """
    valid = positions[positions >= 0]
    if not len(valid):
        return np.full((len(frame), *positions.shape), np.nan)
    low, high = int(valid.min()), int(valid.max()) + 1
    span = frame.iloc[:, low:high].to_numpy(dtype=np.float64)
    if not span.flags.writeable:  # a read-only view of pandas' block; the frame is dropped after reading
        try:
            span.flags.writeable = True
        except ValueError:
            span = span.copy()
    return take(span, np.where(positions >= 0, positions - low, -1))


def take(block: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``block[:, positions]`` for ``(k, F)`` column positions, NaN where a position is -1.

    Columns laid out regularly (bodypart after bodypart, a bodypart's values
    side by side), as Anipose writes them, give a view of the block, not a copy.
    """
    k, width = positions.shape
    first = positions[:, 0]
    regular = (
        k > 0
        and (positions >= 0).all()
        and (positions == first[:, None] + np.arange(width)).all()
        and (k == 1 or (np.diff(first) == first[1] - first[0]).all() and first[1] > first[0])
    )
    if regular:
        step = int(first[1] - first[0]) if k > 1 else width
        rows, columns = block.strides
        return np.lib.stride_tricks.as_strided(
            block[:, int(first[0]) :], shape=(len(block), k, width), strides=(rows, step * columns, columns)
        )
    values = block[:, np.maximum(positions, 0)]
    values[:, positions < 0] = np.nan
    return values


def _frames(frame: pd.DataFrame, columns: Columns, name: str) -> np.ndarray:
    """Frame numbers from ``fnum`` (row order when the file has none).

    Raises:
        ReadError: A frame number that is missing, fractional, negative or repeated.
    """
    position = columns.position(FRAME)
    if position < 0:
        return np.arange(len(frame))
    values = frame[position].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise poseio.ReadError(f"{name}: data row {row + 1} has fnum {float(values[row])!r}, which is no frame number")
    frames = values.astype(np.int64)
    if len(frames) > 1 and not (np.diff(frames) > 0).all():
        unique, counts = np.unique(frames, return_counts=True)
        if (counts > 1).any():
            raise poseio.ReadError(f"{name}: frame {int(unique[np.argmax(counts > 1)])} has more than one row")
    return frames


def _constant_or_rows(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """The rotation or center: one value when every row agrees (as Anipose writes it), else one per row."""
    if not len(values) or np.isnan(values).all():
        return None
    first = values[0]
    same = (values == first).all() or np.array_equal(values, np.broadcast_to(first, values.shape), equal_nan=True)
    return first.reshape(shape).copy() if same else values.reshape(len(values), *shape)


def read_anipose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read an Anipose pose-3d CSV (see ``docs/formats/anipose.md``)."""
    video_name, fps = check_read_options(options)
    name = probe.name
    source = _open(probe)
    line, tail = _header_and_tail(source, name)
    try:
        columns = parse(split_line(line.rstrip("\r\n")))
    except ColumnsError as exc:
        raise poseio.ReadError(f"{name}: not an Anipose pose-3d CSV: {exc}") from exc
    frame = _rows(source, columns, tail, name)
    frames = _frames(frame, columns, name)

    def values(*fields: str) -> np.ndarray:
        return columns_of(frame, np.array([columns.positions(f) for f in fields]).T)

    def constant(names: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray | None:
        return _constant_or_rows(columns_of(frame, np.array([[columns.position(c) for c in names]]))[:, 0], shape)

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
