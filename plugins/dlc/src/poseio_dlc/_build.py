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

import math
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation

from poseio_dlc._columns import LIKELIHOOD, UNIQUE_INDIVIDUAL, Columns

FORMAT = "dlc"
READ_OPTIONS = ("fps", "video", "kind", "key")
KINDS = ("auto", "user", "predicted")
UNIQUE_SKELETON = "uniquebodyparts"
# The frame number in an image name: the last run of digits before the extension (img0042.png).
_FRAME_NUMBER = re.compile(r"(\d+)\D*$")
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
        present: `Layout.present` of the block, when the reader worked it out while reading.
    """

    columns: Columns
    block: np.ndarray
    index: np.ndarray | list[str]
    index_levels: int = 1
    details: dict[str, Any] = field(default_factory=dict)
    present: np.ndarray | None = None


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
        return gather(block, self.positions, name)

    def present(self, block: np.ndarray, name: str) -> np.ndarray:
        """``(n_rows, n_animals)``: which animals have a bodypart with finite x and y in each row.

        Readers call it on spans of rows just read, while they are in the CPU's cache:
        on the whole of a large table it costs a third of the reading.
        """
        # Models give every bodypart a position: rows whose x and y are all finite are the rule. One
        # matrix-vector product finds them (a NaN anywhere in a row makes its sum NaN) at a fifth of the
        # cost of the elementwise test, which then runs only where a row has a missing value.
        weights = np.zeros(block.shape[1])
        xy = self.positions[..., :2]
        weights[xy[xy >= 0]] = 1.0
        with np.errstate(invalid="ignore", over="ignore"):
            complete = np.isfinite(block @ weights)
        if complete.all():
            return np.ones((len(block), len(self.animals)), dtype=bool)
        points = self.points(block, name)
        return (np.isfinite(points[..., 0]) & np.isfinite(points[..., 1])).any(axis=2)


def check_read_options(options: dict[str, Any]) -> dict[str, Any]:
    """The read options, checked (``fps``, ``video``, ``kind``, ``key``).

    Raises:
        InvalidOptionError: An unknown option, or a value of the wrong kind.
    """
    unknown = sorted(set(options) - set(READ_OPTIONS))
    if unknown:
        raise poseio.InvalidOptionError(
            f"dlc does not know the read options {unknown}; it accepts {list(READ_OPTIONS)}", format=FORMAT
        )
    checked = dict(options)
    video, fps, kind, key = (options.get(n) for n in ("video", "fps", "kind", "key"))
    if video is not None and not isinstance(video, (str, Path)):
        raise poseio.InvalidOptionError(f"video= must be a path, not {type(video).__name__}", format=FORMAT)
    if fps is not None:
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
            raise poseio.InvalidOptionError(f"fps= must be a positive number of frames per second, not {fps!r}")
        checked["fps"] = float(fps)
    if kind is not None and kind not in KINDS:
        raise poseio.InvalidOptionError(f"kind= must be one of {list(KINDS)}, not {kind!r}", format=FORMAT)
    if key is not None and not isinstance(key, str):
        raise poseio.InvalidOptionError(f"key= must be the name of an HDF5 group, not {key!r}", format=FORMAT)
    return checked


def video_name(source: str) -> str:
    """The video a results file is named after: ``m1DLC_resnet50_...`` gives ``m1``."""
    stem = Path(source).name.rsplit(".", 1)[0]
    return _SCORER_SUFFIX.sub("", stem).rstrip("_-") or stem


def gather(block: np.ndarray, positions: np.ndarray, name: str) -> np.ndarray:
    """``block[:, positions]`` for an array of column positions, NaN where a position is -1.

    Positions laid out regularly (animal after animal, bodypart after bodypart,
    the coords of a bodypart side by side), as every producer writes them, give
    a view of the block, not a copy.
    """
    n_rows = len(block)
    if positions.size and (positions >= 0).all():
        base = int(positions.flat[0])
        steps = []
        for axis, length in enumerate(positions.shape):
            step = np.diff(positions, axis=axis) if length > 1 else np.zeros(1, dtype=np.int64)
            steps.append(int(step.flat[0]))
        grid = np.indices(positions.shape)
        regular = all(s >= 0 for s in steps) and np.array_equal(
            positions, base + sum(g * s for g, s in zip(grid, steps))
        )
        if regular:
            row, column = block.strides
            return np.lib.stride_tricks.as_strided(
                block[:, base:], shape=(n_rows, *positions.shape), strides=(row, *(s * column for s in steps))
            )
    check_allocation(n_rows * positions.size * 8, f"{n_rows} rows of {positions.size} values", name)
    taken = block[:, np.maximum(positions, 0)]
    taken[:, positions < 0] = np.nan
    return taken


def frame_numbers(values: np.ndarray, name: str) -> np.ndarray:
    """A numeric index as frame numbers.

    Raises:
        ReadError: Numbers that are not frame numbers (missing, fractional, negative, repeated).
    """
    values = np.asarray(values)
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    else:
        bad = values < 0
    if bad.any():
        row = int(np.argmax(bad))
        raise poseio.ReadError(f"{name}: data row {row + 1} has {values[row]!r} as its frame number")
    frames = values.astype(np.int64)
    if len(frames) > 1 and not (np.diff(frames) > 0).all():
        unique, counts = np.unique(frames, return_counts=True)
        if (counts > 1).any():
            raise poseio.ReadError(
                f"{name}: frame {int(unique[np.argmax(counts > 1)])} has more than one row; a DeepLabCut table "
                "has one row per frame"
            )
    return frames


def image_frames(paths: list[str], name: str) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """Folders, each row's folder and frame number, and the folders numbered in row order, from image paths.

    Raises:
        ReadError: An image has two rows.
    """
    folders: dict[str, int] = {}
    folder_of = np.empty(len(paths), dtype=np.int64)
    numbers = np.full(len(paths), -1, dtype=np.int64)
    seen: set[str] = set()
    for row, path in enumerate(paths):
        if path in seen:
            raise poseio.ReadError(f"{name}: the image {path!r} has more than one row")
        seen.add(path)
        # machinelabels.csv of DeepLabCut on Windows holds backslash paths.
        image = PurePosixPath(path.replace("\\", "/"))
        folder_of[row] = folders.setdefault(str(image.parent), len(folders))
        match = _FRAME_NUMBER.search(image.stem)
        if match:
            numbers[row] = int(match.group(1))
    in_row_order = []
    for folder, number in folders.items():
        rows = np.flatnonzero(folder_of == number)
        if (numbers[rows] < 0).any() or len(np.unique(numbers[rows])) < len(rows):
            numbers[rows] = np.arange(len(rows))
            in_row_order.append(folder)
    return list(folders), folder_of, numbers, in_row_order


def labels_of(frame: Frame, name: str, options: dict[str, Any]) -> poseio.Labels:
    """Labels from a DeepLabCut table (see the module docstring).

    Args:
        frame: The table's labels, values and index.
        name: The source, for messages and the video's name.
        options: The checked read options.

    Raises:
        ReadError: The index is not frame numbers or image paths.
    """
    columns = frame.columns
    layout = Layout.of(columns)
    animals, slot_skeleton = layout.animals, layout.slot_skeleton
    block = frame.block
    points = layout.points(block, name)
    present = frame.present if frame.present is not None else layout.present(block, name)
    scores = gather(block, layout.likelihood, name) if columns.has_likelihood else None
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
    return poseio.Labels.from_table(
        table, videos=videos, skeletons=layout.skeletons, tracks=tracks, provenance={"dlc": details}
    )


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
    folders, folder_of, numbers, in_row_order = image_frames(paths, name)
    if options.get("video") is not None and len(folders) > 1:
        raise poseio.InvalidOptionError(
            f"{name}: video= names one video, but the images come from {len(folders)} folders", format=FORMAT
        )
    if in_row_order:
        details["numbered_in_row_order"] = in_row_order
    videos = []
    for number, folder in enumerate(folders):
        rows = np.flatnonzero(folder_of == number)
        images = dict(zip(numbers[rows].tolist(), (paths[r] for r in rows)))
        videos.append(
            poseio.Video(str(options.get("video") or folder), fps=options.get("fps"), metadata={"images": images})
        )
    rows, slots = np.nonzero(present)
    table = poseio.PoseTable.build(
        points[rows, slots],
        video=folder_of[rows],
        frame_idx=numbers[rows],
        skeleton=slot_skeleton[slots],
        track=slots if tracked else poseio.NO_TRACK,
        predicted=predicted,
        point_scores=scores[rows, slots] if predicted and scores is not None else None,
    )
    return table.sorted(), videos
