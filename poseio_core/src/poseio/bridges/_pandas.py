"""Labels to and from pandas DataFrames: DeepLabCut's wide layout and a tidy table of one row per point.

``layout="dlc"`` is the table DeepLabCut keeps in its CSV and HDF5 files: one
row per frame, columns ``scorer / [individuals /] bodyparts / coords``.
``layout="tidy"`` has one row per point of every instance:

======================  ==============================================================
column                  what it holds
======================  ==============================================================
``video``               the video's filename (categorical)
``frame``               the frame index (int64)
``instance``            the instance's number within its video and frame, from 0 (int64)
``track``               the track's name, NaN when untracked (categorical)
``predicted``           whether the instance is a prediction (bool)
``skeleton``            the skeleton's name, NaN when it has none (categorical)
``node``                the node's name (categorical, in skeleton order)
``x``, ``y`` (, ``z``)  the coordinates, NaN where the point is not visible (float64)
``score``               the point's score, NaN for user instances (float64)
``instance_score``      the instance's score, NaN for user instances (float64)
``tracking_score``      the tracker's confidence, NaN for user instances (float64)
======================  ==============================================================

Both record in ``df.attrs`` each video's ``fps`` and ``shape`` (``attrs["videos"]``)
and, for tidy tables, each skeleton's nodes, edges and symmetries
(``attrs["skeletons"]``), which `from_dataframe` uses when they are there.
pandas is imported only when a function runs.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from poseio._errors import InvalidArgumentError, InvalidLabelsError, InvalidOptionError
from poseio._model._dense import dense_arrays
from poseio._model._labels import Labels
from poseio._model._skeleton import Skeleton
from poseio._model._table import NO_TRACK, PoseTable
from poseio._model._video import Track, Video
from poseio._storage._policy import budget_message, over_budget
from poseio.bridges._common import (
    check_kind,
    check_labels,
    frame_count,
    frame_starts,
    individual_names,
    known_fps,
    require,
    selected_rows,
    untracked_slots,
)
from poseio.options import check_fps

if TYPE_CHECKING:
    import pandas as pd

LAYOUTS = ("dlc", "tidy")
SINGLE_LEVELS = ["scorer", "bodyparts", "coords"]
MULTI_LEVELS = ["scorer", "individuals", "bodyparts", "coords"]
POSITION = ("x", "y", "z")
LIKELIHOOD = "likelihood"
DEFAULT_SCORER = "poseio"
# DeepLabCut's individual that holds a project's unique bodyparts, and the skeleton poseio's DLC reader gives it.
UNIQUE_INDIVIDUAL, UNIQUE_SKELETON = "single", "uniquebodyparts"
# The frame number in an image's name: the last run of digits (img0042.png).
_FRAME_NUMBER = re.compile(r"(\d+)\D*$")
TIDY_REQUIRED = ("frame", "node", "x", "y")
TIDY_COLUMNS = (
    "video",
    "frame",
    "instance",
    "track",
    "predicted",
    "skeleton",
    "node",
    *POSITION,
    "score",
    "instance_score",
    "tracking_score",
)


def to_dataframe(
    labels: Labels,
    layout: str = "dlc",
    *,
    video: Video | int | None = None,
    skeleton: Skeleton | None = None,
    kind: str = "all",
    scorer: str | None = None,
    individuals: bool | None = None,
    likelihood: bool | None = None,
    all_frames: bool = True,
    index: str = "frames",
    visible_only: bool = False,
) -> pd.DataFrame:
    """The labels as a pandas DataFrame, in DeepLabCut's layout or as a tidy table of points.

    ``layout="dlc"`` gives one video's poses as DeepLabCut stores them: index the
    frame numbers, float64 columns ``scorer / individuals / bodyparts / coords``
    with coords ``x, y`` (``z``) and ``likelihood`` (the point scores). Each
    individual (the tracks, then ``individual_0``, ... for untracked instances)
    has the bodyparts of its skeleton, so DeepLabCut's ``single`` individual with
    its unique bodyparts comes out as DeepLabCut writes it. Where a user and a
    predicted instance share a frame and track the user instance is taken.

    ``layout="tidy"`` gives every point of every instance (of every video, or of
    ``video=``) as one row; the module documentation lists the columns.

    Args:
        labels: The poses.
        layout: ``"dlc"`` or ``"tidy"``.
        video: The video (object or index). Required for ``"dlc"`` when there are several.
        skeleton: Take only the instances of this skeleton.
        kind: ``"all"``, ``"user"`` or ``"predicted"`` instances.
        scorer: ``"dlc"``: the ``scorer`` level; default: the scorer of the DeepLabCut
            file the labels were read from, else ``"poseio"``.
        individuals: ``"dlc"``: whether to have an ``individuals`` level; default: when
            there is more than one individual, or the labels were read from a
            multi-animal DeepLabCut file. Without it there must be one individual.
        likelihood: ``"dlc"``: whether to have ``likelihood`` columns; default: when the
            instances include predictions (of 3D poses: when any point has a score),
            as DeepLabCut writes predictions but not labelled data or 3D results.
        all_frames: ``"dlc"``: one row for every frame ``0 .. n_frames-1`` (as
            DeepLabCut writes a video's predictions and `Labels.numpy` counts
            frames; the default), or with ``False`` only for the frames that have an
            instance.
        index: ``"dlc"``: ``"frames"`` (frame numbers, the default), or ``"images"``: the
            image paths of a video of labelled images (its ``metadata["images"]``, as
            poseio's DeepLabCut reader records them), one row per image in frame
            order, as DeepLabCut keeps its labelled data; ``all_frames`` then does not apply.
        visible_only: ``"tidy"``: leave out the points that are not visible.

    Raises:
        MissingDependencyError: pandas is not installed (``pip install "poseio[pandas]"``).
        InvalidOptionError: An unknown layout, or an option of the other layout.
        InvalidLabelsError: ``"dlc"`` without ``individuals`` for several individuals, or
            an individual whose instances use skeletons with different nodes.
    """
    pd = require("pandas", "pandas", "to_dataframe")
    check_labels(labels, "to_dataframe")
    kind = check_kind(kind)
    if layout not in LAYOUTS:
        raise InvalidOptionError(f"layout= must be one of {list(LAYOUTS)}, not {layout!r}")
    if layout == "tidy":
        given = [
            n
            for n, v in (("scorer", scorer), ("individuals", individuals), ("likelihood", likelihood))
            if v is not None
        ]
        given += ["all_frames"] if all_frames is not True else []
        given += ["index"] if index != "frames" else []
        if given:
            raise InvalidOptionError(f"{given} apply to layout='dlc' only, not to layout='tidy'")
        return _tidy(pd, labels, video, skeleton, kind, visible_only)
    if visible_only:
        raise InvalidOptionError("visible_only= applies to layout='tidy' only; a DeepLabCut table has every bodypart")
    if index not in ("frames", "images"):
        raise InvalidOptionError(f"index= must be 'frames' or 'images', not {index!r}")
    options = {"scorer": scorer, "individuals": individuals, "likelihood": likelihood, "all_frames": all_frames}
    return _dlc(pd, labels, video, skeleton, kind, index, options)


def _skeleton_rows(labels: Labels, rows: PoseTable, skeleton: Skeleton | None) -> PoseTable:
    if skeleton is None:
        return rows
    skeleton_id = labels._index_of(skeleton, labels.skeletons, "skeleton")
    return rows.take(rows.skeleton == skeleton_id)


def _video_attrs(videos: list[Video]) -> dict[str, dict[str, Any]]:
    return {v.filename: {"fps": v.fps, "shape": None if v.shape is None else list(v.shape)} for v in videos}


def _dlc(
    pd: Any,
    labels: Labels,
    video: Video | int | None,
    skeleton: Skeleton | None,
    kind: str,
    index: str,
    options: dict[str, Any],
) -> pd.DataFrame:
    video_id, rows = selected_rows(labels, video, kind)
    rows = _skeleton_rows(labels, rows, skeleton)
    frames, paths = _dlc_rows(labels, video_id, rows, index, options["all_frames"])
    n_frames = int(frames.max()) + 1 if len(frames) else 0
    individuals, scorer, likelihood = options["individuals"], options["scorer"], options["likelihood"]
    slot = untracked_slots(rows, len(labels.tracks))
    n_slots = max(len(labels.tracks), int(slot.max()) + 1 if len(slot) else 0)
    names = individual_names(labels.tracks, n_slots)
    dlc = labels.provenance.get("dlc") if isinstance(labels.provenance.get("dlc"), dict) else {}
    if individuals is None:
        individuals = n_slots > 1 or dlc.get("multi_animal") is True
    elif not individuals and n_slots > 1:
        raise InvalidLabelsError(
            f"these poses have {n_slots} individuals ({names}), and a table without an individuals level holds "
            "one; pass individuals=True, or kind=/skeleton= to take fewer"
        )
    if scorer is None:
        scorer = dlc.get("scorer") if isinstance(dlc.get("scorer"), str) else DEFAULT_SCORER
    ndim = rows.ndim if len(rows) else 2
    if ndim == 3 and labels.videos and labels.videos[video_id].metadata.get("ndim") == 2:
        ndim = 2  # a 2D camera view of labels that also hold 3D points, as in Labels.numpy
    if likelihood is None:
        predicted = rows.predicted
        likelihood = bool(predicted.any()) and (ndim == 2 or bool(np.isfinite(rows.point_scores[predicted]).any()))
    coords = [*POSITION[:ndim], *([LIKELIHOOD] if likelihood else [])]

    # Skeletons with the same nodes (one per animal, as some NWB writers make them) are one body plan.
    plans: dict[tuple[str, ...], int] = {}
    plan_of = np.array([plans.setdefault(tuple(s.node_names), len(plans)) for s in labels.skeletons], dtype=np.int64)
    plan_nodes = list(plans)
    row_plan = plan_of[rows.skeleton] if len(rows) else np.zeros(0, dtype=np.int64)
    slot_plan = _plan_of_slots(labels, rows, slot, row_plan, plan_of, n_slots, names, skeleton)

    # The dense arrays span every frame up to the last row's; check before allocating them.
    nbytes = n_frames * n_slots * max((len(n) for n in plan_nodes), default=0) * (ndim + 1) * 8 * 2
    if over_budget(nbytes):
        raise InvalidLabelsError(
            budget_message(nbytes, f"a DeepLabCut table of frames 0 to {n_frames - 1}", "to_dataframe()")
            + "; or use layout='tidy'"
        )
    blocks, columns = [], []
    for plan in sorted(set(slot_plan.tolist())):
        in_plan = row_plan == plan
        sub = rows if in_plan.all() else rows.take(in_plan)
        nodes = plan_nodes[plan]
        points, scores = dense_arrays(
            sub, slot[in_plan], n_frames=n_frames, n_slots=n_slots, n_nodes=len(nodes), with_scores=likelihood
        )
        if len(frames) < n_frames:  # a selection of frames (sorted, distinct); all of them need no copy
            points, scores = points[frames], None if scores is None else scores[frames]
        parts = [points[..., :ndim]] + ([scores[..., None]] if likelihood else [])
        values = np.concatenate(parts, axis=3) if len(parts) > 1 else parts[0]
        for s in np.flatnonzero(slot_plan == plan).tolist():
            blocks.append((s, values[:, s].reshape(len(frames), -1)))
            columns.append((s, [(scorer, names[s], node, c) for node in nodes for c in coords]))
    # Individuals in slot order, whichever body plan they have.
    blocks.sort(key=lambda b: b[0])
    columns.sort(key=lambda c: c[0])
    block = np.concatenate([b for _, b in blocks], axis=1) if blocks else np.empty((len(frames), 0))
    labels_of_columns = [c for _, cs in columns for c in cs]
    levels = MULTI_LEVELS if individuals else SINGLE_LEVELS
    if not individuals:
        labels_of_columns = [(s, b, c) for s, _, b, c in labels_of_columns]
    columns_index = pd.MultiIndex.from_arrays(
        [[c[i] for c in labels_of_columns] for i in range(len(levels))], names=levels
    )
    row_index = pd.Index(paths) if paths is not None else pd.Index(frames.astype(np.int64))
    df = pd.DataFrame(block, index=row_index, columns=columns_index)
    if labels.videos:
        df.attrs["videos"] = _video_attrs([labels.videos[video_id]])
    return df


def _dlc_rows(
    labels: Labels, video_id: int, rows: PoseTable, index: str, all_frames: bool
) -> tuple[np.ndarray, list[str] | None]:
    """The frame of every row of a DeepLabCut table, and with ``index="images"`` each one's image path."""
    if index == "frames":
        if all_frames:
            return np.arange(frame_count(labels, video_id, rows)), None
        return np.unique(rows.frame_idx), None
    images = labels.videos[video_id].metadata.get("images") if labels.videos else None
    if not isinstance(images, dict) or not images:
        raise InvalidOptionError(
            "index='images' needs a video of labelled images, whose metadata['images'] maps each frame to its "
            "image path (as poseio's DeepLabCut reader records it); this video has none, so use index='frames'"
        )
    frames = np.array(sorted(int(f) for f in images), dtype=np.int64)
    unnamed = np.setdiff1d(rows.frame_idx, frames)
    if len(unnamed):
        raise InvalidLabelsError(
            f"frames {unnamed[:5].tolist()} have poses but no image path in the video's metadata['images']"
        )
    lookup = {int(f): str(p) for f, p in images.items()}
    return frames, [lookup[f] for f in frames.tolist()]


def _plan_of_slots(
    labels: Labels,
    rows: PoseTable,
    slot: np.ndarray,
    row_plan: np.ndarray,
    plan_of: np.ndarray,
    n_slots: int,
    names: list[str],
    skeleton: Skeleton | None,
) -> np.ndarray:
    """The body plan (node list) of each individual: that of its instances, else the video's usual one."""
    if not len(plan_of):
        return np.zeros(0, dtype=np.int64)  # no skeleton: no columns
    if skeleton is not None:
        default = int(plan_of[labels._index_of(skeleton, labels.skeletons, "skeleton")])
    elif len(rows):
        default = int(np.bincount(row_plan).argmax())
    else:
        default = 0
    slot_plan = np.full(n_slots, default, dtype=np.int64)
    if len(rows):
        pairs = np.unique(np.stack([slot, row_plan], axis=1), axis=0)
        mixed = np.flatnonzero(np.bincount(pairs[:, 0], minlength=n_slots) > 1)
        if len(mixed):
            used = [labels.skeletons[i].name for i in np.unique(rows.skeleton[slot == mixed[0]])]
            raise InvalidLabelsError(
                f"the instances of {names[int(mixed[0])]!r} use skeletons with different nodes ({used}), and a "
                "DeepLabCut table gives each individual one list of bodyparts; pass skeleton= to take one"
            )
        slot_plan[pairs[:, 0]] = pairs[:, 1]
    return slot_plan


def _categorical(pd: Any, codes: np.ndarray, names: list[Any]) -> Any:
    """A categorical of names by index; names that repeat (or are None) share one category (None: NaN)."""
    categories = list(dict.fromkeys(n for n in names if n is not None))
    lookup = np.array([categories.index(n) if n is not None else -1 for n in names] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)


def _tidy(
    pd: Any, labels: Labels, video: Video | int | None, skeleton: Skeleton | None, kind: str, visible_only: bool
) -> pd.DataFrame:
    table = labels.to_table()
    keep_rows = np.ones(len(table), dtype=bool)
    if video is not None:
        keep_rows &= table.video == labels._video_index(video)
    if kind != "all":
        keep_rows &= table.predicted == (kind == "predicted")
    table = _skeleton_rows(labels, table if keep_rows.all() else table.take(keep_rows), skeleton).sorted()
    widths = np.array([len(s) for s in labels.skeletons], dtype=np.int64)
    keep = np.arange(table.n_nodes)[None, :] < widths[table.skeleton][:, None]
    if visible_only:
        keep &= np.isfinite(table.points[..., :2]).all(axis=2)
    row, node = np.nonzero(keep)  # instance by instance, each in node order

    # Every node name across skeletons, in skeleton order, so that the categories keep the node order.
    node_names = list(dict.fromkeys(n for s in labels.skeletons for n in s.node_names))
    node_code = np.full((max(len(labels.skeletons), 1), table.n_nodes), -1, dtype=np.int64)
    for i, s in enumerate(labels.skeletons):
        node_code[i, : len(s)] = [node_names.index(n) for n in s.node_names]
    starts = frame_starts(table)
    first_of_frame = np.repeat(starts, np.diff(np.append(starts, len(table))))
    columns: dict[str, Any] = {
        "video": _categorical(pd, table.video[row], [v.filename for v in labels.videos]),
        "frame": table.frame_idx[row],
        "instance": (np.arange(len(table)) - first_of_frame)[row],
        "track": _categorical(pd, table.track[row], [t.name for t in labels.tracks]),
        "predicted": table.predicted[row],
        "skeleton": _categorical(pd, table.skeleton[row], _skeleton_labels(labels.skeletons)),
        "node": pd.Categorical.from_codes(node_code[table.skeleton[row], node], categories=node_names),
    }
    for axis in range(table.ndim):
        columns[POSITION[axis]] = table.points[row, node, axis]
    columns["score"] = table.point_scores[row, node]
    columns["instance_score"] = table.score[row]
    columns["tracking_score"] = table.tracking_score[row]
    df = pd.DataFrame(columns)
    df.attrs["videos"] = _video_attrs(labels.videos)
    # Keyed by the skeleton column's value; "" is the unnamed skeleton, whose points have NaN there.
    df.attrs["skeletons"] = {
        label or "": {"nodes": s.node_names, "edges": [list(e) for e in s.edge_inds], "symmetries": s.symmetry_inds}
        for label, s in zip(_skeleton_labels(labels.skeletons), labels.skeletons)
    }
    return df


def _skeleton_labels(skeletons: list[Skeleton]) -> list[str | None]:
    """What the ``skeleton`` column calls each skeleton: its name, or ``skeleton_<i>`` for a name another has too."""
    names = [s.name for s in skeletons]
    return [name if names.count(name) == 1 else f"skeleton_{i}" for i, name in enumerate(names)]


# -- DataFrame -> Labels ---------------------------------------------------------------------------


def from_dataframe(
    df: pd.DataFrame,
    *,
    layout: str | None = None,
    video: Video | str | None = None,
    fps: float | None = None,
    predicted: bool | None = None,
) -> Labels:
    """Labels from a DataFrame in DeepLabCut's layout or the tidy layout of `to_dataframe`.

    ``"dlc"``: a table as ``pandas.read_hdf`` or ``read_csv(header=[0, 1, 2(, 3)],
    index_col=0)`` gives it for a DeepLabCut file, as poseio's DeepLabCut reader
    reads it: each individual is a track (a table without ``individuals`` is one
    untracked animal), individuals with the same bodyparts share a skeleton and
    ``single``'s unique bodyparts get one named ``uniquebodyparts``; with
    ``likelihood`` (or ``z``) the instances are predictions whose point scores
    are the likelihoods, otherwise user labels. An index of frame numbers gives the
    frames; an index of image paths (labelled data, over one index level or
    several) gives each image the frame number in its name (``img0042.png`` is 42,
    else the rows are numbered in order), one video named after the images'
    folder, and ``video.metadata["images"]`` mapping each frame to its image.

    ``"tidy"``: one row per point with at least ``frame``, ``node``, ``x`` and ``y``;
    the other columns of `to_dataframe` are used when present. Without ``instance``
    the points of one video, frame, track and skeleton are one instance. Without
    ``predicted`` the instances are predictions when there is a ``score`` column.
    Instances none of whose points are visible are left out.

    Args:
        df: The table.
        layout: ``"dlc"`` or ``"tidy"``; default: ``"dlc"`` for MultiIndex columns.
        video: The video the poses belong to (a `Video` or a filename), for a table
            with no ``video`` column; default: the one ``df.attrs`` records, else ``""``.
        fps: Frames per second of the videos made (default: as ``df.attrs`` records).
        predicted: Whether the instances are predictions, overriding what the table implies.

    Raises:
        MissingDependencyError: pandas is not installed.
        InvalidArgumentError: ``df`` is not a DataFrame.
        InvalidLabelsError: The columns are not of the layout, or the values do not fit
            (frame numbers that are not whole, a node twice in one instance, ...).
    """
    pd = require("pandas", "pandas", "from_dataframe")
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgumentError(f"from_dataframe takes a pandas.DataFrame, not {type(df).__name__}")
    fps = check_fps(fps)
    if video is not None and not isinstance(video, (Video, str)):
        raise InvalidOptionError(f"video= must be a poseio.Video or a filename, not {type(video).__name__}")
    if layout is None:
        layout = "dlc" if isinstance(df.columns, pd.MultiIndex) else "tidy"
    if layout not in LAYOUTS:
        raise InvalidOptionError(f"layout= must be one of {list(LAYOUTS)}, not {layout!r}")
    recorded = df.attrs.get("videos") if isinstance(df.attrs.get("videos"), dict) else {}
    if layout == "dlc":
        return _from_dlc(pd, df, video, fps, predicted, recorded)
    return _from_tidy(pd, df, video, fps, predicted, recorded)


def _make_video(filename: str, fps: float | None, recorded: dict, shape: tuple | None = None) -> Video:
    """A video of a table, with the frame rate and shape `to_dataframe` recorded for it, if any."""
    known = recorded.get(filename) if isinstance(recorded.get(filename), dict) else {}
    recorded_shape = known.get("shape")
    # attrs travel with the frame through pickles and parquet files: a shape that is not four whole
    # numbers was not written by to_dataframe, and is ignored rather than trusted.
    wellformed = (
        isinstance(recorded_shape, (list, tuple))
        and len(recorded_shape) == 4
        and all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in recorded_shape)
    )
    return Video(
        filename,
        fps=fps if fps is not None else known_fps(known.get("fps")),
        shape=tuple(int(n) for n in recorded_shape) if wellformed else shape,
    )


def _one_video(video: Video | str | None, fps: float | None, recorded: dict, shape: tuple | None) -> Video:
    if isinstance(video, Video):
        return video
    if video is None:
        video = next(iter(recorded)) if len(recorded) == 1 else ""
    return _make_video(str(video), fps, recorded, shape)


def _levels(pd: Any, columns: Any) -> list[str]:
    """The column level names of a DeepLabCut table, filled in by position where pandas lost them."""
    if not isinstance(columns, pd.MultiIndex) or columns.nlevels not in (3, 4):
        raise InvalidLabelsError(
            "a DeepLabCut table has three or four column levels (scorer, [individuals,] bodyparts, coords); this "
            f"one has {columns.nlevels}: {list(columns.names)}. Read DeepLabCut CSV files with "
            "pandas.read_csv(path, header=[0, 1, 2], index_col=0) (header=[0, 1, 2, 3] for multi-animal ones)"
        )
    names = [str(n) if n is not None else None for n in columns.names]
    if None in names:
        names = SINGLE_LEVELS if columns.nlevels == 3 else MULTI_LEVELS
    missing = sorted({"bodyparts", "coords"} - set(names))
    if missing:
        raise InvalidLabelsError(f"the column levels are {names}, without {missing}; a DeepLabCut table has both")
    return names


def _from_dlc(pd: Any, df: Any, video: Any, fps: float | None, predicted: bool | None, recorded: dict) -> Labels:
    names = _levels(pd, df.columns)
    bodyparts = [str(b) for b in df.columns.get_level_values(names.index("bodyparts"))]
    coords = [str(c) for c in df.columns.get_level_values(names.index("coords"))]
    multi = "individuals" in names
    animals = [str(a) for a in df.columns.get_level_values(names.index("individuals"))] if multi else None
    scorers = list(dict.fromkeys(str(s) for s in df.columns.get_level_values(0))) if "scorer" in names else []
    has_z, has_likelihood = "z" in coords, LIKELIHOOD in coords
    ndim = 3 if has_z else 2
    if not {"x", "y"} <= set(coords):
        raise InvalidLabelsError(f"the coords level holds {sorted(set(coords))}; a DeepLabCut table has x and y")

    # One pass over the columns (not the values) finds where each goes.
    animal_of: dict[str | None, int] = {}
    parts_of: list[dict[str, int]] = []
    targets = []  # (column, animal, node, coord) of every x, y, z or likelihood column
    for column, (part, coord) in enumerate(zip(bodyparts, coords)):
        if coord not in POSITION[:ndim] and coord != LIKELIHOOD:
            continue
        animal = animal_of.setdefault(animals[column] if animals else None, len(animal_of))
        if animal == len(parts_of):
            parts_of.append({})
        node = parts_of[animal].setdefault(part, len(parts_of[animal]))
        targets.append((column, animal, node, (POSITION + (LIKELIHOOD,)).index(coord)))
    ignored = sorted({c for c in coords if c not in POSITION[:ndim] and c != LIKELIHOOD})
    animal_names = list(animal_of)
    plans: dict[tuple[str, ...], int] = {}
    slot_skeleton = np.array([plans.setdefault(tuple(p), len(plans)) for p in parts_of], dtype=np.int64)
    skeletons = []
    for parts, number in plans.items():
        owners = [a for a, p in zip(animal_names, parts_of) if tuple(p) == parts]
        name = None if number == 0 else UNIQUE_SKELETON if UNIQUE_INDIVIDUAL in owners else owners[0]
        skeletons.append(Skeleton(list(parts), name=name))

    try:
        values = df.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidLabelsError(f"the table holds values that are not numbers ({exc}); DeepLabCut's are") from exc
    n_rows, n_animals = len(df), len(animal_names)
    n_nodes = max((len(p) for p in parts_of), default=0)
    grid = np.full((n_rows, n_animals, n_nodes, ndim + 1), np.nan)
    if targets:
        column, animal, node, coord = (np.array(t, dtype=np.int64) for t in zip(*targets))
        coord = np.where(coord == len(POSITION), ndim, coord)  # likelihood after the position coords
        grid[:, animal, node, coord] = values[:, column]
    frames, images = _dlc_frames(pd, df.index)
    kind = (has_likelihood or has_z) if predicted is None else bool(predicted)
    table = PoseTable.from_dense(
        grid[..., :ndim],
        frame_idx=frames,
        skeleton=slot_skeleton if len(plans) > 1 else 0,
        track=np.arange(n_animals) if multi else None,
        predicted=kind,
        point_scores=grid[..., ndim] if has_likelihood else None,
    )
    last = int(frames.max()) + 1 if len(frames) and images is None else 0
    if video is None and not recorded and images:
        # Labelled images name their video by their folder, as DeepLabCut keeps them (labeled-data/<video>).
        folders = {str(PurePosixPath(p.replace("\\", "/")).parent) for p in images.values()}
        video = folders.pop() if len(folders) == 1 else None
    the_video = _one_video(video, fps, recorded, (last, 0, 0, 0) if last else None)
    if images is not None:
        the_video.metadata["images"] = images
    details: dict[str, Any] = {
        "scorer": scorers[0] if len(scorers) == 1 else scorers,
        "multi_animal": multi,
        "coords": list(dict.fromkeys(coords)),
    }
    if ignored:
        details["coords_not_read"] = ignored
    tracks = [Track(a) for a in animal_names] if multi else []
    return Labels.from_table(
        table.sorted(), videos=[the_video], skeletons=skeletons, tracks=tracks, provenance={"dlc": details}
    )


def _dlc_frames(pd: Any, index: Any) -> tuple[np.ndarray, dict[int, str] | None]:
    """The frame number of every row, and for an index of image paths each frame's path.

    An image's frame number is the last number in its name (``img0042.png`` is
    frame 42), as DeepLabCut names the frames it extracts and poseio's reader
    numbers them; images whose names do not give distinct numbers are numbered
    in row order.
    """
    if not isinstance(index, pd.MultiIndex) and index.dtype.kind in "iuf":
        return _whole_numbers(np.asarray(index), "the index (frame numbers)", unique=True), None
    # DeepLabCut >= 2.2 splits an image's path over index levels (labeled-data, video, image).
    paths = ["/".join(map(str, p)) if isinstance(p, tuple) else str(p) for p in index]
    found = [_FRAME_NUMBER.search(PurePosixPath(p.replace("\\", "/")).stem) for p in paths]
    numbers = np.array([int(m.group(1)) if m else -1 for m in found], dtype=np.int64)
    if (numbers < 0).any() or len(np.unique(numbers)) != len(numbers):
        numbers = np.arange(len(paths), dtype=np.int64)
    return numbers, dict(zip(numbers.tolist(), paths))


def _whole_numbers(values: np.ndarray, what: str, unique: bool = False) -> np.ndarray:
    """Values that must be whole non-negative numbers, as int64."""
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":
        raise InvalidLabelsError(f"{what} holds {values.dtype} values; it must hold whole numbers")
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values))
    else:
        bad = np.zeros(len(values), dtype=bool)
    bad |= values < 0
    if bad.any():
        raise InvalidLabelsError(f"{what} holds {values[int(np.argmax(bad))]!r}; it must hold whole numbers >= 0")
    whole = values.astype(np.int64)
    if unique and len(np.unique(whole)) != len(whole):
        raise InvalidLabelsError(f"{what} holds a frame twice; a DeepLabCut table has one row per frame")
    return whole


def _codes(pd: Any, column: Any, used_only: bool = False) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for NaN) and the distinct values of a column: a categorical's categories, else by first appearance.

    ``used_only`` drops the categories no row has.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        if used_only:
            column = column.cat.remove_unused_categories()
        return np.asarray(column.cat.codes, dtype=np.int64), list(column.cat.categories)
    codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def _groups(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The group of every row by the key columns, groups numbered in key order, and each group's first row."""
    order = np.lexsort(keys[::-1])
    changed = np.zeros(len(order), dtype=bool)
    if len(order):
        changed[0] = True
        for key in keys:
            changed[1:] |= key[order][1:] != key[order][:-1]
    number = np.cumsum(changed) - 1
    group = np.empty(len(order), dtype=np.int64)
    group[order] = number
    return group, order[changed]


def _from_tidy(pd: Any, df: Any, video: Any, fps: float | None, predicted: bool | None, recorded: dict) -> Labels:
    missing = [c for c in TIDY_REQUIRED if c not in df.columns]
    if missing:
        raise InvalidLabelsError(
            f"the table lacks the columns {missing} (it has {[str(c) for c in df.columns][:12]}); a tidy pose table "
            f"has one row per point with columns {list(TIDY_REQUIRED)} and maybe {list(TIDY_COLUMNS[:7]) + ['z']} "
            "and scores, as to_dataframe(labels, layout='tidy') makes it; a DeepLabCut table has MultiIndex columns"
        )
    if "video" in df.columns and video is not None:
        raise InvalidOptionError("video= names the video of a table without a video column; this one has one")
    n = len(df)
    frames = _whole_numbers(df["frame"].to_numpy(), "the frame column")
    if "video" in df.columns:
        video_code, filenames = _codes(pd, df["video"])
        if (video_code < 0).any():
            raise InvalidLabelsError("the video column has empty cells; every point belongs to a video")
        videos = [_make_video(str(f), fps, recorded) for f in filenames]
    else:
        video_code = np.zeros(n, dtype=np.int64)
        videos = [_one_video(video, fps, recorded, None)]
    track_code, track_names = _codes(pd, df["track"]) if "track" in df.columns else (np.full(n, NO_TRACK), [])
    skeleton_code, skeleton_names = (
        _codes(pd, df["skeleton"], True) if "skeleton" in df.columns else (np.zeros(n), [None])
    )
    skeleton_code = np.asarray(skeleton_code, dtype=np.int64)
    if (skeleton_code < 0).any():
        # Points of no named skeleton belong to one unnamed skeleton.
        skeleton_code = np.where(skeleton_code < 0, len(skeleton_names), skeleton_code)
        skeleton_names = [*skeleton_names, None]
    node_code, node_names = _codes(pd, df["node"])
    if (node_code < 0).any():
        raise InvalidLabelsError("the node column has empty cells; every point names its node")
    if "instance" in df.columns:
        instance = _whole_numbers(df["instance"].to_numpy(), "the instance column")
        group, first = _groups([video_code, frames, instance])
        for name, code in (("track", track_code), ("skeleton", skeleton_code)):
            if (code != code[first][group]).any():
                raise InvalidLabelsError(f"the points of one instance (video, frame, instance) differ in {name}")
    else:
        group, first = _groups([video_code, frames, skeleton_code, track_code])

    skeletons, node_position = _tidy_skeletons(
        df.attrs.get("skeletons"), skeleton_names, skeleton_code, node_code, node_names
    )
    position = node_position[skeleton_code, node_code]
    n_nodes = max((len(s) for s in skeletons), default=0)
    place = group * max(n_nodes, 1) + position
    if len(np.unique(place)) != len(place):
        twice = int(np.argmax(np.bincount(place) > 1))
        raise InvalidLabelsError(
            f"node {node_names[node_code[np.flatnonzero(place == twice)[0]]]!r} appears twice in one instance; "
            "give each instance its own number in an instance column"
        )
    ndim = 3 if "z" in df.columns else 2
    n_instances = len(first)
    points = np.full((n_instances, n_nodes, ndim), np.nan)
    for axis in range(ndim):
        points[group, position, axis] = _floats(df, POSITION[axis])
    point_scores = np.full((n_instances, n_nodes), np.nan)
    if "score" in df.columns:
        point_scores[group, position] = _floats(df, "score")
    if predicted is not None:
        kinds = np.full(n_instances, bool(predicted))
    elif "predicted" in df.columns:
        kinds = _flags(df["predicted"].to_numpy()[first], "predicted")
    else:
        kinds = np.full(n_instances, "score" in df.columns)
    per_instance = {
        name: _floats(df, name)[first] if name in df.columns else np.full(n_instances, np.nan)
        for name in ("instance_score", "tracking_score")
    }
    # Scores belong to predictions; a user instance has none (see PoseTable).
    point_scores[~kinds] = np.nan
    visible = np.isfinite(points[..., :2]).all(axis=2).any(axis=1) if n_nodes else np.zeros(n_instances, bool)
    table = PoseTable(
        video=video_code[first],
        frame_idx=frames[first],
        skeleton=skeleton_code[first],
        track=track_code[first],
        predicted=kinds,
        points=points,
        point_scores=point_scores,
        score=np.where(kinds, per_instance["instance_score"], np.nan),
        tracking_score=np.where(kinds, per_instance["tracking_score"], np.nan),
    )
    if not visible.all():
        table = table.take(visible)
    return Labels.from_table(
        table.sorted(), videos=videos, skeletons=skeletons, tracks=[Track(str(t)) for t in track_names]
    )


def _floats(df: Any, name: str) -> np.ndarray:
    try:
        return df[name].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InvalidLabelsError(f"the {name} column holds values that are not numbers ({exc})") from exc


def _flags(values: np.ndarray, name: str) -> np.ndarray:
    """A yes/no column's values: booleans, 0 and 1, or the words True and False (as a CSV file may give them)."""
    if values.dtype == bool:
        return values
    words = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False}
    flags = [words.get(str(value).strip().lower()) for value in values]
    if None in flags:
        bad = values[flags.index(None)]
        raise InvalidLabelsError(f"the {name} column holds {bad!r}; it holds True or False for every point")
    return np.array(flags, dtype=bool)


def _tidy_skeletons(
    recorded: object, names: list[Any], skeleton_code: np.ndarray, node_code: np.ndarray, node_names: list[Any]
) -> tuple[list[Skeleton], np.ndarray]:
    """The skeletons of a tidy table, and the position of each node code in each skeleton (-1 where absent).

    A skeleton's nodes are those its points name, in the order ``df.attrs["skeletons"]``
    records (with its edges and symmetries) when it covers them, else in the
    order they first appear in.
    """
    recorded = recorded if isinstance(recorded, dict) else {}
    position = np.full((len(names), len(node_names)), -1, dtype=np.int64)
    skeletons = []
    for i, name in enumerate(names):
        codes = node_code[skeleton_code == i]
        _, first = np.unique(codes, return_index=True)
        used = codes[np.sort(first)]
        nodes = [str(node_names[c]) for c in used]
        spec = recorded.get("" if name is None else str(name))
        edges: list = []
        symmetries: list = []
        if isinstance(spec, dict) and isinstance(spec.get("nodes"), list) and set(nodes) <= set(spec["nodes"]):
            nodes = [str(n) for n in spec["nodes"]]
            edges, symmetries = spec.get("edges") or [], spec.get("symmetries") or []
        try:
            skeleton = Skeleton(
                nodes,
                edges=[tuple(e) for e in edges],
                symmetries=[tuple(s) for s in symmetries],
                name=None if name is None else str(name),
            )
        except (InvalidLabelsError, TypeError, ValueError) as exc:
            raise InvalidLabelsError(f"df.attrs['skeletons'][{name!r}] does not describe a skeleton: {exc}") from exc
        skeletons.append(skeleton)
        index = {n: k for k, n in enumerate(nodes)}
        for code, node in enumerate(node_names):
            position[i, code] = index.get(str(node), -1)
    return skeletons, position
