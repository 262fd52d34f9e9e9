"""Reading one TRex per-individual export (``<video>_fish0.npz``) into Labels.

TRex writes one ``.npz`` per individual: one row per frame from the
individual's first to its last appearance, with ``frame``, ``time`` (seconds),
the centroid ``X``/``Y`` and many more arrays. A row is a pose when its
position is finite and its ``missing`` flag is 0; every array of the file is
kept as read in ``labels.provenance["trex"]["arrays"]`` (see
``docs/formats/trex.md``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, check_fps, check_video, refuse_unknown

from poseio_trex._npz import arrays_of, load_array, opened
from poseio_trex._sniff import FORMAT, POSITIONS

READ_OPTIONS = ("fps", "video", "siblings")
#: The node of TRex's position (``X``/``Y``): the individual's centroid.
CENTROID = "centroid"
#: TRex's keypoint columns (``output_auto_pose``): ``poseX0``/``poseY0``, ``poseX1``/``poseY1``, ...
_POSE_X = re.compile(r"^poseX(\d+)$")
#: A file of one individual: ``<video>_<prefix><number>.npz`` (TRex's ``individual_prefix`` is ``fish`` by default).
_INDIVIDUAL = re.compile(r"^(?P<session>.+)_(?P<prefix>[A-Za-z]*)(?P<number>\d+)$")
#: Rates are rounded to this many decimals (``time`` is float32: 499 frames in 19.96 s is 25.0000011 fps).
_FPS_DECIMALS = 3
#: How far a step's rate may be from the whole recording's for the timing to count as regular.
_FPS_TOLERANCE = 1e-3


def _fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{probe.name}: not a readable {FORMAT} file: {problem}", path=probe.path)


def session_of(stem: str) -> str:
    """The video's name in an individual's file name: ``test`` for ``test_fish0``, the stem when it has no number."""
    match = _INDIVIDUAL.match(stem)
    return match["session"] if match else stem


def siblings_of(path: Path) -> list[Path]:
    """Every file of the same session (``<video>_<prefix><n>.npz`` beside ``path``), ordered by number."""
    match = _INDIVIDUAL.match(path.stem)
    if match is None:
        return [path]
    pattern = re.compile(rf"^{re.escape(match['session'])}_{re.escape(match['prefix'])}(\d+)\.npz$")
    found = [(int(m[1]), p) for p in path.parent.iterdir() if p.is_file() and (m := pattern.match(p.name))]
    return [p for _, p in sorted(found)]


def _pose_nodes(arrays: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(node name, x array, y array)`` of TRex's keypoints, by number (``pose0`` from ``poseX0``/``poseY0``)."""
    numbers = sorted(int(m[1]) for name in arrays if (m := _POSE_X.match(name)) and f"poseY{m[1]}" in arrays)
    return [(f"pose{n}", f"poseX{n}", f"poseY{n}") for n in numbers]


def _frames(frame: np.ndarray, probe: poseio.Probe) -> np.ndarray:
    """The ``frame`` array as whole frame numbers (-1 where it is not finite), refusing fractions and repeats."""
    finite = np.isfinite(frame)
    values = frame[finite]
    if len(values) and ((values < 0).any() or (values != np.round(values)).any() or (values > 2**53).any()):
        bad = float(values[(values < 0) | (values != np.round(values)) | (values > 2**53)][0])
        raise _fail(probe, f"frame holds {bad!r}, which is no frame number (whole, not negative)")
    frames = np.full(len(frame), -1, dtype=np.int64)
    frames[finite] = values.astype(np.int64)
    unique, counts = np.unique(frames[finite], return_counts=True)
    if (counts > 1).any():
        raise _fail(
            probe, f"frame {int(unique[counts > 1][0])} has {int(counts.max())} rows; TRex writes one per frame"
        )
    return frames


def _timing(frames: np.ndarray, time: np.ndarray | None) -> tuple[np.ndarray | None, float | None]:
    """The video's timestamps (NaN where a frame has no row) and its rate when the times are regular."""
    if time is None:
        return None, None
    known = (frames >= 0) & np.isfinite(time)
    if not known.any():
        return None, None
    timestamps = np.full(int(frames[known].max()) + 1, np.nan)
    timestamps[frames[known]] = time[known]
    order = np.argsort(frames[known])
    f, t = frames[known][order].astype(np.float64), time[known][order]
    if len(f) < 2 or not (np.diff(t) > 0).all():
        return timestamps, None
    rate = (f[-1] - f[0]) / (t[-1] - t[0])
    steps = np.diff(f) / np.diff(t)
    regular = bool((np.abs(steps / rate - 1) <= _FPS_TOLERANCE).all())
    return timestamps, round(float(rate), _FPS_DECIMALS) if regular else None


def read_one(probe: poseio.Probe, fps: float | None, video_name: str | None) -> poseio.Labels:
    """One individual's file (see the module docstring)."""
    with opened(probe) as archive:
        members = arrays_of(archive)
        pair = next((p for p in POSITIONS if set(p) <= set(members)), None)
        if pair is None or "frame" not in members:
            raise _fail(probe, "it has no frame and X/Y arrays (TRex's position export)")
        arrays = {name: load_array(archive, member, probe.name, probe.path) for name, member in members.items()}

    frame = arrays["frame"]
    n = len(frame) if frame.ndim == 1 else -1
    nodes = [(CENTROID, *pair), *_pose_nodes(members)]
    for name in ("frame", "missing", "time", *(c for _, x, y in nodes for c in (x, y))):
        if name in arrays and (
            arrays[name].ndim != 1 or len(arrays[name]) != n or arrays[name].dtype.kind not in "biuf"
        ):
            raise _fail(
                probe,
                f"{name} is {arrays[name].dtype} {arrays[name].shape}, not one number per row of frame ({frame.shape})",
            )
    frames = _frames(frame.astype(np.float64), probe)

    points = np.stack([np.stack([arrays[x], arrays[y]], axis=-1) for _, x, y in nodes], axis=1).astype(np.float64)
    points[~np.isfinite(points).all(axis=-1)] = np.nan  # TRex marks "not found" with inf (or NaN, by a setting)
    missing = arrays["missing"] != 0 if "missing" in arrays else np.zeros(n, dtype=bool)
    points[missing] = np.nan  # interpolated positions (output_interpolate_positions) are no detections
    rows = np.flatnonzero(np.isfinite(points).any(axis=(1, 2)) & (frames >= 0))

    time = arrays["time"].astype(np.float64) if "time" in arrays else None
    timestamps, rate = _timing(frames, time)
    stem = Path(probe.name).stem
    if video_name is None:
        video_name = str(Path(probe.name).with_name(session_of(stem)))
    video = poseio.Video(video_name, fps=fps if fps is not None else rate, timestamps=timestamps)
    skeleton = poseio.Skeleton([name for name, _, _ in nodes], name="trex")
    table = poseio.PoseTable.build(points[rows], video=0, frame_idx=frames[rows], skeleton=0, track=0, predicted=True)
    details = {
        "arrays": arrays,
        "position_columns": list(pair),
        "node_columns": {name: [x, y] for name, x, y in nodes},
        "n_rows": n,
        "n_missing_rows": int(missing.sum()),
        "n_rows_without_frame": int((frames < 0).sum()),
    }
    return poseio.Labels.from_table(
        table, videos=[video], skeletons=[skeleton], tracks=[poseio.Track(stem)], provenance={FORMAT: details}
    )


def read_trex(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a TRex export: the file's individual, or with ``siblings=True`` every individual of its session."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    siblings = check_choice(options.get("siblings", False), (False, True), FORMAT, option="siblings")
    if not siblings:
        return read_one(probe, fps, video_name)
    if probe.path is None:
        raise poseio.InvalidOptionError(
            "siblings=True looks for the other individuals' files beside this one, and a file object has no folder; "
            "load each file and combine them with poseio.Labels.merge",
            format=FORMAT,
        )
    parts = []
    for path in siblings_of(probe.path):
        if path == probe.path:
            parts.append(read_one(probe, fps, video_name))
            continue
        with poseio.Probe(path) as sibling:
            parts.append(read_one(sibling, fps, video_name))
    merged = poseio.Labels.merge(parts)
    # Each file's details by its individual: merging the parts' mappings key by key would mix their arrays.
    merged.provenance[FORMAT] = {
        "individuals": {part.tracks[0].name: part.provenance[FORMAT] for part in parts},
        "files": [str(p) for p in siblings_of(probe.path)],
    }
    return merged
