"""COCO ``keypoints`` lists ``[x1, y1, v1, x2, y2, v2, ...]`` as arrays.

A point is labelled where its third value ``v`` is above 0: COCO's 1
(labelled, not visible) and 2 (labelled, visible), a binary file's 1
(visible), or a results file's confidence. ``v = 0`` is not labelled, whatever
its coordinates say (results files put an interpolated position there, and
annotation files 0, 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from poseio.limits import check_allocation


def _problem(values: Any, n_nodes: int) -> str | None:
    if not isinstance(values, list):
        return f"keypoints is {type(values).__name__}, not a list"
    if len(values) != 3 * n_nodes:
        return f"{len(values)} keypoint values, not 3 x {n_nodes} nodes"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "a keypoint value is not a number"
    return None


def decode(
    lists: Sequence[Any],
    n_nodes: int,
    name: str,
    *,
    what: Callable[[int], str],
    fail: Callable[[str], Exception],
) -> np.ndarray:
    """``(n, n_nodes, 3)`` float64 ``x, y, v`` of ``n`` keypoint lists of one skeleton.

    Args:
        lists: The ``keypoints`` of each annotation or result.
        n_nodes: The skeleton's node count.
        name: The file, for the budget's message.
        what: Names the ``i``-th entry in a message ("annotation 42").
        fail: Makes the error to raise from a message.

    Raises:
        UnsafeFileError: The array would exceed the load's memory budget.
        ReadError (from ``fail``): An entry whose keypoints are not 3 x n_nodes numbers.
    """
    check_allocation(len(lists) * n_nodes * 3 * 8, f"{len(lists)} poses of {n_nodes} keypoints", name)
    try:
        values = np.array(lists, dtype=np.float64)
        ok = values.shape == (len(lists), 3 * n_nodes)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        # One call made the array; only a bad file pays for a look at every entry, to name the culprit.
        for i, entry in enumerate(lists):
            problem = _problem(entry, n_nodes)
            if problem:
                raise fail(f"{what(i)}: {problem}")
        raise fail("keypoints that are not numbers")
    return values.reshape(len(lists), n_nodes, 3)


def points_of(xyv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``(n, n_nodes, 2)`` points, NaN where not labelled (or not finite), and the labelled mask."""
    labelled = (xyv[..., 2] > 0) & np.isfinite(xyv[..., :2]).all(axis=2)
    points = np.where(labelled[..., None], xyv[..., :2], np.nan)
    return points, labelled
