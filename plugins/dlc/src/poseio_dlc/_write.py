"""Writing Labels as a DeepLabCut table: CSV with pandas, HDF5 (pandas ``format="fixed"``) with h5py.

What the table holds:

- **Coords.** ``x``, ``y`` (``z`` for 3D points), then ``likelihood`` (the point
  scores) when predictions are written: DeepLabCut's predictions layout.
  Labels of user instances only are written without likelihood, as
  DeepLabCut's labelled data. 3D predictions without point scores get no
  likelihood, as DeepLabCut's triangulated results.
- **Individuals.** A single untracked animal gives the single-animal header.
  Tracks, or frames with several instances, give the multi-animal header: one
  individual per track (its name), then one per untracked instance of the
  busiest frame (``individual0``, ...). A track whose instances use another
  skeleton than the rest (DeepLabCut's ``single`` with unique bodyparts) gets
  that skeleton's bodyparts.
- **Rows.** ``layout="video"``: one row per frame of one video, ``0 .. n-1``
  (n the video's frame count when known, else the last frame + 1), as
  DeepLabCut analyses a video. ``layout="images"``: one row per labelled
  image, indexed by its path (the one the file was read with, else
  ``labeled-data/<video>/img<frame>.png``), as DeepLabCut's labelled data. By
  default (``"auto"``) user labels, several videos and labels read from images
  take the images layout, predictions of one video the video layout.
- **Scorer.** The ``scorer`` option, else the scorer of the DeepLabCut file the
  labels were read from, else ``DLC_poseio``: a DeepLabCut-like name, so that
  the file is recognised as DeepLabCut's and not another tool's.

Where a user instance and a prediction share a frame and a track, one row can
hold only one of them: the user instance is written (as SLEAP and
``Labels.numpy`` choose), unless ``kind="predicted"`` asks for the predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.limits import budget_message, over_budget
from poseio.options import check_choice, check_one_line, refuse_unknown, say_option

from poseio_dlc._build import FORMAT, KINDS
from poseio_dlc._columns import LIKELIHOOD, MULTI_LEVELS, SINGLE_LEVELS
from poseio_dlc._options import DEFAULT_SCORER, WRITE_OPTIONS

#: The HDF5 key DeepLabCut stores its tables under (movement and DeepLabCut read it by this name).
DEFAULT_KEY = "df_with_missing"
LAYOUTS = ("auto", "video", "images")


@dataclass
class Table:
    """What a DeepLabCut file holds, ready to be written by either encoding.

    Attributes:
        levels: The column level names.
        labels: One label tuple per data column.
        block: ``(n_rows, n_columns)`` values, NaN where empty.
        index: Frame numbers, or image paths.
        index_levels: 1, or 3 to split image paths into (labeled-data, folder, image).
    """

    levels: tuple[str, ...]
    labels: list[tuple[str, ...]]
    block: np.ndarray
    index: np.ndarray | list[str]
    index_levels: int = 1

    def path_parts(self) -> list[tuple[str, ...]]:
        """The image paths split as the index levels are."""
        return [tuple(p.split("/", 2)) for p in self.index] if self.index_levels == 3 else []


def check_write_options(options: dict[str, Any], path: Path) -> dict[str, Any]:
    """The write options, checked.

    Raises:
        InvalidOptionError: An unknown option or an unfit value.
    """
    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    if options.get("scorer") is not None:
        check_one_line(options["scorer"], FORMAT, option="scorer", example=DEFAULT_SCORER)
    check_choice(options.get("layout", "auto"), LAYOUTS, FORMAT, option="layout")
    check_choice(options.get("kind", "auto"), KINDS, FORMAT, option="kind")
    key = options.get("key")
    if key is not None:
        if path.suffix.lower() == ".csv":
            raise poseio.InvalidOptionError("key= names the HDF5 group of a .h5 file; a CSV has none", format=FORMAT)
        if not isinstance(key, str) or not key.isidentifier():
            raise poseio.InvalidOptionError(f"key= must be a name such as {DEFAULT_KEY!r}, not {key!r}", format=FORMAT)
    return options


def write_claim(labels: poseio.Labels, options: dict[str, Any] | None = None) -> poseio.Claim:
    """How well the format suits the labels, and what a table of them would lose.

    A DeepLabCut table is either labelled data or predictions: with
    ``kind="auto"`` (the default), user instances beside predictions would read
    back as predictions, and a prediction in the same frame and animal slot as a
    user instance is left out. Naming ``kind=`` accepts writing that kind alone.
    """
    losses = _losses(labels.to_table()) if (options or {}).get("kind", "auto") == "auto" else []
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "the labels were read from a DeepLabCut file", losses=losses)
    return poseio.Claim(
        FORMAT, poseio.STRUCTURE_MATCH, "poses fit DeepLabCut's table of bodyparts and coords", losses=losses
    )


def _losses(table: poseio.PoseTable) -> list[str]:
    """What ``kind="auto"`` loses of a table holding user instances and predictions."""
    n_predicted = int(table.predicted.sum())
    if not n_predicted or n_predicted == len(table):
        return []
    kept = table.predicted[_kept_rows(table, "auto")]
    n_user, hidden = int((~kept).sum()), n_predicted - int(kept.sum())
    one_kind = f"{say_option('kind', 'user')} or {say_option('kind', 'predicted')} writes one kind alone"
    losses = [f"the user/predicted flag: {n_user} user instances would read back as predictions ({one_kind})"]
    if hidden:
        losses.append(f"{hidden} predictions in the same frame and animal as a user instance")
    return losses


def write_dlc(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write a DeepLabCut ``.csv``, or ``.h5`` (any other name) (see the module docstring)."""
    options = check_write_options(options, path)
    table = plan(labels, options, path)
    if path.suffix.lower() == ".csv":
        write_csv(table, path)
    else:
        from poseio_dlc._hdf_write import write_fixed

        write_fixed(table, path, options.get("key") or DEFAULT_KEY)


def _scorer(labels: poseio.Labels, options: dict[str, Any]) -> str:
    if options.get("scorer"):
        return options["scorer"]
    # The DeepLabCut file's own scorer, else the one any other format's reader recorded (an NWB scorer).
    known = (labels.provenance.get("dlc") or {}).get("scorer") or labels.provenance.get("scorer")
    if isinstance(known, list) and known:
        known = known[0]
    return known if isinstance(known, str) and known else DEFAULT_SCORER


def _kept_rows(table: poseio.PoseTable, kind: str) -> np.ndarray:
    """The rows to write: of the kind asked for, and the user instance where one shares a slot with a prediction."""
    if kind != "auto":
        return np.flatnonzero(table.predicted == (kind == "predicted"))
    rows = np.arange(len(table))
    if not len(rows) or table.predicted.all() or not table.predicted.any():
        return rows
    slot = table.slots()
    # User rows first, so that np.unique keeps them where a prediction has the same slot.
    order = np.lexsort((table.predicted, slot, table.frame_idx, table.video))
    keys = np.stack([table.video[order], table.frame_idx[order], slot[order]], axis=1)
    _, first = np.unique(keys, axis=0, return_index=True)
    return np.sort(order[first])


def plan(labels: poseio.Labels, options: dict[str, Any], path: Path) -> Table:
    """Lay the labels out as a DeepLabCut table.

    Raises:
        InvalidLabelsError: The labels cannot be laid out so (several videos in
            the video layout, negative frames, two tracks of one name, no
            skeleton, a table over the memory budget).
    """
    full = labels.to_table()
    kept = _kept_rows(full, options.get("kind", "auto"))
    table = full if len(kept) == len(full) else full.take(kept)  # kept rows are distinct: all of them, in order
    ndim = 3 if table.ndim == 3 and np.isfinite(table.points[..., 2]).any() else 2
    predicted = bool(table.predicted.any())
    every_predicted = predicted and bool(table.predicted.all())
    scored = predicted and (
        ndim == 2
        or bool(np.isfinite(table.point_scores if every_predicted else table.point_scores[table.predicted]).any())
    )
    coords = ["x", "y", "z"][:ndim] + ([LIKELIHOOD] if scored else [])
    if len(table) and table.frame_idx.min() < 0:
        raise poseio.InvalidLabelsError(
            f"{path}: frame {int(table.frame_idx.min())} is negative; DeepLabCut counts from 0"
        )

    slot = table.slots()
    names, slot_ids, nodes = _individuals(labels, table, slot, path)
    multi = len(slot_ids) > 1 or bool(len(slot_ids) and slot_ids[0] >= 0)
    scorer = _scorer(labels, options)
    column_of: dict[tuple[int, str], int] = {}
    column_labels: list[tuple[str, ...]] = []
    for s, name in zip(slot_ids, names):
        for node in nodes[s]:
            column_of[(s, node)] = len(column_labels)
            column_labels += [(scorer, name, node, c) if multi else (scorer, node, c) for c in coords]

    index, row_of, index_levels = _rows(labels, table, options.get("layout", "auto"), path)
    width = len(column_labels)
    if over_budget(len(index) * width * 8.0):
        raise poseio.InvalidLabelsError(
            budget_message(len(index) * width * 8.0, f"a table of {len(index)} rows", str(path))
        )
    jobs: list[_Job] = []
    for s in slot_ids:
        in_slot = slot == s
        for k in table.distinct(table.skeleton[in_slot]).tolist():
            found = np.flatnonzero(in_slot & (table.skeleton == k))
            rows = _as_slice(found)  # every n-th row (one individual of n in every frame): a view, not a copy
            skeleton = labels.skeletons[k]
            first = np.array([column_of[(s, node)] for node in skeleton.node_names], dtype=np.int64)
            scores = None
            if scored:
                scores = table.point_scores[rows, : len(skeleton)]
                if not every_predicted:
                    scores = np.where(table.predicted[rows, None], scores, np.nan)
            jobs.append(_Job(row_of[found], first, table.points[rows, : len(skeleton), :ndim], scores))
    block = _fill(len(index), width, jobs, len(coords))
    levels = MULTI_LEVELS if multi else SINGLE_LEVELS
    return Table(levels, column_labels, block, index, index_levels)


@dataclass
class _Job:
    """One individual's (and skeleton's) part of the block: rows ``where``, node ``i`` from column ``first[i]``."""

    where: np.ndarray
    first: np.ndarray
    points: np.ndarray
    scores: np.ndarray | None


#: Block rows filled at a time when every individual fills every row: a slab stays in the cache while it is filled.
_SLAB_BYTES = 1 << 20


def _fill(n_rows: int, width: int, jobs: list[_Job], coords: int) -> np.ndarray:
    """The block of values: NaN, with every job's points and scores in place.

    When every individual has a pose in every row (predictions of a whole
    video), the block is filled a slab of rows at a time, its NaN included, so
    that each slab is written while it is in the cache rather than the whole
    block once per individual and coordinate.
    """
    every_row = np.arange(n_rows)
    if jobs and all(_adjacent(job.first, coords) and np.array_equal(job.where, every_row) for job in jobs):
        block = np.empty((n_rows, width))
        step = max(1, _SLAB_BYTES // max(1, width * 8))
        for start in range(0, n_rows, step):
            rows = slice(start, min(start + step, n_rows))
            block[rows] = np.nan
            for job in jobs:
                scores = None if job.scores is None else job.scores[rows]
                _place(block, rows, job.first, job.points[rows], scores, coords)
        return block
    block = np.full((n_rows, width), np.nan)
    for job in jobs:
        _place(block, job.where, job.first, job.points, job.scores, coords)
    return block


def _adjacent(first: np.ndarray, width: int) -> bool:
    """Whether the nodes' columns follow each other, ``width`` apiece."""
    return len(first) > 0 and bool((np.diff(first) == width).all())


def _as_slice(rows: np.ndarray) -> slice | np.ndarray:
    """Increasing row numbers as a slice when they are evenly spaced, else as they are."""
    if len(rows) < 2:
        return rows
    step = int(rows[1] - rows[0])
    if step > 0 and int(rows[-1] - rows[0]) == step * (len(rows) - 1) and bool((np.diff(rows) == step).all()):
        return slice(int(rows[0]), int(rows[-1]) + 1, step)
    return rows


def _place(
    block: np.ndarray,
    where: np.ndarray | slice,
    first: np.ndarray,
    points: np.ndarray,
    scores: np.ndarray | None,
    width: int,
) -> None:
    """Put one individual's points (and scores) at rows ``where`` of ``block``, node ``i`` from column ``first[i]``.

    An individual's bodyparts are usually adjacent columns in skeleton order
    (``x, y, likelihood`` each): its columns are then a ``(rows, nodes, coords)``
    view of the block, filled with one assignment of whole rows (a slice when the
    rows run in order), not one fancy-indexed assignment per coordinate.
    """
    ndim = points.shape[2]
    if _adjacent(first, width):
        view = block[:, first[0] : first[0] + len(first) * width].reshape(len(block), len(first), width)
        rows = where if isinstance(where, slice) else _as_slice(where)
        for c in range(ndim):  # a coordinate at a time: numpy copies (n, nodes, 2) with an inner loop of 2
            view[rows, :, c] = points[..., c]
        if scores is not None:
            view[rows, :, ndim] = scores
        return
    for c in range(ndim):
        block[np.ix_(where, first + c)] = points[..., c]
    if scores is not None:
        block[np.ix_(where, first + ndim)] = scores


def _individuals(
    labels: poseio.Labels, table: poseio.PoseTable, slot: np.ndarray, path: Path
) -> tuple[list[str], list[int], dict[int, list[str]]]:
    """The individuals' names, their slots (track index, or -k for the k-th untracked), and each one's bodyparts."""
    used = np.unique(slot).tolist() if len(table) else []
    slot_ids = [s for s in used if s >= 0] + sorted((s for s in used if s < 0), reverse=True)
    if not slot_ids:
        if not labels.skeletons:
            raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no bodyparts to write")
        return [""], [-1], {-1: labels.skeletons[0].node_names}
    track_names = [labels.tracks[s].name for s in slot_ids if s >= 0]
    if len(set(track_names)) < len(track_names):
        twice = sorted({n for n in track_names if track_names.count(n) > 1})
        raise poseio.InvalidLabelsError(
            f"{path}: several tracks are named {twice}; DeepLabCut's individuals need distinct names"
        )
    names, taken = [], set(track_names)
    for s in slot_ids:
        if s >= 0:
            names.append(labels.tracks[s].name)
            continue
        number = -s - 1
        while f"individual{number}" in taken:
            number += 1
        taken.add(f"individual{number}")
        names.append(f"individual{number}")
    nodes = {}
    for s in slot_ids:
        parts: dict[str, None] = {}
        for k in np.unique(table.skeleton[slot == s]).tolist():
            parts.update(dict.fromkeys(labels.skeletons[k].node_names))
        nodes[s] = list(parts)
    return names, slot_ids, nodes


def _rows(
    labels: poseio.Labels, table: poseio.PoseTable, layout: str, path: Path
) -> tuple[np.ndarray | list[str], np.ndarray, int]:
    """The index of every file row, the file row of every table row, and how many index levels to write."""
    videos = np.unique(table.video).tolist() if len(table) else []
    if layout == "auto":
        from_images = any(isinstance(labels.videos[v].metadata.get("images"), dict) for v in videos)
        user_only = len(table) > 0 and not table.predicted.any()
        layout = "images" if len(videos) > 1 or from_images or user_only else "video"
    if layout == "video":
        if len(videos) > 1:
            raise poseio.InvalidLabelsError(
                f"{path}: the poses are of {len(videos)} videos, but {say_option('layout', 'video')} writes one "
                f"video's frames. Save each video to its own file, or pass {say_option('layout', 'images')}"
            )
        last = int(table.frame_idx.max()) + 1 if len(table) else 0
        shape = labels.videos[videos[0]].shape if videos else None
        n_rows = max(last, int(shape[0]) if shape and shape[0] else 0)
        return np.arange(n_rows, dtype=np.int64), table.frame_idx.copy(), 1
    return _image_rows(labels, table, videos)


def _image_rows(labels: poseio.Labels, table: poseio.PoseTable, videos: list[int]) -> tuple[list[str], np.ndarray, int]:
    width = max(4, len(str(int(table.frame_idx.max())))) if len(table) else 4
    paths: list[str] = []
    row_of = np.empty(len(table), dtype=np.int64)
    folders: set[str] = set()
    # Every image a video was read with keeps its row, points or none (a labelled frame where nothing is visible).
    for v in videos:
        video = labels.videos[v]
        images = video.metadata.get("images")
        images = images if isinstance(images, dict) else {}
        rows = np.flatnonzero(table.video == v)
        # The images in the order the file was read in, then the other frames in order.
        known = list(dict.fromkeys(int(f) for f in images))
        frames = known + sorted(set(table.frame_idx[rows].tolist()) - set(known))
        folder = _unique(_folder_of(video), folders)
        start = len(paths)
        paths += [str(images.get(f) or f"{folder}/img{f:0{width}d}.png") for f in frames]
        order = np.argsort(frames, kind="stable")
        row_of[rows] = start + order[np.searchsorted(np.array(frames)[order], table.frame_idx[rows])]
    three = all(len(PurePosixPath(p.replace("\\", "/")).parts) == 3 for p in paths) and bool(paths)
    levels = 3 if three and _source_index_columns(labels) == 3 else 1
    return paths, row_of, levels


def _source_index_columns(labels: poseio.Labels) -> int:
    return int((labels.provenance.get("dlc") or {}).get("index_columns") or 1)


def _unique(folder: str, taken: set[str]) -> str:
    base, n = folder, 1
    while folder in taken:  # two videos of one name in different places
        n += 1
        folder = f"{base}_{n}"
    taken.add(folder)
    return folder


def _folder_of(video: poseio.Video) -> str:
    """The image folder of a video: itself when it is one (as read from images), else ``labeled-data/<name>``."""
    name = PurePosixPath(video.filename.replace("\\", "/"))
    if not name.suffix and len(name.parts) > 1:
        return str(name)
    return f"labeled-data/{name.stem or 'video'}"


def write_csv(table: Table, path: Path) -> None:
    """Write the table as DeepLabCut's CSV, with pandas' ``to_csv``."""
    import pandas as pd

    if table.index_levels == 3:
        index = pd.MultiIndex.from_tuples(table.path_parts())
    else:
        index = pd.Index(table.index)
    columns = pd.MultiIndex.from_tuples(table.labels, names=list(table.levels))
    frame = pd.DataFrame(table.block, index=index, columns=columns, copy=False)
    frame.to_csv(path)
