"""Writing Labels as a Lightning Pose CSV.

Two layouts, as Lightning Pose itself writes them:

- ``video``: one row per frame of one video (index 0 .. n-1), ``x``, ``y`` and
  ``likelihood`` per bodypart, as ``litpose predict`` writes a video's
  predictions. Frames without a pose are rows of empty cells.
- ``images``: one row per labelled image, indexed by its path
  (``labeled-data/<video>/img0042.png``), ``x`` and ``y`` per bodypart, as
  ``CollectedData.csv``; with ``likelihood`` too when predictions are written.

Values are written with Python's shortest round-trip repr, so that reading the
file back gives the very same float64 numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.limits import budget_message, over_budget
from poseio.options import check_choice, check_one_line, refuse_unknown, say_option

from poseio_lightning_pose._header import LEVELS
from poseio_lightning_pose._options import DEFAULT_SCORER, WRITE_OPTIONS

FORMAT = "lightning-pose"
LAYOUTS = ("auto", "video", "images")


def check_write_options(options: dict[str, Any]) -> tuple[str, str]:
    """The ``layout`` and ``scorer`` options, checked.

    Raises:
        InvalidOptionError: An unknown option or a value out of range.
    """
    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    layout = check_choice(options.get("layout", "auto"), LAYOUTS, FORMAT, option="layout")
    scorer = check_one_line(options.get("scorer", DEFAULT_SCORER), FORMAT, option="scorer", example=DEFAULT_SCORER)
    return layout, scorer


def write_claim(labels: poseio.Labels) -> poseio.Claim:
    """How well the format suits the labels, when a ``.csv`` is saved without a format."""
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "the labels were read from a Lightning Pose CSV")
    table = labels.to_table()
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "3D points; Lightning Pose CSVs hold 2D points")
    # A single-animal 2D layout: suitable, but DeepLabCut's CSV is the better-known home for it.
    return poseio.Claim(FORMAT, 0.3, "2D poses fit the Lightning Pose CSV layout")


def _node_names(labels: poseio.Labels, table: poseio.PoseTable, path: Path) -> list[str]:
    used = np.unique(table.skeleton)
    if not len(used):
        if not labels.skeletons:
            raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no bodyparts to write")
        return labels.skeletons[0].node_names
    names = {tuple(labels.skeletons[i].node_names) for i in used}
    if len(names) > 1:
        raise poseio.InvalidLabelsError(
            f"{path}: the poses use skeletons with different nodes ({sorted(names)}); a Lightning Pose CSV has one "
            "set of bodyparts. Save each skeleton's poses to its own file"
        )
    return list(names.pop())


def _one_per_frame(video: np.ndarray, frames: np.ndarray, labels: poseio.Labels, path: Path) -> None:
    key = np.stack([video, frames], axis=1)
    unique, counts = np.unique(key, axis=0, return_counts=True)
    if (counts > 1).any():
        v, f = unique[np.argmax(counts > 1)]
        raise poseio.InvalidLabelsError(
            f"{path}: frame {int(f)} of {labels.videos[int(v)].filename} holds {int(counts.max())} instances; a "
            "Lightning Pose CSV holds one animal per frame. Save one track (or one instance per frame) per file"
        )


def write_lightning_pose(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write a Lightning Pose CSV (see the module docstring for the layouts)."""
    layout, scorer = check_write_options(options)
    table = labels.to_table()
    nodes = _node_names(labels, table, path)
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        raise poseio.InvalidLabelsError(
            f"{path}: the poses have z coordinates; Lightning Pose CSVs hold 2D points. Drop z or use another format"
        )
    if layout == "auto":
        layout = "images" if len(table) and not table.predicted.any() else "video"
    _one_per_frame(table.video, table.frame_idx, labels, path)
    with_scores = bool(table.predicted.any())
    k = len(nodes)
    if layout == "video":
        index, rows = _video_rows(labels, table, path)
    else:
        table = table.sorted()
        index, rows = _image_rows(labels, table), np.arange(len(table))
    n_values = 3 if with_scores else 2
    nbytes = len(index) * k * n_values * 8
    if over_budget(nbytes):
        raise poseio.InvalidLabelsError(budget_message(nbytes, f"{len(index)} rows of {k} bodyparts", str(path)))
    values = np.full((len(index), k, n_values), np.nan)
    values[rows, :, :2] = table.points[:, :k, :2]
    if with_scores:
        values[rows, :, 2] = np.where(table.predicted[:, None], table.point_scores[:, :k], np.nan)
    coords = ["x", "y", "likelihood"][:n_values]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([LEVELS[0], *[scorer] * (k * n_values)])
        writer.writerow([LEVELS[1], *[n for n in nodes for _ in coords]])
        writer.writerow([LEVELS[2], *coords * k])
        f.write(_body(index, values.reshape(len(index), k * n_values)))


def _video_rows(labels: poseio.Labels, table: poseio.PoseTable, path: Path) -> tuple[list[str], np.ndarray]:
    """One row per frame of the single video: the index, and each instance's row."""
    videos = np.unique(table.video)
    if len(videos) > 1:
        raise poseio.InvalidLabelsError(
            f"{path}: the poses come from {len(videos)} videos; a Lightning Pose video CSV holds one. Save each video "
            f"to its own file, or pass {say_option('layout', 'images')} to index rows by image path"
        )
    video = labels.videos[int(videos[0])] if len(videos) else (labels.videos[0] if labels.videos else None)
    known = video.shape[0] if video is not None and video.shape else 0
    n_frames = max(int(known), int(table.frame_idx.max()) + 1 if len(table) else 0)
    return [str(i) for i in range(n_frames)], table.frame_idx


def _image_rows(labels: poseio.Labels, table: poseio.PoseTable) -> list[str]:
    """The image path of every row: the one the file was read with, else ``labeled-data/<video>/imgNNNN.png``."""
    folders: dict[int, str] = {}
    taken: set[str] = set()
    for v in np.unique(table.video).tolist():
        folder = _folder_of(labels.videos[v])
        base, n = folder, 1
        while folder in taken:  # two videos of one name in different places
            n += 1
            folder = f"{base}_{n}"
        taken.add(folder)
        folders[v] = folder
    width = max(4, len(str(int(table.frame_idx.max())))) if len(table) else 4
    paths = []
    for v, frame in zip(table.video.tolist(), table.frame_idx.tolist()):
        known = labels.videos[v].metadata.get("images")
        path = known.get(frame) if isinstance(known, dict) else None
        paths.append(str(path) if path else f"{folders[v]}/img{frame:0{width}d}.png")
    return paths


def _folder_of(video: poseio.Video) -> str:
    """The image folder of a video: itself when it is one (as read from an images CSV), else labeled-data/<name>."""
    name = PurePosixPath(video.filename.replace("\\", "/"))
    if not name.suffix and name.parts:
        return str(name)
    return f"labeled-data/{name.stem or 'video'}"


def _quote(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([cell])
        return out.getvalue()
    return cell


def _body(index: list[str], values: np.ndarray) -> str:
    """The data rows: the index cell, then every value by repr, empty for NaN (as pandas writes them)."""
    lines = [
        _quote(cell) + "," + ",".join(map(repr, row)).replace("nan", "") for cell, row in zip(index, values.tolist())
    ]
    return "\n".join(lines) + ("\n" if lines else "")
