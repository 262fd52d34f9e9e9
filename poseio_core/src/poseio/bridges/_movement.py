"""Labels to and from movement's poses dataset (an `xarray.Dataset`).

movement (https://movement.neuroinformatics.dev) holds the poses of one video as
``position`` ``(time, space, keypoints, individuals)`` and ``confidence``
``(time, keypoints, individuals)``, with the time in seconds when the frame rate
is known and in frame numbers otherwise. Only xarray is imported, and only when
a function runs: movement itself is not needed to build its datasets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from poseio._errors import InvalidArgumentError, InvalidLabelsError, InvalidOptionError
from poseio._model._labels import Labels
from poseio._model._skeleton import Skeleton
from poseio._model._table import NO_TRACK, PoseTable, distinct
from poseio._model._video import Track, Video
from poseio.bridges._common import (
    check_kind,
    check_labels,
    individual_names,
    jsonable_attrs,
    known_fps,
    require,
    selected_rows,
)
from poseio.options import check_fps

if TYPE_CHECKING:
    import xarray as xr

#: movement's ``source_software`` for the formats poseio reads (others give ``None`` unless a file names one).
SOURCE_SOFTWARE = {
    "dlc": "DeepLabCut",
    "slp": "SLEAP",
    "sleap-analysis": "SLEAP",
    "lightning-pose": "LightningPose",
    "anipose": "Anipose",
}
DIMS = ("time", "space", "keypoints", "individuals")
SPACE = ("x", "y", "z")
# A time coordinate in seconds times the frame rate is a frame number give or take rounding.
FRAME_TOLERANCE = 1e-3


def to_movement(
    labels: Labels,
    video: Video | int | None = None,
    *,
    skeleton: Skeleton | None = None,
    kind: str = "all",
    fps: float | None = None,
    source_software: str | None = None,
) -> xr.Dataset:
    """One video's poses as a movement poses dataset.

    The dataset is laid out as movement 0.15's loaders build it:
    ``position`` ``(time, space, keypoints, individuals)`` and ``confidence``
    ``(time, keypoints, individuals)``, float64, NaN where a point is missing or
    has no score (user instances have none). ``time`` runs over frames
    ``0 .. n_frames-1`` as in `Labels.numpy`, in seconds (``frame / fps``) when
    the frame rate is known and in frame numbers otherwise; ``space`` is
    ``x, y`` (and ``z``), ``keypoints`` the node names and ``individuals`` the
    track names followed by ``individual_0``, ``individual_1``, ... for
    untracked instances. Attributes: ``source_software``, ``ds_type="poses"``,
    ``fps`` (when known), ``time_unit``, ``source_file`` (when the labels were
    read from a file) and ``video_path`` (the video's filename), which
    `from_movement` reads back.

    Args:
        labels: The poses.
        video: The video (object or index); may be omitted when there is one.
        skeleton: The skeleton whose instances to take; may be omitted as in `Labels.numpy`.
        kind: ``"all"``, ``"user"`` or ``"predicted"`` instances. Where a user and a
            predicted instance share a frame and track, the user instance is taken.
        fps: Frames per second; default: the video's, when known.
        source_software: The ``source_software`` attribute; default: the software that
            wrote the file the labels were read from, when known.

    Returns:
        The dataset. It does not share memory with the labels.

    Raises:
        MissingDependencyError: xarray is not installed (``pip install "poseio[movement]"``).
        InvalidLabelsError: The video's instances use skeletons with different nodes and
            ``skeleton=`` does not choose one.
    """
    xr = require("xarray", "movement", "to_movement")
    check_labels(labels, "to_movement")
    kind = check_kind(kind)
    fps = check_fps(fps)
    video_id, rows = selected_rows(labels, video, kind)
    points, scores = labels.numpy(video_id, skeleton=skeleton, kind=kind, return_scores=True)
    nodes = _node_names(labels, rows, skeleton)
    n_frames, n_slots, _, ndim = points.shape
    the_video = labels.videos[video_id] if labels.videos else None
    if fps is None and the_video is not None:
        fps = known_fps(the_video.fps)
    if source_software is not None and not isinstance(source_software, str):
        raise InvalidOptionError(f"source_software= must be text, not {type(source_software).__name__}")

    # The order of movement's own attributes, then those it sets after loading a file.
    attrs: dict[str, Any] = {
        "source_software": source_software if source_software is not None else _software_of(labels, video_id),
        "ds_type": "poses",
    }
    if fps is not None:
        time = np.arange(n_frames, dtype=np.float64) / fps
        attrs["fps"] = fps
        attrs["time_unit"] = "seconds"
    else:
        time = np.arange(n_frames, dtype=np.int64)
        attrs["time_unit"] = "frames"
    source = _source_of(labels)
    if source is not None:
        attrs["source_file"] = source
    if the_video is not None:
        attrs["video_path"] = the_video.filename

    # numpy() may return views of the labels' table; the transposes are copied so that the two stay apart.
    position = np.array(points.transpose(0, 3, 2, 1), dtype=np.float64, order="C")
    confidence = np.array(scores.transpose(0, 2, 1), dtype=np.float64, order="C")
    return xr.Dataset(
        data_vars={
            "position": (DIMS, position),
            "confidence": (("time", "keypoints", "individuals"), confidence),
        },
        coords={
            "time": time,
            "space": list(SPACE[:ndim]),
            "keypoints": nodes,
            "individuals": individual_names(labels.tracks, n_slots),
        },
        attrs=attrs,
    )


def _node_names(labels: Labels, rows: PoseTable, skeleton: Skeleton | None) -> list[str]:
    """The node names of the skeleton `Labels.numpy` lays its node axis out by."""
    if skeleton is not None:
        return skeleton.node_names
    used = distinct(rows.skeleton)
    if len(used):
        return labels.skeletons[int(used[0])].node_names
    return labels.skeletons[0].node_names if labels.skeletons else []


def _provenance_values(labels: Labels, key: str) -> list[Any]:
    """A provenance entry of the labels, or of each part they were merged from."""
    if key in labels.provenance:
        return [labels.provenance[key]]
    return [p[key] for p in labels.provenance.get("parts", []) if isinstance(p, dict) and key in p]


def _software_of(labels: Labels, video_id: int) -> str | None:
    """What wrote the labels: an NWB container's ``source_software``, else the software of the format read."""
    video = labels.videos[video_id].filename if labels.videos else None
    for containers in _provenance_values(labels, "nwb_containers"):
        for container in containers if isinstance(containers, list) else []:
            fields = container.get("fields") if isinstance(container, dict) else None
            if container.get("video") == video and isinstance(fields, dict) and fields.get("source_software"):
                return str(fields["source_software"])
    formats = {f for f in _provenance_values(labels, "format") if isinstance(f, str)}
    names = {SOURCE_SOFTWARE.get(f) for f in formats}
    return names.pop() if len(names) == 1 else None


def _source_of(labels: Labels) -> str | None:
    """The file the labels were read from, as movement records it (a POSIX path), when there is one."""
    sources = [s for s in _provenance_values(labels, "source") if isinstance(s, (str, Path))]
    if len(sources) != 1:
        return None
    source = sources[0]
    return source if isinstance(source, str) and "://" in source else Path(source).as_posix()


def from_movement(
    ds: xr.Dataset,
    *,
    video: Video | str | None = None,
    skeleton: Skeleton | None = None,
    fps: float | None = None,
    predicted: bool = True,
    untracked: Sequence[str] = (),
) -> Labels:
    """Labels from a movement poses dataset.

    Each individual becomes a `Track` (except those named in ``untracked``),
    each keypoint a node, and each (time, individual) with at least one point
    with finite x and y an instance: a `PredictedInstance` whose point scores
    are the ``confidence`` (NaN when the dataset has none), or with
    ``predicted=False`` a user `Instance`. Times become frame numbers: a
    ``time_unit`` of ``"frames"`` (or integer times) are frame numbers already,
    times in seconds are multiplied by the frame rate.

    Args:
        ds: A dataset with ``position`` ``(time, space, keypoints, individuals)``,
            as movement's loaders make; ``individuals`` may be missing (one animal).
        video: The video the poses belong to (a `Video` or a filename); default: the
            dataset's ``video_path`` attribute, else its ``source_file``.
        skeleton: A skeleton to use instead of a new one of the keypoints (to keep
            its edges); it must hold every keypoint.
        fps: Frames per second, for a dataset that lacks its ``fps`` attribute.
        predicted: Whether the poses are predictions (default) or user labels.
        untracked: Individuals to read as untracked instances, for example the
            ``individual_0`` of a single-animal file.

    Raises:
        MissingDependencyError: xarray is not installed.
        InvalidArgumentError: ``ds`` is not an `xarray.Dataset`.
        InvalidLabelsError: The dataset lacks ``position`` or its dimensions, or its
            times are not frames.
    """
    xr = require("xarray", "movement", "from_movement")
    if not isinstance(ds, xr.Dataset):
        raise InvalidArgumentError(f"from_movement takes an xarray.Dataset (a movement poses dataset), not {type(ds)}")
    fps = check_fps(fps)
    if ds.attrs.get("ds_type") not in (None, "poses"):
        raise InvalidLabelsError(
            f"this is a movement {ds.attrs['ds_type']!r} dataset; from_movement reads poses datasets "
            "(ds_type 'poses', with keypoints)"
        )
    if "position" not in ds.data_vars:
        raise InvalidLabelsError(
            f"the dataset has no 'position' variable (it has {sorted(map(str, ds.data_vars))}); a movement poses "
            "dataset holds position (time, space, keypoints, individuals), as movement.io.load_poses makes it"
        )
    position = _with_individuals(ds["position"], "position")
    names = [str(n) for n in position["individuals"].values]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InvalidLabelsError(
            f"the dataset names more than one individual {twice[0]!r}: each becomes a track, found by its name; "
            "rename them first, e.g. ds.assign_coords(individuals=[...])"
        )
    position = position.transpose("time", "individuals", "keypoints", "space")
    if "space" in position.coords:
        position = position.sel(space=_space_labels(position))  # x, y, z in that order, whatever the dataset's
    points = np.array(position.to_numpy(), dtype=np.float64)  # a copy: the labels never share the dataset's memory
    if points.shape[3] not in (2, 3):
        raise InvalidLabelsError(f"position has {points.shape[3]} spatial coordinates; poses have 2 (x, y) or 3")
    scores = None
    if "confidence" in ds.data_vars:
        confidence = _with_individuals(ds["confidence"], "confidence", position)
        scores = np.array(confidence.transpose("time", "individuals", "keypoints").to_numpy(), dtype=np.float64)
        if scores.shape != points.shape[:3]:
            raise InvalidLabelsError(
                f"confidence has shape {scores.shape} (time, individuals, keypoints), position {points.shape[:3]}"
            )

    fps = fps or known_fps(ds.attrs.get("fps"))
    frames = _frame_numbers(position, ds.attrs.get("time_unit"), fps)
    keypoints = [str(k) for k in position["keypoints"].values] if "keypoints" in position.coords else None
    skeleton, points, scores = _on_skeleton(skeleton, keypoints, points, scores)

    untracked = _untracked_names(untracked, names)
    tracks = [Track(n) for n in names if n not in untracked]
    track_of = {t.name: i for i, t in enumerate(tracks)}
    table = PoseTable.from_dense(
        points,
        frame_idx=frames,
        track=np.array([track_of.get(n, NO_TRACK) for n in names], dtype=np.int64),
        predicted=bool(predicted),
        point_scores=scores,
    )
    if not isinstance(video, Video):
        filename = video if video is not None else ds.attrs.get("video_path") or ds.attrs.get("source_file") or ""
        last = int(frames.max()) + 1 if len(frames) else 0
        video = Video(str(filename), fps=fps, shape=(last, 0, 0, 0) if last else None)
    provenance: dict[str, Any] = {"movement": jsonable_attrs(dict(ds.attrs))}
    if isinstance(ds.attrs.get("source_file"), str):
        provenance["source"] = ds.attrs["source_file"]
    return Labels.from_table(table.sorted(), videos=[video], skeletons=[skeleton], tracks=tracks, provenance=provenance)


def _untracked_names(untracked: object, names: list[str]) -> set[str]:
    """The ``untracked=`` individuals, each one of ``names``."""
    # A lone name is refused rather than taken for a list of one: a str is iterable, and list("ab") is letters.
    listed = list(untracked) if isinstance(untracked, Iterable) and not isinstance(untracked, str) else None
    if listed is None or not all(isinstance(n, str) and n in names for n in listed):
        raise InvalidOptionError(
            f"untracked= must list individuals of the dataset ({names}); {untracked!r} is not such a list"
        )
    return set(listed)


def _with_individuals(array: xr.DataArray, name: str, like: xr.DataArray | None = None) -> xr.DataArray:
    """The variable with the dimensions it needs, ``individuals`` added when a selection dropped it."""
    if "individuals" not in array.dims:
        individual = array.coords.get("individuals")
        array = array.drop_vars("individuals", errors="ignore").expand_dims(
            individuals=[str(individual.item()) if individual is not None else "individual_0"]
        )
    wanted = {"time", "keypoints", "individuals"} | ({"space"} if name == "position" else set())
    missing, extra = sorted(wanted - set(array.dims)), sorted(set(array.dims) - wanted)
    if missing:
        raise InvalidLabelsError(
            f"{name} has the dimensions {list(array.dims)}, without {missing}; a movement poses dataset's "
            f"{name} has {sorted(wanted)}"
        )
    if extra:
        raise InvalidLabelsError(
            f"{name} has the dimensions {extra} besides {sorted(wanted)}; select one of each first, "
            f"for example ds.sel({extra[0]}=...) for one view of a multi-view dataset"
        )
    if like is not None:
        # Confidence may have been computed for other individuals or keypoints than position holds.
        for dim in ("individuals", "keypoints", "time"):
            if dim in like.coords and dim in array.coords and not np.array_equal(array[dim].values, like[dim].values):
                raise InvalidLabelsError(f"{name}'s {dim} differ from position's; align them first")
    return array


def _space_labels(position: xr.DataArray) -> list[str]:
    labels = [str(s) for s in position["space"].values]
    for wanted in (list(SPACE[:2]), list(SPACE)):
        if sorted(labels) == wanted:
            return wanted
    raise InvalidLabelsError(f"the space coordinate is {labels}; poses have x, y and maybe z")


def _frame_numbers(position: xr.DataArray, time_unit: object, fps: float | None) -> np.ndarray:
    """The frame number of every time, from movement's ``time`` coordinate."""
    n = position.sizes["time"]
    if "time" not in position.coords:
        return np.arange(n, dtype=np.int64)
    times = np.asarray(position["time"].values)
    if times.dtype.kind not in "iuf":
        raise InvalidLabelsError(
            f"the time coordinate holds {times.dtype} values; movement's times are seconds or frame numbers"
        )
    if time_unit == "frames" or (time_unit is None and times.dtype.kind in "iu"):
        frames = times.astype(np.float64)
    elif fps is not None:
        frames = times * fps
    else:
        raise InvalidLabelsError(
            "the time coordinate is in seconds but the dataset has no fps attribute to turn it into frames; pass fps="
        )
    rounded = np.rint(frames)
    bad = ~np.isfinite(frames) | (np.abs(frames - rounded) > FRAME_TOLERANCE) | (rounded < 0)
    if bad.any():
        at = int(np.argmax(bad))
        raise InvalidLabelsError(
            f"time {times[at]!r} is not a frame (frame {frames[at]!r}); from_movement needs times at frames "
            "(do not resample the dataset first, or pass the fps it was recorded at)"
        )
    rounded = rounded.astype(np.int64)
    if len(np.unique(rounded)) != len(rounded):
        raise InvalidLabelsError("two times of the dataset fall on one frame; check its fps")
    return rounded


def _on_skeleton(
    skeleton: Skeleton | None, keypoints: list[str] | None, points: np.ndarray, scores: np.ndarray | None
) -> tuple[Skeleton, np.ndarray, np.ndarray | None]:
    """The skeleton, and the points with their node axis in its order."""
    n_keypoints = points.shape[2]
    if keypoints is None:
        keypoints = [f"keypoint_{i}" for i in range(n_keypoints)]
    if skeleton is None:
        return Skeleton(keypoints), points, scores
    if not isinstance(skeleton, Skeleton):
        raise InvalidArgumentError(f"skeleton= must be a poseio.Skeleton, not {type(skeleton).__name__}")
    missing = sorted(set(keypoints) - set(skeleton.node_names))
    if missing:
        raise InvalidLabelsError(f"skeleton {skeleton.name!r} lacks the keypoints {missing} of the dataset")
    if keypoints == skeleton.node_names:
        return skeleton, points, scores
    # Nodes the dataset does not hold stay NaN.
    where = np.array([skeleton.index(k) for k in keypoints], dtype=np.int64)
    moved = np.full((*points.shape[:2], len(skeleton), points.shape[3]), np.nan)
    moved[:, :, where] = points
    if scores is not None:
        moved_scores = np.full((*scores.shape[:2], len(skeleton)), np.nan)
        moved_scores[:, :, where] = scores
        scores = moved_scores
    return skeleton, moved, scores
