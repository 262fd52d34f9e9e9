"""The columnar store behind `poseio.Labels`: one row per instance.

Plugins read into and write from this table so that a file of 100,000 frames
never needs 200,000 Python objects. ``Labels.labeled_frames`` builds the familiar
objects from it only when a user asks for them.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from poseio._errors import InvalidLabelsError

NO_TRACK = -1


def _int_column(value: object) -> np.ndarray:
    return np.asarray(value, dtype=np.int64)


def _float_column(value: object) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer column; quick when there is only one."""
    if len(values) == 0:
        return values[:0]
    low, high = values.min(), values.max()
    if low == high:
        return values[:1].copy()
    if low >= 0 and high < 4 * len(values) + 64:
        # Indices into a Labels' lists are small: counting is quicker than sorting, and np.unique's first
        # call imports numpy.ma (about 10 ms of a first load).
        return np.flatnonzero(np.bincount(values))
    return np.unique(values)


def _any_finite_xy(points: np.ndarray) -> np.ndarray:
    """``(n_frames, n_slots)``: whether any node of a ``(n_frames, n_slots, n_nodes, D)`` array has finite x and y.

    Two element-wise passes and one reduction over the nodes, laid out as the
    array is: ``isfinite(points[..., :2]).all(axis=3)`` reduces over an axis of
    two, which numpy does eight times slower.
    """
    finite = np.isfinite(points[..., 0])
    finite &= np.isfinite(points[..., 1])
    return finite.any(axis=2)


def _compact(rows: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``rows[keep]`` in ``rows``' own memory (a view of its start): no second array of the kept rows.

    Rows move only towards the start, a slab at a time, each slab gathered
    before it is written, so that no row is overwritten before it is read.
    When fewer than half the rows are kept, they are gathered into an array of
    their own instead: a view would hold the whole buffer for a few rows.
    """
    if 2 * int(np.count_nonzero(keep)) < len(rows):
        return rows[keep]
    slab = max(1, (1 << 22) // max(1, rows[0].nbytes if len(rows) else 1))
    kept = 0
    for start in range(0, len(rows), slab):
        chunk = rows[start : start + slab][keep[start : start + slab]]
        rows[kept : kept + len(chunk)] = chunk
        kept += len(chunk)
    return rows[:kept]


@attrs.define(eq=False)
class PoseTable:
    """Every instance of a Labels as parallel arrays, rows in any order.

    ``video``, ``skeleton`` and ``track`` hold indices into the owning Labels'
    ``videos``, ``skeletons`` and ``tracks`` lists (``track`` is -1 when
    untracked). ``points`` is ``(n, n_nodes_max, D)``: rows of skeletons with
    fewer nodes are padded with NaN. ``point_scores``, ``score`` and
    ``tracking_score`` are NaN where unknown, and always NaN for user instances.
    """

    video: np.ndarray = attrs.field(converter=_int_column)
    frame_idx: np.ndarray = attrs.field(converter=_int_column)
    skeleton: np.ndarray = attrs.field(converter=_int_column)
    track: np.ndarray = attrs.field(converter=_int_column)
    predicted: np.ndarray = attrs.field(converter=lambda v: np.asarray(v, dtype=bool))
    points: np.ndarray = attrs.field(converter=_float_column)
    point_scores: np.ndarray = attrs.field(converter=_float_column)
    score: np.ndarray = attrs.field(converter=_float_column)
    tracking_score: np.ndarray = attrs.field(converter=_float_column)

    def __attrs_post_init__(self) -> None:
        n = len(self.frame_idx)
        if self.points.ndim != 3 or self.points.shape[2] not in (2, 3):
            raise InvalidLabelsError(f"points must be (n, n_nodes, 2 or 3), got {self.points.shape}")
        for name in ("video", "skeleton", "track", "predicted", "points", "point_scores", "score", "tracking_score"):
            if len(getattr(self, name)) != n:
                raise InvalidLabelsError(f"column {name!r} has {len(getattr(self, name))} rows, expected {n}")
        if self.point_scores.shape != self.points.shape[:2]:
            raise InvalidLabelsError(f"point_scores must be {self.points.shape[:2]}, got {self.point_scores.shape}")

    @classmethod
    def empty(cls, n_nodes: int = 0, ndim: int = 2) -> PoseTable:
        """A table with no rows."""
        return cls.build(np.empty((0, n_nodes, ndim)), video=0, frame_idx=[], skeleton=0)

    @classmethod
    def build(
        cls,
        points: np.ndarray,
        *,
        video: int | Sequence[int] | np.ndarray,
        frame_idx: Sequence[int] | np.ndarray,
        skeleton: int | Sequence[int] | np.ndarray,
        track: int | Sequence[int] | np.ndarray = NO_TRACK,
        predicted: bool | Sequence[bool] | np.ndarray = False,
        point_scores: np.ndarray | None = None,
        score: float | np.ndarray = np.nan,
        tracking_score: float | np.ndarray = np.nan,
    ) -> PoseTable:
        """Build a table, broadcasting scalar columns to every row."""
        n = len(points)

        def column(value: object, dtype: type) -> np.ndarray:
            return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()

        if point_scores is None:
            point_scores = np.full(points.shape[:2], np.nan)
        return cls(
            video=column(video, np.int64),
            frame_idx=column(frame_idx, np.int64),
            skeleton=column(skeleton, np.int64),
            track=column(track, np.int64),
            predicted=column(predicted, bool),
            points=points,
            point_scores=point_scores,
            score=column(score, np.float64),
            tracking_score=column(tracking_score, np.float64),
        )

    @classmethod
    def from_dense(
        cls,
        points: np.ndarray,
        *,
        frame_idx: np.ndarray,
        video: int = 0,
        skeleton: int | np.ndarray = 0,
        track: np.ndarray | None = None,
        predicted: bool = True,
        point_scores: np.ndarray | None = None,
        score: np.ndarray | None = None,
        tracking_score: np.ndarray | None = None,
        present: np.ndarray | None = None,
    ) -> PoseTable:
        """Rows from a dense ``(n_frames, n_slots, n_nodes, D)`` array.

        A slot holds an instance where at least one node has finite x and y;
        a caller that already knows which do may pass that as ``present``
        (``(n_frames, n_slots)`` bool). ``track`` gives the track index of every
        slot (default: untracked), ``skeleton`` the skeleton index of all slots
        or of each. When every slot holds an instance the points
        are not copied, whether the array's memory runs frame by frame or (as a
        transposed view) slot by slot; any other layout (a view with the slots
        innermost, say) is copied once.
        """
        n_frames, n_slots = points.shape[:2]
        slot_layout = n_slots > 1 and points.strides[1] == n_frames * points.strides[0]
        frame_layout = n_slots == 1 or points.strides[0] == n_slots * points.strides[1]
        copied = False
        if present is None:
            if not frame_layout and not slot_layout:
                # The rows will be copied anyway (a transposed view, as movement's (time, space, keypoints,
                # individuals) gives): copy once now, and look for finite points in the copy, which is
                # three times quicker than in the view; rows without a point are then compacted in place.
                points, copied = np.ascontiguousarray(points, dtype=np.float64), True
            present = _any_finite_xy(points)
        frame_idx = np.asarray(frame_idx, dtype=np.int64)
        slot_values = {
            "skeleton": np.broadcast_to(np.asarray(skeleton, dtype=np.int64), (n_slots,)),
            "track": np.full(n_slots, NO_TRACK, dtype=np.int64) if track is None else np.asarray(track, np.int64),
        }
        if slot_layout and bool(present.all()):
            # Every slot is full and the memory runs slot by slot (as a reader that fills one
            # series at a time lays it out): rows in (slot, frame) order are a view, not a copy.
            frames = np.tile(frame_idx, n_slots)
            per_slot = {key: np.repeat(value, n_frames) for key, value in slot_values.items()}

            def select(a: np.ndarray) -> np.ndarray:
                return a.swapaxes(0, 1).reshape(n_frames * n_slots, *a.shape[2:])
        elif present.all():
            frames = np.repeat(frame_idx, n_slots)
            per_slot = {key: np.tile(value, n_frames) for key, value in slot_values.items()}

            def select(a: np.ndarray) -> np.ndarray:
                return a.reshape(n_frames * n_slots, *a.shape[2:])
        else:
            frame_rows, slots = np.nonzero(present)
            frames = frame_idx[frame_rows]
            per_slot = {key: value[slots] for key, value in slot_values.items()}

            def select(a: np.ndarray) -> np.ndarray:
                if a is points and copied:  # only the copy made here is written to, never a caller's array
                    return _compact(a.reshape(n_frames * n_slots, *a.shape[2:]), present.reshape(-1))
                return a[present]

        rows = select(points)
        n = len(rows)

        def optional(a: np.ndarray | None) -> np.ndarray:
            return np.full(n, np.nan) if a is None or not predicted else np.array(select(a), dtype=np.float64)

        # Each column made once here (`build` would copy every one again).
        return cls(
            video=np.full(n, video, dtype=np.int64),
            frame_idx=frames,
            skeleton=per_slot["skeleton"],
            track=per_slot["track"],
            predicted=np.full(n, bool(predicted)),
            points=rows,
            point_scores=np.full(rows.shape[:2], np.nan)
            if point_scores is None or not predicted
            else select(point_scores),
            score=optional(score),
            tracking_score=optional(tracking_score),
        )

    #: The sorted distinct values of a column, quick when there is only one (for writers grouping rows).
    distinct = staticmethod(distinct)

    def __len__(self) -> int:
        return len(self.frame_idx)

    @property
    def ndim(self) -> int:
        """2 or 3: the number of coordinates per point."""
        return self.points.shape[2]

    @property
    def n_nodes(self) -> int:
        """The width of the node axis (the largest skeleton)."""
        return self.points.shape[1]

    def slots(self) -> np.ndarray:
        """Each row's track index, or ``-(k + 1)`` for the k-th untracked instance of its frame.

        Untracked instances of one (video, frame) are numbered in row order, so
        that each can take a slot of its own in a dense array or a file.
        """
        slot = self.track.copy()
        untracked = slot == NO_TRACK
        count = int(np.count_nonzero(untracked))
        if count:
            # No tracks at all (a single animal's file): the key comes from whole columns, not gathered rows.
            rows = slice(None) if count == len(slot) else np.flatnonzero(untracked)
            video, frames = self.video[rows], self.frame_idx[rows]
            key = frames if video.min() == video.max() else video * (int(self.frame_idx.max()) + 1) + frames
            if count < 2 or bool((key[1:] > key[:-1]).all()):
                # One untracked instance per frame, rows in order (a single animal): each is the first.
                slot[rows] = -1
                return slot
            order = np.argsort(key, kind="stable")
            first = np.searchsorted(key[order], key[order], side="left")
            rank = np.empty(count, dtype=np.int64)
            rank[order] = np.arange(count) - first
            slot[rows] = -(rank + 1)
        return slot

    def take(self, rows: np.ndarray) -> PoseTable:
        """A new table of the given rows (an index array or a boolean mask)."""
        return PoseTable(**{f.name: getattr(self, f.name)[rows] for f in attrs.fields(PoseTable)})

    def replace(self, **columns: object) -> PoseTable:
        """A new table with the given columns replaced and the others shared with this one.

        The columns are converted and checked as by the constructor, so a column
        of the wrong length is an `InvalidLabelsError` here rather than a broken
        Labels later. For example, a reader that numbers frames from 1::

            table = table.replace(frame_idx=table.frame_idx - 1)

        Raises:
            TypeError: A name that is not a column of the table.
        """
        names = {f.name for f in attrs.fields(PoseTable)}
        unknown = sorted(set(columns) - names)
        if unknown:
            raise TypeError(f"PoseTable has no column {', '.join(map(repr, unknown))}; its columns are {sorted(names)}")
        for name, column in columns.items():
            if len(column) != len(self):  # type: ignore[arg-type]
                raise InvalidLabelsError(f"column {name!r} has {len(column)} rows, the table has {len(self)}")  # type: ignore[arg-type]
        return PoseTable(**{name: columns.get(name, getattr(self, name)) for name in names})

    def frame_keys(self) -> np.ndarray:
        """``(n_frames, 2)`` unique (video, frame_idx) pairs, sorted."""
        if len(self) == 0:
            return np.empty((0, 2), dtype=np.int64)
        return np.unique(np.stack([self.video, self.frame_idx], axis=1), axis=0)

    def sorted(self) -> PoseTable:
        """Rows ordered by video, frame, then user before predicted (stable)."""
        if len(self) < 2:
            return self
        # Readers usually build rows in order already: check that in one pass before sorting.
        video_step, frame_step = np.diff(self.video), np.diff(self.frame_idx)
        kind_step = np.diff(self.predicted.astype(np.int8))
        in_order = (video_step > 0) | ((video_step == 0) & ((frame_step > 0) | ((frame_step == 0) & (kind_step >= 0))))
        if in_order.all():
            return self
        return self.take(np.lexsort((self.predicted, self.frame_idx, self.video)))

    @staticmethod
    def concat(tables: Sequence[PoseTable]) -> PoseTable:
        """Stack tables, widening the node and coordinate axes with NaN as needed."""
        tables = list(tables)
        if not tables:
            return PoseTable.empty()
        if len(tables) == 1:
            return tables[0]
        n_nodes = max(t.n_nodes for t in tables)
        ndim = max(t.ndim for t in tables)
        total = sum(len(t) for t in tables)
        points = np.full((total, n_nodes, ndim), np.nan)
        point_scores = np.full((total, n_nodes), np.nan)
        start = 0
        for t in tables:
            stop = start + len(t)
            points[start:stop, : t.n_nodes, : t.ndim] = t.points
            point_scores[start:stop, : t.n_nodes] = t.point_scores
            start = stop
        columns = {
            name: np.concatenate([getattr(t, name) for t in tables])
            for name in ("video", "frame_idx", "skeleton", "track", "predicted", "score", "tracking_score")
        }
        return PoseTable(points=points, point_scores=point_scores, **columns)
