"""Reading sleap-io CSV files (any of the four layouts, see `_columns`) into Labels.

The rows are parsed in one call by `poseio.csv.read_block`. A row's instance is
a prediction when it has a score (its instance score or a point score): sleap-io
writes no score for a user instance, and always one for a prediction. The
metadata sidecar beside the CSV, when there is one, gives back the skeleton
(node order, edges, symmetries, name), the videos and the track names.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.csv import MAX_FRAME, check_point_columns, first_lines, read_block, source_of, split_rows, take_columns
from poseio.limits import check_allocation
from poseio.options import FPS_SOURCES, check_choice, check_fps, check_video, refuse_unknown

from poseio_sleap_csv._columns import FORMAT, Columns, ColumnsError, Slot, parse
from poseio_sleap_csv._plugin import READ_OPTIONS
from poseio_sleap_csv._sidecar import Sidecar, read_sidecar


def _fail(name: str, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{name}: not a readable sleap-io CSV: {problem}")


def _frame_numbers(values: np.ndarray, name: str) -> np.ndarray:
    """The frame_idx column as int64; frames repeat (a row per instance or point): only values are checked."""
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=np.int64)  # a header without rows: pandas gives the column no type
    if values.dtype.kind not in "iuf":
        raise _fail(name, f"the frame_idx column holds {values.dtype} values, not numbers")
    with np.errstate(invalid="ignore"):
        bad = (values < 0) | (values > MAX_FRAME)
        if values.dtype.kind == "f":
            bad |= ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        row = int(np.argmax(bad))
        raise _fail(name, f"data row {row + 1} has {values[row].item()!r} as its frame_idx, not a whole number from 0")
    return values.astype(np.int64, copy=False)


def _check_coords(columns: Columns, name: str) -> None:
    """Refuse a node with an x but no y (or the reverse): it would have no points."""
    if columns.layout == "points":
        return
    listed: list[tuple[str, str] | None] = [None] * len(columns.names)
    for k, slot in enumerate(columns.slots):
        prefix = f"inst{k}." if columns.layout == "frames" else ""
        for (node, coord), i in slot.coords.items():
            listed[i] = (prefix + node, coord)
    check_point_columns(listed, name, label=lambda i: columns.names[i])


#: The cells pandas reads as missing by default, beside the empty one: a node or track may be named so.
_NA_TOKENS = (b"nan", b"NaN", b"NA", b"N/A", b"n/a", b"null", b"NULL", b"None", b"#N/A", b"<NA>", b"#NA", b"1.#")


def _holds_na_token(source: Path | io.BytesIO) -> bool:
    """Whether the file holds text pandas would take for a missing value (read in 16 MB pieces)."""
    if isinstance(source, io.BytesIO):
        data = source.getbuffer().tobytes()
        return any(token in data for token in _NA_TOKENS)
    with open(source, "rb") as f:
        tail = b""
        while piece := f.read(2**24):
            if any(token in tail + piece for token in _NA_TOKENS):
                return True
            tail = piece[-8:]
    return False


def _exact_text(source: Path | io.BytesIO, columns: Columns, frame: Any) -> None:
    """Read the text columns again, only empty cells missing, when a cell may be a name pandas took for NaN."""
    import pandas as pd

    text = columns.text
    if not text or not _holds_na_token(source):
        return
    if isinstance(source, io.BytesIO):
        source.seek(0)
    exact = pd.read_csv(
        source, header=None, skiprows=1, names=list(range(len(columns.names))), usecols=text,
        dtype=str, keep_default_na=False, na_values=[""], engine="c",
    )  # fmt: skip
    for column in text:
        frame[column] = exact[column]


class _Rows:
    """The parsed rows: numbers by column position, text columns from pandas' frame."""

    def __init__(self, block: np.ndarray, frame: Any, columns: Columns, name: str) -> None:
        self.block, self.frame, self.name = block, frame, name
        kept = [c for c in range(len(columns.names)) if c != columns.frame]
        self.position = {c: i for i, c in enumerate(kept)}

    def __len__(self) -> int:
        return len(self.block)

    def number(self, column: int | None) -> np.ndarray:
        if column is None:
            return np.full(len(self.block), np.nan)
        return self.block[:, self.position[column]]

    def grid(self, slot: Slot, nodes: list[str], coord: str) -> np.ndarray:
        """``(rows, nodes)`` values of one coordinate, NaN for a node without that column."""
        positions = np.array([self.position.get(slot.coords.get((n, coord), -1), -1) for n in nodes], dtype=np.int64)
        return take_columns(self.block, positions, self.name)

    def text(self, column: int | None) -> np.ndarray:
        """The cells of a text column as objects, ``None`` where empty."""
        if column is None:
            return np.full(len(self.block), None, dtype=object)
        cells = self.frame[column].to_numpy(dtype=object)
        return np.array([c if isinstance(c, str) else None for c in cells.tolist()], dtype=object)


def _names_in_order(cells: np.ndarray, first: list[str]) -> tuple[list[str], np.ndarray]:
    """The names (``first``, then the others as they first appear) and each cell's index into them, -1 for none."""
    names = list(first)
    index = {n: i for i, n in enumerate(names)}
    codes = np.full(len(cells), -1, dtype=np.int64)
    for row, cell in enumerate(cells.tolist()):
        if cell is not None:
            if cell not in index:
                index[cell] = len(names)
                names.append(cell)
            codes[row] = index[cell]
    return names, codes


def _skeleton(csv_nodes: list[str], sidecar: Sidecar | None, name: str) -> poseio.Skeleton:
    if sidecar is None or sidecar.skeleton is None:
        return poseio.Skeleton(csv_nodes)
    missing = [n for n in csv_nodes if n not in sidecar.skeleton.node_names]
    if missing:
        raise poseio.ReadError(
            f"{name}: its metadata sidecar {sidecar.path} names the nodes {sidecar.skeleton.node_names}, but the CSV "
            f"names {missing} too: the sidecar belongs to another file. Remove it, or read the CSV alone "
            "with metadata=False"
        )
    return sidecar.skeleton


def _instances(rows: _Rows, columns: Columns, skeleton: poseio.Skeleton) -> dict[str, np.ndarray]:
    """One instance per row (``sleap``, ``instances``) or per filled slot of a row (``frames``)."""
    nodes = skeleton.node_names
    parts = []
    for slot in columns.slots:
        points = np.stack([rows.grid(slot, nodes, "x"), rows.grid(slot, nodes, "y")], axis=2)
        part = {
            "row": np.arange(len(rows)),
            "points": points,
            "point_scores": rows.grid(slot, nodes, "score"),
            "score": rows.number(slot.score),
            "tracking_score": rows.number(slot.track_score),
            "track": rows.text(slot.track),
        }
        if columns.layout == "frames":
            # A frame's unused slots are empty padding: an instance is a slot with a point.
            filled = np.isfinite(points).all(axis=2).any(axis=1)
            part = {key: value[filled] for key, value in part.items()}
        parts.append(part)
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    if columns.layout == "frames":
        order = np.argsort(merged["row"], kind="stable")  # frame by frame, slots in order
        merged = {key: value[order] for key, value in merged.items()}
    return merged


def _points(rows: _Rows, columns: Columns, skeleton: poseio.Skeleton, videos: np.ndarray, frames: np.ndarray, name):
    """The ``points`` layout: the rows of one instance come together, its nodes in skeleton order.

    A row starts a new instance when its frame, video, track or instance
    scores differ from the row above, or its node does not come after the
    row above's (sleap-io writes every node of an instance, in order).
    """
    node_cells = rows.text(columns.node)
    if any(cell is None for cell in node_cells.tolist()):
        raise _fail(name, f"data row {int(np.argmax(node_cells == None)) + 1} has no node name")  # noqa: E711
    index = {n: i for i, n in enumerate(skeleton.node_names)}
    node = np.array([index[c] for c in node_cells.tolist()], dtype=np.int64)
    slot = columns.slots[0]
    track_cells = rows.text(slot.track)
    score, tracking = rows.number(slot.score), rows.number(slot.track_score)

    def changed(values: np.ndarray) -> np.ndarray:
        a, b = values[1:], values[:-1]
        if values.dtype.kind == "f":
            return ~((a == b) | (np.isnan(a) & np.isnan(b)))
        return a != b

    new = np.ones(len(rows), dtype=bool)
    if len(rows) > 1:
        new[1:] = (
            changed(frames) | changed(videos) | changed(track_cells) | changed(score) | changed(tracking)
            | (node[1:] <= node[:-1])
        )  # fmt: skip
    instance = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    n, k = len(starts), len(skeleton)
    check_allocation(n * k * 3 * 8, f"{n} instances of {k} nodes", name)
    points = np.full((n, k, 2), np.nan)
    points[instance, node, 0], points[instance, node, 1] = rows.number(columns.x), rows.number(columns.y)
    point_scores = np.full((n, k), np.nan)
    point_scores[instance, node] = rows.number(columns.point_score)
    return {
        "row": starts,
        "points": points,
        "point_scores": point_scores,
        "score": score[starts],
        "tracking_score": tracking[starts],
        "track": track_cells[starts],
    }


def _videos(
    rows: _Rows, columns: Columns, sidecar: Sidecar | None, video_name: str | None, fps: float | None, name: str
) -> tuple[list[poseio.Video], np.ndarray]:
    """The videos, and each row's video."""
    known = list(sidecar.videos) if sidecar else []
    if columns.video is not None:
        cells = rows.text(columns.video)
        if any(c is None for c in cells.tolist()):
            raise _fail(name, f"data row {int(np.argmax(cells == None)) + 1} has no video_path")  # noqa: E711
        names, codes = _names_in_order(cells, [v.filename for v in known])
        if video_name is not None and len(set(codes.tolist())) > 1:
            raise poseio.InvalidOptionError(f"{name}: video= names one video, but the rows name several", format=FORMAT)
        videos = known + [poseio.Video(n) for n in names[len(known) :]]
        if video_name is not None and len(codes):
            videos[codes[0]].filename = video_name
    elif columns.video_idx is not None:
        numbers = rows.number(columns.video_idx)
        if not (np.isfinite(numbers) & (numbers >= 0) & (numbers == np.round(numbers)) & (numbers < 2**31)).all():
            raise _fail(name, "a video_idx is not a whole number from 0")
        codes = numbers.astype(np.int64)
        top = int(codes.max()) + 1 if len(codes) else 0
        videos = known + [poseio.Video(f"video_{i}") for i in range(len(known), top)]
    else:
        codes = np.zeros(len(rows), dtype=np.int64)
        videos = known or [poseio.Video(Path(name).stem)]
        if video_name is not None:
            videos[0].filename = video_name
    if fps is not None:
        for video in videos:
            video.fps = fps
    return videos, codes


def read_sleap_csv(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a sleap-io CSV file of any layout, with its sidecar (see ``docs/formats/sleap-csv.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    use_metadata = check_choice(options.get("metadata", True), (True, False), FORMAT, option="metadata")
    name = probe.name
    source = source_of(probe)
    header = first_lines(source, 1, name)
    if not header or not header[0].strip():
        raise _fail(name, "the file is empty")
    try:
        columns = parse(split_rows(header, name)[0])
    except ColumnsError as exc:
        raise _fail(name, str(exc)) from exc
    _check_coords(columns, name)
    width = len(columns.names)
    block, frame = read_block(
        source,
        skip=1,
        width=width,
        name=name,
        index_columns=0,
        text_columns=columns.text,
        omit=[columns.frame],
        label=lambda c: repr(columns.names[c]),
    )
    _exact_text(source, columns, frame)
    rows = _Rows(block, frame, columns, name)
    frames = _frame_numbers(frame[columns.frame].to_numpy(), name)

    sidecar, why = None, "not read (metadata=False)"
    if use_metadata:
        sidecar, why = read_sidecar(probe.path, name) if probe.path is not None else (None, "not a file on disk")
    videos, video_of_row = _videos(rows, columns, sidecar, video_name, fps, name)
    if columns.layout == "points":
        csv_nodes = list(dict.fromkeys(c for c in rows.text(columns.node).tolist() if c is not None))
        skeleton = _skeleton(csv_nodes, sidecar, name)
        found = _points(rows, columns, skeleton, video_of_row, frames, name)
    else:
        skeleton = _skeleton(columns.nodes, sidecar, name)
        found = _instances(rows, columns, skeleton)

    track_names, track = _names_in_order(found["track"], sidecar.tracks if sidecar else [])
    # sleap-io writes a score for every prediction and none for a user instance.
    predicted = np.isfinite(found["score"]) | np.isfinite(found["point_scores"]).any(axis=1)
    table = poseio.PoseTable.build(
        found["points"],
        video=video_of_row[found["row"]],
        frame_idx=frames[found["row"]],
        skeleton=0,
        track=track,
        predicted=predicted,
        point_scores=np.where(predicted[:, None], found["point_scores"], np.nan),
        score=np.where(predicted, found["score"], np.nan),
        tracking_score=np.where(predicted, found["tracking_score"], np.nan),
    )
    details = {
        "layout": columns.layout,
        "sidecar": str(sidecar.path) if sidecar else None,
        "sidecar_note": why,
        "metadata": sidecar.kept if sidecar else {},
    }
    provenance: dict[str, Any] = {"sleap-csv": details}
    if sidecar and fps is None:
        # A rate the CSV does not hold: say which file gave it.
        rated = {v.filename: str(sidecar.path) for v in sidecar.videos if v.fps is not None}
        if rated:
            provenance[FPS_SOURCES] = rated
    return poseio.Labels.from_table(
        table.sorted(),
        videos=videos,
        skeletons=[skeleton],
        tracks=[poseio.Track(n) for n in track_names],
        provenance=provenance,
    )
