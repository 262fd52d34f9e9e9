"""Labels: every pose in a project, with its videos, skeletons and tracks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

from poseio._errors import InvalidLabelsError
from poseio._model._dense import PoseGrid, dense_columns
from poseio._model._instance import Instance, LabeledFrame, PredictedInstance
from poseio._model._skeleton import Node, Skeleton
from poseio._model._table import NO_TRACK, PoseTable, distinct
from poseio._model._video import Track, Video
from poseio._storage._policy import budget_message, check_allocation, current_policy, over_budget


def _same_nodes(nodes: Sequence[Node], recorded: tuple[Node, ...]) -> bool:
    return len(nodes) == len(recorded) and all(a is b for a, b in zip(nodes, recorded))


def _nodes_problem(recorded: tuple[Node, ...], nodes: Sequence[Node]) -> str | None:
    """What changed the positions of a skeleton's nodes, or ``None`` when each keeps its position."""
    if len(nodes) != len(recorded):
        return f"it has {len(nodes)} nodes {[n.name for n in nodes]} where its points have {len(recorded)}"
    now = {id(node): i for i, node in enumerate(nodes)}
    moved = [n.name for i, n in enumerate(recorded) if now.get(id(n), i) != i]
    return f"nodes {moved} were moved" if moved else None


#: Provenance that describes one part's reading, not the whole source: not lifted by `Labels.merge`.
_PER_PART = frozenset({"format", "plugin", "part", "source", "parts"})


class Labels:
    """Pose data: labelled frames plus the videos, skeletons and tracks they use.

    Labels has two faces. Users see ``labeled_frames`` of `LabeledFrame`
    and `Instance` objects, as in SLEAP. Underneath, a `PoseTable`
    holds every instance as arrays; readers build Labels from it
    (`from_table`, `from_numpy`) and writers consume it
    (`to_table`, `numpy`) without a Python loop per instance.
    The objects are built the first time ``labeled_frames`` is touched and from
    then on they are the truth, so edits to them are seen by every later call.

    Attributes:
        videos: Every video, in a stable order.
        skeletons: Every skeleton.
        tracks: Every track (animal identity).
        provenance: Where the data came from: ``format``, ``plugin``, ``source``
            are set by `poseio.load`; readers add what they know.
    """

    def __init__(
        self,
        labeled_frames: Sequence[LabeledFrame] | None = None,
        *,
        videos: Sequence[Video] | None = None,
        skeletons: Sequence[Skeleton] | None = None,
        tracks: Sequence[Track] | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> None:
        self.videos: list[Video] = list(videos or [])
        self.skeletons: list[Skeleton] = list(skeletons or [])
        self.tracks: list[Track] = list(tracks or [])
        self.provenance: dict[str, Any] = dict(provenance or {})
        self._frames: list[LabeledFrame] | None = list(labeled_frames or [])
        self._table: PoseTable | None = None
        # The lists as the table's indices refer to them (see `_synced_table`).
        self._table_objects: tuple[tuple, tuple, tuple] = ((), (), ())
        # The nodes of each of those skeletons, as the table's point columns follow them.
        self._table_nodes: tuple[tuple[Node, ...], ...] = ()
        for frame in self._frames:
            self._adopt_objects_of(frame)

    def _adopt_objects_of(self, frame: LabeledFrame) -> None:
        """Add the frame's video, skeletons and tracks to the lists that lack them."""

        def adopt(item: object, known: list) -> None:
            if not any(item is k for k in known):
                known.append(item)

        adopt(frame.video, self.videos)
        for instance in frame.instances:
            adopt(instance.skeleton, self.skeletons)
            if instance.track is not None:
                adopt(instance.track, self.tracks)

    # -- the array face -------------------------------------------------------------

    @classmethod
    def from_table(
        cls,
        table: PoseTable,
        *,
        videos: Sequence[Video],
        skeletons: Sequence[Skeleton],
        tracks: Sequence[Track] = (),
        provenance: dict[str, Any] | None = None,
    ) -> Labels:
        """Labels backed by a table whose indices refer to the given lists."""
        labels = cls(videos=videos, skeletons=skeletons, tracks=tracks, provenance=provenance)
        for name, items in (("video", videos), ("skeleton", skeletons), ("track", tracks)):
            column = getattr(table, name)
            if len(column) and (column.max() >= len(items) or column.min() < (NO_TRACK if name == "track" else 0)):
                raise InvalidLabelsError(f"table column {name!r} refers to a {name} that is not in the list given")
        if len(table) and table.n_nodes < max(len(s) for s in skeletons):
            raise InvalidLabelsError("table points are narrower than the largest skeleton")
        labels._frames = None
        labels._table = table
        labels._table_objects = labels._objects()
        labels._table_nodes = tuple(tuple(s.nodes) for s in labels.skeletons)
        return labels

    def _objects(self) -> tuple[tuple[Video, ...], tuple[Skeleton, ...], tuple[Track, ...]]:
        return tuple(self.videos), tuple(self.skeletons), tuple(self.tracks)

    def to_table(self) -> PoseTable:
        """Every instance as a `PoseTable` (indices into this Labels' lists)."""
        if self._table is not None:
            return self._synced_table()
        return self._table_from_frames()

    def _synced_table(self) -> PoseTable:
        """The table, its indices following any reordering of ``videos``, ``skeletons`` and ``tracks``.

        The table refers to those lists by position, so a user's
        ``labels.videos.reverse()`` would otherwise move every pose to another
        video. Each pose keeps its objects; removing an object that poses
        still use is refused.
        """
        table, now = self._table, self._objects()
        self._check_nodes(table, now[1])
        for name, before, after in zip(("video", "skeleton", "track"), self._table_objects, now):
            if len(before) == len(after) and all(a is b for a, b in zip(before, after)):
                continue
            positions = {id(item): i for i, item in enumerate(after)}
            earlier = {id(item) for item in before}
            # An object replaced in place (labels.videos[0] = other) hands its poses to the new one.
            replaced = len(after) == len(before)
            moved = np.array(
                [
                    positions.get(id(item), i if replaced and id(after[i]) not in earlier else -1)
                    for i, item in enumerate(before)
                ]
                + [-1],
                dtype=np.int64,
            )
            column = getattr(table, name)
            used = column >= 0
            # Where each row's object went; rows with no object (untracked) look up the -1 at the end.
            went = moved[np.where(used, column, len(before))]
            gone = used & (went < 0)
            if gone.any():
                item = before[int(column[gone][0])]
                raise InvalidLabelsError(
                    f"{item!r} was removed from labels.{name}s, but {int(gone.sum())} instances still use it; "
                    f"remove those instances first, or put the {name} back"
                )
            column = np.where(used, went, column)
            table = table.replace(**{name: column})
        self._table, self._table_objects = table, now
        self._table_nodes = tuple(tuple(s.nodes) for s in now[1])
        return table

    def _check_nodes(self, table: PoseTable, skeletons: tuple[Skeleton, ...]) -> None:
        """Refuse a skeleton whose nodes were added, removed or reordered since its table's points were made.

        The table keeps each instance's points by node position, so after
        ``skeleton.nodes.pop(1)`` every later node would take its neighbour's
        points (in every format written, and in ``numpy()``). Renaming a node
        (a new `Node` in its place) keeps the positions and is fine. Cheap when
        nothing changed: the node lists are compared by identity first.
        """
        before, recorded = self._table_objects[1], self._table_nodes
        if skeletons == before and all(_same_nodes(s.nodes, nodes) for s, nodes in zip(before, recorded)):
            return
        replaced = len(skeletons) == len(before)
        for index in distinct(table.skeleton):
            old = before[index]
            current = old if any(s is old for s in skeletons) else skeletons[index] if replaced else None
            problem = None if current is None else _nodes_problem(recorded[index], current.nodes)
            if problem:
                raise InvalidLabelsError(
                    f"skeleton {current.name!r}: {problem} after its {int((table.skeleton == index).sum())} "
                    "instances were made, whose points are kept by node position, so every later node would take "
                    "its neighbour's points. Put the nodes back as they were, or build new labels with the nodes "
                    "you keep (points = labels.numpy()[..., kept, :]; poseio.Labels.from_numpy)"
                )

    def _table_from_frames(self) -> PoseTable:
        rows = [(frame, inst) for frame in self._frames or [] for inst in frame.instances]
        n_nodes = max((len(s) for s in self.skeletons), default=0)
        ndim = max((inst.points.shape[1] for _, inst in rows), default=2)
        points = np.full((len(rows), n_nodes, ndim), np.nan)
        point_scores = np.full((len(rows), n_nodes), np.nan)
        video_ids = {id(v): i for i, v in enumerate(self.videos)}
        skeleton_ids = {id(s): i for i, s in enumerate(self.skeletons)}
        track_ids = {id(t): i for i, t in enumerate(self.tracks)}
        columns: dict[str, list] = {
            k: [] for k in ("video", "frame_idx", "skeleton", "track", "predicted", "score", "tracking_score")
        }
        for row, (frame, inst) in enumerate(rows):
            try:
                columns["video"].append(video_ids[id(frame.video)])
                columns["skeleton"].append(skeleton_ids[id(inst.skeleton)])
                columns["track"].append(NO_TRACK if inst.track is None else track_ids[id(inst.track)])
            except KeyError:
                raise InvalidLabelsError(
                    f"frame {frame.frame_idx} uses a video, skeleton or track that is not in this Labels' lists"
                ) from None
            columns["frame_idx"].append(frame.frame_idx)
            points[row, : inst.points.shape[0], : inst.points.shape[1]] = inst.points
            predicted = isinstance(inst, PredictedInstance)
            columns["predicted"].append(predicted)
            columns["score"].append(inst.score if predicted else np.nan)
            columns["tracking_score"].append(inst.tracking_score if predicted else np.nan)
            if predicted:
                point_scores[row, : len(inst.point_scores)] = inst.point_scores
        return PoseTable(points=points, point_scores=point_scores, **columns).sorted()

    @classmethod
    def from_numpy(
        cls,
        points: np.ndarray,
        *,
        video: Video,
        skeleton: Skeleton,
        tracks: Sequence[Track] | None = None,
        frame_inds: Sequence[int] | np.ndarray | None = None,
        point_scores: np.ndarray | None = None,
        scores: np.ndarray | None = None,
        tracking_scores: np.ndarray | None = None,
        predicted: bool = True,
        provenance: dict[str, Any] | None = None,
    ) -> Labels:
        """Labels from a dense ``(n_frames, n_tracks, n_nodes, D)`` array.

        An instance exists where at least one of its nodes has finite x and y.
        The array is not copied when every (frame, track) holds an instance.

        Args:
            points: The coordinates, NaN where a node is not visible.
            video: The video all frames belong to.
            skeleton: The skeleton of every instance.
            tracks: One track per slot of axis 1; ``None`` makes every instance untracked.
            frame_inds: The frame index of each row of axis 0 (default ``0..n_frames-1``).
            point_scores: ``(n_frames, n_tracks, n_nodes)`` point confidences.
            scores: ``(n_frames, n_tracks)`` instance confidences.
            tracking_scores: ``(n_frames, n_tracks)`` tracking confidences.
            predicted: Whether the instances are predictions (default) or user labels.
            provenance: Stored as the Labels' provenance.
        """
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 4 or points.shape[3] not in (2, 3):
            raise InvalidLabelsError(f"points must be (n_frames, n_tracks, n_nodes, 2 or 3), got {points.shape}")
        n_frames, n_slots, n_nodes, _ = points.shape
        if n_nodes != len(skeleton):
            raise InvalidLabelsError(f"points have {n_nodes} nodes, skeleton {skeleton.name!r} has {len(skeleton)}")
        if tracks is not None and len(tracks) != n_slots:
            raise InvalidLabelsError(f"{len(tracks)} tracks given for {n_slots} slots on axis 1")
        frame_inds = np.arange(n_frames) if frame_inds is None else np.asarray(frame_inds, dtype=np.int64)
        if frame_inds.shape != (n_frames,):
            raise InvalidLabelsError(f"frame_inds must have shape ({n_frames},), got {frame_inds.shape}")

        def per_slot(values: np.ndarray | None, shape: tuple[int, ...], name: str) -> np.ndarray | None:
            if values is None:
                return None
            values = np.asarray(values, dtype=np.float64)
            if values.shape != shape:
                raise InvalidLabelsError(f"{name} must have shape {shape}, got {values.shape}")
            return values

        point_scores = per_slot(point_scores, (n_frames, n_slots, n_nodes), "point_scores")
        scores = per_slot(scores, (n_frames, n_slots), "scores")
        tracking_scores = per_slot(tracking_scores, (n_frames, n_slots), "tracking_scores")

        table = PoseTable.from_dense(
            points,
            frame_idx=frame_inds,
            track=None if tracks is None else np.arange(n_slots),
            predicted=predicted,
            point_scores=point_scores,
            score=scores,
            tracking_score=tracking_scores,
        )
        return cls.from_table(
            table, videos=[video], skeletons=[skeleton], tracks=list(tracks or []), provenance=provenance
        )

    def numpy(
        self,
        video: Video | int | None = None,
        *,
        skeleton: Skeleton | None = None,
        kind: str = "all",
        return_scores: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """A dense ``(n_frames, n_tracks, n_nodes, D)`` array of one video's poses.

        D is the Labels' (3 when any pose has a z coordinate), except for a video
        whose ``metadata["ndim"]`` is 2 (a reader marks so the 2D camera views of
        a file that also holds 3D world coordinates), which gives 2.

        Axis 0 runs over frame indices ``0 .. n_frames-1`` where ``n_frames`` is
        the video's length when known, else the last labelled frame + 1. Axis 1 is
        ``self.tracks`` in order, followed by as many slots as the busiest frame has
        untracked instances. Where a user and a predicted instance share a slot,
        the user instance wins, as in SLEAP. Empty slots are NaN.

        The result may share memory with this Labels when the layout allows it;
        copy it before changing it in place.

        Args:
            video: The video (object or index); may be omitted when there is one.
            skeleton: The skeleton whose instances to include; may be omitted when
                the video's instances use one skeleton, or several with the same
                node names in the same order (one Skeleton per animal), whose
                instances then stack.
            kind: ``"all"``, ``"user"`` or ``"predicted"`` instances.
            return_scores: Also return ``(n_frames, n_tracks, n_nodes)`` point scores.
        """
        names = ("points", "point_scores") if return_scores else ("points",)
        grids, _ = self._dense(video, skeleton, kind, names, "numpy()")
        return (grids["points"], grids["point_scores"]) if return_scores else grids["points"]

    def grid(
        self, video: Video | int | None = None, *, skeleton: Skeleton | None = None, kind: str = "all"
    ) -> PoseGrid:
        """One video's points and every per-instance value, laid out by frame and slot.

        The layout is `numpy`'s: the same frames, slots and choice of instance
        where several share a place. Beside the points it gives what a writer
        of a dense format needs: point scores, instance and tracking scores,
        which places hold a prediction, and which are occupied. For example::

            grid = labels.grid()
            confident = grid.occupied & (grid.score > 0.5)

        Args:
            video: The video (object or index); may be omitted when there is one.
            skeleton: As in `numpy`.
            kind: ``"all"``, ``"user"`` or ``"predicted"`` instances.

        Raises:
            InvalidLabelsError: The grid would exceed the memory budget, or the
                video's skeletons have different nodes and ``skeleton`` is not given.
            WriteError: Called by a writer during a save, the grid would exceed
                what the save's budget has left.
        """
        names = ("points", "point_scores", "score", "tracking_score", "predicted", "occupied")
        grids, n_tracks = self._dense(video, skeleton, kind, names, "grid()")
        return PoseGrid(**grids, n_tracks=n_tracks)

    def _dense(
        self, video: Video | int | None, skeleton: Skeleton | None, kind: str, names: tuple[str, ...], doing: str
    ) -> tuple[dict[str, np.ndarray], int]:
        """The named grids of `numpy` and `grid`, and the number of track slots."""
        table = self.to_table()
        video_id = self._video_index(video)
        if kind not in ("all", "user", "predicted"):
            raise InvalidLabelsError(f"kind must be 'all', 'user' or 'predicted', not {kind!r}")
        mask = table.video == video_id
        if kind != "all":
            mask &= table.predicted == (kind == "predicted")
        skeleton_ids = distinct(table.skeleton[mask])
        if skeleton is not None:
            skeleton_id = self._index_of(skeleton, self.skeletons, "skeleton")
            mask &= table.skeleton == skeleton_id
        elif len(skeleton_ids) > 1:
            # One Skeleton per animal with the same nodes (as neuroconv, dlc2nwb and most pynwb users
            # write multi-animal files) is one body plan: the animals stack along axis 1.
            node_lists = {tuple(self.skeletons[i].node_names) for i in skeleton_ids}
            if len(node_lists) > 1:
                described = "; ".join(
                    f"{self.skeletons[i].name!r}: {self.skeletons[i].node_names}" for i in skeleton_ids
                )
                raise InvalidLabelsError(
                    f"this video's instances use skeletons with different nodes ({described}), which do not "
                    "stack into one array; pass skeleton= to take one"
                )
            skeleton_id = int(skeleton_ids[0])
        else:
            skeleton_id = int(skeleton_ids[0]) if len(skeleton_ids) else 0
            mask &= table.skeleton == skeleton_id
        n_nodes = len(self.skeletons[skeleton_id]) if self.skeletons else table.n_nodes
        sub = table if mask.all() else table.take(mask)

        shape = self.videos[video_id].shape if self.videos else None
        n_frames = max(shape[0] if shape and shape[0] else 0, int(sub.frame_idx.max()) + 1 if len(sub) else 0)
        # Untracked instances take the slots after the tracks, in row order within each frame.
        slot = sub.slots()
        np.subtract(len(self.tracks) - 1, slot, out=slot, where=slot < 0)  # in place: -(k + 1) becomes tracks + k
        n_slots = max(len(self.tracks), int(slot.max()) + 1 if len(slot) else 0)
        # A frame index or video length read from a file can be anything: check before allocating.
        per_node = sub.ndim + ("point_scores" in names)
        per_place = n_nodes * per_node * 8 + len(set(names) - {"points", "point_scores"}) * 8
        nbytes = n_frames * n_slots * per_place
        what = f"a grid of {n_frames} frames x {n_slots} animals x {n_nodes} nodes"
        if current_policy().writing:
            # A writer's grid draws on the save's budget, and over it is a WriteError as in every writer.
            check_allocation(nbytes, what, "saving these labels")
        elif over_budget(nbytes):
            raise InvalidLabelsError(
                budget_message(nbytes, what, f"labels.{doing}")
                + "; or select the rows you need from labels.to_table() instead"
            )
        grids = dense_columns(sub, slot, n_frames=n_frames, n_slots=n_slots, n_nodes=n_nodes, names=names)
        if sub.ndim == 3 and self.videos and self.videos[video_id].metadata.get("ndim") == 2:
            grids["points"] = grids["points"][..., :2]  # a 2D view (a camera's) of labels that also hold 3D ones
        return grids, len(self.tracks)

    def _video_index(self, video: Video | int | None) -> int:
        if video is None:
            if len(self.videos) > 1:
                raise InvalidLabelsError(
                    f"these labels have {len(self.videos)} videos; pass video= (an index or a Video)"
                )
            return 0
        if isinstance(video, (int, np.integer)):
            if not 0 <= int(video) < len(self.videos):
                raise InvalidLabelsError(f"video index {int(video)} is out of range ({len(self.videos)} videos)")
            return int(video)
        return self._index_of(video, self.videos, "video")

    @staticmethod
    def _index_of(item: object, items: list, what: str) -> int:
        for i, candidate in enumerate(items):
            if candidate is item:
                return i
        raise InvalidLabelsError(f"that {what} is not part of these labels")

    # -- the object face --------------------------------------------------------------

    @property
    def labeled_frames(self) -> list[LabeledFrame]:
        """The labelled frames, sorted by video and frame index."""
        if self._frames is None:
            self._frames = self._frames_from_table(self._synced_table())
            self._table = None
        return self._frames

    def _frames_from_table(self, table: PoseTable) -> list[LabeledFrame]:
        frames: list[LabeledFrame] = []
        if len(table) == 0:
            return frames
        table = table.sorted()
        new_frame = np.ones(len(table), dtype=bool)
        new_frame[1:] = (np.diff(table.video) != 0) | (np.diff(table.frame_idx) != 0)
        starts = np.flatnonzero(new_frame)
        stops = np.append(starts[1:], len(table))
        for start, stop in zip(starts.tolist(), stops.tolist()):
            instances = []
            for row in range(start, stop):
                skeleton = self.skeletons[table.skeleton[row]]
                track_id = table.track[row]
                track = None if track_id == NO_TRACK else self.tracks[track_id]
                points = table.points[row, : len(skeleton)]
                if table.predicted[row]:
                    instances.append(
                        PredictedInstance(
                            points,
                            skeleton,
                            track,
                            score=float(table.score[row]),
                            point_scores=table.point_scores[row, : len(skeleton)],
                            tracking_score=float(table.tracking_score[row]),
                        )
                    )
                else:
                    instances.append(Instance(points, skeleton, track))
            frames.append(LabeledFrame(self.videos[table.video[start]], int(table.frame_idx[start]), instances))
        return frames

    def __len__(self) -> int:
        if self._frames is not None:
            return len(self._frames)
        return len(self._synced_table().frame_keys())

    def __iter__(self) -> Iterator[LabeledFrame]:
        return iter(self.labeled_frames)

    @overload
    def __getitem__(self, index: int) -> LabeledFrame: ...
    @overload
    def __getitem__(self, index: slice) -> list[LabeledFrame]: ...
    def __getitem__(self, index: int | slice) -> LabeledFrame | list[LabeledFrame]:
        return self.labeled_frames[index]

    def append(self, frame: LabeledFrame) -> None:
        """Add a labelled frame, adopting its video, skeletons and tracks."""
        self.labeled_frames.append(frame)
        self._adopt_objects_of(frame)

    # -- summaries ----------------------------------------------------------------------

    @property
    def n_user_instances(self) -> int:
        """How many instances a person placed."""
        return int((~self.to_table().predicted).sum())

    @property
    def n_predicted_instances(self) -> int:
        """How many instances a model predicted."""
        return int(self.to_table().predicted.sum())

    def __repr__(self) -> str:
        return (
            f"Labels(labeled_frames={len(self)}, videos={len(self.videos)}, skeletons={len(self.skeletons)}, "
            f"tracks={len(self.tracks)}, user_instances={self.n_user_instances}, "
            f"predicted_instances={self.n_predicted_instances})"
        )

    # -- combining ----------------------------------------------------------------------

    @staticmethod
    def merge(parts: Sequence[Labels]) -> Labels:
        """Combine Labels read from different parts of one source.

        Videos with the same filename, skeletons that match and tracks with the
        same name become one. Provenance is kept per part under ``"parts"``, and
        what the parts' readers recorded is also kept at the top (mappings
        merged, lists joined, otherwise the first part's value).
        """
        if len(parts) == 1:
            return parts[0]
        videos: list[Video] = []
        skeletons: list[Skeleton] = []
        tracks: list[Track] = []
        tables = []

        def mapping(items: list, pool: list, same) -> np.ndarray:
            ids = []
            for item in items:
                found = next((i for i, known in enumerate(pool) if same(item, known)), None)
                if found is None:
                    pool.append(item)
                    found = len(pool) - 1
                ids.append(found)
            return np.asarray(ids, dtype=np.int64)

        for part in parts:
            table = part.to_table()
            video_map = mapping(part.videos, videos, Video.matches)
            skeleton_map = mapping(part.skeletons, skeletons, Skeleton.matches)
            # The extra last entry maps NO_TRACK (-1, so the last index) to itself.
            track_map = np.append(mapping(part.tracks, tracks, lambda a, b: a.name == b.name), NO_TRACK)
            tables.append(
                PoseTable(
                    video=video_map[table.video] if len(table) else table.video,
                    frame_idx=table.frame_idx,
                    skeleton=skeleton_map[table.skeleton] if len(table) else table.skeleton,
                    track=track_map[table.track] if len(table) else table.track,
                    predicted=table.predicted,
                    points=table.points,
                    point_scores=table.point_scores,
                    score=table.score,
                    tracking_score=table.tracking_score,
                )
            )
        provenance: dict[str, Any] = {"parts": [dict(p.provenance) for p in parts]}
        # What a part's reader recorded is lifted to the top too, so that a writer finds it whichever
        # part it came from: mappings are merged, lists joined, and of anything else the first kept.
        for part in parts:
            for key, value in part.provenance.items():
                if key in _PER_PART or value is None or (hasattr(value, "__len__") and not len(value)):
                    continue
                known = provenance.get(key)
                if known is None:
                    provenance[key] = (
                        dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
                    )
                elif isinstance(known, dict) and isinstance(value, dict):
                    known.update(value)
                elif isinstance(known, list) and isinstance(value, list):
                    known.extend(value)
        return Labels.from_table(
            PoseTable.concat(tables), videos=videos, skeletons=skeletons, tracks=tracks, provenance=provenance
        )

    # -- bridges to other libraries (poseio.bridges) -------------------------------------
    # Thin methods: the bridges import movement, sleap-io or pandas only when called.

    def to_movement(self, video: Video | int | None = None, **options: Any) -> Any:
        """One video's poses as a movement poses dataset (`xarray.Dataset`); see `poseio.bridges.to_movement`."""
        from poseio.bridges import to_movement

        return to_movement(self, video, **options)

    @classmethod
    def from_movement(cls, ds: Any, **options: Any) -> Labels:
        """Labels from a movement poses dataset; see `poseio.bridges.from_movement`."""
        from poseio.bridges import from_movement

        return from_movement(ds, **options)

    def to_sleap_io(self, **options: Any) -> Any:
        """These labels as a `sleap_io.Labels`; see `poseio.bridges.to_sleap_io`."""
        from poseio.bridges import to_sleap_io

        return to_sleap_io(self, **options)

    @classmethod
    def from_sleap_io(cls, sio_labels: Any) -> Labels:
        """Labels from a `sleap_io.Labels`; see `poseio.bridges.from_sleap_io`."""
        from poseio.bridges import from_sleap_io

        return from_sleap_io(sio_labels)

    def to_dataframe(self, layout: str = "dlc", **options: Any) -> Any:
        """These labels as a pandas DataFrame (``"dlc"`` or ``"tidy"``); see `poseio.bridges.to_dataframe`."""
        from poseio.bridges import to_dataframe

        return to_dataframe(self, layout, **options)

    @classmethod
    def from_dataframe(cls, df: Any, **options: Any) -> Labels:
        """Labels from a DeepLabCut-layout or tidy DataFrame; see `poseio.bridges.from_dataframe`."""
        from poseio.bridges import from_dataframe

        return from_dataframe(df, **options)
