"""Naming FreiPose's keypoints: the ``skeleton=`` read option.

A prediction file holds numbers only; the keypoint names live in the model's
skeleton file of FreiPose's configuration (``config/skel_rat.cfg.json``, say,
which is JSON with comments). Without the option the keypoints are
``keypoint_00``, ``keypoint_01``, ...
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_freipose._sniff import FORMAT

#: Without skeleton=, the skeleton is named this.
DEFAULT_NAME = "freipose"


def skeleton_option(value: Any, n_keypoints: int, source: str) -> poseio.Skeleton:
    """The skeleton ``skeleton=`` gives for a file of ``n_keypoints`` keypoints.

    Args:
        value: ``None``, a list of names, or a `poseio.Skeleton`.
        n_keypoints: How many keypoints the prediction file has.
        source: The prediction file, for messages.

    Raises:
        InvalidOptionError: The value is none of these, or names another number of keypoints.
    """
    if value is None:
        width = max(2, len(str(n_keypoints - 1)))
        return poseio.Skeleton([f"keypoint_{i:0{width}d}" for i in range(n_keypoints)], name=DEFAULT_NAME)
    if isinstance(value, poseio.Skeleton):
        skeleton = value
    elif isinstance(value, (list, tuple)) and all(isinstance(name, str) for name in value):
        if len(set(value)) != len(value):
            raise poseio.InvalidOptionError(f"skeleton= names a keypoint twice: {list(value)}", format=FORMAT)
        skeleton = poseio.Skeleton(list(value), name=DEFAULT_NAME)
    else:
        raise poseio.InvalidOptionError(
            "skeleton= is a list of keypoint names (in the order of the model's skeleton file) or a poseio.Skeleton",
            format=FORMAT,
        )
    if len(skeleton) != n_keypoints:
        raise poseio.InvalidOptionError(
            f"skeleton= has {len(skeleton)} keypoints, {source} has {n_keypoints}: give the names of the model "
            "the predictions were made with",
            format=FORMAT,
        )
    return skeleton
