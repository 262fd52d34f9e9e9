"""Reading Facemap keypoint files (``*_FacemapPose.h5``) into Labels of one animal's predictions.

Each bodypart group under ``Facemap`` holds three 1-D datasets of one value per
video frame: ``x`` and ``y`` in pixels of the video, and ``likelihood``, the
network's confidence. Facemap keeps every prediction (it does not drop points of
low likelihood), so every finite point is a point; NaN is no point.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_facemap._sniff import COORDINATES, FORMAT, GROUP, is_bodypart, kind

READ_OPTIONS = ("fps", "video")
#: A face model has 15 bodyparts; a group of more children than this is no Facemap file.
MAX_BODYPARTS = 10_000
#: Facemap names its output after the video: ``<video>_FacemapPose.h5``.
SUFFIX = re.compile(r"_FacemapPose$", re.IGNORECASE)


def _fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{probe.name}: not a readable Facemap keypoint file: {problem}", path=probe.path)


def _layout(probe: poseio.Probe) -> tuple[list[str], list[str], int]:
    """The bodyparts (in the group's order), the other children of ``Facemap``, and the number of frames."""
    group = probe.h5[GROUP]
    names: list[str] = []
    for name in group:
        names.append(name)
        if len(names) > MAX_BODYPARTS:
            raise _fail(probe, f"the Facemap group holds over {MAX_BODYPARTS} objects")
    bodyparts = [name for name in names if is_bodypart(group, name)]
    if not bodyparts:
        raise _fail(probe, "the Facemap group holds no bodypart group with x and y datasets")
    lengths = set()
    for name in bodyparts:
        part = group[name]
        for dataset in ("x", "y", "likelihood"):
            if kind(part, dataset) == "dataset":
                shape = part[dataset].shape
                if shape is None or len(shape) != 1:
                    raise _fail(probe, f"{GROUP}/{name}/{dataset} has shape {shape}; Facemap writes (frames,)")
                lengths.add(shape[0])
    if len(lengths) != 1:
        raise _fail(
            probe, f"the bodyparts' datasets have different lengths {sorted(lengths)}; Facemap writes one per frame"
        )
    return bodyparts, [name for name in names if name not in bodyparts], lengths.pop()


def read_facemap(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a Facemap keypoint file (see ``docs/formats/facemap.md``).

    Args:
        probe: The probe of the source (its HDF5 file is open).
        options: ``fps`` and ``video`` (the video's path; by default the
            file's name without ``_FacemapPose.h5``, as Facemap names it).

    Returns:
        Labels of one video, one skeleton of the bodyparts (no edges) and one
        predicted instance per frame with a point.
    """
    from poseio.hdf5 import reading
    from poseio.limits import check_allocation

    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    if probe.h5 is None or kind(probe.h5, GROUP) != "group":
        raise _fail(probe, "no 'Facemap' group at the root of an HDF5 file")
    with reading("the Facemap group's layout", probe.name):
        bodyparts, others, n_frames = _layout(probe)
    # The points and scores (float64) beside one bodypart's datasets as read.
    check_allocation(n_frames * len(bodyparts) * 3 * 8, f"{len(bodyparts)} bodyparts x {n_frames} frames", probe.name)
    points = np.empty((n_frames, 1, len(bodyparts), 2))
    scores = np.full((n_frames, 1, len(bodyparts)), np.nan)
    no_likelihood = []
    group = probe.h5[GROUP]
    for index, name in enumerate(bodyparts):
        part = group[name]
        with reading(f"the bodypart {name!r}", probe.name):
            for axis, coordinate in enumerate(COORDINATES):
                points[:, 0, index, axis] = _numbers(probe, part, name, coordinate)
            if kind(part, "likelihood") == "dataset":
                scores[:, 0, index] = _numbers(probe, part, name, "likelihood")
            else:
                no_likelihood.append(name)
    # A point is where x and y are both finite (NaN marks a point Facemap did not give).
    missing = ~np.isfinite(points).all(axis=-1)
    points[missing] = np.nan
    scores[missing] = np.nan
    stem = PurePath(probe.name).stem
    metadata: dict[str, Any] = {}
    if video_name is None:
        video_name = SUFFIX.sub("", stem) or stem
        metadata["filename_guessed"] = True  # Facemap names its output <video>_FacemapPose.h5
    video = poseio.Video(video_name, fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None, metadata=metadata)
    details = {
        "n_frames": n_frames,
        "bodyparts_without_likelihood": no_likelihood,
        "unread": sorted(others) + sorted(f"/{n}" for n in probe.h5 if n != GROUP),
    }
    return poseio.Labels.from_numpy(
        points,
        video=video,
        skeleton=poseio.Skeleton(bodyparts, name=FORMAT),
        point_scores=scores,
        predicted=True,
        provenance={FORMAT: details},
    )


def _numbers(probe: poseio.Probe, part: Any, name: str, dataset: str) -> np.ndarray:
    """One of a bodypart's datasets as float64 (refusing text and other non-numbers)."""
    from poseio.hdf5 import values

    stored = part[dataset]
    if stored.dtype.kind not in "fiub":
        raise _fail(probe, f"{GROUP}/{name}/{dataset} holds {stored.dtype} values, not numbers")
    return values(stored, np.float64)
