"""Reading Lightning Pose CSVs into Labels.

The header rows are read with the csv module (`_header`); the rows below them
with pandas' C parser in one call, the fastest CSV parser at hand (numpy's
text readers are several times slower). Nothing loops over rows in Python:
points, likelihoods and frame numbers are columns of pandas' float64 block,
taken as views of it (no copy) when the columns are in the usual order.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import poseio
from poseio.limits import check_allocation

from poseio_lightning_pose._header import SCORE_COORD, Header, HeaderError, parse, rows_of

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "lightning-pose"
READ_OPTIONS = ("fps", "video")
#: A header row longer than this is not a header (a file of one endless line, say).
MAX_HEADER_LINE = 64 * 2**20
# The frame number in an image name: the last run of digits before the extension (img0042.png).
_FRAME_NUMBER = re.compile(r"(\d+)\D*$")


def check_read_options(options: dict[str, Any], format: str) -> tuple[str | None, float | None]:
    """The ``video`` and ``fps`` read options, checked.

    Raises:
        InvalidOptionError: An unknown option, or a value of the wrong kind.
    """
    unknown = sorted(set(options) - set(READ_OPTIONS))
    if unknown:
        raise poseio.InvalidOptionError(
            f"{format} does not know the read options {unknown}; it accepts {list(READ_OPTIONS)}", format=format
        )
    video, fps = options.get("video"), options.get("fps")
    if video is not None and not isinstance(video, (str, Path)):
        raise poseio.InvalidOptionError(f"video= must be a path, not {type(video).__name__}", format=format)
    if fps is not None:
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
            raise poseio.InvalidOptionError(f"fps= must be a positive number of frames per second, not {fps!r}")
        fps = float(fps)
    return (None if video is None else str(video)), fps


def source_of(probe: poseio.Probe) -> Path | io.BytesIO:
    """The file to parse: its path, or the bytes of a file object (read once, from the start)."""
    if probe.path is not None:
        return probe.path
    stream = probe.source
    stream.seek(0)
    return io.BytesIO(stream.read())


def read_lines(source: Path | io.BytesIO, count: int, name: str) -> list[str]:
    """The first ``count`` lines of the file as text (fewer when the file is shorter).

    Raises:
        ReadError: A line is longer than any header, or the text is not UTF-8.
    """
    stream = open(source, "rb") if isinstance(source, Path) else source  # noqa: SIM115 - closed below
    try:
        stream.seek(0)
        lines = []
        for _ in range(count):
            line = stream.readline(MAX_HEADER_LINE)
            if not line:
                break
            if len(line) == MAX_HEADER_LINE and not line.endswith(b"\n"):
                raise poseio.ReadError(f"{name}: its first rows are over {MAX_HEADER_LINE >> 20} MB long: not a header")
            lines.append(line.decode("utf-8-sig" if not lines else "utf-8"))
        return lines
    except UnicodeDecodeError as exc:
        raise poseio.ReadError(f"{name}: its header is not UTF-8 text ({exc}); is it a CSV?") from exc
    except OSError as exc:
        raise poseio.ReadError(f"{name}: cannot be read ({exc})") from exc
    finally:
        if isinstance(source, Path):
            stream.close()


def read_header(source: Path | io.BytesIO, name: str) -> Header:
    """The file's header.

    Raises:
        ReadError: It is not a single-animal DeepLabCut-layout header.
    """
    try:
        header = parse(rows_of(read_lines(source, 4, name)))
    except HeaderError as exc:
        raise poseio.ReadError(f"{name}: not a Lightning Pose CSV: {exc}") from exc
    if header.multi_animal:
        raise poseio.ReadError(
            f"{name}: a multi-animal DeepLabCut CSV (it has an 'individuals' header row); Lightning Pose files hold "
            "one animal. Read it with format='dlc'"
        )
    return header


def check_last_row(source: Path | io.BytesIO, width: int, name: str) -> None:
    """Refuse a file whose last row was cut short (the CSV writers end every row with a newline).

    Raises:
        ReadError: The last row has fewer fields than the header.
    """
    if isinstance(source, Path):
        with open(source, "rb") as f:
            size = f.seek(0, io.SEEK_END)
            f.seek(max(0, size - 2**16))
            tail = f.read()
    else:
        tail = source.getvalue()[-(2**16) :]
    if not tail or tail.endswith((b"\n", b"\r")):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    fields = rows_of([last])
    if fields and len(fields[0]) < width:
        raise poseio.ReadError(
            f"{name}: its last row has {len(fields[0])} of {width} fields and no line end: the file looks "
            "truncated. Copy or export it again"
        )


def _parse(source: Path | io.BytesIO, header: Header, name: str, dtype: Any) -> pd.DataFrame:
    """The rows below the header as a frame with columns ``0 .. width-1``.

    Raises:
        ReadError: pandas cannot parse the rows, or a row is wider than the header.
    """
    import pandas as pd

    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        frame = pd.read_csv(
            source, header=None, skiprows=header.rows, names=list(range(header.width)), dtype=dtype, engine="c"
        )
    except pd.errors.ParserError as exc:
        raise poseio.ReadError(
            f"{name}: its rows cannot be parsed ({str(exc).strip()}); the file may be damaged or not a Lightning "
            "Pose CSV"
        ) from exc
    except ValueError as exc:
        raise poseio.ReadError(f"{name}: its rows cannot be parsed ({exc})") from exc
    except (UnicodeDecodeError, OverflowError) as exc:
        raise poseio.ReadError(f"{name}: its rows cannot be parsed ({type(exc).__name__}: {exc})") from exc
    if not isinstance(frame.index, pd.RangeIndex):
        # Every row had more fields than the header, and pandas made the extra ones an index.
        raise poseio.ReadError(
            f"{name}: its rows have more fields than its header ({header.width}); the file is damaged"
        )
    return frame


def read_block(source: Path | io.BytesIO, header: Header, name: str) -> tuple[np.ndarray, pd.DataFrame]:
    """The data columns (after the index) of every row as one float64 array, and the parsed frame.

    pandas infers the columns' types (forcing float64 makes its parser slower)
    and keeps the float columns in one block; the data columns of a video's
    predictions are then a view of that block, not a copy. Per-row text
    columns are NaN in the array.

    Raises:
        ReadError: The rows cannot be parsed, or a point's cell is not a number.
    """
    import pandas as pd

    check_last_row(source, header.width, name)
    text = {header.n_index + i for i, _ in header.row_columns}
    frame = _parse(source, header, name, {c: str for c in text} or None)
    kinds = [d.kind for d in frame.dtypes.tolist()]  # one Series, not one per column
    for column in range(header.n_index, header.width):
        if column not in text and kinds[column] not in "iuf" and len(frame):
            values = frame[column]
            row = int(np.argmax((pd.to_numeric(values, errors="coerce").isna() & values.notna()).to_numpy()))
            raise poseio.ReadError(
                f"{name}: {values.iloc[row]!r} in {_describe(header, column)} (data row {row + 1}, about line "
                f"{row + header.rows + 1}) is not a number; the file is damaged or not a pose CSV"
            )
    if text:
        block = np.full((len(frame), header.width - header.n_index), np.nan)
        for column in range(header.n_index, header.width):
            if column not in text:
                block[:, column - header.n_index] = frame[column].to_numpy(dtype=np.float64)
        return block, frame
    return writable(frame.iloc[:, header.n_index :].to_numpy(dtype=np.float64)), frame


def writable(values: np.ndarray) -> np.ndarray:
    """The array, writable: pandas hands out read-only views of its blocks, but the frame is dropped here."""
    if not values.flags.writeable:
        try:
            values.flags.writeable = True
        except ValueError:
            values = values.copy()
    return values


def _describe(header: Header, column: int) -> str:
    i = column - header.n_index
    return f"column ({header.bodyparts[i]}, {header.coords[i]})"


def take(block: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``block[:, positions]`` for ``(k, F)`` column positions, NaN where a position is -1.

    Columns laid out regularly (node after node, the F values of a node side by
    side: x, y, likelihood, x, y, ...), as every producer writes them, give a
    view of the block, not a copy.
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


def frame_numbers(values: np.ndarray, name: str) -> np.ndarray:
    """The index column's numbers as frame numbers.

    Raises:
        ReadError: Numbers that are not frame numbers (missing, fractional, negative, repeated).
    """
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise poseio.ReadError(f"{name}: data row {row + 1} has {float(values[row])!r} as its frame number")
    frames = values.astype(np.int64)
    if len(frames) > 1 and not (np.diff(frames) > 0).all():
        unique, counts = np.unique(frames, return_counts=True)
        if (counts > 1).any():
            raise poseio.ReadError(f"{name}: frame {int(unique[np.argmax(counts > 1)])} has more than one row")
    return frames


def image_frames(paths: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, bool]:
    """Folders (videos), each row's folder and frame number, from image paths.

    An image's frame number is the last number in its name (``img0042.png`` is
    frame 42), as DeepLabCut and Lightning Pose name extracted frames. When
    the names of one folder do not give distinct numbers, that folder's images
    are numbered in row order instead (the returned flag says so).
    """
    folders: dict[str, int] = {}
    folder_of = np.empty(len(paths), dtype=np.int64)
    numbers = np.full(len(paths), -1, dtype=np.int64)
    for row, path in enumerate(paths):
        # Windows paths (DeepLabCut's machinelabels.csv) use backslashes.
        folder, _, image = path.replace("\\", "/").rpartition("/")
        folder_of[row] = folders.setdefault(folder, len(folders))
        match = _FRAME_NUMBER.search(image.rsplit(".", 1)[0] if "." in image else image)
        if match:
            numbers[row] = int(match.group(1))
    renumbered = False
    for folder in range(len(folders)):
        rows = np.flatnonzero(folder_of == folder)
        if (numbers[rows] < 0).any() or len(np.unique(numbers[rows])) < len(rows):
            numbers[rows] = np.arange(len(rows))
            renumbered = True
    return list(folders), folder_of, numbers, renumbered


def index_texts(frame: pd.DataFrame, n_index: int) -> list[str]:
    """The index cells of every row as one path (three index columns are folder, video, image)."""
    parts = [frame[c].astype(object).where(frame[c].notna(), "").astype(str).tolist() for c in range(n_index)]
    if n_index == 1:
        return parts[0]
    return ["/".join(p for p in cells if p) for cells in zip(*parts)]


def read_lightning_pose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a Lightning Pose CSV (see ``docs/formats/lightning-pose.md``)."""
    video_name, fps = check_read_options(options, FORMAT)
    name = probe.name
    source = source_of(probe)
    header = read_header(source, name)
    block, frame = read_block(source, header, name)

    def coordinates(*coords: str) -> np.ndarray:
        """``(n, nodes, len(coords))`` values."""
        return take(block, np.array([header.positions(c) for c in coords]).T)

    nodes = header.node_names
    has_z = any(p >= 0 for p in header.positions("z"))
    points = coordinates(*("x", "y", "z")[: 3 if has_z else 2])
    scores = coordinates(SCORE_COORD)[..., 0] if any(p >= 0 for p in header.positions(SCORE_COORD)) else None
    skeleton = poseio.Skeleton(nodes)
    by_number = header.n_index == 1 and (frame.dtypes.iloc[0].kind in "iuf" or not len(frame))
    details: dict[str, Any] = {
        "scorer": header.model_scorers[0] if len(header.model_scorers) == 1 else header.model_scorers,
        "layout": "video" if by_number else "images",
        "coords": {c: coordinates(c)[..., 0] for c in header.value_coords},
        "columns": {
            n: frame[header.n_index + i].astype(object).where(frame[header.n_index + i].notna(), "").to_numpy()
            for i, n in header.row_columns
        },
    }
    if not by_number:
        return _labels_of_images(frame, header, points, scores, skeleton, details, video_name, fps, name)
    frames = frame_numbers(frame[0].to_numpy(dtype=np.float64), name)
    details["index"] = frames
    n_frames = int(frames.max()) + 1 if len(frames) else 0
    check_allocation(
        n_frames * len(nodes) * (points.shape[-1] + 1) * 8,
        f"the pose grid of {n_frames} frames x {len(nodes)} nodes",
        name,
    )
    video = poseio.Video(video_name or _default_video(probe), fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None)
    return poseio.Labels.from_numpy(
        points[:, None],
        video=video,
        skeleton=skeleton,
        frame_inds=frames,
        point_scores=None if scores is None else scores[:, None],
        predicted=True,
        provenance={"lightning_pose": details},
    )


def _default_video(probe: poseio.Probe) -> str:
    # Lightning Pose names a video's predictions after the video (video_preds/<video>.csv) and
    # takes only mp4 videos; the video's folder is not recorded.
    return Path(probe.name).with_suffix(".mp4").name


def _labels_of_images(
    frame: pd.DataFrame,
    header: Header,
    points: np.ndarray,
    scores: np.ndarray | None,
    skeleton: poseio.Skeleton,
    details: dict[str, Any],
    video_name: str | None,
    fps: float | None,
    name: str,
) -> poseio.Labels:
    """Labels of a file indexed by image paths: one video per image folder."""
    paths = index_texts(frame, header.n_index)
    folders, folder_of, numbers, renumbered = image_frames(paths)
    if video_name is not None and len(folders) > 1:
        raise poseio.InvalidOptionError(
            f"{name}: video= names one video, but the images come from {len(folders)} folders", format=FORMAT
        )
    details["index"] = paths
    if renumbered:
        details["frame_numbers"] = "row order (the image names do not number the frames)"
    videos = []
    for i, folder in enumerate(folders):
        rows = np.flatnonzero(folder_of == i)
        images = dict(zip(numbers[rows].tolist(), (paths[r] for r in rows)))
        videos.append(poseio.Video(video_name or folder, fps=fps, metadata={"images": images}))
    present = np.isfinite(points[..., :2]).all(axis=-1).any(axis=-1)
    predicted = scores is not None
    table = poseio.PoseTable.build(
        points[present],
        video=folder_of[present],
        frame_idx=numbers[present],
        skeleton=0,
        predicted=predicted,
        point_scores=scores[present] if predicted else None,
    )
    return poseio.Labels.from_table(
        table.sorted(), videos=videos, skeletons=[skeleton], provenance={"lightning_pose": details}
    )
