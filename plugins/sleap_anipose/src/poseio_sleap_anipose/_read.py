"""Reading sleap-anipose's ``points3d.h5`` into Labels.

The file is one dataset, ``tracks`` (n_frames, n_tracks, n_nodes, 3): the
points triangulated from a session's 2D SLEAP predictions, NaN where a node was
not triangulated. It names neither nodes nor tracks (they live in the
session's ``.slp`` files): without options the nodes are ``node_0``,
``node_1``, ... and the tracks ``track_0``, ``track_1``, ...; ``skeleton=`` and
``tracks=`` name them. Every point is a prediction without a score (the file
holds none).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.hdf5 import attribute_text, reading, values
from poseio.options import check_fps, check_path, check_video, refuse_unknown

from poseio_sleap_anipose._sniff import DATASET, FORMAT, _tracks

READ_OPTIONS = ("fps", "video", "skeleton", "tracks")


def _names(value: Any, option: str) -> list[str]:
    if not all(isinstance(name, str) and name for name in value):
        raise poseio.InvalidOptionError(f"{option}= as a list must hold names (text, not blank)", format=FORMAT)
    if len(set(value)) != len(value):
        raise poseio.InvalidOptionError(f"{option}= names one thing twice: {list(value)}", format=FORMAT)
    return list(value)


def _skeleton(value: Any, n_nodes: int, source: str) -> poseio.Skeleton:
    """The skeleton ``skeleton=`` gives: generic names, a list of names, a Skeleton, or a pose file's skeleton."""
    if value is None:
        return poseio.Skeleton([f"node_{i}" for i in range(n_nodes)])
    if isinstance(value, poseio.Skeleton):
        candidates = [value]
    elif isinstance(value, (list, tuple)):
        candidates = [poseio.Skeleton(_names(value, "skeleton"))]
    else:
        # A pose file of the session (its .slp, say): the points3d.h5 was triangulated from its predictions.
        path = check_path(value, FORMAT, option="skeleton")
        candidates = poseio.load(path).skeletons
    for skeleton in candidates:
        if len(skeleton) == n_nodes:
            return skeleton
    counts = sorted({len(s) for s in candidates})
    raise poseio.InvalidOptionError(
        f"skeleton= has {' or '.join(map(str, counts)) or 'no'} nodes, {source} has {n_nodes}: give the skeleton "
        "of the session's 2D predictions",
        format=FORMAT,
    )


def _track_list(value: Any, n_tracks: int, source: str) -> list[poseio.Track]:
    if value is None:
        return [poseio.Track(f"track_{i}") for i in range(n_tracks)]
    if not isinstance(value, (list, tuple)):
        raise poseio.InvalidOptionError("tracks= must be a list of track names", format=FORMAT)
    names = _names(value, "tracks")
    if len(names) != n_tracks:
        raise poseio.InvalidOptionError(f"tracks= names {len(names)} tracks, {source} has {n_tracks}", format=FORMAT)
    return [poseio.Track(name) for name in names]


def read_points3d(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a sleap-anipose ``points3d.h5`` (see ``docs/formats/sleap-anipose.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    h5file = probe.h5
    dataset = None if h5file is None else _tracks(h5file)
    if dataset is None:
        raise poseio.ReadError(
            f"{probe.name}: not a sleap-anipose points3d file: no '{DATASET}' dataset at the root of an HDF5 file",
            path=probe.path,
        )
    shape = dataset.shape or ()
    if len(shape) != 4 or shape[3] != 3 or dataset.dtype.kind not in "fiu":
        raise poseio.ReadError(
            f"{probe.name}: '{DATASET}' has shape {shape} ({dataset.dtype}); sleap-anipose writes numbers of shape "
            "(n_frames, n_tracks, n_nodes, 3)",
            path=probe.path,
        )
    n_frames, n_tracks, n_nodes, _ = shape
    skeleton = _skeleton(options.get("skeleton"), n_nodes, probe.name)
    tracks = _track_list(options.get("tracks"), n_tracks, probe.name)
    with reading("the triangulated points", dataset):
        points = values(dataset, np.float64)
    description = attribute_text(dataset.id, b"Description")
    video = poseio.Video(
        video_name or PurePath(probe.name).stem, fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None
    )
    return poseio.Labels.from_numpy(
        points,
        video=video,
        skeleton=skeleton,
        tracks=tracks,
        predicted=True,
        provenance={FORMAT: {"description": description, "n_frames": n_frames}},
    )
