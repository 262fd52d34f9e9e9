"""What every JABS pose file shares: the fixed mouse keypoints, the datasets of each version, the file name.

JABS (the JAX Animal Behavior System) stores no node names: every pose has
JABS's twelve mouse keypoints in a fixed order. Each version adds datasets to
the ``poseest`` group of the one before: v3 several mice per frame
(``instance_count``, ``instance_track_id``), v4 long-term identities
(``instance_embed_id`` with ``id_mask``, where 0 marks a pose that has one), v5
the ``static_objects`` group, v6 ``dynamic_objects``. JABS itself takes the
version from the file name (``<video>_pose_est_v<N>.h5``), which real files
contradict in their ``version`` attribute; `datasets_version` says what the
datasets hold.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

#: JABS's twelve keypoints, in the order of the file's keypoint axis.
NODE_NAMES = (
    "NOSE",
    "LEFT_EAR",
    "RIGHT_EAR",
    "BASE_NECK",
    "LEFT_FRONT_PAW",
    "RIGHT_FRONT_PAW",
    "CENTER_SPINE",
    "LEFT_REAR_PAW",
    "RIGHT_REAR_PAW",
    "BASE_TAIL",
    "MID_TAIL",
    "TIP_TAIL",
)
N_NODES = len(NODE_NAMES)
#: The mouse's body as JABS draws it: the spine from the nose to the tail tip, ears off the nose, paws off the spine.
EDGES = ((3, 0), (3, 6), (6, 9), (9, 10), (10, 11), (0, 1), (0, 2), (6, 4), (6, 5), (9, 7), (9, 8))
#: Left and right keypoints, which swap in a mirror image.
SYMMETRIES = ((1, 2), (4, 5), (7, 8))
SKELETON_NAME = "Mouse"

GROUP = "poseest"
STATIC = "static_objects"
DYNAMIC = "dynamic_objects"
#: The datasets each reading of the instances needs, beside ``points`` and ``confidence``.
V3_DATASETS = ("instance_count", "instance_track_id")
V4_DATASETS = ("instance_embed_id", "id_mask")
#: The versions poseio reads, and those it writes.
READ_VERSIONS = (2, 3, 4, 5, 6)
WRITE_VERSIONS = (2, 3, 4, 5)
#: poseio's own dataset in ``poseest``, which JABS ignores: JSON ``{"tracks": {identity: track name},
#: "untracked_from": n}``; identities from ``n`` on were made up for untracked poses.
TRACKS_DATASET = "poseio_tracks"

_NAME = re.compile(r"_pose_est_v(\d+)\.h5$", re.IGNORECASE)


def name_version(name: str) -> int | None:
    """The version a file name declares (``..._pose_est_v5.h5`` is 5), as JABS reads it; ``None`` without one."""
    found = _NAME.findall(name)
    return int(found[-1]) if found else None


def video_stem(name: str) -> str:
    """The file name without JABS's ``_pose_est_vN.h5`` (or the ``.h5``): JABS's name for the video."""
    stem = _NAME.sub("", name)
    return stem[:-3] if stem == name and stem.lower().endswith(".h5") else stem


def attribute_version(value: Any) -> int | None:
    """The major version in a ``poseest`` ``version`` attribute (``[3, 0]``, ``3`` or ``"3"``), or ``None``."""
    found = np.asarray(value).reshape(-1)
    if found.size == 0:
        return None
    first = found[0]
    if isinstance(first, (bytes, np.bytes_)):
        first = first.decode("utf-8", "replace")
    try:
        number = float(first)
    except (TypeError, ValueError):
        return None
    return int(number) if np.isfinite(number) and number == int(number) else None


def datasets_version(names: set[str], points_rank: int, has_static: bool, has_dynamic: bool) -> int | None:
    """The version the datasets of ``poseest`` (and the groups beside it) hold; ``None`` when they fit none."""
    if points_rank == 3:
        return 2
    if points_rank != 4:
        return None
    if set(V4_DATASETS) <= names:
        return 6 if has_dynamic else 5 if has_static else 4
    if set(V3_DATASETS) <= names:
        return 3
    return None


def fits(version: int, names: set[str], points_rank: int) -> bool:
    """Whether the datasets hold what reading them as ``version`` needs."""
    if version == 2:
        return points_rank == 3
    needed = V3_DATASETS if version == 3 else V4_DATASETS
    return points_rank == 4 and set(needed) <= names
