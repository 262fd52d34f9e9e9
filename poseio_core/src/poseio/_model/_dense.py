"""Dense ``(frames, slots, ...)`` arrays from the rows of a PoseTable."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from poseio._model._table import PoseTable

#: Per-instance columns a grid can hold, with the value of an empty place.
_INSTANCE_COLUMNS = {"score": np.nan, "tracking_score": np.nan, "predicted": False}


@attrs.frozen(eq=False)
class PoseGrid:
    """One video's instances laid out by frame and slot, from `Labels.grid`.

    Axis 0 runs over frame indices, axis 1 over slots: the Labels' tracks in
    order, then as many slots as the busiest frame has untracked instances.
    Where a user and a predicted instance share a place the user instance
    wins, as in SLEAP. Arrays may share memory with the Labels.

    Attributes:
        points: ``(n_frames, n_slots, n_nodes, D)``, NaN where empty.
        point_scores: ``(n_frames, n_slots, n_nodes)``, NaN where unknown or empty.
        score: ``(n_frames, n_slots)`` instance scores, NaN where unknown or empty.
        tracking_score: ``(n_frames, n_slots)``, NaN where unknown or empty.
        predicted: ``(n_frames, n_slots)``, True where the instance is a prediction.
        occupied: ``(n_frames, n_slots)``, True where there is an instance.
        n_tracks: How many leading slots are the Labels' tracks; the rest hold
            untracked instances.
    """

    points: np.ndarray
    point_scores: np.ndarray
    score: np.ndarray
    tracking_score: np.ndarray
    predicted: np.ndarray
    occupied: np.ndarray
    n_tracks: int


def dense_arrays(
    table: PoseTable, slot: np.ndarray, *, n_frames: int, n_slots: int, n_nodes: int, with_scores: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Points ``(n_frames, n_slots, n_nodes, D)`` and point scores ``(n_frames, n_slots, n_nodes)``.

    Each row goes to ``[frame_idx, slot]`` (see `dense_columns`). The scores
    are ``None`` unless ``with_scores``.
    """
    names = ("points", "point_scores") if with_scores else ("points",)
    grids = dense_columns(table, slot, n_frames=n_frames, n_slots=n_slots, n_nodes=n_nodes, names=names)
    return grids["points"], grids.get("point_scores")


def dense_columns(
    table: PoseTable, slot: np.ndarray, *, n_frames: int, n_slots: int, n_nodes: int, names: Sequence[str]
) -> dict[str, np.ndarray]:
    """The named columns of a table as ``(n_frames, n_slots, ...)`` grids.

    ``names`` are table columns (``points``, ``point_scores``, ``score``,
    ``tracking_score``, ``predicted``) or ``occupied``. Each row goes to
    ``[frame_idx, slot]``. Where rows share a place, a user instance wins over a
    prediction (as in SLEAP), else the last row. Empty places are NaN (False
    for ``predicted`` and ``occupied``). When the rows already form the grid the
    results are views.
    """
    as_grid = _as_grid(table, slot, n_frames, n_slots)
    if as_grid is not None:
        grids = {name: as_grid(name) for name in names}
        for name in ("points", "point_scores"):
            if name in grids:
                grids[name] = grids[name][:, :, :n_nodes]
        return grids
    # Predictions are written first, so that user instances overwrite them.
    order = np.argsort(~table.predicted, kind="stable")
    rows = order[_last_per_place(table.frame_idx[order], slot[order])]
    at = (table.frame_idx[rows], slot[rows])
    grids = {}
    for name in names:
        if name == "occupied":
            grid = np.zeros((n_frames, n_slots), dtype=bool)
            grid[at] = True
        elif name in _INSTANCE_COLUMNS:
            column = getattr(table, name)
            grid = np.full((n_frames, n_slots), _INSTANCE_COLUMNS[name], dtype=column.dtype)
            grid[at] = column[rows]
        else:
            column = getattr(table, name)
            grid = np.full((n_frames, n_slots, n_nodes, *column.shape[2:]), np.nan)
            grid[at] = column[rows, :n_nodes]
        grids[name] = grid
    return grids


def _last_per_place(frames: np.ndarray, slots: np.ndarray) -> np.ndarray:
    # Rows are in write order; keep only the last one written to each (frame, slot).
    key = frames * (int(slots.max(initial=0)) + 1) + slots
    _, first_from_end = np.unique(key[::-1], return_index=True)
    return len(key) - 1 - first_from_end


def _as_grid(table: PoseTable, slot: np.ndarray, n_frames: int, n_slots: int):
    """A function giving a column as a view of the table, when every (frame, slot) has one row in order."""
    if len(table) != n_frames * n_slots or len(table) == 0:
        return None
    frames, slots = np.arange(n_frames), np.arange(n_slots)
    if np.array_equal(table.frame_idx, np.repeat(frames, n_slots)) and np.array_equal(slot, np.tile(slots, n_frames)):

        def frame_major(name: str) -> np.ndarray:
            if name == "occupied":
                return np.ones((n_frames, n_slots), dtype=bool)
            column = getattr(table, name)
            return column.reshape(n_frames, n_slots, *column.shape[1:])

        return frame_major
    if np.array_equal(table.frame_idx, np.tile(frames, n_slots)) and np.array_equal(slot, np.repeat(slots, n_frames)):

        def slot_major(name: str) -> np.ndarray:
            if name == "occupied":
                return np.ones((n_frames, n_slots), dtype=bool)
            column = getattr(table, name)
            return column.reshape(n_slots, n_frames, *column.shape[1:]).swapaxes(0, 1)

        return slot_major
    return None
