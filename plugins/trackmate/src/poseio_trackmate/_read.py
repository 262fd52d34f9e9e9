"""Reading TrackMate spots tables into Labels: one instance of one node ``spot`` per spot.

A spot's track is its ``TRACK_ID`` (empty for a spot in no track); tracks are
named ``Track_<id>``, as TrackMate names them. ``QUALITY`` (the detector's
score) is the instance's score and its point's score. Positions are in the
image's calibrated units (the units row says which: ``micron``, ``pixel``...).
The rows below the header lines are parsed by pandas' C parser through
`poseio.csv.read_block`; the columns not read as poses are listed in the
provenance, their values are not kept.
"""

from __future__ import annotations

import re
import warnings
from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.csv import MAX_FRAME, first_lines, read_block, source_of, split_rows
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_trackmate._sniff import FORMAT, REQUIRED

READ_OPTIONS = ("fps", "video")
#: The numeric columns read (``POSITION_Z``, ``QUALITY``, ``POSITION_T`` and ``ID`` when present).
NUMBERS = ("POSITION_X", "POSITION_Y", "POSITION_Z", "FRAME", "QUALITY", "POSITION_T")
#: TrackMate 7 writes three header lines below the keys: names, short names, units.
MAX_NAME_ROWS = 3
#: Units rows TrackMate writes for a time in seconds.
SECONDS = {"(sec)", "(s)", "(second)", "(seconds)"}
SKELETON = "spot"
#: The columns whose values the Labels hold (POSITION_Z as points in 3D, as ``z`` in 2D).
READ = ("TRACK_ID", "POSITION_X", "POSITION_Y", "FRAME", "QUALITY")
#: Exported tables are usually named after the image: ``<image>_spots.csv``, ``<image>-spots.csv``.
SUFFIX = re.compile(r"[_-]?(all)?spots$", re.IGNORECASE)


class BranchWarning(UserWarning):
    """A track holds several spots in one frame (a split or merge); each is read as an instance of the track."""


def _fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{probe.name}: not a readable TrackMate spots table: {problem}", path=probe.path)


def _is_whole(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _header(probe: poseio.Probe, source: Any) -> tuple[list[str], list[list[str]]]:
    """The key line and the header lines below it (names, short names, units), told from rows by their ID."""
    rows = split_rows(first_lines(source, 1 + MAX_NAME_ROWS, probe.name), probe.name)
    if not rows:
        raise _fail(probe, "the file is empty")
    keys = [key.strip() for key in rows[0]]
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        raise _fail(probe, f"no {missing} column in its first line ({keys[:8]}...)")
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise _fail(probe, f"the columns {twice} appear twice")
    # A spot row has a whole number as its ID; TrackMate's header lines have "Spot ID", "Spot ID", "".
    at = keys.index("ID") if "ID" in keys else keys.index("FRAME")
    names = []
    for row in rows[1:]:
        if len(row) > at and _is_whole(row[at]):
            break
        names.append(row)
    return keys, names


def _track_ids(probe: poseio.Probe, column: Any, skip: int) -> np.ndarray:
    """``TRACK_ID`` as int64, -1 for a spot in no track (an empty cell; ``None`` in some exports)."""
    ids = np.full(len(column), -1, dtype=np.int64)
    for row, cell in enumerate(column.tolist()):
        if not isinstance(cell, str) or cell.strip() in ("", "None", "NaN"):
            continue
        if not _is_whole(cell) or int(cell) < 0:
            raise _fail(probe, f"line {skip + row + 1} has {cell!r} as its TRACK_ID, not a track number")
        ids[row] = int(cell)
    return ids


def _frames(probe: poseio.Probe, values: np.ndarray, skip: int) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values > MAX_FRAME)
    if bad.any():
        row = int(np.argmax(bad))
        raise _fail(probe, f"line {skip + row + 1} has {values[row].item()!r} as its FRAME, not a frame number")
    return values.astype(np.int64)


def _frame_interval(times: np.ndarray, frames: np.ndarray) -> float | None:
    """The time between frames when ``POSITION_T`` is ``FRAME`` times one interval for every spot."""
    later = frames > 0
    if not later.any() or not np.isfinite(times).all():
        return None
    interval = float(np.median(times[later] / frames[later]))
    if interval <= 0 or not np.allclose(times, frames * interval, rtol=1e-6, atol=1e-9):
        return None
    return interval


def read_trackmate(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a TrackMate spots table (see ``docs/formats/trackmate.md``).

    Args:
        probe: The probe of the source.
        options: ``fps`` (default: from ``POSITION_T`` when it is in seconds)
            and ``video`` (default: the file's name without ``_spots``).

    Returns:
        Labels of one video and the one-node skeleton ``spot``; one track per TrackMate track.
    """
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    source = source_of(probe)
    keys, name_rows = _header(probe, source)
    skip = 1 + len(name_rows)
    numbers = [key for key in NUMBERS if key in keys]
    # Every other column (LABEL, TRACK_ID, features) is read as text and left out of the array of numbers.
    others = [i for i, key in enumerate(keys) if key not in numbers]
    index_columns = 1 if keys[0] not in numbers else 0
    block, frame = read_block(
        source,
        skip=skip,
        width=len(keys),
        name=probe.name,
        index_columns=index_columns,
        text_columns=[i for i in others if i >= index_columns],
        omit=[i for i in others if i >= index_columns],
        label=lambda c: keys[c],
    )
    column = {key: block[:, position] for position, key in enumerate(k for k in keys[index_columns:] if k in numbers)}
    track_ids = _track_ids(probe, frame[keys.index("TRACK_ID")], skip)
    frames = _frames(probe, column["FRAME"], skip)
    xyz = ["POSITION_X", "POSITION_Y"]
    z = column.get("POSITION_Z")
    finite_z = z[np.isfinite(z)] if z is not None else np.zeros(0)
    flat_z = None
    if len(finite_z) and (finite_z != finite_z[0]).any():
        xyz.append("POSITION_Z")  # 3D: the spots are not all in one plane
    elif len(finite_z):
        flat_z = float(finite_z[0])
    points = np.stack([column[key] for key in xyz], axis=1)[:, None, :]
    quality = column.get("QUALITY", np.full(len(frames), np.nan))
    kept = sorted(set(track_ids[track_ids >= 0].tolist()))
    tracks = [poseio.Track(f"Track_{i}") for i in kept]
    track_column = np.where(track_ids >= 0, np.searchsorted(np.asarray(kept, dtype=np.int64), track_ids), -1)
    tracked = track_ids >= 0
    pairs = np.stack([frames[tracked], track_ids[tracked]], axis=1)
    branched = len(pairs) - len(np.unique(pairs, axis=0)) if len(pairs) else 0
    if branched:
        warnings.warn(
            f"{probe.name}: {branched} spots share a frame with another spot of their track (a split or merge); "
            "each is read as an instance of the track",
            BranchWarning,
            stacklevel=2,
        )
    table = poseio.PoseTable.build(
        points,
        video=0,
        frame_idx=frames,
        skeleton=0,
        track=np.where(tracked, track_column, poseio.NO_TRACK),
        predicted=True,
        point_scores=quality[:, None].copy(),
        score=quality,
    )
    units = dict(zip(keys, name_rows[-1], strict=False)) if len(name_rows) == MAX_NAME_ROWS else {}
    interval = _frame_interval(column["POSITION_T"], frames) if "POSITION_T" in column else None
    if fps is None and interval is not None and units.get("POSITION_T", "").strip() in SECONDS:
        fps = 1.0 / interval
    metadata: dict[str, Any] = {}
    if video_name is None:
        stem = PurePath(probe.name).stem
        video_name = SUFFIX.sub("", stem) or stem
        metadata["filename_guessed"] = True  # TrackMate's table names no image
    n_frames = int(frames.max()) + 1 if len(frames) else 0
    video = poseio.Video(video_name, fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None, metadata=metadata)
    details = {
        "n_spots": len(frames),
        "n_untracked_spots": int((~tracked).sum()),
        "n_spots_sharing_a_frame_with_their_track": branched,
        "z": flat_z,
        "units": {key: value.strip() for key, value in units.items() if value.strip()},
        "frame_interval": interval,
        "header_rows": 1 + len(name_rows),
        # POSITION_T is compared with FRAME for the frame rate, its values are not kept.
        "unread_columns": [key for key in keys if key not in (*READ, "POSITION_Z")],
    }
    return poseio.Labels.from_table(
        table,
        videos=[video],
        skeletons=[poseio.Skeleton([SKELETON], name=FORMAT)],
        tracks=tracks,
        provenance={FORMAT: details},
    )
