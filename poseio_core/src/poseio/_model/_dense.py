"""Dense (frames, slots, nodes, D) arrays from the rows of a PoseTable."""

from __future__ import annotations

import numpy as np

from poseio._model._table import PoseTable


def dense_arrays(
    table: PoseTable, slot: np.ndarray, *, n_frames: int, n_slots: int, n_nodes: int, with_scores: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Points ``(n_frames, n_slots, n_nodes, D)`` and point scores ``(n_frames, n_slots, n_nodes)``.

    Each row goes to ``[frame_idx, slot]``. Where rows share a place, a user
    instance wins over a prediction (as in SLEAP), else the last row. Empty
    places are NaN. When the rows already form the grid the result is a view.
    The scores are ``None`` unless ``with_scores``.
    """
    grid = _as_grid(table, slot, n_frames, n_slots)
    if grid is not None:
        points, scores = grid
        return points[:, :, :n_nodes], scores[:, :, :n_nodes]
    # Predictions are written first, so that user instances overwrite them.
    order = np.argsort(~table.predicted, kind="stable")
    rows = order[_last_per_place(table.frame_idx[order], slot[order])]
    points = np.full((n_frames, n_slots, n_nodes, table.ndim), np.nan)
    points[table.frame_idx[rows], slot[rows]] = table.points[rows, :n_nodes]
    if not with_scores:
        return points, None
    scores = np.full((n_frames, n_slots, n_nodes), np.nan)
    scores[table.frame_idx[rows], slot[rows]] = table.point_scores[rows, :n_nodes]
    return points, scores


def _last_per_place(frames: np.ndarray, slots: np.ndarray) -> np.ndarray:
    # Rows are in write order; keep only the last one written to each (frame, slot).
    key = frames * (int(slots.max(initial=0)) + 1) + slots
    _, first_from_end = np.unique(key[::-1], return_index=True)
    return len(key) - 1 - first_from_end


def _as_grid(table: PoseTable, slot: np.ndarray, n_frames: int, n_slots: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The arrays as views of the table when every (frame, slot) has one row, frame- or slot-major."""
    if len(table) != n_frames * n_slots or len(table) == 0:
        return None
    frames, slots = np.arange(n_frames), np.arange(n_slots)
    shape = table.points.shape[1:]
    if np.array_equal(table.frame_idx, np.repeat(frames, n_slots)) and np.array_equal(slot, np.tile(slots, n_frames)):
        return table.points.reshape(n_frames, n_slots, *shape), table.point_scores.reshape(n_frames, n_slots, -1)
    if np.array_equal(table.frame_idx, np.tile(frames, n_slots)) and np.array_equal(slot, np.repeat(slots, n_frames)):
        return (
            table.points.reshape(n_slots, n_frames, *shape).swapaxes(0, 1),
            table.point_scores.reshape(n_slots, n_frames, -1).swapaxes(0, 1),
        )
    return None
