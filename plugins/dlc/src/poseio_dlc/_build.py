"""Turning a DeepLabCut table (CSV or HDF5, as a `Frame`) into Labels, with no loop per row.

What becomes what:

- Each individual of a multi-animal table is a `poseio.Track`; a
  single-animal table's animal stays untracked.
- Individuals with the same bodyparts share one skeleton (the first, unnamed).
  DeepLabCut's ``single`` individual holds a project's unique bodyparts (an
  arena's corners, say), which no animal has: it is a track of its own whose
  instances use a second skeleton, ``uniquebodyparts``.
- A frame-number index gives one video, named after the file (DeepLabCut calls
  a video's results ``<video>DLC_<scorer>``; the folder and extension are not
  recorded); an image-path index gives one video per image folder, whose
  ``metadata["images"]`` maps each frame number to its image's path (every
  row's, rows without points included). An image's frame number is the last
  number in its name (``img0042.png`` is frame 42), as DeepLabCut names the
  frames it extracts; a folder whose names do not give distinct numbers is
  numbered in row order.
- With a ``likelihood`` coord the instances are predictions whose point scores
  are the likelihoods; DeepLabCut's 3D results (``x, y, z``) are predictions
  too (triangulated, without likelihood); other tables without likelihood are
  labelled data: user instances.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.csv import check_point_columns, frame_numbers, image_rows, take_columns
from poseio.options import check_choice, check_fps, check_video, refuse_unknown

from poseio_dlc._columns import LIKELIHOOD, UNIQUE_INDIVIDUAL, Columns
from poseio_dlc._options import READ_OPTIONS
from poseio_dlc._sniff import FORMAT

KINDS = ("auto", "user", "predicted")
UNIQUE_SKELETON = "uniquebodyparts"
# DeepLabCut names a video's results <video>DLC_<scorer>... (<video>DeepCut_... before 2.1).
_SCORER_SUFFIX = re.compile(r"(DLC_|DeepCut).*$")


@dataclass
class Frame:
    """A DeepLabCut table as arrays, from either encoding.

    Attributes:
        columns: The labels of the data columns.
        block: ``(n_rows, n_columns)`` float64 values, NaN where empty.
        index: The frame number of every row (int64), or its image path.
        index_levels: How many index columns (CSV) or levels (HDF5) the path was split over.
        details: What the reader adds to the provenance (HDF5 key and layout).
    """

    columns: Columns
    block: np.ndarray
    index: np.ndarray | list[str]
    index_levels: int = 1
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Layout:
    """Where each animal's points are in a table's columns.

    Attributes:
        animals: Each individual (``None`` when single-animal) and its bodyparts.
        skeletons: The skeletons: one per distinct list of bodyparts.
        slot_skeleton: The skeleton of each animal.
        positions: ``(n_animals, n_nodes, D)`` column of every coordinate, -1 where absent.
        likelihood: ``(n_animals, n_nodes)`` column of every likelihood, -1 where absent.
    """

    animals: list[tuple[str | None, list[str]]]
    skeletons: list[poseio.Skeleton]
    slot_skeleton: np.ndarray
    positions: np.ndarray
    likelihood: np.ndarray

    @classmethod
    def of(cls, columns: Columns) -> Layout:
        """The layout of a table's columns."""
        animals = columns.animals
        # Individuals with the same bodyparts share a skeleton; the unique bodyparts of "single" get their own.
        skeleton_of: dict[tuple[str, ...], int] = {}
        slot_skeleton = np.array([skeleton_of.setdefault(tuple(parts), len(skeleton_of)) for _, parts in animals])
        skeletons = []
        for parts, number in skeleton_of.items():
            owners = [a for (a, p) in animals if tuple(p) == parts]
            skeleton_name = None if number == 0 else UNIQUE_SKELETON if UNIQUE_INDIVIDUAL in owners else owners[0]
            skeletons.append(poseio.Skeleton(list(parts), name=skeleton_name))
        ndim = 3 if columns.has_z else 2
        n_nodes = max(len(parts) for _, parts in animals)
        where = columns.position()
        positions = np.full((len(animals), n_nodes, ndim), -1, dtype=np.int64)
        likelihood = np.full((len(animals), n_nodes), -1, dtype=np.int64)
        for slot, (animal, parts) in enumerate(animals):
            for node, part in enumerate(parts):
                for c, coord in enumerate("xyz"[:ndim]):
                    positions[slot, node, c] = where.get((animal, part, coord), -1)
                likelihood[slot, node] = where.get((animal, part, LIKELIHOOD), -1)
        return cls(animals, skeletons, slot_skeleton, positions, likelihood)

    def points(self, block: np.ndarray, name: str) -> np.ndarray:
        """``(n_rows, n_animals, n_nodes, D)`` points of the block's rows (a view when the columns are regular)."""
        return take_columns(block, self.positions, name)

    def present(self, block: np.ndarray) -> np.ndarray:
        """``(n_rows, n_animals)``: which animals have a bodypart with finite x and y in each row."""
        n_rows = len(block)
        present = np.zeros((len(self.animals), n_rows), dtype=bool)
        for slot, nodes in enumerate(self.positions[..., :2]):
            found = present[slot]
            # One bodypart with x and y decides a row, so a row is looked at only until one is
            # found. Models place every bodypart in almost every row: the first bodypart decides
            # nearly all rows, and the few rows left are gathered by index. The test of every
            # bodypart in every row cost 40 times as much on a table with 5% of its points missing.
            rows = None
            for x, y in nodes[(nodes >= 0).all(axis=1)].tolist():
                if rows is None:
                    found |= np.isfinite(block[:, x]) & np.isfinite(block[:, y])
                    left = n_rows - np.count_nonzero(found)
                    if left * 8 <= n_rows:
                        rows = np.flatnonzero(~found)
                else:
                    hit = np.isfinite(block[rows, x]) & np.isfinite(block[rows, y])
                    found[rows[hit]] = True
                    rows = rows[~hit]
                    left = len(rows)
                if not left:
                    break
        return np.ascontiguousarray(present.T)


def check_read_options(options: dict[str, Any]) -> dict[str, Any]:
    """The read options, checked (``fps``, ``video``, ``kind``, ``key``).

    Raises:
        InvalidOptionError: An unknown option, or a value of the wrong kind.
    """
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    checked = dict(options)
    checked["video"] = check_video(options.get("video"), FORMAT)
    checked["fps"] = check_fps(options.get("fps"), FORMAT)
    kind = options.get("kind")
    checked["kind"] = check_choice("auto" if kind is None else kind, KINDS, FORMAT, option="kind")
    key = options.get("key")
    if key is not None and not isinstance(key, str):
        raise poseio.InvalidOptionError(f"key= must be the name of an HDF5 group, not {key!r}", format=FORMAT)
    return checked


def video_name(source: str) -> str:
    """The video a results file is named after: ``m1DLC_resnet50_...`` gives ``m1``."""
    stem = Path(source).name.rsplit(".", 1)[0]
    return _SCORER_SUFFIX.sub("", stem).rstrip("_-") or stem


def labels_of(frame: Frame, name: str, options: dict[str, Any]) -> poseio.Labels:
    """Labels from a DeepLabCut table (see the module docstring).

    Args:
        frame: The table's labels, values and index.
        name: The source, for messages and the video's name.
        options: The checked read options.

    Raises:
        ReadError: A coord of a bodypart is named twice or missing, or the index is not frame numbers
            or image paths.
    """
    columns = frame.columns
    # Column numbers as a CSV counts them, its index columns first.
    check_point_columns(columns.point_columns(), name, first_column=frame.index_levels + 1)
    layout = Layout.of(columns)
    animals, slot_skeleton = layout.animals, layout.slot_skeleton
    block = frame.block
    points = layout.points(block, name)
    present = layout.present(block)
    scores = take_columns(block, layout.likelihood, name) if columns.has_likelihood else None
    if len(animals) > 1 and present.all() and _column_major(block):
        # pandas keeps a CSV's values column by column, so the table's rows, animal after animal, are
        # no view of them: the columns are put in track-major order where they are (the block is
        # the reader's own), else copied column by column (a plain memory copy each).
        arranged = _by_track_in_place(block, layout, scores is not None)
        if arranged is not None:
            points, scores = arranged
        else:
            points = _by_column(points)
            scores = None if scores is None else _by_column(scores)
    kind = options.get("kind") or "auto"
    predicted = (columns.has_likelihood or columns.has_z) if kind == "auto" else kind == "predicted"
    tracks = [poseio.Track(a) for a, _ in animals] if columns.multi_animal else []
    scorers = columns.point_scorers
    details: dict[str, Any] = {
        "scorer": scorers[0] if len(scorers) == 1 else scorers,
        "multi_animal": columns.multi_animal,
        "coords": list(dict.fromkeys(c for c in columns.coords if c)),
        **frame.details,
    }
    if columns.other_coords:
        details["coords_not_read"] = columns.other_coords
    numeric = isinstance(frame.index, np.ndarray)
    if numeric:
        details["layout"] = "video"
        frames = frame_numbers(frame.index, name)
        n_frames = int(frames.max()) + 1 if len(frames) else 0
        video = poseio.Video(
            str(options.get("video") or video_name(name)),
            fps=options.get("fps"),
            shape=(n_frames, 0, 0, 0) if n_frames else None,
        )
        if len(animals) == 1 and present.all():
            # One animal in every row (a video's predictions): the table's columns are views of the block.
            table = poseio.PoseTable.build(
                points[:, 0],
                video=0,
                frame_idx=frames,
                skeleton=0,
                track=0 if tracks else poseio.NO_TRACK,
                predicted=predicted,
                point_scores=scores[:, 0] if predicted and scores is not None else None,
            )
        else:
            table = poseio.PoseTable.from_dense(
                points,
                frame_idx=frames,
                skeleton=int(slot_skeleton[0]) if len(layout.skeletons) == 1 else slot_skeleton,
                track=np.arange(len(animals)) if tracks else None,
                predicted=predicted,
                point_scores=scores,
                present=present,
            )
        videos = [video]
    else:
        details["layout"] = "images"
        details["index_columns"] = frame.index_levels
        table, videos = _table_of_images(
            frame.index, points, scores, present, slot_skeleton, bool(tracks), predicted, options, name, details
        )
    # Who made the poses, under the names every format's writer looks for (NWB's PoseEstimation.scorer).
    made_by = {"source_software": "DeepLabCut", **({"scorer": scorers[0]} if len(scorers) == 1 else {})}
    return poseio.Labels.from_table(
        table, videos=videos, skeletons=layout.skeletons, tracks=tracks, provenance={"dlc": details, **made_by}
    )


def _column_major(block: np.ndarray) -> bool:
    """Whether a block's values run down its columns (pandas' layout), not along its rows."""
    return block.ndim == 2 and block.shape[0] > 1 and 0 < block.strides[0] < block.strides[1]


def _by_track_in_place(block: np.ndarray, layout: Layout, scored: bool) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The points (and likelihoods) of a column-major block as views, after reordering its columns in place.

    Each column moves to where a track-major array has it (node, coord, animal
    for the points, then node, animal for the likelihoods), following the
    permutation's cycles with one column held aside: no second copy of the
    table is made. Only for a writable 2D block whose columns are exactly every
    animal's x, y (and likelihood) of the same bodyparts; ``None`` otherwise,
    and the block is left as it was. Its columns no longer match the frame's
    labels afterwards: the caller takes everything else from it first.
    """
    positions = layout.positions
    n_animals, n_nodes, ndim = positions.shape
    if ndim != 2 or not block.flags.writeable or not block.flags.f_contiguous:
        return None
    order = positions.transpose(1, 2, 0).reshape(-1).tolist()
    if scored:
        order += layout.likelihood.T.reshape(-1).tolist()
    width = block.shape[1]
    if len(order) != width or sorted(order) != list(range(width)):
        return None
    memory = block.T  # (columns, rows), C-contiguous: one column per row of memory
    done = [False] * width
    for start in range(width):
        if done[start] or order[start] == start:
            done[start] = True
            continue
        held, k = memory[start].copy(), start
        while True:
            done[k] = True
            source = order[k]
            if source == start:
                memory[k] = held
                break
            memory[k] = memory[source]
            k = source
    n_rows, n_points = len(block), 2 * n_nodes * n_animals
    points = memory[:n_points].reshape(n_nodes, 2, n_animals, n_rows).transpose(3, 2, 0, 1)
    scores = memory[n_points:].reshape(n_nodes, n_animals, n_rows).transpose(2, 1, 0) if scored else None
    return points, scores


def _by_column(values: np.ndarray) -> np.ndarray:
    """A copy of ``(n_rows, n_animals, ...)`` values whose rows run animal by animal in memory.

    `poseio.PoseTable.from_dense` takes such an array's instances as a view
    (slot by slot), and each column of a column-major block lands in one
    contiguous run of the copy. Checked against the memory budget first.
    """
    from poseio.limits import check_allocation

    check_allocation(values.size * 8, f"{values.shape[0]} rows of {values[0].size} values", "the DeepLabCut table")
    copy = np.empty(values.shape[::-1], dtype=np.float64).transpose(*range(values.ndim)[::-1])
    np.copyto(copy, values)
    return copy


def _table_of_images(
    paths: list[str],
    points: np.ndarray,
    scores: np.ndarray | None,
    present: np.ndarray,
    slot_skeleton: np.ndarray,
    tracked: bool,
    predicted: bool,
    options: dict[str, Any],
    name: str,
    details: dict[str, Any],
) -> tuple[poseio.PoseTable, list[poseio.Video]]:
    """The table and videos of a table indexed by image paths: one video per image folder."""
    images = image_rows(paths, name, video=options.get("video"), fps=options.get("fps"), format=FORMAT)
    if images.in_row_order:
        details["numbered_in_row_order"] = images.in_row_order
    rows, slots = np.nonzero(present)
    table = poseio.PoseTable.build(
        points[rows, slots],
        video=images.video[rows],
        frame_idx=images.frame_idx[rows],
        skeleton=slot_skeleton[slots],
        track=slots if tracked else poseio.NO_TRACK,
        predicted=predicted,
        point_scores=scores[rows, slots] if predicted and scores is not None else None,
    )
    return table.sorted(), images.videos
